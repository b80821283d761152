// Private addresses on one machine (docs/products.md, "Addresses as users write them"). VPCs and
// vSwitches created through the VPC API use the real private ranges (10/8, 172.16/12, 192.168/16),
// and the API reports those addresses exactly. To make them reachable here, every such vSwitch gets
// a host block: a loopback block of the same size from HOST_POOL. An address of the vSwitch maps to
// the address at the same offset in its host block; that is where a load balancer's listeners bind
// and where the data plane connects to a backend, and it is the address a backend process binds
// (shown as HostAddress by the operator API: GET /_openslb/world/instances, `openslb world
// instances`). vSwitches of the world file / operator API keep addressing loopback directly (no host
// block; the address is its own host address), as before.
import { GLOBAL, type Tx } from '../state/store.js';
import { cidrSize, formatIp, parseCidr, parseIp, type Cidr } from './ipv4.js';

/** Where host blocks come from: 127.128.0.0/9, 8 388 608 addresses, away from the default pools. */
export const HOST_POOL = '127.128.0.0/9';
const POOL = parseCidr(HOST_POOL)!;

/** kind 'hostBlocks' (GLOBAL), id 'pool': the bump cursor and the blocks given back. */
interface HostBlocksDoc {
  /** first address not yet handed out */
  next: number;
  /** freed blocks by prefix length, reused first */
  free: Record<string, number[]>;
}
const KIND = 'hostBlocks';

export class HostPoolExhaustedError extends Error {}

/** Allocates a host block for a vSwitch CIDR (same prefix length); returns it as CIDR text. */
export async function allocateHostBlock(tx: Tx, cidr: string): Promise<string> {
  const c = parseCidr(cidr);
  if (!c) throw new RangeError(`not a CIDR block: ${cidr}`);
  const size = cidrSize(c);
  const doc = (await tx.get<HostBlocksDoc>(KIND, GLOBAL, 'pool')) ?? { next: POOL.first, free: {} };
  const freed = doc.free[String(c.prefix)] ?? [];
  let base: number;
  if (freed.length) {
    base = freed.shift()!;
    doc.free[String(c.prefix)] = freed;
  } else {
    // aligned to the block's size, as a CIDR block must be
    base = Math.ceil((doc.next - POOL.first) / size) * size + POOL.first;
    if (base + size - 1 > POOL.last) throw new HostPoolExhaustedError(`the host address pool ${HOST_POOL} is exhausted`);
    doc.next = base + size;
  }
  await tx.put(KIND, GLOBAL, 'pool', doc);
  return `${formatIp(base)}/${c.prefix}`;
}

/** Gives a vSwitch's host block back (when the vSwitch is deleted). */
export async function releaseHostBlock(tx: Tx, hostCidr: string): Promise<void> {
  const c = parseCidr(hostCidr);
  if (!c) return;
  const doc = (await tx.get<HostBlocksDoc>(KIND, GLOBAL, 'pool')) ?? { next: POOL.first, free: {} };
  const list = doc.free[String(c.prefix)] ?? [];
  if (!list.includes(c.first)) list.push(c.first);
  doc.free[String(c.prefix)] = list;
  await tx.put(KIND, GLOBAL, 'pool', doc);
}

/** The host address of `address` in a vSwitch with `cidr` mapped to `hostCidr`; undefined when outside. */
export function toHostAddress(address: string, cidr: string, hostCidr: string | undefined): string | undefined {
  if (!hostCidr) return undefined;
  const ip = parseIp(address);
  const c = parseCidr(cidr);
  const h = parseCidr(hostCidr);
  if (ip === undefined || !c || !h || ip < c.first || ip > c.last) return undefined;
  return formatIp(h.first + (ip - c.first));
}

/** The private address a host address stands for (the inverse of toHostAddress). */
export function fromHostAddress(host: string, cidr: string, hostCidr: string): string | undefined {
  const ip = parseIp(host);
  const c: Cidr | undefined = parseCidr(cidr);
  const h = parseCidr(hostCidr);
  if (ip === undefined || !c || !h || ip < h.first || ip > h.last) return undefined;
  return formatIp(c.first + (ip - h.first));
}

/** The real private ranges the VPC API accepts (RFC 1918). */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((s) => parseCidr(s)!);
export const isPrivateCidr = (c: Cidr) => PRIVATE_RANGES.some((r) => c.first >= r.first && c.last <= r.last);
