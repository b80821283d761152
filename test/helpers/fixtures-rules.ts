// Fixtures for the rule / domain-extension / access-log / monitor tests: the documents other
// families own (load balancers, listeners, VServer groups, server certificates) and the world's log
// stores, written straight into the store so these tests do not depend on those families' actions.
import type { ListenerDoc, LoadBalancerDoc } from '../../src/services/model.js';
import { KINDS, listenerId } from '../../src/services/model.js';
import type { Scope } from '../../src/state/store.js';
import { createLogProject, createLogStore } from '../../src/world/log-stores.js';
import type { TestServer } from './server.js';

export const REGION = 'cn-hangzhou';

let seq = 0;
const next = () => (++seq).toString(36).padStart(6, '0');

export function scopeIn(s: TestServer, region = REGION): Scope {
  return { account: s.rootAccountId, region };
}

export async function putLb(s: TestServer, over: Partial<LoadBalancerDoc> = {}): Promise<LoadBalancerDoc> {
  const region = over.RegionId ?? REGION;
  const doc: LoadBalancerDoc = {
    LoadBalancerId: `lb-bp1rl${next()}${next()}`,
    LoadBalancerName: 'rules-fixture',
    RegionId: region,
    Address: '192.168.201.10',
    AddressType: 'intranet',
    AddressIPVersion: 'ipv4',
    NetworkType: 'vpc',
    VpcId: 'vpc-bp1rulesfixture0000001',
    VSwitchId: 'vsw-bp1rulesfixture0000001',
    LoadBalancerStatus: 'active',
    LoadBalancerSpec: 'slb.s1.small',
    InstanceChargeType: 'PayBySpec',
    InternetChargeType: 'paybytraffic',
    Bandwidth: 5120,
    PayType: 'PayOnDemand',
    MasterZoneId: `${region}-b`,
    SlaveZoneId: `${region}-c`,
    DeleteProtection: 'off',
    ModificationProtectionStatus: 'NonProtection',
    ModificationProtectionReason: '',
    ResourceGroupId: 'rg-fixture',
    CreateTime: '2026-11-29T00:00:00Z',
    CreateTimeStamp: Date.parse('2026-11-29T00:00:00Z'),
    BackendServers: [],
    ...over,
  };
  await s.store.write((tx) => tx.put(KINDS.loadBalancer, scopeIn(s, region), doc.LoadBalancerId, doc));
  return doc;
}

export async function putListener(s: TestServer, lb: LoadBalancerDoc, protocol: ListenerDoc['ListenerProtocol'], port: number, over: Partial<ListenerDoc> = {}): Promise<ListenerDoc> {
  const doc: ListenerDoc = {
    LoadBalancerId: lb.LoadBalancerId,
    ListenerPort: port,
    ListenerProtocol: protocol,
    Status: 'running',
    BackendServerPort: 8080,
    Scheduler: 'wrr',
    StickySession: 'off',
    HealthCheck: 'on',
    HealthCheckURI: '/ping',
    HealthCheckHttpCode: 'http_2xx',
    HealthyThreshold: 3,
    UnhealthyThreshold: 3,
    HealthCheckTimeout: 5,
    HealthCheckInterval: 2,
    ...over,
  };
  await s.store.write((tx) => tx.put(KINDS.listener, scopeIn(s, lb.RegionId), listenerId(lb.LoadBalancerId, protocol, port), doc));
  return doc;
}

export async function setListener(s: TestServer, lb: LoadBalancerDoc, protocol: ListenerDoc['ListenerProtocol'], port: number, patch: Partial<ListenerDoc>): Promise<void> {
  const id = listenerId(lb.LoadBalancerId, protocol, port);
  await s.store.write(async (tx) => {
    const cur = await tx.get<ListenerDoc>(KINDS.listener, scopeIn(s, lb.RegionId), id);
    await tx.put(KINDS.listener, scopeIn(s, lb.RegionId), id, { ...cur!, ...patch });
  });
}

export async function putVServerGroup(s: TestServer, lb: LoadBalancerDoc, servers = 1): Promise<string> {
  const id = `rsp-bp1${next()}`;
  const doc = {
    VServerGroupId: id,
    VServerGroupName: `group-${id}`,
    LoadBalancerId: lb.LoadBalancerId,
    BackendServers: Array.from({ length: servers }, (_, i) => ({ ServerId: `i-bp1fx${next()}`, Port: 80 + i, Weight: 100, Type: 'ecs' })),
  };
  await s.store.write((tx) => tx.put(KINDS.vServerGroup, scopeIn(s, lb.RegionId), id, doc));
  return id;
}

export async function putServerCertificate(s: TestServer, region = REGION): Promise<string> {
  const id = `${s.rootAccountId}_18c${next()}_${1000 + seq}_${200000 + seq}`;
  const doc = { ServerCertificateId: id, ServerCertificateName: `cert-${seq}`, RegionId: region };
  await s.store.write((tx) => tx.put(KINDS.serverCertificate, scopeIn(s, region), id, doc));
  return id;
}

/** A Log Service project with its logstores in the world registry. */
export async function putLogStores(s: TestServer, project: string, stores: string[], region = REGION): Promise<void> {
  await s.store.write(async (tx) => {
    await createLogProject(tx, scopeIn(s, region), project, '2026-11-29T00:00:00Z');
    for (const st of stores) await createLogStore(tx, scopeIn(s, region), project, st);
  });
}

export async function countKind(s: TestServer, kind: string, region = REGION): Promise<number> {
  return s.store.read(async (tx) => (await tx.list(kind, scopeIn(s, region))).length);
}
