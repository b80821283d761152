// TCP listeners with real sockets on loopback. LB address 127.0.0.20, backends 127.0.0.21+,
// clients bind 127.0.0.3x when the source address matters.
import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DataPlane, type ObservedEvent } from '../../src/dataplane/reconciler.js';
import { parseProxyV2 } from '../../src/dataplane/proxy-protocol.js';
import { ask, fastHealth, freePort, snapshot, tally, tcpListener, TcpBackend, waitFor } from './helpers.js';

// every test has a deadline, so a failure can never leave the file's process hanging
const test = (name: string, fn: () => Promise<void> | void) => nodeTest(name, { timeout: 30_000 }, fn);

const LB = '127.0.0.20';
const planes: DataPlane[] = [];
const backends: TcpBackend[] = [];
after(async () => {
  for (const p of planes) p.destroy();
  for (const b of backends) await b.stop().catch(() => {});
});

function plane(events?: ObservedEvent[]) {
  const p = new DataPlane({ observer: { report: (e) => events?.push(e) } });
  planes.push(p);
  return p;
}
async function backend(ip: string, name: string) {
  const b = await new TcpBackend(ip, name).start();
  backends.push(b);
  return b;
}

test('wrr: distribution follows weights 1:3 (exact over whole cycles: 10/30 of 40)', async () => {
  const [a, b] = [await backend('127.0.0.21', 'a'), await backend('127.0.0.22', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member('a', 25), b.member('b', 75)] }));
  const t = await tally(LB, port, 40);
  assert.equal(t.get('a'), 10);
  assert.equal(t.get('b'), 30);
  const c = dp.counters.read(`lb-test_tcp_${port}`)!;
  assert.equal(c.newConnections, 40);
  await waitFor(() => dp.counters.read(`lb-test_tcp_${port}`)!.activeConnections === 0);
  assert.ok(dp.counters.read(`lb-test_tcp_${port}`)!.bytesOut >= 80);
  dp.destroy();
});

test('weight 0 gets no new traffic; changing weights keeps established connections', async () => {
  const [a, b] = [await backend('127.0.0.23', 'a'), await backend('127.0.0.24', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  const l = tcpListener(port);
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member('a', 100), b.member('b', 0)] }));
  assert.deepEqual([...(await tally(LB, port, 10))], [['a', 10]]);
  // hold a connection to a, then move all weight to b
  const held = net.connect(port, LB);
  const greeting = await new Promise<string>((r) => held.once('data', (d) => r(d.toString())));
  assert.equal(greeting, 'a\n');
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member('a', 0), b.member('b', 100)] }));
  assert.deepEqual([...(await tally(LB, port, 5))], [['b', 5]]);
  held.write('still-here');
  const echo = await new Promise<string>((r) => held.once('data', (d) => r(d.toString())));
  assert.equal(echo, 'still-here');
  held.destroy();
  dp.destroy();
});

test('health: a killed backend is taken out within interval × threshold, and returns when restarted', async () => {
  const [a, b] = [await backend('127.0.0.25', 'a'), await backend('127.0.0.26', 'b')];
  const port = await freePort(LB);
  const events: ObservedEvent[] = [];
  const dp = plane(events);
  const hc = fastHealth({ intervalMs: 100, timeoutMs: 200, unhealthyThreshold: 3, healthyThreshold: 2 });
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { healthCheck: hc })], servers: [a.member(), b.member()] }));
  await waitFor(() => dp.healthStatus().every((r) => r.status === 'normal'), 15000, 'both normal');
  await a.stop();
  const took = await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'a')?.status === 'abnormal', 15000, 'a abnormal');
  // refused connects fail at once, so 3 failures need ≈ 3 × 100 ms; allow a loaded machine 2.5 s of slack
  assert.ok(took <= 3 * 100 + 2500, `took ${took} ms`);
  assert.deepEqual([...(await tally(LB, port, 6))], [['b', 6]]);
  assert.ok(events.some((e) => e.kind === 'health' && e.serverId === 'a' && e.status === 'abnormal'));
  await a.start(); // same port
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'a')?.status === 'normal', 15000, 'a back');
  const t = await tally(LB, port, 6);
  assert.equal(t.get('a'), 3);
  assert.equal(t.get('b'), 3);
  dp.destroy();
});

test('PersistenceTimeout: a source IP sticks to its backend; another source IP may go elsewhere', async () => {
  const [a, b] = [await backend('127.0.0.27', 'a'), await backend('127.0.0.28', 'b')];
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { persistenceTimeoutMs: 60_000 })], servers: [a.member(), b.member()] }));
  const t1 = await tally(LB, port, 8, '127.0.0.31');
  const t2 = await tally(LB, port, 8, '127.0.0.32');
  assert.equal(t1.size, 1);
  assert.equal(t2.size, 1);
  assert.notDeepEqual([...t1.keys()], [...t2.keys()]); // wrr alternates the first picks
  dp.destroy();
});

test('sch: the same source IP always reaches the same backend without persistence', async () => {
  const bs = [await backend('127.0.0.29', 'a'), await backend('127.0.0.30', 'b'), await backend('127.0.0.41', 'c')];
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { scheduler: 'sch' })], servers: bs.map((b) => b.member()) }));
  for (const src of ['127.0.0.33', '127.0.0.34', '127.0.0.35']) assert.equal((await tally(LB, port, 4, src)).size, 1);
  dp.destroy();
});

test('ACL: white list admits only its CIDRs, black list refuses them, an empty list filters nothing', async () => {
  const a = await backend('127.0.0.42', 'a');
  const port = await freePort(LB);
  const dp = plane();
  const acls = { 'acl-w': { aclId: 'acl-w', addressIPVersion: 'ipv4' as const, entries: ['127.0.0.36/32', '10.0.0.0/8'] }, 'acl-e': { aclId: 'acl-e', addressIPVersion: 'ipv4' as const, entries: [] } };
  const mk = (acl: { type: 'white' | 'black'; aclIds: string[] } | null) => snapshot({ address: LB, acls, listeners: [tcpListener(port, { acl })], servers: [a.member()] });
  await dp.apply(mk({ type: 'white', aclIds: ['acl-w'] }));
  assert.equal((await ask(LB, port, '127.0.0.36')).name, 'a');
  assert.ok((await ask(LB, port, '127.0.0.37')).error);
  await dp.apply(mk({ type: 'black', aclIds: ['acl-w'] }));
  assert.ok((await ask(LB, port, '127.0.0.36')).error);
  assert.equal((await ask(LB, port, '127.0.0.37')).name, 'a');
  await dp.apply(mk({ type: 'white', aclIds: ['acl-e'] }));
  assert.equal((await ask(LB, port, '127.0.0.37')).name, 'a');
  await dp.apply(mk({ type: 'black', aclIds: ['acl-e'] }));
  assert.equal((await ask(LB, port, '127.0.0.37')).name, 'a');
  assert.equal(dp.counters.read(`lb-test_tcp_${port}`)!.aclDenied, 2);
  dp.destroy();
});

test('ProxyProtocolV2: the backend reads a PROXY v2 header with the client and listener addresses first', async () => {
  const a = await backend('127.0.0.43', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { proxyProtocolV2: true })], servers: [a.member()] }));
  const s = net.connect({ host: LB, port, localAddress: '127.0.0.38' });
  await new Promise((r) => s.once('connect', r));
  const srcPort = s.localPort!;
  s.write('payload');
  await waitFor(() => a.firstBytes.length > 0 && a.firstBytes[0]!.includes('payload'), 15000, 'header + payload at the backend');
  const got = a.firstBytes[0]!;
  const h = parseProxyV2(got)!;
  assert.deepEqual(h, { transport: 'tcp', src: '127.0.0.38', srcPort, dst: LB, dstPort: port, length: 28 });
  // the exact bytes: signature, 0x21, 0x11 (TCP/IPv4), length 12, addresses, ports
  const expected = Buffer.concat([
    Buffer.from('0d0a0d0a000d0a515549540a', 'hex'),
    Buffer.from([0x21, 0x11, 0x00, 0x0c, 127, 0, 0, 38, 127, 0, 0, 20, srcPort >> 8, srcPort & 255, port >> 8, port & 255]),
  ]);
  assert.deepEqual(got.subarray(0, 28), expected);
  assert.equal(got.subarray(28).toString(), 'payload');
  s.destroy();
  dp.destroy();
});

test('ConnectionDrain: stopping the listener refuses new connections, keeps established ones until the drain timeout', async () => {
  const a = await backend('127.0.0.44', 'a');
  const port = await freePort(LB);
  const dp = plane();
  const l = tcpListener(port, { connectionDrain: { enabled: true, timeoutMs: 3000 } });
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member()] }));
  const held = net.connect(port, LB);
  held.on('error', () => {});
  await new Promise((r) => held.once('data', r));
  const closedAt = new Promise<number>((r) => held.once('close', () => r(Date.now())));
  const stoppedAt = Date.now();
  await dp.apply(snapshot({ address: LB, listeners: [{ ...l, status: 'stopped' }], servers: [a.member()] }));
  assert.equal((await ask(LB, port)).error, 'ECONNREFUSED');
  held.write('during-drain');
  assert.equal(await new Promise<string>((r) => held.once('data', (d) => r(d.toString()))), 'during-drain');
  const closed = await closedAt;
  assert.ok(closed - stoppedAt >= 2900, `closed after ${closed - stoppedAt} ms`);
  dp.destroy();
});

test('without drain, stopping the listener closes established connections at once', async () => {
  const a = await backend('127.0.0.45', 'a');
  const port = await freePort(LB);
  const dp = plane();
  const l = tcpListener(port);
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member()] }));
  const held = net.connect(port, LB);
  held.on('error', () => {});
  await new Promise((r) => held.once('data', r));
  const closed = new Promise((r) => held.once('close', r));
  await dp.apply(snapshot({ address: LB, listeners: [{ ...l, status: 'stopped' }], servers: [a.member()] }));
  await closed;
  dp.destroy();
});

test('master-slave: only the master is probed and serves; failover to the slave, automatic failback', async () => {
  const [m, s] = [await backend('127.0.0.46', 'master'), await backend('127.0.0.47', 'slave')];
  const port = await freePort(LB);
  const dp = plane();
  const groups = { 'rsp-ms': { serverGroupId: 'rsp-ms', kind: 'masterSlave' as const, servers: [m.member('master', 100, { serverType: 'Master' }), s.member('slave', 100, { serverType: 'Slave' })] } };
  await dp.apply(snapshot({ address: LB, groups, listeners: [tcpListener(port, { serverGroupId: 'rsp-ms', healthCheck: fastHealth() })] }));
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'master')?.status === 'normal', 15000, 'master normal');
  assert.equal(dp.healthStatus().find((r) => r.serverId === 'slave')?.state, 'standby');
  assert.deepEqual([...(await tally(LB, port, 4))], [['master', 4]]);
  const acceptedBySlave = s.accepted;
  await m.stop();
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'master')?.status === 'abnormal', 15000, 'master abnormal');
  assert.deepEqual([...(await tally(LB, port, 4))], [['slave', 4]]);
  assert.equal(s.accepted, acceptedBySlave + 4); // the slave was never probed
  await m.start();
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'master')?.status === 'normal', 15000, 'master back');
  assert.deepEqual([...(await tally(LB, port, 4))], [['master', 4]]);
  dp.destroy();
});

test('lifecycle: stopped or inactive/locked LB → no socket; running + active → bound; a taken port is reported failed', async () => {
  const a = await backend('127.0.0.48', 'a');
  const port = await freePort(LB);
  const events: ObservedEvent[] = [];
  const dp = plane(events);
  const l = tcpListener(port);
  await dp.apply(snapshot({ address: LB, listeners: [{ ...l, status: 'stopped' }], servers: [a.member()] }));
  assert.equal((await ask(LB, port)).error, 'ECONNREFUSED');
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member()], status: 'inactive' }));
  assert.equal((await ask(LB, port)).error, 'ECONNREFUSED');
  const r = await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member()] }));
  assert.deepEqual(r.bound, [l.listenerId]);
  assert.equal((await ask(LB, port)).name, 'a');
  assert.deepEqual(dp.listenerStates().map((x) => x.state), ['bound']);
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member()], status: 'locked' }));
  assert.equal((await ask(LB, port)).error, 'ECONNREFUSED');
  await dp.apply(snapshot({ address: LB, listeners: [], servers: [a.member()] }));
  // a port someone else holds
  const squatter = net.createServer();
  const port2 = await freePort(LB);
  await new Promise<void>((res) => squatter.listen(port2, LB, () => res()));
  const l2 = tcpListener(port2);
  const r2 = await dp.apply(snapshot({ address: LB, listeners: [l2], servers: [a.member()] }));
  assert.deepEqual(r2.failed, [{ listenerId: l2.listenerId, error: 'EADDRINUSE' }]);
  assert.equal(dp.listenerStates().find((x) => x.listenerId === l2.listenerId)?.state, 'failed');
  await new Promise<void>((res) => squatter.close(() => res()));
  const r3 = await dp.apply(snapshot({ address: LB, listeners: [l2], servers: [a.member()] }));
  assert.deepEqual(r3.bound, [l2.listenerId]);
  assert.ok(events.some((e) => e.kind === 'listener' && e.state === 'failed'));
  dp.destroy();
});

test('an invalid snapshot is rejected whole and changes nothing; an old version is ignored', async () => {
  const a = await backend('127.0.0.49', 'a');
  const port = await freePort(LB);
  const dp = plane();
  const good = snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member()] });
  await dp.apply(good);
  const bad = snapshot({ address: LB, listeners: [tcpListener(port, { serverGroupId: 'rsp-missing' })] });
  await assert.rejects(dp.apply(bad), /unknown server group rsp-missing/);
  assert.equal((await ask(LB, port)).name, 'a');
  const r = await dp.apply({ ...good, version: good.version - 1, loadBalancers: [] });
  assert.deepEqual(r.bound, []);
  assert.equal((await ask(LB, port)).name, 'a');
  dp.destroy();
});

test('EstablishedTimeout closes an idle connection', async () => {
  const a = await backend('127.0.0.50', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { establishedTimeoutMs: 300 })], servers: [a.member()] }));
  const s = net.connect(port, LB);
  s.on('error', () => {});
  await new Promise((r) => s.once('data', r));
  const t0 = Date.now();
  await new Promise((r) => s.once('close', r));
  assert.ok(Date.now() - t0 >= 250);
  dp.destroy();
});

test('Bandwidth caps the listener (8 Mbit/s ≈ 1 MB/s: 600 kB needs ≥ 0.4 s after the burst)', async () => {
  const a = await backend('127.0.0.51', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { bandwidth: 8 })], servers: [a.member()] }));
  const s = net.connect(port, LB);
  const total = 600_000;
  let got = 0;
  const t0 = Date.now();
  await new Promise<void>((resolve) => {
    s.on('data', (d) => {
      got += d.length;
      if (got >= total + 2) resolve();
    });
    s.write(Buffer.alloc(total, 1));
  });
  const took = Date.now() - t0;
  assert.ok(took >= 400, `600 kB echoed in ${took} ms`);
  s.destroy();
  dp.destroy();
});

test('close() drains and destroy() aborts; both idempotent', async () => {
  const a = await backend('127.0.0.52', 'a');
  const port = await freePort(LB);
  const dp = new DataPlane({ closeGraceMs: 5000 });
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member()] }));
  const s = net.connect(port, LB);
  s.on('error', () => {});
  await new Promise((r) => s.once('data', r));
  const closing = dp.close();
  assert.equal(dp.close(), closing);
  await waitFor(async () => (await ask(LB, port)).error === 'ECONNREFUSED', 3000, 'refused after close()');
  s.end(); // the client finishes on its own; close() resolves
  await closing;
  dp.destroy();
  dp.destroy();
  await assert.rejects(dp.apply(snapshot({ address: LB, listeners: [] })), /closed/);
});

test('fast path: 16 MiB of random bytes echo back intact, half-close travels both ways, byte counters add up', async () => {
  const { createHash, randomBytes } = await import('node:crypto');
  const a = await backend('127.0.0.53', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port)], servers: [a.member()] }));
  const data = randomBytes(16 * 1024 * 1024);
  const s = net.connect(port, LB);
  const h = createHash('sha256');
  let got = 0;
  let greet = true;
  const ended = new Promise<void>((r) => s.on('end', r));
  s.on('data', (d: Buffer) => {
    if (greet) {
      d = d.subarray(2); // "a\n"
      greet = false;
    }
    got += d.length;
    h.update(d);
  });
  s.end(data); // FIN after the data: the backend echoes everything, then ends (it ends on end)
  await ended;
  assert.equal(got, data.length);
  assert.equal(h.digest('hex'), createHash('sha256').update(data).digest('hex'));
  await waitFor(() => dp.counters.read(`lb-test_tcp_${port}`)!.activeConnections === 0, 15000, 'connection finished');
  const c = dp.counters.read(`lb-test_tcp_${port}`)!;
  assert.equal(c.bytesIn, data.length);
  assert.equal(c.bytesOut, data.length + 2);
  dp.destroy();
});

test('serverHealth answers in the API health view shape (listener port/protocol, server, backend port)', async () => {
  const a = await backend('127.0.0.54', 'a');
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [tcpListener(port, { healthCheck: fastHealth() })], servers: [a.member('i-a')] }));
  const key = { loadBalancerId: 'lb-test', listenerPort: port, protocol: 'TCP', serverId: 'i-a', port: a.port };
  await waitFor(() => dp.serverHealth(key) === 'normal', 15000, 'normal');
  assert.equal(dp.serverHealth({ ...key, port: 1 }), undefined);
  assert.equal(dp.serverHealth({ ...key, protocol: 'udp' }), undefined);
  await a.stop();
  await waitFor(() => dp.serverHealth(key) === 'abnormal', 15000, 'abnormal');
  dp.destroy();
});

test('IPv6 load balancer address: binds ::1, IPv6 ACL applies, PROXY v2 carries IPv6 addresses', async () => {
  const a = await backend('127.0.0.55', 'a');
  const s0 = net.createServer();
  await new Promise<void>((r) => s0.listen(0, '::1', () => r()));
  const port = (s0.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s0.close(() => r()));
  const dp = plane();
  const acls = { 'acl-6': { aclId: 'acl-6', addressIPVersion: 'ipv6' as const, entries: ['::1/128'] } };
  const s = snapshot({ address: '::1', acls, listeners: [tcpListener(port, { acl: { type: 'white', aclIds: ['acl-6'] }, proxyProtocolV2: true })], servers: [a.member()] });
  await dp.apply({ ...s, loadBalancers: [{ ...s.loadBalancers[0]!, addressIPVersion: 'ipv6' }] });
  const c = net.connect({ host: '::1', port });
  await new Promise((r) => c.once('connect', r));
  c.write('x');
  await waitFor(() => a.firstBytes.length > 0, 15000, 'bytes at the backend');
  const h = parseProxyV2(a.firstBytes[0]!)!;
  assert.equal(h.src, '::1');
  assert.equal(h.dst, '::1');
  assert.equal(h.dstPort, port);
  c.destroy();
  await dp.apply({ ...s, version: s.version + 1000, acls: { 'acl-6': { ...acls['acl-6'], entries: ['2001:db8::/32'] } } });
  assert.ok((await ask('::1', port)).error);
  dp.destroy();
});
