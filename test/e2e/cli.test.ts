// `npm start` as a user runs it: `node bin/openslb.mjs serve` (data plane on by default, in one
// worker process per CPU) with a
// world file registering two backend instances; pop-core creates a load balancer, an HTTP listener
// with both backends in the default server group, starts it, and plain HTTP requests to the
// reported Address:port reach both. Stopping one backend moves all traffic to the other and
// DescribeHealthStatus shows it abnormal. SIGTERM closes the listener. `--no-dataplane` binds nothing.
import { spawnServe, stopServe } from '../helpers/serve-process.js';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { accepts, freePort, HttpBackend, IPS, REGION, tallyHttp, waitFor } from './helpers.js';

const KEY = { id: 'LTAIe2eCliKey000001', secret: 'e2eCliSecret0001' };
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function serve(dir: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const env = { ...process.env, OPENSLB_ACCESS_KEY_ID: KEY.id, OPENSLB_ACCESS_KEY_SECRET: KEY.secret, OPENSLB_OPERATOR_TOKEN: 'e2e-operator-token' };
  return spawnServe(['--data-dir', join(dir, 'data'), '--world', join(dir, 'world.json'), ...extra], env);
}

const exit = stopServe;

test('npm start: an HTTP listener with two backends moves real traffic, fails over, closes on SIGTERM', async () => {
  const a = await new HttpBackend(IPS[0], 'a').start();
  // the default server group sends every member traffic on BackendServerPort: same port on both
  const b = await new HttpBackend(IPS[1], 'b').start(a.port);
  const dir = mkdtempSync(join(tmpdir(), 'openslb-e2e-cli-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'world.json'),
    JSON.stringify({
      Instances: [
        { InstanceId: 'i-web-a', RegionId: REGION, PrivateIpAddress: IPS[0] },
        { InstanceId: 'i-web-b', RegionId: REGION, PrivateIpAddress: IPS[1] },
      ],
    }),
  );
  const { child, url } = await serve(dir);
  try {
    const api = new RPCClient({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, endpoint: url, apiVersion: '2014-05-15' });
    const call = (action: string, params: Record<string, unknown>) => api.request(action, { RegionId: REGION, ...params }, { method: 'POST' }) as Promise<Record<string, unknown>>;
    const lb = (await call('CreateLoadBalancer', { LoadBalancerName: 'quick-start' })) as { LoadBalancerId: string; Address: string };
    await call('AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: 'i-web-a', Weight: 100 }, { ServerId: 'i-web-b', Weight: 100 }]) });
    const port = await freePort(lb.Address);
    await call('CreateLoadBalancerHTTPListener', {
      LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, BackendServerPort: a.port, Bandwidth: -1, StickySession: 'off',
      HealthCheck: 'on', HealthCheckInterval: 1, HealthyThreshold: 2, UnhealthyThreshold: 2, HealthCheckTimeout: 1,
    });
    await call('StartLoadBalancerListener', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'http' });
    const target = `http://${lb.Address}:${port}/`;
    await waitFor(() => accepts(lb.Address, port), 10_000, 'listener bound');
    const t = await tallyHttp(target, 10);
    // one data-plane worker per CPU, each alternating a, b on its own (docs/dataplane.md, "Worker
    // processes"): both answer, and a worker that took an odd count tips the split by one
    const [na = 0, nb = 0] = [t.get('a'), t.get('b')];
    assert.equal(na + nb, 10, `${[...t]}`);
    assert.ok(na > 0 && nb > 0 && Math.abs(na - nb) <= availableParallelism(), `${[...t]}`);

    const health = async () =>
      Object.fromEntries(
        ((await call('DescribeHealthStatus', { LoadBalancerId: lb.LoadBalancerId })) as { BackendServers: { BackendServer: { ServerId: string; ServerHealthStatus: string }[] } }).BackendServers.BackendServer.map((x) => [
          x.ServerId,
          x.ServerHealthStatus,
        ]),
      );
    await waitFor(async () => (await health())['i-web-b'] === 'normal', 15_000, 'b normal');
    await b.stop();
    await waitFor(async () => (await health())['i-web-b'] === 'abnormal', 15_000, 'b abnormal');
    assert.deepEqual([...(await tallyHttp(target, 6))], [['a', 6]]);

    assert.equal(await exit(child), 0);
    assert.equal(await accepts(lb.Address, port), false, 'SIGTERM closed the listener');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.allSettled([a.stop(), b.stop()]);
  }
});

test('serve --no-dataplane: API only, nothing is bound, transitions complete at the second look', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-e2e-cli-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'world.json'), JSON.stringify({ Instances: [] }));
  const { child, url } = await serve(dir, ['--no-dataplane']);
  try {
    const api = new RPCClient({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, endpoint: url, apiVersion: '2014-05-15' });
    const call = (action: string, params: Record<string, unknown>) => api.request(action, { RegionId: REGION, ...params }, { method: 'POST' }) as Promise<Record<string, unknown>>;
    const lb = (await call('CreateLoadBalancer', { LoadBalancerName: 'api-only' })) as { LoadBalancerId: string; Address: string };
    const port = await freePort(lb.Address);
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, BackendServerPort: 80, Bandwidth: -1 });
    await call('StartLoadBalancerListener', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'tcp' });
    const status = async () => ((await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: port })) as { Status: string }).Status;
    assert.equal(await status(), 'starting');
    assert.equal(await status(), 'running');
    assert.equal(await accepts(lb.Address, port), false);
    assert.equal(await exit(child), 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
