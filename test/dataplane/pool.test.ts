// BackendPool on a manual clock with scripted probers: eligibility, master-slave roles, drain
// timers, persistence expiry — deterministic, no sockets.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/dataplane/clock.js';
import type { Prober } from '../../src/dataplane/health/types.js';
import { BackendPool, type PoolConfig } from '../../src/dataplane/pool.js';
import type { BackendServerSnapshot } from '../../src/dataplane/snapshot.js';
import { fastHealth, noHealth } from './helpers.js';

// every test has a deadline, so a failure can never leave the file's process hanging
const test = (name: string, fn: () => Promise<void> | void) => nodeTest(name, { timeout: 30_000 }, fn);

const srv = (id: string, weight = 100, extra: Partial<BackendServerSnapshot> = {}): BackendServerSnapshot => ({ serverId: id, ip: '10.0.0.1', port: 80 + id.charCodeAt(0), weight, type: 'ecs', ...extra });
const ctx = (ip = '1.1.1.1') => ({ srcIp: ip, srcPort: 1000, dstIp: '2.2.2.2', dstPort: 80 });

function setup(servers: BackendServerSnapshot[], over: Partial<PoolConfig> = {}) {
  const clock = new ManualClock();
  const down = new Set<number>();
  const probed: number[] = [];
  const prober: Prober = { type: 'tcp', probe: async (t) => (probed.push(t.port), { ok: !down.has(t.port) }) };
  const cfg: PoolConfig = {
    group: { serverGroupId: 'g', kind: 'vserver', servers },
    backendServerPort: null,
    healthCheck: fastHealth({ intervalMs: 1000, healthyThreshold: 2, unhealthyThreshold: 2 }),
    scheduler: 'wrr',
    persistenceTimeoutMs: 0,
    drain: { enabled: false, timeoutMs: 0 },
    ...over,
  };
  const pool = new BackendPool(cfg, clock, { tcp: prober, http: prober, udp: prober });
  return { pool, clock, down, probed, cfg };
}

test('eligibility: weight 0 and unhealthy members get nothing; all ineligible → undefined', async () => {
  const { pool, clock, down } = setup([srv('a'), srv('b', 0)]);
  await clock.advance(0);
  assert.deepEqual(pool.eligibleMembers().map((m) => m.serverId), ['a']);
  down.add(srv('a').port!);
  await clock.advance(2000);
  assert.equal(pool.pick(ctx()), undefined);
  down.clear();
  await clock.advance(1000);
  assert.equal(pool.pick(ctx()), undefined); // recovering: one success of two
  await clock.advance(1000);
  assert.equal(pool.pick(ctx())?.serverId, 'a');
  pool.close();
});

test('master-slave: only the master is probed; roles can swap in an update', async () => {
  const m = srv('m', 100, { serverType: 'Master' });
  const s = srv('s', 100, { serverType: 'Slave' });
  const { pool, clock, down, probed, cfg } = setup([m, s], { group: { serverGroupId: 'g', kind: 'masterSlave', servers: [m, s] } });
  await clock.advance(3000);
  assert.ok(probed.every((p) => p === m.port));
  assert.equal(pool.pick(ctx())?.serverId, 'm');
  down.add(m.port!);
  await clock.advance(2000);
  assert.equal(pool.pick(ctx())?.serverId, 's');
  // swap: s becomes the master (probed, healthy), m the slave
  pool.update({ ...cfg, group: { serverGroupId: 'g', kind: 'masterSlave', servers: [{ ...m, serverType: 'Slave' }, { ...s, serverType: 'Master' }] } });
  await clock.advance(0);
  assert.equal(pool.pick(ctx())?.serverId, 's');
  assert.equal(pool.members().find((x) => x.serverId === 'm')?.health, 'standby');
  probed.length = 0;
  await clock.advance(3000);
  assert.ok(probed.length > 0 && probed.every((p) => p === s.port));
  pool.close();
});

test('drain: removal closes at once without drain, after the timeout with it; weight 0 drains only with drain on', async () => {
  const conn = () => {
    const c = { destroyed: false, destroy: () => void (c.destroyed = true) };
    return c;
  };
  {
    const { pool, cfg } = setup([srv('a'), srv('b')], { healthCheck: noHealth });
    const c = conn();
    pool.track(pool.members()[0]!, c);
    pool.update({ ...cfg, group: { ...cfg.group, servers: [srv('b')] } });
    assert.equal(c.destroyed, true);
    pool.close();
  }
  {
    const { pool, clock, cfg } = setup([srv('a'), srv('b')], { healthCheck: noHealth, drain: { enabled: true, timeoutMs: 5000 } });
    const c = conn();
    const c2 = conn();
    pool.track(pool.members()[0]!, c);
    pool.track(pool.members()[1]!, c2);
    pool.update({ ...cfg, group: { ...cfg.group, servers: [srv('b', 0)] } });
    await clock.advance(4999);
    assert.equal(c.destroyed, false);
    assert.equal(c2.destroyed, false);
    await clock.advance(1);
    assert.equal(c.destroyed, true);
    assert.equal(c2.destroyed, true); // weight 0 with drain on: closed at the timeout too
    pool.close();
  }
  {
    const { pool, clock, cfg } = setup([srv('a')], { healthCheck: noHealth });
    const c = conn();
    pool.track(pool.members()[0]!, c);
    pool.update({ ...cfg, group: { ...cfg.group, servers: [srv('a', 0)] } });
    await clock.advance(1_000_000);
    assert.equal(c.destroyed, false); // weight 0 without drain: established connections stay
    pool.close();
  }
});

test('persistence: sticks until the timeout, re-picks when the member is no longer eligible', async () => {
  const { pool, clock, cfg } = setup([srv('a'), srv('b')], { healthCheck: noHealth, persistenceTimeoutMs: 10_000 });
  const first = pool.pick(ctx('9.9.9.9'))!.serverId;
  for (let i = 0; i < 5; i++) assert.equal(pool.pick(ctx('9.9.9.9'))!.serverId, first);
  await clock.advance(10_001);
  // expired: the next pick follows wrr (which moved on), then sticks again
  const second = pool.pick(ctx('9.9.9.9'))!.serverId;
  assert.equal(pool.pick(ctx('9.9.9.9'))!.serverId, second);
  pool.update({ ...cfg, group: { ...cfg.group, servers: [srv('a', second === 'a' ? 0 : 100), srv('b', second === 'b' ? 0 : 100)] } });
  assert.notEqual(pool.pick(ctx('9.9.9.9'))!.serverId, second);
  pool.close();
});
