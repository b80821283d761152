// The "done when", from the command line: two accounts and a sub-user with a restrictive
// policy set up with `openslb account|ram|sts …` (spawned), then checked through the real clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import RPCClient from '@alicloud/pop-core';
import { rejects, startTestServer } from '../helpers/server.js';
import { principal } from '../helpers/tenants.js';

const run = promisify(execFile);
const REGION = 'cn-hangzhou';

test('CLI: tenants, a sub-user with a restrictive policy, roles and STS', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const cli = async (...args: string[]) => JSON.parse((await run(process.execPath, ['bin/openslb.mjs', ...args, '--url', s.url, '--token', s.operatorToken], { cwd: process.cwd() })).stdout) as Record<string, unknown>;
  type Created = { AccountId: string; AccessKey: { AccessKeyId: string; AccessKeySecret: string } };

  const a = (await cli('account', 'create', 'cli-a')) as unknown as Created;
  const b = (await cli('account', 'create', 'cli-b')) as unknown as Created;
  const A = principal(s, a.AccountId, a.AccessKey.AccessKeyId, a.AccessKey.AccessKeySecret);
  const B = principal(s, b.AccountId, b.AccessKey.AccessKeyId, b.AccessKey.AccessKeySecret);
  const policyFile = join(s.dataDir, 'readonly.json');
  writeFileSync(policyFile, JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['slb:Describe*', 'slb:SetLoadBalancerName'], Resource: '*' }, { Effect: 'Deny', Action: 'slb:SetLoadBalancerName', Resource: `acs:slb:*:${a.AccountId}:loadbalancer/*`, Condition: { StringEquals: { 'slb:tag/protected': 'yes' } } }] }));
  await cli('ram', 'policy', 'create', a.AccountId, 'lb-readonly', `@${policyFile}`);
  const dev = (await cli('ram', 'user', 'create', a.AccountId, 'dev', '--with-key')) as { AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  await cli('ram', 'attach', a.AccountId, 'lb-readonly', '--user', 'dev');
  const DEV = principal(s, a.AccountId, dev.AccessKey.AccessKeyId, dev.AccessKey.AccessKeySecret);

  const lb = ((await A.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'a-lb' })) as { LoadBalancerId: string }).LoadBalancerId;
  const guarded = ((await A.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'a-guarded' })) as { LoadBalancerId: string }).LoadBalancerId;
  await A.call('TagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [guarded], Tag: [{ Key: 'protected', Value: 'yes' }] });

  await t.test('the sub-user is refused exactly where the policy says', async () => {
    const lbs = (await DEV.call('DescribeLoadBalancers', { RegionId: REGION })) as { TotalCount: number };
    assert.equal(lbs.TotalCount, 2);
    await DEV.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb, LoadBalancerName: 'renamed-by-dev' });
    for (const [action, params] of [
      ['SetLoadBalancerName', { LoadBalancerId: guarded, LoadBalancerName: 'x' }],
      ['CreateLoadBalancer', {}],
      ['DeleteLoadBalancer', { LoadBalancerId: lb }],
      ['CreateAccessControlList', { AclName: 'x' }],
    ] as [string, Record<string, unknown>][]) {
      const e = await rejects(() => DEV.call(action, { RegionId: REGION, ...params }));
      assert.equal(e.code, 'Forbidden', action);
      assert.equal(e.data['Message'], 'User not authorized to operate on the specified resource.');
    }
    const v3 = await rejects(() => DEV.v3('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb }));
    assert.equal(v3.statusCode, 403);
  });

  await t.test('cross-account access is refused: B sees nothing of A and cannot touch it', async () => {
    assert.equal(((await B.call('DescribeLoadBalancers', { RegionId: REGION })) as { TotalCount: number }).TotalCount, 0);
    for (const action of ['DescribeLoadBalancerAttribute', 'DeleteLoadBalancer']) {
      const e = await rejects(() => B.call(action, { RegionId: REGION, LoadBalancerId: lb }));
      assert.equal(e.code, 'InvalidLoadBalancerId.NotFound', action);
    }
    assert.equal(((await A.call('DescribeLoadBalancers', { RegionId: REGION })) as { TotalCount: number }).TotalCount, 2);
  });

  await t.test('listing, keys, disabling and enabling from the CLI', async () => {
    const list = (await cli('account', 'list')) as { Accounts: { Name: string }[] };
    assert.deepEqual(list.Accounts.map((x) => x.Name).sort(), ['cli-a', 'cli-b', 'root']);
    await cli('account', 'disable', b.AccountId);
    assert.equal((await rejects(() => B.call('DescribeRegions'))).code, 'InvalidAccessKeyId.Inactive');
    await cli('account', 'enable', b.AccountId);
    await B.call('DescribeRegions');
    const k = (await cli('account', 'key', 'create', b.AccountId)) as { AccessKeyId: string };
    await cli('account', 'key', 'disable', b.AccountId, k.AccessKeyId);
    const shown = (await cli('account', 'show', b.AccountId)) as { AccessKeys: { AccessKeyId: string; Status: string }[] };
    assert.equal(shown.AccessKeys.find((x) => x.AccessKeyId === k.AccessKeyId)?.Status, 'Inactive');
    await cli('ram', 'user', 'disable', a.AccountId, 'dev');
    assert.equal((await rejects(() => DEV.call('DescribeRegions'))).code, 'AUTH.RAM_AUTH_FAILED');
    await cli('ram', 'user', 'enable', a.AccountId, 'dev');
    await cli('account', 'set', b.AccountId, '--not-allowed-actions', 'CreateLoadBalancer');
    assert.equal((await rejects(() => B.call('CreateLoadBalancer', { RegionId: REGION }))).code, 'UserNotAllowed');
    // errors of the operator API surface as a non-zero exit with the code
    const e = await rejects(() => cli('account', 'create', 'cli-a'));
    assert.match(String((e as unknown as { stderr: string }).stderr), /AccountNameExists/);
  });

  await t.test('roles and STS from the CLI', async () => {
    await cli('ram', 'role', 'create', a.AccountId, 'Reader');
    await cli('ram', 'attach', a.AccountId, 'lb-readonly', '--role', 'Reader');
    const r = (await cli('sts', 'assume-role', `acs:ram::${a.AccountId}:role/reader`, '--session', 'cli-session', '--duration', '900')) as { Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string } };
    const c = r.Credentials;
    const client = new RPCClient({ accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: c.SecurityToken, endpoint: s.url, apiVersion: '2014-05-15' });
    const lbs = (await client.request('DescribeLoadBalancers', { RegionId: REGION }, { method: 'POST' })) as { TotalCount: number };
    assert.equal(lbs.TotalCount, 2);
    const e = await rejects(() => client.request('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb }, { method: 'POST' }));
    assert.equal(e.code, 'Forbidden');
  });
});
