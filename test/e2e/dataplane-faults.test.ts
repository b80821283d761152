// Data-plane faults through a real server: rules added on the operator API (POST /_openslb/faults
// with a Target) name the load balancer, listener port and ServerId exactly as the SLB API does
// (pop-core creates them), reach the running data plane and report how often they fired. The
// semantics per protocol are tested in test/dataplane/faults.test.ts.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { opOk } from '../helpers/operator.js';
import { ask, freePort, IPS, listenerStatus, REGION, registerInstances, TcpBackend, waitFor } from './helpers.js';

let s: TestServer;
let instances: string[];
const a = new TcpBackend(IPS[0], 'a');
const b = new TcpBackend(IPS[1], 'b');

before(async () => {
  s = await startTestServer({ dataPlane: true });
  instances = await registerInstances(s, 'flt');
  await a.start(0);
  await b.start(0);
});
after(async () => {
  await Promise.allSettled([a.stop(), b.stop()]);
  await s?.stop();
});

test('a Reset scoped to one ServerId of a TCP listener created through the API resets only that backend\'s connections', { timeout: 30_000 }, async () => {
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'faults' })) as { LoadBalancerId: string; Address: string };
  const g = (await s.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lb.LoadBalancerId,
    VServerGroupName: 'faults',
    BackendServers: JSON.stringify([
      { ServerId: instances[0], Port: a.port, Weight: 100 },
      { ServerId: instances[1], Port: b.port, Weight: 100 },
    ]),
  })) as { VServerGroupId: string };
  const port = await freePort(lb.Address);
  await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1, HealthCheckSwitch: 'off' });
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'tcp' });
  await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, 'tcp')) === 'running', 10_000, 'running');

  const { FaultId } = (await opOk(s, 'POST', '/faults', { Target: { LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ServerId: instances[1] }, Fault: 'Reset' })) as { FaultId: string };
  const seen = new Map<string, number>();
  for (let i = 0; i < 8; i++) {
    const r = await ask(lb.Address, port);
    const k = r.name ?? r.error ?? '?';
    seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  // wrr 1:1: half the connections were b's, and those were reset
  assert.deepEqual(Object.fromEntries(seen), { a: 4, ECONNRESET: 4 });
  assert.equal(b.accepted, 0);
  assert.equal(((await opOk(s, 'GET', `/faults/${FaultId}`)) as { Fired: number }).Fired, 4);
  await opOk(s, 'DELETE', `/faults/${FaultId}`);
  const names = new Set<string>();
  for (let i = 0; i < 2; i++) names.add((await ask(lb.Address, port)).name ?? '?');
  assert.deepEqual([...names].sort(), ['a', 'b']);

  // a listener-wide Refuse with Count 2: two connections refused, then traffic flows again
  const refuse = (await opOk(s, 'POST', '/faults', { Target: { LoadBalancerId: lb.LoadBalancerId, ListenerPort: port }, Fault: 'Refuse', Count: 2 })) as { FaultId: string };
  const after2: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await ask(lb.Address, port);
    after2.push(r.name ? 'served' : 'refused');
  }
  assert.deepEqual(after2, ['refused', 'refused', 'served', 'served']);
  const view = (await opOk(s, 'GET', `/faults/${refuse.FaultId}`)) as { Fired: number; Remaining: number };
  assert.deepEqual([view.Fired, view.Remaining], [2, 0]);
  await opOk(s, 'DELETE', '/faults');
});
