// Data-plane fault injection (src/dataplane/faults.ts) with real sockets on loopback.
// LB addresses 127.0.0.230 and 127.0.0.240, backends 127.0.0.231+.
// Latency is asserted on a ManualClock: the held connection / request / datagram cannot move until
// the clock is advanced, so "not yet" is a fact, not a race; one test checks the real clock too.
import { test as nodeTest, after, before } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { DataPlane, type ObservedEvent } from '../../src/dataplane/reconciler.js';
import { ManualClock } from '../../src/dataplane/clock.js';
import { DataPlaneFaults, faultAppliesTo, type DataPlaneFaultRule } from '../../src/dataplane/faults.js';
import { httpHandler } from '../../src/dataplane/http/listener.js';
import { httpsHandler } from '../../src/dataplane/https/listener.js';
import type { Snapshot } from '../../src/dataplane/snapshot.js';
import { createCA, issueLeaf, type Issued } from '../../src/util/pki.js';
import { ask, fastHealth, freePort, snapshot, tally, TcpBackend, tcpListener, udpAsk, UdpBackend, udpListener, waitFor } from './helpers.js';
import { get, HttpBackend, httpListener, httpsListener, type Echo } from './http-fixtures.js';

// every test has a deadline, so a failure can never leave the file's process hanging
const test = (name: string, fn: () => Promise<void> | void) => nodeTest(name, { timeout: 30_000 }, fn);

const LB = '127.0.0.230';
const LB2 = '127.0.0.240';
const LBID = 'lb-test';
const planes: DataPlane[] = [];
const stoppers: (() => Promise<void>)[] = [];
after(async () => {
  for (const p of planes) p.destroy();
  for (const s of stoppers) await s().catch(() => {});
});

function plane(opts: { clock?: ManualClock; events?: ObservedEvent[]; random?: () => number } = {}) {
  const p = new DataPlane({
    handlers: [httpHandler, httpsHandler],
    clock: opts.clock,
    faults: new DataPlaneFaults({ random: opts.random }),
    observer: { report: (e) => opts.events?.push(e) },
  });
  planes.push(p);
  return p;
}
async function tcpBackend(ip: string, name: string) {
  const b = await new TcpBackend(ip, name).start();
  stoppers.push(() => b.stop());
  return b;
}
async function udpBackend(ip: string, name: string) {
  const b = await new UdpBackend(ip, name).start();
  stoppers.push(() => b.stop());
  return b;
}
async function httpBackend(ip: string, name: string) {
  const b = await new HttpBackend(ip, name).start();
  stoppers.push(() => b.stop());
  return b;
}

let seq = 0;
function rule(port: number, kind: DataPlaneFaultRule['kind'], over: Partial<DataPlaneFaultRule> = {}): DataPlaneFaultRule {
  return { faultId: `f-${++seq}`, loadBalancerId: LBID, listenerPort: port, kind, probability: 1, ...(kind === 'Latency' ? { delayMs: 100 } : {}), ...over };
}

/** A datagram socket that collects every reply. */
async function udpClient(): Promise<{ sock: dgram.Socket; got: string[] }> {
  const sock = dgram.createSocket('udp4');
  const got: string[] = [];
  sock.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  stoppers.push(async () => {
    sock.close();
  });
  return { sock, got };
}

// ---------------------------------------------------------------------------------------------
// The rule set alone

nodeTest('DataPlaneFaults: scope, order, applicability, probability draws, budgets across set()', () => {
  const draws = [0.1, 0.9, 0.49, 0.5];
  const f = new DataPlaneFaults({ random: () => draws.shift() ?? 0 });
  assert.equal(f.forListener('lb-1', 80), undefined, 'no rules: nothing to look at');
  f.set([
    { faultId: 'lat', loadBalancerId: 'lb-1', listenerPort: 80, kind: 'Latency', delayMs: 30, probability: 1 },
    { faultId: 'lat-b', loadBalancerId: 'lb-1', listenerPort: 80, serverId: 'b', kind: 'Latency', delayMs: 12, probability: 1 },
    { faultId: 'reset-b', loadBalancerId: 'lb-1', listenerPort: 80, serverId: 'b', kind: 'Reset', probability: 1, count: 2 },
    { faultId: 'drop', loadBalancerId: 'lb-1', listenerPort: 80, kind: 'Drop', probability: 1 },
    { faultId: 'half', loadBalancerId: 'lb-1', listenerPort: 81, kind: 'Refuse', probability: 0.5 },
  ]);
  assert.equal(f.forListener('lb-1', 82), undefined);
  assert.equal(f.forListener('lb-2', 80), undefined);
  const l80 = f.forListener('lb-1', 80)!;
  // backend a: only the listener-wide rules; Drop means nothing on TCP
  assert.deepEqual(l80.decide('tcp', 'a'), { delayMs: 30, action: null });
  // backend b: both delays add up, then the Reset ends the draw (Drop is never reached)
  assert.deepEqual(l80.decide('tcp', 'b'), { delayMs: 42, action: 'Reset' });
  assert.deepEqual(l80.decide('http', 'b'), { delayMs: 42, action: 'Reset' });
  // the Reset's budget (2) is spent: only the delays remain
  assert.deepEqual(l80.decide('tcp', 'b'), { delayMs: 42, action: null });
  // UDP: Reset never applies there; Drop does
  assert.deepEqual(l80.decide('udp', 'a'), { delayMs: 30, action: 'Drop' });
  // probability 0.5 against the injected draws 0.1, 0.9, 0.49, 0.5: fire, not, fire, not
  const l81 = f.forListener('lb-1', 81)!;
  assert.deepEqual(
    [1, 2, 3, 4].map(() => l81.decide('tcp', 'a')?.action ?? null),
    ['Refuse', null, 'Refuse', null],
  );
  assert.deepEqual(Object.fromEntries(f.fired()), { lat: 5, 'lat-b': 3, 'reset-b': 2, drop: 1, half: 2 });
  // the whole registry again (same counts) keeps what fired and the remaining budgets
  const again = f.rules();
  f.set(again);
  assert.deepEqual(Object.fromEntries(f.fired()), { lat: 5, 'lat-b': 3, 'reset-b': 2, drop: 1, half: 2 });
  assert.equal(f.remaining().get('reset-b'), 0);
  // another count is a new budget; removed ids are forgotten
  f.set([{ ...again[2]!, count: 1 }]);
  assert.deepEqual(Object.fromEntries(f.fired()), { 'reset-b': 2 });
  assert.deepEqual(f.forListener('lb-1', 80)!.decide('tcp', 'b'), { delayMs: 0, action: 'Reset' });
  assert.equal(f.forListener('lb-1', 80)!.decide('tcp', 'b'), undefined);
  // probability 0 never draws nor fires; probability 1 needs no draw
  const never = new DataPlaneFaults({ random: () => assert.fail('no draw expected') });
  never.set([
    { faultId: 'z', loadBalancerId: 'lb-1', listenerPort: 80, kind: 'Reset', probability: 0 },
    { faultId: 'o', loadBalancerId: 'lb-1', listenerPort: 80, kind: 'Latency', delayMs: 5, probability: 1 },
  ]);
  for (let i = 0; i < 50; i++) assert.deepEqual(never.forListener('lb-1', 80)!.decide('tcp', 'a'), { delayMs: 5, action: null });
  assert.deepEqual(Object.fromEntries(never.fired()), { z: 0, o: 50 });
  // malformed sets are refused whole, the previous set stays
  const bad: Partial<DataPlaneFaultRule>[] = [
    { probability: 1.5 },
    { probability: -0.1 },
    { kind: 'Latency' },
    { kind: 'Latency', delayMs: -1 },
    { kind: 'Reset', delayMs: 5 },
    { count: 1.5 },
    { listenerPort: 0 },
    { loadBalancerId: '' },
    { serverId: '' },
    { kind: 'Explode' as DataPlaneFaultRule['kind'] },
  ];
  for (const b of bad) {
    assert.throws(() => never.set([{ faultId: 'x', loadBalancerId: 'lb-1', listenerPort: 80, kind: 'Reset', probability: 1, ...b }]), TypeError, JSON.stringify(b));
  }
  assert.throws(() => never.set([rule(80, 'Reset', { faultId: 'd' }), rule(80, 'Drop', { faultId: 'd' })]), /duplicate/);
  assert.deepEqual([...never.fired().keys()], ['z', 'o']);
  never.set([]);
  assert.equal(never.forListener('lb-1', 80), undefined);
  assert.ok(faultAppliesTo('Drop', 'udp') && !faultAppliesTo('Drop', 'http') && !faultAppliesTo('Reset', 'udp') && faultAppliesTo('Refuse', 'udp'));
});

// ---------------------------------------------------------------------------------------------
// TCP

test('TCP Reset, listener-wide: every connection is reset before the backend is contacted; set([]) restores', async () => {
  const a = await tcpBackend('127.0.0.231', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member()] }));
  assert.equal((await ask(LB, port)).name, 'a');
  const r = rule(port, 'Reset');
  dp.faults.set([r]);
  for (let i = 0; i < 3; i++) assert.equal((await ask(LB, port)).error, 'ECONNRESET');
  assert.equal(a.accepted, 1, 'the backend never saw the reset connections');
  assert.equal(dp.faults.fired().get(r.faultId), 3);
  const c = dp.counters.read(`${LBID}_tcp_${port}`)!;
  assert.equal(c.newConnections, 4);
  assert.equal(c.backendErrors, 0, 'a reset is not a backend error');
  await waitFor(() => dp.counters.read(`${LBID}_tcp_${port}`)!.activeConnections === 0, 5000, 'no active connection');
  dp.faults.set([]);
  assert.equal((await ask(LB, port)).name, 'a');
});

test('TCP Reset / Refuse scoped to a ServerId hit only that backend; Refuse counts backend errors; health probes are not faulted', async () => {
  const [a, b] = [await tcpBackend('127.0.0.232', 'a'), await tcpBackend('127.0.0.233', 'b')];
  const port = await freePort(LB);
  const events: ObservedEvent[] = [];
  const dp = plane({ events });
  const hc = fastHealth({ intervalMs: 50, unhealthyThreshold: 2, healthyThreshold: 2 });
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { healthCheck: hc })], servers: [a.member(), b.member()] }));
  await waitFor(() => dp.healthStatus().length === 2 && dp.healthStatus().every((r) => r.status === 'normal'), 15_000, 'both normal');
  for (const kind of ['Reset', 'Refuse'] as const) {
    const r = rule(port, kind, { serverId: 'b' });
    dp.faults.set([r]);
    const before = dp.counters.read(`${LBID}_tcp_${port}`)!.backendErrors;
    // wrr 1:1 over 10 connections: 5 reach a, the 5 meant for b are reset
    const t = await tally(LB, port, 10);
    assert.deepEqual(Object.fromEntries(t), { a: 5, '!ECONNRESET': 5 }, kind);
    assert.equal(dp.faults.fired().get(r.faultId), 5);
    assert.equal(dp.counters.read(`${LBID}_tcp_${port}`)!.backendErrors - before, kind === 'Refuse' ? 5 : 0);
  }
  // b only ever got health probes (no greeting was read by a client): let several more probe it
  // while the Refuse rule is in place, and it stays normal
  const probes = b.accepted;
  await waitFor(() => b.accepted >= probes + 4, 10_000, 'more probes of b');
  assert.equal(dp.healthStatus().find((r) => r.serverId === 'b')!.status, 'normal');
  assert.ok(!events.some((e) => e.kind === 'health' && e.status === 'abnormal'), 'no health change');
  dp.faults.set([]);
  assert.deepEqual(Object.fromEntries(await tally(LB, port, 4)), { a: 2, b: 2 });
});

test('TCP Latency (manual clock): the backend connection opens delayMs later, bytes sent meanwhile arrive; another backend is not delayed', async () => {
  const [a, b] = [await tcpBackend('127.0.0.234', 'a'), await tcpBackend('127.0.0.235', 'b')];
  const port = await freePort(LB);
  const clock = new ManualClock();
  const dp = plane({ clock });
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member('a', 100), b.member('b', 0)] }));
  const r = rule(port, 'Latency', { serverId: 'a', delayMs: 500 });
  const other = rule(port, 'Latency', { serverId: 'b', delayMs: 60_000 });
  dp.faults.set([r, other]);
  const s = net.connect(port, LB);
  let got = '';
  s.on('data', (d) => (got += d));
  s.on('error', () => {});
  await new Promise((res) => s.once('connect', res));
  s.write('early');
  const id = `${LBID}_tcp_${port}`;
  await waitFor(() => dp.counters.read(id)!.newConnections === 1, 5000, 'accepted');
  assert.equal(dp.faults.fired().get(r.faultId), 1);
  assert.equal(dp.runtime(id)!.active, 1, 'held connections count as active');
  await clock.advance(499);
  assert.equal(a.accepted, 0, 'not before delayMs');
  await clock.advance(1);
  await waitFor(() => got === 'a\nearly', 5000, 'greeting and the early bytes echoed');
  s.write('+more');
  await waitFor(() => got.endsWith('+more'), 5000, 'echo after the delay');
  assert.equal(a.firstBytes[0]!.toString(), 'early');
  s.destroy();
  // a rule scoped to b leaves a's connections alone (wrr 1:1: one of two new connections each)
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member(), b.member()] }));
  const rb = rule(port, 'Latency', { serverId: 'b', delayMs: 60_000 });
  dp.faults.set([rb]);
  const clients = [0, 1].map(() => {
    const c = { sock: net.connect(port, LB), got: '', closed: false };
    c.sock.on('data', (d) => (c.got += d));
    c.sock.on('error', () => {});
    c.sock.on('close', () => (c.closed = true));
    return c;
  });
  await waitFor(() => dp.counters.read(id)!.newConnections === 3, 5000, 'both accepted');
  await waitFor(() => clients.some((c) => c.got === 'a\n'), 5000, 'a answers at once');
  assert.equal(b.accepted, 0, 'b waits for the clock');
  assert.equal(dp.faults.fired().get(rb.faultId), 1);
  await waitFor(() => dp.runtime(id)!.active === 2, 5000, 'the one to a and the held one'); // the first client's close may still be on its way
  // destroying the plane ends a held connection (and cancels its timer)
  dp.destroy();
  await waitFor(() => clients.every((c) => c.closed), 5000, 'both closed');
  await clock.advance(60_000);
  assert.equal(b.accepted, 0);
});

test('TCP Latency on the real clock: the greeting comes at least delayMs after connect', async () => {
  const a = await tcpBackend('127.0.0.236', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member()] }));
  dp.faults.set([rule(port, 'Latency', { delayMs: 150 })]);
  const t0 = performance.now();
  assert.equal((await ask(LB, port)).name, 'a');
  const took = performance.now() - t0;
  assert.ok(took >= 145, `took ${took.toFixed(1)} ms`);
});

test('TCP probability 0 never fires, 1 always does, injected draws decide each connection; count runs out', async () => {
  const a = await tcpBackend('127.0.0.237', 'a');
  const port = await freePort(LB);
  const draws: number[] = [];
  const dp = plane({ random: () => draws.shift() ?? 0.99 });
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member()] }));
  const zero = rule(port, 'Reset', { probability: 0 });
  dp.faults.set([zero]);
  assert.deepEqual(Object.fromEntries(await tally(LB, port, 10)), { a: 10 });
  const one = rule(port, 'Reset', { probability: 1 });
  dp.faults.set([zero, one]);
  assert.deepEqual(Object.fromEntries(await tally(LB, port, 10)), { '!ECONNRESET': 10 });
  const half = rule(port, 'Reset', { probability: 0.5 });
  dp.faults.set([half]);
  draws.push(0.2, 0.7, 0.4999, 0.5, 0);
  const seen: string[] = [];
  for (let i = 0; i < 5; i++) seen.push((await ask(LB, port)).name ?? 'reset');
  assert.deepEqual(seen, ['reset', 'a', 'reset', 'a', 'reset']);
  const counted = rule(port, 'Reset', { count: 2 });
  dp.faults.set([counted]);
  assert.deepEqual(Object.fromEntries(await tally(LB, port, 5)), { '!ECONNRESET': 2, a: 3 });
  // the same registry set again keeps the spent budget
  dp.faults.set([counted]);
  assert.equal((await ask(LB, port)).name, 'a');
  assert.deepEqual(Object.fromEntries(dp.faults.fired()), { [counted.faultId]: 2 });
});

test('no leak: a rule on one listener leaves another port of the load balancer, the same port of another load balancer, and kinds of other protocols alone', async () => {
  const a = await tcpBackend('127.0.0.238', 'a');
  const u = await udpBackend('127.0.0.238', 'u');
  const port = await freePort(LB);
  const port2 = await freePort(LB);
  const uport = await freePort(LB, 'udp');
  const dp = plane();
  const lb1 = snapshot({
    address: LB,
    listeners: [tcpListener(port), tcpListener(port2), udpListener(uport, { serverGroupId: 'rsp-u' })],
    servers: [a.member()],
    groups: { 'rsp-u': { serverGroupId: 'rsp-u', kind: 'vserver', servers: [u.member()] } },
  });
  const lb2 = snapshot({ address: LB2, lbId: 'lb-other', listeners: [tcpListener(port, {}, 'lb-other')], servers: [a.member()] });
  const s: Snapshot = { ...lb1, loadBalancers: [lb1.loadBalancers[0]!, lb2.loadBalancers[0]!] };
  await dp.apply(s);
  const reset = rule(port, 'Reset');
  const dropTcp = rule(port2, 'Drop'); // Drop means nothing on TCP
  const resetUdp = rule(uport, 'Reset'); // Reset means nothing on UDP
  dp.faults.set([reset, dropTcp, resetUdp]);
  assert.equal((await ask(LB, port)).error, 'ECONNRESET');
  assert.equal((await ask(LB, port2)).name, 'a');
  assert.equal((await ask(LB2, port)).name, 'a');
  assert.equal(await udpAsk(LB, uport, 'hi'), 'u:hi');
  assert.deepEqual(Object.fromEntries(dp.faults.fired()), { [reset.faultId]: 1, [dropTcp.faultId]: 0, [resetUdp.faultId]: 0 });
});

// ---------------------------------------------------------------------------------------------
// UDP

test('UDP Drop, listener-wide: client datagrams are lost (counted as received), later ones pass once the rule is gone', async () => {
  const u = await udpBackend('127.0.0.241', 'u');
  const port = await freePort(LB, 'udp');
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port)], servers: [u.member()] }));
  const r = rule(port, 'Drop');
  dp.faults.set([r]);
  const { sock, got } = await udpClient();
  for (const m of ['d1', 'd2', 'd3']) sock.send(m, port, LB);
  const id = `${LBID}_udp_${port}`;
  await waitFor(() => dp.counters.read(id)!.requests === 3, 5000, 'three datagrams received');
  assert.equal(dp.faults.fired().get(r.faultId), 3);
  dp.faults.set([]);
  sock.send('after', port, LB);
  await waitFor(() => got.length === 1, 5000, 'reply');
  // same flow, same upstream socket: had any dropped datagram been sent, it would have arrived first
  assert.deepEqual(got, ['u:after']);
  assert.deepEqual(
    u.received.map((b) => b.toString()),
    ['after'],
  );
});

test('UDP Drop / Refuse scoped to a ServerId lose only that backend\'s datagrams; count runs out', async () => {
  const [a, b] = [await udpBackend('127.0.0.242', 'a'), await udpBackend('127.0.0.243', 'b')];
  const port = await freePort(LB, 'udp');
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port)], servers: [a.member(), b.member()] }));
  // wrr 1:1 over new flows: one client's flow goes to a, the other's to b
  const [c1, c2] = [await udpClient(), await udpClient()];
  c1.sock.send('hello', port, LB);
  await waitFor(() => c1.got.length === 1, 5000, 'first flow');
  c2.sock.send('hello', port, LB);
  await waitFor(() => c2.got.length === 1, 5000, 'second flow');
  const [ca, cb] = c1.got[0] === 'a:hello' ? [c1, c2] : [c2, c1];
  assert.deepEqual([ca.got[0], cb.got[0]], ['a:hello', 'b:hello']);
  const id = `${LBID}_udp_${port}`;
  for (const kind of ['Drop', 'Refuse'] as const) {
    const r = rule(port, kind, { serverId: 'b', count: 2 });
    dp.faults.set([r]);
    const before = dp.counters.read(id)!.requests;
    cb.sock.send(`${kind}-1`, port, LB);
    cb.sock.send(`${kind}-2`, port, LB);
    ca.sock.send(`${kind}-a`, port, LB);
    await waitFor(() => dp.counters.read(id)!.requests === before + 3, 5000, 'received');
    await waitFor(() => ca.got.includes(`a:${kind}-a`), 5000, 'a unaffected');
    assert.equal(dp.faults.fired().get(r.faultId), 2);
    // the budget is spent: the next one to b passes, and it is the only one b got
    cb.sock.send(`${kind}-3`, port, LB);
    await waitFor(() => cb.got.includes(`b:${kind}-3`), 5000, 'b again');
    assert.ok(!b.received.some((m) => m.toString() === `${kind}-1` || m.toString() === `${kind}-2`));
  }
});

test('UDP Latency (manual clock): each datagram is forwarded delayMs later; replies are not delayed', async () => {
  const u = await udpBackend('127.0.0.244', 'u');
  const port = await freePort(LB, 'udp');
  const clock = new ManualClock();
  const dp = plane({ clock });
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port)], servers: [u.member()] }));
  const r = rule(port, 'Latency', { delayMs: 300 });
  dp.faults.set([r]);
  const { sock, got } = await udpClient();
  sock.send('one', port, LB);
  sock.send('two', port, LB);
  const id = `${LBID}_udp_${port}`;
  await waitFor(() => dp.counters.read(id)!.requests === 2, 5000, 'received');
  await clock.advance(299);
  assert.equal(u.received.length, 0, 'not before delayMs');
  await clock.advance(1);
  await waitFor(() => got.length === 2, 5000, 'replies');
  assert.deepEqual(got, ['u:one', 'u:two'], 'order kept');
  assert.equal(dp.faults.fired().get(r.faultId), 2);
  dp.faults.set([]);
  sock.send('three', port, LB);
  await waitFor(() => got.length === 3, 5000, 'undelayed');
  // a datagram still held when the listener goes is never sent
  dp.faults.set([rule(port, 'Latency', { delayMs: 1000 })]);
  sock.send('late', port, LB);
  await waitFor(() => dp.counters.read(id)!.requests === 4, 5000, 'received');
  dp.destroy();
  await clock.advance(1000);
  assert.ok(!u.received.some((m) => m.toString() === 'late'));
});

// ---------------------------------------------------------------------------------------------
// HTTP

function keepAliveGet(agent: http.Agent, port: number, path = '/') {
  return get(LB, port, path, { agent, headers: { 'accept-encoding': 'identity' } });
}

test('HTTP Reset: a keep-alive connection on the fast path is reset at its next request once a rule exists; the backend never sees it', async () => {
  const a = await httpBackend('127.0.0.245', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()] }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  stoppers.push(async () => {
    agent.destroy();
  });
  assert.equal((await keepAliveGet(agent, port)).status, 200);
  const r = rule(port, 'Reset');
  dp.faults.set([r]);
  await assert.rejects(keepAliveGet(agent, port), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
  await assert.rejects(get(LB, port, '/'), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
  assert.equal(a.requests, 1);
  assert.equal(dp.faults.fired().get(r.faultId), 2);
  dp.faults.set([]);
  assert.equal((await keepAliveGet(agent, port)).status, 200);
  const c = dp.counters.read(`${LBID}_http_${port}`)!;
  assert.equal(c.requests, 4);
  assert.equal(c.status['2xx'], 2);
});

test('HTTP Refuse scoped to a ServerId: that backend\'s requests get the 502 of a refusing backend, the other answers; health probes stay normal', async () => {
  const [a, b] = [await httpBackend('127.0.0.246', 'a'), await httpBackend('127.0.0.247', 'b')];
  const port = await freePort(LB);
  const events: ObservedEvent[] = [];
  const dp = plane({ events });
  const hc = fastHealth({ type: 'http', intervalMs: 50, http: { method: 'head', uri: '/', domain: null, httpCodes: ['http_2xx'] } });
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port, { healthCheck: hc })], servers: [a.member(), b.member()] }));
  await waitFor(() => dp.healthStatus().length === 2 && dp.healthStatus().every((x) => x.status === 'normal'), 15_000, 'both normal');
  const r = rule(port, 'Refuse', { serverId: 'b' });
  dp.faults.set([r]);
  const probesBefore = b.requests;
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const g = await get(LB, port, '/');
    seen.push(g.status === 200 ? g.echo!.name : String(g.status));
    if (g.status === 502) {
      assert.match(g.body, /502 Bad Gateway/);
      assert.equal(g.headers['content-type'], 'text/html');
    }
  }
  assert.deepEqual(seen.sort(), ['502', '502', '502', 'a', 'a', 'a']);
  assert.equal(dp.faults.fired().get(r.faultId), 3);
  const c = dp.counters.read(`${LBID}_http_${port}`)!;
  assert.equal(c.backendErrors, 3);
  assert.equal(c.status['5xx'], 3);
  // b got no client request, only probes; more probes pass and it stays normal
  await waitFor(() => b.requests >= probesBefore + 4, 10_000, 'more probes of b');
  assert.equal(dp.healthStatus().find((x) => x.serverId === 'b')!.status, 'normal');
  assert.ok(!events.some((e) => e.kind === 'health' && e.status === 'abnormal'));
});

test('HTTP Latency (manual clock): the request and its body are forwarded delayMs later; a client that leaves meanwhile is not forwarded', async () => {
  const a = await httpBackend('127.0.0.248', 'a');
  const port = await freePort(LB);
  const clock = new ManualClock();
  const dp = plane({ clock });
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()] }));
  const r = rule(port, 'Latency', { delayMs: 250 });
  dp.faults.set([r]);
  const id = `${LBID}_http_${port}`;
  const pending = get(LB, port, '/post', { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
  await waitFor(() => dp.counters.read(id)!.requests === 1, 5000, 'request received');
  await clock.advance(249);
  assert.equal(a.requests, 0, 'not before delayMs');
  await clock.advance(1);
  const g = await pending;
  assert.equal(g.status, 200);
  assert.equal((g.echo as Echo).body, 'payload');
  // a client gone during the delay
  const s = net.connect(port, LB);
  s.on('error', () => {});
  s.write('GET /gone HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(() => dp.counters.read(id)!.requests === 2, 5000, 'second request received');
  s.destroy();
  await waitFor(() => dp.runtime(id)!.active === 0, 5000, 'client gone');
  await clock.advance(250);
  dp.faults.set([]);
  assert.equal((await get(LB, port, '/')).status, 200);
  assert.equal(a.requests, 2, 'the abandoned request never reached the backend');
  assert.equal(dp.faults.fired().get(r.faultId), undefined, 'the rule is gone from the set');
});

test('HTTP Upgrade handshakes are faulted like requests: Refuse → 502, Reset → RST', async () => {
  const a = await httpBackend('127.0.0.249', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [httpListener(port)], servers: [a.member()] }));
  const upgrade = () =>
    new Promise<{ data: string; error?: string }>((resolve) => {
      const s = net.connect(port, LB);
      let data = '';
      s.on('data', (d) => (data += d));
      s.on('error', (e: NodeJS.ErrnoException) => resolve({ data, error: e.code }));
      s.on('close', () => resolve({ data }));
      s.write('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    });
  dp.faults.set([rule(port, 'Refuse')]);
  const refused = await upgrade();
  assert.match(refused.data, /^HTTP\/1.1 502 /);
  dp.faults.set([rule(port, 'Reset')]);
  const reset = await upgrade();
  assert.equal(reset.error, 'ECONNRESET');
  assert.equal(reset.data, '');
  assert.equal(a.requests, 0);
});

// ---------------------------------------------------------------------------------------------
// HTTPS

let ca: Issued, leaf: Issued;
before(() => {
  ca = createCA('Faults CA');
  leaf = issueLeaf(ca, ['app.example.com']);
});

test('HTTPS: Reset resets the TCP connection under TLS (HTTP/1.1 and HTTP/2); Refuse answers 502; Latency delays an HTTP/2 stream', async () => {
  const a = await httpBackend('127.0.0.239', 'a');
  const [p1, p2] = [await freePort(LB), await freePort(LB)];
  const dp = plane();
  const s = snapshot({ address: LB, listeners: [httpsListener(p1), httpsListener(p2, { enableHttp2: true })], servers: [a.member()] });
  await dp.apply({ ...s, serverCertificates: { 'cert-a': { serverCertificateId: 'cert-a', certificate: leaf.certPem, privateKey: leaf.keyPem } } });
  const h1 = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const req = https.request({ host: LB, port, path: '/', servername: 'app.example.com', headers: { host: 'app.example.com' }, ca: ca.certPem, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  assert.equal(await h1(p1), 200);
  dp.faults.set([rule(p1, 'Reset'), rule(p2, 'Reset')]);
  await assert.rejects(h1(p1), (e: NodeJS.ErrnoException) => e.code === 'ECONNRESET');
  // HTTP/2: the session's connection is reset
  const session = http2.connect(`https://${LB}:${p2}`, { ca: ca.certPem, servername: 'app.example.com' });
  const st = session.request({ ':path': '/', ':authority': 'app.example.com' });
  const sessionError = new Promise<string>((resolve) => {
    session.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    session.on('close', () => resolve('closed'));
    st.on('response', (h) => resolve(`answered ${String(h[':status'])}`));
  });
  st.on('error', () => {});
  st.end();
  assert.match(await sessionError, /ECONNRESET|closed/);
  assert.equal(a.requests, 1);
  dp.faults.set([rule(p1, 'Refuse')]);
  assert.equal(await h1(p1), 502);
  // Latency on an HTTP/2 stream (real clock: at least delayMs)
  dp.faults.set([rule(p2, 'Latency', { delayMs: 120 })]);
  const h2 = http2.connect(`https://${LB}:${p2}`, { ca: ca.certPem, servername: 'app.example.com' });
  h2.on('error', () => {});
  stoppers.push(async () => {
    h2.close();
  });
  const t0 = performance.now();
  const status = await new Promise<number>((resolve, reject) => {
    const q = h2.request({ ':path': '/', ':authority': 'app.example.com' });
    q.on('response', (h) => resolve(Number(h[':status'])));
    q.on('error', reject);
    q.resume();
    q.end();
  });
  assert.equal(status, 200);
  const took = performance.now() - t0;
  assert.ok(took >= 115, `took ${took.toFixed(1)} ms`);
  dp.faults.set([]);
  assert.equal(await h1(p1), 200);
});
