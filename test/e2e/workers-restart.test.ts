// A restart with running listeners and data-plane workers (docs/dataplane.md, "Worker
// processes"): the control process binds the running listeners' sockets and forks the workers with
// them (src/dataplane/worker/held.ts), so no socket crosses the IPC channel. A real server on a data
// dir restarted with 2 workers: every running listener is bound and serves through both workers'
// inherited sockets, the control process accepts no connection itself, and a listener stopped
// and started again afterwards is bound the usual way.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { HttpBackend, listenerStatus, REGION, registerInstances, runningHttpLb, waitFor } from './helpers.js';

const a = new HttpBackend('127.0.0.2', 'a');
const b = new HttpBackend('127.0.0.3', 'b');
let first: TestServer | undefined;
let s: TestServer | undefined;

before(async () => {
  await a.start();
  await b.start();
});
after(async () => {
  await first?.stop().catch(() => undefined);
  await s?.stop().catch(() => undefined);
  await Promise.allSettled([a.stop(), b.stop()]);
});

/** One request on its own connection (a new accept each time). */
function get(host: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout: no answer (accepted by a process that does not serve?)')));
    req.on('error', reject);
  });
}

async function dataplane(t: TestServer): Promise<{ HeldSockets: number; Workers: { State: string }[]; Listeners: { listenerId: string; state: string }[] }> {
  const r = await fetch(`${t.url}/_openslb/dataplane`, { headers: { authorization: `Bearer ${t.operatorToken}` } });
  assert.equal(r.status, 200);
  return (await r.json()) as never;
}

test('restarted with running listeners: the workers inherit their sockets and serve; a listener started again later is bound as usual', async () => {
  first = await startTestServer({ dataPlaneWorkers: 2, keepDir: true });
  const instances = await registerInstances(first, 'restart');
  const lbs = [];
  for (let i = 0; i < 3; i++) lbs.push(await runningHttpLb(first, { name: `held-${i}`, instances, backends: [a, b] }));
  // a fresh server's first snapshot had nothing to hold: its listeners were bound through node:cluster
  assert.equal((await dataplane(first)).HeldSockets, 0);
  const dataDir = first.dataDir;
  await first.stop();
  first = undefined;

  // (its stop() removes the data dir)
  s = await startTestServer({ dataPlaneWorkers: 2, dataDir });
  const dp = await dataplane(s);
  assert.equal(dp.HeldSockets, 3);
  assert.deepEqual(dp.Workers.map((w) => w.State), ['running', 'running']);
  for (const lb of lbs) assert.ok(dp.Listeners.some((l) => l.listenerId === `${lb.id}_http_${lb.port}` && l.state === 'bound'), `${lb.id} bound`);
  // every connection is answered: a worker accepted it (the control process holds the sockets but
  // never accepts on them: a connection it took would time out here)
  for (const lb of lbs) {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = await get(lb.address, lb.port);
      assert.equal(r.status, 200);
      seen.add(r.body);
    }
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  }

  // stopped: its socket is closed everywhere; started again: bound through node:cluster, served
  const lb = lbs[0]!;
  await s.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: lb.port });
  await waitFor(async () => (await listenerStatus(s!, lb.id, lb.port, 'http')) === 'stopped', 15_000, 'stopped');
  await waitFor(async () => (await dataplane(s!)).HeldSockets === 2, 15_000, 'its held socket closed');
  await assert.rejects(get(lb.address, lb.port), /ECONNREFUSED/);
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: lb.port });
  await waitFor(async () => (await listenerStatus(s!, lb.id, lb.port, 'http')) === 'running', 15_000, 'running again');
  for (let i = 0; i < 6; i++) assert.equal((await get(lb.address, lb.port)).status, 200);
  assert.equal((await dataplane(s)).HeldSockets, 2);
});
