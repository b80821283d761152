// The console's browser signer (console/src/sign.ts), run in Node on the same WebCrypto API, against
// a real server: what it signs is what the gateway verifies.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formBody, signV3, type Credentials } from '../../console/src/sign.ts';
import { opOk } from '../helpers/operator.js';
import { AK, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
});

/** What api.ts does in the browser: POST / with the signed form body (fetch sets Host itself). */
async function call(action: string, params: Record<string, string>, cred: Credentials, version = '2014-05-15') {
  const body = formBody(params);
  const headers = await signV3({ method: 'POST', host: new URL(s.url).host, action, version, body }, cred);
  const res = await fetch(`${s.url}/`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

const root = { accessKeyId: AK.id, accessKeySecret: AK.secret };

test('a signed call succeeds, parameters in the form body', async () => {
  const r = await call('DescribeRegions', {}, root);
  assert.equal(r.status, 200);
  assert.ok(r.json['Regions'].Region.length > 0);
});

test('characters that need percent-encoding (spaces, +, *, ~, CJK) sign the same on both sides', async () => {
  const lb = await call('CreateLoadBalancer', { RegionId: 'cn-hangzhou', LoadBalancerName: 'web-1' }, root);
  assert.equal(lb.status, 200, JSON.stringify(lb.json));
  const r = await call('TagResources', { RegionId: 'cn-hangzhou', ResourceType: 'instance', 'ResourceId.1': lb.json['LoadBalancerId'], 'Tag.1.Key': 'team', 'Tag.1.Value': "a b+c*d~e!'()中文" }, root);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const d = await call('DescribeLoadBalancerAttribute', { RegionId: 'cn-hangzhou', LoadBalancerId: lb.json['LoadBalancerId'] }, root);
  assert.deepEqual(d.json['Tags'].Tag, [{ TagKey: 'team', TagValue: "a b+c*d~e!'()中文" }]);
});

test('another product is reached by its version (ECS DescribeInstances for the backend picker)', async () => {
  const r = await call('DescribeInstances', { RegionId: 'cn-hangzhou' }, root, '2014-05-26');
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

test('a wrong secret is SignatureDoesNotMatch with the Recommend link', async () => {
  const r = await call('DescribeRegions', {}, { ...root, accessKeySecret: 'wrong' });
  assert.equal(r.status, 400);
  assert.equal(r.json['Code'], 'SignatureDoesNotMatch');
  assert.match(r.json['Recommend'], /\/error-center#SignatureDoesNotMatch/);
});

test('a replayed nonce is refused: every call signs a fresh one', async () => {
  const body = formBody({});
  const headers = await signV3({ method: 'POST', host: new URL(s.url).host, action: 'DescribeRegions', version: '2014-05-15', body, nonce: 'fixed-nonce-0001' }, root);
  const once = await fetch(`${s.url}/`, { method: 'POST', headers, body });
  assert.equal(once.status, 200);
  const again = await fetch(`${s.url}/`, { method: 'POST', headers, body });
  assert.equal(((await again.json()) as { Code: string }).Code, 'SignatureNonceUsed');
});

test('STS credentials (security token signed too) are bound by the role\'s policy, as for any client', async () => {
  const acct = s.rootAccountId;
  await opOk(s, 'POST', `/accounts/${acct}/ram/policies`, { PolicyName: 'console-read', PolicyDocument: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:Describe*', Resource: '*' }] } });
  const role = (await opOk(s, 'POST', `/accounts/${acct}/ram/roles`, { RoleName: 'ConsoleReader' })) as { Arn: string };
  await opOk(s, 'PUT', `/accounts/${acct}/ram/roles/ConsoleReader/policies/console-read`);
  const { Credentials: c } = (await opOk(s, 'POST', '/sts/assume-role', { RoleArn: role.Arn, RoleSessionName: 'console' })) as { Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string } };
  const sts = { accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: c.SecurityToken };
  assert.equal((await call('DescribeLoadBalancers', { RegionId: 'cn-hangzhou' }, sts)).status, 200);
  const denied = await call('CreateLoadBalancer', { RegionId: 'cn-hangzhou' }, sts);
  assert.equal(denied.status, 403);
  assert.equal(denied.json['Code'], 'Forbidden');
});
