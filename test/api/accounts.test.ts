// Accounts (tenants): lifecycle through the operator API, identity parameters with their real
// codes, resellers acting with ResourceOwnerId, UserNotAllowed, and isolation between accounts on
// every implemented action (docs/accounts-and-ram.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/products/slb/actions/index.js';
import { implementedActions } from '../../src/products/slb/registry.js';
import { type ParamSpec } from '../../src/api/spec.js';
import { SPECS } from '../../src/products/slb/specs.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { aclFixture, caCertFixture, createLbFixture, masterSlaveGroupFixture, serverCertFixture, vServerGroupFixture } from '../helpers/fixtures.js';
import { createSubUser, createTenant, op, opOk, principal, type Principal } from '../helpers/tenants.js';

const REGION = 'cn-hangzhou';

async function expectCode(p: Promise<unknown>, code: string, message: string): Promise<void> {
  const e = await rejects(() => p);
  assert.equal(e.code, code, `${e.code}: ${e.data?.['Message'] as string}`);
  assert.equal(e.data['Message'], message);
}

test('accounts: lifecycle, keys, identity parameters, resellers, UserNotAllowed', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('create an account: its first key works at once, through V1 and V3', async () => {
    const b = await createTenant(s, 'tenant-b');
    assert.match(b.accountId, /^[1-9]\d{15}$/);
    assert.match(b.id, /^LTAI[A-Za-z0-9]{20}$/);
    assert.ok(((await b.call('DescribeRegions')) as { Regions: { Region: unknown[] } }).Regions.Region.length > 0);
    assert.equal((await b.v3('DescribeRegions')).statusCode, 200);
    const list = (await opOk(s, 'GET', '/accounts')) as { Accounts: { AccountId: string; Name: string; Root: boolean; AccessKeys: Record<string, unknown>[] }[] };
    const mine = list.Accounts.find((a) => a.AccountId === b.accountId)!;
    assert.equal(mine.Name, 'tenant-b');
    assert.equal(mine.AccessKeys.length, 1);
    assert.equal(mine.AccessKeys[0]!['AccessKeySecret'], undefined, 'secrets are shown once, never listed');
    assert.ok(list.Accounts.some((a) => a.Root && a.AccountId === s.rootAccountId));
    // names are unique; bad input is a 400
    assert.equal((await op(s, 'POST', '/accounts', { Name: 'tenant-b' })).status, 409);
    assert.equal((await op(s, 'POST', '/accounts', { Name: '' })).status, 400);
    assert.equal((await op(s, 'POST', '/accounts', { Name: 'x', AccountId: '0123' })).status, 400);
    assert.equal((await op(s, 'POST', '/accounts', '{not json')).status, 400);
    assert.equal((await op(s, 'POST', '/accounts', { Name: 'y' }, 'wrong-token')).status, 401);
  });

  await t.test('keys: second key, disable, enable, delete', async () => {
    const c = await createTenant(s, 'tenant-keys');
    const k2 = (await opOk(s, 'POST', `/accounts/${c.accountId}/access-keys`)) as { AccessKeyId: string; AccessKeySecret: string };
    const c2 = principal(s, c.accountId, k2.AccessKeyId, k2.AccessKeySecret);
    await c2.call('DescribeRegions');
    await opOk(s, 'PATCH', `/accounts/${c.accountId}/access-keys/${k2.AccessKeyId}`, { Status: 'Inactive' });
    await expectCode(c2.call('DescribeRegions'), 'InvalidAccessKeyId.Inactive', 'Specified access key is disabled.');
    await c.call('DescribeRegions'); // the other key still works
    await opOk(s, 'PATCH', `/accounts/${c.accountId}/access-keys/${k2.AccessKeyId}`, { Status: 'Active' });
    await c2.call('DescribeRegions');
    await opOk(s, 'DELETE', `/accounts/${c.accountId}/access-keys/${k2.AccessKeyId}`);
    await expectCode(c2.call('DescribeRegions'), 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    // a key is addressed through its own account only
    assert.equal((await op(s, 'PATCH', `/accounts/${s.rootAccountId}/access-keys/${c.id}`, { Status: 'Inactive' })).status, 404);
  });

  await t.test('disable and enable an account: every key of it answers InvalidAccessKeyId.Inactive meanwhile', async () => {
    const d = await createTenant(s, 'tenant-disabled');
    await opOk(s, 'PATCH', `/accounts/${d.accountId}`, { Status: 'disabled' });
    await expectCode(d.call('DescribeRegions'), 'InvalidAccessKeyId.Inactive', 'Specified access key is disabled.');
    const v = await rejects(() => d.v3('DescribeRegions'));
    assert.equal(v.code, 'InvalidAccessKeyId.Inactive');
    await opOk(s, 'PATCH', `/accounts/${d.accountId}`, { Status: 'active' });
    await d.call('DescribeRegions');
    assert.equal((await op(s, 'PATCH', `/accounts/${d.accountId}`, { Status: 'gone' })).status, 400);
  });

  await t.test('OwnerId: malformed → InvalidOwnerId "The input parameter…"; another account → "The specified…"', async () => {
    const root = principal(s, s.rootAccountId, s.rootKey.id, s.rootKey.secret);
    await root.call('DescribeRegions', { OwnerId: s.rootAccountId });
    await expectCode(root.call('DescribeRegions', { OwnerId: 'abc' }), 'InvalidOwnerId', 'The input parameter OwnerId or OwnerAccount is invalid.');
    await expectCode(root.call('DescribeRegions', { OwnerId: '1234567890123456' }), 'InvalidOwnerId', 'The specified OwnerId or OwnerAccount is invalid.');
    const v = await rejects(() => s.v3('DescribeRegions', { OwnerId: '-1' }));
    assert.equal(v.code, 'InvalidOwnerId');
    assert.equal(v.statusCode, 400);
  });

  await t.test('OwnerAccount: unknown → InvalidOwnerAccount; another account → InvalidOwnerId', async () => {
    const b = await createTenant(s, 'tenant-owner');
    await b.call('DescribeRegions', { OwnerAccount: 'tenant-owner' });
    await expectCode(b.call('DescribeRegions', { OwnerAccount: 'nobody-here' }), 'InvalidOwnerAccount', 'The input parameter OwnerAccount is invalid.');
    await expectCode(b.call('DescribeRegions', { OwnerAccount: 'root' }), 'InvalidOwnerId', 'The specified OwnerId or OwnerAccount is invalid.');
  });

  await t.test('ResourceOwnerAccount / ResourceOwnerId: unknown, sub-user, no reseller relation, disabled managed account', async () => {
    const b = await createTenant(s, 'tenant-rob');
    const c = await createTenant(s, 'tenant-roc');
    await b.call('DescribeRegions', { ResourceOwnerAccount: 'tenant-rob', ResourceOwnerId: b.accountId });
    await expectCode(b.call('DescribeRegions', { ResourceOwnerAccount: 'nobody-here' }), 'InvalidResourceOwnerAccount', 'The input parameter ResourceOwnerAccount is invalid.');
    await expectCode(b.call('DescribeRegions', { ResourceOwnerAccount: 'tenant-roc', ResourceOwnerId: b.accountId }), 'InvalidResourceOwnerAccount', 'The input parameter ResourceOwnerAccount is invalid.');
    await expectCode(b.call('DescribeRegions', { ResourceOwnerId: 'x1' }), 'InvalidParameter', 'Illegal user ID.');
    await expectCode(b.call('DescribeRegions', { ResourceOwnerId: '1999999999999999' }), 'InvalidParameter', 'Illegal user ID.');
    // an account acting for one it does not manage
    const bid = await rejects(() => b.call('DescribeRegions', { ResourceOwnerId: c.accountId }));
    assert.equal(bid.code, 'Forbbiden.SubUser');
    assert.equal(bid.data['Message'], 'illegal bid');
    const bid3 = await rejects(() => b.v3('DescribeRegions', { ResourceOwnerAccount: 'tenant-roc' }));
    assert.equal(bid3.code, 'Forbbiden.SubUser');
    assert.equal(bid3.statusCode, 403);
    // a sub-user naming another account
    const sub = await createSubUser(s, b.accountId, 'ro-sub', [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:*', Resource: '*' }] }]);
    await sub.call('DescribeRegions', { ResourceOwnerId: b.accountId });
    await expectCode(sub.call('DescribeRegions', { ResourceOwnerId: c.accountId }), 'Forbbiden.SubUser', 'TUser not authorized to operate on the specified resource as your account is created by another user.');
    const subV3 = await rejects(() => sub.v3('DescribeRegions', { ResourceOwnerAccount: 'tenant-roc' }));
    assert.equal(subV3.statusCode, 403);
    // a reseller acting for a managed account that is disabled
    await opOk(s, 'PATCH', `/accounts/${c.accountId}`, { ManagedBy: b.accountId, Status: 'disabled' });
    const ill = await rejects(() => b.v3('DescribeRegions', { ResourceOwnerId: c.accountId }));
    assert.equal(ill.code, 'InternalError');
    assert.equal(ill.statusCode, 500);
    assert.equal(ill.data['Message'], 'Illegal user.');
  });

  await t.test('a reseller acts in the account it manages: resources land there', async () => {
    const reseller = await createTenant(s, 'tenant-reseller');
    const customer = await createTenant(s, 'tenant-customer', { ManagedBy: reseller.accountId });
    const r = (await reseller.call('CreateAccessControlList', { RegionId: REGION, AclName: 'for-customer', ResourceOwnerId: customer.accountId })) as { AclId: string };
    const seenByCustomer = (await customer.call('DescribeAccessControlLists', { RegionId: REGION })) as { Acls: { Acl: { AclId: string }[] } };
    assert.deepEqual(seenByCustomer.Acls.Acl.map((a) => a.AclId), [r.AclId]);
    const seenByReseller = (await reseller.call('DescribeAccessControlLists', { RegionId: REGION })) as { Acls: { Acl: unknown[] } };
    assert.equal(seenByReseller.Acls.Acl.length, 0);
    // the relation is one-way
    const back = await rejects(() => customer.call('DescribeRegions', { ResourceOwnerId: reseller.accountId }));
    assert.equal(back.data['Message'], 'illegal bid');
  });

  await t.test('UserNotAllowed for actions the account must apply for', async () => {
    const u = await createTenant(s, 'tenant-apply');
    await opOk(s, 'PATCH', `/accounts/${u.accountId}`, { NotAllowedActions: ['CreateLoadBalancer', 'slb:*TLSCipherPolic*'] });
    await expectCode(u.call('CreateLoadBalancer', { RegionId: REGION }), 'UserNotAllowed', 'The user is not allowed, please submit the application.');
    await expectCode(u.call('ListTLSCipherPolicies', { RegionId: REGION }), 'UserNotAllowed', 'The user is not allowed, please submit the application.');
    await u.call('DescribeLoadBalancers', { RegionId: REGION });
    await opOk(s, 'PATCH', `/accounts/${u.accountId}`, { NotAllowedActions: null });
    await u.call('ListTLSCipherPolicies', { RegionId: REGION });
  });

  await t.test('delete an account: refused while it owns resources unless forced; its keys stop working', async () => {
    const g = await createTenant(s, 'tenant-gone');
    await g.call('CreateAccessControlList', { RegionId: REGION, AclName: 'keep' });
    assert.equal((await op(s, 'DELETE', `/accounts/${g.accountId}`)).status, 409);
    await opOk(s, 'DELETE', `/accounts/${g.accountId}?force=true`);
    await expectCode(g.call('DescribeRegions'), 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    assert.equal((await op(s, 'GET', `/accounts/${g.accountId}`)).status, 404);
    assert.equal((await op(s, 'DELETE', `/accounts/${s.rootAccountId}`)).status, 409);
  });
});

// ---------------------------------------------------------------------------------------------
// Isolation: account B against account A's resources, on every implemented action.

interface WorldA {
  ids: Record<string, string>;
  secretIds: string[];
}

async function buildWorldA(s: TestServer): Promise<WorldA> {
  const lb = await createLbFixture(s);
  const lbId = lb.LoadBalancerId;
  const cert = await serverCertFixture(s);
  const ca = await caCertFixture(s);
  const acl = await aclFixture(s);
  const vsg = await vServerGroupFixture(s, lbId);
  const msg = await masterSlaveGroupFixture(s, lbId);
  await s.call('CreateLoadBalancerHTTPListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' }, { method: 'POST' });
  await s.call('CreateLoadBalancerHTTPSListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', ServerCertificateId: cert }, { method: 'POST' });
  await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 81, BackendServerPort: 80, Bandwidth: -1 }, { method: 'POST' });
  await s.call('CreateLoadBalancerUDPListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 82, BackendServerPort: 80, Bandwidth: -1 }, { method: 'POST' });
  const rules = (await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 80, RuleList: JSON.stringify([{ RuleName: 'a-rule', Domain: 'a.example.com', VServerGroupId: vsg }]) }, { method: 'POST' })) as { Rules: { Rule: { RuleId: string }[] } };
  const ext = (await s.call('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 443, Domain: 'b.example.com', ServerCertificateId: cert }, { method: 'POST' })) as { DomainExtensionId: string };
  const tls = (await s.call('CreateTLSCipherPolicy', { RegionId: REGION, Name: 'a-policy', TLSVersions: ['TLSv1.2'], Ciphers: ['ECDHE-RSA-AES128-GCM-SHA256'] }, { method: 'POST' })) as { TLSCipherPolicyId: string };
  await s.call('TagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [lbId], Tag: [{ Key: 'owner', Value: 'a' }] }, { method: 'POST' });
  const ids = {
    LoadBalancerId: lbId,
    ServerCertificateId: cert,
    CACertificateId: ca,
    AclId: acl,
    VServerGroupId: vsg,
    MasterSlaveServerGroupId: msg,
    RuleId: rules.Rules.Rule[0]!.RuleId,
    DomainExtensionId: ext.DomainExtensionId,
    TLSCipherPolicyId: tls.TLSCipherPolicyId,
  };
  return { ids, secretIds: Object.values(ids) };
}

/** Parameters a plausible call of `action` would send, naming A's resources wherever it names any. */
function paramsFor(action: string, w: WorldA): Record<string, unknown> {
  const { ids } = w;
  const named: Record<string, unknown> = {
    ...ids,
    RegionId: REGION,
    ListenerPort: action.includes('Rule') || action.includes('HTTPListener') ? 80 : action.includes('HTTPS') || action.includes('DomainExtension') ? 443 : action.includes('TCP') ? 81 : action.includes('UDP') ? 82 : 80,
    RuleIds: JSON.stringify([ids['RuleId']]),
    ResourceId: [ids['LoadBalancerId']],
    ResourceType: 'instance',
    Tag: [{ Key: 'owner', Value: 'b' }],
    Tags: JSON.stringify([{ TagKey: 'owner', TagValue: 'b' }]),
    AclEntrys: JSON.stringify([{ entry: '10.0.0.0/24', comment: 'x' }]),
    SourceItems: '10.0.0.1',
    BackendServers: JSON.stringify([{ ServerId: 'i-none', Weight: 100, Port: 80 }]),
    RuleList: JSON.stringify([{ RuleName: 'b-rule', Domain: 'b.example.com', VServerGroupId: ids['VServerGroupId'] }]),
    Domain: 'c.example.com',
    AclStatus: 'on',
    AclType: 'white',
    LoadBalancerStatus: 'inactive',
    LoadBalancerName: 'renamed-by-b',
    DeleteProtection: 'off',
    ModificationProtectionStatus: 'NonProtection',
    Bandwidth: -1,
    InternetChargeType: 'paybytraffic',
    PayType: 'PayOnDemand',
    LoadBalancerSpec: 'slb.s1.small',
    InstanceChargeType: 'PayBySpec',
    ResourceGroupId: 'rg-none',
    NewResourceGroupId: 'rg-none',
    LogsDownloadAttributes: JSON.stringify([{ logProject: 'p', logStore: 's', logType: 'layer7' }]),
    LogProject: 'p',
    LogStore: 's',
    StickySession: 'off',
    HealthCheck: 'off',
    BackendServerPort: 80,
  };
  const p: Record<string, unknown> = {};
  for (const spec of SPECS[action]!.params as ParamSpec[]) {
    const always = spec.name in ids || ['RegionId', 'ListenerPort', 'ResourceId', 'ResourceType', 'RuleIds'].includes(spec.name);
    if (named[spec.name] !== undefined && (always || spec.required === true)) p[spec.name] = named[spec.name];
    else if (spec.required === true) {
      if (spec.enum?.length) p[spec.name] = spec.enum[0];
      else if (spec.type === 'Integer' || spec.type === 'Long') p[spec.name] = spec.min ?? 1;
      else if (spec.type === 'Boolean') p[spec.name] = false;
      else p[spec.name] = 'b-value';
    }
  }
  return p;
}

/** Every stored document of an account, through the store (either one), in a stable order. */
async function accountRows(s: TestServer, accountId: string): Promise<string[]> {
  const rows: string[] = [];
  await s.store.read((tx) => tx.forEach({ account: accountId }, (d) => void rows.push(`${d.kind}|${d.region}|${d.id}|${JSON.stringify(d.doc)}`)));
  return rows.sort();
}

test('isolation: account B never sees nor changes account A\'s resources, on every implemented action', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const w = await buildWorldA(s);
  const b = await createTenant(s, 'tenant-isolated');
  // B also has a sub-user allowed everything: RAM grants never reach across accounts
  const bSub = await createSubUser(s, b.accountId, 'b-admin', [{ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }]);
  const before = await accountRows(s, s.rootAccountId);
  assert.ok(before.length >= 10, 'A has a world to protect');
  const actions = implementedActions();
  assert.ok(actions.length >= 80, `${actions.length} actions implemented`);
  const leaks: string[] = [];
  let refused = 0;
  const root = principal(s, s.rootAccountId, s.rootKey.id, s.rootKey.secret);
  let aSees = 0;
  for (const action of actions) {
    const params = paramsFor(action, w);
    for (const [who, caller] of [['B', b], ['B sub-user', bSub]] as [string, Principal][]) {
      try {
        const r = await caller.call(action, params);
        const text = JSON.stringify(r);
        for (const id of w.secretIds) if (text.includes(id)) leaks.push(`${who} ${action}: response names ${id}`);
      } catch (e) {
        const err = e as { code?: string };
        assert.ok(err.code, `${who} ${action}: ${String(e)}`);
        assert.notEqual(err.code, 'InternalError', `${who} ${action} answered InternalError`);
        refused++;
      }
    }
    // the same read as A names A's resources: the sweep has teeth
    if (/^(Describe|List)/.test(action)) {
      try {
        const text = JSON.stringify(await root.call(action, params));
        if (w.secretIds.some((id) => text.includes(id))) aSees++;
      } catch {
        // some reads need other parameters; the assertion below counts the ones that answered
      }
    }
  }
  assert.deepEqual(leaks, []);
  assert.ok(refused > actions.length, `${refused} refusals`);
  assert.ok(aSees >= 20, `A's own reads named A's resources ${aSees} times`);
  // nothing of A changed, and nothing of B's refers to A's resources
  assert.deepEqual(await accountRows(s, s.rootAccountId), before);
  const bRows = (await accountRows(s, b.accountId)).join('\n');
  for (const id of w.secretIds) assert.ok(!bRows.includes(id), `B's state refers to ${id}`);
});
