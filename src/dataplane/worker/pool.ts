// The control process's side of the data-plane workers (docs/dataplane.md, "Worker processes").
// - Forks N workers (node:cluster, SCHED_NONE: the control process holds each listening socket,
//   every worker accepts on it, the kernel spreads connections) and restarts one that dies, with
//   backoff, while the others keep serving.
// - Is the control loop's DataPlaneLink: a snapshot is first applied to a headless DataPlane here
//   (validation, pools, health checks: once per machine, no socket), then sent to every worker
//   (whole on start, deltas after) and resolved once every worker acknowledged that version.
// - Publishes health to the workers; gathers what they observe: binds (a listener is bound while
//   some worker has it bound), counters (summed; a dead worker's totals are kept) and fault firings.
import cluster, { type Worker } from 'node:cluster';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { DataPlane, guardedObserver, type DataPlaneObserver, type DataPlaneView, type ListenerObservedState, type ListenerStateRow, type ObservedEvent, type ServerHealthRow } from '../reconciler.js';
import { l7Handlers } from '../http/index.js';
import { STICKY_SECRET } from '../http/sticky.js';
import { TICKET_SECRET } from '../https/listener.js';
import { HealthFeed, poolKey } from '../health/feed.js';
import { memberKey } from '../pool.js';
import { AccessLogRotator, type AccessLogOptions } from '../access-log.js';
import type { DataPlaneClock } from '../clock.js';
import type { CountersView } from '../counters.js';
import type { DataPlaneFaultRule } from '../faults.js';
import type { HealthCheckSnapshot, Snapshot } from '../snapshot.js';
import type { Prober } from '../health/types.js';
import { addCounters, snapshotDelta, type FromWorker, type HealthEntry, type ToWorker } from './ipc.js';
import { HeldSockets } from './held.js';
import type { WorkerSettings } from './main.js';

export interface WorkerPoolLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerPoolOptions {
  workers: number;
  log?: WorkerPoolLog;
  /** where applied versions, binds and health go (the control loop's observer) */
  observer?: DataPlaneObserver;
  /** the health checks' clock (the control process's) */
  clock?: DataPlaneClock;
  probers?: Partial<Record<HealthCheckSnapshot['type'], Prober>>;
  closeGraceMs?: number;
  /** access logs: the workers append, this process rotates */
  accessLogs?: AccessLogOptions;
  /** first restart delay after a worker dies (ms, doubled per quick death up to 5 s; default 100) */
  restartDelayMs?: number;
  /** how often workers push counters unasked (ms; default 1000): also their heartbeat */
  countersMs?: number;
  /** a running worker silent this long (ms; default 10 000) is hung (a stuck event loop, SIGSTOP): killed and replaced */
  hangMs?: number;
  /** binds each worker keeps in flight (default: main.ts BIND_CONCURRENCY) */
  bindConcurrency?: number;
}

export type WorkerState = 'starting' | 'running' | 'stopping' | 'exited';

/** GET /_openslb/dataplane `Workers` */
export interface WorkerInfo {
  Id: number;
  Pid: number | null;
  State: WorkerState;
  SnapshotVersion: number;
  Restarts: number;
  StartedAt: string | null;
  /** connections (UDP: flows) this worker accepted since it started, over every listener */
  Connections: number;
  /** whether this worker serves the UDP listeners (one does) */
  Udp: boolean;
}

interface Slot {
  id: number;
  worker?: Worker;
  state: WorkerState;
  /** the last version the worker acknowledged */
  version: number;
  restarts: number;
  startedAt?: Date;
  listeners: Map<string, ListenerStateRow>;
  /** the worker's totals by listener (merged from its pushes) */
  counters: Map<string, CountersView>;
  fired: Map<string, number>;
  waiters: { version: number; resolve: (ack: Extract<FromWorker, { t: 'applied' }> | undefined) => void }[];
  restartTimer?: NodeJS.Timeout;
  delay: number;
  /** when the worker last sent anything (performance.now()) */
  lastHeard: number;
  /** the held sockets it was forked with: [address|port, its descriptor there] */
  sockets: [string, number][];
}

const ENTRY = fileURLToPath(new URL('./main.ts', import.meta.url));
/** the TypeScript loader workers run under (bin/openslb.mjs registers the same one) */
const TSX = import.meta.resolve('tsx');
const ACK_TIMEOUT_MS = 30_000;
const MAX_RESTART_DELAY_MS = 5000;
/** a worker that ran this long before dying restarts after the first delay again */
const STABLE_MS = 10_000;

let primaryReady = false;
/** Set once per process, before the first fork: the cluster module reads it then. */
function setupPrimary() {
  if (primaryReady) return;
  primaryReady = true;
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: ENTRY, execArgv: ['--import', TSX], silent: false });
}

/** Forks a cluster worker with these descriptors as its 4, 5, … (after stdin, stdout, stderr and the IPC channel). */
function forkWith(env: Record<string, string>, fds: number[]): Worker {
  setupPrimary();
  cluster.setupPrimary({ stdio: ['inherit', 'inherit', 'inherit', 'ipc', ...fds] });
  return cluster.fork(env);
}

const silentLog: WorkerPoolLog = { info() {}, warn() {}, error() {} };

export class WorkerPool implements DataPlaneView {
  /** the headless plane: validation, pools and health checks, no socket */
  private readonly health: DataPlane;
  /** listening sockets bound here for the workers (held.ts): the first snapshot's, while they are used */
  private readonly held = new HeldSockets();
  /** the health this process published, for workers that start later */
  private readonly published = new HealthFeed();
  private pendingHealth: HealthEntry[] = [];
  private healthFlush: NodeJS.Immediate | undefined;
  private readonly slots: Slot[] = [];
  private current: Snapshot | undefined;
  private faultRules: DataPlaneFaultRule[] = [];
  /** the slot serving the UDP listeners (one worker: a flow must stay on one process) */
  private udpHome = 0;
  /** totals of workers that died (their listeners' counters, without what was open) */
  private retired = new Map<string, CountersView>();
  private retiredFired = new Map<string, number>();
  /** the listener states last reported to the observer */
  private reported = new Map<string, ListenerObservedState>();
  private readIds = 0;
  private closed = false;
  /** start()'s promise: every worker forked and ready (or dead) */
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private readonly rotator: AccessLogRotator | undefined;
  private readonly watchdog: NodeJS.Timeout;
  private readonly log: WorkerPoolLog;
  private readonly observer: DataPlaneObserver;
  /** worker deaths since start (openslb_dataplane_worker_restarts_total) */
  restartsTotal = 0;

  constructor(private readonly opts: WorkerPoolOptions) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`workers: expected an integer ≥ 1, got ${opts.workers}`);
    this.log = opts.log ?? silentLog;
    this.observer = guardedObserver(opts.observer);
    this.health = new DataPlane({
      headless: true,
      handlers: [...l7Handlers],
      clock: opts.clock,
      probers: opts.probers,
      observer: { report: (e) => this.fromHealthPlane(e) },
    });
    this.rotator = opts.accessLogs ? new AccessLogRotator(opts.accessLogs) : undefined;
    const hangMs = opts.hangMs ?? 10_000;
    const every = Math.min(hangMs / 2, 1000);
    let lastTick = performance.now();
    this.watchdog = setInterval(() => {
      const now = performance.now();
      const late = now - lastTick > 2 * every;
      lastTick = now;
      // this process was busy (its messages waited too): silence since then proves nothing
      if (late) for (const x of this.slots) x.lastHeard = Math.max(x.lastHeard, now);
      else this.checkHung(hangMs);
    }, every);
    this.watchdog.unref();
    for (let id = 0; id < opts.workers; id++) this.slots.push({ id, state: 'exited', version: 0, restarts: 0, listeners: new Map(), counters: new Map(), fired: new Map(), waiters: [], delay: opts.restartDelayMs ?? 100, lastHeard: 0, sockets: [] });
  }

  /** sockets bound here for the workers (GET /_openslb/dataplane) */
  get heldSockets(): number {
    return this.held.size;
  }

  /**
   * Forks every worker; resolves once each is ready (has its initial state). apply() may be called
   * before that: it validates and starts health checks here while the workers boot (a second or
   * so: they load the sources), then sends once they are ready.
   */
  start(): Promise<void> {
    if (!this.starting) {
      setupPrimary();
      this.starting = Promise.all(this.slots.map((s) => this.fork(s))).then(() => {});
    }
    return this.starting;
  }

  // -- the DataPlane surface the control loop, the API and /metrics read --

  /** the version every running worker has applied */
  get version(): number | undefined {
    const running = this.slots.filter((s) => s.state === 'running');
    return running.length ? Math.min(...running.map((s) => s.version)) : this.current?.version;
  }

  readonly counters = { all: (): CountersView[] => this.sumCounters() };

  readonly faults = {
    set: (rules: readonly DataPlaneFaultRule[]) => {
      this.faultRules = [...rules];
      this.broadcast({ t: 'faults', rules: this.faultRules });
    },
    fired: (): Map<string, number> => {
      const out = new Map<string, number>();
      const ids = new Set(this.faultRules.map((r) => r.faultId));
      const add = (m: Map<string, number>) => {
        for (const [id, n] of m) if (ids.has(id)) out.set(id, (out.get(id) ?? 0) + n);
      };
      add(this.retiredFired);
      for (const s of this.slots) add(s.fired);
      return out;
    },
  };

  healthStatus(filter?: { loadBalancerId?: string; listenerId?: string }): ServerHealthRow[] {
    return this.health.healthStatus(filter);
  }

  /** Listeners bound by some worker, or failed on every worker that tried. */
  listenerStates(): ListenerStateRow[] {
    const out = new Map<string, ListenerStateRow>();
    for (const s of this.slots) {
      for (const [id, row] of s.listeners) {
        const had = out.get(id);
        if (!had || (had.state !== 'bound' && row.state === 'bound')) out.set(id, row);
      }
    }
    return [...out.values()];
  }

  workers(): WorkerInfo[] {
    return this.slots.map((s) => ({
      Id: s.id,
      Udp: s.id === this.udpHome,
      Pid: s.state === 'exited' ? null : (s.worker?.process.pid ?? null),
      State: s.state,
      SnapshotVersion: s.version,
      Restarts: s.restarts,
      StartedAt: s.startedAt && s.state !== 'exited' ? s.startedAt.toISOString() : null,
      Connections: [...s.counters.values()].reduce((n, c) => n + c.newConnections, 0),
    }));
  }

  /** Asks every running worker for its counters now; resolves when all answered (or after timeoutMs). */
  async refresh(timeoutMs = 1000): Promise<void> {
    const id = ++this.readIds;
    const waits = this.slots
      .filter((s) => s.state === 'running' && s.worker)
      .map(
        (s) =>
          new Promise<void>((resolve) => {
            const w = s.worker!;
            const timer = setTimeout(done, timeoutMs);
            function done() {
              clearTimeout(timer);
              w.off('message', onMessage);
              w.off('exit', done);
              resolve();
            }
            const onMessage = (m: FromWorker) => {
              if (m.t === 'counters' && m.id === id) done();
            };
            w.on('message', onMessage);
            w.once('exit', done);
            this.send(s, { t: 'read', id });
          }),
      );
    await Promise.all(waits);
  }

  // -- DataPlaneLink --

  async apply(s: Snapshot): Promise<{ version: number; bound: string[]; failed: { listenerId: string; error: string }[] }> {
    if (this.closed) throw new Error('data plane is closed');
    if (!this.starting) {
      // the first snapshot before any worker: its TCP listeners' sockets are bound here and the
      // workers forked with them, so no socket crosses the IPC channel; they boot meanwhile
      this.held.hold(s);
      void this.start();
    }
    // validation (SnapshotRejectedError), pools and health checks; nothing bound here
    const local = await this.health.apply(s);
    if (local.version !== s.version) return local;
    // workers still booting (start() not awaited) get this version once ready, from here
    if (this.starting) await this.starting;
    if (this.closed) throw new Error('data plane is closed');
    this.flushHealth();
    let msg: ToWorker = { t: 'snapshot', snapshot: s };
    if (this.current) {
      const delta = snapshotDelta(this.current, s);
      // held sockets their load balancers no longer use close here; the workers close theirs as
      // they apply this delta (and stop asking for them)
      let released: string[] = [];
      if (this.held.size) {
        const now = delta.order ? new Set(delta.order) : undefined;
        const gone = now ? this.current.loadBalancers.filter((lb) => !now.has(lb.loadBalancerId)).map((lb) => [lb.loadBalancerId, undefined] as const) : [];
        released = this.held.release([...delta.changed.map((lb) => [lb.loadBalancerId, lb] as const), ...gone]);
      }
      msg = { t: 'delta', delta, ...(released.length ? { released } : {}) };
    }
    this.current = s;
    const acks = await Promise.all(this.slots.filter((x) => x.state === 'running').map((x) => this.sendAndWait(x, msg, s.version)));
    const bound = new Set<string>();
    const failed = new Map<string, string>();
    for (const a of acks) {
      if (!a) continue;
      for (const id of a.bound) bound.add(id);
      for (const f of a.failed) failed.set(f.listenerId, f.error);
    }
    for (const row of this.listenerStates()) if (row.state === 'bound') failed.delete(row.listenerId);
    this.observer.report({ kind: 'applied', version: s.version });
    return { version: s.version, bound: [...bound], failed: [...failed].map(([listenerId, error]) => ({ listenerId, error })) };
  }

  /** Stops every worker (each drains its connections), then the health checks. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearInterval(this.watchdog);
      this.rotator?.close();
      const grace = (this.opts.closeGraceMs ?? 10_000) + 5000;
      await Promise.all(
        this.slots.map(async (s) => {
          clearTimeout(s.restartTimer);
          const w = s.worker;
          if (!w || s.state === 'exited') return;
          s.state = 'stopping';
          const exited = new Promise<void>((r) => w.once('exit', () => r()));
          this.send(s, { t: 'close' });
          const timer = setTimeout(() => w.process.kill('SIGKILL'), grace);
          await exited;
          clearTimeout(timer);
        }),
      );
      this.held.close();
      await this.health.close();
    })();
    return this.closing;
  }

  // -- workers --

  private fork(s: Slot): Promise<void> {
    const settings: WorkerSettings = {
      id: s.id,
      udp: s.id === this.udpHome,
      closeGraceMs: this.opts.closeGraceMs ?? 10_000,
      accessLogs: this.opts.accessLogs ? { dir: this.opts.accessLogs.dir, flushMs: this.opts.accessLogs.flushMs } : undefined,
      countersMs: this.opts.countersMs ?? 1000,
      bindConcurrency: this.opts.bindConcurrency,
    };
    // every worker gets this process's cookie and TLS-ticket secrets (from the environment, else random)
    // the held sockets become its descriptors 4, 5, … (told in `init`)
    const held = this.held.entries();
    const w = forkWith({ OPENSLB_WORKER: JSON.stringify(settings), OPENSLB_STICKY_SECRET: STICKY_SECRET, OPENSLB_TLS_TICKET_SECRET: TICKET_SECRET }, held.map(([, h]) => h.fd));
    s.sockets = held.map(([key], i) => [key, 4 + i]);
    s.worker = w;
    s.state = 'starting';
    s.version = 0;
    s.startedAt = new Date();
    s.listeners = new Map();
    s.counters = new Map();
    s.fired = new Map();
    return new Promise<void>((ready) => {
      w.on('message', (m: FromWorker) => this.fromWorker(s, w, m, ready));
      w.on('error', (e) => this.log.warn({ worker: s.id, err: e }, `data-plane worker ${s.id}: ${e.message}`));
      w.once('exit', (code, signal) => {
        ready();
        this.exited(s, w, code, signal);
      });
    });
  }

  private fromWorker(s: Slot, w: Worker, m: FromWorker, ready: () => void) {
    if (s.worker !== w) return;
    s.lastHeard = performance.now();
    switch (m.t) {
      case 'ready': {
        if (this.closed) {
          // closing began while it booted (a `close` sent before it listened may be lost): again
          this.send(s, { t: 'close' });
          return ready();
        }
        // the sockets it was forked with, and those closed here while it booted (it closes its copies)
        const released = s.sockets.filter(([key]) => !this.held.get(key)).map(([key]) => key);
        this.send(s, { t: 'init', health: this.published.entries(), faults: this.faultRules, ...(s.sockets.length ? { sockets: s.sockets } : {}), ...(released.length ? { released } : {}) });
        s.state = 'running';
        const cur = this.current;
        if (cur) {
          // acknowledged like any apply; `ready` waits for nothing more (a bind may take a while)
          void this.sendAndWait(s, { t: 'snapshot', snapshot: cur }, cur.version);
        }
        this.log.info({ worker: s.id, pid: w.process.pid }, `data-plane worker ${s.id} started (pid ${w.process.pid})`);
        return ready();
      }
      case 'applied':
        if (m.error) this.log.error({ worker: s.id, version: m.version }, `data-plane worker ${s.id} did not apply snapshot v${m.version}: ${m.error}`);
        s.version = Math.max(s.version, m.version);
        for (const x of s.waiters.filter((x) => x.version <= m.version)) x.resolve(m);
        s.waiters = s.waiters.filter((x) => x.version > m.version);
        return;
      case 'listeners':
        for (const { row, version } of m.rows) {
          if (row.state === 'closed') s.listeners.delete(row.listenerId);
          else s.listeners.set(row.listenerId, row);
          this.reportListener(row, version);
        }
        return;
      case 'counters':
        for (const c of m.counters) s.counters.set(c.listenerId, c);
        s.fired = new Map(m.fired);
        return;
      case 'log':
        return this.log[m.level](m.obj ?? { worker: s.id }, m.msg);
      case 'socket': {
        // a held socket again (its listener is bound anew): passed as a handle, still held here
        const h = this.held.get(m.key);
        try {
          if (h) w.send({ t: 'socket', id: m.id, ok: true } satisfies ToWorker, h as unknown as net.Server);
          else w.send({ t: 'socket', id: m.id, ok: false } satisfies ToWorker);
        } catch {
          /* it is dying: 'exit' follows */
        }
        return;
      }
    }
  }

  /** The UDP worker died: the lowest running worker takes its UDP listeners now (none: its replacement will). */
  private rehomeUdp(dead: Slot) {
    const next = this.slots.find((x) => x !== dead && x.state === 'running');
    if (!next) return;
    this.udpHome = next.id;
    this.send(next, { t: 'udp', serve: true });
    this.log.info({ worker: next.id }, `data-plane worker ${next.id} serves the UDP listeners now`);
  }

  /** A running worker that stopped talking (its heartbeat is the counters push) is killed; 'exit' replaces it. */
  private checkHung(hangMs: number) {
    const now = performance.now();
    for (const s of this.slots) {
      const w = s.worker;
      if (s.state !== 'running' || !w || now - s.lastHeard < hangMs) continue;
      this.log.error({ worker: s.id, pid: w.process.pid, silentMs: Math.round(now - s.lastHeard) }, `data-plane worker ${s.id} (pid ${w.process.pid}) has not answered for ${Math.round(now - s.lastHeard)} ms; killing it`);
      s.lastHeard = now; // once
      w.process.kill('SIGKILL');
    }
  }

  private exited(s: Slot, w: Worker, code: number | null, signal: string | null) {
    if (s.worker !== w) return;
    const wasStopping = s.state === 'stopping' || this.closed;
    s.state = 'exited';
    for (const x of s.waiters.splice(0)) x.resolve(undefined);
    // its totals stay counted (a sum that went down would read as a counter reset)
    for (const c of s.counters.values()) {
      const dead = { ...c, activeConnections: 0 };
      const had = this.retired.get(c.listenerId);
      this.retired.set(c.listenerId, had ? addCounters(had, dead) : dead);
    }
    for (const [id, n] of s.fired) this.retiredFired.set(id, (this.retiredFired.get(id) ?? 0) + n);
    s.counters = new Map();
    s.fired = new Map();
    // what it had bound is still bound by the others; nothing is reported for a death
    s.listeners = new Map();
    if (wasStopping) return;
    if (s.id === this.udpHome) this.rehomeUdp(s);
    this.restartsTotal++;
    s.restarts++;
    const ranMs = Date.now() - (s.startedAt?.getTime() ?? 0);
    if (ranMs > STABLE_MS) s.delay = this.opts.restartDelayMs ?? 100;
    const delay = s.delay;
    s.delay = Math.min(MAX_RESTART_DELAY_MS, s.delay * 2);
    this.log.error(
      { worker: s.id, pid: w.process.pid, code, signal, restarts: s.restarts, restartInMs: delay },
      `data-plane worker ${s.id} (pid ${w.process.pid}) died (${signal ?? `exit code ${code}`}); restarting in ${delay} ms`,
    );
    s.restartTimer = setTimeout(() => {
      s.restartTimer = undefined;
      if (!this.closed) void this.fork(s);
    }, delay);
  }

  private send(s: Slot, m: ToWorker) {
    const w = s.worker;
    if (!w || !w.isConnected()) return;
    try {
      w.send(m);
    } catch {
      /* it is dying: 'exit' follows */
    }
  }

  private broadcast(m: ToWorker) {
    for (const s of this.slots) if (s.state === 'running') this.send(s, m);
  }

  private sendAndWait(s: Slot, m: ToWorker, version: number): Promise<Extract<FromWorker, { t: 'applied' }> | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.log.warn({ worker: s.id, version }, `data-plane worker ${s.id} has not acknowledged snapshot v${version} after ${ACK_TIMEOUT_MS} ms`);
        resolve(undefined);
      }, ACK_TIMEOUT_MS);
      s.waiters.push({
        version,
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
      this.send(s, m);
    });
  }

  /** A listener is bound while some worker has it bound; failed while none has and one failed. */
  private reportListener(row: ListenerStateRow, version: number) {
    let state: ListenerObservedState = 'closed';
    let seen: ListenerStateRow = row;
    for (const s of this.slots) {
      const r = s.listeners.get(row.listenerId);
      if (!r) continue;
      if (r.state === 'bound') {
        state = 'bound';
        seen = r;
        break;
      }
      state = 'failed';
      seen = r;
    }
    if (this.reported.get(row.listenerId) === state) return;
    if (state === 'closed') this.reported.delete(row.listenerId);
    else this.reported.set(row.listenerId, state);
    this.observer.report({ kind: 'listener', version, ...seen, state, ...(state === 'failed' ? {} : { error: undefined }) });
  }

  /** Health and listener lifecycle of the headless plane (here, once per machine). */
  private fromHealthPlane(e: ObservedEvent) {
    if (e.kind === 'health') {
      const pool = poolKey(e.listenerId, e.ruleId);
      const member = memberKey(e.serverId, e.ip, e.port);
      this.published.set(pool, member, e.state);
      this.pendingHealth.push([pool, member, e.state]);
      this.healthFlush ??= setImmediate(() => this.flushHealth());
      this.observer.report(e);
    } else if (e.kind === 'listener' && e.state === 'closed') {
      // its checker stopped: the states it published are void (it may be re-created at once)
      this.flushHealth();
      this.published.forgetListener(e.listenerId);
      this.broadcast({ t: 'forget', listenerId: e.listenerId });
    }
  }

  /** Sends the health changes gathered this turn (always before a snapshot that follows them). */
  private flushHealth() {
    if (this.healthFlush) clearImmediate(this.healthFlush);
    this.healthFlush = undefined;
    if (!this.pendingHealth.length) return;
    const changes = this.pendingHealth;
    this.pendingHealth = [];
    this.broadcast({ t: 'health', changes });
  }

  private sumCounters(): CountersView[] {
    const out = new Map<string, CountersView>(this.retired);
    for (const s of this.slots) {
      for (const c of s.counters.values()) {
        const had = out.get(c.listenerId);
        out.set(c.listenerId, had ? addCounters(had, c) : c);
      }
    }
    return [...out.values()];
  }
}
