// The data plane's metrics on GET /metrics (docs/metrics.md). Nothing here runs on the traffic
// path: the data plane keeps plain per-listener numbers (src/dataplane/counters.ts) and health
// states (its pools); these prom-client metrics read them when Prometheus scrapes. Each is a
// "collected" metric object (name, help, type, get()) registered as is, so a scrape costs one walk
// over the listeners and their members, whatever the traffic was.
import type { Registry } from 'prom-client';
import { DURATION_BUCKETS, type ApiHealthStatus, type CountersView, type DataPlaneView } from '../dataplane/index.js';
import type { WorkerPool } from '../dataplane/worker/pool.js';

type Labels = Record<string, string | number>;
interface Value {
  value: number;
  labels: Labels;
  metricName?: string;
}
interface Snapshot {
  listeners: { labels: Labels; protocol: string; c: CountersView }[];
  health: Map<string, { labels: Labels; healthy: number; unhealthy: number; servers: Map<string, { labels: Labels; status: ApiHealthStatus }> }>;
}

/** `${lbId}_${protocol}_${port}` (src/products/slb/services/model.ts listenerId) → its labels */
function listenerLabels(id: string): { labels: Labels; protocol: string } | undefined {
  const m = /^(.+)_(tcp|udp|http|https)_(\d+)$/.exec(id);
  return m ? { labels: { load_balancer_id: m[1]!, listener_port: m[3]!, protocol: m[2]! }, protocol: m[2]! } : undefined;
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * Registers the data plane's metrics on `registry`. `plane()` is read at each scrape: undefined
 * (no data plane, or not started yet) yields the metric families without samples.
 */
export function registerDataPlaneMetrics(registry: Registry, plane: () => DataPlaneView | undefined, workers: () => WorkerPool | undefined = () => undefined): void {
  // One read of the data plane per scrape, shared by every family: Registry#metrics() calls the
  // families' get() synchronously in registration order, so the first family reads afresh and
  // the others reuse what it read.
  let cached: Snapshot | undefined;
  const read = (fresh: boolean): Snapshot => {
    if (cached && !fresh) return cached;
    const snap: Snapshot = { listeners: [], health: new Map() };
    const p = plane();
    if (p) {
      for (const c of p.counters.all()) {
        const l = listenerLabels(c.listenerId);
        if (l) snap.listeners.push({ ...l, c });
      }
      for (const r of p.healthStatus()) {
        const id = `${r.loadBalancerId}_${r.protocol}_${r.listenerPort}`;
        let h = snap.health.get(id);
        if (!h) snap.health.set(id, (h = { labels: { load_balancer_id: r.loadBalancerId, listener_port: r.listenerPort, protocol: r.protocol }, healthy: 0, unhealthy: 0, servers: new Map() }));
        // a server in several pools of the listener (its own, rules'): normal in any wins, then abnormal
        const key = `${r.serverId}|${r.serverIp}|${r.port}`;
        const s = h.servers.get(key);
        if (!s) h.servers.set(key, { labels: { ...h.labels, server_id: r.serverId, server_ip: r.serverIp, server_port: r.port }, status: r.status });
        else if (s.status !== 'normal' && r.status !== 'unavailable') s.status = r.status;
      }
      for (const h of snap.health.values()) {
        for (const s of h.servers.values()) {
          if (s.status === 'normal') h.healthy++;
          else if (s.status === 'abnormal') h.unhealthy++;
        }
      }
    }
    cached = snap;
    return snap;
  };
  let first = true;
  let refreshing: Promise<void> | undefined;

  const family = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: (s: Snapshot) => Value[]) => {
    const fresh = first;
    first = false;
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => {
        // worker processes: their counters as of now (each answers within a second, or its last push
        // counts). The first family asks; every family waits for the same answer, then the first reads.
        if (fresh) refreshing = workers()?.refresh();
        if (refreshing) await refreshing;
        return { name, help, type, aggregator: 'sum', values: values(read(fresh)) };
      },
      reset: () => {},
    };
    // prom-client renders any object with this shape (name, help, type, get()); its typings only know its own classes
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  };
  const perListener = (pick: (c: CountersView, protocol: string) => number) => (s: Snapshot) => s.listeners.map((l) => ({ labels: l.labels, value: pick(l.c, l.protocol) }));
  const l7 = (s: Snapshot) => s.listeners.filter((l) => l.protocol === 'http' || l.protocol === 'https');

  family('openslb_listener_active_connections', 'connections (TCP/HTTP/HTTPS) or flows (UDP) open now, per listener (CloudMonitor ActiveConnection)', 'gauge', perListener((c) => c.activeConnections));
  family('openslb_listener_new_connections_total', 'connections or flows accepted, per listener (CloudMonitor NewConnection, as a rate)', 'counter', perListener((c) => c.newConnections));
  family(
    'openslb_listener_dropped_connections_total',
    'connections or flows the load balancer ended without forwarding: refused by the ACL, no healthy backend or backend connect failure (TCP/UDP); refused by the ACL (HTTP/HTTPS, answered 403) (CloudMonitor DropConnection)',
    'counter',
    perListener((c, p) => (p === 'tcp' || p === 'udp' ? c.aclDenied + c.noBackend + c.backendErrors : c.aclDenied)),
  );
  family('openslb_listener_bytes_in_total', 'bytes received from clients, per listener (CloudMonitor TrafficRXNew, ×8 as a rate)', 'counter', perListener((c) => c.bytesIn));
  family('openslb_listener_bytes_out_total', 'bytes sent to clients, per listener (CloudMonitor TrafficTXNew, ×8 as a rate)', 'counter', perListener((c) => c.bytesOut));
  family('openslb_listener_backend_errors_total', 'failed backend connections or exchanges, per listener', 'counter', perListener((c) => c.backendErrors));
  family('openslb_listener_no_backend_total', 'connections, requests or flows that found no healthy backend with weight > 0, per listener', 'counter', perListener((c) => c.noBackend));
  family('openslb_listener_requests_total', 'HTTP/HTTPS requests (datagrams for UDP), per listener (CloudMonitor Qps, as a rate)', 'counter', perListener((c) => c.requests));
  family('openslb_listener_responses_total', 'HTTP/HTTPS responses sent to clients by status class (CloudMonitor StatusCode2xx…StatusCode5xx, StatusCodeOther for 1xx)', 'counter', (s) =>
    l7(s).flatMap((l) => CLASSES.map((k) => ({ labels: { ...l.labels, status_class: k }, value: l.c.status[k] }))),
  );
  family('openslb_listener_upstream_responses_total', 'responses received from backends by status class (CloudMonitor UpstreamCode4xx, UpstreamCode5xx)', 'counter', (s) =>
    l7(s).flatMap((l) => CLASSES.map((k) => ({ labels: { ...l.labels, status_class: k }, value: l.c.upstreamStatus[k] }))),
  );
  family('openslb_listener_request_duration_seconds', 'HTTP/HTTPS request time: from the request head to the end of the answer (CloudMonitor Rt)', 'histogram', (s) =>
    l7(s).flatMap((l) => {
      const d = l.c.duration;
      const name = 'openslb_listener_request_duration_seconds';
      return [
        ...DURATION_BUCKETS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...l.labels, le }, value: d.buckets[i]! })),
        { metricName: `${name}_bucket`, labels: { ...l.labels, le: '+Inf' }, value: d.count },
        { metricName: `${name}_sum`, labels: l.labels, value: d.sum },
        { metricName: `${name}_count`, labels: l.labels, value: d.count },
      ];
    }),
  );
  family('openslb_listener_healthy_servers', 'backend servers of a forwarding listener whose health is normal (CloudMonitor HeathyServerCount)', 'gauge', (s) => [...s.health.values()].map((h) => ({ labels: h.labels, value: h.healthy })));
  family('openslb_listener_unhealthy_servers', 'backend servers of a forwarding listener whose health is abnormal (CloudMonitor UnhealthyServerCount)', 'gauge', (s) =>
    [...s.health.values()].map((h) => ({ labels: h.labels, value: h.unhealthy })),
  );
  family('openslb_backend_healthy', '1 when a backend server of a forwarding listener is healthy (DescribeHealthStatus normal), 0 when abnormal or unavailable (not checked yet, health check off)', 'gauge', (s) =>
    [...s.health.values()].flatMap((h) => [...h.servers.values()].map((v) => ({ labels: v.labels, value: v.status === 'normal' ? 1 : 0 }))),
  );
  const pool = (name: string, help: string, type: 'counter' | 'gauge', value: (w: WorkerPool) => Value[]) => {
    const metric = { name, help, type, aggregator: 'sum', get: async () => ({ name, help, type, aggregator: 'sum', values: ((w) => (w ? value(w) : []))(workers()) }), reset: () => {} };
    registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  };
  pool('openslb_dataplane_workers', 'data-plane worker processes by state (starting, running, stopping, exited)', 'gauge', (w) => {
    const by = new Map<string, number>([['starting', 0], ['running', 0], ['stopping', 0], ['exited', 0]]);
    for (const x of w.workers()) by.set(x.State, (by.get(x.State) ?? 0) + 1);
    return [...by].map(([state, value]) => ({ labels: { state }, value }));
  });
  pool('openslb_dataplane_worker_restarts_total', 'data-plane workers that died and were restarted', 'counter', (w) => [{ labels: {}, value: w.restartsTotal }]);
}
