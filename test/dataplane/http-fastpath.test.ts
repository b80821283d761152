// The HTTP/1.1 fast path of HTTP listeners (src/dataplane/http/fast.ts): framing pass-through,
// pipelining, keep-alive on both sides, hand-over to the general path mid-connection.
// LB address 127.0.0.160, backends 127.0.0.161+.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { httpHandler } from '../../src/dataplane/http/listener.js';
import type { BackendServerSnapshot } from '../../src/dataplane/snapshot.js';
import { freePort, snapshot, waitFor } from './helpers.js';
import { get, HttpBackend, httpListener } from './http-fixtures.js';

const LB = '127.0.0.160';
const T = { timeout: 20_000 };
const planes: DataPlane[] = [];
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const p of planes) p.destroy();
  for (const c of closers) await c();
});

function plane() {
  const p = new DataPlane({ handlers: [httpHandler] });
  planes.push(p);
  return p;
}

/** A backend with a custom handler. */
async function custom(ip: string, handler: http.RequestListener, setup?: (s: http.Server) => void): Promise<{ server: http.Server; member: BackendServerSnapshot; sockets: Set<net.Socket> }> {
  const server = http.createServer(handler);
  setup?.(server);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, ip, () => r()));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as net.AddressInfo).port;
  return { server, member: { serverId: ip, ip, port, weight: 100, type: 'ecs' }, sockets };
}

/** Raw client: sends `text`, collects until `until(data)` holds. */
async function raw(port: number, text: string, until: (d: string) => boolean): Promise<{ data: string; socket: net.Socket }> {
  const socket = net.connect(port, LB);
  let data = '';
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('error', () => {});
  await new Promise((r) => socket.once('connect', r));
  socket.write(text);
  await waitFor(() => until(data), 5000, `response to ${JSON.stringify(text.slice(0, 40))}`);
  return { data, socket };
}

test('chunked and large responses pass through; the client connection and the backend connection are reused', T, async () => {
  const b = await custom('127.0.0.161', (req, res) => {
    if (req.url === '/chunked') {
      res.write('part1-');
      setImmediate(() => res.end('part2'));
    } else if (req.url === '/big') res.end(Buffer.alloc(5 * 1024 * 1024, 97));
    else res.end('plain');
  });
  let backendConns = 0;
  b.server.on('connection', () => backendConns++);
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [b.member] }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const c1 = await get(LB, port, '/chunked', { agent });
  assert.equal(c1.body, 'part1-part2');
  assert.equal(c1.headers['transfer-encoding'], 'chunked');
  const big = await get(LB, port, '/big', { agent });
  assert.equal(big.raw.length, 5 * 1024 * 1024);
  assert.equal((await get(LB, port, '/p', { agent })).body, 'plain');
  assert.equal(dp.counters.read(`lb-test_http_${port}`)!.newConnections, 1);
  assert.equal(backendConns, 1, 'one kept-alive backend connection');
  agent.destroy();
});

test('pipelined requests are answered in order; HEAD has no body; Connection: close ends the connection', T, async () => {
  const b = await custom('127.0.0.162', (req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`you asked ${req.url}`);
  });
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [b.member] }));
  const two = 'GET /one HTTP/1.1\r\nHost: x\r\n\r\nHEAD /two HTTP/1.1\r\nHost: x\r\n\r\nGET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const { data, socket } = await raw(port, two, (d) => d.includes('you asked /three'));
  const one = data.indexOf('you asked /one');
  const three = data.indexOf('you asked /three');
  assert.ok(one > 0 && three > one);
  assert.equal(data.match(/HTTP\/1.1 200/g)!.length, 3);
  assert.ok(!data.includes('you asked /two'));
  assert.match(data.slice(data.lastIndexOf('HTTP/1.1 200')), /Connection: close/i);
  await new Promise<void>((r) => (socket.destroyed ? r() : socket.once('close', () => r())));
});

test('a kept-alive backend connection closed by the backend is not used for the next request', T, async () => {
  const b = await custom('127.0.0.163', (_req, res) => res.end('ok'), (s) => (s.keepAliveTimeout = 50));
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [b.member] }));
  for (let i = 0; i < 3; i++) {
    assert.equal((await get(LB, port, '/')).body, 'ok');
    await waitFor(() => b.sockets.size === 0, 5000, 'backend closed its idle connection');
  }
});

test('a connection starts on the fast path and is handed to the general path when a request needs gzip', T, async () => {
  const a = new HttpBackend('127.0.0.164', 'a');
  await a.start();
  closers.push(() => a.stop());
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()] }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  assert.equal((await get(LB, port, '/plain', { agent })).echo!.url, '/plain');
  const gz = await get(LB, port, '/json-big', { agent, headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(JSON.parse(zlib.gunzipSync(gz.raw).toString()).url, '/json-big');
  assert.equal((await get(LB, port, '/after', { agent })).echo!.url, '/after');
  assert.equal(dp.counters.read(`lb-test_http_${port}`)!.newConnections, 1);
  assert.equal(dp.counters.read(`lb-test_http_${port}`)!.requests, 3);
  agent.destroy();
});

test('HTTP/1.0 clients, large request bodies and close-delimited backend responses', T, async () => {
  const b = await custom('127.0.0.165', (req, res) => {
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => res.end(`got ${n}`));
  });
  const port = await freePort(LB);
  const dp = plane();
  // a raw backend answering without Content-Length and closing
  const rawBackend = net.createServer((s) => {
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-close'));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => rawBackend.listen(0, '127.0.0.166', () => r()));
  closers.push(() => new Promise<void>((r) => rawBackend.close(() => r())));
  const rawPort = (rawBackend.address() as net.AddressInfo).port;
  const groups = { 'rsp-raw': { serverGroupId: 'rsp-raw', kind: 'vserver' as const, servers: [{ serverId: 'raw', ip: '127.0.0.166', port: rawPort, weight: 100, type: 'ecs' as const }] } };
  const rules = [{ ruleId: 'r-raw', ruleName: 'raw', domain: null, url: '/raw', serverGroupId: 'rsp-raw', override: null }];
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { rules })], servers: [b.member], groups }));
  const old = await raw(port, 'GET / HTTP/1.0\r\nHost: x\r\n\r\n', (d) => d.includes('got 0'));
  assert.match(old.data, /^HTTP\/1.[01] 200/);
  old.socket.destroy();
  const body = 'z'.repeat(3 * 1024 * 1024);
  assert.equal((await get(LB, port, '/upload', { method: 'POST', body, headers: { 'content-type': 'application/octet-stream' } })).body, `got ${body.length}`);
  const r = await raw(port, 'GET /raw HTTP/1.1\r\nHost: x\r\n\r\n', (d) => d.includes('until-close'));
  if (/Transfer-Encoding: chunked/i.test(r.data)) r.socket.destroy(); // general path: re-framed, connection kept
  else {
    // fast path: the body ends with the backend's close, so does the client connection
    assert.match(r.data, /Connection: close/i);
    await new Promise<void>((res) => (r.socket.destroyed ? res() : r.socket.once('close', () => res())));
  }
});

test('malformed or ambiguous request heads are left to the strict parser (400), never forwarded', T, async () => {
  const b = await custom('127.0.0.167', (_req, res) => res.end('reached'));
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [b.member] }));
  let reached = 0;
  b.server.on('request', () => reached++);
  for (const bad of [
    'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
    'GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: x\nX-Smuggle: 1\r\n\r\n',
    'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n',
  ]) {
    const r = await raw(port, bad, (d) => /^HTTP\/1.1 \d{3}/.test(d));
    assert.match(r.data, /^HTTP\/1.1 400/, JSON.stringify(bad));
    r.socket.destroy();
  }
  assert.equal(reached, 0);
  // and a well-formed request on the same listener still goes through
  const ok = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', (d) => d.includes('reached'));
  ok.socket.destroy();
});
