// Cookie session persistence of HTTP/HTTPS listeners.
// - insert: the listener sets `SERVERID=<token>` (Max-Age = CookieTimeout) on responses to clients
//   that did not present a token of an eligible server; later requests carrying it go there.
// - server (rewrite): when the backend sets its own cookie (the listener's `Cookie` name), the
//   listener replaces that cookie's value with the token; requests carrying it go back there.
// The token is an HMAC of the listener and member identity under a process secret
// (OPENSLB_STICKY_SECRET, else random per process): opaque, does not leak backend addresses and
// cannot be forged to name an arbitrary server. Workers of one data plane must share the secret.
import { createHmac, randomBytes } from 'node:crypto';
import type { PoolMember } from '../pool.js';

/** this process's token secret; the worker pool hands its own to every worker it forks */
export const STICKY_SECRET = process.env.OPENSLB_STICKY_SECRET || randomBytes(32).toString('hex');
export const INSERT_COOKIE = 'SERVERID';

const tokens = new Map<string, string>();

/** The opaque token naming `member` on `listenerId` (cached). */
export function memberToken(listenerId: string, member: PoolMember): string {
  const k = `${listenerId}|${member.id}`;
  let t = tokens.get(k);
  if (t === undefined) {
    t = createHmac('sha256', STICKY_SECRET).update(k).digest('hex').slice(0, 32);
    if (tokens.size > 100_000) tokens.clear();
    tokens.set(k, t);
  }
  return t;
}

/** The value of cookie `name` in a Cookie request header (first occurrence), or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let i = 0;
  while (i < header.length) {
    while (header.charCodeAt(i) === 32) i++;
    const end = header.indexOf(';', i);
    const stop = end < 0 ? header.length : end;
    const eq = header.indexOf('=', i);
    if (eq > 0 && eq < stop && header.slice(i, eq).trim() === name) return header.slice(eq + 1, stop).trim();
    i = stop + 1;
  }
  return undefined;
}

/** The eligible member whose token is `token` (undefined when gone, weight 0 or unhealthy). */
export function memberByToken(listenerId: string, eligible: readonly PoolMember[], token: string | undefined): PoolMember | undefined {
  if (!token) return undefined;
  for (const m of eligible) if (memberToken(listenerId, m) === token) return m;
  return undefined;
}

export function insertCookie(token: string, timeoutMs: number): string {
  return `${INSERT_COOKIE}=${token}; Max-Age=${Math.max(1, Math.floor(timeoutMs / 1000))}; Path=/`;
}

/**
 * Rewrites the value of every `Set-Cookie: <name>=…` to `token`, keeping the attributes the
 * backend chose (expiry, path, domain…). Returns the new header value, or undefined when the
 * backend did not set that cookie.
 */
export function rewriteSetCookie(setCookie: string | string[] | undefined, name: string, token: string): string[] | undefined {
  if (!setCookie) return undefined;
  const list = Array.isArray(setCookie) ? setCookie : [setCookie];
  let hit = false;
  const out = list.map((c) => {
    const eq = c.indexOf('=');
    if (eq <= 0 || c.slice(0, eq).trim() !== name) return c;
    hit = true;
    const semi = c.indexOf(';', eq);
    return `${name}=${token}${semi < 0 ? '' : c.slice(semi)}`;
  });
  return hit ? out : undefined;
}
