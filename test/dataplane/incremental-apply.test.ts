// Applying a snapshot costs what changed: load balancers that are the same objects as in the
// applied snapshot are not touched (no pool swap, no runtime update), a changed ACL entry updates
// only the listeners using it, a listener that failed to bind is retried on the next apply even if
// nothing else changed, and the incremental checks reject exactly what validateSnapshot rejects.
// Then end to end: with many load balancers running, stopping one listener recompiles one load
// balancer and its port refuses connections.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import type { ListenerContext, ListenerRuntime, ProtocolHandler } from '../../src/dataplane/handler.js';
import { DataPlane, SnapshotRejectedError } from '../../src/dataplane/reconciler.js';
import { validateSnapshot, type LoadBalancerSnapshot, type Snapshot } from '../../src/dataplane/snapshot.js';
import { opOk } from '../helpers/operator.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { listenerStatus, REGION } from '../e2e/helpers.js';
import { tcpListener, waitFor } from './helpers.js';

/** A TCP "handler" that binds nothing and counts what the reconciler asks of it. */
class SpyHandler implements ProtocolHandler {
  readonly protocol = 'tcp' as const;
  created = 0;
  closed = 0;
  updates = new Map<string, number>();
  contexts = new Map<string, ListenerContext>();
  failNext = new Set<string>();
  create(ctx: ListenerContext): ListenerRuntime {
    const id = ctx.listener.listenerId;
    this.created++;
    this.contexts.set(id, ctx);
    return {
      listen: async () => {
        if (this.failNext.delete(id)) throw Object.assign(new Error('address in use'), { code: 'EADDRINUSE' });
      },
      update: (c) => {
        this.updates.set(id, (this.updates.get(id) ?? 0) + 1);
        this.contexts.set(id, c);
      },
      close: async () => {
        this.closed++;
      },
      destroy() {},
      active: 0,
    };
  }
  totalUpdates() {
    return [...this.updates.values()].reduce((a, b) => a + b, 0);
  }
}

const LBS = 500;
const PER_LB = 4;
const lbId = (i: number) => `lb-inc${String(i).padStart(4, '0')}`;
function lb(i: number, over: Partial<LoadBalancerSnapshot> = {}, listenerOver: Parameters<typeof tcpListener>[1] = {}): LoadBalancerSnapshot {
  return {
    loadBalancerId: lbId(i),
    address: `127.7.${i >> 8}.${i & 255}`,
    addressIPVersion: 'ipv4',
    status: 'active',
    serverGroups: { 'rsp-a': { serverGroupId: 'rsp-a', kind: 'vserver', servers: [] } },
    // every tenth load balancer filters its first listener through acl-a
    listeners: Array.from({ length: PER_LB }, (_, k) => tcpListener(8000 + k, { ...(i % 10 === 0 && k === 0 ? { acl: { type: 'white', aclIds: ['acl-a'] } } : {}), ...listenerOver }, lbId(i))),
    ...over,
  };
}
const acl = (entries: string[]) => ({ 'acl-a': { aclId: 'acl-a', addressIPVersion: 'ipv4' as const, entries } });
const snap = (version: number, loadBalancers: readonly LoadBalancerSnapshot[], acls: Snapshot['acls']): Snapshot => ({ version, loadBalancers, acls, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {} });

test('an apply touches only load balancers that are new objects, and listeners whose shared entries changed', async () => {
  const spy = new SpyHandler();
  const dp = new DataPlane({ handlers: [spy] });
  try {
    const lbs = Array.from({ length: LBS }, (_, i) => lb(i));
    const acls1 = acl(['10.0.0.0/8']);
    const r1 = await dp.apply(snap(1, lbs, acls1));
    assert.equal(r1.bound.length, LBS * PER_LB);
    assert.equal(spy.created, LBS * PER_LB);
    // a listener's context holds its own load balancer and the entries it references, not the whole snapshot
    const ctx0 = spy.contexts.get(`${lbId(0)}_tcp_8000`)!;
    assert.deepEqual([ctx0.snapshot.loadBalancers.length, Object.keys(ctx0.snapshot.acls)], [1, ['acl-a']]);
    assert.equal(ctx0.acl.allows('10.1.2.3'), true);

    // one load balancer changes: its listeners are updated, nobody else's
    const lbs2 = [...lbs];
    lbs2[7] = lb(7, {}, { bandwidth: 5 });
    const r2 = await dp.apply(snap(2, lbs2, acls1));
    assert.deepEqual([r2.bound.length, r2.failed.length, spy.created], [0, 0, LBS * PER_LB]);
    assert.deepEqual([...spy.updates.keys()].sort(), Array.from({ length: PER_LB }, (_, k) => `${lbId(7)}_tcp_${8000 + k}`));

    // the ACL's entries change, every load balancer object stays: only the listeners using it are updated
    spy.updates.clear();
    const acls3 = acl(['192.168.0.0/16']);
    await dp.apply(snap(3, lbs2, acls3));
    assert.deepEqual([...spy.updates.keys()].sort(), Array.from({ length: LBS / 10 }, (_, j) => `${lbId(j * 10)}_tcp_8000`));
    assert.equal(spy.contexts.get(`${lbId(0)}_tcp_8000`)!.acl.allows('10.1.2.3'), false);
    assert.equal(spy.contexts.get(`${lbId(0)}_tcp_8000`)!.acl.allows('192.168.3.4'), true);

    // the same load-balancer list again (a new version, nothing changed): nothing is touched
    spy.updates.clear();
    await dp.apply(snap(4, lbs2, acls3));
    assert.equal(spy.totalUpdates(), 0);

    // a load balancer goes: its listeners close
    const lbs5 = lbs2.filter((_, i) => i !== 9);
    await dp.apply(snap(5, lbs5, acls3));
    assert.equal(spy.closed, PER_LB);
    assert.equal(dp.listenerStates().filter((r) => r.loadBalancerId === lbId(9)).length, 0);
    assert.equal(spy.totalUpdates(), 0);

    // a listener that fails to bind is retried on the next apply, though its load balancer is unchanged
    const extra = lb(LBS + 1);
    spy.failNext.add(`${lbId(LBS + 1)}_tcp_8001`);
    const lbs6 = [...lbs5, extra];
    const r6 = await dp.apply(snap(6, lbs6, acls3));
    assert.deepEqual(r6.failed.map((f) => f.listenerId), [`${lbId(LBS + 1)}_tcp_8001`]);
    const r7 = await dp.apply(snap(7, lbs6, acls3));
    assert.deepEqual([r7.bound, r7.failed], [[`${lbId(LBS + 1)}_tcp_8001`], []]);
    assert.equal(dp.listenerStates().filter((r) => r.state === 'failed').length, 0);
  } finally {
    await dp.close();
  }
});

test('incremental checks reject what validateSnapshot rejects, with its problems, and leave everything as it was', async () => {
  const spy = new SpyHandler();
  const dp = new DataPlane({ handlers: [spy] });
  try {
    const lbs = Array.from({ length: 50 }, (_, i) => lb(i));
    await dp.apply(snap(1, lbs, acl(['10.0.0.0/8'])));
    const rejected = async (s: Snapshot) => {
      const want = validateSnapshot(s);
      assert.ok(want.length, 'the full check rejects it too');
      await assert.rejects(dp.apply(s), (e: unknown) => e instanceof SnapshotRejectedError && assert.deepEqual(e.problems, want) === undefined);
    };
    // a changed load balancer takes a port an unchanged one has (same address)
    const clash = [...lbs];
    clash[3] = lb(3, { address: lbs[4]!.address });
    await rejected(snap(2, clash, acl(['10.0.0.0/8'])));
    // an ACL unchanged load balancers use disappears
    await rejected(snap(3, lbs, {}));
    // a changed ACL entry is not a CIDR block
    await rejected(snap(4, lbs, acl(['not-a-cidr'])));
    // a changed load balancer references a server group it does not have
    const dangling = [...lbs];
    dangling[5] = lb(5, {}, { serverGroupId: 'rsp-gone' });
    await rejected(snap(5, dangling, acl(['10.0.0.0/8'])));
    // duplicate ids
    await rejected(snap(6, [...lbs, lb(1, { address: '127.8.0.1' })], acl(['10.0.0.0/8'])));
    assert.equal(dp.version, 1);
    assert.equal(spy.totalUpdates(), 0);
    // and what is valid still applies incrementally afterwards
    const ok = [...lbs];
    ok[3] = lb(3, { address: '127.8.0.3' });
    const r = await dp.apply(snap(7, ok, acl(['10.0.0.0/8'])));
    assert.equal(r.bound.length, PER_LB);
    assert.equal(spy.closed, PER_LB);
  } finally {
    await dp.close();
  }
});

// ---------------------------------------------------------------------------------------------
// End to end: the control loop, the compiler and the real data plane.

/** Whether something listens on host:port (the listeners have no backends: they may reset at once, only a refusal means closed). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host, port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'ECONNREFUSED'));
  });
}

let server: TestServer | undefined;
after(async () => {
  await server?.stop();
});

test('with many load balancers running, stopping one listener recompiles one load balancer and its port refuses', async () => {
  const s = (server = await startTestServer({ dataPlane: true }));
  const loop = s.dataPlane!.loop;
  const N = 30;
  const PORTS = [7101, 7102];
  const lbs: { id: string; address: string }[] = [];
  for (let i = 0; i < N; i++) {
    const r = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: `inc-${i}` })) as { LoadBalancerId: string; Address: string };
    lbs.push({ id: r.LoadBalancerId, address: r.Address });
    for (const port of PORTS) {
      await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: r.LoadBalancerId, ListenerPort: port, BackendServerPort: 80, Bandwidth: -1 });
      await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: r.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'tcp' });
    }
  }
  await waitFor(() => s.dataPlane!.plane.listenerStates().filter((x) => x.state === 'bound').length === N * PORTS.length, 20_000, 'every listener bound');
  await waitFor(async () => (await listenerStatus(s, lbs[N - 1]!.id, PORTS[1]!, 'tcp')) === 'running', 10_000, 'the last listener running');
  await s.dataPlane!.settle();
  const target = lbs[Math.floor(N / 2)]!;
  assert.equal(await accepts(target.address, PORTS[0]!), true);
  const before = { ...loop.compiles };
  assert.equal(before.full, 1, 'only the first compile read everything');

  await s.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: target.id, ListenerPort: PORTS[0], ListenerProtocol: 'tcp' });
  await waitFor(async () => !(await accepts(target.address, PORTS[0]!)), 10_000, 'the stopped port refuses');
  await waitFor(async () => (await listenerStatus(s, target.id, PORTS[0]!, 'tcp')) === 'stopped', 10_000, 'stopped');
  await s.dataPlane!.settle();
  const now = loop.compiles;
  const compiles = now.incremental - before.incremental;
  // stopping, then stopped: every compile since read exactly the one load balancer
  assert.equal(now.full, before.full, 'no full compile');
  assert.ok(compiles >= 1);
  assert.equal(now.loadBalancersRecompiled - before.loadBalancersRecompiled, compiles, 'one load balancer per compile');
  assert.deepEqual([now.last?.mode, now.last?.recompiled, now.last?.changed], ['incremental', 1, 1]);
  // the other listeners kept serving
  assert.equal(await accepts(target.address, PORTS[1]!), true);
  assert.equal(await accepts(lbs[0]!.address, PORTS[0]!), true);
  assert.equal(s.dataPlane!.plane.listenerStates().filter((x) => x.state === 'bound').length, N * PORTS.length - 1);

  // the operator view reports the counters
  const view = (await opOk(s, 'GET', '/dataplane')) as { Compiles: { full: number; incremental: number; loadBalancersRecompiled: number } };
  assert.deepEqual([view.Compiles.full, view.Compiles.incremental], [now.full, now.incremental]);

  // and back
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: target.id, ListenerPort: PORTS[0], ListenerProtocol: 'tcp' });
  await waitFor(() => accepts(target.address, PORTS[0]!), 10_000, 'the restarted port accepts');
});
