// Runs the probes of one pool: one loop per probed member, driven by an injectable clock.
// A probe starts, resolves within the timeout, and the next one is scheduled intervalMs after the
// previous one ended (so a slow probe never overlaps the next). A member is therefore taken out
// within about unhealthyThreshold × (interval + time a failing probe takes).
import type { DataPlaneClock, TimerHandle } from '../clock.js';
import type { HealthCheckSnapshot } from '../snapshot.js';
import { nextHealth, type HealthCounters } from './state-machine.js';
import type { HealthState, Prober, ProbeTarget } from './types.js';

export interface CheckedMember {
  readonly key: string;
  readonly target: ProbeTarget;
  /** false for the slave of a master-slave group (never probed) */
  readonly probed: boolean;
}

export interface HealthChange {
  key: string;
  state: HealthState;
  previous: HealthState;
  reason?: string;
}

/** What a pool needs of its members' health: a HealthChecker probing them, or a feed of states probed elsewhere (health/feed.ts). */
export interface MemberHealth {
  sync(members: readonly CheckedMember[], cfg: HealthCheckSnapshot): void;
  state(key: string): HealthState;
  close(): void;
}

export type MemberHealthFactory = (cfg: HealthCheckSnapshot, onChange: (c: HealthChange) => void) => MemberHealth;

interface Loop {
  member: CheckedMember;
  health: HealthCounters;
  timer?: TimerHandle;
  inFlight: boolean;
  generation: number;
  lastReason?: string;
}

export class HealthChecker implements MemberHealth {
  private loops = new Map<string, Loop>();
  private cfg: HealthCheckSnapshot;
  private closed = false;
  private generation = 0;

  constructor(
    cfg: HealthCheckSnapshot,
    private readonly probers: Record<HealthCheckSnapshot['type'], Prober>,
    private readonly clock: DataPlaneClock,
    private readonly onChange: (c: HealthChange) => void,
  ) {
    this.cfg = cfg;
  }

  state(key: string): HealthState {
    return this.loops.get(key)?.health.state ?? 'initial';
  }

  reason(key: string): string | undefined {
    return this.loops.get(key)?.lastReason;
  }

  /**
   * Sets the probed members and the check config. Members that stay keep their state; a changed
   * check config restarts the probe loops (states kept); new members start `initial` and are
   * probed at once.
   */
  sync(members: readonly CheckedMember[], cfg: HealthCheckSnapshot): void {
    if (this.closed) return;
    const cfgChanged = JSON.stringify(cfg) !== JSON.stringify(this.cfg);
    this.cfg = cfg;
    if (cfgChanged) this.generation++;
    const want = new Map(members.map((m) => [m.key, m]));
    for (const [key, loop] of this.loops) {
      const m = want.get(key);
      if (!m || m.target.ip !== loop.member.target.ip || m.target.port !== loop.member.target.port) {
        loop.timer?.cancel();
        loop.generation = -1;
        this.loops.delete(key);
      }
    }
    for (const m of members) {
      const fixed: HealthState | undefined = !cfg.enabled ? 'disabled' : !m.probed ? 'standby' : undefined;
      let loop = this.loops.get(m.key);
      if (!loop) {
        loop = { member: m, health: { state: fixed ?? 'initial', streak: 0 }, inFlight: false, generation: this.generation };
        this.loops.set(m.key, loop);
        if (fixed) this.emit(loop, 'initial', fixed);
        else this.schedule(loop, 0);
        continue;
      }
      loop.member = m;
      const prev = loop.health.state;
      if (fixed) {
        loop.timer?.cancel();
        loop.generation = -1;
        if (prev !== fixed) {
          loop.health = { state: fixed, streak: 0 };
          this.emit(loop, prev, fixed);
        }
        continue;
      }
      if (prev === 'disabled' || prev === 'standby') {
        loop.health = { state: 'initial', streak: 0 };
        this.emit(loop, prev, 'initial');
        loop.generation = this.generation;
        this.schedule(loop, 0);
      } else if (cfgChanged || loop.generation !== this.generation) {
        loop.timer?.cancel();
        loop.generation = this.generation;
        if (!loop.inFlight) this.schedule(loop, 0);
      }
    }
  }

  private schedule(loop: Loop, delay: number) {
    if (this.closed) return;
    const gen = loop.generation;
    // the probe's promise is handed back: a clock that advances by hand (ServerClock) awaits it
    loop.timer = this.clock.setTimeout(() => this.run(loop, gen), delay);
  }

  private async run(loop: Loop, gen: number) {
    if (this.closed || gen !== loop.generation || this.loops.get(loop.member.key) !== loop) return;
    const cfg = this.cfg;
    loop.inFlight = true;
    const prober = this.probers[cfg.type];
    const res = await prober.probe(loop.member.target, cfg).catch((e: Error) => ({ ok: false, reason: e.message }));
    loop.inFlight = false;
    if (this.closed || this.loops.get(loop.member.key) !== loop || loop.generation === -1) return;
    const prev = loop.health.state;
    loop.health = nextHealth(loop.health, res.ok, cfg.healthyThreshold, cfg.unhealthyThreshold);
    loop.lastReason = res.ok ? undefined : res.reason;
    if (loop.health.state !== prev) this.emit(loop, prev, loop.health.state, res.reason);
    this.schedule(loop, this.cfg.intervalMs);
  }

  private emit(loop: Loop, previous: HealthState, state: HealthState, reason?: string) {
    this.onChange({ key: loop.member.key, previous, state, reason });
  }

  close(): void {
    this.closed = true;
    for (const l of this.loops.values()) l.timer?.cancel();
    this.loops.clear();
  }
}
