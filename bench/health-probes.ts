// npm run bench:health-probes — the cost of health checking many listeners over few servers: a
// headless DataPlane (the control process's, as `openslb serve` runs it: pools and checks, no
// socket) with LISTENERS TCP listeners (default 5 000) over SERVERS backends (default 10) that
// refuse connections (closed ports on 127.0.0.1), interval INTERVAL_MS (default 2000). Prints the
// probes made and the process's CPU over DUR seconds (default 10).
import net from 'node:net';
import { DataPlane } from '../src/dataplane/reconciler.js';
import { defaultProbers } from '../src/dataplane/health/probers.js';
import type { Prober } from '../src/dataplane/health/types.js';
import type { ListenerSnapshot, LoadBalancerSnapshot } from '../src/dataplane/snapshot.js';

const LISTENERS = Number(process.env.LISTENERS ?? 5000);
const SERVERS = Number(process.env.SERVERS ?? 10);
const INTERVAL_MS = Number(process.env.INTERVAL_MS ?? 2000);
const DUR = Number(process.env.DUR ?? 10);

/** ports nothing listens on: bound once, then closed */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
const ports = await Promise.all(Array.from({ length: SERVERS }, closedPort));
let probes = 0;
const counting: Prober = { type: 'tcp', probe: (t, cfg) => (probes++, defaultProbers.tcp.probe(t, cfg)) };
const plane = new DataPlane({ headless: true, probers: { tcp: counting } });
const PER_LB = 50;
const lbs: LoadBalancerSnapshot[] = [];
for (let i = 0; i * PER_LB < LISTENERS; i++) {
  const id = `lb-probe${i}`;
  const listeners: ListenerSnapshot[] = [];
  for (let j = 0; j < PER_LB && i * PER_LB + j < LISTENERS; j++) {
    listeners.push({
      listenerId: `${id}_tcp_${10_000 + j}`, protocol: 'tcp', port: 10_000 + j, status: 'running', scheduler: 'wrr', bandwidth: -1, acl: null,
      healthCheck: { enabled: true, type: 'tcp', connectPort: null, intervalMs: INTERVAL_MS, timeoutMs: 1000, healthyThreshold: 3, unhealthyThreshold: 3 },
      serverGroupId: 'g', backendServerPort: null, persistenceTimeoutMs: 0, establishedTimeoutMs: 900_000, proxyProtocolV2: false, connectionDrain: { enabled: false, timeoutMs: 0 },
    });
  }
  lbs.push({ loadBalancerId: id, address: `127.8.${i >> 8}.${i & 255}`, addressIPVersion: 'ipv4', status: 'active', serverGroups: { g: { serverGroupId: 'g', kind: 'vserver', servers: ports.map((p, k) => ({ serverId: `i-${k}`, ip: '127.0.0.1', port: p, weight: 100, type: 'ecs' as const })) } }, listeners });
}
await plane.apply({ version: 1, loadBalancers: lbs, acls: {}, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {} });
// past the start burst, then measure
await new Promise((r) => setTimeout(r, INTERVAL_MS * 1.5));
const p0 = probes;
const c0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, DUR * 1000));
const cpu = process.cpuUsage(c0);
const secs = (performance.now() - t0) / 1000;
console.log(`${LISTENERS} listeners × ${SERVERS} refused backends, interval ${INTERVAL_MS} ms: ${((probes - p0) / secs).toFixed(1)} probes/s, CPU ${(((cpu.user + cpu.system) / 1e6 / secs) * 100).toFixed(1)} % over ${secs.toFixed(1)} s (${LISTENERS * SERVERS} member checks)`);
plane.destroy();
process.exit(0);
