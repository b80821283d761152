// Health checking: the state machine, the checker on a manual clock (deterministic), and the
// real TCP/HTTP/UDP probers against loopback servers (127.0.0.80+).
import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { ManualClock } from '../../src/dataplane/clock.js';
import { HealthChecker, type HealthChange } from '../../src/dataplane/health/checker.js';
import { httpProber, tcpProber, udpProber } from '../../src/dataplane/health/probers.js';
import { nextHealth } from '../../src/dataplane/health/state-machine.js';
import { toApiStatus, type Prober } from '../../src/dataplane/health/types.js';
import { fastHealth, freePort, UdpBackend } from './helpers.js';

// every test has a deadline, so a failure can never leave the file's process hanging
const test = (name: string, fn: () => Promise<void> | void) => nodeTest(name, { timeout: 30_000 }, fn);

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

test('state machine: thresholds, streaks; initial is healthy after one success, unhealthy after the unhealthy threshold', () => {
  let h = { state: 'initial' as const, streak: 0 } as ReturnType<typeof nextHealth>;
  h = nextHealth(h, true, 3, 2);
  assert.equal(h.state, 'healthy');
  h = nextHealth(h, false, 3, 2);
  assert.equal(h.state, 'failing');
  h = nextHealth(h, true, 3, 2);
  assert.equal(h.state, 'healthy'); // a success resets the failure streak
  h = nextHealth(nextHealth(h, false, 3, 2), false, 3, 2);
  assert.equal(h.state, 'unhealthy');
  h = nextHealth(h, true, 3, 2);
  assert.equal(h.state, 'recovering');
  h = nextHealth(h, false, 3, 2);
  assert.equal(h.state, 'unhealthy');
  h = nextHealth(nextHealth(nextHealth(h, true, 3, 2), true, 3, 2), true, 3, 2);
  assert.equal(h.state, 'healthy');
  let i = nextHealth({ state: 'initial', streak: 0 }, false, 3, 3);
  assert.deepEqual(i, { state: 'initial', streak: 1 });
  i = nextHealth(nextHealth(i, false, 3, 3), false, 3, 3);
  assert.equal(i.state, 'unhealthy');
});

test('API mapping: normal / abnormal / unavailable', () => {
  assert.equal(toApiStatus('healthy'), 'normal');
  assert.equal(toApiStatus('failing'), 'normal');
  assert.equal(toApiStatus('unhealthy'), 'abnormal');
  assert.equal(toApiStatus('recovering'), 'abnormal');
  assert.equal(toApiStatus('initial'), 'unavailable');
  assert.equal(toApiStatus('disabled'), 'unavailable');
  assert.equal(toApiStatus('standby'), 'unavailable');
});

test('checker on a manual clock: out after exactly unhealthyThreshold intervals, back after healthyThreshold', async () => {
  const clock = new ManualClock();
  let up = true;
  const probes: number[] = [];
  const fake: Prober = { type: 'tcp', probe: async () => (probes.push(clock.now()), { ok: up, reason: up ? undefined : 'ECONNREFUSED' }) };
  const changes: HealthChange[] = [];
  const cfg = fastHealth({ intervalMs: 2000, healthyThreshold: 3, unhealthyThreshold: 3 });
  const c = new HealthChecker(cfg, { tcp: fake, http: fake, udp: fake }, clock, (x) => changes.push(x));
  c.sync([{ key: 'a', target: { ip: '127.0.0.1', port: 1 }, probed: true }], cfg);
  await clock.advance(0);
  assert.equal(c.state('a'), 'healthy');
  up = false;
  await clock.advance(2000);
  assert.equal(c.state('a'), 'failing');
  await clock.advance(2000);
  assert.equal(c.state('a'), 'failing');
  await clock.advance(2000);
  assert.equal(c.state('a'), 'unhealthy'); // 3 × interval after the failure began
  assert.equal(c.reason('a'), 'ECONNREFUSED');
  up = true;
  await clock.advance(4000);
  assert.equal(c.state('a'), 'recovering');
  await clock.advance(2000);
  assert.equal(c.state('a'), 'healthy');
  assert.deepEqual(probes, [0, 2000, 4000, 6000, 8000, 10000, 12000]);
  assert.deepEqual(
    changes.map((x) => x.state),
    ['healthy', 'failing', 'unhealthy', 'recovering', 'healthy'],
  );
  // switching the check off: no more probes, state `disabled`
  c.sync([{ key: 'a', target: { ip: '127.0.0.1', port: 1 }, probed: true }], { ...cfg, enabled: false });
  assert.equal(c.state('a'), 'disabled');
  await clock.advance(10_000);
  assert.equal(probes.length, 7);
  c.close();
  assert.equal(clock.pending(), 0);
});

test('checker: a slow probe never overlaps the next; the next starts interval after it ends', async () => {
  const clock = new ManualClock();
  const starts: number[] = [];
  const slow: Prober = {
    type: 'tcp',
    probe: () => {
      starts.push(clock.now());
      return new Promise((r) => clock.setTimeout(() => r({ ok: false, reason: 'timeout' }), 500));
    },
  };
  const cfg = fastHealth({ intervalMs: 1000, timeoutMs: 500 });
  const c = new HealthChecker(cfg, { tcp: slow, http: slow, udp: slow }, clock, () => {});
  c.sync([{ key: 'a', target: { ip: '127.0.0.1', port: 1 }, probed: true }], cfg);
  await clock.advance(4600);
  assert.deepEqual(starts, [0, 1500, 3000, 4500]);
  c.close();
});

test('tcp prober: listening → ok, closed port → ECONNREFUSED', async () => {
  const s = net.createServer((c) => c.destroy());
  await new Promise<void>((r) => s.listen(0, '127.0.0.80', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  assert.deepEqual(await tcpProber.probe({ ip: '127.0.0.80', port }, fastHealth({ timeoutMs: 3000 })), { ok: true });
  const closed = await freePort('127.0.0.81');
  assert.deepEqual(await tcpProber.probe({ ip: '127.0.0.81', port: closed }, fastHealth({ timeoutMs: 3000 })), { ok: false, reason: 'ECONNREFUSED' });
});

test('http prober: method, URI, Host (domain or server IP), accepted status classes, timeout', async () => {
  const seen: { method?: string; url?: string; host?: string }[] = [];
  let status = 200;
  let hang = false;
  const s = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, host: req.headers.host });
    if (hang) return;
    res.statusCode = status;
    res.end('x');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.82', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  cleanups.push(() => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))));
  const cfg = (httpCodes: ('http_2xx' | 'http_3xx' | 'http_4xx' | 'http_5xx')[], domain: string | null = null, timeoutMs = 3000) =>
    fastHealth({ type: 'http', timeoutMs, http: { method: 'get', uri: '/health?x=1', domain, httpCodes } });
  assert.deepEqual(await httpProber.probe({ ip: '127.0.0.82', port }, cfg(['http_2xx'], 'svc.example.com')), { ok: true });
  assert.deepEqual(seen[0], { method: 'GET', url: '/health?x=1', host: 'svc.example.com' });
  status = 404;
  assert.deepEqual(await httpProber.probe({ ip: '127.0.0.82', port }, cfg(['http_2xx', 'http_3xx'])), { ok: false, reason: 'status 404' });
  assert.equal(seen[1]!.host, '127.0.0.82');
  assert.deepEqual(await httpProber.probe({ ip: '127.0.0.82', port }, cfg(['http_4xx'])), { ok: true });
  status = 302;
  assert.deepEqual(await httpProber.probe({ ip: '127.0.0.82', port }, cfg(['http_3xx'])), { ok: true });
  hang = true;
  assert.deepEqual(await httpProber.probe({ ip: '127.0.0.82', port }, cfg(['http_2xx'], null, 300)), { ok: false, reason: 'timeout' });
  const head = await httpProber.probe({ ip: '127.0.0.82', port: await freePort('127.0.0.83') }, fastHealth({ type: 'http', http: { method: 'head', uri: '/', domain: null, httpCodes: ['http_2xx'] } }));
  assert.equal(head.ok, false);
});

test('udp prober: expected reply → ok; wrong reply → timeout; closed port → ECONNREFUSED; no expectation + silence → ok', async () => {
  const b = await new UdpBackend('127.0.0.84', 'b').start();
  cleanups.push(() => b.stop());
  const t = { ip: '127.0.0.84', port: b.port };
  assert.deepEqual(await udpProber.probe(t, fastHealth({ type: 'udp', timeoutMs: 3000, udp: { request: 'ping', expect: 'pong-b' } })), { ok: true });
  assert.deepEqual(await udpProber.probe(t, fastHealth({ type: 'udp', timeoutMs: 200, udp: { request: 'ping', expect: 'other' } })), { ok: false, reason: 'timeout' });
  const closed = await freePort('127.0.0.85', 'udp');
  assert.deepEqual(await udpProber.probe({ ip: '127.0.0.85', port: closed }, fastHealth({ type: 'udp', timeoutMs: 3000, udp: { request: 'ping', expect: '' } })), { ok: false, reason: 'ECONNREFUSED' });
  const silent = await import('node:dgram').then((d) => d.createSocket('udp4'));
  await new Promise<void>((r) => silent.bind(0, '127.0.0.86', () => r()));
  cleanups.push(() => void silent.close());
  assert.deepEqual(await udpProber.probe({ ip: '127.0.0.86', port: silent.address().port }, fastHealth({ type: 'udp', timeoutMs: 200, udp: { request: 'x', expect: '' } })), { ok: true });
});
