// The server's one clock for resource time (docs/determinism.md): CreateTime fields, commerce
// expiry and bills, listener transitions, STS expiry, and every timer of the data plane (health
// checks, drains, UDP flow sweeps). It runs on the wall clock plus an offset, or stands frozen;
// `advance` moves it forward and runs every timer that falls due, in time order, awaiting the work
// each one starts (a health probe) before the next. The gateway's signature window, nonces and
// throttling stay on the wall clock (src/server.ts).
import { systemClock, type Clock, type DataPlaneClock, type TimerHandle } from './clock.js';

/** What is stored, so a restarted server continues from the same time. */
export interface ClockState {
  /** ms added to the wall clock while running */
  OffsetMs: number;
  /** the frozen time (ms since the epoch); absent while running */
  FrozenAt?: number;
}

export interface AdvanceResult {
  /** timers run */
  Fired: number;
  /** true when the advance hit the firing limit and jumped to its end (every timer still due then ran once) */
  Jumped: boolean;
  /** timers whose work failed (a bug; logged by the caller) */
  Failed: number;
}

interface Timer {
  at: number;
  seq: number;
  fn: () => unknown;
  live: boolean;
  native?: ReturnType<typeof setTimeout>;
}

/** Past this many firings in one advance, the clock jumps to the end (docs/determinism.md). */
export const MAX_FIRINGS_PER_ADVANCE = 2000;

const byDue = (a: Timer, b: Timer) => a.at - b.at || a.seq - b.seq;

export class ServerClock implements Clock, DataPlaneClock {
  private offset = 0;
  /** the time while not flowing: frozen by the operator, or held during an advance */
  private pinned: number | undefined;
  private frozenByOperator = false;
  private readonly timers = new Set<Timer>();
  private seq = 0;
  /** timers in due order while an advance steps through them */
  private queue: Timer[] | undefined;
  private serial: Promise<unknown> = Promise.resolve();

  constructor(
    /** the real time (tests may inject a manual one) */
    readonly wall: Clock = systemClock,
    state?: ClockState,
    /** stores the state after every change */
    private readonly persist?: (s: ClockState) => Promise<void>,
  ) {
    if (state?.FrozenAt !== undefined) {
      this.pinned = state.FrozenAt;
      this.frozenByOperator = true;
    } else this.offset = state?.OffsetMs ?? 0;
  }

  now(): number {
    return this.pinned ?? this.wall.now() + this.offset;
  }

  get frozen(): boolean {
    return this.frozenByOperator;
  }

  state(): ClockState {
    return this.frozenByOperator ? { OffsetMs: this.now() - this.wall.now(), FrozenAt: this.now() } : { OffsetMs: this.offset };
  }

  pending(): number {
    return this.timers.size;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t: Timer = { at: this.now() + Math.max(0, ms || 0), seq: this.seq++, fn, live: true };
    this.timers.add(t);
    if (this.pinned === undefined) this.arm(t);
    if (this.queue) this.queue.splice(this.insertAt(this.queue, t), 0, t);
    return {
      cancel: () => {
        t.live = false;
        this.timers.delete(t);
        if (t.native) clearTimeout(t.native);
      },
    };
  }

  /**
   * Stops the clock at `at` (default: where it is). Setting a time is not an advance: nothing falls
   * due, pending timers keep their remaining delay.
   */
  freeze(at?: number): Promise<ClockState> {
    return this.serialized(async () => {
      const from = this.now();
      const to = at ?? from;
      this.disarmAll();
      this.shiftTimers(to - from);
      this.pinned = to;
      this.frozenByOperator = true;
      await this.save();
      return this.state();
    });
  }

  /** Lets the clock run again from where it stands. */
  unfreeze(): Promise<ClockState> {
    return this.serialized(async () => {
      if (this.frozenByOperator) {
        this.offset = this.now() - this.wall.now();
        this.pinned = undefined;
        this.frozenByOperator = false;
        this.armAll();
      }
      await this.save();
      return this.state();
    });
  }

  /**
   * Moves the clock forward by `ms`, running every timer that falls due on the way in time order
   * (each one's work awaited). A running clock keeps running, `ms`
   * ahead; a frozen one stays frozen at the new time.
   */
  advance(ms: number): Promise<AdvanceResult> {
    if (!(ms >= 0) || !Number.isFinite(ms)) return Promise.reject(new RangeError('advance: a finite number of ms ≥ 0'));
    return this.serialized(async () => {
      const flowing = this.pinned === undefined;
      const offset = this.offset;
      const start = this.now();
      const end = start + ms;
      if (flowing) this.disarmAll();
      this.pinned = start;
      const q = (this.queue = [...this.timers].sort(byDue));
      const out: AdvanceResult = { Fired: 0, Jumped: false, Failed: 0 };
      try {
        let i = 0;
        for (;;) {
          await settle();
          while (i < q.length && !q[i]!.live) i++;
          const t = q[i];
          if (!t || t.at > end) break;
          if (out.Fired >= MAX_FIRINGS_PER_ADVANCE) {
            out.Jumped = true;
            break;
          }
          i++;
          this.pinned = Math.max(this.pinned, t.at);
          await this.fire(t, out);
        }
        if (out.Jumped) {
          // the rest of the window at once: every timer still due runs once, at the end
          this.pinned = end;
          for (const t of q.slice(i).filter((x) => x.live && x.at <= end)) if (t.live) await this.fire(t, out);
        }
        this.pinned = end;
        await settle();
      } finally {
        this.queue = undefined;
        if (flowing) {
          // exactly `ms` ahead of where it would be (the real time the advance took still counts)
          this.offset = offset + (this.pinned - start);
          this.pinned = undefined;
          this.armAll();
        }
      }
      await this.save();
      return out;
    });
  }

  private async fire(t: Timer, out: AdvanceResult) {
    t.live = false;
    this.timers.delete(t);
    out.Fired++;
    try {
      const r = t.fn();
      if (r && typeof (r as Promise<unknown>).then === 'function') await r;
    } catch {
      out.Failed++;
    }
  }

  private serialized<T>(op: () => Promise<T>): Promise<T> {
    const run = this.serial.then(op, op);
    this.serial = run.catch(() => undefined);
    return run;
  }

  private async save() {
    await this.persist?.(this.state());
  }

  private arm(t: Timer) {
    const delay = Math.max(0, t.at - this.now());
    t.native = setTimeout(() => {
      if (!t.live) return;
      t.live = false;
      this.timers.delete(t);
      t.fn();
    }, delay);
    t.native.unref?.();
  }

  private armAll() {
    for (const t of this.timers) this.arm(t);
  }

  private disarmAll() {
    for (const t of this.timers) if (t.native) clearTimeout(t.native);
  }

  private shiftTimers(delta: number) {
    if (delta) for (const t of this.timers) t.at += delta;
  }

  private insertAt(q: Timer[], t: Timer): number {
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byDue(q[mid]!, t) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Lets promise callbacks and I/O callbacks already queued run (work a timer started without returning it). */
async function settle() {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
