// Request-smuggling corpus against the HTTP listener (fast path and general path) in front of a
// LENIENT backend: a node server with `insecureHTTPParser` (every llhttp leniency on), reached
// through a tap that records the exact bytes each backend connection carries.
// Each attack goes as raw bytes on one client connection, with an innocent request after it.
// Assertions per attack:
//  - every request the backend parsed is one node's strict parser finds in the client's bytes
//    (what the load balancer means to forward), in order: no smuggled or desynchronised request;
//  - the bytes on every backend connection read the same to a strict and a lenient parser;
//  - the client gets only 200s for requests it sent (the body names the request) or a 400, or
//    a closed connection.
// Attacks run concurrently (their requests are told apart by path), so kept-alive backend
// connections are shared between them as in production: a desync would surface in a neighbour.
// A second test streams seeded random request sequences (the fuzz grammar and mutations of
// http-fuzz-gen.ts, pipelined, cut into random TCP segments) through both paths with the same
// checks: the fast path's body framing and pipelining, not only its head decision.
// LB 127.0.0.180, tap .181/.183, backend .182/.184.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { httpHandler, type HttpListenerRuntime } from '../../src/dataplane/http/listener.js';
import { freePort, snapshot } from './helpers.js';
import { httpListener } from './http-fixtures.js';
import { mutate, rng, validHead } from './http-fuzz-gen.js';
import { nodeParse, type ParseResult } from './http-oracle.js';

const LB = '127.0.0.180';
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** One attack: `bytes(tag)` where every request path carries the tag. */
interface Attack {
  name: string;
  bytes: (tag: string) => string;
}

const smuggled = (t: string) => `GET /smuggled-${t} HTTP/1.1\r\nHost: x\r\n\r\n`;
const innocent = (t: string) => `GET /innocent-${t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
/** body `0\r\n\r\n<smuggled>`: a Content-Length reader sees one body, a chunked reader a second request */
const clte = (te: string) => (t: string) => {
  const body = `0\r\n\r\n${smuggled(t)}`;
  return `POST /a-${t} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n${te}\r\n\r\n${body}${innocent(t)}`;
};
/** chunked body carrying the smuggled request; a Content-Length: 4 reader stops after the size line */
const tecl = (te: string) => (t: string) => {
  const s = smuggled(t);
  return `POST /a-${t} HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n${te}\r\n\r\n${s.length.toString(16)}\r\n${s}\r\n0\r\n\r\n${innocent(t)}`;
};
/** the smuggled request as a body of `cl` bytes (per this Content-Length line) */
const withCl = (cl: (n: number) => string) => (t: string) => {
  const s = smuggled(t);
  return `POST /a-${t} HTTP/1.1\r\nHost: x\r\n${cl(s.length)}\r\n\r\n${s}${innocent(t)}`;
};
const chunked = (body: string) => (t: string) => `POST /a-${t} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body.replace('SMUGGLED', smuggled(t))}${innocent(t)}`;

const TE_VARIANTS = [
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: xchunked',
  'Transfer-Encoding : chunked',
  'Transfer-Encoding: chunked\r\nTransfer-Encoding: x',
  'Transfer-Encoding:\tchunked',
  'Transfer-Encoding: chunked, identity',
  'Transfer-Encoding: identity, chunked',
  'Transfer-Encoding: CHUNKED',
  'X: x\nTransfer-Encoding: chunked',
  'Transfer-Encoding\n : chunked',
  'X: x\r\n Transfer-Encoding: chunked',
  'Transfer-Encoding: chunked\x00',
  'Transfer-Encoding: \x0bchunked',
  'Transfer_Encoding: chunked',
];

const ATTACKS: Attack[] = [
  ...TE_VARIANTS.map((te, i) => ({ name: `cl-te-${i}`, bytes: clte(te) })),
  ...TE_VARIANTS.map((te, i) => ({ name: `te-cl-${i}`, bytes: tecl(te) })),
  { name: 'cl-cl', bytes: withCl((n) => `Content-Length: 0\r\nContent-Length: ${n}`) },
  { name: 'cl-cl-same-line', bytes: withCl((n) => `Content-Length: 0, ${n}`) },
  { name: 'cl-plus', bytes: withCl((n) => `Content-Length: +${n}`) },
  { name: 'cl-minus', bytes: withCl(() => 'Content-Length: -1') },
  { name: 'cl-hex', bytes: withCl((n) => `Content-Length: 0x${n.toString(16)}`) },
  { name: 'cl-space-padded', bytes: withCl((n) => `Content-Length:   ${n}   `) },
  { name: 'cl-tab-padded', bytes: withCl((n) => `Content-Length:\t${n}\t`) },
  { name: 'cl-leading-zeros', bytes: withCl((n) => `Content-Length: 000${n}`) },
  { name: 'cl-vt', bytes: withCl((n) => `Content-Length: \x0b${n}`) },
  { name: 'cl-nbsp', bytes: withCl((n) => `Content-Length: \xa0${n}`) },
  { name: 'cl-space-in-name', bytes: withCl((n) => `Content-Length : ${n}`) },
  { name: 'cl-nul-in-name', bytes: withCl((n) => `Content-Length\x00: ${n}`) },
  { name: 'cl-nul-in-value', bytes: withCl((n) => `Content-Length: ${n}\x00`) },
  { name: 'cl-obs-fold', bytes: withCl((n) => `Content-Length: 0\r\n ${n}`) },
  { name: 'cl-after-obs-fold', bytes: withCl((n) => `X: y\r\n Content-Length: ${n}`) },
  { name: 'cl-bare-lf-before', bytes: withCl((n) => `X: y\nContent-Length: ${n}`) },
  { name: 'cl-bare-cr-before', bytes: withCl((n) => `X: y\rContent-Length: ${n}`) },
  { name: 'cl-overflow', bytes: withCl((n) => `Content-Length: ${'1844674407370955161'}${n}`) },
  { name: 'bare-lf-head', bytes: (t) => `POST /a-${t} HTTP/1.1\nHost: x\nContent-Length: ${smuggled(t).length}\n\n${smuggled(t)}${innocent(t)}` },
  { name: 'bare-cr-head', bytes: (t) => `GET /a-${t} HTTP/1.1\rHost: x\r\n\r\n${smuggled(t)}${innocent(t)}` },
  { name: 'nul-in-value', bytes: (t) => `GET /a-${t} HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n${innocent(t)}` },
  { name: 'chunk-size-overflow', bytes: chunked('10000000000000001\r\nZ\r\n0\r\n\r\nSMUGGLED') },
  { name: 'chunk-size-huge', bytes: chunked('fffffffffffffffffffffff\r\nZ\r\n0\r\n\r\nSMUGGLED') },
  { name: 'chunk-size-leading-zeros', bytes: chunked('0000000000000000000003\r\nabc\r\n0\r\n\r\n') },
  { name: 'chunk-extension', bytes: chunked('3;name="v"\r\nabc\r\n0\r\n\r\n') },
  { name: 'chunk-extension-bare-lf', bytes: chunked('3;x\nabc\r\n0\r\n\r\nSMUGGLED') },
  { name: 'chunk-extension-nul', bytes: chunked('3;\x00\r\nabc\r\n0\r\n\r\nSMUGGLED') },
  { name: 'chunk-bad-terminator', bytes: chunked('3\r\nabcXX0\r\n\r\nSMUGGLED') },
  { name: 'chunk-lf-terminator', bytes: chunked('3\r\nabc\n0\r\n\r\nSMUGGLED') },
  { name: 'chunk-size-space', bytes: chunked('3 \r\nabc\r\n0\r\n\r\nSMUGGLED') },
  { name: 'chunk-last-bare-cr', bytes: chunked('0\r\n\rSMUGGLED') },
  { name: 'chunk-trailer-cl', bytes: chunked('0\r\nContent-Length: 50\r\n\r\nSMUGGLED') },
  { name: 'target-with-space', bytes: (t) => `GET /a-${t} HTTP/1.1/../smuggled-${t} HTTP/1.1\r\nHost: x\r\n\r\n${innocent(t)}` },
  { name: 'target-with-space-2', bytes: (t) => `GET /a-${t} /smuggled-${t} HTTP/1.1\r\nHost: x\r\n\r\n${innocent(t)}` },
  { name: 'http10-keep-alive-body', bytes: (t) => `POST /a-${t} HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: ${smuggled(t).length}\r\n\r\n${smuggled(t)}${innocent(t)}` },
  { name: 'http10-keep-alive-pipelined', bytes: (t) => `GET /a-${t} HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b-${t} HTTP/1.1\r\nHost: x\r\n\r\n${innocent(t)}` },
  { name: 'http10-chunked', bytes: (t) => `POST /a-${t} HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled(t)}${innocent(t)}` },
  { name: 'http10-then-11-close', bytes: (t) => `GET /a-${t} HTTP/1.0\r\n\r\n${innocent(t)}` },
  { name: 'expect-cl', bytes: (t) => `POST /a-${t} HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc${innocent(t)}` },
  { name: 'get-with-body', bytes: withCl((n) => `Content-Length: ${n}`) },
  { name: 'absolute-form-host-conflict', bytes: (t) => `GET http://x/a-${t} HTTP/1.1\r\nHost: y\r\nContent-Length: ${smuggled(t).length}\r\n\r\n${smuggled(t)}${innocent(t)}` },
  // node's parser takes any one-digit version; HTTP/2.0 over an HTTP/1 connection used to throw in the general path (process down)
  { name: 'version-2.0', bytes: (t) => `GET /a-${t} HTTP/2.0\r\nHost: x\r\n\r\n${innocent(t)}` },
  { name: 'version-2.0-body', bytes: (t) => `POST /a-${t} HTTP/2.0\r\nHost: x\r\nContent-Length: ${smuggled(t).length}\r\n\r\n${smuggled(t)}${innocent(t)}` },
  { name: 'version-0.9', bytes: (t) => `GET /a-${t} HTTP/0.9\r\nHost: x\r\n\r\n${innocent(t)}` },
  { name: 'version-1.9', bytes: (t) => `GET /a-${t} HTTP/1.9\r\nHost: x\r\n\r\n${innocent(t)}` },
  { name: 'duplicate-host', bytes: (t) => `GET /a-${t} HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n${innocent(t)}` },
];

/** The lenient victim: records what it parsed, answers `seen <METHOD> <url> <body length>`. */
async function victim(ip: string) {
  const seen: { method: string; url: string; body: number }[] = [];
  const server = http.createServer({ insecureHTTPParser: true, keepAliveTimeout: 30_000 }, (req, res) => {
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: n });
      const body = `seen ${req.method} ${req.url} ${n}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-seen': body });
      res.end(body);
    });
  });
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
  return { seen, port: (server.address() as net.AddressInfo).port };
}

/** A TCP tap in front of `port`: records every backend connection's request bytes. */
async function tap(ip: string, target: { ip: string; port: number }) {
  const streams: Buffer[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    const log: Buffer[] = [];
    streams.push(log);
    const up = net.connect(target.port, target.ip);
    for (const x of [s, up]) {
      sockets.add(x);
      x.on('error', () => {});
      x.on('close', () => (sockets.delete(x), s.destroy(), up.destroy()));
    }
    s.on('data', (d: Buffer) => log.push(Buffer.from(d)));
    s.pipe(up);
    up.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, ip, () => r()));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { streams, port: (server.address() as net.AddressInfo).port };
}

/** Sends `chunks` one write per event-loop turn (TCP segments as they come), collects the answer until the LB closes or `deadlineMs` passes. */
function stream(port: number, chunks: Buffer[], deadlineMs: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, LB);
    let data = '';
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', () => {});
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data, closed: false });
    }, deadlineMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    s.on('connect', () => {
      let i = 0;
      const next = () => {
        if (i >= chunks.length || s.destroyed) return;
        s.write(chunks[i++]!, () => setImmediate(next));
      };
      next();
    });
  });
}

/** An absolute-form target as the origin form the backend gets. */
function originForm(url: string): string {
  const rest = url.replace(/^https?:\/\/[^/?]*/i, '');
  return rest === url ? url : rest.startsWith('/') ? rest : `/${rest}`;
}

/** Requests node's strict parser finds (complete or with a body still to come): method, origin-form url, body length so far. */
function intendedOf(p: ParseResult): { method: string; url: string; body: number }[] {
  return [...p.messages, ...(p.partial ? [p.partial] : [])].map((m) => ({ method: m.method, url: originForm(m.url), body: m.body.length }));
}

/** Sends `bytes`, collects the answer until the LB closes or `deadlineMs` passes (a request the LB still waits on). */
function exchange(port: number, bytes: string, deadlineMs: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, LB);
    let data = '';
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', () => {});
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ data, closed: false });
    }, deadlineMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    s.on('connect', () => s.write(Buffer.from(bytes, 'latin1')));
  });
}

/**
 * Response statuses and what the victim says it saw (its `X-Seen` header; the body is the same,
 * absent after HEAD) in a raw answer stream. Bodies here are short, with Content-Length.
 */
function responses(data: string): { status: number; body: string }[] {
  const out: { status: number; body: string }[] = [];
  let rest = data;
  for (;;) {
    const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(rest);
    if (!m) break;
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end);
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    const status = Number(m[1]);
    const seen = /\r\nx-seen: *([^\r]*)/i.exec(head)?.[1] ?? '';
    const len = status < 200 || seen.startsWith('seen HEAD ') ? 0 : cl ? Number(cl[1]) : rest.length - end - 4;
    out.push({ status, body: seen });
    rest = rest.slice(end + 4 + len);
  }
  return out;
}

test('smuggling corpus: the lenient backend only ever sees the requests node reads in the client bytes', { timeout: 45_000 }, async () => {
  const v = await victim('127.0.0.182');
  const t = await tap('127.0.0.181', { ip: '127.0.0.182', port: v.port });
  const member = { serverId: 'victim', ip: '127.0.0.181', port: t.port, weight: 100, type: 'ecs' as const };
  const fastPort = await freePort(LB);
  const generalPort = await freePort(LB);
  const dp = new DataPlane({ handlers: [httpHandler] });
  closers.push(() => dp.destroy());
  const over = { gzip: false, idleTimeoutMs: 5_000, requestTimeoutMs: 10_000 };
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(fastPort, over), httpListener(generalPort, over)], servers: [member] }));
  (dp.runtime(`lb-test_http_${generalPort}`) as HttpListenerRuntime).useFastPath = false;

  const runs = ATTACKS.flatMap((a) => [
    { a, path: 'fast', port: fastPort },
    { a, path: 'general', port: generalPort },
  ]);
  const results = await Promise.all(runs.map(({ a, path, port }) => exchange(port, a.bytes(`${a.name}-${path}`), 10_000).then((r) => ({ a, path, tag: `${a.name}-${path}`, ...r }))));

  const problems: string[] = [];
  const seenUrls = v.seen.map((s) => s.url);
  for (const r of results) {
    const bytes = Buffer.from(r.a.bytes(r.tag), 'latin1');
    // what node's strict parser (the LB's contract) reads in the client's bytes, up to its first error
    const strict = nodeParse(bytes);
    // (an absolute-form target is forwarded in origin form)
    const intended = [...strict.messages, ...(strict.partial ? [strict.partial] : [])].map((m) => originForm(m.url));
    const tagged = seenUrls.filter((u) => u.endsWith(`-${r.tag}`) || u.includes(`-${r.tag}?`));
    for (const u of tagged) if (!intended.includes(u)) problems.push(`${r.tag}: backend saw ${u}, not a request in the client's bytes (${JSON.stringify(intended)})`);
    for (const u of tagged) if (u.startsWith('/smuggled-') && !intended.includes(u)) problems.push(`${r.tag}: SMUGGLED ${u}`);
    // (the backend may see pipelined requests in another order: the general path forwards them
    // concurrently; the client's answers must come in order)
    let last = -1;
    for (const res of responses(r.data)) {
      if (res.status === 200) {
        const m = /^seen \S+ (\S+) \d+$/.exec(res.body);
        const at = m ? intended.indexOf(m[1]!) : -1;
        if (at < 0) problems.push(`${r.tag}: client got 200 ${JSON.stringify(res.body)}`);
        else if (at <= last) problems.push(`${r.tag}: answers out of order (${m![1]})`);
        last = at;
      } else if (res.status !== 400 && res.status !== 100 && res.status !== 505) problems.push(`${r.tag}: client got ${res.status}`);
    }
    if (responses(r.data).length === 0 && !r.closed && r.data) problems.push(`${r.tag}: unparseable answer ${JSON.stringify(r.data.slice(0, 80))}`);
  }
  // every backend connection's bytes mean the same to a strict and to a lenient parser
  for (const [i, log] of t.streams.entries()) {
    const all = Buffer.concat(log);
    const s = nodeParse(all);
    const l = nodeParse(all, true);
    const urls = (p: ReturnType<typeof nodeParse>) => [...p.messages, ...(p.partial ? [p.partial] : [])].map((m) => `${m.method} ${m.url} ${m.body.length}`);
    if (s.error) problems.push(`backend connection ${i}: strict parser error ${s.error} in ${JSON.stringify(all.toString('latin1').slice(0, 200))}`);
    if (JSON.stringify(urls(s)) !== JSON.stringify(urls(l))) problems.push(`backend connection ${i}: strict ${JSON.stringify(urls(s))} vs lenient ${JSON.stringify(urls(l))}`);
  }
  assert.deepEqual(problems, []);
  // the corpus is not vacuous: the innocent requests after well-framed attacks got through on both paths
  for (const name of ['chunk-extension', 'chunk-size-leading-zeros', 'cl-leading-zeros', 'expect-cl', 'absolute-form-host-conflict']) {
    for (const path of ['fast', 'general']) assert.ok(seenUrls.includes(`/innocent-${name}-${path}`), `${name} on the ${path} path: innocent request served`);
  }
});

const SEED = Number(process.env.OPENSLB_FUZZ_SEED || 0x5eed11);
const CONNECTIONS = Number(process.env.OPENSLB_FUZZ_CONNECTIONS || 120);

test(`stream fuzz: ${CONNECTIONS} connections of pipelined random requests in random segments, seed ${SEED}`, { timeout: Math.max(45_000, CONNECTIONS * 100) }, async () => {
  const v = await victim('127.0.0.184');
  const t = await tap('127.0.0.183', { ip: '127.0.0.184', port: v.port });
  const member = { serverId: 'victim', ip: '127.0.0.183', port: t.port, weight: 100, type: 'ecs' as const };
  const fastPort = await freePort(LB);
  const generalPort = await freePort(LB);
  const dp = new DataPlane({ handlers: [httpHandler] });
  closers.push(() => dp.destroy());
  const over = { gzip: false, idleTimeoutMs: 5_000, requestTimeoutMs: 10_000 };
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(fastPort, over), httpListener(generalPort, over)], servers: [member] }));
  (dp.runtime(`lb-test_http_${generalPort}`) as HttpListenerRuntime).useFastPath = false;

  const r = rng(SEED);
  const conns: { path: string; bytes: Buffer; chunks: Buffer[] }[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    let text = '';
    for (let i = 0, n = 1 + r.int(4); i < n; i++) {
      const { lines, bodyLen } = validHead(r);
      // tag the path so requests are told apart (a mutation may garble it: matching is by whole request anyway)
      lines[0] = lines[0]!.replace(/^(\S+ (?:https?:\/\/[^/?\s]*)?)\//i, `$1/c${c}r${i}/`);
      let cur = lines;
      for (let k = 0, m = r.chance(0.5) ? 0 : 1 + r.int(2); k < m; k++) cur = mutate(r, cur);
      text += `${cur.join('\r\n')}\r\n\r\n${'b'.repeat(r.chance(0.9) ? bodyLen : r.int(30))}`;
    }
    text += `GET /c${c}-last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
    const bytes = Buffer.from(text, 'latin1');
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const n = r.chance(0.3) ? 1 + r.int(8) : 1 + r.int(400);
      chunks.push(bytes.subarray(at, at + n));
      at += n;
    }
    conns.push({ path: c % 2 ? 'general' : 'fast', bytes, chunks });
  }
  const results = await Promise.all(conns.map((c) => stream(c.path === 'fast' ? fastPort : generalPort, c.chunks, 10_000)));

  const problems: string[] = [];
  // every request the backend parsed is one some client connection's bytes hold for node's strict parser
  const pool = new Map<string, number>();
  const key = (m: { method: string; url: string }) => `${m.method} ${m.url}`;
  for (const c of conns) for (const m of intendedOf(nodeParse(c.bytes))) pool.set(key(m), (pool.get(key(m)) ?? 0) + 1);
  for (const seen of v.seen) {
    const k = key(seen);
    const n = pool.get(k) ?? 0;
    if (n <= 0) problems.push(`backend saw ${JSON.stringify(k)} (body ${seen.body}), not a request in any client's bytes`);
    else pool.set(k, n - 1);
  }
  // with the body length node reads
  const bodies = new Map<string, number[]>();
  for (const c of conns) for (const m of intendedOf(nodeParse(c.bytes))) bodies.set(key(m), [...(bodies.get(key(m)) ?? []), m.body]);
  for (const seen of v.seen) {
    const b = bodies.get(key(seen));
    if (b && !b.includes(seen.body) && !b.some((x) => x > seen.body)) problems.push(`backend read ${seen.body} body bytes for ${key(seen)}, node reads ${b.join('/')}`);
  }
  for (const [i, log] of t.streams.entries()) {
    const all = Buffer.concat(log);
    const st = nodeParse(all);
    const le = nodeParse(all, true);
    const list = (p: ParseResult) => intendedOf(p).map((m) => `${key(m)} ${m.body}`);
    if (st.error) problems.push(`backend connection ${i}: strict parser error ${st.error} in ${JSON.stringify(all.toString('latin1').slice(0, 200))}`);
    if (JSON.stringify(list(st)) !== JSON.stringify(list(le))) problems.push(`backend connection ${i}: strict ${JSON.stringify(list(st))} vs lenient ${JSON.stringify(list(le))}`);
  }
  // the client gets answers to its own requests, in order, or the statuses node and the LB give malformed requests
  for (const [ci, res] of results.entries()) {
    const mine = intendedOf(nodeParse(conns[ci]!.bytes)).map((m) => m.url);
    let last = -1;
    for (const x of responses(res.data)) {
      if (x.status === 200) {
        const m = /^seen \S+ (\S+) \d+$/.exec(x.body);
        const at = m ? mine.indexOf(m[1]!, last + 1) : -1;
        if (at < 0) problems.push(`connection ${ci} (${conns[ci]!.path}): answer ${JSON.stringify(x.body)} not for its next request`);
        last = at;
      } else if (![100, 400, 413, 414, 431, 501, 505].includes(x.status)) problems.push(`connection ${ci} (${conns[ci]!.path}): status ${x.status} ${JSON.stringify(conns[ci]!.bytes.toString('latin1').slice(0, 600))}`);
    }
  }
  assert.deepEqual(problems.slice(0, 20), [], `seed ${SEED}`);
  // not vacuous: most connections' closing request got through
  const last = v.seen.filter((x) => /^\/c\d+-last$/.test(x.url)).length;
  assert.ok(last > CONNECTIONS * 0.1, `only ${last} of ${CONNECTIONS} connections reached their last request`);
});
