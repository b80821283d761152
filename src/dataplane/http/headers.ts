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

/** Characters of an authority (host[:port]) the listeners accept in an absolute-form target; no userinfo (`@`). */
const AUTHORITY = /^[A-Za-z0-9._~%!$&'()*+,;=:[\]-]+$/;

/**
 * An absolute-form request target (`http://host:port/path?q`, RFC 9112 §3.2.2) split into its
 * authority (the request's Host: it wins over a Host header) and its origin form (`/path?q`,
 * what the backend gets). Null for anything else (origin form, `*`, other schemes, userinfo,
 * an empty authority).
 */
export function absoluteForm(target: string): { authority: string; path: string } | null {
  const c = target.charCodeAt(0);
  if (c !== 104 && c !== 72) return null; // h, H
  const scheme = target.slice(0, 8).toLowerCase();
  const start = scheme.startsWith('http://') ? 7 : scheme === 'https://' ? 8 : -1;
  if (start < 0) return null;
  let end = start;
  while (end < target.length) {
    const ch = target.charCodeAt(end);
    if (ch === 47 /* / */ || ch === 63 /* ? */ || ch === 35 /* # */) break;
    end++;
  }
  const authority = target.slice(start, end);
  if (!AUTHORITY.test(authority) || target.charCodeAt(end) === 35) return null;
  const rest = target.slice(end);
  return { authority, path: rest === '' ? '/' : rest.charCodeAt(0) === 63 ? `/${rest}` : rest };
}

/**
 * General path: an HTTP/1.x request with an absolute-form target is routed and forwarded as the
 * origin form with its authority as the Host (the client's Host header is replaced). False when
 * the target is neither origin form nor http(s) absolute form (answered 400): that includes `*`
 * (asterisk form, `OPTIONS *`), which the backend client (undici) cannot send.
 */
export function toOriginForm(req: { url?: string; headers: IncomingHttpHeaders; httpVersionMajor: number }): boolean {
  const url = req.url ?? '/';
  if (req.httpVersionMajor >= 2 || url.charCodeAt(0) === 47 /* / */) return true;
  const abs = absoluteForm(url);
  if (!abs) return false;
  req.url = abs.path;
  req.headers.host = abs.authority;
  return true;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) as plain IPv4, for headers. */
export function plainIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
