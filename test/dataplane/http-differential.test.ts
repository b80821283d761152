// Differential fuzz test of the fast path's request-head parser (parseRequestHead in
// src/dataplane/http/fast.ts) against node's own parser (llhttp, test/dataplane/http-oracle.ts).
// Request heads come from a small grammar of valid requests, then random mutations (byte flips,
// inserted CR/LF/NUL/SP/HTAB/controls, case changes, duplicated/removed headers, odd methods,
// targets and versions, long lines, obs-fold, Content-Length and Transfer-Encoding variants).
// Whenever the fast path forwards a head:
//  - node's strict parser must accept the client's bytes and read the same method, target
//    (absolute form: its authority as the Host and its origin form as the target), Host, header
//    set (less the hop-by-hop/listener-owned ones), body length and keep-alive;
//  - the head the backend gets must mean exactly that to node's strict AND lenient
//    (`insecureHTTPParser`) parsers, with the body ending at the same byte (the next request on the
//    connection is read as the next request, no more, no less).
// Otherwise the fast path must hand over (the general path runs node's parser, so that is always
// safe). Seeded: OPENSLB_FUZZ_SEED (default fixed) and OPENSLB_FUZZ_ITERATIONS (default 20000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAND_OVER, parseRequestHead, type HeadForward } from '../../src/dataplane/http/fast.js';
import { mutate, rng, validHead } from './http-fuzz-gen.js';
import { nodeParse, type ParsedRequest } from './http-oracle.js';

const SEED = Number(process.env.OPENSLB_FUZZ_SEED || 0x5eed11);
const ITERATIONS = Number(process.env.OPENSLB_FUZZ_ITERATIONS || 20_000);

/** request headers the fast path never forwards as they are */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'http2-settings', 'x-forwarded-for', 'x-forwarded-proto', 'slb-ip', 'slb-id', 'x-forwarded-port', 'x-forwarded-client-srcport']);

/** Header pairs as compared: lower-case name, value; stable-sorted by name (order across names is not meaning). */
function norm(h: [string, string][]): [string, string][] {
  return h.map(([n, v]) => [n.toLowerCase(), v] as [string, string]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** RFC 9112 §3.2.2: an absolute-form target's authority and its origin form. */
function splitAbsolute(url: string): { authority: string; origin: string } | null {
  const m = /^https?:\/\/([^/?#@]+)([/?].*)?$/i.exec(url);
  if (!m) return null;
  const rest = m[2] ?? '/';
  return { authority: m[1]!, origin: rest.startsWith('?') ? `/${rest}` : rest };
}

const NEXT = 'GET /next HTTP/1.1\r\nHost: next.example\r\n\r\n';

/** Checks one head; returns a description of the disagreement, or null. */
function check(headBytes: Buffer, gzip: boolean): { forwarded: boolean; problem: string | null } {
  const end = headBytes.indexOf('\r\n\r\n');
  if (end < 0) return { forwarded: false, problem: null };
  const v = parseRequestHead(headBytes, end, gzip);
  if (v === HAND_OVER) return { forwarded: false, problem: null };
  return { forwarded: true, problem: compare(headBytes, end, v) };
}

function compare(headBytes: Buffer, end: number, v: HeadForward): string | null {
  const bodyLen = Math.max(v.contentLength, 0);
  const body = Buffer.alloc(bodyLen, 0x62);
  const head = headBytes.subarray(0, end + 4);
  // after Connection: close nothing may follow; otherwise a second request must be read as one
  const next = Buffer.from(v.close ? '' : NEXT);
  const count = v.close ? 1 : 2;
  const client = nodeParse(Buffer.concat([head, body, next]));
  if (client.error || client.partial || client.messages.length !== count) return `client bytes: ${client.error ?? `${client.messages.length} messages`}`;
  const c = client.messages[0]!;
  if (c.method !== v.method) return `method ${JSON.stringify(c.method)} vs fast ${JSON.stringify(v.method)}`;
  if (c.versionMajor !== 1 || c.versionMinor !== 1) return `version ${c.versionMajor}.${c.versionMinor}`;
  if (c.upgrade) return 'node sees an upgrade';
  if (c.body.length !== bodyLen) return `body ${c.body.length} vs fast ${bodyLen}`;
  if (c.keepAlive === v.close) return `keep-alive ${c.keepAlive} vs fast close=${v.close}`;
  if (count === 2 && client.messages[1]!.url !== '/next') return 'the next request is not where node expects it';
  // the meaning node gives the client's head
  let expectTarget = c.url;
  const hostHeaders = c.headers.filter(([n]) => n.toLowerCase() === 'host');
  if (hostHeaders.length !== 1) return `${hostHeaders.length} Host headers`;
  let expectHost = hostHeaders[0]![1];
  let expectHeaders = c.headers.filter(([n]) => !DROPPED.has(n.toLowerCase()));
  if (!c.url.startsWith('/')) {
    const abs = splitAbsolute(c.url);
    if (!abs) return `target ${JSON.stringify(c.url)} forwarded although not origin or http(s) absolute form`;
    expectTarget = abs.origin;
    expectHost = abs.authority;
    expectHeaders = [...expectHeaders.filter(([n]) => n.toLowerCase() !== 'host'), ['Host', abs.authority]];
  }
  if (v.target !== expectTarget) return `target ${JSON.stringify(expectTarget)} vs fast ${JSON.stringify(v.target)}`;
  if (v.host !== expectHost) return `host ${JSON.stringify(expectHost)} vs fast ${JSON.stringify(v.host)}`;
  // what the backend gets, read by a strict and a lenient node
  const fwd = Buffer.from(`${v.requestLine}\r\n${v.headers}\r\n`, 'latin1');
  for (const lenient of [false, true]) {
    const b = nodeParse(Buffer.concat([fwd, body, next]), lenient);
    const who = lenient ? 'lenient backend' : 'strict backend';
    if (b.error || b.partial || b.messages.length !== count) return `${who}: ${b.error ?? `${b.messages.length} messages`}`;
    const m: ParsedRequest = b.messages[0]!;
    if (m.method !== c.method || m.url !== expectTarget) return `${who}: ${m.method} ${m.url}`;
    if (m.versionMajor !== 1 || m.versionMinor !== 1) return `${who}: version`;
    if (m.body.length !== bodyLen || (count === 2 && b.messages[1]!.url !== '/next')) return `${who}: body framing`;
    if (JSON.stringify(norm(m.headers)) !== JSON.stringify(norm(expectHeaders))) return `${who}: headers ${JSON.stringify(norm(m.headers))} vs ${JSON.stringify(norm(expectHeaders))}`;
  }
  return null;
}

function headOf(lines: string[]): Buffer {
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

test(`fast-path head parser vs node's parser: ${ITERATIONS} heads, seed ${SEED}`, { timeout: Math.max(60_000, ITERATIONS) }, () => {
  const r = rng(SEED);
  let forwarded = 0;
  let absolute = 0;
  const problems: string[] = [];
  const kinds = new Map<string, number>();
  for (let i = 0; i < ITERATIONS; i++) {
    const { lines } = validHead(r);
    let cur = lines;
    const n = r.chance(0.15) ? 0 : 1 + r.int(3);
    for (let k = 0; k < n; k++) cur = mutate(r, cur);
    const bytes = headOf(cur);
    const res = check(bytes, r.chance(0.2));
    if (res.forwarded) forwarded++;
    if (res.forwarded && !/^\S+ \//.test(cur[0]!)) absolute++;
    if (res.problem) {
      const kind = res.problem.slice(0, 70);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    if (res.problem && problems.length < 10) problems.push(`#${i} ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}: ${res.problem.slice(0, 300)}`);
  }
  if (problems.length) assert.fail(`seed ${SEED}: heads forwarded with another meaning (${[...kinds].map(([k, n]) => `${n}× ${k}`).join('; ')}):\n${problems.join('\n')}`);
  // the grammar must exercise the forwarding side too, not only hand-overs
  assert.ok(forwarded > ITERATIONS * 0.2, `only ${forwarded} of ${ITERATIONS} heads forwarded`);
  assert.ok(absolute > ITERATIONS * 0.02, `only ${absolute} absolute-form heads forwarded`);
});

test('the grammar alone (no mutation) is forwarded and agrees with node', () => {
  const r = rng(SEED + 1);
  for (let i = 0; i < 500; i++) {
    const { lines } = validHead(r);
    const res = check(headOf(lines), false);
    assert.equal(res.problem, null, lines.join(' | '));
    assert.ok(res.forwarded, `valid head handed over: ${lines.join(' | ')}`);
  }
});
