// Request and response header handling of the L7 proxy: hop-by-hop stripping and the headers an
// HTTP/HTTPS listener adds towards the backend (X-Forwarded-For on by default, appended to the
// client's list; the opt-in X-Forwarded-Proto, SLB-IP, SLB-ID, X-Forwarded-Port,
// X-Forwarded-Client-srcport). Client-supplied copies of the opt-in names are always removed, so a
// backend can trust them when the listener sets them.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { ForwardedHeadersSnapshot } from '../snapshot.js';

/** Never forwarded in either direction (RFC 9110 §7.6.1, plus the legacy proxy ones). */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'http2-settings']);
/** Request headers the listener owns: removed from what the client sent. */
const OWNED = new Set(['x-forwarded-proto', 'slb-ip', 'slb-id', 'x-forwarded-port', 'x-forwarded-client-srcport']);

export interface ForwardInfo {
  clientIp: string;
  clientPort: number;
  /** 'http' | 'https' */
  proto: string;
  /** the LB's address (SLB-IP) */
  slbIp: string;
  slbId: string;
  listenerPort: number;
}

/** Names listed in a Connection header (they are hop-by-hop too). */
function connectionTokens(v: string | string[] | undefined): Set<string> | null {
  if (!v) return null;
  const s = Array.isArray(v) ? v.join(',') : v;
  let out: Set<string> | null = null;
  for (const t of s.split(',')) {
    const n = t.trim().toLowerCase();
    if (n && n !== 'close' && n !== 'keep-alive') (out ??= new Set()).add(n);
  }
  return out;
}

/**
 * The headers sent to the backend. `keepUpgrade` keeps Connection/Upgrade (WebSocket handshake).
 * HTTP/2 pseudo-headers are dropped; `:authority` becomes Host when Host is absent.
 */
export function requestHeaders(inHeaders: IncomingHttpHeaders, fw: ForwardedHeadersSnapshot, info: ForwardInfo, keepUpgrade = false): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const extra = connectionTokens(inHeaders.connection);
  for (const k in inHeaders) {
    const v = inHeaders[k];
    if (v === undefined) continue;
    if (k.charCodeAt(0) === 58 /* : */) {
      if (k === ':authority' && inHeaders.host === undefined) out.host = v as string;
      continue;
    }
    if (HOP.has(k) || OWNED.has(k) || k === 'expect') {
      if (keepUpgrade && (k === 'connection' || k === 'upgrade')) out[k] = v;
      continue;
    }
    if (extra?.has(k)) continue;
    out[k] = v;
  }
  if (fw.xForwardedFor) {
    const prev = inHeaders['x-forwarded-for'];
    out['x-forwarded-for'] = prev ? `${Array.isArray(prev) ? prev.join(', ') : prev}, ${info.clientIp}` : info.clientIp;
  }
  if (fw.xForwardedProto) out['x-forwarded-proto'] = info.proto;
  if (fw.slbIp) out['slb-ip'] = info.slbIp;
  if (fw.slbId) out['slb-id'] = info.slbId;
  if (fw.xForwardedPort) out['x-forwarded-port'] = String(info.listenerPort);
  if (fw.xForwardedClientSrcPort) out['x-forwarded-client-srcport'] = String(info.clientPort);
  return out;
}

/** The backend's response headers minus hop-by-hop ones (undici gives lower-case keys). */
export function responseHeaders(h: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const extra = connectionTokens(h.connection);
  const out: OutgoingHttpHeaders = {};
  for (const k in h) {
    const v = h[k];
    if (v === undefined || HOP.has(k) || extra?.has(k)) continue;
    out[k] = v;
  }
  return out;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) as plain IPv4, for headers. */
export function plainIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
