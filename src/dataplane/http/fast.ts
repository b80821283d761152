// The HTTP/1.1 fast path of plain-HTTP listeners. node:http + undici cost several times nginx's
// CPU per small request; most of it is object machinery around each request (IncomingMessage,
// ServerResponse, header objects, undici's dispatcher). This path reads request heads straight
// from the client socket, writes the rewritten head and the body bytes to a kept-alive backend
// socket, and copies the backend's response bytes back with only its head rewritten (the body
// passes through untouched, chunked or not).
//
// It handles the common case only. A request that needs more — anything but HTTP/1.1, a chunked
// or Expect request body, an Upgrade, gzip (the client accepts it and the listener compresses),
// cookie persistence, ACL denial, redirect, no healthy backend, an odd request target — hands the
// connection over, at that request boundary, to the general node:http path (proxy.ts) for the
// rest of its life: that path produces the same answers with the full feature set. So does every
// request on a listener with injected faults (faults.ts).
import net from 'node:net';
import { upstreamAddr } from '../access-log.js';
import type { BackendPool, PoolMember, Tracked } from '../pool.js';
import { absoluteForm } from './headers.js';
import { kDenied, type L7Listener, type L7Runtime, errorPage } from './proxy.js';

const MAX_HEAD = 64 * 1024;
/**
 * Longer request heads go to the general path: node's parser refuses heads over its
 * maxHeaderSize (16 KiB by default, counted its own way), and a head the fast path forwards must
 * be one node accepts.
 */
const FAST_HEAD_MAX = 8 * 1024;
/**
 * Methods the fast path forwards; any other goes to node's parser (which knows a fixed list and
 * treats CONNECT as a tunnel). Keeps the method check a set lookup.
 */
const FAST_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
/** RFC 9110 token (header names); anything else is left to node's strict parser (400) */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const CRLFCRLF = Buffer.from('\r\n\r\n');
/** request headers never forwarded as-is (hop-by-hop, or owned by the listener) */
const DROP_REQ = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'http2-settings', 'x-forwarded-for', 'x-forwarded-proto', 'slb-ip', 'slb-id', 'x-forwarded-port', 'x-forwarded-client-srcport']);
/** response headers dropped (the body is forwarded in its own framing, so Transfer-Encoding stays) */
const DROP_RES = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'http2-settings']);

/** whitespace, a control character or a non-ASCII byte (the request target must have none: node refuses them) */
function hasCtlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127) return true;
  }
  return false;
}

/**
 * Bytes [0, end) hold no control character but HTAB and CRLF pairs: no bare CR or LF, no NUL, no
 * VT/FF/DEL... Node's strict parser refuses those in a head; lenient parsers read some of them as
 * whitespace or line ends, so a head holding one could mean something else to the backend.
 */
function cleanHead(b: Buffer, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = b[i]!;
    if (c > 31) {
      if (c === 127) return false;
      continue;
    }
    if (c === 13) {
      if (i + 1 >= end || b[i + 1] !== 10) return false;
      i++;
    } else if (c !== 9) return false;
  }
  return true;
}

/** `s` without leading/trailing SP and HTAB (RFC 9110 OWS; String.trim would also eat VT, FF, NBSP...) */
function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** response header names the fast path looks at or drops all start with one of these letters (any case) */
function mayMatter(c: number): boolean {
  c |= 0x20;
  return c === 99 /* c */ || c === 116 /* t */ || c === 107 /* k */ || c === 112 /* p */ || c === 117 /* u */ || c === 104 /* h */;
}

/** What the fast path does with one request head. */
export type HeadVerdict = HeadForward | typeof HAND_OVER;

export interface HeadForward {
  method: string;
  /** the request target as forwarded (origin form) */
  target: string;
  /** the request line sent to the backend (no CRLF) */
  requestLine: string;
  /** the Host value routing uses */
  host: string;
  /** the client's header lines forwarded as they are, each ending in CRLF */
  headers: string;
  /** the client's X-Forwarded-For list, if any */
  xff: string | undefined;
  /** the request body's length (-1: no Content-Length, no body) */
  contentLength: number;
  /** Connection: close */
  close: boolean;
  /** User-Agent and Referer, read only when asked (access logs) */
  userAgent?: string;
  referer?: string;
}

/** Hand the connection over to the general path (node's parser) at this request. */
export const HAND_OVER = null;

/**
 * Decides on the request head in `buf[0, end)` (`end` = index of the CRLFCRLF): forward it on
 * the fast path (with what), or hand it over. Pure: no I/O, no configuration but `gzip` (the
 * listener compresses), so the differential fuzz test (test/dataplane/http-differential.test.ts)
 * can hold it against node's own parser.
 */
export function parseRequestHead(buf: Buffer, end: number, gzip: boolean, captureLogFields = false): HeadVerdict {
  if (end > FAST_HEAD_MAX) return HAND_OVER;
  const head = buf.toString('latin1', 0, end);
  const lines = head.split('\r\n');
  const rl = lines[0]!;
  const sp1 = rl.indexOf(' ');
  const sp2 = rl.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 <= sp1 || rl.slice(sp2 + 1) !== 'HTTP/1.1') return HAND_OVER;
  const method = rl.slice(0, sp1);
  let target = rl.slice(sp1 + 1, sp2);
  if (!FAST_METHODS.has(method) || hasCtlOrSpace(target)) return HAND_OVER;
  // absolute form (RFC 9112 §3.2.2): its authority is the Host, the backend gets the origin form
  let authority: string | undefined;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const abs = absoluteForm(target);
    if (!abs) return HAND_OVER;
    authority = abs.authority;
    target = abs.path;
  }
  // bare CR/LF, NUL or other controls inside the head could split differently at the backend (request smuggling)
  if (!cleanHead(buf, end)) return HAND_OVER;
  let host: string | undefined;
  let xff: string | undefined;
  let userAgent: string | undefined;
  let referer: string | undefined;
  let contentLength = -1;
  let fwd = '';
  let connectionTokens: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return HAND_OVER;
    const rawName = line.slice(0, colon);
    if (!TOKEN.test(rawName)) return HAND_OVER;
    const name = rawName.toLowerCase();
    switch (name) {
      case 'host':
        if (host !== undefined) return HAND_OVER;
        host = trimOws(line.slice(colon + 1));
        if (authority !== undefined) continue; // replaced by the target's authority
        break;
      case 'content-length': {
        // digits, spaces around them only (node refuses a tab after the number)
        const v = line.slice(colon + 1);
        if (contentLength >= 0 || !/^ *\d{1,15} *$/.test(v)) return HAND_OVER;
        contentLength = Number(v);
        break;
      }
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return HAND_OVER;
      case 'accept-encoding':
        if (gzip && /gzip/i.test(line)) return HAND_OVER;
        break;
      case 'connection':
        connectionTokens = connectionTokens ? `${connectionTokens},${line.slice(colon + 1)}` : line.slice(colon + 1);
        continue;
      case 'x-forwarded-for':
        xff = xff ? `${xff}, ${trimOws(line.slice(colon + 1))}` : trimOws(line.slice(colon + 1));
        continue;
      case 'user-agent':
        if (captureLogFields) userAgent = trimOws(line.slice(colon + 1));
        break;
      case 'referer':
        if (captureLogFields) referer = trimOws(line.slice(colon + 1));
        break;
    }
    if (DROP_REQ.has(name)) continue;
    fwd += `${line}\r\n`;
  }
  if (host === undefined) return HAND_OVER;
  let clientClose = false;
  if (connectionTokens) {
    // node does not take "close<HTAB>," for close: leave tabs in Connection to node
    if (connectionTokens.includes('\t')) return HAND_OVER;
    for (const t of connectionTokens.split(',')) {
      const n = trimOws(t).toLowerCase();
      if (n === 'close') clientClose = true;
      else if (n && n !== 'keep-alive') return HAND_OVER; // extra hop-by-hop names: general path strips them
    }
  }
  const logFields = captureLogFields ? { userAgent, referer } : {};
  if (authority !== undefined) return { method, target, requestLine: `${method} ${target} HTTP/1.1`, host: authority, headers: `Host: ${authority}\r\n${fwd}`, xff, contentLength, close: clientClose, ...logFields };
  return { method, target, requestLine: rl, host, headers: fwd, xff, contentLength, close: clientClose, ...logFields };
}

type Handoff = (socket: net.Socket, pending: Buffer) => void;

/** The socket as a TLS socket, when it is one (HTTPS listeners run the fast path over TLS too). */
const tlsOf = (s: net.Socket): { getProtocol(): string | null; getCipher(): { name: string } | undefined } | undefined =>
  typeof (s as { getProtocol?: unknown }).getProtocol === 'function' ? (s as unknown as { getProtocol(): string | null; getCipher(): { name: string } }) : undefined;

function noop() {}

/**
 * Backend sockets read into this one buffer (net's `onread`): no Readable stream machinery and no
 * fresh buffer per read. The bytes are only valid during the read callback, so everything that
 * keeps or writes them (a partial head, a body chunk) works on a copy.
 */
const READ_BUF = Buffer.allocUnsafe(64 * 1024);

/** A kept-alive connection to one backend, reused across client connections. */
class BackendConn {
  owner: FastConn | null = null;
  reused = false;
  /** the socket's timeout: RequestTimeout while a request waits, and the idle keep-alive limit in the pool */
  timeoutMs = 0;
  /** the current response allows reusing the connection */
  keep = false;
  constructor(
    readonly key: string,
    readonly socket: net.Socket,
    readonly pool: RawUpstreams,
  ) {
    socket.on('error', noop);
    socket.on('close', () => {
      this.pool.forget(this);
      this.owner?.onBackendClose(this);
    });
    socket.on('timeout', () => {
      if (this.owner) this.owner.onBackendTimeout();
      else socket.destroy();
    });
    socket.on('drain', () => this.owner?.onBackendDrain());
  }
}

/** Idle backend connections of one listener, by backend address. */
export class RawUpstreams {
  private idle = new Map<string, BackendConn[]>();
  private all = new Set<BackendConn>();
  /** `ip|port` of each member, built once (a fresh string per request costs a hash per lookup) */
  private keys = new WeakMap<PoolMember, string>();

  /** A connection to `m`: an idle kept-alive one unless `fresh`. */
  acquire(m: PoolMember, fresh = false): BackendConn {
    let key = this.keys.get(m);
    if (key === undefined) this.keys.set(m, (key = `${m.ip}|${m.port}`));
    const list = fresh ? undefined : this.idle.get(key);
    while (list && list.length) {
      const c = list.pop()!;
      if (!c.socket.destroyed) {
        c.reused = true;
        return c;
      }
    }
    let c: BackendConn | null = null;
    const onread = {
      buffer: READ_BUF,
      callback: (n: number, buf: Uint8Array): boolean => {
        if (!c) return true;
        if (c.owner) c.owner.onBackendData(Buffer.from(buf.buffer, buf.byteOffset, n), true);
        else c.socket.destroy(); // unsolicited bytes on an idle connection: it cannot be reused
        return true;
      },
    };
    const socket = net.connect({ host: m.ip, port: m.port, noDelay: true, onread } as net.NetConnectOpts);
    c = new BackendConn(key, socket, this);
    this.all.add(c);
    return c;
  }

  release(c: BackendConn): void {
    c.owner = null;
    if (c.socket.destroyed) return;
    let list = this.idle.get(c.key);
    if (!list) this.idle.set(c.key, (list = []));
    if (list.length >= 512) return void c.socket.destroy();
    list.push(c);
  }

  forget(c: BackendConn): void {
    this.all.delete(c);
    const list = this.idle.get(c.key);
    if (list) {
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** Drops idle connections to backends not in `keep` (ip|port keys). */
  sweep(keep: Set<string>): void {
    for (const [key, list] of this.idle) {
      if (keep.has(key)) continue;
      for (const c of list) c.socket.destroy();
      this.idle.delete(key);
    }
  }

  destroy(): void {
    for (const c of [...this.all]) c.socket.destroy();
    this.idle.clear();
  }
}

const enum St {
  Head,
  Body,
  Waiting,
  Done,
}

interface ResState {
  head: boolean; // still reading the response head
  buf: Buffer | null;
  /** remaining body bytes (content-length), -1 chunked, -2 until close, 0 none */
  remaining: number;
  chunk: ChunkScanner | null;
  status: number;
  sentAny: boolean;
  close: boolean; // close the client after this response
  /** body bytes sent to the client (access logs) */
  sent: number;
}

/** What an access-log line needs of a fast-path request (only built when the load balancer logs). */
interface LogInfo {
  method: string;
  uri: string;
  host: string;
  ua: string | undefined;
  referer: string | undefined;
  xff: string | undefined;
  clientIp: string;
  clientPort: number;
}

/** Finds the end of a chunked body without decoding it. */
class ChunkScanner {
  private st = 0; // 0 size, 1 ext, 2 size-LF, 3 data, 4 data-CR, 5 data-LF, 6 trailer line start, 7 trailer line, 8 final LF
  private size = 0;
  private sawDigit = false;
  /** index just after the body's last byte within `b`, or -1 (needs more), -2 (malformed) */
  scan(b: Buffer, from: number): number {
    for (let i = from; i < b.length; i++) {
      const c = b[i]!;
      switch (this.st) {
        case 0: {
          const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (v >= 0) {
            this.size = this.size * 16 + v;
            this.sawDigit = true;
            if (this.size > 2 ** 40) return -2;
          } else if (!this.sawDigit) return -2;
          else if (c === 13) this.st = 2;
          else if (c === 59 || c === 32 || c === 9) this.st = 1;
          else return -2;
          break;
        }
        case 1:
          if (c === 13) this.st = 2;
          break;
        case 2:
          if (c !== 10) return -2;
          if (this.size === 0) this.st = 6;
          else this.st = 3;
          break;
        case 3: {
          const take = Math.min(this.size, b.length - i);
          this.size -= take;
          i += take - 1;
          if (this.size === 0) this.st = 4;
          break;
        }
        case 4:
          if (c !== 13) return -2;
          this.st = 5;
          break;
        case 5:
          if (c !== 10) return -2;
          this.st = 0;
          this.sawDigit = false;
          break;
        case 6:
          if (c === 13) this.st = 8;
          else this.st = 7;
          break;
        case 7:
          if (c === 10) this.st = 6;
          break;
        case 8:
          if (c !== 10) return -2;
          return i + 1;
      }
    }
    return -1;
  }
}

/** One client connection served by the fast path. */
export class FastConn implements Tracked {
  private st = St.Head;
  private pending: Buffer | null = null;
  private backend: BackendConn | null = null;
  private member: PoolMember | null = null;
  private pool: BackendPool | null = null;
  private untrack: () => void = noop;
  private reqBodyLeft = 0;
  private clientClose = false;
  private isHead = false;
  private res: ResState | null = null;
  /** the request head + body already read, kept for one retry on a stale kept-alive backend connection */
  private replay: Buffer[] | null = null;
  private retried = false;
  /** when the current request's head was complete (performance.now()) */
  private t0 = 0;
  private log: LogInfo | null = null;
  private readonly onData = (d: Buffer) => this.onClientData(d);
  private readonly onDrain = () => this.backend?.socket.resume();
  /** IdleTimeout: the socket timer runs all the time (no re-arming per request); it only counts between requests */
  private readonly onTimeout = () => {
    if (this.st === St.Head && !this.backend) this.socket.destroy();
  };
  private idleMs: number;
  private readonly onClose = () => this.abortBackend();

  constructor(
    private readonly rt: L7Runtime,
    private readonly socket: net.Socket,
    private readonly upstreams: RawUpstreams,
    private readonly handoff: Handoff,
  ) {
    socket.on('data', this.onData);
    socket.on('drain', this.onDrain);
    socket.on('timeout', this.onTimeout);
    socket.on('close', this.onClose);
    this.idleMs = rt.current.listener.idleTimeoutMs;
    socket.setTimeout(this.idleMs);
  }

  destroy(): void {
    // a backend leaving the pool: the request in flight finishes (same as the general path)
  }

  private onClientData(d: Buffer) {
    if (this.st === St.Body) return this.forwardBody(d);
    this.pending = this.pending ? Buffer.concat([this.pending, d]) : d;
    if (this.st === St.Head) this.parseHead();
    else if (this.pending.length > MAX_HEAD) this.socket.pause(); // pipelined requests wait for the response
  }

  private giveUp() {
    const buf = this.pending ?? Buffer.alloc(0);
    this.pending = null;
    this.st = St.Done;
    const s = this.socket;
    s.off('data', this.onData);
    s.off('drain', this.onDrain);
    s.off('timeout', this.onTimeout);
    s.off('close', this.onClose);
    s.setTimeout(0);
    this.handoff(s, buf);
  }

  private parseHead() {
    const buf = this.pending!;
    const end = buf.indexOf(CRLFCRLF);
    if (end < 0) {
      if (buf.length > FAST_HEAD_MAX) this.giveUp(); // a head this long goes to the general path anyway
      return;
    }
    const ctx = this.rt.current;
    const l = ctx.listener;
    const sock = this.socket;
    if ((sock as { [kDenied]?: boolean })[kDenied] || (l.protocol === 'http' && l.redirect)) return this.giveUp();
    // injected faults (faults.ts) are handled by the general path only
    if (ctx.faults.forListener(ctx.loadBalancer.loadBalancerId, l.port)) return this.giveUp();
    const logging = ctx.accessLog !== undefined;
    const v = parseRequestHead(buf, end, l.gzip, logging);
    if (v === HAND_OVER) return this.giveUp();
    const { method, target, host, xff, contentLength, close: clientClose, userAgent: ua, referer } = v;
    let fwd = v.headers;
    const route = this.rt.routeFor(ctx, host, target);
    if (route.sticky) return this.giveUp();
    const m = route.pool.pick({ srcIp: sock.remoteAddress ?? '', srcPort: sock.remotePort ?? 0, dstIp: sock.localAddress ?? '', dstPort: sock.localPort ?? 0 });
    if (!m) return this.giveUp();
    // committed to the fast path for this request
    const c = ctx.counters;
    c.requests++;
    this.t0 = performance.now();
    const clientIp = sock.remoteAddress ?? '';
    const ip = clientIp.startsWith('::ffff:') && clientIp.includes('.') ? clientIp.slice(7) : clientIp;
    this.log = logging ? { method, uri: target, host, ua, referer, xff, clientIp: ip, clientPort: sock.remotePort ?? 0 } : null;
    const f = l.forwardedHeaders;
    if (f.xForwardedFor) fwd += `X-Forwarded-For: ${xff ? `${xff}, ${ip}` : ip}\r\n`;
    if (f.xForwardedProto) fwd += l.protocol === 'https' ? 'X-Forwarded-Proto: https\r\n' : 'X-Forwarded-Proto: http\r\n';
    if (f.slbIp) fwd += `SLB-IP: ${ctx.loadBalancer.address}\r\n`;
    if (f.slbId) fwd += `SLB-ID: ${ctx.loadBalancer.loadBalancerId}\r\n`;
    if (f.xForwardedPort) fwd += `X-Forwarded-Port: ${l.port}\r\n`;
    if (f.xForwardedClientSrcPort) fwd += `X-Forwarded-Client-srcport: ${sock.remotePort ?? 0}\r\n`;
    const out = Buffer.from(`${v.requestLine}\r\n${fwd}\r\n`, 'latin1');
    this.clientClose = clientClose;
    this.isHead = method === 'HEAD';
    this.member = m;
    this.pool = route.pool;
    this.untrack = route.pool.track(m, this);
    this.reqBodyLeft = contentLength > 0 ? contentLength : 0;
    this.res = { head: true, buf: null, remaining: 0, chunk: null, status: 0, sentAny: false, close: clientClose, sent: 0 };
    this.retried = false;
    const rest = buf.length > end + 4 ? buf.subarray(end + 4) : null;
    this.pending = null;
    const first = rest && this.reqBodyLeft > 0 ? rest.subarray(0, this.reqBodyLeft) : null;
    if (first) this.reqBodyLeft -= first.length;
    const leftover = rest ? (first ? (rest.length > first.length ? rest.subarray(first.length) : null) : rest) : null;
    this.replay = first ? [out, first] : [out];
    this.st = this.reqBodyLeft > 0 ? St.Body : St.Waiting;
    if (leftover) this.pending = leftover; // pipelined: served after this response
    this.send(l, out, first);
  }

  private send(l: L7Listener, out: Buffer, first: Buffer | null) {
    const b = this.upstreams.acquire(this.member!);
    b.owner = this;
    this.backend = b;
    if (b.timeoutMs !== l.requestTimeoutMs) b.socket.setTimeout((b.timeoutMs = l.requestTimeoutMs));
    if (!first) b.socket.write(out);
    else {
      b.socket.cork();
      b.socket.write(out);
      b.socket.write(first);
      b.socket.uncork();
    }
  }

  private forwardBody(d: Buffer) {
    const take = d.length <= this.reqBodyLeft ? d : d.subarray(0, this.reqBodyLeft);
    this.reqBodyLeft -= take.length;
    if (this.replay && this.replay.length < 16) this.replay.push(take);
    else this.replay = null;
    const b = this.backend;
    if (b && !b.socket.destroyed && !b.socket.write(take)) this.socket.pause();
    if (this.reqBodyLeft === 0) {
      this.st = St.Waiting;
      if (take.length < d.length) this.pending = d.subarray(take.length);
    }
  }

  onBackendDrain() {
    if (this.st === St.Body) this.socket.resume();
  }

  /** `shared`: `d` lies in READ_BUF and must be copied before it is kept or written */
  onBackendData(d: Buffer, shared: boolean) {
    const r = this.res;
    if (!r) return;
    let data = d;
    if (r.head) {
      data = r.buf ? Buffer.concat([r.buf, d]) : d;
      const end = data.indexOf(CRLFCRLF);
      if (end < 0) {
        if (data.length > MAX_HEAD) return this.fail(502);
        r.buf = shared && data === d ? Buffer.from(d) : data;
        return;
      }
      r.buf = null;
      const head = data.toString('latin1', 0, end);
      const body = data.subarray(end + 4);
      const lines = head.split('\r\n');
      const sl = lines[0]!;
      const status = Number(sl.slice(9, 12));
      if (!sl.startsWith('HTTP/1.') || !(status >= 100 && status < 600)) return this.fail(502);
      if (status < 200) {
        // interim responses (100, 103) are not forwarded; the final one follows
        if (body.length) this.onBackendData(body, shared && data === d);
        return;
      }
      r.head = false;
      r.status = status;
      let out = `HTTP/1.1${sl.slice(8)}\r\n`;
      let len = -1;
      let chunked = false;
      let backendClose = sl.startsWith('HTTP/1.0');
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const colon = line.indexOf(':');
        const name = colon > 0 && mayMatter(line.charCodeAt(0)) ? line.slice(0, colon).toLowerCase() : '';
        if (name === 'content-length') len = Number(line.slice(colon + 1).trim());
        else if (name === 'transfer-encoding') chunked = /chunked\s*$/i.test(line);
        else if (name === 'connection') {
          const v = line.slice(colon + 1).toLowerCase();
          if (v.includes('close')) backendClose = true;
          else if (v.includes('keep-alive')) backendClose = false;
        }
        if (DROP_RES.has(name)) continue;
        out += `${line}\r\n`;
      }
      const noBody = this.isHead || status === 204 || status === 304;
      r.remaining = noBody ? 0 : chunked ? -1 : len >= 0 ? len : -2;
      if (r.remaining === -1) r.chunk = new ChunkScanner();
      if (r.remaining === -2) r.close = true;
      this.backend!.keep = !backendClose && r.remaining !== -2;
      if (r.close) out += 'Connection: close\r\n';
      out += '\r\n';
      const counters = this.rt.current.counters;
      counters.countStatus(status);
      counters.countUpstream(status);
      r.sentAny = true;
      this.replay = null;
      // a small response usually arrives whole: head and body leave in one buffer and one write
      // (cork + two writes costs a writev and two write requests)
      if (body.length <= 16384 && r.remaining >= 0 && (r.remaining === 0 || body.length <= r.remaining)) {
        const take = r.remaining === 0 ? 0 : body.length;
        const hl = out.length;
        const one = Buffer.allocUnsafe(hl + take);
        one.write(out, 0, hl, 'latin1');
        if (take) body.copy(one, hl);
        r.remaining -= take;
        r.sent += take;
        if (!this.socket.write(one)) this.backend?.socket.pause();
        if (r.remaining === 0) this.finish();
        return;
      }
      this.socket.cork();
      this.socket.write(out, 'latin1');
      this.forwardResBody(r, shared && data === d ? Buffer.from(body) : body);
      this.socket.uncork();
      return;
    }
    this.forwardResBody(r, shared ? Buffer.from(data) : data);
  }

  private forwardResBody(r: ResState, d: Buffer) {
    if (r.remaining === 0) return this.finish();
    if (d.length === 0) return;
    let chunk = d;
    let done = false;
    if (r.remaining > 0) {
      if (chunk.length >= r.remaining) {
        chunk = chunk.subarray(0, r.remaining);
        done = true;
      }
      r.remaining -= chunk.length;
    } else if (r.remaining === -1) {
      const e = r.chunk!.scan(chunk, 0);
      if (e === -2) {
        this.socket.write(chunk);
        return this.fail(502);
      }
      if (e >= 0) {
        chunk = chunk.subarray(0, e);
        done = true;
      }
    }
    r.sent += chunk.length;
    if (!this.socket.write(chunk)) this.backend?.socket.pause();
    if (done) this.finish();
  }

  /** One request answered (`status`; `upstream`: the backend's status, 0 when it gave none): duration and access log. */
  private done(status: number, upstream: number, sent: number) {
    const ctx = this.rt.current;
    const s = (performance.now() - this.t0) / 1000;
    ctx.counters.observeDuration(s);
    const log = this.log;
    if (!log || !ctx.accessLog) return;
    this.log = null;
    const m = this.member;
    const tls = tlsOf(this.socket);
    ctx.accessLog.write({
      clientIp: log.clientIp,
      clientPort: log.clientPort,
      method: log.method,
      uri: log.uri,
      serverProtocol: 'HTTP/1.1',
      host: log.host,
      referer: log.referer,
      userAgent: log.ua,
      xForwardedFor: log.xff,
      status,
      bodyBytesSent: sent,
      requestTime: s,
      upstreamAddr: m ? upstreamAddr(m.ip, m.port) : undefined,
      upstreamStatus: upstream,
      upstreamResponseTime: s,
      // HTTP/1.1 over TLS on the fast path: the client socket is the TLS socket
      sslProtocol: tls?.getProtocol() ?? undefined,
      sslCipher: tls?.getCipher()?.name,
    });
  }

  private finish() {
    const b = this.backend!;
    const r = this.res!;
    this.backend = null;
    this.res = null;
    this.replay = null;
    this.untrack();
    this.untrack = noop;
    this.done(r.status, r.status, r.sent);
    b.socket.resume();
    const bodyUnread = this.st === St.Body; // answered before the client finished sending: cannot continue
    if (b.keep && !bodyUnread) this.upstreams.release(b);
    else b.socket.destroy();
    if (r.close || this.clientClose || bodyUnread) {
      this.st = St.Done;
      this.socket.end();
      return;
    }
    this.st = St.Head;
    const idle = this.rt.current.listener.idleTimeoutMs;
    if (idle !== this.idleMs) this.socket.setTimeout((this.idleMs = idle));
    this.socket.resume();
    if (this.pending) this.parseHead();
  }

  onBackendClose(b: BackendConn) {
    if (this.backend !== b) return;
    const r = this.res;
    if (r && !r.head && r.remaining === -2) {
      // close-delimited body: complete
      this.done(r.status, r.status, r.sent);
      this.backend = null;
      this.res = null;
      this.untrack();
      this.untrack = noop;
      this.st = St.Done;
      this.socket.end();
      return;
    }
    // a kept-alive connection the backend had already closed: replay once on a fresh one
    if (r && r.head && !r.sentAny && b.reused && !this.retried && this.replay && this.st === St.Waiting) {
      this.retried = true;
      const parts = this.replay;
      const l = this.rt.current.listener;
      this.backend = null;
      const nb = this.upstreams.acquire(this.member!, true);
      nb.owner = this;
      this.backend = nb;
      nb.socket.setTimeout((nb.timeoutMs = l.requestTimeoutMs));
      nb.socket.cork();
      for (const p of parts) nb.socket.write(p);
      nb.socket.uncork();
      return;
    }
    this.fail(502, true);
  }

  onBackendTimeout() {
    this.fail(504);
  }

  private fail(code: number, connectError = false) {
    const b = this.backend;
    const r = this.res;
    this.backend = null;
    this.res = null;
    this.untrack();
    this.untrack = noop;
    if (b) {
      b.owner = null;
      b.socket.destroy();
    }
    const c = this.rt.current.counters;
    if (code === 502 && connectError && r && !r.sentAny) c.backendErrors++;
    if (!r || r.sentAny) {
      // the answer was cut short: logged with the status already sent
      if (r) this.done(r.status, r.status, r.sent);
      this.st = St.Done;
      this.socket.destroy();
      return;
    }
    c.countStatus(code);
    const body = errorPage(code);
    this.done(code, 0, this.isHead ? 0 : Buffer.byteLength(body));
    const reason = code === 504 ? 'Gateway Time-out' : 'Bad Gateway';
    this.st = St.Done;
    this.socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${this.isHead ? '' : body}`);
  }

  /** Idle between requests (closing the listener may end it at once). */
  get idle(): boolean {
    return this.st === St.Head && !this.pending && !this.backend;
  }

  end(): void {
    this.socket.destroy();
  }

  private abortBackend() {
    const b = this.backend;
    this.backend = null;
    this.untrack();
    this.untrack = noop;
    if (b) {
      b.owner = null;
      b.socket.destroy();
    }
  }
}
