// HTTP listeners with real sockets on loopback. LB address 127.0.0.100, backends 127.0.0.101+,
// clients bind 127.0.0.14x when the source address matters.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { httpHandler } from '../../src/dataplane/http/listener.js';
import type { RuleSnapshot } from '../../src/dataplane/snapshot.js';
import { fastHealth, freePort, snapshot, waitFor } from './helpers.js';
import { get, HttpBackend, httpListener } from './http-fixtures.js';

const LB = '127.0.0.100';
const T = { timeout: 20_000 };
const planes: DataPlane[] = [];
const backends: HttpBackend[] = [];
after(async () => {
  for (const p of planes) p.destroy();
  for (const b of backends) await b.stop().catch(() => {});
});

function plane() {
  const p = new DataPlane({ handlers: [httpHandler] });
  planes.push(p);
  return p;
}
async function backend(ip: string, name: string) {
  const b = await new HttpBackend(ip, name).start();
  backends.push(b);
  return b;
}

test('proxies to both backends by weight; X-Forwarded-For appended; Host kept; hop-by-hop stripped; counters', T, async () => {
  const [a, b] = [await backend('127.0.0.101', 'a'), await backend('127.0.0.102', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member('a', 25), b.member('b', 75)] }));
  const seen = new Map<string, number>();
  for (let i = 0; i < 8; i++) {
    const r = await get(LB, port, '/x?y=1', { headers: { 'x-forwarded-for': '10.1.2.3', 'keep-alive': 'timeout=5', 'x-drop': 'me', connection: 'x-drop', 'x-forwarded-proto': 'spoofed', 'slb-id': 'spoofed' } });
    assert.equal(r.status, 200);
    const e = r.echo!;
    seen.set(e.name, (seen.get(e.name) ?? 0) + 1);
    assert.equal(e.url, '/x?y=1');
    assert.equal(e.headers.host, 'app.example.com');
    assert.equal(e.headers['x-forwarded-for'], '10.1.2.3, 127.0.0.1');
    assert.equal(e.headers['keep-alive'], undefined);
    assert.equal(e.headers['x-drop'], undefined);
    // opt-in headers are off by default and client copies are removed
    assert.equal(e.headers['x-forwarded-proto'], undefined);
    assert.equal(e.headers['slb-id'], undefined);
    assert.equal(r.headers['x-backend'], e.name);
  }
  assert.deepEqual([...seen].sort(), [['a', 2], ['b', 6]]);
  const post = await get(LB, port, '/p', { method: 'POST', body: 'hello-body', headers: { 'content-type': 'text/plain' } });
  assert.equal(post.echo!.body, 'hello-body');
  assert.equal(post.echo!.method, 'POST');
  const c = dp.counters.read(`lb-test_http_${port}`)!;
  assert.equal(c.requests, 9);
  assert.equal(c.status['2xx'], 9);
  assert.equal(c.newConnections, 9);
  await waitFor(() => dp.counters.read(`lb-test_http_${port}`)!.activeConnections === 0, 5000, 'connections closed');
  assert.ok(dp.counters.read(`lb-test_http_${port}`)!.bytesOut > 0);
});

test('opt-in headers: X-Forwarded-Proto, SLB-IP, SLB-ID, X-Forwarded-Port, X-Forwarded-Client-srcport', T, async () => {
  const a = await backend('127.0.0.103', 'a');
  const port = await freePort(LB);
  const dp = plane();
  const forwardedHeaders = { xForwardedFor: true, xForwardedProto: true, slbIp: true, slbId: true, xForwardedPort: true, xForwardedClientSrcPort: true };
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { forwardedHeaders })], servers: [a.member()] }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const r = await get(LB, port, '/', { agent, localAddress: '127.0.0.141' });
  const h = r.echo!.headers;
  assert.equal(h['x-forwarded-for'], '127.0.0.141');
  assert.equal(h['x-forwarded-proto'], 'http');
  assert.equal(h['slb-ip'], LB);
  assert.equal(h['slb-id'], 'lb-test');
  assert.equal(h['x-forwarded-port'], String(port));
  assert.match(String(h['x-forwarded-client-srcport']), /^\d+$/);
  assert.notEqual(h['x-forwarded-client-srcport'], String(port));
  agent.destroy();
  // XFF off: no header at all
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { forwardedHeaders: { ...forwardedHeaders, xForwardedFor: false } })], servers: [a.member()] }));
  const r2 = await get(LB, port, '/');
  assert.equal(r2.echo!.headers['x-forwarded-for'], undefined);
});

test('forwarding rules: exact domain > longer wildcard > shorter wildcard; longest URL string prefix; fallthrough to URL-only rules and the listener', T, async () => {
  const names = ['def', 'exact', 'wild2', 'wild1', 'url-abc', 'url-abcd', 'exact-api', 'urlonly'];
  const bs = await Promise.all(names.map((n, i) => backend(`127.0.0.${104 + i}`, n)));
  const groups = Object.fromEntries(bs.map((b) => [`rsp-${b.name}`, { serverGroupId: `rsp-${b.name}`, kind: 'vserver' as const, servers: [b.member()] }]));
  const rule = (ruleId: string, domain: string | null, url: string | null, g: string): RuleSnapshot => ({ ruleId, ruleName: ruleId, domain, url, serverGroupId: `rsp-${g}`, override: null });
  const rules = [
    rule('r1', 'www.example.com', null, 'exact'),
    rule('r2', '*.a.example.com', null, 'wild2'),
    rule('r3', '*.example.com', null, 'wild1'),
    rule('r4', '*.example.com', '/abc', 'url-abc'),
    rule('r5', '*.example.com', '/abcd', 'url-abcd'),
    rule('r6', 'www.example.com', '/api', 'exact-api'),
    rule('r7', null, '/only', 'urlonly'),
    rule('r8', 'nofallback.test', '/z', 'exact'),
  ];
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { serverGroupId: 'rsp-def', rules })], groups }));
  const who = async (host: string, path: string) => (await get(LB, port, path, { host })).echo!.name;
  assert.equal(await who('www.example.com', '/'), 'exact');
  assert.equal(await who('WWW.Example.COM:8080', '/x'), 'exact');
  assert.equal(await who('www.example.com', '/api/v1'), 'exact-api');
  assert.equal(await who('x.a.example.com', '/'), 'wild2');
  assert.equal(await who('deep.x.a.example.com', '/abcd'), 'wild2');
  assert.equal(await who('m.example.com', '/'), 'wild1');
  assert.equal(await who('m.example.com', '/abcde'), 'url-abcd');
  assert.equal(await who('m.example.com', '/abcX'), 'url-abc');
  assert.equal(await who('example.com', '/'), 'def'); // *.example.com does not match the bare name
  assert.equal(await who('other.test', '/only/x'), 'urlonly');
  assert.equal(await who('nofallback.test', '/only'), 'urlonly'); // domain matched, no URL/domain-only rule → URL-only rules
  assert.equal(await who('nofallback.test', '/z1'), 'exact');
  assert.equal(await who('other.test', '/'), 'def');
});

test('rule-level overrides: scheduler and sticky session of the rule, not the listener', T, async () => {
  const [a, b] = [await backend('127.0.0.115', 'a'), await backend('127.0.0.116', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  const override = { scheduler: 'rr' as const, stickySession: { type: 'insert' as const, cookieTimeoutMs: 60_000 }, healthCheck: fastHealth({ enabled: false }) };
  const rules: RuleSnapshot[] = [{ ruleId: 'r1', ruleName: 'r1', domain: null, url: '/sticky', serverGroupId: 'rsp-ab', override }];
  const groups = { 'rsp-ab': { serverGroupId: 'rsp-ab', kind: 'vserver' as const, servers: [a.member('a', 90), b.member('b', 10)] } };
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { rules })], servers: [a.member()], groups }));
  // rr ignores the 90:10 weights
  const names = [];
  for (let i = 0; i < 4; i++) names.push((await get(LB, port, '/sticky')).echo!.name);
  assert.deepEqual(names.sort(), ['a', 'a', 'b', 'b']);
  // the rule inserts SERVERID; the listener (no sticky) does not
  const r = await get(LB, port, '/sticky');
  assert.match(String(r.headers['set-cookie']), /^SERVERID=[0-9a-f]{32}; Max-Age=60; Path=\/$/);
  const plain = await get(LB, port, '/other');
  assert.equal(plain.headers['set-cookie'], undefined);
});

test('sticky insert: SERVERID pins the client; a token of a removed server is re-scheduled and re-inserted; no cookie on 4xx', T, async () => {
  const [a, b] = [await backend('127.0.0.117', 'a'), await backend('127.0.0.118', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  const l = httpListener(port, { stickySession: { type: 'insert', cookieTimeoutMs: 3_600_000 } });
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member(), b.member()] }));
  const first = await get(LB, port, '/');
  const cookie = String(first.headers['set-cookie']).split(';')[0]!;
  assert.match(cookie, /^SERVERID=/);
  assert.match(String(first.headers['set-cookie']), /Max-Age=3600/);
  const pinned = first.echo!.name;
  for (let i = 0; i < 5; i++) {
    const r = await get(LB, port, '/', { headers: { cookie: `a=1; ${cookie}; b=2` } });
    assert.equal(r.echo!.name, pinned);
    assert.equal(r.headers['set-cookie'], undefined, 'no re-insert while the token is valid');
  }
  const notFound = await get(LB, port, '/status/404');
  assert.equal(notFound.status, 404);
  assert.equal(notFound.headers['set-cookie'], undefined);
  // the pinned server leaves: scheduled elsewhere, a new cookie is inserted
  const other = pinned === 'a' ? b : a;
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [other.member()] }));
  const moved = await get(LB, port, '/', { headers: { cookie } });
  assert.equal(moved.echo!.name, other.name);
  assert.match(String(moved.headers['set-cookie']), /^SERVERID=/);
  assert.notEqual(String(moved.headers['set-cookie']).split(';')[0], cookie);
  // a forged token is ignored
  const forged = await get(LB, port, '/', { headers: { cookie: 'SERVERID=00000000000000000000000000000000' } });
  assert.equal(forged.status, 200);
});

test('sticky server (rewrite): the backend cookie value is replaced by a token that routes back', T, async () => {
  const [a, b] = [await backend('127.0.0.119', 'a'), await backend('127.0.0.120', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { stickySession: { type: 'server', cookie: 'SESSIONID' } })], servers: [a.member(), b.member()] }));
  const r = await get(LB, port, '/setcookie');
  const sc = r.headers['set-cookie']!;
  assert.equal(sc.length, 2);
  assert.match(sc[0]!, /^SESSIONID=[0-9a-f]{32}; Path=\/; HttpOnly$/);
  assert.doesNotMatch(sc[0]!, /backend-/);
  assert.equal(sc[1], 'other=1');
  const cookie = sc[0]!.split(';')[0]!;
  for (let i = 0; i < 4; i++) assert.equal((await get(LB, port, '/', { headers: { cookie } })).echo!.name, r.echo!.name);
  // responses without that cookie are untouched, and no SERVERID is ever inserted
  const plain = await get(LB, port, '/');
  assert.equal(plain.headers['set-cookie'], undefined);
});

test('ACL: white list admits only listed sources (others get 403); an empty ACL filters nothing; black list refuses', T, async () => {
  const a = await backend('127.0.0.121', 'a');
  const port = await freePort(LB);
  const dp = plane();
  const acls = { 'acl-1': { aclId: 'acl-1', addressIPVersion: 'ipv4' as const, entries: ['127.0.0.142/32'] }, 'acl-empty': { aclId: 'acl-empty', addressIPVersion: 'ipv4' as const, entries: [] } };
  const apply = (acl: { type: 'white' | 'black'; aclIds: string[] }) => dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { acl })], servers: [a.member()], acls }));
  await apply({ type: 'white', aclIds: ['acl-1'] });
  assert.equal((await get(LB, port, '/', { localAddress: '127.0.0.142' })).status, 200);
  const denied = await get(LB, port, '/', { localAddress: '127.0.0.143' });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers.connection, 'close');
  assert.match(denied.body, /403 Forbidden/);
  assert.equal(dp.counters.read(`lb-test_http_${port}`)!.aclDenied, 1);
  await apply({ type: 'white', aclIds: ['acl-empty'] });
  assert.equal((await get(LB, port, '/', { localAddress: '127.0.0.143' })).status, 200);
  await apply({ type: 'black', aclIds: ['acl-1'] });
  assert.equal((await get(LB, port, '/', { localAddress: '127.0.0.142' })).status, 403);
  assert.equal((await get(LB, port, '/', { localAddress: '127.0.0.143' })).status, 200);
});

test('ACL is decided at accept: an established keep-alive connection keeps working after the ACL changes', T, async () => {
  const a = await backend('127.0.0.122', 'a');
  const port = await freePort(LB);
  const dp = plane();
  const acls = { 'acl-1': { aclId: 'acl-1', addressIPVersion: 'ipv4' as const, entries: ['127.0.0.99/32'] } };
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()], acls }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  assert.equal((await get(LB, port, '/', { agent })).status, 200);
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { acl: { type: 'white', aclIds: ['acl-1'] } })], servers: [a.member()], acls }));
  assert.equal((await get(LB, port, '/', { agent })).status, 200, 'old connection, old ACL');
  assert.equal((await get(LB, port, '/')).status, 403, 'new connection, new ACL');
  agent.destroy();
});

test('ListenerForward: 302 to https://host[:ForwardPort] keeping path and query', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  const s = snapshot({ address: LB, listeners: [httpListener(port, { redirect: { forwardPort: 8443 } })] });
  // the redirect target must exist in the snapshot (an HTTPS listener on that port); it is not bound here
  const lb = s.loadBalancers[0]!;
  (lb.listeners as unknown[]).push({ ...httpListener(8443), protocol: 'https', listenerId: 'lb-test_https_8443', status: 'stopped', serverCertificateId: 'c', caCertificateId: null, domainExtensions: [], tlsCipherPolicy: 'tls_cipher_policy_1_0', enableHttp2: false });
  (s.serverCertificates as Record<string, unknown>).c = { serverCertificateId: 'c', certificate: 'x', privateKey: 'y' };
  await dp.apply(s);
  const r = await get(LB, port, '/a/b?c=d', { host: 'shop.example.com:80' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, 'https://shop.example.com:8443/a/b?c=d');
  assert.equal(dp.counters.read(`lb-test_http_${port}`)!.status['3xx'], 1);
});

test('gzip: text types compressed when accepted; not for text/html, small bodies, clients without gzip, or Gzip off', T, async () => {
  const a = await backend('127.0.0.123', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()] }));
  const gz = { 'accept-encoding': 'gzip, deflate' };
  const big = await get(LB, port, '/json-big', { headers: gz });
  assert.equal(big.headers['content-encoding'], 'gzip');
  assert.match(String(big.headers.vary), /Accept-Encoding/);
  assert.ok(big.raw.length < 2000, `compressed ${big.raw.length}`);
  assert.equal(JSON.parse(big.body).name, 'a');
  assert.equal((await get(LB, port, '/html-big', { headers: gz })).headers['content-encoding'], undefined);
  assert.equal((await get(LB, port, '/small', { headers: gz })).headers['content-encoding'], undefined);
  assert.equal((await get(LB, port, '/json-big')).headers['content-encoding'], undefined);
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { gzip: false })], servers: [a.member()] }));
  assert.equal((await get(LB, port, '/json-big', { headers: gz })).headers['content-encoding'], undefined);
});

test('RequestTimeout: no backend answer in time → 504', T, async () => {
  const a = await backend('127.0.0.124', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { requestTimeoutMs: 300 })], servers: [a.member()] }));
  const t0 = Date.now();
  const r = await get(LB, port, '/slow?ms=3000');
  assert.equal(r.status, 504);
  assert.match(r.body, /504 Gateway Time-out/);
  assert.ok(Date.now() - t0 < 2500);
  assert.equal((await get(LB, port, '/slow?ms=10')).status, 200);
  assert.equal(dp.counters.read(`lb-test_http_${port}`)!.status['5xx'], 1);
});

test('IdleTimeout closes an idle client keep-alive connection', T, async () => {
  const a = await backend('127.0.0.125', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { idleTimeoutMs: 300 })], servers: [a.member()] }));
  const s = net.connect(port, LB);
  let data = '';
  s.on('data', (d) => (data += d));
  const closed = new Promise<number>((r) => s.on('close', () => r(Date.now())));
  await new Promise((r) => s.once('connect', r));
  s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => data.includes('"name":"a"'), 5000, 'response');
  const answered = Date.now();
  const at = await closed;
  assert.ok(at - answered >= 250, `closed after ${at - answered} ms`);
  assert.ok(at - answered < 3000, `closed after ${at - answered} ms`);
});

test('WebSocket upgrade is tunnelled (handshake gets XFF, then raw bytes both ways)', T, async () => {
  const a = await backend('127.0.0.126', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()] }));
  const s = net.connect(port, LB);
  let data = '';
  s.on('data', (d) => (data += d));
  await new Promise((r) => s.once('connect', r));
  s.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await waitFor(() => data.includes('\r\n\r\n'), 5000, 'handshake');
  assert.match(data, /^HTTP\/1.1 101 /);
  assert.match(data, /X-Seen-XFF: 127.0.0.1/);
  s.write('ping');
  await waitFor(() => data.endsWith('a:ping'), 5000, 'echo');
  s.write('pong');
  await waitFor(() => data.endsWith('a:pong'), 5000, 'echo 2');
  s.destroy();
});

test('502 when no backend is healthy (and with an empty group); backend refusing → 502', T, async () => {
  const a = await backend('127.0.0.127', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { healthCheck: fastHealth({ type: 'http', http: { method: 'head', uri: '/', domain: null, httpCodes: ['http_2xx'] } }) })], servers: [a.member()] }));
  await waitFor(() => dp.healthStatus()[0]?.status === 'normal', 5000, 'normal');
  assert.equal((await get(LB, port, '/')).status, 200);
  await a.stop();
  const r = await get(LB, port, '/'); // still normal for a moment: the refused connect is a 502 too
  assert.equal(r.status, 502);
  await waitFor(() => dp.healthStatus()[0]?.status === 'abnormal', 5000, 'abnormal');
  const r2 = await get(LB, port, '/');
  assert.equal(r2.status, 502);
  assert.match(r2.body, /502 Bad Gateway/);
  assert.equal(r2.headers['content-type'], 'text/html');
  const c = dp.counters.read(`lb-test_http_${port}`)!;
  assert.ok(c.noBackend >= 1);
  assert.ok(c.backendErrors >= 1);
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [] }));
  assert.equal((await get(LB, port, '/')).status, 502);
});

test('close: stopping the listener frees the port; config updates keep keep-alive connections', T, async () => {
  const [a, b] = [await backend('127.0.0.128', 'a'), await backend('127.0.0.129', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()] }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  assert.equal((await get(LB, port, '/', { agent })).echo!.name, 'a');
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [b.member()] }));
  // same client connection, new config: the next request goes to b
  assert.equal((await get(LB, port, '/', { agent })).echo!.name, 'b');
  assert.equal(dp.counters.read(`lb-test_http_${port}`)!.newConnections, 1);
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { status: 'stopped' })], servers: [b.member()] }));
  await assert.rejects(get(LB, port, '/'), /ECONNREFUSED|ECONNRESET|socket hang up/);
  agent.destroy();
});

test('HTTP health check: a killed backend is taken out and comes back when restarted; weight 0 gets nothing', T, async () => {
  const [a, b, z] = [await backend('127.0.0.130', 'a'), await backend('127.0.0.131', 'b'), await backend('127.0.0.132', 'z')];
  const port = await freePort(LB);
  const dp = plane();
  const hc = fastHealth({ type: 'http', http: { method: 'get', uri: '/health', domain: null, httpCodes: ['http_2xx'] } });
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { healthCheck: hc })], servers: [a.member(), b.member(), z.member('z', 0)] }));
  await waitFor(() => dp.healthStatus().every((r) => r.status === 'normal'), 5000, 'all normal');
  await a.stop();
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'a')?.status === 'abnormal', 5000, 'a abnormal');
  for (let i = 0; i < 6; i++) assert.equal((await get(LB, port, '/')).echo!.name, 'b');
  await a.start();
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'a')?.status === 'normal', 5000, 'a back');
  const names = new Set<string>();
  for (let i = 0; i < 6; i++) names.add((await get(LB, port, '/')).echo!.name);
  assert.deepEqual([...names].sort(), ['a', 'b']);
  assert.ok([...names].every((n) => n !== 'z'));
});
