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
