// IPv4 arithmetic for the world's CIDR blocks and address pools. Addresses are unsigned 32-bit
// numbers internally; IPv6 load balancer addresses are IPv4-mapped (`::ffff:a.b.c.d`) so that they
// stay reachable through the loopback interface (see docs/world.md).

export interface Cidr {
  base: number;
  prefix: number;
  /** first and last address of the block */
  first: number;
  last: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIp(s: string | undefined): number | undefined {
  if (typeof s !== 'string') return undefined;
  const parts = s.trim().split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(s: string | undefined): Cidr | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m) return undefined;
  const ip = parseIp(m[1]);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ip / size) * size;
  if (base !== ip) return undefined; // host bits set: not a canonical block
  return { base, prefix, first: base, last: base + size - 1 };
}

export const cidrSize = (c: Cidr) => c.last - c.first + 1;
export const inCidr = (c: Cidr, ip: number) => ip >= c.first && ip <= c.last;
/** true when `inner` lies entirely inside `outer` */
export const cidrWithin = (inner: Cidr, outer: Cidr) => inner.first >= outer.first && inner.last <= outer.last;
export const cidrOverlaps = (a: Cidr, b: Cidr) => a.first <= b.last && b.first <= a.last;
export const isLoopback = (ip: number) => ip >>> 24 === 127;

/** IPv4-mapped IPv6 text for an IPv4 number. */
export const mappedV6 = (n: number) => `::ffff:${formatIp(n)}`;

/** Reads an address that may be IPv4 or IPv4-mapped IPv6 (`::ffff:a.b.c.d`). */
export function parseAnyIp(s: string | undefined): { ip: number; v6: boolean } | undefined {
  if (typeof s !== 'string') return undefined;
  const t = s.trim().toLowerCase();
  if (t.startsWith('::ffff:')) {
    const ip = parseIp(t.slice(7));
    return ip === undefined ? undefined : { ip, v6: true };
  }
  const ip = parseIp(t);
  return ip === undefined ? undefined : { ip, v6: false };
}
