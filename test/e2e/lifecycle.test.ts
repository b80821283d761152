// Listener lifecycle fed by the data plane: `starting` / `stopping` / `configuring` show exactly
// while the change is being applied, and conflicting calls get the busy codes only then. The data
// plane here is a stand-in whose apply() we hold, behind the same narrow link the real one uses.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ControlLoop, installHooks, uninstallHooksIfIdle, type DataPlaneLink } from '../../src/compile/control-loop.js';
import type { Snapshot } from '../../src/dataplane/snapshot.js';
import { observeOnce } from '../../src/products/slb/services/listener-lifecycle.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { listenerStatus, REGION, waitFor } from './helpers.js';

class HeldLink implements DataPlaneLink {
  applied: Snapshot[] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};
  hold() {
    this.gate = new Promise((r) => (this.open = r));
  }
  release() {
    this.open();
  }
  async apply(s: Snapshot) {
    await this.gate;
    this.applied.push(s);
    return { version: s.version, bound: [], failed: [] };
  }
  async close() {}
}

let s: TestServer;
let loop: ControlLoop;
const link = new HeldLink();

before(async () => {
  s = await startTestServer();
  loop = new ControlLoop(s.store, link, { debounceMs: 1 });
  installHooks(observeOnce);
  await loop.start();
});
after(async () => {
  await loop.close();
  uninstallHooksIfIdle();
  await s.stop();
});

test('starting lasts until the snapshot carrying it is applied; Stop meanwhile is ServiceIsConfiguring', async () => {
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'lc' })) as { LoadBalancerId: string };
  await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7001, BackendServerPort: 80, Bandwidth: -1 });
  await loop.settle();
  const versionsBefore = link.applied.length;

  link.hold();
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7001, ListenerProtocol: 'tcp' });
  // however often it is looked at, it stays starting while the data plane has not applied it
  for (let i = 0; i < 4; i++) assert.equal(await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp'), 'starting');
  const busy = await rejects(() => s.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7001, ListenerProtocol: 'tcp' }));
  assert.equal((busy as { code?: string }).code, 'ServiceIsConfiguring');

  link.release();
  await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp')) === 'running', 5000, 'running once applied');
  assert.ok(link.applied.length > versionsBefore);
  const started = link.applied.find((x) => x.loadBalancers.some((b) => b.listeners.some((l) => l.port === 7001 && l.status === 'starting')));
  assert.ok(started, 'the data plane was handed the listener while starting');
  const versions = link.applied.map((x) => x.version);
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b), 'versions increase');

  // configuring: a Set on the running listener, held the same way
  link.hold();
  await s.call('SetLoadBalancerTCPListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7001, Bandwidth: -1, PersistenceTimeout: 10 });
  assert.equal(await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp'), 'configuring');
  assert.equal(await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp'), 'configuring');
  const busy2 = await rejects(() => s.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7001, ListenerProtocol: 'tcp' }));
  assert.equal((busy2 as { code?: string }).code, 'ServiceIsConfiguring');
  link.release();
  await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp')) === 'running', 5000, 'configured');

  // stopping, then stopped; no busy answer once applied
  link.hold();
  await s.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7001, ListenerProtocol: 'tcp' });
  assert.equal(await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp'), 'stopping');
  link.release();
  await loop.settle();
  assert.equal(await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp'), 'stopped', 'completed by the loop, without a second look');
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7001, ListenerProtocol: 'tcp' });
  await loop.settle();
  assert.equal(await listenerStatus(s, lb.LoadBalancerId, 7001, 'tcp'), 'running');
});

test('a burst of writes is coalesced into few snapshots; the last one holds every change', async () => {
  await loop.settle();
  const before = link.applied.length;
  link.hold();
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'burst' })) as { LoadBalancerId: string };
  for (let i = 0; i < 10; i++) {
    await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7100 + i, BackendServerPort: 80, Bandwidth: -1 });
  }
  // a load balancer is in the snapshot once it serves (a listener not stopped): start one
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 7100 });
  link.release();
  await loop.settle();
  const rounds = link.applied.slice(before);
  assert.ok(rounds.length >= 1 && rounds.length <= 3, `12 writes → ${rounds.length} snapshots`);
  const last = rounds.at(-1)!;
  assert.equal(last.loadBalancers.find((b) => b.loadBalancerId === lb.LoadBalancerId)?.listeners.length, 10);
});
