// Access control at accept time. White list: only matching sources pass. Black list: matching
// sources are refused. An ACL binding whose entries are empty (all bound ACLs empty) filters
// nothing, whatever its type — the semantics most often gotten wrong.
// Matched against the connection's source address (never X-Forwarded-For), once per new
// connection / flow, so ACL edits never cut established traffic.
import ipaddr from 'ipaddr.js';
import type { AclBinding, AclSnapshot } from './snapshot.js';

export interface AclMatcher {
  /** true when the source may connect */
  allows(ip: string): boolean;
  readonly type: 'white' | 'black' | 'none';
  readonly size: number;
}

export const ALLOW_ALL: AclMatcher = { allows: () => true, type: 'none', size: 0 };

/** Builds a matcher from a listener's binding and the snapshot's ACLs (unknown ids contribute nothing). */
export function compileAcl(binding: AclBinding | null, acls: Readonly<Record<string, AclSnapshot>>): AclMatcher {
  if (!binding) return ALLOW_ALL;
  const v4: [number, number][] = []; // [network, mask] as uint32
  const v6: [ipaddr.IPv6, number][] = [];
  for (const id of binding.aclIds) {
    for (const e of acls[id]?.entries ?? []) {
      const parsed = parseEntry(e);
      if (!parsed) continue;
      const [addr, bits] = parsed;
      if (addr.kind() === 'ipv4') {
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        v4.push([(toU32(addr as ipaddr.IPv4) & mask) >>> 0, mask]);
      } else v6.push([addr as ipaddr.IPv6, bits]);
    }
  }
  const size = v4.length + v6.length;
  if (size === 0) return { allows: () => true, type: binding.type, size: 0 };
  const matches = (ip: string): boolean => {
    let a: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      a = ipaddr.process(ip); // IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4
    } catch {
      return false;
    }
    if (a.kind() === 'ipv4') {
      const n = toU32(a as ipaddr.IPv4);
      for (const [net, mask] of v4) if (((n & mask) >>> 0) === net) return true;
      return false;
    }
    for (const [net, bits] of v6) if ((a as ipaddr.IPv6).match(net, bits)) return true;
    return false;
  };
  return binding.type === 'white'
    ? { allows: (ip) => matches(ip), type: 'white', size }
    : { allows: (ip) => !matches(ip), type: 'black', size };
}

function toU32(a: ipaddr.IPv4): number {
  const o = a.octets;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

function parseEntry(e: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  try {
    if (e.includes('/')) return ipaddr.parseCIDR(e.trim());
    const a = ipaddr.parse(e.trim());
    return [a, a.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}
