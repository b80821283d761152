// STS: roles, AssumeRole through the operator API, and the gateway's verification of temporary
// credentials through pop-core and openapi-client (both with `securityToken`) (docs/accounts-and-ram.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import OpenApi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';
import type { Clock } from '../../src/util/clock.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { createTenant, op, opOk } from '../helpers/tenants.js';

const REGION = 'cn-hangzhou';

interface Creds {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  Expiration: string;
}

function stsPop(s: TestServer, c: Creds, token = c.SecurityToken) {
  const client = new RPCClient({ accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: token, endpoint: s.url, apiVersion: '2014-05-15' });
  return (action: string, params: Record<string, unknown> = {}) => client.request(action, params, { method: 'POST' }) as Promise<Record<string, unknown>>;
}

async function stsV3(s: TestServer, c: Creds, action: string, params: Record<string, unknown> = {}) {
  const client = new OpenApi.default(new Config({ accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: c.SecurityToken, endpoint: `127.0.0.1:${s.port}`, protocol: 'http', regionId: REGION }));
  const p = new Params({ action, version: '2014-05-15', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
  return (await client.callApi(p, new OpenApiRequest({ query: OpenApiUtil.default.query(params) }), new RuntimeOptions({}))) as { statusCode: number; body: Record<string, unknown> };
}

/** Real time plus an offset the test moves: the operator API has no timestamp window, the RPC API does. */
class OffsetClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

test('STS: assumed roles and their temporary credentials', async (t) => {
  const clock = new OffsetClock();
  const s = await startTestServer({ clock });
  t.after(() => s.stop());
  const a = await createTenant(s, 'sts-owner');
  const acct = a.accountId;
  await opOk(s, 'POST', `/accounts/${acct}/ram/policies`, { PolicyName: 'read-slb', PolicyDocument: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:Describe*', Resource: '*' }] } });
  const role = (await opOk(s, 'POST', `/accounts/${acct}/ram/roles`, { RoleName: 'Reader' })) as { Arn: string; AssumeRolePolicyDocument: string };
  assert.equal(role.Arn, `acs:ram::${acct}:role/reader`);
  await opOk(s, 'PUT', `/accounts/${acct}/ram/roles/Reader/policies/read-slb`);
  const assume = async (body: Record<string, unknown> = {}) => (await opOk(s, 'POST', '/sts/assume-role', { RoleArn: role.Arn, RoleSessionName: 'ci-session', ...body })) as { Credentials: Creds; AssumedRoleUser: { Arn: string; AssumedRoleId: string } };
  const lb = ((await a.call('CreateLoadBalancer', { RegionId: REGION })) as { LoadBalancerId: string }).LoadBalancerId;

  await t.test('AssumeRole issues STS.… credentials; pop-core and openapi-client use them with securityToken', async () => {
    const r = await assume({ DurationSeconds: 900 });
    assert.match(r.Credentials.AccessKeyId, /^STS\.[A-Za-z0-9]{25}$/);
    assert.match(r.Credentials.SecurityToken, /^CAIS/);
    assert.ok(Math.abs(Date.parse(r.Credentials.Expiration) - (Date.now() + 900_000)) < 5000);
    assert.equal(r.AssumedRoleUser.Arn, `${role.Arn}/ci-session`);
    const call = stsPop(s, r.Credentials);
    const lbs = (await call('DescribeLoadBalancers', { RegionId: REGION })) as { LoadBalancers: { LoadBalancer: { LoadBalancerId: string }[] } };
    assert.deepEqual(lbs.LoadBalancers.LoadBalancer.map((x) => x.LoadBalancerId), [lb]);
    const v3 = await stsV3(s, r.Credentials, 'DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb });
    assert.equal(v3.statusCode, 200);
    // the role's policies bound the session
    const e = await rejects(() => call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb }));
    assert.equal(e.code, 'Forbidden');
    const e3 = await rejects(() => stsV3(s, r.Credentials, 'DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb }));
    assert.equal(e3.statusCode, 403);
  });

  await t.test('InvalidSecurityToken.Expired once the expiry passes (server clock)', async () => {
    clock.offset = -1000_000; // issued 1000 s ago with a 900 s lifetime
    const r = await assume({ DurationSeconds: 900 });
    clock.offset = 0;
    const e = await rejects(() => stsPop(s, r.Credentials)('DescribeRegions'));
    assert.equal(e.code, 'InvalidSecurityToken.Expired');
    assert.equal(e.data['Message'], 'Specified SecurityToken is expired.');
    const v = await rejects(() => stsV3(s, r.Credentials, 'DescribeRegions'));
    assert.equal(v.code, 'InvalidSecurityToken.Expired');
    assert.equal(v.statusCode, 400);

    clock.offset = -870_000; // 30 s before expiry it still works
    const fresh = await assume({ DurationSeconds: 900 });
    clock.offset = 0;
    await stsPop(s, fresh.Credentials)('DescribeRegions');
  });

  await t.test('InvalidSecurityToken.MismatchWithAccessKey and .Malformed; an STS key without its token is unknown', async () => {
    const one = await assume();
    const two = await assume();
    const mix = await rejects(() => stsPop(s, one.Credentials, two.Credentials.SecurityToken)('DescribeRegions'));
    assert.equal(mix.code, 'InvalidSecurityToken.MismatchWithAccessKey');
    assert.equal(mix.data['Message'], 'Specified SecurityToken mismatch with the AccessKey.');
    const bad = await rejects(() => stsPop(s, one.Credentials, 'CAISnot-a-token')('DescribeRegions'));
    assert.equal(bad.code, 'InvalidSecurityToken.Malformed');
    assert.equal(bad.data['Message'], 'Specified SecurityToken is malformed.');
    const bare = new RPCClient({ accessKeyId: one.Credentials.AccessKeyId, accessKeySecret: one.Credentials.AccessKeySecret, endpoint: s.url, apiVersion: '2014-05-15' });
    const nf = await rejects(() => bare.request('DescribeRegions', {}, { method: 'POST' }));
    assert.equal(nf.code, 'InvalidAccessKeyId.NotFound');
    // the right token with a wrong secret is a signature error
    const wrong = await rejects(() => stsPop(s, { ...one.Credentials, AccessKeySecret: 'not-the-secret' })('DescribeRegions'));
    assert.equal(wrong.code, 'SignatureDoesNotMatch');
  });

  await t.test('a session policy narrows the session to what both allow', async () => {
    const r = await assume({ Policy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:DescribeRegions', Resource: '*' }] } });
    const call = stsPop(s, r.Credentials);
    await call('DescribeRegions');
    const e = await rejects(() => call('DescribeLoadBalancers', { RegionId: REGION }));
    assert.equal(e.code, 'Forbidden');
  });

  await t.test('InvalidIdentity when the role no longer trusts the principal, or is gone', async () => {
    await opOk(s, 'POST', `/accounts/${acct}/ram/roles`, { RoleName: 'Temp' });
    await opOk(s, 'PUT', `/accounts/${acct}/ram/roles/Temp/policies/read-slb`);
    const r = (await opOk(s, 'POST', '/sts/assume-role', { RoleArn: `acs:ram::${acct}:role/temp`, RoleSessionName: 'x1' })) as { Credentials: Creds };
    const call = stsPop(s, r.Credentials);
    await call('DescribeRegions');
    await opOk(s, 'PATCH', `/accounts/${acct}/ram/roles/Temp`, { AssumeRolePolicyDocument: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['acs:ram::1111111111111111:root'] } }] } });
    const e = await rejects(() => call('DescribeRegions'));
    assert.equal(e.code, 'InvalidIdentity');
    assert.equal(e.data['Message'], 'The request identity was not allowed operated.');
    await opOk(s, 'DELETE', `/accounts/${acct}/ram/roles/Temp`);
    const gone = await rejects(() => stsV3(s, r.Credentials, 'DescribeRegions'));
    assert.equal(gone.code, 'InvalidIdentity');
  });

  await t.test('a RAM user as principal: its session ends when the user is disabled', async () => {
    await opOk(s, 'POST', `/accounts/${acct}/ram/users`, { UserName: 'assumer' });
    await opOk(s, 'POST', `/accounts/${acct}/ram/roles`, { RoleName: 'ForUser', AssumeRolePolicyDocument: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${acct}:user/assumer`] } }] } });
    await opOk(s, 'PUT', `/accounts/${acct}/ram/roles/ForUser/policies/read-slb`);
    assert.equal((await op(s, 'POST', '/sts/assume-role', { RoleArn: `acs:ram::${acct}:role/foruser`, RoleSessionName: 'as-root' })).status, 403);
    const r = (await opOk(s, 'POST', '/sts/assume-role', { RoleArn: `acs:ram::${acct}:role/foruser`, RoleSessionName: 'as-user', Principal: `acs:ram::${acct}:user/assumer` })) as { Credentials: Creds };
    const call = stsPop(s, r.Credentials);
    await call('DescribeRegions');
    await opOk(s, 'PATCH', `/accounts/${acct}/ram/users/assumer`, { Status: 'Inactive' });
    assert.equal((await rejects(() => call('DescribeRegions'))).code, 'InvalidIdentity');
  });

  await t.test('a role without policies: InvalidAuthorization', async () => {
    await opOk(s, 'POST', `/accounts/${acct}/ram/roles`, { RoleName: 'Empty' });
    const r = (await opOk(s, 'POST', '/sts/assume-role', { RoleArn: `acs:ram::${acct}:role/Empty`, RoleSessionName: 'x2' })) as { Credentials: Creds };
    const e = await rejects(() => stsPop(s, r.Credentials)('DescribeRegions'));
    assert.equal(e.code, 'InvalidAuthorization');
  });

  await t.test('cross-account role: B trusts A; A\'s session acts in B with B\'s role policies', async () => {
    const b = await createTenant(s, 'sts-other');
    await opOk(s, 'POST', `/accounts/${b.accountId}/ram/policies`, { PolicyName: 'all', PolicyDocument: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:*', Resource: '*' }] } });
    await opOk(s, 'POST', `/accounts/${b.accountId}/ram/roles`, { RoleName: 'Ops', AssumeRolePolicyDocument: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${acct}:root`] } }] } });
    await opOk(s, 'PUT', `/accounts/${b.accountId}/ram/roles/Ops/policies/all`);
    // B itself is not trusted by its own role here
    assert.equal((await op(s, 'POST', '/sts/assume-role', { RoleArn: `acs:ram::${b.accountId}:role/ops`, RoleSessionName: 'b-self' })).status, 403);
    const r = (await opOk(s, 'POST', '/sts/assume-role', { RoleArn: `acs:ram::${b.accountId}:role/ops`, RoleSessionName: 'a-in-b', Principal: `acs:ram::${acct}:root` })) as { Credentials: Creds };
    const call = stsPop(s, r.Credentials);
    const id = ((await call('CreateAccessControlList', { RegionId: REGION, AclName: 'made-by-a' })) as { AclId: string }).AclId;
    const inB = (await b.call('DescribeAccessControlLists', { RegionId: REGION })) as { Acls: { Acl: { AclId: string }[] } };
    assert.deepEqual(inB.Acls.Acl.map((x) => x.AclId), [id]);
    // A's own resources stay out of reach of the session
    const e = await rejects(() => call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb }));
    assert.equal(e.code, 'InvalidLoadBalancerId.NotFound');
    // disabling the principal's account ends its sessions in other accounts
    await opOk(s, 'PATCH', `/accounts/${acct}`, { Status: 'disabled' });
    const off = await rejects(() => call('DescribeRegions'));
    assert.equal(off.code, 'InvalidIdentity');
    await opOk(s, 'PATCH', `/accounts/${acct}`, { Status: 'active' });
  });

  await t.test('AssumeRole refusals of the operator API', async () => {
    const bad = async (body: Record<string, unknown>, status: number, code: string) => {
      const r = await op(s, 'POST', '/sts/assume-role', { RoleArn: role.Arn, RoleSessionName: 'ok-name', ...body });
      assert.equal(r.status, status, JSON.stringify(r.body));
      assert.equal(r.body['Code'], code);
    };
    await bad({ RoleArn: 'arn:aws:iam::1:role/x' }, 400, 'InvalidRoleArn');
    await bad({ RoleArn: `acs:ram::${acct}:role/none` }, 404, 'RoleNotFound');
    await bad({ RoleSessionName: 'x' }, 400, 'InvalidRoleSessionName');
    await bad({ DurationSeconds: 899 }, 400, 'InvalidDurationSeconds');
    await bad({ DurationSeconds: 3601 }, 400, 'InvalidDurationSeconds');
    await bad({ Principal: 'acs:ram::1111111111111111:root' }, 404, 'AccountNotFound');
    await bad({ Policy: '{"Version":"1"}' }, 400, 'MalformedPolicyDocument');
  });
});
