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
}

export const randomIds: IdGenerator = {
  next: (prefix, length = 20) => `${prefix}${alnum(length)}`,
};
