// Replay protection and optional throttling for the gateway.
import type { Clock } from '../util/clock.js';

import { WINDOW_MS, nonceKey, type NonceGuard } from '../util/replay.js';
export { WINDOW_MS, type NonceGuard };

/** Remembers (AccessKeyId, nonce) pairs for the 15-minute timestamp window, by their digest. */
export class NonceCache implements NonceGuard {
  private seen = new Map<string, number>();
  private lastSweep = 0;
  constructor(private clock: Clock) {}
  /** Returns false when the nonce was already used inside the window; records it otherwise. */
  use(accessKeyId: string, nonce: string): boolean {
    const now = this.clock.now();
    if (now - this.lastSweep > 60_000 || this.seen.size > 1_000_000) this.sweep(now);
    const k = nonceKey(accessKeyId, nonce);
    const at = this.seen.get(k);
    if (at !== undefined && now - at < WINDOW_MS) return false;
    this.seen.set(k, now);
    return true;
  }
  private sweep(now: number) {
    this.lastSweep = now;
    for (const [k, at] of this.seen) if (now - at >= WINDOW_MS) this.seen.delete(k);
  }
}

/** A token bucket: `rate` requests per second, bursts up to `rate` (at least one request). */
export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private capacity: number;
  constructor(
    private rate: number,
    private clock: Clock,
  ) {
    // a fractional rate (0.5/s) still lets one request through every 1/rate seconds
    this.capacity = Math.max(1, rate);
  }
  take(key: string): boolean {
    const now = this.clock.now();
    if (this.buckets.size > 100_000) this.buckets.clear();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + (Math.max(0, now - b.at) / 1000) * this.rate);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
