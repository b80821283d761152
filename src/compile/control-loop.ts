// The control loop between the store and a data plane: on every committed change to desired state
// it recompiles (debounced; a burst of writes becomes one snapshot, versions strictly increase)
// and hands the snapshot to the data plane, which applies it by diff. The compile is incremental:
// the changes name their documents (Change.resources), so only the load balancers they affect are
// read and recompiled, and the others keep their snapshot objects (the data plane skips them); a
// change that does not name its documents, the first compile and a failed one make a full compile.
// What the data plane observes comes back through its one narrow channel (ObservedEvent) and is
// turned into:
// - listener lifecycle: a pending Start/Stop/Set (starting/stopping/configuring) counts as applied
//   once a snapshot that carries it has been applied (socket bound or closed, pools swapped);
// - backend health for DescribeHealthStatus (HealthView), per (LB, listener port+protocol, server, port).
// The data plane is reached only through `DataPlaneLink` (apply + close) and the events it reports,
// so it could live in another process.
import { flatKey } from '../util/flat-key.js';
import type { ObservedEvent, Snapshot } from '../dataplane/index.js';
import type { LoadBalancerSnapshot } from '../dataplane/snapshot.js';
import type { HealthKey, HealthView, ServerHealthStatus } from '../products/slb/services/health-view.js';
import { setHealthView, healthView } from '../products/slb/services/health-view.js';
import { setLifecyclePolicy, type LifecyclePolicy, type Pending } from '../products/slb/services/listener-lifecycle.js';
import type { ListenerDoc } from '../products/slb/services/model.js';
import { KINDS, listenerId as listenerIdOf } from '../products/slb/services/model.js';
import type { ChangedResource, Store } from '../state/store.js';
import { pendingKey, type CompileProblem, type PendingChange } from './compile-lb.js';
import { SnapshotCompiler, type CompileDelta } from './incremental.js';

/** What the loop needs from a data plane. */
export interface DataPlaneLink {
  apply(s: Snapshot): Promise<{ version: number; bound: string[]; failed: { listenerId: string; error: string }[] }>;
  close(): Promise<void>;
}

export interface ControlLoopLog {
  debug?(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ControlLoopOptions {
  /** quiet period before a recompile (ms); a burst of writes within it becomes one snapshot */
  debounceMs?: number;
  /** when binds failed, retry after this long (ms) */
  retryMs?: number;
  log?: ControlLoopLog;
}

/** Kinds whose changes can alter a snapshot. */
const RELEVANT = new Set([
  'loadBalancer', 'listener', 'vServerGroup', 'masterSlaveServerGroup', 'rule', 'acl', 'serverCertificate',
  'caCertificate', 'domainExtension', 'tlsCipherPolicy', 'instance', 'account', 'accessLogsDownload',
]);

const silent: ControlLoopLog = { info() {}, warn() {}, error() {} };

/** How the loop has been compiling (GET /_openslb/dataplane `Compiles`). */
export interface CompileCounters {
  /** compiles that read everything (the first one, changes that do not name their documents, after a failure) */
  full: number;
  /** compiles that read only the load balancers the changes affect */
  incremental: number;
  /** load balancers compiled from their documents, over all compiles */
  loadBalancersRecompiled: number;
  /** load balancers only re-checked (a shared entry they reference appeared or disappeared), over all compiles */
  loadBalancersRechecked: number;
  last?: {
    version: number;
    mode: 'full' | 'incremental';
    /** documents the change named (undefined: a full compile) */
    resources?: number;
    recompiled: number;
    rechecked: number;
    /** load balancers whose snapshot changed (what the data plane had to look at) */
    changed: number;
    compileMs: number;
    applyMs: number;
  };
}

export class ControlLoop {
  private version = 0;
  private appliedVersion = 0;
  /** pending change → the first snapshot version that carries it */
  private pendingAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = 0;
  private bindErrors = new Map<string, string>();
  private running: Promise<void> | undefined;
  private rerun = false;
  /** a change committed that no finished compile has read yet */
  private dirty = false;
  private closed = false;
  private unsubscribe: () => void = () => {};
  /** health by load balancer → HealthKey → pool (listenerId|ruleId) */
  private health = new Map<string, Map<string, Map<string, ServerHealthStatus>>>();
  private readonly compiler: SnapshotCompiler;
  /** the documents changed since the last compile started ('all': anything may have changed) */
  private changes: Map<string, ChangedResource> | 'all' = 'all';
  /** load balancers compiled since health was last pruned ('all': prune everything) */
  private healthToPrune: Map<string, LoadBalancerSnapshot | undefined> | 'all' = 'all';
  readonly compiles: CompileCounters = { full: 0, incremental: 0, loadBalancersRecompiled: 0, loadBalancersRechecked: 0 };
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private readonly log: ControlLoopLog;
  /** the problems of the last compile (left-out listeners and why) */
  lastProblems: CompileProblem[] = [];
  private lastProblemKeys = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly link: DataPlaneLink,
    opts: ControlLoopOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 15;
    this.retryMs = opts.retryMs ?? 2000;
    this.log = opts.log ?? silent;
    this.compiler = new SnapshotCompiler(store);
  }

  /** Subscribes to the store and publishes the first snapshot; resolves once it is applied. */
  async start(): Promise<void> {
    this.unsubscribe = this.store.onChange((c) => {
      if (![...c.kinds].some((k) => RELEVANT.has(k))) return;
      if (!c.resources) this.changes = 'all';
      else if (this.changes !== 'all') for (const r of c.resources) if (RELEVANT.has(r.kind)) this.changes.set(`${r.kind}\u0000${r.account}\u0000${r.region}\u0000${r.id}`, r);
      this.schedule();
    });
    registry.add(this);
    this.dirty = true;
    await this.run();
  }

  /** The observer the data plane reports into (DataPlaneOptions.observer). */
  readonly observer = {
    report: (e: ObservedEvent): void => {
      if (e.kind === 'applied') {
        this.appliedVersion = Math.max(this.appliedVersion, e.version);
        for (const [k, v] of this.pendingAt) if (v <= this.appliedVersion) this.pendingAt.set(k, 0);
      } else if (e.kind === 'health') {
        const port = Number(e.listenerId.slice(e.listenerId.lastIndexOf('_') + 1));
        const proto = e.listenerId.slice(e.loadBalancerId.length + 1, e.listenerId.lastIndexOf('_'));
        const key = healthKeyString({ loadBalancerId: e.loadBalancerId, listenerPort: port, protocol: proto, serverId: e.serverId, port: e.port });
        let byKey = this.health.get(e.loadBalancerId);
        if (!byKey) this.health.set(e.loadBalancerId, (byKey = new Map()));
        let byPool = byKey.get(key);
        if (!byPool) byKey.set(key, (byPool = new Map()));
        byPool.set(`${e.listenerId}|${e.ruleId ?? ''}`, e.status);
      } else if (e.kind === 'listener') {
        if (e.state === 'failed') {
          // once per listener and error, not on every retry
          if (this.bindErrors.get(e.listenerId) !== e.error) {
            this.log.warn({ listenerId: e.listenerId, error: e.error }, `listener ${e.listenerId} could not bind ${e.port}/${e.protocol}: ${e.error} (retrying)`);
          }
          this.bindErrors.set(e.listenerId, e.error ?? '');
        } else {
          this.bindErrors.delete(e.listenerId);
          this.log.info({ listenerId: e.listenerId, version: e.version }, `listener ${e.listenerId} ${e.state === 'bound' ? 'bound' : 'closed'} (${e.protocol}/${e.port})`);
        }
        if (e.state !== 'bound') this.forgetListener(e.loadBalancerId, e.listenerId);
      }
    },
  };

  private forgetListener(loadBalancerId: string, listenerId: string) {
    const byKey = this.health.get(loadBalancerId);
    if (!byKey) return;
    const prefix = `${listenerId}|`;
    for (const [k, byPool] of byKey) {
      for (const p of byPool.keys()) if (p.startsWith(prefix)) byPool.delete(p);
      if (!byPool.size) byKey.delete(k);
    }
    if (!byKey.size) this.health.delete(loadBalancerId);
  }

  /**
   * Drops health records of pool members the applied snapshot no longer has (removed, re-added
   * later): of the load balancers compiled since the last prune, or of all after a full compile.
   */
  private pruneHealth(s: Snapshot) {
    const todo = this.healthToPrune;
    this.healthToPrune = new Map();
    if (todo === 'all') {
      const byId = new Map(s.loadBalancers.map((lb) => [lb.loadBalancerId, lb] as const));
      for (const id of [...this.health.keys()]) this.pruneLbHealth(id, byId.get(id));
    } else for (const [id, lb] of todo) this.pruneLbHealth(id, lb);
  }

  private pruneLbHealth(id: string, lb: LoadBalancerSnapshot | undefined) {
    const byKey = this.health.get(id);
    if (!byKey) return;
    if (!lb) {
      this.health.delete(id);
      return;
    }
    const keep = new Set<string>();
    for (const l of lb.listeners) {
      const pools: [string, string][] = [['', l.serverGroupId]];
      if (l.protocol === 'http' || l.protocol === 'https') for (const r of l.rules) pools.push([r.ruleId, r.serverGroupId]);
      for (const [ruleId, gid] of pools) {
        for (const m of lb.serverGroups[gid]?.servers ?? []) {
          const port = m.port ?? l.backendServerPort ?? 0;
          const key = healthKeyString({ loadBalancerId: lb.loadBalancerId, listenerPort: l.port, protocol: l.protocol, serverId: m.serverId, port });
          keep.add(`${key}#${l.listenerId}|${ruleId}`);
        }
      }
    }
    for (const [k, byPool] of byKey) {
      for (const p of byPool.keys()) if (!keep.has(`${k}#${p}`)) byPool.delete(p);
      if (!byPool.size) byKey.delete(k);
    }
    if (!byKey.size) this.health.delete(id);
  }

  private notePruneHealth(d: CompileDelta) {
    if (d.mode === 'full') this.healthToPrune = 'all';
    else if (this.healthToPrune !== 'all') for (const [id, lb] of d.changed) this.healthToPrune.set(id, lb);
  }

  /** What the probes concluded for one server on one listener (any pool saying normal wins). */
  serverHealth(k: HealthKey): ServerHealthStatus | undefined {
    const byPool = this.health.get(k.loadBalancerId)?.get(healthKeyString(k));
    if (!byPool) return undefined;
    let out: ServerHealthStatus | undefined;
    for (const s of byPool.values()) {
      if (s === 'normal') return s;
      if (s === 'abnormal' || !out) out = s;
    }
    return out;
  }

  /**
   * Where a pending listener change stands: 'applied' once a snapshot carrying it is applied,
   * 'waiting' while it is compiled but not applied (or a change is not compiled yet),
   * 'unknown' when this loop never saw it.
   */
  pendingState(l: ListenerDoc, p: Pending): 'applied' | 'waiting' | 'unknown' {
    const v = this.pendingAt.get(pendingKey(listenerIdOf(l.LoadBalancerId, l.ListenerProtocol, l.ListenerPort), p));
    if (v === undefined) return this.dirty || this.running ? 'waiting' : 'unknown';
    return v === 0 || v <= this.appliedVersion ? 'applied' : 'waiting';
  }

  /** Waits until every change committed so far is compiled and applied (tests, shutdown). */
  async settle(): Promise<void> {
    while (!this.closed && (this.timer || this.running || this.dirty)) {
      if (this.running) await this.running;
      else if (this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
        await this.run();
      } else await this.run();
    }
  }

  private schedule() {
    if (this.closed) return;
    this.dirty = true;
    if (this.running) {
      this.rerun = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.debounceMs);
  }

  private run(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    const p = this.once().finally(() => {
      this.running = undefined;
      if (this.rerun && !this.closed) {
        this.rerun = false;
        this.schedule();
      }
    });
    this.running = p;
    return p;
  }

  private async once(): Promise<void> {
    if (this.closed) return;
    this.dirty = false;
    const version = ++this.version;
    const changes = this.changes;
    this.changes = new Map();
    try {
      const t0 = performance.now();
      let compiled;
      try {
        compiled = await this.compiler.compile(version, changes === 'all' ? undefined : [...changes.values()]);
      } catch (e) {
        this.changes = 'all'; // the compiler starts over with a full compile
        throw e;
      }
      const { snapshot, problems, pending, delta } = compiled;
      const compileMs = performance.now() - t0;
      this.countCompile(version, delta, changes === 'all' ? undefined : changes.size, compileMs);
      this.notePruneHealth(delta);
      for (const c of pending) {
        const k = pendingKey(c.listenerId, c);
        if (!this.pendingAt.has(k)) this.pendingAt.set(k, version);
      }
      const live = new Set(pending.map((c) => pendingKey(c.listenerId, c)));
      for (const k of this.pendingAt.keys()) if (!live.has(k)) this.pendingAt.delete(k);
      const problemKey = (p: CompileProblem) => `${p.kind}\u0000${p.id}\u0000${p.message}`;
      const keys = new Set(problems.map(problemKey));
      for (const p of problems) if (!this.lastProblemKeys.has(problemKey(p))) this.log.warn(p, `left out of snapshot v${version}: ${p.kind} ${p.id}: ${p.message}`);
      this.lastProblems = problems;
      this.lastProblemKeys = keys;
      if (this.closed) return;
      const t1 = performance.now();
      const res = await this.link.apply(snapshot);
      if (this.compiles.last?.version === version) this.compiles.last.applyMs = performance.now() - t1;
      this.appliedVersion = Math.max(this.appliedVersion, res.version);
      for (const [k, v] of this.pendingAt) if (v <= this.appliedVersion) this.pendingAt.set(k, 0);
      if (res.failed.length) this.retrySoon();
      else this.retryDelay = 0;
      for (const id of this.bindErrors.keys()) if (!res.failed.some((f) => f.listenerId === id)) this.bindErrors.delete(id);
      this.pruneHealth(snapshot);
      if (!this.closed) await this.complete(pending);
    } catch (e) {
      if (this.closed) return;
      this.log.error({ err: e }, `snapshot v${version} was not applied`);
      this.retrySoon();
    }
  }

  private countCompile(version: number, d: CompileDelta, resources: number | undefined, compileMs: number) {
    const c = this.compiles;
    c[d.mode]++;
    c.loadBalancersRecompiled += d.recompiled;
    c.loadBalancersRechecked += d.rechecked;
    c.last = { version, mode: d.mode, ...(resources !== undefined ? { resources } : {}), recompiled: d.recompiled, rechecked: d.rechecked, changed: d.changed.size, compileMs, applyMs: 0 };
    this.log.debug?.(
      { version, mode: d.mode, resources, recompiled: d.recompiled, rechecked: d.rechecked, changed: d.changed.size, compileMs: Math.round(compileMs * 100) / 100 },
      `snapshot v${version}: ${d.mode} compile, ${d.recompiled} load balancer(s) recompiled, ${d.changed.size} changed`,
    );
  }

  /**
   * Completes the listener transitions this apply carried out: starting → running, stopping →
   * stopped, configuring → running, so the API shows the transitional state only while the change
   * was really being applied (a later observation would complete them too; this does not wait for one).
   */
  private async complete(pending: PendingChange[]): Promise<void> {
    const done = pending.filter((c) => this.pendingAt.get(pendingKey(c.listenerId, c)) === 0);
    if (!done.length) return;
    await this.store.write(async (tx) => {
      for (const c of done) {
        const scope = { account: c.account, region: c.region };
        const l = await tx.get<ListenerDoc>(KINDS.listener, scope, c.listenerId);
        if (!l?.Pending || l.Pending.op !== c.op || l.Pending.since !== c.since) continue;
        l.Status = l.Pending.target;
        delete l.Pending;
        await tx.put(KINDS.listener, scope, c.listenerId, l);
      }
    });
  }

  /** Retries after retryMs, doubling up to a minute while binds keep failing. */
  private retrySoon() {
    if (this.retryTimer || this.closed) return;
    this.retryDelay = this.retryDelay ? Math.min(this.retryDelay * 2, Math.max(60_000, this.retryMs)) : this.retryMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.schedule();
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  /** Stops following the store, then closes the data plane (established connections drain). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    registry.delete(this);
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = undefined;
    await this.running?.catch(() => {});
    await this.link.close();
    this.health.clear();
    this.pendingAt.clear();
  }
}

const healthKeyString = (k: HealthKey) => flatKey([k.loadBalancerId, k.listenerPort, k.protocol.toLowerCase(), k.serverId, k.port], '|');

// ---------------------------------------------------------------------------------------------
// Process-wide hooks. The lifecycle policy and the health view are process-wide settings, while
// several servers (tests) may run in one process: the hooks ask every live loop.

const registry = new Set<ControlLoop>();
let restorePolicy: (() => void) | undefined;
let previousView: HealthView | undefined;
let fallbackPolicy: LifecyclePolicy | undefined;

const policy: LifecyclePolicy = {
  applied(p, now, l) {
    let waiting = false;
    for (const loop of registry) {
      const s = loop.pendingState(l, p);
      if (s === 'applied') return true;
      if (s === 'waiting') waiting = true;
    }
    if (waiting) return false;
    // No data plane knows this listener (a server without one in the same process).
    return fallbackPolicy ? fallbackPolicy.applied(p, now, l) : true;
  },
};

const view: HealthView = {
  get(k) {
    for (const loop of registry) {
      const s = loop.serverHealth(k);
      if (s !== undefined) return s;
    }
    return previousView?.get(k);
  },
};

/**
 * Installs the lifecycle policy and health view backed by the live control loops (idempotent);
 * `fallback` decides for listeners no loop knows. Returns an uninstall function (call it when the
 * last loop closes).
 */
export function installHooks(fallback: LifecyclePolicy): void {
  if (restorePolicy) return;
  fallbackPolicy = fallback;
  restorePolicy = setLifecyclePolicy(policy);
  previousView = healthView() === view ? undefined : setHealthView(view);
}

/** Undoes installHooks once no loop is left. */
export function uninstallHooksIfIdle(): void {
  if (registry.size || !restorePolicy) return;
  restorePolicy();
  restorePolicy = undefined;
  if (previousView) setHealthView(previousView);
  previousView = undefined;
}
