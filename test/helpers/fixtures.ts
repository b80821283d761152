// Fixtures for the listener tests: a load balancer made with the real CreateLoadBalancer when that
// action is implemented (otherwise written straight into the store), and the documents of other
// families a listener refers to (server groups, ACLs, certificates, TLS policies), written
// directly so these tests do not depend on those families' create actions.
import type { LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { KINDS } from '../../src/products/slb/services/model.js';
import { createCA, issueLeaf, type Issued } from '../../src/util/pki.js';
import { lbDocBase, patchLbDoc, REGION, scopeIn as scope, storeLbDoc } from './fixtures-lb.js';
import { putInstances } from './fixtures-servers.js';
import type { TestServer } from './server.js';

export { patchLbDoc, REGION };

let seq = 0;
const next = () => `${process.pid.toString(36)}${(++seq).toString(36)}`.padStart(8, '0');

/** A load balancer of the root account: through CreateLoadBalancer, or a stored document. */
export async function createLbFixture(s: TestServer, over: Partial<LoadBalancerDoc> = {}): Promise<LoadBalancerDoc> {
  if (Object.keys(over).length === 0) {
    try {
      const r = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: `fx-${next()}` })) as { LoadBalancerId: string };
      const lb = await s.store.read((tx) => tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scope(s), r.LoadBalancerId));
      if (lb) return lb;
    } catch (e) {
      if ((e as { code?: string }).code !== 'UnsupportedOperation') throw e;
    }
  }
  return putLbDoc(s, over);
}

export async function putLbDoc(s: TestServer, over: Partial<LoadBalancerDoc> = {}): Promise<LoadBalancerDoc> {
  return storeLbDoc(s, { ...lbDocBase(), LoadBalancerId: `lb-bp1lsn${next()}${next()}`.slice(0, 26), LoadBalancerName: 'listener-fixture', ...over });
}

/** A document of another family, written as that family stores it (at least these fields). */
export async function putDoc(s: TestServer, kind: string, id: string, doc: Record<string, unknown>): Promise<void> {
  await s.store.write((tx) => tx.put(kind, scope(s), id, doc));
}

/** Runs the real create action; falls back to `write` while that action is not implemented yet. */
async function viaAction<T>(s: TestServer, action: string, params: Record<string, unknown>, pick: (r: Record<string, unknown>) => T, write: () => Promise<T>): Promise<T> {
  try {
    return pick(await s.call(action, params, { method: 'POST' }));
  } catch (e) {
    if ((e as { code?: string }).code !== 'UnsupportedOperation') throw e;
    return write();
  }
}

export async function vServerGroupFixture(s: TestServer, lbId: string): Promise<string> {
  return viaAction(s, 'CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lbId, VServerGroupName: `fx-${next()}` }, (r) => String(r['VServerGroupId']), async () => {
    const id = `rsp-vs${next()}`;
    await putDoc(s, KINDS.vServerGroup, id, { VServerGroupId: id, VServerGroupName: 'fx', LoadBalancerId: lbId, BackendServers: [] });
    return id;
  });
}

/** Master-slave groups need two running instances of the world inventory. */
export async function masterSlaveGroupFixture(s: TestServer, lbId: string): Promise<string> {
  const [a, b] = await putInstances(s, 2, { NetworkType: 'classic', VpcId: undefined, VSwitchId: undefined });
  const servers = JSON.stringify([
    { ServerId: a!.InstanceId, Port: 80, Weight: 100, ServerType: 'Master' },
    { ServerId: b!.InstanceId, Port: 80, Weight: 100, ServerType: 'Slave' },
  ]);
  return viaAction(s, 'CreateMasterSlaveServerGroup', { RegionId: REGION, LoadBalancerId: lbId, MasterSlaveServerGroupName: `fx-${next()}`, MasterSlaveBackendServers: servers }, (r) => String(r['MasterSlaveServerGroupId']), async () => {
    const id = `rsp-ms${next()}`;
    await putDoc(s, KINDS.masterSlaveServerGroup, id, { MasterSlaveServerGroupId: id, MasterSlaveServerGroupName: 'fx', LoadBalancerId: lbId, BackendServers: [] });
    return id;
  });
}

export async function aclFixture(s: TestServer, ipVersion: 'ipv4' | 'ipv6' = 'ipv4'): Promise<string> {
  return viaAction(s, 'CreateAccessControlList', { RegionId: REGION, AclName: `fx-${next()}`, AddressIPVersion: ipVersion }, (r) => String(r['AclId']), async () => {
    const id = `acl-bp1fx${next()}`;
    await putDoc(s, KINDS.acl, id, { AclId: id, AclName: 'fx', AddressIPVersion: ipVersion, AclEntrys: [] });
    return id;
  });
}

let pem: { ca: Issued; leaf: Issued } | undefined;
const material = () => {
  if (!pem) {
    const ca = createCA('listener fixture CA');
    pem = { ca, leaf: issueLeaf(ca, ['www.example.com']) };
  }
  return pem;
};

export async function serverCertFixture(s: TestServer): Promise<string> {
  const { leaf } = material();
  return viaAction(s, 'UploadServerCertificate', { RegionId: REGION, ServerCertificateName: `fx-${next()}`, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem }, (r) => String(r['ServerCertificateId']), async () => {
    const id = `1234567890_fx${next()}_server`;
    await putDoc(s, KINDS.serverCertificate, id, { ServerCertificateId: id, ServerCertificateName: 'fx' });
    return id;
  });
}

export async function caCertFixture(s: TestServer): Promise<string> {
  const { ca } = material();
  return viaAction(s, 'UploadCACertificate', { RegionId: REGION, CACertificateName: `fx-${next()}`, CACertificate: ca.certPem }, (r) => String(r['CACertificateId']), async () => {
    const id = `1234567890_fx${next()}_ca`;
    await putDoc(s, KINDS.caCertificate, id, { CACertificateId: id, CACertificateName: 'fx' });
    return id;
  });
}
