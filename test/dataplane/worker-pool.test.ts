// The worker pool on its own (src/dataplane/worker/pool.ts), without a server: snapshots reach
// every worker and are acknowledged, a hung worker (SIGSTOP: alive, silent) is killed and replaced
// while the other keeps serving, a death is logged, and close() leaves no process behind.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { WorkerPool } from '../../src/dataplane/worker/pool.js';
import type { Snapshot } from '../../src/dataplane/snapshot.js';
import type { ObservedEvent } from '../../src/dataplane/reconciler.js';
import { ask, freePort, snapshot, TcpBackend, tcpListener, udpAsk, UdpBackend, udpListener, waitFor } from './helpers.js';
import { isAlive } from '../helpers/serve-process.js';

const HOST = '127.0.0.1';
const backend = new TcpBackend('127.0.0.2', 'a');
const echo = new UdpBackend('127.0.0.3', 'u');
const logged: string[] = [];
const pool = new WorkerPool({
  workers: 2,
  closeGraceMs: 200,
  hangMs: 1500,
  log: { info: (_o, m) => logged.push(m), warn: (_o, m) => logged.push(m), error: (_o, m) => logged.push(m) },
});
after(async () => {
  await pool.close();
  await backend.stop();
  await echo.stop();
});


test('every worker acknowledges each version; a hung worker is killed and replaced, its UDP listener moves to the other; close() stops them all', async () => {
  await backend.start();
  await echo.start();
  await pool.start();
  const port = await freePort(HOST);
  const uport = await freePort(HOST, 'udp');
  const listeners = () => [tcpListener(port), udpListener(uport, { serverGroupId: 'rsp-u' })];
  const groups = () => ({ 'rsp-u': { serverGroupId: 'rsp-u', kind: 'vserver' as const, servers: [echo.member()] } });
  let s: Snapshot = snapshot({ address: HOST, listeners: listeners(), servers: [backend.member()], groups: groups() });
  const r = await pool.apply(s);
  assert.deepEqual(r.bound.sort(), [`lb-test_tcp_${port}`, `lb-test_udp_${uport}`]);
  assert.equal(await udpAsk(HOST, uport, 'x'), 'u:x');
  assert.deepEqual(pool.workers().map((w) => w.Udp), [true, false]);
  assert.deepEqual(pool.workers().map((w) => [w.State, w.SnapshotVersion]), [['running', s.version], ['running', s.version]]);
  assert.equal(pool.version, s.version);
  assert.equal((await ask(HOST, port)).name, 'a');

  const [victim, other] = pool.workers();
  process.kill(victim!.Pid!, 'SIGSTOP');
  // while it is stopped the other worker accepts every new connection
  for (let i = 0; i < 5; i++) assert.equal((await ask(HOST, port)).name, 'a');
  await waitFor(() => {
    const w = pool.workers()[0]!;
    return w.State === 'running' && w.Pid !== victim!.Pid && w.Restarts === 1;
  }, 15_000, 'the hung worker replaced');
  assert.equal(isAlive(victim!.Pid!), false);
  assert.ok(logged.some((m) => m.includes(`data-plane worker 0 (pid ${victim!.Pid}) has not answered`)));
  assert.ok(logged.some((m) => m.includes(`data-plane worker 0 (pid ${victim!.Pid}) died (SIGKILL); restarting in`)));
  assert.equal(pool.workers()[1]!.Pid, other!.Pid);
  assert.equal(pool.restartsTotal, 1);
  // the UDP listener moved to the worker still running; the replacement got the current snapshot,
  // without UDP; the next version reaches both
  assert.deepEqual(pool.workers().map((w) => w.Udp), [false, true]);
  assert.ok(logged.includes('data-plane worker 1 serves the UDP listeners now'));
  await waitFor(async () => (await udpAsk(HOST, uport, 'y', { timeoutMs: 500 })) === 'u:y', 10_000, 'UDP served again');
  await waitFor(() => pool.workers()[0]!.SnapshotVersion === s.version, 10_000, 'the replacement applied the snapshot');
  s = snapshot({ address: HOST, listeners: [tcpListener(port, { scheduler: 'rr' }), udpListener(uport, { serverGroupId: 'rsp-u' })], servers: [backend.member()], groups: groups() });
  await pool.apply(s);
  assert.deepEqual(pool.workers().map((w) => w.SnapshotVersion), [s.version, s.version]);
  for (let i = 0; i < 5; i++) assert.equal((await ask(HOST, port)).name, 'a');
  // still one UDP worker: flows from several client ports all answered, all counted on worker 1
  await pool.refresh();
  const before = pool.workers().map((w) => w.Connections);
  for (let i = 0; i < 5; i++) assert.equal(await udpAsk(HOST, uport, `z${i}`), `u:z${i}`);
  await pool.refresh();
  assert.deepEqual(pool.workers().map((w, i) => w.Connections - before[i]!), [0, 5]);

  const pids = pool.workers().map((w) => w.Pid!);
  await pool.close();
  assert.deepEqual(pool.workers().map((w) => w.State), ['exited', 'exited']);
  assert.ok(pids.every((p) => !isAlive(p)));
  assert.equal((await ask(HOST, port)).error, 'ECONNREFUSED');
});

test('apply() before start() resolves: sent once the workers are ready; binds go a few at a time, a port in use fails alone and is reported per listener', async () => {
  const events: ObservedEvent[] = [];
  const early = new WorkerPool({ workers: 2, closeGraceMs: 200, bindConcurrency: 3, observer: { report: (e) => events.push(e) } });
  const squatter = net.createServer();
  const own = await new TcpBackend('127.0.0.2', 'b').start();
  try {
    const ports = new Set<number>();
    while (ports.size < 20) ports.add(await freePort(HOST));
    const [taken, ...free] = [...ports];
    await new Promise<void>((r) => squatter.listen(taken, HOST, () => r()));
    const s = snapshot({ address: HOST, listeners: [...ports].map((p) => tcpListener(p)), servers: [own.member()] });
    const starting = early.start();
    const r = await early.apply(s); // not awaited start(): the pool waits for its workers itself
    await starting;
    assert.deepEqual(r.bound.sort(), free.map((p) => `lb-test_tcp_${p}`).sort());
    assert.deepEqual(r.failed, [{ listenerId: `lb-test_tcp_${taken}`, error: 'EADDRINUSE' }]);
    assert.deepEqual(early.workers().map((w) => [w.State, w.SnapshotVersion]), [['running', s.version], ['running', s.version]]);
    const states = early.listenerStates();
    assert.equal(states.filter((x) => x.state === 'bound').length, free.length);
    assert.deepEqual(states.filter((x) => x.state === 'failed').map((x) => [x.listenerId, x.error]), [[`lb-test_tcp_${taken}`, 'EADDRINUSE']]);
    // the observer heard every listener's outcome once, before apply() resolved
    const heard = events.filter((e) => e.kind === 'listener');
    assert.equal(heard.length, ports.size);
    assert.ok(heard.every((e) => (e.listenerId === `lb-test_tcp_${taken}` ? e.state === 'failed' && e.error === 'EADDRINUSE' : e.state === 'bound')));
    assert.equal((await ask(HOST, free[0]!)).name, 'b');
  } finally {
    squatter.close();
    await early.close();
    await own.stop();
  }
});

test('the first snapshot, applied before start(): its TCP sockets are bound here and inherited by the workers, asked for again on a new bind, kept for a replacement, closed once unused (also in a replacement still booting)', async () => {
  const p = new WorkerPool({ workers: 2, closeGraceMs: 200, log: { info() {}, warn() {}, error() {} } });
  const own = await new TcpBackend('127.0.0.2', 'h').start();
  const squatter = net.createServer();
  try {
    const ports = new Set<number>();
    while (ports.size < 4) ports.add(await freePort(HOST));
    const [taken, p1, p2, p3] = [...ports] as [number, number, number, number];
    await new Promise<void>((r) => squatter.listen(taken, HOST, () => r()));
    const lbOf = (s: Snapshot, extra?: string[]) => ({ ...s, loadBalancers: s.loadBalancers.map((lb) => ({ ...lb, ...(extra ? { extraAddresses: extra } : {}) })) });
    const snap = (list: number[], extra?: string[]) => lbOf(snapshot({ address: HOST, listeners: list.map((x) => tcpListener(x)), servers: [own.member()] }), extra);
    const served = async (port: number, host = HOST) => {
      for (let i = 0; i < 4; i++) assert.equal((await ask(host, port)).name, 'h', `${host}:${port} served`);
    };

    // no start(): the first apply binds the sockets of p1..p3 here (the taken port fails here and
    // then in the workers, reported as before) and forks the workers with them
    let r = await p.apply(snap([taken, p1, p2, p3]));
    assert.deepEqual(r.bound.sort(), [p1, p2, p3].map((x) => `lb-test_tcp_${x}`).sort());
    assert.deepEqual(r.failed, [{ listenerId: `lb-test_tcp_${taken}`, error: 'EADDRINUSE' }]);
    assert.equal(p.heldSockets, 3);
    assert.deepEqual(p.workers().map((w) => w.State), ['running', 'running']);
    for (const x of [p1, p2, p3]) await served(x);

    // an EIP on the load balancer binds its listeners anew: the workers ask for the held sockets
    r = await p.apply(snap([p1, p2, p3], ['127.0.0.9']));
    assert.deepEqual(r.failed, []);
    assert.equal(p.heldSockets, 3);
    for (const x of [p1, p2, p3]) {
      await served(x);
      await served(x, '127.0.0.9');
    }

    // p3 stops: its socket is closed here and in the workers; started again, it is bound through
    // node:cluster (held no more)
    r = await p.apply(snap([p1, p2], ['127.0.0.9']));
    assert.equal(p.heldSockets, 2);
    assert.equal((await ask(HOST, p3)).error, 'ECONNREFUSED');
    r = await p.apply(snap([p1, p2, p3], ['127.0.0.9']));
    assert.deepEqual(r.bound, [`lb-test_tcp_${p3}`]);
    assert.equal(p.heldSockets, 2);
    await served(p3);

    // each worker listens on the inherited sockets: with worker 0 killed, worker 1 serves them; its
    // replacement is forked with the sockets still held and serves them once worker 1 is killed too
    const [w0, w1] = p.workers().map((w) => w.Pid!) as [number, number];
    process.kill(w0, 'SIGKILL');
    await waitFor(() => !isAlive(w0), 10_000, 'worker 0 gone');
    for (const x of [p1, p2, p3]) await served(x);
    await waitFor(() => {
      const w = p.workers()[0]!;
      return w.State === 'running' && w.Pid !== w0 && w.SnapshotVersion === p.version;
    }, 15_000, 'worker 0 replaced');
    process.kill(w1, 'SIGKILL');
    await waitFor(() => !isAlive(w1), 10_000, 'worker 1 gone');
    for (const x of [p1, p2, p3]) await served(x);
    await served(p1, '127.0.0.9');

    // a socket closed here while a replacement boots: the replacement, forked with it, closes its
    // copy when told at init, so the port refuses (nobody left holding it)
    const w2 = p.workers()[0]!.Pid!;
    process.kill(w2, 'SIGKILL');
    await waitFor(() => p.workers()[0]!.State === 'starting' && p.workers()[0]!.Pid !== w2, 10_000, 'worker 0 forked again');
    r = await p.apply(snap([p1, p3], ['127.0.0.9']));
    assert.equal(p.heldSockets, 1);
    await waitFor(() => p.workers()[0]!.State === 'running' && p.workers()[0]!.SnapshotVersion === p.version, 15_000, 'the replacement runs the current version');
    // (each holder closes its descriptor on its next turn of the event loop after acknowledging:
    // until the last one has, the kernel may still accept and then reset a connection)
    await waitFor(async () => (await ask(HOST, p2)).error === 'ECONNREFUSED', 10_000, 'the released port refuses');
    await served(p1);

    await p.close();
    assert.equal(p.heldSockets, 0);
    for (const x of [p1, p2, p3]) assert.equal((await ask(HOST, x)).error, 'ECONNREFUSED');
  } finally {
    squatter.close();
    await p.close();
    await own.stop();
  }
});
