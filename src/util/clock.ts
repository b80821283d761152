/** Time source; tests inject a manual clock where time matters. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private t = Date.now()) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

/** ISO 8601 UTC without milliseconds, the format the SLB API uses. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A clock with timers (the data plane's health checks, drains and sweeps; the server clock). */
export interface TimerHandle {
  cancel(): void;
}

export interface DataPlaneClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}
