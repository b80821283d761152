// Reads the destination connection id of a QUIC packet (RFC 9000 §17).
// Long header (first bit 1): flags(1) version(4) dcid_len(1) dcid(dcid_len ≤ 20).
// Short header (first bit 0): flags(1) dcid(?) — the length is known only to the server that
// issued the id; we assume 8 bytes, the length most servers (and quic-go, quiche, msquic) use.
export const SHORT_HEADER_CID_LENGTH = 8;

export function quicConnectionId(d: Buffer): Buffer | undefined {
  if (d.length < 1) return undefined;
  const first = d[0]!;
  if ((first & 0x40) === 0) return undefined; // the QUIC "fixed bit" must be set
  if (first & 0x80) {
    if (d.length < 6) return undefined;
    const len = d[5]!;
    if (len === 0 || len > 20 || d.length < 6 + len) return undefined;
    return d.subarray(6, 6 + len);
  }
  if (d.length < 1 + SHORT_HEADER_CID_LENGTH) return undefined;
  return d.subarray(1, 1 + SHORT_HEADER_CID_LENGTH);
}

/** The source connection id of a long-header packet (what a server tells the client to use). */
export function quicSourceConnectionId(d: Buffer): Buffer | undefined {
  if (d.length < 7 || (d[0]! & 0xc0) !== 0xc0) return undefined;
  const dlen = d[5]!;
  const at = 6 + dlen;
  if (dlen > 20 || d.length < at + 1) return undefined;
  const slen = d[at]!;
  if (slen === 0 || slen > 20 || d.length < at + 1 + slen) return undefined;
  return d.subarray(at + 1, at + 1 + slen);
}

/**
 * Connection ids the backends chose, learned from their long-header replies, mapped to the member
 * that chose them. A datagram of a new flow (a migrated client) whose destination id is known goes
 * to that member, as real qch would. Bounded: the oldest ids are forgotten first.
 */
export class QuicIdTable {
  private map = new Map<string, string>();
  private lengths = new Set<number>();
  constructor(private readonly max = 65536) {}
  learn(reply: Buffer, memberId: string): void {
    const scid = quicSourceConnectionId(reply);
    if (!scid) return;
    const k = scid.toString('hex');
    if (this.map.get(k) === memberId) return;
    this.map.delete(k);
    this.map.set(k, memberId);
    this.lengths.add(scid.length);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  /** The member that owns the destination id of `d`, if learned. */
  lookup(d: Buffer): string | undefined {
    if (d.length < 2 || (d[0]! & 0x40) === 0 || this.map.size === 0) return undefined;
    if (d[0]! & 0x80) {
      const cid = quicConnectionId(d);
      return cid ? this.map.get(cid.toString('hex')) : undefined;
    }
    for (const len of this.lengths) {
      if (d.length < 1 + len) continue;
      const m = this.map.get(d.subarray(1, 1 + len).toString('hex'));
      if (m) return m;
    }
    return undefined;
  }
}
