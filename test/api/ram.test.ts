// RAM sub-users and policies through the real clients: actions, resources, conditions, explicit
// deny, and every RAM refusal code (docs/accounts-and-ram.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer } from '../helpers/server.js';
import { createSubUser, createTenant, op, opOk, type Principal } from '../helpers/tenants.js';

const REGION = 'cn-hangzhou';
const FORBIDDEN = 'User not authorized to operate on the specified resource.';

async function refused(p: Promise<unknown>, code = 'Forbidden', message = FORBIDDEN): Promise<void> {
  const e = await rejects(() => p);
  assert.equal(e.code, code, `${e.code}: ${e.data?.['Message'] as string}`);
  assert.equal(e.data['Message'], message);
}

const allow = (Action: unknown, Resource: unknown = '*', Condition?: unknown) => ({ Version: '1', Statement: [{ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) }] });

test('RAM: sub-users, policies and refusals', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const a = await createTenant(s, 'ram-owner');
  const acct = a.accountId;
  const lb1 = ((await a.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'one' })) as { LoadBalancerId: string }).LoadBalancerId;
  const lb2 = ((await a.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'two' })) as { LoadBalancerId: string }).LoadBalancerId;
  const vsg2 = ((await a.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb2, VServerGroupName: 'g2' })) as { VServerGroupId: string }).VServerGroupId;
  const vsg1 = ((await a.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb1, VServerGroupName: 'g1' })) as { VServerGroupId: string }).VServerGroupId;

  await t.test('action patterns: Describe* allowed, everything else Forbidden (403), through V1 and V3', async () => {
    const reader = await createSubUser(s, acct, 'reader', [allow('slb:Describe*')]);
    const r = (await reader.call('DescribeLoadBalancers', { RegionId: REGION })) as { LoadBalancers: { LoadBalancer: { LoadBalancerId: string }[] } };
    assert.deepEqual(new Set(r.LoadBalancers.LoadBalancer.map((x) => x.LoadBalancerId)), new Set([lb1, lb2]));
    await refused(reader.call('CreateLoadBalancer', { RegionId: REGION }));
    await refused(reader.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb1, LoadBalancerName: 'x' }));
    const v3 = await rejects(() => reader.v3('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb1 }));
    assert.equal(v3.code, 'Forbidden');
    assert.equal(v3.statusCode, 403);
    assert.equal(v3.data['Message'], FORBIDDEN);
    assert.equal((await reader.v3('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb1 })).statusCode, 200);
  });

  await t.test('actions match case-insensitively, with * and ?', async () => {
    const u = await createSubUser(s, acct, 'casey', [allow(['SLB:describeloadbalancers', 'slb:Describe?egions'])]);
    await u.call('DescribeLoadBalancers', { RegionId: REGION });
    await u.call('DescribeRegions');
    await refused(u.call('DescribeZones', { RegionId: REGION }));
    const other = await createSubUser(s, acct, 'ecs-only', [allow('ecs:*')]);
    await refused(other.call('DescribeLoadBalancers', { RegionId: REGION }));
  });

  await t.test('resources: one load balancer, and what hangs off it (server groups by their own id)', async () => {
    const u = await createSubUser(s, acct, 'lb1-admin', [allow('slb:*', [`acs:slb:*:${acct}:loadbalancer/${lb1}`])]);
    await u.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb1, LoadBalancerName: 'renamed' });
    await refused(u.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb2, LoadBalancerName: 'nope' }));
    await u.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: vsg1, VServerGroupName: 'g1b' });
    await refused(u.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: vsg2, VServerGroupName: 'nope' }));
    // lists and creates name the collection (loadbalancer/*), which this policy does not cover
    await refused(u.call('DescribeLoadBalancers', { RegionId: REGION }));
    await refused(u.call('CreateLoadBalancer', { RegionId: REGION }));
    // an id that does not exist is not covered either: no existence oracle for the sub-user
    await refused(u.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: 'rsp-doesnotexist', VServerGroupName: 'x' }));
    // region patterns
    const other = await createSubUser(s, acct, 'beijing-only', [allow('slb:*', `acs:slb:cn-beijing:${acct}:*`)]);
    await other.call('DescribeLoadBalancers', { RegionId: 'cn-beijing' });
    await refused(other.call('DescribeLoadBalancers', { RegionId: REGION }));
    // another account's ARN grants nothing here
    const foreign = await createSubUser(s, acct, 'foreign-arn', [allow('slb:*', 'acs:slb:*:1111111111111111:*')]);
    await refused(foreign.call('DescribeLoadBalancers', { RegionId: REGION }));
  });

  await t.test('explicit Deny wins over any Allow', async () => {
    const u = await createSubUser(s, acct, 'no-delete', [
      allow('slb:*'),
      { Version: '1', Statement: [{ Effect: 'Deny', Action: ['slb:Delete*', 'slb:SetLoadBalancerStatus'], Resource: '*' }] },
    ]);
    await u.call('DescribeLoadBalancers', { RegionId: REGION });
    await refused(u.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb2 }));
    await refused(u.call('SetLoadBalancerStatus', { RegionId: REGION, LoadBalancerId: lb2, LoadBalancerStatus: 'inactive' }));
    const lbs = (await a.call('DescribeLoadBalancers', { RegionId: REGION })) as { TotalCount: number };
    assert.equal(lbs.TotalCount, 2, 'nothing was deleted');
  });

  await t.test('conditions: acs:SourceIp, acs:CurrentTime, acs:SecureTransport', async () => {
    const loop = await createSubUser(s, acct, 'from-loopback', [allow('slb:Describe*', '*', { IpAddress: { 'acs:SourceIp': ['127.0.0.0/8'] } })]);
    await loop.call('DescribeLoadBalancers', { RegionId: REGION });
    const office = await createSubUser(s, acct, 'from-office', [allow('slb:Describe*', '*', { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } })]);
    await refused(office.call('DescribeLoadBalancers', { RegionId: REGION }));
    const notLoop = await createSubUser(s, acct, 'not-loopback', [allow('slb:Describe*', '*', { NotIpAddress: { 'acs:SourceIp': '127.0.0.1' } })]);
    await refused(notLoop.call('DescribeLoadBalancers', { RegionId: REGION }));
    const expired = await createSubUser(s, acct, 'expired-grant', [allow('slb:*', '*', { DateLessThan: { 'acs:CurrentTime': '2020-01-01T00:00:00Z' } })]);
    await refused(expired.call('DescribeLoadBalancers', { RegionId: REGION }));
    const started = await createSubUser(s, acct, 'started-grant', [allow('slb:*', '*', { DateGreaterThan: { 'acs:CurrentTime': '2020-01-01T00:00:00Z' } })]);
    await started.call('DescribeLoadBalancers', { RegionId: REGION });
    const tls = await createSubUser(s, acct, 'https-only', [allow('slb:*', '*', { Bool: { 'acs:SecureTransport': 'true' } })]);
    await refused(tls.call('DescribeLoadBalancers', { RegionId: REGION }));
    const denyPlain = await createSubUser(s, acct, 'deny-plain', [allow('slb:*'), { Version: '1', Statement: [{ Effect: 'Deny', Action: 'slb:*', Resource: '*', Condition: { Bool: { 'acs:SecureTransport': false } } }] }]);
    await refused(denyPlain.call('DescribeRegions'));
  });

  await t.test('conditions: slb:tag and acs:ResourceTag on the load balancer named', async () => {
    await a.call('TagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [lb1], Tag: [{ Key: 'env', Value: 'prod' }] });
    const u = await createSubUser(s, acct, 'prod-only', [allow('slb:*', '*', { StringEquals: { 'slb:tag/env': 'prod' } })]);
    await u.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb1 });
    await refused(u.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb2 }));
    const v = await createSubUser(s, acct, 'not-prod', [allow('slb:*'), { Version: '1', Statement: [{ Effect: 'Deny', Action: 'slb:*', Resource: '*', Condition: { StringEquals: { 'acs:ResourceTag/env': 'prod' } } }] }]);
    await v.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb2, LoadBalancerName: 'free' });
    await refused(v.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb1, LoadBalancerName: 'guarded' }));
  });

  await t.test('what a sub-user creates belongs to the account', async () => {
    const u = await createSubUser(s, acct, 'creator', [allow('slb:*')]);
    const id = ((await u.call('CreateAccessControlList', { RegionId: REGION, AclName: 'by-sub' })) as { AclId: string }).AclId;
    const seen = (await a.call('DescribeAccessControlLists', { RegionId: REGION })) as { Acls: { Acl: { AclId: string }[] } };
    assert.ok(seen.Acls.Acl.some((x) => x.AclId === id));
  });

  await t.test('AUTH.RAM_AUTH_FAILED while the user is disabled', async () => {
    const u = await createSubUser(s, acct, 'to-disable', [allow('slb:*')]);
    await opOk(s, 'PATCH', `/accounts/${acct}/ram/users/to-disable`, { Status: 'Inactive' });
    await refused(u.call('DescribeRegions'), 'AUTH.RAM_AUTH_FAILED', 'The ram authentication of sub-user is failed.');
    const v = await rejects(() => u.v3('DescribeRegions'));
    assert.equal(v.statusCode, 400);
    await opOk(s, 'PATCH', `/accounts/${acct}/ram/users/to-disable`, { Status: 'Active' });
    await u.call('DescribeRegions');
  });

  await t.test('InvalidAuthorization for a user without any policy', async () => {
    const u = await createSubUser(s, acct, 'bare');
    await refused(u.call('DescribeRegions'), 'InvalidAuthorization', 'The Request is not authorization.');
  });

  await t.test('InvalidAuthorizationStatus after an attached policy was force-deleted; detaching heals', async () => {
    const u = await createSubUser(s, acct, 'dangling', [allow('slb:*')]);
    assert.equal((await op(s, 'DELETE', `/accounts/${acct}/ram/policies/dangling-p0`)).status, 409);
    await opOk(s, 'DELETE', `/accounts/${acct}/ram/policies/dangling-p0?force=true`);
    await refused(u.call('DescribeRegions'), 'InvalidAuthorizationStatus', 'The authorization status is not valid.');
    await opOk(s, 'DELETE', `/accounts/${acct}/ram/users/dangling/policies/dangling-p0`);
    await refused(u.call('DescribeRegions'), 'InvalidAuthorization', 'The Request is not authorization.');
  });

  await t.test('policy updates take effect on the next call; sub-user keys: two at most, disable, delete', async () => {
    const u = await createSubUser(s, acct, 'evolving', [allow('slb:DescribeRegions')]);
    await refused(u.call('DescribeZones', { RegionId: REGION }));
    await opOk(s, 'PUT', `/accounts/${acct}/ram/policies/evolving-p0`, { PolicyDocument: allow(['slb:DescribeRegions', 'slb:DescribeZones']) });
    await u.call('DescribeZones', { RegionId: REGION });
    const k2 = await opOk(s, 'POST', `/accounts/${acct}/ram/users/evolving/access-keys`);
    assert.match(String(k2['AccessKeyId']), /^LTAI/);
    assert.equal((await op(s, 'POST', `/accounts/${acct}/ram/users/evolving/access-keys`)).status, 409);
    await opOk(s, 'PATCH', `/accounts/${acct}/ram/users/evolving/access-keys/${u.id}`, { Status: 'Inactive' });
    await refused(u.call('DescribeRegions'), 'InvalidAccessKeyId.Inactive', 'Specified access key is disabled.');
    await opOk(s, 'DELETE', `/accounts/${acct}/ram/users/evolving`);
    await refused(u.call('DescribeRegions'), 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  });

  await t.test('the operator API validates policy documents', async () => {
    const bad = async (doc: unknown) => {
      const r = await op(s, 'POST', `/accounts/${acct}/ram/policies`, { PolicyName: 'bad', PolicyDocument: doc });
      assert.equal(r.status, 400, JSON.stringify(doc));
      assert.equal(r.body['Code'], 'MalformedPolicyDocument');
    };
    await bad('{not json');
    await bad({ Version: '2', Statement: [] });
    await bad({ Version: '1', Statement: [{ Effect: 'Maybe', Action: 'slb:*', Resource: '*' }] });
    await bad({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:*' }] });
    await bad({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:*', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': '300.1.1.1' } } }] });
    await bad({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:*', Resource: '*', Condition: { Sometimes: { k: 'v' } } }] });
    await bad('x'.repeat(7000));
    assert.equal((await op(s, 'PUT', `/accounts/${acct}/ram/users/nobody/policies/reader-p0`)).status, 404);
    assert.equal((await op(s, 'PUT', `/accounts/${acct}/ram/users/reader/policies/no-such-policy`)).status, 404);
  });

  await t.test('check order: identity parameters and RAM state before parameters, policies after them', async () => {
    const bare = await createSubUser(s, acct, 'order-bare');
    await refused(bare.call('CreateLoadBalancer', { OwnerId: 'x' }), 'InvalidOwnerId', 'The input parameter OwnerId or OwnerAccount is invalid.');
    await refused(bare.call('CreateLoadBalancer', {}), 'InvalidAuthorization', 'The Request is not authorization.');
    const narrow = await createSubUser(s, acct, 'order-narrow', [allow('slb:DescribeRegions')]);
    await refused(narrow.call('CreateLoadBalancer', {}), 'MissingParameter', 'The input parameter "RegionId" that is mandatory for processing this request is not supplied.');
    await refused(narrow.call('CreateLoadBalancer', { RegionId: REGION }));
  });

  await t.test('root keys of the account are never evaluated against RAM', async () => {
    const owner: Principal = a;
    await owner.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb1, LoadBalancerName: 'by-owner' });
  });
});
