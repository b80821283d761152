// The L7 core shared by HTTP and HTTPS listeners: per request, route (forwarding rules), pick a
// backend (cookie persistence, then the pool's scheduler over healthy weight>0 members), forward
// with undici (one keep-alive Pool per backend address, Pool.stream() writing the backend body
// straight into the client response), add the forwarded headers, gzip text, and answer the
// statuses the load balancer generates itself (302 redirect, 403 ACL, 502 no backend / backend
// failure, 504 RequestTimeout). WebSocket upgrades are tunnelled as raw bytes after the backend
// sees the (header-rewritten) handshake.
//
// A subclass owns the sockets (http.Server, or TLS/HTTP2 servers fed by a raw net.Server) and
// calls `accepted()` for each new TCP connection, `onRequest` and `onUpgrade`.
import net from 'node:net';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex, Writable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { upstreamAddr } from '../access-log.js';
import type { TimerHandle } from '../clock.js';
import type { FaultVerdict } from '../faults.js';
import type { ListenerContext, ListenerRuntime } from '../handler.js';
import type { BackendPool, PoolMember, Tracked } from '../pool.js';
import type { HttpListenerSnapshot, HttpsListenerSnapshot, StickySessionSnapshot } from '../snapshot.js';
import { plainIp, requestHeaders, responseHeaders, toOriginForm, type ForwardInfo } from './headers.js';
import { compileRules, hostName, type RuleMatcher } from './rules.js';
import { insertCookie, INSERT_COOKIE, memberByToken, memberToken, readCookie, rewriteSetCookie } from './sticky.js';

export type L7Listener = HttpListenerSnapshot | HttpsListenerSnapshot;
export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

/** Marks a connection refused by the ACL at accept: its requests are answered 403. */
export const kDenied = Symbol('openslb.aclDenied');
type Marked = { [kDenied]?: boolean };

/** Content types compressed when Gzip is on (docs/dataplane.md §5.2; text/html is not listed). */
const GZIP_TYPES = new Set([
  'text/xml',
  'text/plain',
  'text/css',
  'application/javascript',
  'application/x-javascript',
  'application/rss+xml',
  'application/atom+xml',
  'application/xml',
  'application/json',
]);
export const GZIP_MIN_BYTES = 1024;

const REASONS: Record<number, string> = { 302: 'Found', 400: 'Bad Request', 403: 'Forbidden', 502: 'Bad Gateway', 504: 'Gateway Time-out', 505: 'HTTP Version Not Supported' };

/** The body of a status the load balancer answers itself (Tengine's page layout). */
export function errorPage(code: number): string {
  const t = `${code} ${REASONS[code] ?? ''}`.trim();
  return `<html>\r\n<head><title>${t}</title></head>\r\n<body>\r\n<center><h1>${t}</h1></center>\r\n<hr><center>openslb</center>\r\n</body>\r\n</html>\r\n`;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export interface Route {
  pool: BackendPool;
  sticky: StickySessionSnapshot | null;
}

/** What the end of a request reports (duration histogram, access log): filled in as the request goes. */
interface Trace {
  /** performance.now() when the request head was complete */
  t0: number;
  member: PoolMember | null;
  /** the backend's status (0: none) */
  upStatus: number;
  /** performance.now() when the request went to the backend, and when its answer ended */
  upT0: number;
  upT1: number;
  /** the client connection (req.socket is gone once the response closes) */
  sock: net.Socket | Duplex;
  /** access logs on HTTP/1: the connection's bytesWritten when the request arrived */
  w0: number;
}

/** One proxied request in flight: the undici `opaque`, and what the pool tracks. */
class Exchange implements Tracked {
  untrack: () => void = noop;
  constructor(
    readonly rt: L7Runtime,
    readonly ctx: ListenerContext<L7Listener>,
    readonly req: AnyRequest,
    readonly res: AnyResponse,
    readonly member: PoolMember,
    readonly sticky: StickySessionSnapshot | null,
    /** insert mode: the client had no valid token */
    readonly insert: boolean,
    readonly trace: Trace,
  ) {}
  destroy(): void {
    // a removed/drained backend: requests in flight finish on their own (Tengine reload semantics)
  }
}

function noop() {}

/** A response or an upgraded socket: what a held request watches to learn that its client left. */
interface Closable {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  destroy(): unknown;
}

/**
 * Resets the client's TCP connection under `sock`: the raw socket itself (HTTP), or the one a TLS
 * socket runs over (HTTPS; with HTTP/2 `sock` is the session's socket proxy).
 */
export function resetConnection(sock: net.Socket | Duplex): void {
  const tcp = ((sock as { _parent?: net.Socket | null })._parent ?? sock) as net.Socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    tcp.destroy(); // not a TCP handle after all: at least close it
  }
  if (tcp !== sock) sock.destroy();
}

export abstract class L7Runtime implements ListenerRuntime {
  protected ctx: ListenerContext<L7Listener>;
  protected rules: RuleMatcher;
  private upstreams = new Map<string, Pool>();
  protected readonly sockets = new Set<net.Socket>();
  private tunnels = new Set<Duplex>();
  /** requests a Latency fault holds (their timers) */
  private delayed = new Set<TimerHandle>();
  private closing: Promise<void> | undefined;
  private idleResolve: (() => void) | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  protected readonly proto: 'http' | 'https';

  constructor(ctx: ListenerContext, proto: 'http' | 'https') {
    this.ctx = ctx as ListenerContext<L7Listener>;
    this.proto = proto;
    this.rules = compileRules(this.ctx.listener.rules);
  }

  get active(): number {
    return this.sockets.size;
  }

  /** The configuration new requests see. */
  get current(): ListenerContext<L7Listener> {
    return this.ctx;
  }

  abstract listen(): Promise<void>;
  protected abstract stopAccepting(): void;
  /** idle keep-alive connections can be closed at once when closing */
  protected abstract closeIdle(): void;
  protected abstract applyConfig(ctx: ListenerContext<L7Listener>, prev: ListenerContext<L7Listener>): void;

  update(ctx: ListenerContext): void {
    const prev = this.ctx;
    this.ctx = ctx as ListenerContext<L7Listener>;
    if (prev.listener.rules !== this.ctx.listener.rules) this.rules = compileRules(this.ctx.listener.rules);
    this.applyConfig(this.ctx, prev);
    this.sweepUpstreams();
  }

  /** Per accepted TCP connection (raw socket): ACL decision, counters, tracking. */
  protected accepted(socket: net.Socket): void {
    const ctx = this.ctx;
    const c = ctx.counters;
    socket.on('error', noop);
    if (!ctx.acl.allows(socket.remoteAddress ?? '')) {
      c.aclDenied++;
      (socket as Marked)[kDenied] = true;
    }
    c.newConnections++;
    c.activeConnections++;
    this.sockets.add(socket);
    const live = { bytesIn: () => socket.bytesRead, bytesOut: () => socket.bytesWritten };
    c.live.add(live);
    socket.once('close', () => {
      this.sockets.delete(socket);
      c.live.delete(live);
      c.activeConnections--;
      c.bytesIn += socket.bytesRead;
      c.bytesOut += socket.bytesWritten;
      if (this.sockets.size === 0) this.idleResolve?.();
    });
  }

  /** Whether the connection under `req` was refused by the ACL at accept. */
  protected abstract denied(req: AnyRequest): boolean;

  private route(ctx: ListenerContext<L7Listener>, req: AnyRequest): Route {
    return this.routeFor(ctx, (req.headers.host ?? req.headers[':authority']) as string | undefined, req.url ?? '/');
  }

  /** The pool (and cookie persistence) a request for host/url goes to. */
  routeFor(ctx: ListenerContext<L7Listener>, host: string | undefined, url: string): Route {
    const l = ctx.listener;
    if (this.rules.size > 0) {
      const r = this.rules.match(host, url);
      if (r) {
        const pool = ctx.rulePools.get(r.ruleId);
        if (pool) return { pool, sticky: r.override ? r.override.stickySession : l.stickySession };
      }
    }
    return { pool: ctx.pool, sticky: l.stickySession };
  }

  private choose(ctx: ListenerContext<L7Listener>, route: Route, req: AnyRequest): { member: PoolMember; insert: boolean } | undefined {
    const s = route.sticky;
    if (s) {
      const name = s.type === 'insert' ? INSERT_COOKIE : s.cookie;
      const cookie = req.headers.cookie;
      const m = memberByToken(ctx.listener.listenerId, route.pool.eligibleMembers(), readCookie(Array.isArray(cookie) ? cookie.join('; ') : cookie, name));
      if (m) return { member: m, insert: false };
    }
    const sock = req.socket;
    const member = route.pool.pick({ srcIp: sock.remoteAddress ?? '', srcPort: sock.remotePort ?? 0, dstIp: sock.localAddress ?? '', dstPort: sock.localPort ?? 0 });
    return member ? { member, insert: s?.type === 'insert' } : undefined;
  }

  private forwardInfo(ctx: ListenerContext<L7Listener>, req: AnyRequest): ForwardInfo {
    const sock = req.socket;
    return {
      clientIp: plainIp(sock.remoteAddress),
      clientPort: sock.remotePort ?? 0,
      proto: this.proto,
      slbIp: ctx.loadBalancer.address,
      slbId: ctx.loadBalancer.loadBalancerId,
      listenerPort: ctx.listener.port,
    };
  }

  readonly onRequest = (req: AnyRequest, res: AnyResponse): void => {
    const ctx = this.ctx;
    const c = ctx.counters;
    c.requests++;
    const trace: Trace = { t0: performance.now(), member: null, upStatus: 0, upT0: 0, upT1: 0, sock: req.socket, w0: ctx.accessLog && req.httpVersionMajor < 2 ? ((req.socket as net.Socket).bytesWritten ?? 0) : 0 };
    (res as ServerResponse).once('close', () => this.ended(ctx, req, res, trace));
    if (this.denied(req)) return this.reply(req, res, 403, true);
    // node's HTTP/1 parser accepts any one-digit version ("GET / HTTP/2.0"): only 1.x is HTTP/1
    // (the HTTP/2-only code below would throw on such a request and take the process down)
    if (req.httpVersionMajor !== 1 && !(req as Http2ServerRequest).stream) return this.reply(req, res, 505, true);
    if (!toOriginForm(req)) return this.reply(req, res, 400, true);
    const l = ctx.listener;
    if (l.protocol === 'http' && l.redirect) {
      const host = hostName((req.headers.host ?? req.headers[':authority']) as string | undefined) || plainIp(req.socket.localAddress);
      const port = l.redirect.forwardPort;
      return this.reply(req, res, 302, false, { location: `https://${host}${port === 443 ? '' : `:${port}`}${req.url ?? '/'}` });
    }
    const route = this.route(ctx, req);
    const pick = this.choose(ctx, route, req);
    if (!pick) {
      c.noBackend++;
      return this.reply(req, res, 502);
    }
    const f = ctx.faults.forListener(ctx.loadBalancer.loadBalancerId, l.port)?.decide(this.proto, pick.member.serverId);
    if (f) {
      return this.faulted(ctx, req, res, f, () => this.reply(req, res, 502), () => this.forward(ctx, req, res, route, pick, trace));
    }
    this.forward(ctx, req, res, route, pick, trace);
  };

  /** A request's answer is over (or its client left): request time, and the access-log line. */
  private ended(ctx: ListenerContext<L7Listener>, req: AnyRequest, res: AnyResponse, t: Trace): void {
    const end = performance.now();
    const secs = (end - t.t0) / 1000;
    ctx.counters.observeDuration(secs);
    const log = ctx.accessLog;
    if (!log) return;
    const h = req.headers;
    const sock = t.sock as net.Socket & { getProtocol?: () => string | null; getCipher?: () => { name: string } };
    // HTTP/1: what went out on the connection for this answer, minus its head (chunk framing included);
    // HTTP/2: the Content-Length the answer announced (streams share the connection)
    let body = 0;
    if (req.httpVersionMajor < 2) body = Math.max(0, ((sock as net.Socket).bytesWritten ?? 0) - t.w0 - ((res as unknown as { _header?: string | null })._header?.length ?? 0));
    else body = Number((res as Http2ServerResponse).stream?.sentHeaders?.['content-length'] ?? 0) || 0;
    const xff = h['x-forwarded-for'];
    let tls: { protocol: string | undefined; cipher: string | undefined } = { protocol: undefined, cipher: undefined };
    if (this.proto === 'https') {
      try {
        tls = { protocol: sock.getProtocol?.() ?? undefined, cipher: sock.getCipher?.()?.name };
      } catch {
        /* the connection is gone */
      }
    }
    log.write({
      clientIp: plainIp(sock.remoteAddress),
      clientPort: sock.remotePort ?? 0,
      method: req.method ?? '',
      uri: req.url ?? '/',
      serverProtocol: `HTTP/${req.httpVersion === '2.0' ? '2.0' : req.httpVersion}`,
      host: (h.host ?? h[':authority']) as string | undefined,
      referer: h.referer,
      userAgent: h['user-agent'],
      xForwardedFor: Array.isArray(xff) ? xff.join(', ') : xff,
      status: res.statusCode,
      bodyBytesSent: body,
      requestTime: secs,
      upstreamAddr: t.member ? upstreamAddr(t.member.ip, t.member.port) : undefined,
      upstreamStatus: t.upStatus,
      upstreamResponseTime: t.member ? ((t.upT1 || end) - t.upT0) / 1000 : -1,
      sslProtocol: tls.protocol,
      sslCipher: tls.cipher,
    });
  }

  /** Sends the request to the chosen member (undici), streaming the answer back. */
  private forward(ctx: ListenerContext<L7Listener>, req: AnyRequest, res: AnyResponse, route: Route, pick: { member: PoolMember; insert: boolean }, trace: Trace): void {
    const c = ctx.counters;
    const l = ctx.listener;
    trace.member = pick.member;
    trace.upT0 = performance.now();
    const ex = new Exchange(this, ctx, req, res, pick.member, route.sticky, pick.insert, trace);
    ex.untrack = route.pool.track(pick.member, ex);
    const h = req.headers;
    const hasBody = h['content-length'] !== undefined ? h['content-length'] !== '0' : h['transfer-encoding'] !== undefined || (req.httpVersionMajor === 2 && !(req as Http2ServerRequest).stream.endAfterHeaders);
    try {
      this.upstream(pick.member).stream(
        {
          path: req.url ?? '/',
          method: req.method as Dispatcher.HttpMethod,
          headers: requestHeaders(h, l.forwardedHeaders, this.forwardInfo(ctx, req)),
          body: hasBody ? (req as IncomingMessage) : null,
          opaque: ex,
          headersTimeout: l.requestTimeoutMs,
          bodyTimeout: l.requestTimeoutMs,
        },
        streamFactory,
        streamDone,
      );
    } catch {
      ex.untrack();
      c.backendErrors++;
      this.reply(req, res, 502);
    }
  }

  /**
   * An injected fault (faults.ts) on one request (or Upgrade handshake): after `delayMs` (the
   * request body waits, unread), Reset resets the client's TCP connection instead of answering
   * (with HTTP/2, every stream on it), Refuse answers what a refusing backend leads to (`refuse`:
   * 502, counted as a backend error), and no action forwards (`go`). A client that leaves during
   * the delay is not forwarded.
   */
  private faulted(ctx: ListenerContext<L7Listener>, req: AnyRequest, res: Closable, f: FaultVerdict, refuse: () => void, go: () => void): void {
    let gone = false;
    const onClose = () => (gone = true);
    const act = () => {
      if (gone) return;
      if (f.action === 'Reset') return resetConnection(req.socket);
      if (f.action === 'Refuse') {
        ctx.counters.backendErrors++;
        return refuse();
      }
      go();
    };
    if (f.delayMs <= 0) return act();
    res.once('close', onClose);
    const t = ctx.clock.setTimeout(() => {
      this.delayed.delete(t);
      res.off('close', onClose);
      try {
        act();
      } catch {
        ctx.counters.backendErrors++;
        res.destroy();
      }
    }, f.delayMs);
    this.delayed.add(t);
  }

  /** WebSocket (and any other HTTP/1.1 Upgrade): handshake forwarded with our headers, then raw bytes both ways. */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const ctx = this.ctx;
    const c = ctx.counters;
    c.requests++;
    socket.on('error', noop);
    const raw = (code: number) => {
      c.countStatus(code);
      const body = errorPage(code);
      socket.end(`HTTP/1.1 ${code} ${REASONS[code]}\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (this.denied(req)) return raw(403);
    if (!toOriginForm(req)) return raw(400);
    const route = this.route(ctx, req);
    const pick = this.choose(ctx, route, req);
    if (!pick) {
      c.noBackend++;
      return raw(502);
    }
    const f = ctx.faults.forListener(ctx.loadBalancer.loadBalancerId, ctx.listener.port)?.decide(this.proto, pick.member.serverId);
    if (f) return this.faulted(ctx, req, socket, f, () => raw(502), () => this.tunnel(ctx, req, socket, head, route, pick.member, raw));
    this.tunnel(ctx, req, socket, head, route, pick.member, raw);
  };

  /** Opens the backend connection of an Upgrade, sends the rewritten handshake, then relays bytes. */
  private tunnel(ctx: ListenerContext<L7Listener>, req: IncomingMessage, socket: Duplex, head: Buffer, route: Route, m: PoolMember, raw: (code: number) => void): void {
    const c = ctx.counters;
    const headers = requestHeaders(req.headers, ctx.listener.forwardedHeaders, this.forwardInfo(ctx, req), true);
    let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
    for (const k in headers) {
      const v = headers[k]!;
      for (const one of Array.isArray(v) ? v : [v]) text += `${k}: ${one}\r\n`;
    }
    text += '\r\n';
    const up = net.connect({ host: m.ip, port: m.port, noDelay: true });
    const tunnel = { destroy: () => (up.destroy(), socket.destroy()) };
    const untrack = route.pool.track(m, tunnel);
    this.tunnels.add(up);
    let connected = false;
    up.once('connect', () => {
      connected = true;
      up.write(text);
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.once('error', () => {
      if (!connected) {
        c.backendErrors++;
        raw(502);
      } else socket.destroy();
    });
    socket.once('close', () => up.destroy());
    up.once('close', () => {
      untrack();
      this.tunnels.delete(up);
      socket.destroy();
    });
    // counted once the backend's status line is visible would need parsing; the handshake answer is
    // usually 101, counted as 1xx here
    c.countStatus(101);
  };

  /** Sends a status the load balancer generates itself. */
  reply(req: AnyRequest, res: AnyResponse, code: number, close = false, extra: OutgoingHttpHeaders = {}): void {
    this.ctx.counters.countStatus(code);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = code === 302 ? '' : errorPage(code);
    const headers: OutgoingHttpHeaders = { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), ...extra };
    if (close && !(req as Http2ServerRequest).stream) headers.connection = 'close';
    (res as ServerResponse).writeHead(code, headers);
    (res as ServerResponse).end(req.method === 'HEAD' ? undefined : body);
    // a request body nobody reads would hold the connection: let it drain
    if (!req.readableEnded) req.resume();
  }

  private upstream(m: PoolMember): Pool {
    const key = m.ip.includes(':') ? `[${m.ip}]:${m.port}` : `${m.ip}:${m.port}`;
    let p = this.upstreams.get(key);
    if (!p) {
      p = new Pool(`http://${key}`, {
        connections: 256,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: Math.min(this.ctx.listener.requestTimeoutMs, 10_000), noDelay: true },
      });
      p.on('connectionError', noop);
      this.upstreams.set(key, p);
    }
    return p;
  }

  /** Closes keep-alive pools of backends no pool of this listener references any more (in-flight requests finish first). */
  private sweepUpstreams() {
    if (this.upstreams.size === 0) return;
    const keep = new Set<string>();
    for (const p of [this.ctx.pool, ...this.ctx.rulePools.values()]) {
      for (const m of p.members()) keep.add(m.ip.includes(':') ? `[${m.ip}]:${m.port}` : `${m.ip}:${m.port}`);
    }
    for (const [k, p] of this.upstreams) {
      if (keep.has(k)) continue;
      this.upstreams.delete(k);
      void p.close().catch(noop);
    }
  }

  close(drainMs: number): Promise<void> {
    if (this.closing) {
      if (drainMs <= 0) this.destroyConnections();
      return this.closing;
    }
    this.stopAccepting();
    this.closeIdle();
    if (drainMs <= 0) this.destroyConnections();
    this.closing = new Promise<void>((resolve) => {
      if (this.sockets.size === 0 && this.tunnels.size === 0) return resolve();
      this.idleResolve = resolve;
      if (drainMs > 0) {
        this.drainTimer = setTimeout(() => this.destroyConnections(), drainMs);
        this.drainTimer.unref();
      }
    }).finally(() => {
      clearTimeout(this.drainTimer);
      for (const t of this.delayed) t.cancel();
      this.delayed.clear();
      this.closeUpstreams();
    });
    return this.closing;
  }

  private destroyConnections() {
    for (const t of [...this.tunnels]) t.destroy();
    for (const s of [...this.sockets]) s.destroy();
  }

  private closeUpstreams() {
    for (const p of this.upstreams.values()) void p.destroy().catch(noop);
    this.upstreams.clear();
  }

  destroy(): void {
    this.stopAccepting();
    for (const t of this.delayed) t.cancel();
    this.delayed.clear();
    this.destroyConnections();
    clearTimeout(this.drainTimer);
    this.closeUpstreams();
  }
}

function streamFactory({ statusCode, headers, opaque }: Dispatcher.StreamFactoryData<unknown>): Writable {
  const ex = opaque as Exchange;
  const { ctx, req, res } = ex;
  const out = responseHeaders(headers as Record<string, string | string[] | undefined>);
  const s = ex.sticky;
  if (s) {
    if (s.type === 'insert') {
      if (ex.insert && (statusCode < 400 || statusCode >= 500)) {
        const cookie = insertCookie(memberToken(ctx.listener.listenerId, ex.member), s.cookieTimeoutMs);
        const prev = out['set-cookie'];
        out['set-cookie'] = prev === undefined ? [cookie] : [...(Array.isArray(prev) ? prev : [String(prev)]), cookie];
      }
    } else {
      const rewritten = rewriteSetCookie(out['set-cookie'] as string | string[] | undefined, s.cookie, memberToken(ctx.listener.listenerId, ex.member));
      if (rewritten) out['set-cookie'] = rewritten;
    }
  }
  ctx.counters.countStatus(statusCode);
  ctx.counters.countUpstream(statusCode);
  ex.trace.upStatus = statusCode;
  if (ctx.listener.gzip && shouldGzip(req, statusCode, out)) {
    delete out['content-length'];
    out['content-encoding'] = 'gzip';
    const vary = out.vary;
    out.vary = vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding';
    (res as ServerResponse).writeHead(statusCode, out);
    const gz = zlib.createGzip({ level: 1 });
    gz.pipe(res as ServerResponse);
    gz.on('error', () => res.destroy());
    return gz;
  }
  (res as ServerResponse).writeHead(statusCode, out);
  return res as ServerResponse;
}

function streamDone(err: Error | null, data: { opaque: unknown }): void {
  const ex = data.opaque as Exchange;
  ex.untrack();
  ex.trace.upT1 = performance.now();
  if (!err) return;
  const { rt, req, res, ctx } = ex;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (!code || !TIMEOUT_CODES.has(code)) ctx.counters.backendErrors++;
  rt.reply(req, res, code && TIMEOUT_CODES.has(code) ? 504 : 502);
}

function shouldGzip(req: AnyRequest, status: number, h: OutgoingHttpHeaders): boolean {
  if (status < 200 || status === 204 || status === 304 || req.method === 'HEAD') return false;
  if (h['content-encoding'] !== undefined) return false;
  const ae = req.headers['accept-encoding'];
  if (!ae || !/\bgzip\b/i.test(String(ae))) return false;
  const ct = h['content-type'];
  if (!ct) return false;
  const s = String(ct);
  const semi = s.indexOf(';');
  if (!GZIP_TYPES.has((semi < 0 ? s : s.slice(0, semi)).trim().toLowerCase())) return false;
  const len = h['content-length'];
  return len === undefined || Number(len) >= GZIP_MIN_BYTES;
}
