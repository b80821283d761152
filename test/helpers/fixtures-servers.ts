// Fixtures for the server-group tests: backend instances of the world inventory, load balancers,
// listeners and rules written straight into the store (the documents other families own), so
// these tests do not depend on those families' actions.
import type { InstanceDoc, ListenerDoc, LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { KINDS, listenerId } from '../../src/products/slb/services/model.js';
import assert from 'node:assert/strict';
import { lbDocBase, patchLbDoc, REGION, scopeIn as scope, storeLbDoc } from './fixtures-lb.js';
import { rejects, type TestServer } from './server.js';

export { REGION };
export const VPC = 'vpc-bp1fixture000000000001';
export const VSW = 'vsw-bp1fixture000000000001';

let seq = 0;
const next = () => (++seq).toString(36).padStart(6, '0');

export async function putInstance(s: TestServer, over: Partial<InstanceDoc> = {}): Promise<InstanceDoc> {
  const type = over.Type ?? 'ecs';
  const prefix = type === 'ecs' ? 'i-' : `${type}-`;
  const n = ++seq;
  const doc: InstanceDoc = {
    InstanceId: `${prefix}bp1fx${next()}`,
    RegionId: REGION,
    PrivateIpAddress: `192.168.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`,
    NetworkType: 'vpc',
    VpcId: VPC,
    VSwitchId: VSW,
    ZoneId: 'cn-hangzhou-b',
    Status: 'Running',
    Type: type,
    ...over,
  };
  await s.store.write((tx) => tx.put(KINDS.instance, scope(s, doc.RegionId), doc.InstanceId, doc));
  return doc;
}

export async function putInstances(s: TestServer, n: number, over: Partial<InstanceDoc> = {}): Promise<InstanceDoc[]> {
  const out: InstanceDoc[] = [];
  for (let i = 0; i < n; i++) out.push(await putInstance(s, over));
  return out;
}

export async function putLoadBalancer(s: TestServer, over: Partial<LoadBalancerDoc> = {}): Promise<LoadBalancerDoc> {
  const id = `lb-bp1fx${next()}${next()}`;
  return storeLbDoc(s, { ...lbDocBase(), LoadBalancerId: id, LoadBalancerName: 'fixture', Address: '192.168.200.10', AddressType: 'intranet', NetworkType: 'vpc', VpcId: VPC, VSwitchId: VSW, ...over });
}

export async function getLoadBalancer(s: TestServer, id: string, region = REGION): Promise<LoadBalancerDoc | undefined> {
  return s.store.read((tx) => tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scope(s, region), id));
}

export const patchLoadBalancer = patchLbDoc;

export async function patchInstance(s: TestServer, id: string, patch: Partial<InstanceDoc>, region = REGION): Promise<void> {
  await s.store.write(async (tx) => {
    const i = await tx.get<InstanceDoc>(KINDS.instance, scope(s, region), id);
    await tx.put(KINDS.instance, scope(s, region), id, { ...i!, ...patch });
  });
}

export async function putListener(s: TestServer, lbId: string, over: Partial<ListenerDoc> & { ListenerPort: number; ListenerProtocol: ListenerDoc['ListenerProtocol'] }, region = REGION): Promise<ListenerDoc> {
  const doc: ListenerDoc = { LoadBalancerId: lbId, Status: 'stopped', ...over };
  await s.store.write((tx) => tx.put(KINDS.listener, scope(s, region), listenerId(lbId, doc.ListenerProtocol, doc.ListenerPort), doc));
  return doc;
}

export async function deleteListener(s: TestServer, lbId: string, protocol: string, port: number, region = REGION): Promise<void> {
  await s.store.write((tx) => tx.delete(KINDS.listener, scope(s, region), listenerId(lbId, protocol, port)));
}

export interface RuleFixture {
  RuleId: string;
  RuleName: string;
  LoadBalancerId: string;
  ListenerPort: number;
  ListenerProtocol: string;
  Domain: string;
  Url: string;
  VServerGroupId: string;
}

export async function putRule(s: TestServer, rule: Omit<RuleFixture, 'RuleId'> & { RuleId?: string }, region = REGION): Promise<RuleFixture> {
  const doc = { RuleId: rule.RuleId ?? `rule-bp1fx${next()}`, ...rule } as RuleFixture;
  await s.store.write((tx) => tx.put(KINDS.rule, scope(s, region), doc.RuleId, doc));
  return doc;
}

export async function deleteRule(s: TestServer, id: string, region = REGION): Promise<void> {
  await s.store.write((tx) => tx.delete(KINDS.rule, scope(s, region), id));
}

/** Terraform's BackendServers text: single quotes, every value a string. */
export function tfServers(list: Record<string, string | number>[]): string {
  return `[${list.map((o) => `{${Object.entries(o).map(([k, v]) => `'${k}':'${v}'`).join(',')}}`).join(',')}]`;
}

/** Splits like Terraform: chunks of 20, plus an empty trailing chunk when the count is a multiple of 20. */
export function tfChunks<T>(items: T[], size = 20): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  if (items.length % size === 0) out.push([]);
  return out;
}

/**
 * Calls `action` through both real clients (pop-core V1 GET, openapi-client V3) and checks that
 * each gets the same catalog error: code, message and (V3 exposes it) the HTTP status.
 */
export async function expectError(s: TestServer, action: string, params: Record<string, unknown>, want: { code: string; status: number; message: string }): Promise<void> {
  const a = await rejects(() => s.call(action, params));
  assert.equal(a.code, want.code, `pop-core ${action}: ${JSON.stringify(a.data)}`);
  assert.equal(a.data['Message'], want.message);
  const b = await rejects(() => s.v3(action, params));
  assert.equal(b.code, want.code, `openapi-client ${action}: ${JSON.stringify(b.data)}`);
  assert.equal(b.statusCode, want.status);
  assert.equal(b.data['Message'], want.message);
}

/** pop-core parses into null-prototype objects; compare plain copies. */
export function plain<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}
