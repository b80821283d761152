// Deterministic runs end to end (docs/determinism.md): with the data plane on and the server clock
// frozen, health checks probe only when the clock is advanced; stopping a real backend and
// advancing through the health-check window turns it abnormal with no real waiting for the
// interval. And `openslb serve --seed N --freeze-clock T` with `openslb clock …` as a user runs them.
import { spawnServe, stopServe } from '../helpers/serve-process.js';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { opOk } from '../helpers/operator.js';
import { startTestServer } from '../helpers/server.js';
import { ask, freePort, healthOf, IPS, listenerStatus, REGION, registerInstances, TcpBackend, waitFor } from './helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('frozen clock: health checks run on advance; a stopped backend turns abnormal without waiting for the interval', async (t) => {
  const s = await startTestServer({ dataPlane: true, freezeClock: true });
  t.after(() => s.stop());
  const instances = await registerInstances(s, 'det');
  const a = await new TcpBackend(IPS[0], 'a').start();
  const b = await new TcpBackend(IPS[1], 'b').start(a.port).catch(() => new TcpBackend(IPS[1], 'b').start(0));
  t.after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
  });
  assert.equal(b.port, a.port, 'the default server group needs both backends on one port');
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION })) as { LoadBalancerId: string; Address: string };
  await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify(instances.map((id) => ({ ServerId: id, Weight: 100 }))) });
  const port = await freePort(lb.Address);
  // a 50-second interval: nothing would be probed again within this test without an advance
  await s.call('CreateLoadBalancerTCPListener', {
    RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, BackendServerPort: a.port, Bandwidth: -1,
    HealthCheckInterval: 50, HealthyThreshold: 2, UnhealthyThreshold: 3, HealthCheckConnectTimeout: 1,
  });
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'tcp' });
  await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, 'tcp')) === 'running', 10_000, 'listener running');
  const health = () => healthOf(s, lb.LoadBalancerId, port, 'tcp');
  assert.ok((await opOk(s, 'GET', '/clock'))['PendingTimers'] as number >= 2, 'the first probes wait for the clock');
  assert.deepEqual(Object.values(await health()), ['unavailable', 'unavailable'], 'no probe has run on a frozen clock');

  // the first probes are due now; the second ones 50 s later: healthy after two
  const first = await opOk(s, 'POST', '/clock/advance', { Ms: 0 });
  assert.ok((first['Fired'] as number) >= 2);
  await opOk(s, 'POST', '/clock/advance', { Seconds: 50 });
  assert.deepEqual(Object.values(await health()), ['normal', 'normal']);
  const seen = new Set<string>();
  await waitFor(async () => {
    const r = await ask(lb.Address, port);
    if (r.name) seen.add(r.name);
    return seen.size === 2;
  }, 10_000, 'both backends answer');

  // stop a: still normal (no probe runs by itself), abnormal after 3 intervals of server time
  await a.stop();
  assert.equal((await health())[instances[0]!], 'normal');
  const started = Date.now();
  const two = await opOk(s, 'POST', '/clock/advance', { Seconds: 100 });
  assert.equal((await health())[instances[0]!], 'normal', 'two failures are below the threshold of three');
  await opOk(s, 'POST', '/clock/advance', { Seconds: 50 });
  const took = Date.now() - started;
  const h = await health();
  assert.deepEqual([h[instances[0]!], h[instances[1]!]], ['abnormal', 'normal']);
  assert.ok(took < 20_000, `150 s of health checks took ${took} ms`);
  assert.equal(two['Jumped'], false);
  for (let i = 0; i < 6; i++) assert.equal((await ask(lb.Address, port)).name, 'b', 'all traffic on b');

  // a long advance is bounded: the firing limit, then a jump where every due timer runs once
  const longStarted = Date.now();
  const long = await opOk(s, 'POST', '/clock/advance', { Days: 40 });
  assert.equal(long['Jumped'], true);
  t.diagnostic(`150 s of health checks in ${took} ms; 40 days in ${Date.now() - longStarted} ms (${String(long['Fired'])} timers)`);
  await a.start();
  await opOk(s, 'POST', '/clock/advance', { Seconds: 100 });
  assert.equal((await health())[instances[0]!], 'normal', 'back after two good probes');
});

function serve(dir: string, extra: string[], moreEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const env = { ...process.env, ...moreEnv, OPENSLB_ACCESS_KEY_ID: 'LTAIdeterminismKey01', OPENSLB_ACCESS_KEY_SECRET: 'determinismSecret01', OPENSLB_OPERATOR_TOKEN: 'det-operator-token' };
  return spawnServe(['--data-dir', join(dir, 'data'), '--no-dataplane', ...extra], env);
}

const exit = stopServe;

test('openslb serve --seed --freeze-clock, then openslb clock show|advance|freeze|unfreeze', async () => {
  const runs: { lbs: string[]; requestIds: string[]; clock: Record<string, unknown>[] }[] = [];
  for (let run = 0; run < 2; run++) {
    const dir = mkdtempSync(join(tmpdir(), 'openslb-det-'));
    dirs.push(dir);
    const { child, url } = await serve(dir, ['--seed', '1234', '--freeze-clock', '2030-05-01T00:00:00Z']);
    try {
      const clock = async (...args: string[]) => {
        const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin', 'openslb.mjs'), 'clock', ...args, '--url', url, '--token', 'det-operator-token'], { cwd: root });
        return JSON.parse(stdout) as Record<string, unknown>;
      };
      const slb = new RPCClient({ accessKeyId: 'LTAIdeterminismKey01', accessKeySecret: 'determinismSecret01', endpoint: url, apiVersion: '2014-05-15' });
      const lbs: string[] = [];
      const requestIds: string[] = [];
      const seen: Record<string, unknown>[] = [];
      const shown = await clock('show');
      seen.push({ Now: shown['Now'], Frozen: shown['Frozen'] });
      for (const _ of [1, 2]) {
        const r = (await slb.request('CreateLoadBalancer', { RegionId: REGION })) as { LoadBalancerId: string; RequestId: string };
        lbs.push(r.LoadBalancerId);
        requestIds.push(r.RequestId);
      }
      const adv = await clock('advance', '3d');
      seen.push({ Now: adv['Now'], Frozen: adv['Frozen'] });
      const attr = (await slb.request('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lbs[1] })) as { CreateTime: string; RequestId: string };
      requestIds.push(attr.RequestId);
      assert.equal(attr.CreateTime, '2030-05-01T00:00Z');
      const r3 = (await slb.request('CreateLoadBalancer', { RegionId: REGION })) as { LoadBalancerId: string };
      assert.equal(((await slb.request('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: r3.LoadBalancerId })) as { CreateTime: string }).CreateTime, '2030-05-04T00:00Z');
      const set = await clock('freeze', '2030-06-01T00:00:00Z');
      seen.push({ Now: set['Now'], Frozen: set['Frozen'] });
      const un = await clock('unfreeze');
      assert.equal(un['Frozen'], false);
      runs.push({ lbs, requestIds, clock: seen });
    } finally {
      assert.equal(await exit(child), 0);
    }
  }
  assert.deepEqual(runs[1], runs[0]);
  assert.deepEqual(runs[0]!.clock, [
    { Now: '2030-05-01T00:00:00.000Z', Frozen: true },
    { Now: '2030-05-04T00:00:00.000Z', Frozen: true },
    { Now: '2030-06-01T00:00:00.000Z', Frozen: true },
  ]);
});

test('listener transitions measured by the server clock (OPENSLB_LISTENER_TRANSITION_MS): starting until advanced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-det-'));
  dirs.push(dir);
  const { child, url } = await serve(dir, ['--freeze-clock'], { OPENSLB_LISTENER_TRANSITION_MS: '60000' });
  try {
    const slb = new RPCClient({ accessKeyId: 'LTAIdeterminismKey01', accessKeySecret: 'determinismSecret01', endpoint: url, apiVersion: '2014-05-15' });
    const advance = async (seconds: number) => {
      const res = await fetch(`${url}/_openslb/clock/advance`, { method: 'POST', headers: { authorization: 'Bearer det-operator-token', 'content-type': 'application/json' }, body: JSON.stringify({ Seconds: seconds }) });
      assert.equal(res.status, 200);
    };
    const { LoadBalancerId } = (await slb.request('CreateLoadBalancer', { RegionId: REGION })) as { LoadBalancerId: string };
    const l = { RegionId: REGION, LoadBalancerId, ListenerPort: 8080 };
    await slb.request('CreateLoadBalancerTCPListener', { ...l, BackendServerPort: 80, Bandwidth: -1 });
    await slb.request('StartLoadBalancerListener', { ...l, ListenerProtocol: 'tcp' });
    const status = async () => ((await slb.request('DescribeLoadBalancerTCPListenerAttribute', l)) as { Status: string }).Status;
    assert.equal(await status(), 'starting');
    assert.equal(await status(), 'starting', 'no time passes on a frozen clock, however often one looks');
    await advance(59);
    assert.equal(await status(), 'starting');
    await advance(1);
    assert.equal(await status(), 'running');
  } finally {
    assert.equal(await exit(child), 0);
  }
});
