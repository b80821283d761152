// Location 2015-06-12 (src/products/location): DescribeEndpoints / DescribeEndpoint answer this
// server's own address for every product it serves, through pop-core and openapi-client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import { AK, rejects, startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let loc: RPCClient;
before(async () => {
  s = await startTestServer();
  loc = new RPCClient({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: s.url, apiVersion: '2015-06-12' });
});
after(async () => s.stop());

test('DescribeEndpoints answers host:port without scheme, the protocol the client used, for each product', async () => {
  const host = new URL(s.url).host;
  const r = (await loc.request('DescribeEndpoints', { Id: 'cn-hangzhou', ServiceCode: 'slb', Type: 'openAPI' }, { method: 'GET' })) as Record<string, unknown>;
  assert.equal(r['Success'], true);
  assert.deepEqual(JSON.parse(JSON.stringify((r['Endpoints'] as { Endpoint: unknown[] }).Endpoint)), [{ Endpoint: host, Id: 'cn-hangzhou', Namespace: '', SerivceCode: 'slb', Type: 'openAPI', Protocols: { Protocols: ['HTTP'] } }]);
  const all = (await loc.request('DescribeEndpoints', { Id: 'cn-beijing' }, { method: 'GET' })) as { Endpoints: { Endpoint: { SerivceCode: string }[] } };
  assert.ok(all.Endpoints.Endpoint.map((e) => e.SerivceCode).includes('location'));
  // a product or region this server does not serve: an empty list (clients then fall back)
  for (const q of [{ Id: 'cn-hangzhou', ServiceCode: 'rds' }, { Id: 'mars-north-1', ServiceCode: 'slb' }, { Id: 'cn-hangzhou', ServiceCode: 'slb', Type: 'innerAPI' }]) {
    const e = (await loc.request('DescribeEndpoints', q, { method: 'GET' })) as { Endpoints: { Endpoint: unknown[] } };
    assert.deepEqual(e.Endpoints.Endpoint, [], JSON.stringify(q));
  }
  const one = (await loc.request('DescribeEndpoint', { Id: 'cn-hangzhou', ServiceCode: 'slb' }, { method: 'POST' })) as Record<string, unknown>;
  assert.equal(one['Endpoint'], host);
});

test('an unknown version is InvalidVersion; an action of another product is InvalidAction.NotFound', async () => {
  const old = new RPCClient({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: s.url, apiVersion: '2013-01-01' });
  assert.equal((await rejects(() => old.request('DescribeRegions', {}))).code, 'InvalidVersion');
  assert.equal((await rejects(() => loc.request('DescribeLoadBalancers', { RegionId: 'cn-hangzhou' }))).code, 'InvalidAction.NotFound');
});
