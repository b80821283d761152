// The wire protocol end to end: the real npm clients (pop-core GET/POST, openapi-client V3 and
// signatureAlgorithm 'v2') where they can produce the case, and raw HTTP signed by the independent
// signer in test/helpers/signer.ts where they cannot. Every gateway error is checked for its exact
// HTTP status, code and message. The check order under test is documented in docs/protocol.md §2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import OpenApi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';
import { AK, rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { nonce, nowTimestamp, send, v1Request, v1Signature, v1StringToSign, v3Request, type RawResponse } from '../helpers/signer.js';
import { GLOBAL } from '../../src/state/store.js';
import { ManualClock } from '../../src/util/clock.js';

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const SPECIALS = "a b*c~d!e'f(g)h+i/j=k&l 中文";

const MSG = {
  notFoundKey: 'Specified access key is not found.',
  inactive: 'Specified access key is disabled.',
  v1Mismatch: 'Specified signature is not matched with our calculation. server string to sign is:',
  v3Mismatch: 'Specified signature does not match our calculation. server StringToSign is [',
  incomplete: 'The request signature does not conform to Aliyun standards.',
  method: 'Specified signature method is not valid.',
  nonce: 'Specified signature nonce was used already.',
  expired: 'Specified time stamp or date value is expired.',
  tsFormat: 'Specified time stamp or date value is not well formatted.',
  missing: (n: string) => `The input parameter "${n}" that is mandatory for processing this request is not supplied.`,
  action: 'Specified api is not found, please check your url and method.',
  version: 'Specified parameter Version is not valid.',
  format: 'Specified parameter format is not valid.',
  http: 'Specified http method is not supported.',
  user: 'Request was denied due to user flow control.',
  api: 'Request was denied due to api flow control.',
  sts: 'Specified SecurityToken is malformed.',
};

/** Asserts a JSON error envelope exactly: status, code, message, RequestId (also in the header), HostId, Recommend. */
function assertError(r: RawResponse, status: number, code: string, message: string | RegExp) {
  assert.equal(r.status, status, `status of ${code}: ${r.text}`);
  assert.equal(r.headers['content-type'], 'application/json;charset=utf-8');
  const b = r.json!;
  assert.ok(b, `JSON body expected, got ${r.text}`);
  assert.deepEqual(Object.keys(b).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
  assert.equal(b['Code'], code);
  if (typeof message === 'string') assert.equal(b['Message'], message);
  else assert.match(b['Message'] as string, message);
  assert.match(b['RequestId'] as string, REQUEST_ID);
  assert.equal(r.headers['x-acs-request-id'], b['RequestId']);
  assert.equal(b['HostId'], '127.0.0.1');
  assert.match(b['Recommend'] as string, /^http:\/\/127\.0\.0\.1:\d+\/error-center#\S+$/);
}

/** openapi-client with options the shared helper does not expose (STS token, XML body, GET). */
async function openapi(s: TestServer, action: string, query: Record<string, unknown>, o: { secret?: string; id?: string; securityToken?: string; v2?: boolean; bodyType?: string; method?: string; body?: Record<string, unknown> } = {}) {
  const client = new OpenApi.default(
    new Config({
      accessKeyId: o.id ?? AK.id,
      accessKeySecret: o.secret ?? AK.secret,
      ...(o.securityToken ? { securityToken: o.securityToken } : {}),
      endpoint: `127.0.0.1:${s.port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      ...(o.v2 ? { signatureAlgorithm: 'v2' } : {}),
    }),
  );
  const p = new Params({ action, version: '2014-05-15', protocol: 'HTTP', pathname: '/', method: o.method ?? 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: o.bodyType ?? 'json' });
  const req = new OpenApiRequest({ query: OpenApiUtil.default.query(query), ...(o.body ? { body: o.body } : {}) });
  return (await client.callApi(p, req, new RuntimeOptions({}))) as { statusCode: number; headers: Record<string, string>; body: unknown };
}

const pop = (s: TestServer, o: { secret?: string; id?: string; securityToken?: string; apiVersion?: string } = {}) =>
  new RPCClient({ accessKeyId: o.id ?? AK.id, accessKeySecret: o.secret ?? AK.secret, endpoint: s.url, apiVersion: o.apiVersion ?? '2014-05-15', ...(o.securityToken ? { securityToken: o.securityToken } : {}) });

const regionsOf = (b: unknown) => (b as { Regions: { Region: { RegionId: string }[] } }).Regions.Region.map((r) => r.RegionId);

test('gateway: wire protocol and every gateway error', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const key = { id: AK.id, secret: AK.secret };

  await t.test('success through every client: JSON envelope, RequestId in body and x-acs-request-id header', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const r = await s.call('DescribeRegions', {}, { method });
      assert.match(r['RequestId'] as string, REQUEST_ID);
      assert.ok(regionsOf(r).includes('cn-hangzhou'));
      assert.equal(r['Code'], undefined);
    }
    for (const v of [await s.v3('DescribeRegions', {}), await s.v3('DescribeRegions', {}, { signatureAlgorithm: 'v2' })]) {
      assert.equal(v.statusCode, 200);
      assert.match(v.body['RequestId'] as string, REQUEST_ID);
      assert.ok(regionsOf(v.body).includes('cn-beijing'));
    }
    const raw = await v1Request(s.url, 'DescribeRegions', {}, key);
    assert.equal(raw.status, 200);
    assert.equal(raw.headers['content-type'], 'application/json;charset=utf-8');
    assert.equal(raw.headers['x-acs-request-id'], raw.json!['RequestId']);
    const v3 = await v3Request(s.url, 'DescribeRegions', { ...key, query: { AcceptLanguage: 'en-US' } });
    assert.equal(v3.status, 200, v3.text);
    assert.equal(v3.headers['x-acs-request-id'], v3.json!['RequestId']);
    // V3 over GET, and business parameters in a V3 form body
    const g = await openapi(s, 'DescribeRegions', { AcceptLanguage: 'en-US' }, { method: 'GET' });
    assert.equal(g.statusCode, 200);
    const fb = await v3Request(s.url, 'DescribeZones', { ...key, body: { RegionId: 'cn-shanghai' } });
    assert.equal(fb.status, 200, fb.text);
    // V1: the signed Action wins over an x-acs-action header that disagrees
    const h = await v1Request(s.url, 'DescribeRegions', {}, { ...key, headers: { 'x-acs-action': 'DeleteLoadBalancer', 'x-acs-version': '2099-01-01' } });
    assert.equal(h.status, 200);
    assert.ok(regionsOf(h.json).length > 0);
  });

  await t.test('Format=XML (any case): the XML success envelope', async () => {
    for (const f of ['XML', 'xml', 'Xml']) {
      const r = await v1Request(s.url, 'DescribeRegions', { Format: f, AcceptLanguage: 'en-US' }, key);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'text/xml;charset=utf-8');
      const id = r.headers['x-acs-request-id'] as string;
      assert.match(id, REQUEST_ID);
      assert.ok(r.text.startsWith(`<?xml version="1.0" encoding="UTF-8"?><DescribeRegionsResponse><RequestId>${id}</RequestId><Regions><Region>`), r.text.slice(0, 200));
      assert.match(r.text, /<Region><RegionId>cn-hangzhou<\/RegionId><LocalName>China \(Hangzhou\)<\/LocalName><RegionEndpoint>slb\.aliyuncs\.com<\/RegionEndpoint><\/Region>/);
      assert.ok(r.text.endsWith('</Regions></DescribeRegionsResponse>'));
    }
    // openapi-client V3 with Format=XML in the query and a string body
    const v = await openapi(s, 'DescribeRegions', { Format: 'XML' }, { bodyType: 'string' });
    assert.equal(v.statusCode, 200);
    assert.match(v.body as string, /^<\?xml version="1\.0" encoding="UTF-8"\?><DescribeRegionsResponse><RequestId>/);
    // V3 without Format: an Accept that asks for XML selects XML; Format, when given, wins
    const ax = await v3Request(s.url, 'DescribeRegions', { ...key, headers: { accept: 'application/xml' } });
    assert.equal(ax.headers['content-type'], 'text/xml;charset=utf-8');
    assert.match(ax.text, /^<\?xml version="1\.0" encoding="UTF-8"\?><DescribeRegionsResponse>/);
    const aj = await v3Request(s.url, 'DescribeRegions', { ...key, query: { Format: 'JSON' }, headers: { accept: 'application/xml' } });
    assert.equal(aj.headers['content-type'], 'application/json;charset=utf-8');
    // JSON in any case is JSON
    const j = await v1Request(s.url, 'DescribeRegions', { Format: 'json' }, key);
    assert.equal(j.headers['content-type'], 'application/json;charset=utf-8');
  });

  await t.test('XML errors: the Error envelope, parsed by openapi-client because the content type is exactly text/xml;charset=utf-8', async () => {
    const r = await v1Request(s.url, 'DescribeRegions', { Format: 'XML' }, { ...key, secret: 'wrong' });
    assert.equal(r.status, 400);
    assert.equal(r.headers['content-type'], 'text/xml;charset=utf-8');
    const id = r.headers['x-acs-request-id'] as string;
    const m = /^<\?xml version='1\.0' encoding='UTF-8'\?><Error><RequestId>([^<]+)<\/RequestId><HostId>127\.0\.0\.1<\/HostId><Code>SignatureDoesNotMatch<\/Code><Message>([^<]*)<\/Message><Recommend><!\[CDATA\[(http:\/\/127\.0\.0\.1:\d+\/error-center#SignatureDoesNotMatch)\]\]><\/Recommend><\/Error>$/.exec(r.text);
    assert.ok(m, r.text);
    assert.equal(m[1], id);
    assert.equal(m[2]!.replace(/&amp;/g, '&'), MSG.v1Mismatch + r.stringToSign);
    // V3 client: the XML error is read as XML (code, status, message, request id all surface)
    const e = await rejects(() => openapi(s, 'DescribeRegions', { Format: 'XML' }, { secret: 'wrong', bodyType: 'string' }));
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.equal(e.statusCode, 400);
    assert.ok((e.data['Message'] as string).startsWith(MSG.v3Mismatch));
    assert.match(e.data['RequestId'] as string, REQUEST_ID);
    const x = await rejects(() => openapi(s, 'NoSuchAction', { Format: 'xml' }, { bodyType: 'string' }));
    assert.equal(x.code, 'InvalidAction.NotFound');
    assert.equal(x.statusCode, 404);
    assert.equal(x.data['Message'], MSG.action);
  });

  await t.test('InvalidAccessKeyId.NotFound (404)', async () => {
    const e = await rejects(() => pop(s, { id: 'LTAIunknownKey0000000' }).request('DescribeRegions', {}));
    assert.equal(e.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(e.data['Message'], MSG.notFoundKey);
    const v = await rejects(() => openapi(s, 'DescribeRegions', {}, { id: 'LTAIunknownKey0000000' }));
    assert.equal(v.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(v.statusCode, 404);
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { id: 'nope', secret: 'x' }), 404, 'InvalidAccessKeyId.NotFound', MSG.notFoundKey);
  });

  await t.test('InvalidAccessKeyId.Inactive (400) for a disabled key', async () => {
    const off = { AccessKeyId: 'LTAIdisabledKey000001', AccessKeySecret: 'disabledSecret', AccountId: s.rootAccountId, Status: 'Inactive', CreatedAt: '2024-01-01T00:00:00Z' };
    await s.store.write((tx) => tx.put('accessKey', GLOBAL, off.AccessKeyId, off));
    const e = await rejects(() => pop(s, { id: off.AccessKeyId, secret: off.AccessKeySecret }).request('DescribeRegions', {}));
    assert.equal(e.code, 'InvalidAccessKeyId.Inactive');
    assert.equal(e.data['Message'], MSG.inactive);
    const v = await rejects(() => openapi(s, 'DescribeRegions', {}, { id: off.AccessKeyId, secret: off.AccessKeySecret }));
    assert.equal(v.statusCode, 400);
    assert.equal(v.code, 'InvalidAccessKeyId.Inactive');
    // an active key of a disabled account is refused the same way
    const acct = { AccountId: '1999999999999999', Name: 'off', Status: 'disabled', Root: false, CreatedAt: '2024-01-01T00:00:00Z' };
    const k2 = { ...off, AccessKeyId: 'LTAIdisabledAccount01', AccountId: acct.AccountId, Status: 'Active' };
    await s.store.write(async (tx) => {
      await tx.put('account', GLOBAL, acct.AccountId, acct);
      await tx.put('accessKey', GLOBAL, k2.AccessKeyId, k2);
    });
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { id: k2.AccessKeyId, secret: k2.AccessKeySecret }), 400, 'InvalidAccessKeyId.Inactive', MSG.inactive);
    // enabling it again takes effect at once (the key cache follows the store)
    await s.store.write((tx) => tx.put('accessKey', GLOBAL, off.AccessKeyId, { ...off, Status: 'Active' }));
    const ok = await pop(s, { id: off.AccessKeyId, secret: off.AccessKeySecret }).request('DescribeRegions', {});
    assert.ok(regionsOf(ok).length > 0);
  });

  await t.test('SignatureDoesNotMatch V1: the message ends with the string to sign the client signed', async () => {
    // pop-core GET: recompute what the client signed from the URL it sent, prove it is what it
    // signed (HMAC with the wrong secret gives the Signature on the wire), and compare.
    const e = await rejects(() => pop(s, { secret: 'wrongSecret' }).request('DescribeRegions', { Extra: SPECIALS }));
    assert.equal(e.code, 'SignatureDoesNotMatch');
    const sent = Object.fromEntries(new URL((e as unknown as { url: string }).url).searchParams);
    const clientSts = v1StringToSign('GET', sent);
    assert.equal(v1Signature('wrongSecret', clientSts), sent['Signature']);
    assert.equal(e.data['Message'], MSG.v1Mismatch + clientSts);
    // pop-core POST and openapi-client v2 (POST, query + body)
    const p = await rejects(() => pop(s, { secret: 'wrongSecret' }).request('DescribeRegions', {}, { method: 'POST' }));
    assert.equal(p.code, 'SignatureDoesNotMatch');
    assert.ok((p.data['Message'] as string).startsWith(`${MSG.v1Mismatch}POST&%2F&AccessKeyId%3D${AK.id}%26Action%3DDescribeRegions%26Format%3DJSON%26`));
    const v2 = await rejects(() => openapi(s, 'DescribeRegions', { AcceptLanguage: 'en-US' }, { secret: 'wrongSecret', v2: true }));
    assert.equal(v2.code, 'SignatureDoesNotMatch');
    assert.equal(v2.statusCode, 400);
    assert.ok((v2.data['Message'] as string).startsWith(`${MSG.v1Mismatch}POST&%2F&`));
    // raw, parameters in a form body: exactly the independent signer's string
    const r = await v1Request(s.url, 'DescribeRegions', { Extra: SPECIALS }, { ...key, secret: 'bad', method: 'POST', where: 'body' });
    assertError(r, 400, 'SignatureDoesNotMatch', MSG.v1Mismatch + r.stringToSign);
    assert.match(r.json!['Recommend'] as string, /#SignatureDoesNotMatch$/);
  });

  await t.test('SignatureDoesNotMatch V3: the message carries the server StringToSign', async () => {
    const e = await rejects(() => s.v3('DescribeRegions', {}, { accessKeySecret: 'wrongSecret' }));
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.equal(e.statusCode, 400);
    assert.match(e.data['Message'] as string, /^Specified signature does not match our calculation\. server StringToSign is \[ACS3-HMAC-SHA256\n[0-9a-f]{64}\]$/);
    const r = await v3Request(s.url, 'DescribeRegions', { ...key, secret: 'bad', query: { Extra: SPECIALS }, body: { More: SPECIALS } });
    assertError(r, 400, 'SignatureDoesNotMatch', `${MSG.v3Mismatch}${r.stringToSign}]`);
    assert.match(r.json!['Recommend'] as string, /#SignatureDoesNotMatch~2$/);
  });

  await t.test('IncompleteSignature for malformed V3 authorization material', async () => {
    assertError(await v3Request(s.url, 'DescribeRegions', { ...key, authorization: 'ACS3-HMAC-SHA256 garbage' }), 400, 'IncompleteSignature', MSG.incomplete);
    assertError(await v3Request(s.url, 'DescribeRegions', { ...key, authorization: `ACS3-HMAC-SHA256 Credential=${AK.id},Signature=abc` }), 400, 'IncompleteSignature', MSG.incomplete);
    // x-acs-action present but not among the signed headers
    const sig = `ACS3-HMAC-SHA256 Credential=${AK.id},SignedHeaders=host;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=00`;
    assertError(await v3Request(s.url, 'DescribeRegions', { ...key, authorization: sig }), 400, 'IncompleteSignature', MSG.incomplete);
  });

  await t.test('InvalidSignatureMethod for V1 and V3', async () => {
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { SignatureMethod: 'HMAC-SHA256' } }), 400, 'InvalidSignatureMethod', MSG.method);
    assertError(await v3Request(s.url, 'DescribeRegions', { ...key, algorithm: 'ACS3-HMAC-SM3' }), 400, 'InvalidSignatureMethod', MSG.method);
    // a SignatureVersion other than 1.0 (absent is accepted)
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { SignatureVersion: '2.0' } }), 400, 'UnsupportedSignatureVersion', 'Specified signature version is not supported.');
    assert.equal((await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { SignatureVersion: undefined } })).status, 200);
  });

  await t.test('SignatureNonceUsed on replay (V1 and V3); a failed signature does not burn the nonce', async () => {
    const n = nonce();
    const first = await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { SignatureNonce: n } });
    assert.equal(first.status, 200);
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { SignatureNonce: n } }), 400, 'SignatureNonceUsed', MSG.nonce);
    // exact replay of the same signed URL
    const replay = await send(s.url, { method: 'GET', path: `/?${new URLSearchParams(first.sent).toString()}` });
    assertError(replay, 400, 'SignatureNonceUsed', MSG.nonce);
    const m = nonce();
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, secret: 'bad', common: { SignatureNonce: m } }), 400, 'SignatureDoesNotMatch', /^Specified signature is not matched/);
    assert.equal((await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { SignatureNonce: m } })).status, 200);
    const v = nonce();
    assert.equal((await v3Request(s.url, 'DescribeRegions', { ...key, headers: { 'x-acs-signature-nonce': v } })).status, 200);
    assertError(await v3Request(s.url, 'DescribeRegions', { ...key, headers: { 'x-acs-signature-nonce': v } }), 400, 'SignatureNonceUsed', MSG.nonce);
  });

  await t.test('InvalidTimeStamp.Expired (more than 15 minutes either way) and .Format', async () => {
    for (const off of [-16 * 60_000, 16 * 60_000]) {
      assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { Timestamp: nowTimestamp(off) } }), 400, 'InvalidTimeStamp.Expired', MSG.expired);
      assertError(await v3Request(s.url, 'DescribeRegions', { ...key, headers: { 'x-acs-date': nowTimestamp(off) } }), 400, 'InvalidTimeStamp.Expired', MSG.expired);
    }
    // inside the window (14 minutes off) passes; fractions of a second are accepted
    assert.equal((await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { Timestamp: nowTimestamp(-14 * 60_000) } })).status, 200);
    assert.equal((await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { Timestamp: new Date().toISOString() } })).status, 200);
    for (const bad of ['2024-01-01 00:00:00', '2024-02-30T00:00:00Z', '1700000000', '2024-01-01T00:00:00+08:00', 'yesterday']) {
      assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { Timestamp: bad } }), 400, 'InvalidTimeStamp.Format', MSG.tsFormat);
    }
    assertError(await v3Request(s.url, 'DescribeRegions', { ...key, headers: { 'x-acs-date': 'Mon, 01 Jan 2024 00:00:00 GMT' } }), 400, 'InvalidTimeStamp.Format', MSG.tsFormat);
  });

  await t.test('MissingParameter for absent protocol and action parameters', async () => {
    for (const n of ['Action', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureNonce', 'Timestamp']) {
      assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { [n]: undefined } }), 400, 'MissingParameter', MSG.missing(n));
    }
    const noSig = await send(s.url, { method: 'GET', path: '/?Action=DescribeRegions&Version=2014-05-15&AccessKeyId=x&SignatureMethod=HMAC-SHA1&SignatureNonce=1&Timestamp=2024-01-01T00:00:00Z' });
    assertError(noSig, 400, 'MissingParameter', MSG.missing('Signature'));
    // an action's required parameter (DescribeZones RegionId), through pop-core and openapi-client
    const e = await rejects(() => s.call('DescribeZones', {}));
    assert.equal(e.code, 'MissingParameter');
    assert.equal(e.data['Message'], MSG.missing('RegionId'));
    const v = await rejects(() => s.v3('DescribeZones', {}));
    assert.equal(v.statusCode, 400);
    assert.equal(v.data['Message'], MSG.missing('RegionId'));
  });

  await t.test('InvalidAction.NotFound (404) for unknown actions and paths', async () => {
    const e = await rejects(() => s.call('DescribeNothing', {}));
    assert.equal(e.code, 'InvalidAction.NotFound');
    assert.equal(e.data['Message'], MSG.action);
    const v = await rejects(() => s.v3('DescribeNothing', {}));
    assert.equal(v.statusCode, 404);
    // actions are case-sensitive
    assertError(await v1Request(s.url, 'describeregions', {}, key), 404, 'InvalidAction.NotFound', MSG.action);
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, path: '/api' }), 404, 'InvalidAction.NotFound', MSG.action);
  });

  await t.test('InvalidVersion (400)', async () => {
    const e = await rejects(() => pop(s, { apiVersion: '2018-01-01' }).request('DescribeRegions', {}));
    assert.equal(e.code, 'InvalidVersion');
    assert.equal(e.data['Message'], MSG.version);
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { Version: '2014-05-16' } }), 400, 'InvalidVersion', MSG.version);
    assertError(await v3Request(s.url, 'DescribeRegions', { ...key, headers: { 'x-acs-version': '2020-01-01' } }), 400, 'InvalidVersion', MSG.version);
  });

  await t.test('InvalidParameter.Format (400) for a Format other than JSON/XML', async () => {
    for (const f of ['YAML', '', 'JSONP']) {
      assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { Format: f } }), 400, 'InvalidParameter.Format', MSG.format);
    }
  });

  await t.test('UnsupportedHTTPMethod (400) for methods other than GET and POST, still with a RequestId', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...key, method }), 400, 'UnsupportedHTTPMethod', MSG.http);
    }
  });

  await t.test('STS SecurityToken not issued by OpenSLB is refused with InvalidSecurityToken.Malformed (V1 and V3)', async () => {
    const e = await rejects(() => pop(s, { securityToken: 'CAIS-token' }).request('DescribeRegions', {}));
    assert.equal(e.code, 'InvalidSecurityToken.Malformed');
    assert.equal(e.data['Message'], MSG.sts);
    const v = await rejects(() => openapi(s, 'DescribeRegions', {}, { securityToken: 'CAIS-token' }));
    assert.equal(v.code, 'InvalidSecurityToken.Malformed');
    assert.equal(v.statusCode, 400);
    assertError(await v1Request(s.url, 'DescribeRegions', { SecurityToken: 'x' }, { id: 'STS.NTest', secret: 's' }), 400, 'InvalidSecurityToken.Malformed', MSG.sts);
    // an empty SecurityToken is no token
    assert.equal((await v1Request(s.url, 'DescribeRegions', { SecurityToken: '' }, key)).status, 200);
  });

  await t.test('URLs of several KB: a 10 KB parameter in the query (GET and Go-SDK style POST)', async () => {
    const big = 'x'.repeat(10 * 1024);
    const r = await s.call('DescribeRegions', { Padding: big });
    assert.ok(regionsOf(r).length > 0);
    const pem = `-----BEGIN CERTIFICATE-----\n${'QUJD'.repeat(2600)}\n-----END CERTIFICATE-----`;
    const raw = await v1Request(s.url, 'DescribeRegions', { ServerCertificate: pem }, { ...key, method: 'POST', where: 'query', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(raw.status, 200, raw.text);
    assert.ok(raw.sent['ServerCertificate']!.length > 10_000);
    const v = await s.v3('DescribeRegions', { Padding: big });
    assert.equal(v.statusCode, 200);
  });

  await t.test('limits: a 200 KB query passes; requests fastify refuses still get an API envelope', async () => {
    const r = await v1Request(s.url, 'DescribeRegions', { Padding: 'y'.repeat(200 * 1024) }, key);
    assert.equal(r.status, 200);
    // a form body over the 8 MB body limit
    const big = await send(s.url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.alloc(9 * 1024 * 1024, 0x61) });
    assertError(big, 400, 'InvalidParameter', 'Specified parameter is not valid.');
    // request line + headers over the 256 KB limit: Node answers 431 itself, before any API code
    const huge = await send(s.url, { method: 'GET', path: `/?Padding=${'z'.repeat(300 * 1024)}` });
    assert.equal(huge.status, 431);
  });

  await t.test('unknown parameters are accepted and ignored', async () => {
    // (identity parameters naming the caller itself are accepted; other values: test/api/accounts.test.ts)
    const r = await s.call('DescribeRegions', { NotAParameter: 'x', OwnerId: s.rootAccountId, ResourceOwnerAccount: 'root', Tag: [{ Key: 'k', Value: 'v' }] });
    assert.ok(regionsOf(r).length > 0);
    const v = await s.v3('DescribeRegions', { Whatever: '1', AcceptLanguage: 'en-US' });
    assert.equal(v.statusCode, 200);
  });

  await t.test(`special characters verify for every client: ${SPECIALS}`, async () => {
    for (const method of ['GET', 'POST'] as const) await s.call('DescribeRegions', { Extra: SPECIALS, [`K${method}`]: `${SPECIALS}%20%2A` }, { method });
    assert.equal((await s.v3('DescribeRegions', { Extra: SPECIALS })).statusCode, 200);
    assert.equal((await s.v3('DescribeRegions', { Extra: SPECIALS }, { signatureAlgorithm: 'v2' })).statusCode, 200);
    assert.equal((await openapi(s, 'DescribeRegions', { Extra: SPECIALS }, { v2: true, body: { InBody: SPECIALS } })).statusCode, 200);
    assert.equal((await openapi(s, 'DescribeRegions', { Extra: SPECIALS }, { body: { InBody: SPECIALS } })).statusCode, 200);
    // Go's url.Values.Encode writes a space as `+`; a raw `+` inside the Signature value is restored
    const sts = { ...key };
    for (let i = 0; i < 200; i++) {
      const params = { Extra: SPECIALS };
      const all: Record<string, string> = {
        Action: 'DescribeRegions', Version: '2014-05-15', Format: 'JSON', AccessKeyId: sts.id, SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0', SignatureNonce: nonce(), Timestamp: nowTimestamp(), SignatureType: '', ...params,
      };
      const sig = v1Signature(sts.secret, v1StringToSign('GET', all));
      if (!sig.includes('+')) continue;
      const wire = new URLSearchParams(all).toString(); // `+` for space, like Go
      const r = await send(s.url, { method: 'GET', path: `/?${wire}&Signature=${sig}` });
      assert.equal(r.status, 200, r.text);
      break;
    }
  });

  await t.test('Recommend links to an anchor that exists on /error-center', async () => {
    const errs = [
      await v1Request(s.url, 'DescribeRegions', {}, { ...key, secret: 'bad' }),
      await v3Request(s.url, 'DescribeRegions', { ...key, secret: 'bad' }),
      await v1Request(s.url, 'Nope', {}, key),
      await v1Request(s.url, 'DescribeZones', {}, key),
    ];
    const page = await send(s.url, { method: 'GET', path: '/error-center' });
    assert.equal(page.status, 200);
    for (const e of errs) {
      const rec = new URL(e.json!['Recommend'] as string);
      assert.equal(rec.pathname, '/error-center');
      const anchor = decodeURIComponent(rec.hash.slice(1));
      assert.ok(page.text.includes(`id="${anchor}"`), `anchor ${anchor} on the error center`);
      assert.ok(anchor === e.json!['Code'] || anchor.startsWith(`${e.json!['Code'] as string}~`));
    }
  });

  await t.test('check order: the earliest failing check answers (docs/protocol.md §2)', async () => {
    const bad = { ...key, secret: 'bad' };
    // method before everything
    assertError(await v1Request(s.url, 'Nope', {}, { ...bad, method: 'PUT', common: { Version: 'x' } }), 400, 'UnsupportedHTTPMethod', MSG.http);
    // Version before Action, both before Format and the signature
    assertError(await v1Request(s.url, 'Nope', {}, { ...bad, common: { Version: 'x', Format: 'YAML' } }), 400, 'InvalidVersion', MSG.version);
    assertError(await v1Request(s.url, 'Nope', {}, { ...bad, common: { Format: 'YAML' } }), 404, 'InvalidAction.NotFound', MSG.action);
    // Format before signature material
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...bad, common: { Format: 'YAML', SignatureNonce: undefined } }), 400, 'InvalidParameter.Format', MSG.format);
    // signature material before the signature method, the method before the timestamp
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...bad, common: { SignatureMethod: 'MD5', Timestamp: undefined } }), 400, 'MissingParameter', MSG.missing('Timestamp'));
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...bad, common: { SignatureMethod: 'MD5', Timestamp: 'x' } }), 400, 'InvalidSignatureMethod', MSG.method);
    // timestamp before the key, the key before the signature
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { id: 'unknown', secret: 'x', common: { Timestamp: nowTimestamp(-3600_000) } }), 400, 'InvalidTimeStamp.Expired', MSG.expired);
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { id: 'unknown', secret: 'x' }), 404, 'InvalidAccessKeyId.NotFound', MSG.notFoundKey);
    // the signature before the nonce: a used nonce with a bad signature is a signature error
    const n = nonce();
    assert.equal((await v1Request(s.url, 'DescribeRegions', {}, { ...key, common: { SignatureNonce: n } })).status, 200);
    assertError(await v1Request(s.url, 'DescribeRegions', {}, { ...bad, common: { SignatureNonce: n } }), 400, 'SignatureDoesNotMatch', /^Specified signature is not matched/);
    // authentication before parameter validation
    assertError(await v1Request(s.url, 'DescribeZones', {}, bad), 400, 'SignatureDoesNotMatch', /^Specified signature is not matched/);
  });

  await t.test('no throttling by default: a burst of 200 concurrent calls all pass', async () => {
    const client = pop(s);
    const results = await Promise.all(Array.from({ length: 200 }, () => client.request('DescribeRegions', {})));
    assert.equal(results.length, 200);
    for (const r of results) assert.match((r as { RequestId: string }).RequestId, REQUEST_ID);
  });
});

test('gateway: Throttling.User and Throttling.Api when limits are configured', async (t) => {
  const clock = new ManualClock(Date.now());
  const user = await startTestServer({ userRateLimit: 3, clock });
  const api = await startTestServer({ apiRateLimit: 2, clock });
  t.after(() => Promise.all([user.stop(), api.stop()]));

  await t.test('Throttling.User: per account, refills with time', async () => {
    for (let i = 0; i < 3; i++) await user.call('DescribeRegions', {});
    const e = await rejects(() => user.call('DescribeRegions', {}));
    assert.equal(e.code, 'Throttling.User');
    assert.equal(e.data['Message'], MSG.user);
    const v = await rejects(() => user.v3('DescribeZones', { RegionId: 'cn-hangzhou' }));
    assert.equal(v.statusCode, 400);
    assert.equal(v.code, 'Throttling.User');
    clock.advance(1000);
    await user.call('DescribeRegions', {});
  });

  await t.test('Throttling.Api: per account and action', async () => {
    for (let i = 0; i < 2; i++) await api.call('DescribeRegions', {});
    const e = await rejects(() => api.call('DescribeRegions', {}));
    assert.equal(e.code, 'Throttling.Api');
    assert.equal(e.data['Message'], MSG.api);
    assertError(await v1Request(api.url, 'DescribeRegions', {}, { id: AK.id, secret: AK.secret }), 400, 'Throttling.Api', MSG.api);
    // another action has its own budget
    await api.call('DescribeZones', { RegionId: 'cn-hangzhou' });
    clock.advance(500);
    await api.call('DescribeRegions', {});
  });
});
