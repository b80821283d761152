// Fixtures for the rule / domain-extension / access-log / monitor tests. Load balancers, VServer
// groups and server certificates come from the other families' real actions (CreateLoadBalancer,
// CreateVServerGroup, UploadServerCertificate); `putLb` with overrides (another region, a lock)
// and listeners in a chosen state are written straight into the store. The world's log stores go
// through src/world/log-stores.ts.
import type { ListenerDoc, LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { KINDS, listenerId } from '../../src/products/slb/services/model.js';
import { createCA, issueLeaf, type Issued } from '../../src/util/pki.js';
import { createLogProject, createLogStore } from '../../src/world/log-stores.js';
import { lbDocBase, REGION, scopeIn, storeLbDoc } from './fixtures-lb.js';
import type { TestServer } from './server.js';

export { REGION, scopeIn };

let seq = 0;
const next = () => (++seq).toString(36).padStart(6, '0');

/** A load balancer: through the real CreateLoadBalancer (in `over.RegionId`, default cn-hangzhou); other overrides are written onto the stored document. */
export async function putLb(s: TestServer, over: Partial<LoadBalancerDoc> = {}): Promise<LoadBalancerDoc> {
  const region = over.RegionId ?? REGION;
  const r = (await s.call('CreateLoadBalancer', { RegionId: region, LoadBalancerName: `rules-fx-${next()}` })) as { LoadBalancerId: string };
  return s.store.write(async (tx) => {
    const doc = { ...(await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scopeIn(s, region), r.LoadBalancerId))!, ...over };
    await tx.put(KINDS.loadBalancer, scopeIn(s, region), doc.LoadBalancerId, doc);
    return doc;
  });
}

/** A load balancer document written straight into the store (no action involved). */
export async function putLbDoc(s: TestServer, over: Partial<LoadBalancerDoc> = {}): Promise<LoadBalancerDoc> {
  const base = lbDocBase(over.RegionId ?? REGION);
  return storeLbDoc(s, { ...base, LoadBalancerId: `lb-bp1rl${next()}${next()}`, LoadBalancerName: 'rules-fixture', Address: '192.168.201.10', AddressType: 'intranet', NetworkType: 'vpc', VpcId: 'vpc-bp1rulesfixture0000001', VSwitchId: 'vsw-bp1rulesfixture0000001', ...over });
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

/** A VServer group through the real CreateVServerGroup (no backend servers). */
export async function putVServerGroup(s: TestServer, lb: LoadBalancerDoc): Promise<string> {
  const r = (await s.call('CreateVServerGroup', { RegionId: lb.RegionId, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: `group-${next()}` })) as { VServerGroupId: string };
  return r.VServerGroupId;
}

let pem: Issued | undefined;

/** A server certificate through the real UploadServerCertificate (a leaf of a throw-away CA). */
export async function putServerCertificate(s: TestServer, region = REGION): Promise<string> {
  pem ??= issueLeaf(createCA('rules fixture CA'), ['www.example.com', '*.example.com']);
  const r = (await s.call('UploadServerCertificate', { RegionId: region, ServerCertificateName: `cert-${next()}`, ServerCertificate: pem.certPem, PrivateKey: pem.keyPem }, { method: 'POST' })) as { ServerCertificateId: string };
  return r.ServerCertificateId;
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
