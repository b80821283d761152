// Reproducible ids (`openslb serve --seed N`, docs/determinism.md). Every id is drawn from a
// stream named by what it is for (its prefix, "request" for RequestIds…): the n-th draw of stream
// S is a function of (seed, generation, S, n) only, through SHA-256 — no state but the counters.
// `generation` counts the earlier seeded starts on the same store, so a restarted server never
// hands out an id it already gave (a new generation is a new stream).
import { createHash } from 'node:crypto';
import { GLOBAL, type Store } from '../state/store.js';
import type { IdGenerator } from './ids.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

export class SeededIds implements IdGenerator {
  private readonly counters = new Map<string, number>();

  constructor(
    readonly seed: string,
    readonly generation = 0,
  ) {}

  /** `length` bytes of the next draw of `stream`. */
  bytes(stream: string, length: number): Buffer {
    const n = this.counters.get(stream) ?? 0;
    this.counters.set(stream, n + 1);
    const out: Buffer[] = [];
    let have = 0;
    for (let block = 0; have < length; block++) {
      const h = createHash('sha256').update(`${this.seed}\u0000${this.generation}\u0000${stream}\u0000${n}\u0000${block}`).digest();
      out.push(h);
      have += h.length;
    }
    return Buffer.concat(out).subarray(0, length);
  }

  next(prefix: string, length = 20): string {
    // rejection sampling keeps the 36 characters uniform (bytes ≥ 252 are skipped); 4× is plenty
    const b = this.bytes(prefix, length * 4);
    let s = '';
    for (let i = 0; s.length < length && i < b.length; i++) if (b[i]! < 252) s += ALNUM[b[i]! % 36];
    while (s.length < length) s += ALNUM[b[s.length]! % 36];
    return `${prefix}${s}`;
  }

  /** An upper-case UUID (version 4 layout, like the random ones). */
  requestId(): string {
    const b = this.bytes('request', 16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.toString('hex').toUpperCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** A number in [0, 1) from `stream`. */
  random(stream: string): number {
    return this.bytes(stream, 6).readUIntBE(0, 6) / 2 ** 48;
  }

  /** `n` decimal digits from `stream`. */
  digits(stream: string, n: number): string {
    return [...this.bytes(stream, n)].map((x) => String(x % 10)).join('');
  }
}

/** kind (GLOBAL) of the server clock's state and the seeded ids' generation (docs/determinism.md) */
export const DETERMINISM = 'determinism';

interface SeedState {
  /** seeded starts so far on this store */
  Starts: number;
  Seed: string;
}

/**
 * The id generator of a seeded start: generation 0 on a fresh store, then one more per seeded
 * start (recorded before any id is drawn, so two starts never share a generation).
 */
export async function openSeededIds(store: Store, seed: string): Promise<SeededIds> {
  const generation = await store.write(async (tx) => {
    const s = await tx.get<SeedState>(DETERMINISM, GLOBAL, 'ids');
    const starts = s?.Starts ?? 0;
    await tx.put<SeedState>(DETERMINISM, GLOBAL, 'ids', { Starts: starts + 1, Seed: seed });
    return starts;
  });
  return new SeededIds(seed, generation);
}
