// The messages between the control process and its data-plane workers (node:cluster IPC, JSON),
// and the snapshot delta both ends agree on. Every message is one of the unions below; nothing
// else crosses.
//
// Snapshots: a worker gets the whole current snapshot when it starts, then one delta per applied
// version. A delta carries the load balancers whose snapshot object changed (the compiler keeps
// the objects of the ones it did not recompile), the ids in order when the list changed, and the
// shared-table entries set or removed. The worker rebuilds the snapshot around the objects it
// already holds, so its DataPlane's identity diff looks at what changed only, as in one process.
import type { CountersView } from '../counters.js';
import type { DataPlaneFaultRule } from '../faults.js';
import type { HealthState } from '../health/types.js';
import type { ListenerStateRow } from '../reconciler.js';
import type { LoadBalancerSnapshot, Snapshot } from '../snapshot.js';

/** [pool (health/feed.ts poolKey), member (pool.ts memberKey), state] */
export type HealthEntry = [string, string, HealthState];

export type ToWorker =
  /** first message: the health and fault rules the control process holds now, and the listening
   *  sockets the worker was forked with ([address|port, descriptor]: src/dataplane/worker/held.ts),
   *  `released` those of them closed while it booted */
  | { t: 'init'; health: HealthEntry[]; faults: DataPlaneFaultRule[]; sockets?: [string, number][]; released?: string[] }
  /** the answer to a `socket` request: the held socket comes with it as its handle (ok), or it is no longer held */
  | { t: 'socket'; id: number; ok: boolean }
  | { t: 'snapshot'; snapshot: Snapshot }
  /** `released`: held sockets the control process closed with this version (the worker closes its copies) */
  | { t: 'delta'; delta: SnapshotDelta; released?: string[] }
  | { t: 'health'; changes: HealthEntry[] }
  /** the control process's checker of this listener stopped: its states are void */
  | { t: 'forget'; listenerId: string }
  | { t: 'faults'; rules: DataPlaneFaultRule[] }
  /** serve the UDP listeners from now on (this worker became the UDP one), or stop */
  | { t: 'udp'; serve: boolean }
  /** send counters now (answered with `counters` carrying the same id) */
  | { t: 'read'; id: number }
  /** stop accepting, let connections finish (up to graceMs), exit 0 */
  | { t: 'close' };

export type FromWorker =
  | { t: 'ready' }
  /** the held socket of this address|port again (a listener bound anew on it) */
  | { t: 'socket'; id: number; key: string }
  | { t: 'applied'; version: number; bound: string[]; failed: { listenerId: string; error: string }[]; error?: string }
  /** binds, failures and closes in the order they happened (those of one event-loop turn together:
   *  5 000 binds are not 5 000 messages), always before the `applied` that follows them */
  | { t: 'listeners'; rows: { row: ListenerStateRow; version: number }[] }
  /** totals since the worker started of the listeners whose counters moved since the last message
   *  (every listener the first time); id answers a `read` */
  | { t: 'counters'; id?: number; counters: CountersView[]; fired: [string, number][] }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; msg: string; obj?: Record<string, unknown> };

const TABLES = ['acls', 'serverCertificates', 'caCertificates', 'tlsCipherPolicies'] as const;
type TableName = (typeof TABLES)[number];

export interface SnapshotDelta {
  version: number;
  /** the version this delta applies to */
  base: number;
  /** load-balancer ids in order; null: the same as the base's */
  order: string[] | null;
  /** load balancers whose object changed (new ones included) */
  changed: LoadBalancerSnapshot[];
  tables: Partial<Record<TableName, { set: Record<string, unknown>; del: string[] }>>;
}

/** What `next` changes against `prev`, by object identity (the compiler keeps unchanged objects). */
export function snapshotDelta(prev: Snapshot, next: Snapshot): SnapshotDelta {
  const d: SnapshotDelta = { version: next.version, base: prev.version, order: null, changed: [], tables: {} };
  if (next.loadBalancers !== prev.loadBalancers) {
    const before = new Map(prev.loadBalancers.map((lb) => [lb.loadBalancerId, lb] as const));
    let sameOrder = next.loadBalancers.length === prev.loadBalancers.length;
    next.loadBalancers.forEach((lb, i) => {
      if (before.get(lb.loadBalancerId) !== lb) d.changed.push(lb);
      if (sameOrder && prev.loadBalancers[i]!.loadBalancerId !== lb.loadBalancerId) sameOrder = false;
    });
    if (!sameOrder) d.order = next.loadBalancers.map((lb) => lb.loadBalancerId);
  }
  for (const t of TABLES) {
    const a = prev[t] as Readonly<Record<string, unknown>>;
    const b = next[t] as Readonly<Record<string, unknown>>;
    if (a === b) continue;
    const set: Record<string, unknown> = {};
    const del: string[] = [];
    for (const id of Object.keys(b)) if (!Object.hasOwn(a, id) || a[id] !== b[id]) set[id] = b[id];
    for (const id of Object.keys(a)) if (!Object.hasOwn(b, id)) del.push(id);
    if (del.length || Object.keys(set).length) d.tables[t] = { set, del };
  }
  return d;
}

/** The worker's end: rebuilds each version from the previous one and a delta. */
export class SnapshotAssembler {
  private current: Snapshot | undefined;
  private byId = new Map<string, LoadBalancerSnapshot>();

  get version(): number | undefined {
    return this.current?.version;
  }

  full(s: Snapshot): Snapshot {
    this.current = s;
    this.byId = new Map(s.loadBalancers.map((lb) => [lb.loadBalancerId, lb] as const));
    return s;
  }

  /** The snapshot `d` describes; throws when `d` is not based on the version held. */
  apply(d: SnapshotDelta): Snapshot {
    const prev = this.current;
    if (!prev || prev.version !== d.base) throw new Error(`delta v${d.version} is based on v${d.base}, this worker holds v${prev?.version ?? 'none'}`);
    let loadBalancers = prev.loadBalancers;
    if (d.order || d.changed.length) {
      for (const lb of d.changed) this.byId.set(lb.loadBalancerId, lb);
      const ids = d.order ?? prev.loadBalancers.map((lb) => lb.loadBalancerId);
      loadBalancers = ids.map((id) => {
        const lb = this.byId.get(id);
        if (!lb) throw new Error(`delta v${d.version} names load balancer ${id} without its snapshot`);
        return lb;
      });
      if (d.order) {
        const keep = new Set(d.order);
        for (const id of this.byId.keys()) if (!keep.has(id)) this.byId.delete(id);
      }
    }
    const next = { ...prev, version: d.version, loadBalancers } as { -readonly [K in keyof Snapshot]: Snapshot[K] };
    for (const t of TABLES) {
      const c = d.tables[t];
      if (!c) continue;
      const table: Record<string, unknown> = { ...(prev[t] as Record<string, unknown>), ...c.set };
      for (const id of c.del) delete table[id];
      (next as Record<TableName, unknown>)[t] = table;
    }
    this.current = next;
    return next;
  }
}

/** Field-wise sum of two listeners' counters (one listener on several workers). */
export function addCounters(a: CountersView, b: CountersView): CountersView {
  const cls = (x: CountersView['status'], y: CountersView['status']) => ({ '1xx': x['1xx'] + y['1xx'], '2xx': x['2xx'] + y['2xx'], '3xx': x['3xx'] + y['3xx'], '4xx': x['4xx'] + y['4xx'], '5xx': x['5xx'] + y['5xx'] });
  return {
    listenerId: a.listenerId,
    activeConnections: a.activeConnections + b.activeConnections,
    newConnections: a.newConnections + b.newConnections,
    aclDenied: a.aclDenied + b.aclDenied,
    noBackend: a.noBackend + b.noBackend,
    backendErrors: a.backendErrors + b.backendErrors,
    requests: a.requests + b.requests,
    bytesIn: a.bytesIn + b.bytesIn,
    bytesOut: a.bytesOut + b.bytesOut,
    status: cls(a.status, b.status),
    upstreamStatus: cls(a.upstreamStatus, b.upstreamStatus),
    duration: { buckets: a.duration.buckets.map((n, i) => n + (b.duration.buckets[i] ?? 0)), sum: a.duration.sum + b.duration.sum, count: a.duration.count + b.duration.count },
  };
}
