// The pieces of the worker-process data plane that need no worker: the snapshot delta (what crosses
// IPC and how a worker rebuilds each version around the objects it holds), the health feed (pools
// that read health instead of probing), and access-log files appended by several processes while
// one rotates them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AccessLogRotator } from '../../src/dataplane/access-log.js';
import { ManualClock } from '../../src/dataplane/clock.js';
import { HealthFeed, poolKey } from '../../src/dataplane/health/feed.js';
import { BackendPool, memberKey } from '../../src/dataplane/pool.js';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import type { LoadBalancerSnapshot, Snapshot } from '../../src/dataplane/snapshot.js';
import { snapshotDelta, SnapshotAssembler, type SnapshotDelta } from '../../src/dataplane/worker/ipc.js';
import { fastHealth, tcpListener } from './helpers.js';

const lb = (i: number, port = 80): LoadBalancerSnapshot => ({
  loadBalancerId: `lb-${i}`,
  address: `127.9.${i >> 8}.${i & 255}`,
  addressIPVersion: 'ipv4',
  status: 'active',
  serverGroups: { 'rsp-a': { serverGroupId: 'rsp-a', kind: 'vserver', servers: [{ serverId: 'i-1', ip: '127.0.0.2', port: 8080, weight: 100, type: 'ecs' as const }] } },
  listeners: [tcpListener(port, {}, `lb-${i}`)],
});

const snap = (version: number, lbs: LoadBalancerSnapshot[], acls: Snapshot['acls'] = {}): Snapshot => ({ version, loadBalancers: lbs, acls, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {} });
/** what IPC does to a message (JSON serialization) */
const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('snapshot delta: only changed load balancers cross; the worker keeps the objects of the others', () => {
  const lbs = Array.from({ length: 5 }, (_, i) => lb(i));
  const v1 = snap(1, lbs, { 'acl-1': { aclId: 'acl-1', entries: [] } as never });
  const w = new SnapshotAssembler();
  const got1 = w.full(wire(v1));
  // one load balancer changed (a new object), one removed, one added; an ACL replaced, one added
  const v2 = snap(2, [lbs[0]!, lb(1, 81), lbs[3]!, lbs[4]!, lb(9)], { 'acl-1': { aclId: 'acl-1', entries: [{ cidr: '10.0.0.0/8' }] } as never, 'acl-2': { aclId: 'acl-2', entries: [] } as never });
  const d = snapshotDelta(v1, v2);
  assert.deepEqual(d.changed.map((x) => x.loadBalancerId), ['lb-1', 'lb-9']);
  assert.deepEqual(d.order, ['lb-0', 'lb-1', 'lb-3', 'lb-4', 'lb-9']);
  assert.deepEqual(Object.keys(d.tables.acls!.set).sort(), ['acl-1', 'acl-2']);
  const got2 = w.apply(wire(d));
  assert.deepEqual(got2, wire(v2));
  assert.equal(got2.loadBalancers[0], got1.loadBalancers[0], 'unchanged: the same object as before');
  assert.equal(got2.loadBalancers[2], got1.loadBalancers[3]);
  assert.notEqual(got2.loadBalancers[1], got1.loadBalancers[1]);
  assert.equal(got2.serverCertificates, got1.serverCertificates, 'an unchanged table is the same object');
  // nothing changed but the version: nothing crosses but the version
  const v3 = { ...v2, version: 3 };
  const d3 = snapshotDelta(v2, v3);
  assert.deepEqual(d3, { version: 3, base: 2, order: null, changed: [], tables: {} });
  const got3 = w.apply(wire(d3));
  assert.equal(got3.loadBalancers, got2.loadBalancers);
  // an ACL removed
  const v4 = { ...v3, version: 4, acls: { 'acl-2': v3.acls['acl-2']! } };
  const got4 = w.apply(wire(snapshotDelta(v3, v4)));
  assert.deepEqual(Object.keys(got4.acls), ['acl-2']);
  // out of order: refused, never a wrong snapshot
  assert.throws(() => w.apply(wire(d as SnapshotDelta)), /based on v1, this worker holds v4/);
});

test('snapshot delta at 5 000 listeners: the size of what crosses IPC', () => {
  const lbs = Array.from({ length: 5000 }, (_, i) => lb(i));
  const v1 = snap(1, lbs);
  const full = Buffer.byteLength(JSON.stringify({ t: 'snapshot', snapshot: v1 }));
  const one = [...lbs];
  one[1234] = lb(1234, 81);
  const d = Buffer.byteLength(JSON.stringify({ t: 'delta', delta: snapshotDelta(v1, snap(2, one)) }));
  const added = Buffer.byteLength(JSON.stringify({ t: 'delta', delta: snapshotDelta(v1, snap(2, [...lbs, lb(5000)])) }));
  console.log(`# 5 000 listeners: full snapshot ${(full / 1024).toFixed(0)} KiB; delta for one changed load balancer ${d} B, for one added ${(added / 1024).toFixed(0)} KiB`);
  assert.ok(d < 2048, `one change costs one load balancer (${d} B)`);
  assert.ok(full > 100 * d);
});

test('health feed: a worker pool reads states published by the control process and hears changes', () => {
  const feed = new HealthFeed();
  const clock = new ManualClock();
  const group = { serverGroupId: 'g', kind: 'vserver' as const, servers: [{ serverId: 'i-1', ip: '127.0.0.2', port: 80, weight: 100, type: 'ecs' as const }, { serverId: 'i-2', ip: '127.0.0.3', port: 80, weight: 100, type: 'ecs' as const }] };
  const cfg = { group, backendServerPort: null, healthCheck: fastHealth(), scheduler: 'wrr' as const, persistenceTimeoutMs: 0, drain: { enabled: false, timeoutMs: 0 } };
  const pk = poolKey('lb_tcp_80', null);
  // a state published before the pool exists is read when it does
  feed.set(pk, memberKey('i-2', '127.0.0.3', 80), 'unhealthy');
  const pool = new BackendPool(cfg, clock, (_, onChange) => feed.attach(pk, onChange));
  assert.deepEqual(pool.members().map((m) => m.health), ['initial', 'unhealthy']);
  assert.deepEqual(pool.eligibleMembers().map((m) => m.serverId), ['i-1']);
  feed.set(pk, memberKey('i-1', '127.0.0.2', 80), 'unhealthy');
  feed.set(pk, memberKey('i-2', '127.0.0.3', 80), 'healthy');
  assert.deepEqual(pool.eligibleMembers().map((m) => m.serverId), ['i-2']);
  // the control process's checker stopped (listener re-created): back to "not checked yet"
  feed.forgetListener('lb_tcp_80');
  assert.deepEqual(pool.members().map((m) => m.health), ['initial', 'initial']);
  // health check off: disabled whatever was published
  pool.update({ ...cfg, healthCheck: fastHealth({ enabled: false }) });
  assert.deepEqual(pool.members().map((m) => m.health), ['disabled', 'disabled']);
  assert.equal(clock.pending(), 0, 'nothing probed, nothing scheduled');
  pool.close();
});

test('health feed: forgetting a listener drops its pools (every rule\'s) and only its, without walking the others', () => {
  const feed = new HealthFeed();
  for (let i = 0; i < 3000; i++) feed.set(poolKey(`lb${i}_http_80`, null), 'm', 'healthy');
  feed.set(poolKey('lb7_http_80', 'rule-1'), 'm', 'unhealthy');
  feed.set(poolKey('lb7_http_8080', null), 'm', 'unhealthy');
  assert.equal(feed.entries().length, 3002);
  feed.forgetListener('lb7_http_80');
  const left = feed.entries().map(([k]) => k);
  assert.equal(left.length, 3000);
  assert.ok(!left.some((k) => k.startsWith('lb7_http_80|')), 'both pools of the listener are gone');
  assert.ok(left.includes(poolKey('lb7_http_8080', null)), 'another port of the same load balancer stays');
  feed.forgetListener('lb7_http_80'); // again: nothing to do
  feed.set(poolKey('lb7_http_80', null), 'm', 'healthy'); // re-created
  assert.equal(feed.entries().length, 3001);
  // forgetting every listener one by one stays linear (a walk over every pool per listener was 0.57 s at 5 000)
  for (let i = 0; i < 3000; i++) feed.forgetListener(`lb${i}_http_80`);
  assert.deepEqual(feed.entries().map(([k]) => k), [poolKey('lb7_http_8080', null)]);
});

test('access logs: two processes append to one file while a third rotates it; no line is torn or lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-shared-log-'));
  try {
    const LINES = 4000;
    const keep = 1000; // enough that nothing is dropped: every line must be found
    const accessLog = pathToFileURL(fileURLToPath(new URL('../../src/dataplane/access-log.ts', import.meta.url))).href;
    const script = join(dir, 'writer.mjs');
    writeFileSync(
      script,
      `const { AccessLogs } = await import(${JSON.stringify(accessLog)});
const logs = new AccessLogs({ dir: process.argv[2], shared: true, flushMs: 1 });
const f = logs.file('proj', 'store');
const pad = 'x'.repeat(200);
for (let i = 0; i < ${LINES}; i++) {
  f.append(JSON.stringify({ w: process.argv[3], i, pad }));
  if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
}
await logs.close();
`,
    );
    const logDir = join(dir, 'logs');
    const rotator = new AccessLogRotator({ dir: logDir, maxBytes: 64 * 1024, keep }, 5);
    const run = (id: string) =>
      new Promise<void>((resolve, reject) => {
        const c = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, logDir, id], { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'inherit', 'inherit'] });
        c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${id} exited ${code}`))));
      });
    await Promise.all([run('a'), run('b')]);
    rotator.close();
    const files = readdirSync(join(logDir, 'proj'));
    assert.ok(files.length > 5, `rotated several times (${files.length} files)`);
    const seen = { a: new Set<number>(), b: new Set<number>() };
    for (const f of files) {
      const text = readFileSync(join(logDir, 'proj', f), 'utf8');
      assert.ok(text.endsWith('\n'));
      for (const line of text.slice(0, -1).split('\n')) {
        const o = JSON.parse(line) as { w: 'a' | 'b'; i: number; pad: string };
        assert.equal(o.pad.length, 200);
        assert.ok(!seen[o.w].has(o.i), 'no line twice');
        seen[o.w].add(o.i);
      }
    }
    assert.equal(seen.a.size, LINES);
    assert.equal(seen.b.size, LINES);
    // with a small keep, the count of files stays keep + 1
    const dir2 = join(dir, 'small');
    const small = new AccessLogRotator({ dir: dir2, maxBytes: 64 * 1024, keep: 2 }, 60_000);
    for (let i = 0; i < 5; i++) {
      mkdirSync(join(dir2, 'p'), { recursive: true });
      writeFileSync(join(dir2, 'p', 's.log'), `${i}`.repeat(70 * 1024));
      small.check();
    }
    small.close();
    assert.deepEqual(readdirSync(join(dir2, 'p')).sort(), ['s.log.1', 's.log.2']);
    assert.equal(readFileSync(join(dir2, 'p', 's.log.1'), 'utf8')[0], '4');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('health checks: 200 listeners over the same 2 servers probe 2 targets per interval, not 400; each pool keeps its own state', async () => {
  const clock = new ManualClock();
  const probes = new Map<string, number>();
  const down = new Set(['127.0.0.3']);
  const fake = {
    type: 'tcp' as const,
    probe: async (t: { ip: string; port: number }) => {
      probes.set(t.ip, (probes.get(t.ip) ?? 0) + 1);
      return down.has(t.ip) ? { ok: false, reason: 'ECONNREFUSED' } : { ok: true };
    },
  };
  const events: string[] = [];
  // headless: pools and health checks, no socket (the control process of a worker pool)
  const plane = new DataPlane({ headless: true, clock, probers: { tcp: fake, http: fake, udp: fake }, observer: { report: (e) => void (e.kind === 'health' && events.push(`${e.listenerId} ${e.ip} ${e.state}`)) } });
  const servers = [
    { serverId: 'i-1', ip: '127.0.0.2', port: 80, weight: 100, type: 'ecs' as const },
    { serverId: 'i-2', ip: '127.0.0.3', port: 80, weight: 100, type: 'ecs' as const },
  ];
  const listeners = Array.from({ length: 200 }, (_, i) => tcpListener(10_000 + i, { healthCheck: fastHealth({ intervalMs: 1000 }) }));
  await plane.apply({ version: 1, loadBalancers: [{ loadBalancerId: 'lb-test', address: '127.0.0.1', addressIPVersion: 'ipv4', status: 'active', serverGroups: { 'rsp-a': { serverGroupId: 'rsp-a', kind: 'vserver', servers } }, listeners }], acls: {}, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {} });
  await clock.advance(10_000);
  const total = [...probes.values()].reduce((a, b) => a + b, 0);
  // one probe per target at start and per interval after: ~2 × 11, whatever the number of listeners
  assert.ok(total <= 2 * 12, `${total} probes`);
  // every pool went through its own state machine: 200 listeners saw the second server go unhealthy
  assert.equal(events.filter((e) => e.endsWith('127.0.0.3 unhealthy')).length, 200);
  assert.equal(events.filter((e) => e.endsWith('127.0.0.2 healthy')).length, 200);
  assert.equal(plane.healthStatus().filter((r) => r.status === 'abnormal').length, 200);
  plane.destroy();
});
