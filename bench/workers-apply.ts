// npm run bench:workers-apply — what a large configuration costs through the worker pool: the
// control process (headless plane) + WORKERS workers (default 2) applying LISTENERS TCP listeners
// (default 5 000, 50 per load balancer on 127.10.x.y), then one changed load balancer, then
// one added. Prints the time until every worker acknowledged each version (WORKERS=0: one process). BIND_CONCURRENCY: binds each worker keeps in flight (0: all at once).
// HELD=1: no start() first, as a server starts: the first apply binds the sockets in the control
// process and forks the workers with them (src/dataplane/worker/held.ts; its time includes their boot).
import { WorkerPool } from '../src/dataplane/worker/pool.js';
import { DataPlane } from '../src/dataplane/reconciler.js';
import type { ListenerSnapshot, LoadBalancerSnapshot, Snapshot } from '../src/dataplane/snapshot.js';

const LISTENERS = Number(process.env.LISTENERS ?? 5000);
const WORKERS = Number(process.env.WORKERS ?? 2);
const PER_LB = 50;
const health = { enabled: false, type: 'tcp' as const, connectPort: null, intervalMs: 2000, timeoutMs: 1000, healthyThreshold: 3, unhealthyThreshold: 3 };
const lb = (i: number, weight = 100): LoadBalancerSnapshot => {
  const id = `lb-scale${i}`;
  const listeners: ListenerSnapshot[] = [];
  for (let j = 0; j < PER_LB; j++) {
    listeners.push({
      listenerId: `${id}_tcp_${20_000 + j}`, protocol: 'tcp', port: 20_000 + j, status: 'running', scheduler: 'wrr', bandwidth: -1, acl: null, healthCheck: health,
      serverGroupId: 'g', backendServerPort: null, persistenceTimeoutMs: 0, establishedTimeoutMs: 900_000, proxyProtocolV2: false, connectionDrain: { enabled: false, timeoutMs: 0 },
    });
  }
  return { loadBalancerId: id, address: `127.10.${i >> 8}.${i & 255}`, addressIPVersion: 'ipv4', status: 'active', serverGroups: { g: { serverGroupId: 'g', kind: 'vserver', servers: [{ serverId: 'i-1', ip: '127.0.0.2', port: 80, weight, type: 'ecs' }] } }, listeners };
};
const snap = (version: number, lbs: LoadBalancerSnapshot[]): Snapshot => ({ version, loadBalancers: lbs, acls: {}, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {} });
// WORKERS=0: the same in one process, for comparison
const BIND_CONCURRENCY = process.env.BIND_CONCURRENCY ? Number(process.env.BIND_CONCURRENCY) : undefined;
const pool = WORKERS > 0 ? new WorkerPool({ workers: WORKERS, closeGraceMs: 100, bindConcurrency: BIND_CONCURRENCY }) : new DataPlane({ closeGraceMs: 100 });
let t = performance.now();
const HELD = process.env.HELD === '1';
if (pool instanceof WorkerPool && !HELD) {
  await pool.start();
  console.log(`${WORKERS} workers ready in ${Math.round(performance.now() - t)} ms`);
}
const lbs = Array.from({ length: Math.ceil(LISTENERS / PER_LB) }, (_, i) => lb(i));
const step = async (what: string, s: Snapshot) => {
  t = performance.now();
  const r = await pool.apply(s);
  console.log(`${what}: ${Math.round(performance.now() - t)} ms (${r.bound.length} bound, ${r.failed.length} failed)`);
};
await step(`v1, ${LISTENERS} listeners bound by every worker${HELD && WORKERS > 0 ? ' (workers forked with the sockets, boot included)' : ''}`, snap(1, lbs));
const changed = [...lbs];
changed[7] = lb(7, 50);
await step('v2, one load balancer changed', snap(2, changed));
await step('v3, one load balancer added', snap(3, [...changed, lb(lbs.length)]));
console.log('bound (control process view):', pool.listenerStates().filter((x) => x.state === 'bound').length);
t = performance.now();
await pool.close();
console.log(`closed in ${Math.round(performance.now() - t)} ms`);
