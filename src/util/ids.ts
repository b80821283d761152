import { randomBytes, randomUUID } from 'node:crypto';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Lower-case alphanumeric string of `n` characters, uniformly drawn. */
export function alnum(n: number): string {
  const bytes = randomBytes(n * 2);
  let s = '';
  for (let i = 0; s.length < n && i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 252) s += ALNUM[b % 36];
  }
  return s.length === n ? s : s + alnum(n - s.length);
}

export function requestId(): string {
  return randomUUID().toUpperCase();
}

export interface IdGenerator {
  next(prefix: string, length?: number): string;
  /** a RequestId; default: a random upper-case UUID */
  requestId?(): string;
  /** a number in [0, 1) for `stream`; default: Math.random-like, from crypto */
  random?(stream: string): number;
  /** `n` decimal digits for `stream` (account ids, role ids); default: random */
  digits?(stream: string, n: number): string;
}

/** The next RequestId of `ids` (seeded servers: reproducible; docs/determinism.md). */
export const requestIdOf = (ids: IdGenerator | undefined): string => ids?.requestId?.() ?? requestId();

export const randomIds: IdGenerator = {
  next: (prefix, length = 20) => `${prefix}${alnum(length)}`,
};
