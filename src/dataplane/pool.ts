// A backend pool: the resolved members of one server group as seen by one listener (or one
// forwarding rule), with their health, live connections, the scheduler and source-IP
// persistence. `update()` swaps the configuration in place: members that stay keep their health
// state, connections and sticky entries; only new connections see the change.
import { flatKey } from '../util/flat-key.js';
import type { DataPlaneClock, TimerHandle } from './clock.js';
import { HealthChecker, type HealthChange, type MemberHealth, type MemberHealthFactory } from './health/checker.js';
import { isRoutable, type HealthState, type Prober } from './health/types.js';
import { createScheduler, type Candidate, type PickContext, type Scheduler } from './schedulers/index.js';
import type { ConnectionDrainSnapshot, HealthCheckSnapshot, SchedulerName, ServerGroupSnapshot } from './snapshot.js';

/** Something that can be torn down: a proxied TCP connection, a UDP flow, an HTTP upstream request. */
export interface Tracked {
  destroy(): void;
}

export interface PoolMember extends Candidate {
  readonly id: string;
  readonly serverId: string;
  readonly ip: string;
  readonly port: number;
  weight: number;
  active: number;
  serverType?: 'Master' | 'Slave';
  health: HealthState;
  /** live connections, made on the first (most members of a large configuration never have one
   * in a given process: the control process probes, each worker serves only its share) */
  conns?: Set<Tracked>;
  /** pending drain deadline */
  drainTimer?: TimerHandle;
}

export interface PoolConfig {
  group: ServerGroupSnapshot;
  /** the port for members without their own (default server group) */
  backendServerPort: number | null;
  healthCheck: HealthCheckSnapshot;
  scheduler: SchedulerName;
  persistenceTimeoutMs: number;
  drain: ConnectionDrainSnapshot;
}

export interface PoolHealthEvent {
  member: PoolMember;
  state: HealthState;
  previous: HealthState;
  reason?: string;
}

/** Ends a member's live connections (over a copy: each one leaves the set as it ends). */
function endConnections(m: PoolMember): void {
  if (m.conns) for (const c of [...m.conns]) c.destroy();
}

export const memberKey = (serverId: string, ip: string, port: number) => flatKey(ip.includes(':') ? [serverId, '@[', ip, ']:', port] : [serverId, '@', ip, ':', port]);

export class BackendPool {
  private membersById = new Map<string, PoolMember>();
  private eligible: PoolMember[] | null = null;
  private scheduler: Scheduler;
  private schedulerName: SchedulerName;
  private cfg!: PoolConfig;
  private checker: MemberHealth;
  private sticky = new Map<string, { id: string; expires: number }>();
  private stickyWrites = 0;
  private closed = false;

  constructor(
    cfg: PoolConfig,
    private readonly clock: DataPlaneClock,
    /** the probers of a HealthChecker of its own, or where its members' health comes from (a worker's HealthFeed) */
    health: Record<HealthCheckSnapshot['type'], Prober> | MemberHealthFactory,
    private readonly onHealth: (e: PoolHealthEvent) => void = () => {},
  ) {
    this.schedulerName = cfg.scheduler;
    this.scheduler = createScheduler(cfg.scheduler);
    const onChange = (c: HealthChange) => this.healthChanged(c);
    this.checker = typeof health === 'function' ? health(cfg.healthCheck, onChange) : new HealthChecker(cfg.healthCheck, health, clock, onChange);
    this.update(cfg);
  }

  get config(): PoolConfig {
    return this.cfg;
  }

  members(): readonly PoolMember[] {
    return [...this.membersById.values()];
  }

  /** Swaps the configuration; established connections are untouched except as drain rules say. */
  update(cfg: PoolConfig): void {
    if (this.closed) return;
    this.cfg = cfg;
    if (cfg.scheduler !== this.schedulerName) {
      this.schedulerName = cfg.scheduler;
      this.scheduler = createScheduler(cfg.scheduler);
    }
    if (cfg.persistenceTimeoutMs <= 0) this.sticky.clear();
    const seen = new Set<string>();
    for (const s of cfg.group.servers) {
      const port = s.port ?? cfg.backendServerPort ?? 0;
      const id = memberKey(s.serverId, s.ip, port);
      seen.add(id);
      const m = this.membersById.get(id);
      if (m) {
        const wasTakingTraffic = m.weight > 0;
        m.weight = s.weight;
        m.serverType = s.serverType; // a master-slave group may swap roles
        if (wasTakingTraffic && s.weight === 0) this.startDrain(m, false);
        if (s.weight > 0 && m.drainTimer && isRoutable(m.health)) this.cancelDrain(m);
      } else {
        this.membersById.set(id, { id, serverId: s.serverId, ip: s.ip, port, weight: s.weight, active: 0, serverType: s.serverType, health: 'initial' });
      }
    }
    for (const [id, m] of this.membersById) {
      if (seen.has(id)) continue;
      this.membersById.delete(id);
      this.startDrain(m, true);
    }
    const ms = cfg.group.kind === 'masterSlave';
    this.checker.sync(
      this.members().map((m) => ({ key: m.id, target: { ip: m.ip, port: cfg.healthCheck.connectPort ?? m.port }, probed: !ms || m.serverType === 'Master' })),
      cfg.healthCheck,
    );
    for (const m of this.membersById.values()) m.health = this.checker.state(m.id);
    this.eligible = null;
  }

  /** Members that may take new traffic now, in snapshot order. */
  eligibleMembers(): readonly PoolMember[] {
    if (this.eligible) return this.eligible;
    const all = this.members();
    let out: PoolMember[];
    if (this.cfg.group.kind === 'masterSlave') {
      // only the master is probed; the slave takes over while the master is down and hands back
      // automatically when it is healthy again (failback)
      const master = all.find((m) => m.serverType === 'Master');
      const slave = all.find((m) => m.serverType !== 'Master');
      out = master && master.weight > 0 && isRoutable(master.health) ? [master] : slave && slave.weight > 0 ? [slave] : [];
    } else out = all.filter((m) => m.weight > 0 && isRoutable(m.health));
    this.eligible = out;
    return out;
  }

  /** Picks a member for a new connection / flow / request (undefined: none eligible). */
  pick(ctx: PickContext): PoolMember | undefined {
    const eligible = this.eligibleMembers();
    if (eligible.length === 0) return undefined;
    const ttl = this.cfg.persistenceTimeoutMs;
    if (ttl > 0) {
      const now = this.clock.now();
      const e = this.sticky.get(ctx.srcIp);
      if (e && e.expires > now) {
        const m = this.membersById.get(e.id);
        if (m && eligible.includes(m)) {
          e.expires = now + ttl;
          return m;
        }
      }
      const m = this.scheduler.pick(eligible, ctx);
      if (m) {
        this.sticky.set(ctx.srcIp, { id: m.id, expires: now + ttl });
        if (++this.stickyWrites % 1024 === 0) for (const [k, v] of this.sticky) if (v.expires <= now) this.sticky.delete(k);
      }
      return m;
    }
    return this.scheduler.pick(eligible, ctx);
  }

  /** The member `id` when it may take new traffic now, else a normal pick. */
  pickPreferring(id: string | undefined, ctx: PickContext): PoolMember | undefined {
    if (id) {
      const m = this.membersById.get(id);
      if (m && this.eligibleMembers().includes(m)) return m;
    }
    return this.pick(ctx);
  }

  /** Counts a live connection on a member; call the returned function once when it ends. */
  track(m: PoolMember, conn: Tracked): () => void {
    m.active++;
    (m.conns ??= new Set()).add(conn);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      m.active--;
      m.conns?.delete(conn);
    };
  }

  /** Total live connections of the pool (including members that already left). */
  private draining = new Set<PoolMember>();

  private startDrain(m: PoolMember, removed: boolean) {
    if (!m.conns?.size) return;
    const d = this.cfg.drain;
    if (d.enabled) {
      if (m.drainTimer) return;
      this.draining.add(m);
      m.drainTimer = this.clock.setTimeout(() => {
        m.drainTimer = undefined;
        this.draining.delete(m);
        endConnections(m);
      }, d.timeoutMs);
    } else if (removed) {
      // no drain: a removed server's connections end with it
      endConnections(m);
    }
    // no drain, weight 0 or abnormal: established connections stay (no new traffic)
  }

  private cancelDrain(m: PoolMember) {
    m.drainTimer?.cancel();
    m.drainTimer = undefined;
    this.draining.delete(m);
  }

  private healthChanged(c: HealthChange) {
    const m = this.membersById.get(c.key);
    if (!m) return;
    m.health = c.state;
    this.eligible = null;
    if (isRoutable(c.previous) && !isRoutable(c.state)) this.startDrain(m, false);
    else if (!isRoutable(c.previous) && isRoutable(c.state) && m.weight > 0) this.cancelDrain(m);
    this.onHealth({ member: m, state: c.state, previous: c.previous, reason: c.reason });
  }

  /** Stops probing. Connections are owned by the listener runtime, which ends them. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.checker.close();
    for (const m of [...this.membersById.values(), ...this.draining]) m.drainTimer?.cancel();
  }

  /** Ends every tracked connection now. */
  destroyAll(): void {
    for (const m of [...this.membersById.values(), ...this.draining]) endConnections(m);
  }
}
