// Listener bandwidth cap (Bandwidth, Mbit/s): one token bucket per listener and direction, shared
// by every connection of the listener. The burst is 100 ms worth of traffic (at least 64 KiB) so
// short transfers are not delayed while the long-run rate stays at the cap.
import type { Readable, Writable } from 'node:stream';

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly bytesPerSecond: number;
  readonly burst: number;
  constructor(mbps: number, private readonly now: () => number = () => performance.now()) {
    this.bytesPerSecond = (mbps * 1_000_000) / 8;
    this.burst = Math.max(64 * 1024, this.bytesPerSecond / 10);
    this.tokens = this.burst;
    this.last = this.now();
  }
  /** Takes n bytes (tokens may go negative); returns how long to wait before the next chunk (ms). */
  take(n: number): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.bytesPerSecond);
    this.last = t;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.bytesPerSecond) * 1000;
  }
}

/** Like src.pipe(dst) but paced by `bucket`; honours back-pressure and ends dst when src ends. */
export function throttledPipe(src: Readable, dst: Writable, bucket: TokenBucket): void {
  let waitingDrain = false;
  let waitingTokens = false;
  let timer: NodeJS.Timeout | undefined;
  const maybeResume = () => {
    if (!waitingDrain && !waitingTokens) src.resume();
  };
  src.on('data', (chunk: Buffer) => {
    if (!dst.write(chunk)) {
      waitingDrain = true;
      src.pause();
      dst.once('drain', () => {
        waitingDrain = false;
        maybeResume();
      });
    }
    const wait = bucket.take(chunk.length);
    if (wait > 0 && !waitingTokens) {
      waitingTokens = true;
      src.pause();
      timer = setTimeout(() => {
        waitingTokens = false;
        maybeResume();
      }, Math.ceil(wait));
    }
  });
  src.once('end', () => dst.end());
  src.once('close', () => clearTimeout(timer));
  src.resume(); // a socket accepted with pauseOnConnect does not start flowing on 'data' alone
}
