// Time for the data plane, injectable so health checks and expiry are deterministic in tests.
import type { DataPlaneClock, TimerHandle } from '../util/clock.js';
export type { DataPlaneClock, TimerHandle };

export const realClock: DataPlaneClock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A manual clock: `advance(ms)` runs every timer that falls due, in order. */
export class ManualClock implements DataPlaneClock {
  private t = 0;
  private seq = 0;
  private timers: { at: number; seq: number; fn: () => void; live: boolean }[] = [];
  constructor(start = 0) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  /** Moves time forward, running due timers; awaits microtasks between them so async probes settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      this.timers = this.timers.filter((x) => x.live);
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
    }
    this.t = end;
    await flush();
  }
  pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
}

async function flush() {
  for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
}
