// PROXY protocol v2 header (haproxy's proxy-protocol.txt §2.2): what the backend reads first on a
// TCP connection (and before each UDP datagram) when ProxyProtocolV2Enabled is on, so it learns
// the client's address although we are a full proxy.
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

function bytesOf(ip: string, want: 4 | 16): Buffer {
  const a = ipaddr.parse(ip);
  if (want === 4) return Buffer.from((a.kind() === 'ipv6' ? (a as ipaddr.IPv6).toIPv4Address() : a).toByteArray());
  return Buffer.from((a.kind() === 'ipv4' ? (a as ipaddr.IPv4).toIPv4MappedAddress() : a).toByteArray());
}

/** Both ends IPv4 (after un-mapping ::ffff:a.b.c.d) → AF_INET; otherwise AF_INET6 (IPv4 ends mapped). */
export function proxyV2Header(transport: 'tcp' | 'udp', src: string, srcPort: number, dst: string, dstPort: number): Buffer {
  const s = unmap(src);
  const d = unmap(dst);
  const v4 = net.isIPv4(s) && net.isIPv4(d);
  const famProto = (v4 ? 0x10 : 0x20) | (transport === 'tcp' ? 0x01 : 0x02);
  const addrLen = v4 ? 12 : 36;
  const h = Buffer.alloc(16 + addrLen);
  PROXY_V2_SIGNATURE.copy(h, 0);
  h[12] = 0x21; // version 2, command PROXY
  h[13] = famProto;
  h.writeUInt16BE(addrLen, 14);
  const n = v4 ? 4 : 16;
  bytesOf(s, n).copy(h, 16);
  bytesOf(d, n).copy(h, 16 + n);
  h.writeUInt16BE(srcPort, 16 + 2 * n);
  h.writeUInt16BE(dstPort, 18 + 2 * n);
  return h;
}

function unmap(ip: string): string {
  try {
    return ipaddr.process(ip).toString();
  } catch {
    return ip;
  }
}

/** Parses a v2 header at the start of `b` (tests, and backends written in TS). */
export function parseProxyV2(b: Buffer): { transport: 'tcp' | 'udp'; src: string; srcPort: number; dst: string; dstPort: number; length: number } | undefined {
  if (b.length < 16 || !b.subarray(0, 12).equals(PROXY_V2_SIGNATURE) || b[12] !== 0x21) return undefined;
  const fam = b[13]! >> 4;
  const transport = (b[13]! & 0x0f) === 1 ? 'tcp' : 'udp';
  const len = b.readUInt16BE(14);
  if (b.length < 16 + len) return undefined;
  const n = fam === 1 ? 4 : 16;
  const ip = (o: number) => ipaddr.fromByteArray([...b.subarray(o, o + n)]).toString();
  return { transport, src: ip(16), dst: ip(16 + n), srcPort: b.readUInt16BE(16 + 2 * n), dstPort: b.readUInt16BE(18 + 2 * n), length: 16 + len };
}
