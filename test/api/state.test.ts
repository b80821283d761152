// Reset, export and import of the whole state through the operator API (docs/state.md): resources
// made through pop-core, then POST /_openslb/reset, GET and PUT /_openslb/state, and the effect
// seen through the SLB API again. On PostgreSQL too when OPENSLB_TEST_PG_URL is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from '../../src/state/secrets.js';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { findRegion } from '../../src/world/regions.js';
import { createSchema, dropSchema, freshSchema, PG_URL, urlWithSchema } from '../helpers/postgres.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { createSubUser, createTenant, op, opOk, principal, type Principal } from '../helpers/tenants.js';

const R = 'cn-hangzhou';
const ca = createCA('State CA');
const leaf = issueLeaf(ca, ['state.example.com']);
type Call = (action: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>>;

const root = (s: TestServer): Principal => principal(s, s.rootAccountId, s.rootKey.id, s.rootKey.secret);

/** A bit of everything in one account: load balancers with listeners, a server group, tags, an ACL, a certificate. */
async function populate(call: Call, tag: string): Promise<{ lbs: string[]; addresses: string[]; acl: string; cert: string }> {
  const lbs: string[] = [];
  const addresses: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = (await call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: `${tag}-${i}` })) as { LoadBalancerId: string; Address: string };
    lbs.push(r.LoadBalancerId);
    addresses.push(r.Address);
    await call('CreateLoadBalancerTCPListener', { RegionId: R, LoadBalancerId: r.LoadBalancerId, ListenerPort: 80 + i, BackendServerPort: 8080, Bandwidth: -1 });
  }
  await call('CreateVServerGroup', { RegionId: R, LoadBalancerId: lbs[0], VServerGroupName: `${tag}-group` });
  await call('TagResources', { RegionId: R, ResourceType: 'instance', ResourceId: [lbs[1]], Tag: [{ Key: 'team', Value: tag }] });
  const acl = (await call('CreateAccessControlList', { RegionId: R, AclName: `${tag}-acl` }))['AclId'] as string;
  await call('AddAccessControlListEntry', { RegionId: R, AclId: acl, AclEntrys: JSON.stringify([{ entry: '10.0.0.0/8', comment: 'office' }]) });
  const cert = (await call('UploadServerCertificate', { RegionId: R, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: `${tag}-cert` }))['ServerCertificateId'] as string;
  return { lbs, addresses, acl, cert };
}

/** What the API says about an account, as JSON text without the RequestIds (field order included). */
async function describe(call: Call): Promise<string> {
  const out: unknown[] = [];
  const strip = (r: Record<string, unknown>) => {
    const { RequestId: _r, ...rest } = r;
    return rest;
  };
  const lbs = (await call('DescribeLoadBalancers', { RegionId: R })) as { LoadBalancers: { LoadBalancer: { LoadBalancerId: string }[] } };
  out.push(strip(lbs));
  for (const lb of lbs.LoadBalancers.LoadBalancer) {
    out.push(strip(await call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: lb.LoadBalancerId })));
    out.push(strip(await call('DescribeLoadBalancerListeners', { RegionId: R, 'LoadBalancerId.1': lb.LoadBalancerId })));
    out.push(strip(await call('DescribeVServerGroups', { RegionId: R, LoadBalancerId: lb.LoadBalancerId })));
  }
  out.push(strip(await call('ListTagResources', { RegionId: R, ResourceType: 'instance', ResourceId: lbs.LoadBalancers.LoadBalancer.map((l) => l.LoadBalancerId) })));
  const acls = (await call('DescribeAccessControlLists', { RegionId: R })) as { Acls: { Acl: { AclId: string }[] } };
  out.push(strip(acls));
  for (const a of acls.Acls.Acl) out.push(strip(await call('DescribeAccessControlListAttribute', { RegionId: R, AclId: a.AclId })));
  out.push(strip(await call('DescribeServerCertificates', { RegionId: R })));
  return JSON.stringify(out);
}

const total = async (call: Call) => ((await call('DescribeLoadBalancers', { RegionId: R })) as { TotalCount: number }).TotalCount;

async function exportState(s: TestServer): Promise<string> {
  const res = await fetch(`${s.url}/_openslb/state`, { headers: { authorization: `Bearer ${s.operatorToken}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return res.text();
}

async function importState(s: TestServer, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return op(s, 'PUT', '/state', body);
}

test('reset: everything but the identities goes; keys, RAM users, the operator token and the world file stay', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-state-'));
  const worldFile = join(dir, 'world.json');
  writeFileSync(worldFile, JSON.stringify({ Vpcs: [{ RegionId: R, VpcId: 'vpc-worldfile0001', CidrBlock: '192.168.0.0/16', VSwitches: [{ VSwitchId: 'vsw-worldfile0001', ZoneId: 'cn-hangzhou-b', CidrBlock: '192.168.1.0/24' }] }], Instances: [{ RegionId: R, InstanceId: 'i-worldfile0001', PrivateIpAddress: '192.168.1.10', VpcId: 'vpc-worldfile0001', VSwitchId: 'vsw-worldfile0001' }] }));
  const s = await startTestServer({ dataDir: dir, world: worldFile });
  t.after(() => s.stop());
  const A = root(s);
  const b = await createTenant(s);
  const dev = await createSubUser(s, b.accountId, 'dev', [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:*', Resource: '*' }] }]);
  const before = await populate(A.call, 'root');
  await populate(b.call, 'tenant');
  await opOk(s, 'POST', '/world/instances', { RegionId: R, PrivateIpAddress: '10.9.9.9', InstanceId: 'i-addedlater' });
  assert.equal(await total(dev.call), 3);

  // not without the operator token
  assert.equal((await op(s, 'POST', '/reset', {}, 'wrong')).status, 401);
  const r = await opOk(s, 'POST', '/reset', {});
  assert.ok((r['Deleted'] as number) > 20, JSON.stringify(r));
  assert.equal(r['WorldReapplied'], true);
  assert.equal(r['AccountId'], undefined);

  // the keys of the account, of the tenant and of its RAM user still sign; there is nothing left to see
  for (const who of [A, b, dev]) {
    assert.equal(await total(who.call), 0);
    assert.deepEqual(((await who.call('DescribeAccessControlLists', { RegionId: R })) as { Acls: { Acl: unknown[] } }).Acls.Acl, []);
    assert.deepEqual(((await who.call('DescribeServerCertificates', { RegionId: R })) as { ServerCertificates: { ServerCertificate: unknown[] } }).ServerCertificates.ServerCertificate, []);
  }
  const accounts = (await opOk(s, 'GET', '/accounts')) as { Accounts: { AccountId: string }[] };
  assert.deepEqual(accounts.Accounts.map((a) => a.AccountId).sort(), [s.rootAccountId, b.accountId].sort());
  assert.deepEqual(((await opOk(s, 'GET', `/accounts/${b.accountId}/ram/users`)) as { Users: { UserName: string }[] }).Users.map((u) => u.UserName), ['dev']);
  assert.deepEqual((await opOk(s, 'GET', '/world/leases'))['Leases'], []);
  // the world file is there again, what was added since is not
  const instances = ((await opOk(s, 'GET', `/world/instances?RegionId=${R}`)) as { Instances: { InstanceId: string }[] }).Instances.map((i) => i.InstanceId);
  assert.deepEqual(instances, ['i-worldfile0001']);
  assert.ok(((await opOk(s, 'GET', `/world/vpcs?RegionId=${R}`)) as { Vpcs: { VpcId: string }[] }).Vpcs.some((v) => v.VpcId === 'vpc-worldfile0001'));
  // as on a first start: the first address handed out is the first one handed out before
  const again = (await A.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'after-reset' })) as { Address: string };
  assert.equal(again.Address, before.addresses[0]);
  // a reset of nothing is fine too
  await opOk(s, 'POST', '/reset');
  assert.equal(await total(A.call), 0);
  // a world file that cannot be read again: refused, nothing changes
  await A.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'stays' });
  writeFileSync(worldFile, '{ not json');
  const refused = await op(s, 'POST', '/reset', {});
  assert.equal(refused.status, 409);
  assert.equal(refused.body['Code'], 'WorldFileUnreadable');
  assert.equal(await total(A.call), 1);
});

test('reset of one account: its resources go, the other accounts and its keys stay', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const A = root(s);
  const b = await createTenant(s);
  const dev = await createSubUser(s, b.accountId, 'dev', [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:*', Resource: '*' }] }]);
  await populate(A.call, 'root');
  const stock = findRegion(R)!.zones.map((z) => ({ RegionId: R, ZoneId: z.ZoneId, Spec: '*', Available: 100 }));
  await opOk(s, 'PUT', '/world/stock', { Stock: stock });
  const mine = await populate(b.call, 'tenant');
  const taken = ((await opOk(s, 'GET', '/world/stock')) as { Stock: { Available: number }[] }).Stock.reduce((n, e) => n + 100 - e.Available, 0);
  assert.equal(taken, 3);
  const rootBefore = await describe(A.call);
  // wallets: the account's goes back to the defaults, the other one's stays
  const fresh = await opOk(s, 'GET', `/accounts/${b.accountId}/commerce`);
  await opOk(s, 'POST', `/accounts/${b.accountId}/commerce/topup`, { Amount: 5 });
  await opOk(s, 'POST', `/accounts/${s.rootAccountId}/commerce/topup`, { Amount: 7 });
  const rootWallet = await opOk(s, 'GET', `/accounts/${s.rootAccountId}/commerce`);
  assert.notDeepEqual(await opOk(s, 'GET', `/accounts/${b.accountId}/commerce`), fresh);

  assert.equal((await op(s, 'POST', '/reset', { AccountId: '1999999999999999' })).body['Code'], 'AccountNotFound');
  assert.equal((await op(s, 'POST', '/reset', { AccountId: 42 })).status, 400);
  assert.equal((await op(s, 'POST', '/reset', { Account: b.accountId })).body['Code'], 'UnknownField');
  const r = await opOk(s, 'POST', '/reset', { AccountId: b.accountId });
  assert.equal(r['AccountId'], b.accountId);
  assert.equal(r['WorldReapplied'], false);

  assert.equal(await describe(A.call), rootBefore, 'the other account is untouched');
  assert.deepEqual(await opOk(s, 'GET', `/accounts/${b.accountId}/commerce`), fresh);
  assert.deepEqual(await opOk(s, 'GET', `/accounts/${s.rootAccountId}/commerce`), rootWallet);
  // the stock its load balancers held is back, the server-wide settings stay
  assert.deepEqual(((await opOk(s, 'GET', '/world/stock')) as { Stock: unknown[] }).Stock, stock);
  assert.equal(await total(b.call), 0);
  assert.equal(await total(dev.call), 0);
  const e = await rejects(() => b.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: mine.lbs[0] }));
  assert.equal(e.code, 'InvalidLoadBalancerId.NotFound');
  // its addresses are free again: the tenant gets its first address back
  const leases = ((await opOk(s, 'GET', '/world/leases')) as { Leases: { AccountId: string }[] }).Leases;
  assert.ok(leases.length === 3 && leases.every((l) => l.AccountId === s.rootAccountId));
  const again = (await b.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'again' })) as { Address: string };
  assert.equal(again.Address, mine.addresses[0]);
});

async function roundTrip(s: TestServer): Promise<void> {
  const A = root(s);
  const b = await createTenant(s);
  await populate(A.call, 'root');
  await populate(b.call, 'tenant');
  const rootBefore = await describe(A.call);
  const tenantBefore = await describe(b.call);

  const text = await exportState(s);
  const doc = JSON.parse(text) as { Format: string; Version: number; RootAccountId: string; Documents: { Kind: string; Doc: Record<string, unknown> }[] };
  assert.equal(doc.Format, 'openslb-state');
  assert.equal(doc.Version, 1);
  assert.equal(doc.RootAccountId, s.rootAccountId);
  assert.ok(doc.Documents.some((d) => d.Kind === 'accessKey'));
  // private keys stay sealed
  assert.doesNotMatch(text, /PRIVATE KEY/);
  const certs = doc.Documents.filter((d) => d.Kind === 'serverCertificate');
  assert.equal(certs.length, 2);
  for (const c of certs) assert.match(String(c.Doc['PrivateKeySealed']), /^v1:/);

  await opOk(s, 'POST', '/reset');
  assert.equal(await total(A.call), 0);
  const r = await importState(s, text);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body['Imported'], doc.Documents.length);
  assert.equal(await describe(A.call), rootBefore);
  assert.equal(await describe(b.call), tenantBefore);
  // the store holds what it held, in the same order: its export is the same document
  const docs = (t: string) => t.slice(t.indexOf('"Documents"'));
  assert.equal(docs(await exportState(s)), docs(text));
}

test('export, reset, import: the same answers, byte for byte; keys stay sealed', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  await roundTrip(s);
});

test('export, reset, import on PostgreSQL', { skip: PG_URL ? false : 'set OPENSLB_TEST_PG_URL (scripts/with-postgres.sh) to run it on PostgreSQL' }, async (t) => {
  const schema = freshSchema();
  await createSchema(schema);
  const s = await startTestServer({ storeUrl: urlWithSchema(PG_URL!, schema) });
  t.after(async () => {
    await s.stop();
    await dropSchema(schema);
  });
  await roundTrip(s);
  // an account reset on PostgreSQL (the address leases go by a document field)
  const b = await createTenant(s);
  await populate(b.call, 'pg');
  await opOk(s, 'POST', '/reset', { AccountId: b.accountId });
  assert.equal(await total(b.call), 0);
  assert.equal(await total(root(s).call), 3);
});

test('import of a state exported before load balancers carried their tags: DescribeLoadBalancers shows and filters them', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const a = (await s.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'tagged', 'Tag.1.Key': 'team', 'Tag.1.Value': 'red' }))['LoadBalancerId'] as string;
  const b = (await s.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'plain' }))['LoadBalancerId'] as string;
  await s.call('TagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': b, 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' });
  type Lbs = { LoadBalancers: { LoadBalancer: { LoadBalancerId: string; Tags: { Tag: { TagKey: string; TagValue: string }[] } }[] } };
  const shown = async (p: Record<string, string> = {}) =>
    Object.fromEntries(((await s.call('DescribeLoadBalancers', { RegionId: R, ...p })) as Lbs).LoadBalancers.LoadBalancer.map((l) => [l.LoadBalancerId, l.Tags.Tag.map((x) => `${x.TagKey}=${x.TagValue}`)]));
  const before = await shown();
  assert.deepEqual(before, { [a]: ['team=red'], [b]: ['env=prod'] });
  // the export as an older server wrote it: no TagSet on the load balancers, no migration marker
  const state = JSON.parse(await exportState(s)) as { Documents: { Kind: string; Id: string; Doc: Record<string, unknown> }[] };
  state.Documents = state.Documents.filter((d) => !(d.Kind === 'migration' && d.Id === 'lb-tagset'));
  for (const d of state.Documents) if (d.Kind === 'loadBalancer') delete d.Doc['TagSet'];
  const r = await importState(s, JSON.stringify(state));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(await shown(), before);
  assert.deepEqual(Object.keys(await shown({ 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' })), [b]);
  await s.call('UntagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': a, 'TagKey.1': 'team' });
  assert.deepEqual(await shown(), { [a]: [], [b]: ['env=prod'] });
});

test('import: a malformed, foreign or wrong-version document changes nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const A = root(s);
  await populate(A.call, 'root');
  const good = await exportState(s);
  const before = await describe(A.call);
  const doc = JSON.parse(good) as { Version: number; Documents: { Kind: string; Account: string; Region: string; Id: string; Doc: Record<string, unknown> }[]; [k: string]: unknown };
  const edit = (f: (d: typeof doc) => void) => {
    const d = structuredClone(doc);
    f(d);
    return JSON.stringify(d);
  };
  const cases: [string, string, number, string][] = [
    ['not JSON', good.slice(0, good.length / 2), 400, 'InvalidState'],
    ['not an object', '[]', 400, 'InvalidState'],
    ['another format', edit((d) => (d['Format'] = 'something-else')), 400, 'InvalidState'],
    ['another version', edit((d) => (d.Version = 2)), 400, 'InvalidState'],
    ['no documents', edit((d) => delete (d as Partial<typeof d>).Documents), 400, 'InvalidState'],
    ['a document without an id', edit((d) => (d.Documents[3]!.Id = '')), 400, 'InvalidState'],
    ['a document twice', edit((d) => d.Documents.push(d.Documents[5]!)), 400, 'InvalidState'],
    ['a document without Doc', edit((d) => delete (d.Documents[4] as Partial<(typeof d.Documents)[number]>).Doc), 400, 'InvalidState'],
    ['another root account', edit((d) => (d['RootAccountId'] = '1234567890123456')), 409, 'RootAccountMismatch'],
    ['no root account', edit((d) => (d.Documents = d.Documents.filter((x) => x.Kind !== 'account'))), 409, 'RootAccountMismatch'],
    [
      'a key sealed with another secret key',
      edit((d) => {
        const c = d.Documents.find((x) => x.Kind === 'serverCertificate')!;
        c.Doc['PrivateKeySealed'] = new SecretBox(randomBytes(32)).seal(leaf.keyPem, `serverCertificate:${c.Id}`);
      }),
      409,
      'SecretKeyMismatch',
    ],
  ];
  for (const [what, body, status, code] of cases) {
    const r = await importState(s, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body['Code'], code, what);
    assert.equal(typeof r.body['Message'], 'string');
  }
  assert.equal(await describe(A.call), before);
  const after = await exportState(s);
  const docs = (t: string) => t.slice(t.indexOf('"Documents"'));
  assert.equal(docs(after), docs(good), 'the store holds exactly what it held');
  // not without the operator token
  assert.equal((await op(s, 'GET', '/state', undefined, 'wrong')).status, 401);
  assert.equal((await op(s, 'PUT', '/state', good, '')).status, 401);
});
