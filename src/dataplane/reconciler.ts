// DataPlane: applies snapshots by diff. A listener owns a bound socket iff it is
// starting/running/configuring on an active load balancer (snapshot.isForwarding). Everything
// else about a listener is swapped in place for new connections; established ones keep going.
import { compileAcl } from './acl.js';
import { realClock, type DataPlaneClock } from './clock.js';
import { CounterRegistry } from './counters.js';
import { defaultProbers } from './health/probers.js';
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
  runtime?: ListenerRuntime;
  pool: BackendPool;
  rulePools: Map<string, BackendPool>;
  state: ListenerObservedState;
  error?: string;
}

export class DataPlane {
  private handlers = new Map<ListenerProtocol, ProtocolHandler>();
  private live = new Map<string, Live>();
  private current: Snapshot | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private destroyed = false;
  private closingRuntimes = new Set<ListenerRuntime>();
  readonly counters = new CounterRegistry();
  private readonly clock: DataPlaneClock;
  private readonly probers: Record<HealthCheckSnapshot['type'], Prober>;
  private readonly observer: DataPlaneObserver;
  private readonly closeGraceMs: number;

  constructor(opts: DataPlaneOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.probers = { ...defaultProbers, ...opts.probers };
    const outer = opts.observer;
    // a throwing observer must not break reconciliation or a health loop
    this.observer = {
      report: (e) => {
        try {
          outer?.report(e);
        } catch {
          /* the observer's problem */
        }
      },
    };
    this.closeGraceMs = opts.closeGraceMs ?? 10_000;
    this.register(tcpHandler);
    this.register(udpHandler);
    for (const h of opts.handlers ?? []) this.register(h);
  }

  /** Plugs a protocol in (replaces the previous handler of that protocol for new listeners). */
  register(h: ProtocolHandler): void {
    this.handlers.set(h.protocol, h);
  }

  get version(): number | undefined {
    return this.current?.version;
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
    const problems = validateSnapshot(s);
    if (problems.length) throw new SnapshotRejectedError(s.version, problems);
    if (this.current && s.version <= this.current.version) return { version: this.current.version, bound: [], failed: [] };
    freezeSnapshot(s);
    const want = new Map<string, { lb: LoadBalancerSnapshot; l: ListenerSnapshot; bindKey: string }>();
    for (const lb of s.loadBalancers) {
      for (const l of lb.listeners) {
        if (!isForwarding(lb, l) || !this.handlers.has(l.protocol)) continue;
        const bindKey = `${l.protocol === 'udp' ? 'udp' : 'tcp'}|${lb.bindAddress ?? lb.address}|${l.port}|${l.protocol}`;
        want.set(l.listenerId, { lb, l, bindKey });
      }
    }
    // 1. close what must go (frees ports before anything is bound again)
    for (const [id, cur] of this.live) {
      const w = want.get(id);
      if (w && w.bindKey === cur.bindKey && cur.state === 'bound') continue;
      this.live.delete(id);
      this.retire(cur, s.version);
    }
    // 2. update what stays, bind what is new
    const bound: string[] = [];
    const failed: { listenerId: string; error: string }[] = [];
    const starts: Promise<void>[] = [];
    for (const [id, w] of want) {
      const cur = this.live.get(id);
      if (cur) {
        cur.listener = w.l;
        this.updatePools(cur, w.lb, w.l);
        cur.runtime!.update(this.context(s, w.lb, w.l, cur));
        continue;
      }
      const entry: Live = { lbId: w.lb.loadBalancerId, listener: w.l, bindKey: w.bindKey, pool: undefined as unknown as BackendPool, rulePools: new Map(), state: 'closed' };
      this.createPools(entry, w.lb, w.l);
      this.live.set(id, entry);
      const runtime = this.handlers.get(w.l.protocol)!.create(this.context(s, w.lb, w.l, entry));
      starts.push(
        runtime.listen().then(
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
            this.live.delete(id);
            this.closePools(entry);
            failed.push({ listenerId: id, error: entry.error });
            this.reportListener(s.version, entry);
            this.failedRows.set(id, this.listenerRow(entry));
          },
        ),
      );
    }
    await Promise.all(starts);
    for (const id of bound) this.failedRows.delete(id);
    for (const id of [...this.failedRows.keys()]) if (!want.has(id)) this.failedRows.delete(id);
    this.current = s;
    this.observer.report({ kind: 'applied', version: s.version });
    return { version: s.version, bound, failed };
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
    return new BackendPool(cfg, this.clock, this.probers, (h) =>
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

  private context(s: Snapshot, lb: LoadBalancerSnapshot, l: ListenerSnapshot, e: Live): ListenerContext {
    return {
      snapshot: s,
      loadBalancer: lb,
      listener: l,
      bindAddress: lb.bindAddress ?? lb.address,
      acl: compileAcl(l.acl, s.acls),
      pool: e.pool,
      rulePools: e.rulePools,
      counters: this.counters.get(l.listenerId),
      clock: this.clock,
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
    for (const e of this.live.values()) {
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
   * One server's health on one listener, in the shape of src/services/health-view.ts's HealthKey
   * (so `setHealthView({ get: (k) => dataPlane.serverHealth(k) })` wires DescribeHealthStatus).
   * When a server sits in several pools of the listener (the listener's and rules'), any `normal`
   * wins, then `abnormal`. undefined: the listener does not forward here, or the server is unknown.
   */
  serverHealth(k: { loadBalancerId: string; listenerPort: number; protocol: string; serverId: string; port: number }): ApiHealthStatus | undefined {
    const proto = k.protocol.toLowerCase();
    let found: ApiHealthStatus | undefined;
    for (const e of this.live.values()) {
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
      await Promise.all([...waits, ...[...this.closingRuntimes].map((r) => r.close(0))]);
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
  }
}
