// Deterministic runs (docs/determinism.md) through pop-core and the operator API: `seed` makes
// resource ids and RequestIds reproducible; the server clock can be frozen, set and advanced, and
// everything that keeps resource time follows it (CreateTime, commerce expiry and bills, STS
// expiry) while signatures keep working on the wall clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { getCommerceSettings, putCommerceSettings } from '../../src/products/slb/services/commerce/account.js';
import { op, opOk } from '../helpers/operator.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;

/** The same sequence of calls on any server: every RequestId (errors included) and the ids minted. */
async function script(s: TestServer): Promise<{ requestIds: string[]; ids: string[] }> {
  const requestIds: string[] = [];
  const ids: string[] = [];
  const call = async (action: string, params: Body) => {
    const r = (await s.call(action, params)) as Body;
    requestIds.push(String(r['RequestId']));
    return r;
  };
  await call('DescribeRegions', {});
  for (const name of ['a', 'b']) ids.push(String((await call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: name }))['LoadBalancerId']));
  ids.push(String((await call('CreateAccessControlList', { RegionId: R, AclName: 'acl' }))['AclId']));
  const g = await call('CreateVServerGroup', { RegionId: R, LoadBalancerId: ids[0], VServerGroupName: 'g' });
  ids.push(String(g['VServerGroupId']));
  const e = await rejects(() => s.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: 'lb-doesnotexist' }));
  requestIds.push(String(e.data['RequestId']));
  const vpc = await opOk(s, 'POST', '/world/vpcs', { RegionId: R, CidrBlock: '10.0.0.0/8' });
  ids.push(String(vpc['VpcId']));
  return { requestIds, ids };
}

test('--seed: same seed and calls on a fresh data dir → same ids and RequestIds; another seed → others', async (t) => {
  const a = await startTestServer({ seed: '42' });
  t.after(() => a.stop());
  const b = await startTestServer({ seed: '42' });
  t.after(() => b.stop());
  const c = await startTestServer({ seed: '43' });
  t.after(() => c.stop());
  const ra = await script(a);
  const rb = await script(b);
  const rc = await script(c);
  assert.deepEqual(rb, ra);
  assert.equal(a.rootAccountId, b.rootAccountId, 'the root account id comes from the seed too');
  for (const id of ra.ids) assert.match(id, /^(lb-|acl-|rsp-|vpc-)[a-z0-9]+$/);
  for (const id of ra.requestIds) assert.match(id, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  assert.equal(new Set(ra.requestIds).size, ra.requestIds.length);
  for (const [i, id] of ra.ids.entries()) assert.notEqual(rc.ids[i], id);
  for (const [i, id] of ra.requestIds.entries()) assert.notEqual(rc.requestIds[i], id);
  assert.notEqual(c.rootAccountId, a.rootAccountId);
  // an account created through the operator API: id and AccessKeyId reproducible, secret not
  const ka = (await opOk(a, 'POST', '/accounts', { Name: 'tenant' })) as { AccountId: string; AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  const kb = (await opOk(b, 'POST', '/accounts', { Name: 'tenant' })) as typeof ka;
  assert.equal(kb.AccountId, ka.AccountId);
  assert.equal(kb.AccessKey.AccessKeyId, ka.AccessKey.AccessKeyId);
  assert.match(ka.AccessKey.AccessKeyId, /^LTAI[A-Za-z0-9]{20}$/);
  assert.notEqual(kb.AccessKey.AccessKeySecret, ka.AccessKey.AccessKeySecret);
  // no seed: random as before
  const r1 = await startTestServer();
  t.after(() => r1.stop());
  assert.notDeepEqual((await script(r1)).ids, ra.ids);
});

test('--seed: a restarted server draws a new generation and never repeats an id it gave', async (t) => {
  const first = await startTestServer({ seed: '7', keepDir: true });
  const before = await script(first);
  await first.stop();
  const again = await startTestServer({ seed: '7', dataDir: first.dataDir });
  t.after(() => again.stop());
  const lb = String(((await again.call('CreateLoadBalancer', { RegionId: R })) as Body)['LoadBalancerId']);
  assert.ok(!before.ids.includes(lb), `${lb} was handed out before the restart`);
  // …and the restarted run is itself reproducible: a fresh server started twice with seed 7
  const twin = await startTestServer({ seed: '7', keepDir: true });
  await script(twin);
  await twin.stop();
  const twinAgain = await startTestServer({ seed: '7', dataDir: twin.dataDir });
  t.after(() => twinAgain.stop());
  assert.equal(String(((await twinAgain.call('CreateLoadBalancer', { RegionId: R })) as Body)['LoadBalancerId']), lb);
});

test('clock: frozen and set, CreateTime is the frozen time; advance moves it; signatures stay on the wall clock', async (t) => {
  const s = await startTestServer({ freezeClock: '2030-01-01T00:00:00Z' });
  t.after(() => s.stop());
  const c0 = await opOk(s, 'GET', '/clock');
  assert.equal(c0['Now'], '2030-01-01T00:00:00.000Z');
  assert.equal(c0['Frozen'], true);
  const lb = String(((await s.call('CreateLoadBalancer', { RegionId: R })) as Body)['LoadBalancerId']);
  const attr = (await s.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: lb })) as Body;
  assert.equal(attr['CreateTimeStamp'], Date.parse('2030-01-01T00:00:00Z'));
  assert.equal(attr['CreateTime'], '2030-01-01T00:00Z');
  const acl = (await s.call('CreateAccessControlList', { RegionId: R, AclName: 'x' })) as Body;
  const acls = (await s.call('DescribeAccessControlLists', { RegionId: R })) as { Acls: { Acl: Body[] } };
  assert.equal(acls.Acls.Acl.find((x) => x['AclId'] === acl['AclId'])?.['CreateTime'], '2030-01-01T00:00:00Z');

  // ten days later (server time) an SDK signing with the real time still gets in
  const adv = await opOk(s, 'POST', '/clock/advance', { Days: 10 });
  assert.equal(adv['Now'], '2030-01-11T00:00:00.000Z');
  assert.equal(adv['Frozen'], true);
  const lb2 = String(((await s.call('CreateLoadBalancer', { RegionId: R })) as Body)['LoadBalancerId']);
  assert.equal(((await s.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: lb2 })) as Body)['CreateTime'], '2030-01-11T00:00Z');
  // …and one whose own clock is 20 minutes off is still refused (the 15-minute window is wall time)
  const skewed = new RPCClient({ accessKeyId: 'LTAItestAccessKey0001', accessKeySecret: 'testSecretValue0001', endpoint: s.url, apiVersion: '2014-05-15' });
  const e = await rejects(() => skewed.request('DescribeRegions', { Timestamp: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') }));
  assert.equal(e.code, 'InvalidTimeStamp.Expired');

  // set (not advance): At in the past is allowed, nothing falls due
  const set = await opOk(s, 'PUT', '/clock', { Frozen: true, At: '2029-06-01T12:00:00Z' });
  assert.equal(set['Now'], '2029-06-01T12:00:00.000Z');
  // unfreeze: runs on from where it stood
  const run = await opOk(s, 'PUT', '/clock', { Frozen: false });
  assert.equal(run['Frozen'], false);
  assert.ok(Date.parse(String(run['Now'])) >= Date.parse('2029-06-01T12:00:00Z'));
  assert.ok(Date.parse(String(run['Now'])) < Date.parse('2029-06-01T12:01:00Z'));
  const off = run['OffsetMs'] as number;
  assert.ok(Math.abs(off - (Date.parse('2029-06-01T12:00:00Z') - Date.now())) < 60_000);
  // a running clock advances too, and keeps running
  const adv2 = await opOk(s, 'POST', '/clock/advance', { Hours: 1 });
  assert.equal(adv2['Frozen'], false);
  assert.ok(Math.abs((adv2['OffsetMs'] as number) - off - 3_600_000) < 60_000);

  // bad bodies
  assert.equal((await op(s, 'POST', '/clock/advance', { Seconds: 1, Hours: 1 })).body['Code'], 'InvalidAdvance');
  assert.equal((await op(s, 'POST', '/clock/advance', { Seconds: -1 })).body['Code'], 'InvalidAdvance');
  assert.equal((await op(s, 'PUT', '/clock', { Frozen: true, At: 'tomorrow' })).body['Code'], 'InvalidTime');
  assert.equal((await op(s, 'PUT', '/clock', { Frozen: 'yes' })).status, 400);
  assert.equal((await op(s, 'GET', '/clock', undefined, 'wrong-token')).status, 401);
  await assert.rejects(startTestServer({ freezeClock: 'next tuesday' }), /freezeClock: expected an ISO 8601 time/);
});

test('clock: the frozen time survives a restart; the commerce offset of an old data dir joins the clock', async (t) => {
  const s = await startTestServer({ freezeClock: '2031-02-03T04:05:06Z', keepDir: true });
  await opOk(s, 'POST', '/clock/advance', { Seconds: 60 });
  // what a data dir from before the shared clock holds: an offset of the commerce clock alone
  await s.store.write(async (tx) => putCommerceSettings(tx, { ...(await getCommerceSettings(tx)), TimeOffsetMs: 3_600_000 }));
  await s.stop();
  const again = await startTestServer({ dataDir: s.dataDir });
  t.after(() => again.stop());
  const c = await opOk(again, 'GET', '/clock');
  assert.deepEqual([c['Now'], c['Frozen']], ['2031-02-03T05:06:06.000Z', true]);
  // the compatibility view of the commerce clock is the server clock's offset
  await opOk(again, 'PUT', '/clock', { Frozen: false });
  const settings = await opOk(again, 'GET', '/commerce/settings');
  assert.ok(Math.abs((settings['TimeOffsetMs'] as number) - (Date.parse('2031-02-03T05:06:06Z') - Date.now())) < 60_000);
  assert.equal((await again.store.read((tx) => getCommerceSettings(tx))).TimeOffsetMs, 0, 'folded into the clock once');
});

test('clock: advancing makes a subscription expire and a bill fall due (commerce sweep), STS credentials expire', async (t) => {
  const s = await startTestServer({ freezeClock: true, commerceSweepMs: 0 });
  t.after(() => s.stop());
  const acct = `/accounts/${s.rootAccountId}/commerce`;
  const status = async (id: string) => ((await s.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: id })) as Body)['LoadBalancerStatus'];
  const sub = (await s.call('CreateLoadBalancer', { RegionId: R, PayType: 'PrePay', PricingCycle: 'month', Duration: 1, AutoPay: true, InternetChargeType: 'paybybandwidth', Bandwidth: 10 })) as Body;
  const payg = (await s.call('CreateLoadBalancer', { RegionId: R })) as Body;
  const subId = String(sub['LoadBalancerId']);
  const paygId = String(payg['LoadBalancerId']);
  const frozenAt = Date.parse(String((await opOk(s, 'GET', '/clock'))['Now']));
  assert.equal(((await s.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: subId })) as Body)['EndTimeStamp'], frozenAt + 30 * 86_400_000);
  await opOk(s, 'POST', `${acct}/bills`, { LoadBalancerId: paygId, Amount: 30, DueInHours: 48 });

  // a day: nothing due yet
  assert.deepEqual((await opOk(s, 'POST', '/clock/advance', { Days: 1 }))['Locked'], []);
  assert.deepEqual([await status(subId), await status(paygId)], ['active', 'active']);
  // past the bill's due time
  assert.deepEqual((await opOk(s, 'POST', '/clock/advance', { Hours: 25 }))['Locked'], [paygId]);
  assert.equal(await status(paygId), 'locked');
  // past the subscription's end (the compatibility endpoint moves the same clock)
  const adv = await opOk(s, 'POST', '/commerce/advance', { Hours: 28 * 24 });
  assert.deepEqual(adv['Locked'], [subId]);
  assert.equal(adv['Now'], new Date(frozenAt + 30 * 86_400_000 + 3_600_000).toISOString());
  assert.equal(await status(subId), 'locked');
  assert.equal((await opOk(s, 'GET', '/clock'))['Now'], adv['Now']);

  // STS: a 15-minute session expires when the server clock passes its end, not before
  const root = s.rootAccountId;
  await opOk(s, 'POST', `/accounts/${root}/ram/policies`, { PolicyName: 'read', PolicyDocument: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:Describe*', Resource: '*' }] } });
  const role = (await opOk(s, 'POST', `/accounts/${root}/ram/roles`, { RoleName: 'Reader' })) as { Arn: string };
  await opOk(s, 'PUT', `/accounts/${root}/ram/roles/Reader/policies/read`);
  const creds = ((await opOk(s, 'POST', '/sts/assume-role', { RoleArn: role.Arn, RoleSessionName: 'ci', DurationSeconds: 900 })) as { Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string } }).Credentials;
  const sts = new RPCClient({ accessKeyId: creds.AccessKeyId, accessKeySecret: creds.AccessKeySecret, securityToken: creds.SecurityToken, endpoint: s.url, apiVersion: '2014-05-15' });
  await sts.request('DescribeRegions', {});
  await opOk(s, 'POST', '/clock/advance', { Seconds: 899 });
  await sts.request('DescribeRegions', {});
  await opOk(s, 'POST', '/clock/advance', { Seconds: 1 });
  assert.equal((await rejects(() => sts.request('DescribeRegions', {}))).code, 'InvalidSecurityToken.Expired');
});
