// DataPlane: applies snapshots by diff. A listener owns a bound socket iff it is
// starting/running/configuring on an active load balancer (snapshot.isForwarding). Everything
// else about a listener is swapped in place for new connections; established ones keep going.
//
// An apply costs what changed: a load balancer whose snapshot object is the one already applied
// is not looked at again (snapshots are frozen, so the same object is the same configuration), nor
// checked again; a changed ACL / certificate / CA / TLS-policy entry (another object under its id)
// updates only the listeners that reference it. What remains per apply is a walk over the
// load-balancer list and over a shared table whose object changed, comparing references.
import { flatKey } from '../util/flat-key.js';
import { AccessLogs, AccessLogSink, type AccessLogOptions } from './access-log.js';
import { compileAcl } from './acl.js';
import { realClock, type DataPlaneClock } from './clock.js';
import { CounterRegistry, type CountersView } from './counters.js';
import { DataPlaneFaults, type DataPlaneFaultRule } from './faults.js';
import { defaultProbers, sharedProbers } from './health/probers.js';
import { poolKey, type HealthFeed } from './health/feed.js';
import { toApiStatus, type ApiHealthStatus, type HealthState, type Prober } from './health/types.js';
import type { ListenerContext, ListenerRuntime, ProtocolHandler } from './handler.js';
import { BackendPool, type PoolConfig } from './pool.js';
import {
  freezeSnapshot,
  isForwarding,
  validateSnapshot,
  type HealthCheckSnapshot,
  type ListenerProtocol,
  type ListenerSnapshot,
  type LoadBalancerSnapshot,
  type Snapshot,
  type SnapshotProblem,
} from './snapshot.js';
import { tcpHandler } from './tcp/listener.js';
import { udpHandler } from './udp/listener.js';
import { addTo, removeFrom } from '../util/multimap.js';

export type ListenerObservedState = 'bound' | 'failed' | 'closed';

export type ObservedEvent =
  | {
      kind: 'listener';
      version: number;
      loadBalancerId: string;
      listenerId: string;
      protocol: ListenerProtocol;
      port: number;
      state: ListenerObservedState;
      error?: string;
    }
  | {
      kind: 'health';
      loadBalancerId: string;
      listenerId: string;
      /** null: the listener's own pool; otherwise the forwarding rule's pool */
      ruleId: string | null;
      serverId: string;
      ip: string;
      port: number;
      status: ApiHealthStatus;
      state: HealthState;
      reason?: string;
    }
  | { kind: 'applied'; version: number };

/** The one narrow channel back to the control plane. */
export interface DataPlaneObserver {
  report(e: ObservedEvent): void;
}

export interface ServerHealthRow {
  loadBalancerId: string;
  listenerId: string;
  protocol: ListenerProtocol;
  listenerPort: number;
  ruleId: string | null;
  serverId: string;
  serverIp: string;
  port: number;
  status: ApiHealthStatus;
  state: HealthState;
}

export interface ListenerStateRow {
  loadBalancerId: string;
  listenerId: string;
  protocol: ListenerProtocol;
  port: number;
  state: ListenerObservedState;
  error?: string;
}

export interface DataPlaneOptions {
  clock?: DataPlaneClock;
  probers?: Partial<Record<HealthCheckSnapshot['type'], Prober>>;
  observer?: DataPlaneObserver;
  /** extra/replacement protocol handlers (http, https) */
  handlers?: ProtocolHandler[];
  /** close(): how long established connections of listeners without ConnectionDrain may finish */
  closeGraceMs?: number;
  /** injected faults (default: a fresh, empty set; reach it as `dataPlane.faults`) */
  faults?: DataPlaneFaults;
  /** layer-7 access logs of load balancers that configure them (absent: never written) */
  accessLogs?: AccessLogOptions;
  /**
   * A data-plane worker's pools: health comes from this feed (published by the control process),
   * nothing is probed here. Absent: every pool probes its members itself.
   */
  healthFeed?: HealthFeed;
  /**
   * The control process of a worker pool: pools and health checks for every forwarding listener,
   * no socket bound (the workers bind). Listener events report what this plane did, not traffic.
   */
  headless?: boolean;
  /** serve UDP listeners (default true; a worker that is not the UDP one leaves them out) */
  udp?: boolean;
  /**
   * At most this many binds in flight per apply (default: all at once). A cluster worker's bind is
   * a round trip to the control process, which passes each descriptor over the IPC channel one at a
   * time; thousands queued at once cost it time quadratic in the queue (docs/dataplane.md,
   * "Binding many listeners").
   */
  bindConcurrency?: number;
}

/** The headless plane's stand-in for a protocol: runs no socket. */
const headlessRuntime: ListenerRuntime = { listen: async () => {}, update() {}, close: async () => {}, destroy() {}, active: 0 };

/** What the API, /metrics and the fault rules read of a data plane: this one (in process), or a worker pool (worker/pool.ts). */
export interface DataPlaneView {
  readonly version: number | undefined;
  listenerStates(): ListenerStateRow[];
  readonly counters: { all(): CountersView[] };
  healthStatus(filter?: { loadBalancerId?: string; listenerId?: string }): ServerHealthRow[];
  readonly faults: { set(rules: readonly DataPlaneFaultRule[]): void; fired(): Map<string, number> };
  /** in-process only: the access-log files (tests flush them) */
  readonly accessLogs?: { flush(): Promise<void> };
}

export class SnapshotRejectedError extends Error {
  constructor(
    readonly version: number,
    readonly problems: SnapshotProblem[],
  ) {
    super(`snapshot v${version} rejected: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
}

interface Live {
  lbId: string;
  listener: ListenerSnapshot;
  bindKey: string;
  /** the shared entries it uses (sharedRefsOf) */
  refs: string[];
  runtime?: ListenerRuntime;
  pool: BackendPool;
  rulePools: Map<string, BackendPool>;
  state: ListenerObservedState;
  error?: string;
}

/** Which shared tables a snapshot has, by the tag of their reference keys. */
const TABLES = [
  ['acl', 'acls'],
  ['cert', 'serverCertificates'],
  ['ca', 'caCertificates'],
  ['tls', 'tlsCipherPolicies'],
] as const;

/** The shared entries a listener references, as `${tag}:${id}`. */
function sharedRefsOf(l: ListenerSnapshot): string[] {
  const out: string[] = [];
  if (l.acl) for (const a of l.acl.aclIds) out.push(`acl:${a}`);
  if (l.protocol === 'https') {
    out.push(`cert:${l.serverCertificateId}`, `tls:${l.tlsCipherPolicy}`);
    for (const d of l.domainExtensions) out.push(`cert:${d.serverCertificateId}`);
    if (l.caCertificateId !== null) out.push(`ca:${l.caCertificateId}`);
  }
  return out;
}

/** validateSnapshot's port space: listeners of any status compete for it. */
const portKey = (lb: LoadBalancerSnapshot, l: ListenerSnapshot) => flatKey([l.protocol === 'udp' ? 'udp' : 'tcp', lb.bindAddress ?? lb.address, l.port], ':');

/** What one snapshot changes against the applied one. */
interface SnapshotDiff {
  /** load balancers whose object is not the applied one (new ones included) */
  changed: LoadBalancerSnapshot[];
  /** ids of applied load balancers the snapshot no longer has */
  removed: string[];
  duplicateIds: boolean;
  /** shared entries (`${tag}:${id}`) added, replaced or removed */
  changedRefs: string[];
  removedRefs: string[];
}


/** `outer` behind a wall: a throwing observer must not break reconciliation or a health loop. */
export function guardedObserver(outer: DataPlaneObserver | undefined): DataPlaneObserver {
  return {
    report: (e) => {
      try {
        outer?.report(e);
      } catch {
        /* the observer's problem */
      }
    },
  };
}

export class DataPlane implements DataPlaneView {
  private handlers = new Map<ListenerProtocol, ProtocolHandler>();
  private live = new Map<string, Live>();
  /** live listener ids by load balancer */
  private liveByLb = new Map<string, Set<string>>();
  /** live listener ids by the shared entry they use */
  private liveByRef = new Map<string, Set<string>>();
  private current: Snapshot | undefined;
  /** the applied snapshot's load balancers by id, and what incremental checks need of them */
  private applied = new Map<string, LoadBalancerSnapshot>();
  /** port key (portKey) → the listener of the applied snapshot that has it */
  private ports = new Map<string, { lbId: string; listenerId: string }>();
  /** shared entry → applied load balancers with a listener referencing it */
  private refLbs = new Map<string, Set<string>>();
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private destroyed = false;
  private closingRuntimes = new Set<ListenerRuntime>();
  readonly counters = new CounterRegistry();
  /** data-plane fault injection (docs/dataplane.md, "Fault injection"): `faults.set(rules)` */
  readonly faults: DataPlaneFaults;
  /** the access-log files (docs/access-logs.md); undefined without the accessLogs option */
  readonly accessLogs: AccessLogs | undefined;
  private readonly clock: DataPlaneClock;
  private readonly probers: Record<HealthCheckSnapshot['type'], Prober>;
  private readonly observer: DataPlaneObserver;
  private readonly closeGraceMs: number;
  private readonly bindConcurrency: number;
  /** binds in flight (bindSlot) and the ones waiting for a slot */
  private binding = 0;
  private readonly bindWaiting: (() => void)[] = [];
  private readonly healthFeed: HealthFeed | undefined;
  private readonly headless: boolean;

  constructor(opts: DataPlaneOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.probers = sharedProbers({ ...defaultProbers, ...opts.probers }, () => this.clock.now());
    this.observer = guardedObserver(opts.observer);
    this.closeGraceMs = opts.closeGraceMs ?? 10_000;
    this.bindConcurrency = opts.bindConcurrency ?? 0;
    this.faults = opts.faults ?? new DataPlaneFaults();
    this.accessLogs = opts.accessLogs && !opts.headless ? new AccessLogs(opts.accessLogs) : undefined;
    this.healthFeed = opts.healthFeed;
    this.headless = opts.headless ?? false;
    this.register(tcpHandler);
    if (opts.udp !== false) this.register(udpHandler);
    for (const h of opts.handlers ?? []) this.register(h);
  }

  /** Plugs a protocol in (replaces the previous handler of that protocol for new listeners). */
  register(h: ProtocolHandler): void {
    this.handlers.set(h.protocol, this.headless ? { protocol: h.protocol, create: () => headlessRuntime } : h);
  }

  get version(): number | undefined {
    return this.current?.version;
  }

  /** load balancers the next reconcile of the applied snapshot looks at again (setUdp) */
  private forced: Set<string> | undefined;

  /**
   * Starts or stops serving UDP listeners (a worker that becomes, or stops being, the one serving
   * UDP): binds or closes the UDP listeners of the applied snapshot. Serialised with apply().
   */
  setUdp(on: boolean): Promise<void> {
    if (on === this.handlers.has('udp')) return Promise.resolve();
    if (on) this.register(udpHandler);
    else this.handlers.delete('udp');
    const run = async () => {
      const cur = this.current;
      if (!cur || this.closing || this.destroyed) return;
      this.forced = new Set(cur.loadBalancers.filter((lb) => lb.listeners.some((l) => l.protocol === 'udp')).map((lb) => lb.loadBalancerId));
      await this.reconcile(cur);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  /**
   * Reconciles to `snapshot`. Resolves once every socket that should be bound is bound (or has
   * failed, reported as 'failed'); rejects with SnapshotRejectedError without touching anything
   * when the snapshot is invalid. Calls are serialised; an older or equal version is ignored.
   */
  apply(snapshot: Snapshot): Promise<{ version: number; bound: string[]; failed: { listenerId: string; error: string }[] }> {
    const run = () => this.reconcile(snapshot);
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  private async reconcile(s: Snapshot) {
    if (this.closing || this.destroyed) throw new Error('data plane is closed');
    const diff = this.diff(s);
    const problems = this.check(s, diff);
    if (problems.length) throw new SnapshotRejectedError(s.version, problems);
    const forced = s === this.current ? this.forced : undefined;
    this.forced = undefined;
    if (this.current && s.version <= this.current.version && !forced) return { version: this.current.version, bound: [], failed: [] };
    freezeSnapshot(s);
    this.index(diff);
    // the load balancers to reconcile: changed, gone, or with a listener that failed to bind (retried)
    const lbIds = new Set<string>([...diff.changed.map((lb) => lb.loadBalancerId), ...diff.removed]);
    for (const row of this.failedRows.values()) lbIds.add(row.loadBalancerId);
    for (const id of forced ?? []) lbIds.add(id);
    const want = new Map<string, { lb: LoadBalancerSnapshot; l: ListenerSnapshot; bindKey: string }>();
    for (const id of lbIds) {
      const lb = this.applied.get(id);
      if (!lb) continue;
      for (const l of lb.listeners) {
        if (!isForwarding(lb, l) || !this.handlers.has(l.protocol)) continue;
        // the extra addresses (EIPs) are part of the key: a change binds the listener again
        const bindKey = `${l.protocol === 'udp' ? 'udp' : 'tcp'}|${lb.bindAddress ?? lb.address}|${l.port}|${l.protocol}${lb.extraAddresses?.length && l.protocol !== 'udp' ? `|${lb.extraAddresses.join(',')}` : ''}`;
        want.set(l.listenerId, { lb, l, bindKey });
      }
    }
    // listeners of other load balancers whose ACL / certificate / CA / TLS policy entry changed
    const refresh = new Set<string>();
    for (const ref of diff.changedRefs) {
      for (const id of this.liveByRef.get(ref) ?? []) if (!lbIds.has(this.live.get(id)!.lbId)) refresh.add(id);
    }
    // 1. close what must go (frees ports before anything is bound again)
    for (const lbId of lbIds) {
      for (const id of [...(this.liveByLb.get(lbId) ?? [])]) {
        const cur = this.live.get(id)!;
        const w = want.get(id);
        if (w && w.bindKey === cur.bindKey && w.lb.loadBalancerId === cur.lbId && cur.state === 'bound') continue;
        this.forget(id, cur);
        this.retire(cur, s.version);
      }
    }
    // 2. update what stays, bind what is new
    const bound: string[] = [];
    const failed: { listenerId: string; error: string }[] = [];
    const starts: Promise<void>[] = [];
    for (const [id, w] of want) {
      const cur = this.live.get(id);
      if (cur) {
        this.setRefs(id, cur, sharedRefsOf(w.l));
        cur.listener = w.l;
        this.updatePools(cur, w.lb, w.l);
        cur.runtime!.update(this.context(s, w.lb, w.l, cur));
        continue;
      }
      const entry: Live = { lbId: w.lb.loadBalancerId, listener: w.l, bindKey: w.bindKey, refs: [], pool: undefined as unknown as BackendPool, rulePools: new Map(), state: 'closed' };
      this.createPools(entry, w.lb, w.l);
      this.remember(id, entry, sharedRefsOf(w.l));
      const runtime = this.handlers.get(w.l.protocol)!.create(this.context(s, w.lb, w.l, entry));
      starts.push(
        this.bindSlot(() => runtime.listen()).then(
          () => {
            entry.runtime = runtime;
            entry.state = 'bound';
            bound.push(id);
            this.reportListener(s.version, entry);
          },
          (e: Error) => {
            runtime.destroy();
            entry.state = 'failed';
            entry.error = (e as NodeJS.ErrnoException).code ?? e.message;
            this.forget(id, entry);
            this.closePools(entry);
            failed.push({ listenerId: id, error: entry.error });
            this.reportListener(s.version, entry);
            this.failedRows.set(id, this.listenerRow(entry));
          },
        ),
      );
    }
    // 3. new ACL / certificate / policy entries for listeners whose own configuration is unchanged
    for (const id of refresh) {
      const cur = this.live.get(id);
      const lb = cur && this.applied.get(cur.lbId);
      if (cur?.runtime && lb) cur.runtime.update(this.context(s, lb, cur.listener, cur));
    }
    await Promise.all(starts);
    for (const id of bound) this.failedRows.delete(id);
    for (const [id, row] of [...this.failedRows]) if (lbIds.has(row.loadBalancerId) && !want.has(id)) this.failedRows.delete(id);
    this.current = s;
    this.observer.report({ kind: 'applied', version: s.version });
    return { version: s.version, bound, failed };
  }

  /** Runs `bind` now, or once fewer than bindConcurrency binds are in flight. */
  private bindSlot(bind: () => Promise<void>): Promise<void> {
    const max = this.bindConcurrency;
    if (!max) return bind();
    const run = (): Promise<void> => {
      if (this.destroyed) return Promise.reject(new Error('data plane is closed'));
      this.binding++;
      return bind().finally(() => {
        this.binding--;
        this.bindWaiting.shift()?.();
      });
    };
    if (this.binding < max) return run();
    return new Promise<void>((start) => this.bindWaiting.push(start)).then(run);
  }

  private remember(id: string, e: Live, refs: string[]) {
    this.live.set(id, e);
    addTo(this.liveByLb, e.lbId, id);
    this.setRefs(id, e, refs);
  }

  private setRefs(id: string, e: Live, refs: string[]) {
    for (const r of e.refs) removeFrom(this.liveByRef, r, id);
    e.refs = refs;
    for (const r of refs) addTo(this.liveByRef, r, id);
  }

  private forget(id: string, e: Live) {
    if (this.live.get(id) !== e) return;
    this.live.delete(id);
    removeFrom(this.liveByLb, e.lbId, id);
    for (const r of e.refs) removeFrom(this.liveByRef, r, id);
  }

  /**
   * What `s` changes against the applied snapshot: by object identity, nothing deeper. The lists
   * are walked side by side (the compiler keeps the order; load balancers come and go in place),
   * so the walk compares references; a reordered list falls back to a map of the new one.
   */
  private diff(s: Snapshot): SnapshotDiff {
    const cur = this.current;
    const d: SnapshotDiff = { changed: [], removed: [], duplicateIds: false, changedRefs: [], removedRefs: [] };
    if (!cur || s.loadBalancers !== cur.loadBalancers) {
      const news = s.loadBalancers;
      const olds = cur?.loadBalancers ?? [];
      const added = new Set<string>();
      let i = 0;
      let j = 0;
      walk: while (i < news.length) {
        const lb = news[i]!;
        if (olds[j] === lb) {
          i++;
          j++;
          continue;
        }
        const id = lb.loadBalancerId;
        if (j < olds.length && olds[j]!.loadBalancerId === id) {
          d.changed.push(lb);
          i++;
          j++;
          continue;
        }
        if (!this.applied.has(id)) {
          if (added.has(id)) d.duplicateIds = true;
          added.add(id);
          d.changed.push(lb);
          i++;
          continue;
        }
        // applied, but not here: the ones in between are gone (or the list was reordered)
        for (let k = j + 1; k < olds.length && k < j + 64; k++) {
          if (olds[k]!.loadBalancerId !== id) continue;
          for (; j < k; j++) d.removed.push(olds[j]!.loadBalancerId);
          continue walk;
        }
        return this.diffByMap(s, d);
      }
      for (; j < olds.length; j++) d.removed.push(olds[j]!.loadBalancerId);
    }
    this.diffShared(s, d);
    return d;
  }

  private diffByMap(s: Snapshot, d: SnapshotDiff): SnapshotDiff {
    d.changed = [];
    d.removed = [];
    const byId = new Map<string, LoadBalancerSnapshot>();
    for (const lb of s.loadBalancers) {
      if (byId.has(lb.loadBalancerId)) d.duplicateIds = true;
      byId.set(lb.loadBalancerId, lb);
      if (this.applied.get(lb.loadBalancerId) !== lb) d.changed.push(lb);
    }
    for (const id of this.applied.keys()) if (!byId.has(id)) d.removed.push(id);
    this.diffShared(s, d);
    return d;
  }

  private diffShared(s: Snapshot, d: SnapshotDiff) {
    const cur = this.current;
    if (!cur) return;
    for (const [tag, t] of TABLES) {
      const a = cur[t] as Readonly<Record<string, unknown>>;
      const b = s[t] as Readonly<Record<string, unknown>>;
      if (a === b) continue;
      for (const id of Object.keys(b)) if (!Object.hasOwn(a, id) || a[id] !== b[id]) d.changedRefs.push(`${tag}:${id}`);
      for (const id of Object.keys(a)) {
        if (Object.hasOwn(b, id)) continue;
        d.changedRefs.push(`${tag}:${id}`);
        d.removedRefs.push(`${tag}:${id}`);
      }
    }
  }

  /**
   * validateSnapshot's verdict, looking only at what changed: the applied snapshot passed, and
   * what is the same object did not change. Checked: new/replaced shared entries, changed load
   * balancers, unchanged ones that reference a removed entry, and ports against the unchanged ones.
   * Any doubt → the full validateSnapshot (which also words the problems).
   */
  private check(s: Snapshot, d: SnapshotDiff): SnapshotProblem[] {
    if (!this.current || d.duplicateIds || !Number.isInteger(s.version) || s.version < 0) return validateSnapshot(s);
    const part: { -readonly [K in keyof Snapshot]: Snapshot[K] } = { version: s.version, loadBalancers: [], acls: {}, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {} };
    const pick = (ref: string) => {
      const i = ref.indexOf(':');
      const t = TABLES.find(([tag]) => tag === ref.slice(0, i))![1];
      const id = ref.slice(i + 1);
      const table = s[t] as Readonly<Record<string, unknown>>;
      if (Object.hasOwn(table, id)) (part[t] as Record<string, unknown>)[id] = table[id];
    };
    for (const ref of d.changedRefs) pick(ref);
    const lbs = new Set<LoadBalancerSnapshot>(d.changed);
    const changedIds = new Set([...d.changed.map((lb) => lb.loadBalancerId), ...d.removed]);
    for (const ref of d.removedRefs) {
      // unchanged load balancers that use a removed entry (changed ones are checked anyway)
      for (const id of this.refLbs.get(ref) ?? []) if (!changedIds.has(id)) lbs.add(this.applied.get(id)!);
    }
    for (const lb of lbs) {
      for (const l of lb.listeners) {
        for (const ref of sharedRefsOf(l)) pick(ref);
        const owner = this.ports.get(portKey(lb, l));
        if (owner && owner.listenerId !== l.listenerId && !changedIds.has(owner.lbId)) return validateSnapshot(s);
      }
    }
    part.loadBalancers = [...lbs];
    return validateSnapshot(part).length ? validateSnapshot(s) : [];
  }

  /** Makes `diff` the applied state of the incremental checks. */
  private index(d: SnapshotDiff) {
    const drop = (id: string) => {
      const old = this.applied.get(id);
      if (!old) return;
      for (const l of old.listeners) {
        const k = portKey(old, l);
        if (this.ports.get(k)?.lbId === id) this.ports.delete(k);
        for (const ref of sharedRefsOf(l)) removeFrom(this.refLbs, ref, id);
      }
      this.applied.delete(id);
    };
    for (const id of d.removed) drop(id);
    for (const lb of d.changed) drop(lb.loadBalancerId);
    for (const lb of d.changed) {
      const id = lb.loadBalancerId;
      this.applied.set(id, lb);
      for (const l of lb.listeners) {
        this.ports.set(portKey(lb, l), { lbId: id, listenerId: l.listenerId });
        for (const ref of sharedRefsOf(l)) addTo(this.refLbs, ref, id);
      }
    }
  }

  private failedRows = new Map<string, ListenerStateRow>();

  private retire(cur: Live, version: number) {
    this.closePools(cur);
    const rt = cur.runtime;
    cur.state = 'closed';
    this.reportListener(version, cur);
    if (!rt) return;
    const l = cur.listener;
    const drainMs = (l.protocol === 'tcp' || l.protocol === 'udp') && l.connectionDrain.enabled ? l.connectionDrain.timeoutMs : 0;
    this.closingRuntimes.add(rt);
    void rt.close(drainMs).finally(() => this.closingRuntimes.delete(rt));
  }

  private poolConfig(lb: LoadBalancerSnapshot, l: ListenerSnapshot, groupId: string, hc: HealthCheckSnapshot, scheduler: PoolConfig['scheduler']): PoolConfig {
    const l4 = l.protocol === 'tcp' || l.protocol === 'udp';
    return {
      group: lb.serverGroups[groupId]!,
      backendServerPort: l.backendServerPort,
      healthCheck: hc,
      scheduler,
      persistenceTimeoutMs: l4 ? l.persistenceTimeoutMs : 0,
      drain: l4 ? l.connectionDrain : { enabled: false, timeoutMs: 0 },
    };
  }

  private rulePoolConfigs(lb: LoadBalancerSnapshot, l: ListenerSnapshot): Map<string, PoolConfig> {
    const out = new Map<string, PoolConfig>();
    if (l.protocol !== 'http' && l.protocol !== 'https') return out;
    for (const r of l.rules) {
      out.set(r.ruleId, this.poolConfig(lb, l, r.serverGroupId, r.override?.healthCheck ?? l.healthCheck, r.override?.scheduler ?? l.scheduler));
    }
    return out;
  }

  private createPools(e: Live, lb: LoadBalancerSnapshot, l: ListenerSnapshot) {
    e.pool = this.newPool(e, null, this.poolConfig(lb, l, l.serverGroupId, l.healthCheck, l.scheduler));
    for (const [rid, cfg] of this.rulePoolConfigs(lb, l)) e.rulePools.set(rid, this.newPool(e, rid, cfg));
  }

  private updatePools(e: Live, lb: LoadBalancerSnapshot, l: ListenerSnapshot) {
    e.pool.update(this.poolConfig(lb, l, l.serverGroupId, l.healthCheck, l.scheduler));
    const cfgs = this.rulePoolConfigs(lb, l);
    for (const [rid, p] of e.rulePools) {
      if (!cfgs.has(rid)) {
        p.close();
        e.rulePools.delete(rid);
      }
    }
    for (const [rid, cfg] of cfgs) {
      const p = e.rulePools.get(rid);
      if (p) p.update(cfg);
      else e.rulePools.set(rid, this.newPool(e, rid, cfg));
    }
  }

  private newPool(e: Live, ruleId: string | null, cfg: PoolConfig): BackendPool {
    const feed = this.healthFeed;
    const health = feed ? (_: HealthCheckSnapshot, onChange: Parameters<typeof feed.attach>[1]) => feed.attach(poolKey(e.listener.listenerId, ruleId), onChange) : this.probers;
    return new BackendPool(cfg, this.clock, health, (h) =>
      this.observer.report({
        kind: 'health',
        loadBalancerId: e.lbId,
        listenerId: e.listener.listenerId,
        ruleId,
        serverId: h.member.serverId,
        ip: h.member.ip,
        port: h.member.port,
        status: toApiStatus(h.state),
        state: h.state,
        reason: h.reason,
      }),
    );
  }

  private closePools(e: Live) {
    e.pool?.close();
    for (const p of e.rulePools.values()) p.close();
  }

  /**
   * A listener's context. Its `snapshot` holds this load balancer and the shared entries the
   * listener references only: a listener left alone by later applies must not keep a whole old
   * snapshot alive.
   */
  private context(s: Snapshot, lb: LoadBalancerSnapshot, l: ListenerSnapshot, e: Live): ListenerContext {
    const view = { version: s.version, loadBalancers: [lb], acls: {}, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {} } as { -readonly [K in keyof Snapshot]: Snapshot[K] };
    for (const ref of e.refs) {
      const i = ref.indexOf(':');
      const t = TABLES.find(([tag]) => tag === ref.slice(0, i))![1];
      const id = ref.slice(i + 1);
      const table = s[t] as Readonly<Record<string, unknown>>;
      if (Object.hasOwn(table, id)) (view[t] as Record<string, unknown>)[id] = table[id];
    }
    return {
      snapshot: view,
      loadBalancer: lb,
      listener: l,
      bindAddress: lb.bindAddress ?? lb.address,
      acl: compileAcl(l.acl, s.acls),
      pool: e.pool,
      rulePools: e.rulePools,
      counters: this.counters.get(l.listenerId),
      clock: this.clock,
      faults: this.faults,
      ...(lb.accessLog && this.accessLogs && (l.protocol === 'http' || l.protocol === 'https')
        ? { accessLog: new AccessLogSink(this.accessLogs.file(lb.accessLog.project, lb.accessLog.logstore), lb.loadBalancerId, lb.address, l.port, l.protocol) }
        : {}),
    };
  }

  private listenerRow(e: Live): ListenerStateRow {
    return { loadBalancerId: e.lbId, listenerId: e.listener.listenerId, protocol: e.listener.protocol, port: e.listener.port, state: e.state, error: e.error };
  }

  private reportListener(version: number, e: Live) {
    this.observer.report({ kind: 'listener', version, ...this.listenerRow(e) });
  }

  /** Observed listener states: bound ones and the ones that failed to bind in the last apply. */
  listenerStates(): ListenerStateRow[] {
    return [...[...this.live.values()].map((e) => this.listenerRow(e)), ...this.failedRows.values()];
  }

  /**
   * What DescribeHealthStatus reports: one row per (listener, member). Listeners that do not
   * forward are absent (the API layer answers `unavailable` for their servers).
   */
  healthStatus(filter: { loadBalancerId?: string; listenerId?: string } = {}): ServerHealthRow[] {
    const rows: ServerHealthRow[] = [];
    for (const e of this.liveOf(filter.loadBalancerId)) {
      if (filter.loadBalancerId && e.lbId !== filter.loadBalancerId) continue;
      if (filter.listenerId && e.listener.listenerId !== filter.listenerId) continue;
      const pools: [string | null, BackendPool][] = [[null, e.pool], ...[...e.rulePools].map(([k, v]) => [k, v] as [string, BackendPool])];
      for (const [ruleId, p] of pools) {
        for (const m of p.members()) {
          rows.push({
            loadBalancerId: e.lbId,
            listenerId: e.listener.listenerId,
            protocol: e.listener.protocol,
            listenerPort: e.listener.port,
            ruleId,
            serverId: m.serverId,
            serverIp: m.ip,
            port: m.port,
            status: toApiStatus(m.health),
            state: m.health,
          });
        }
      }
    }
    return rows;
  }

  /**
   * One server's health on one listener, in the shape of src/products/slb/services/health-view.ts's HealthKey
   * (so `setHealthView({ get: (k) => dataPlane.serverHealth(k) })` wires DescribeHealthStatus).
   * When a server sits in several pools of the listener (the listener's and rules'), any `normal`
   * wins, then `abnormal`. undefined: the listener does not forward here, or the server is unknown.
   */
  serverHealth(k: { loadBalancerId: string; listenerPort: number; protocol: string; serverId: string; port: number }): ApiHealthStatus | undefined {
    const proto = k.protocol.toLowerCase();
    let found: ApiHealthStatus | undefined;
    for (const e of this.liveOf(k.loadBalancerId)) {
      if (e.lbId !== k.loadBalancerId || e.listener.port !== k.listenerPort || e.listener.protocol !== proto) continue;
      for (const p of [e.pool, ...e.rulePools.values()]) {
        for (const m of p.members()) {
          if (m.serverId !== k.serverId || m.port !== k.port) continue;
          const st = toApiStatus(m.health);
          if (st === 'normal') return st;
          if (st === 'abnormal' || !found) found = st;
        }
      }
    }
    return found;
  }

  /** Live listeners, of one load balancer when `lbId` is given. */
  private *liveOf(lbId: string | undefined): Iterable<Live> {
    if (!lbId) {
      yield* this.live.values();
      return;
    }
    for (const id of this.liveByLb.get(lbId) ?? []) yield this.live.get(id)!;
  }

  /** The runtime of a bound listener (tests, L7 introspection). */
  runtime(listenerId: string): ListenerRuntime | undefined {
    return this.live.get(listenerId)?.runtime;
  }

  pool(listenerId: string): BackendPool | undefined {
    return this.live.get(listenerId)?.pool;
  }

  /**
   * Graceful shutdown: stops accepting everywhere, lets established connections finish (for up to
   * each listener's drain timeout, or closeGraceMs without ConnectionDrain), then resolves.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const run = async () => {
      const waits: Promise<void>[] = [];
      for (const e of this.live.values()) {
        this.closePools(e);
        const rt = e.runtime;
        if (!rt) continue;
        const l = e.listener;
        const drainMs = (l.protocol === 'tcp' || l.protocol === 'udp') && l.connectionDrain.enabled ? l.connectionDrain.timeoutMs : this.closeGraceMs;
        e.state = 'closed';
        this.reportListener(this.current?.version ?? 0, e);
        waits.push(rt.close(drainMs));
      }
      this.live.clear();
      this.liveByLb.clear();
      this.liveByRef.clear();
      await Promise.all([...waits, ...[...this.closingRuntimes].map((r) => r.close(0))]);
      await this.accessLogs?.close();
    };
    this.closing = this.queue.then(run, run);
    return this.closing;
  }

  /** Aborts every socket and timer now. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.closing ??= Promise.resolve();
    for (const e of this.live.values()) {
      this.closePools(e);
      e.runtime?.destroy();
    }
    for (const rt of this.closingRuntimes) rt.destroy();
    this.closingRuntimes.clear();
    this.live.clear();
    this.liveByLb.clear();
    this.liveByRef.clear();
    void this.accessLogs?.close();
  }
}
