// HTTPS listener: a raw net.Server owns the port; each accepted connection is handed to the
// current TLS front (a tls.Server that never listens itself), which terminates TLS. After the
// handshake the connection goes by its ALPN protocol:
// - `h2` (EnableHttp2 on) → a plain http2 server (never listening) running the L7 core (proxy.ts);
// - HTTP/1.1 (ALPN `http/1.1` or none) → the HTTP/1.1 fast path (http/fast.ts), exactly as on a
//   plain HTTP listener, handing over to a node:http server running the L7 core when a request
//   needs the full feature set (OPENSLB_HTTP_FASTPATH=0: always the node:http server).
// Backends are always plain HTTP/1.1.
// - Certificate, CA, TLS policy and domain-extension changes reach new handshakes through
//   setSecureContext() and a swapped SNI table; open connections keep their session.
// - EnableHttp2 flipping builds a front with the other ALPN list for new connections; open
//   connections stay where they are. Same when the first domain extension arrives or the last one
//   goes: only a front for a listener with extensions has an SNI callback.
// - CA certificate set → mutual TLS: client certificates are requested and verified; a client
//   without a valid one fails the handshake.
// - Session resumption: session tickets, lifetime sessionTimeout (300 s), under keys derived from
//   the data plane's ticket secret and the listener's id: kept across certificate/policy changes
//   and front rebuilds, and the same in every worker process, so a ticket issued by one worker
//   resumes on whichever worker the kernel hands the next connection to.
import { hkdfSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { listenOn, type ListenerContext, type ProtocolHandler } from '../handler.js';
import type { HttpsListenerSnapshot } from '../snapshot.js';
import { FastConn, RawUpstreams } from '../http/fast.js';
import { kDenied, L7Runtime, type AnyRequest, type L7Listener } from '../http/proxy.js';
import { compileTls, sniContext, type TlsConfig } from './tls.js';

const hasSni = (cfg: TlsConfig) => cfg.exact.size > 0 || cfg.wildcards.length > 0;
const FAST_DEFAULT = process.env.OPENSLB_HTTP_FASTPATH !== '0';
/** OPENSLB_TLS_TICKET_SECRET (the worker pool hands its own to every worker), else random per process */
export const TICKET_SECRET = process.env.OPENSLB_TLS_TICKET_SECRET || randomBytes(32).toString('hex');

/** The 48 bytes of session-ticket keys (name, HMAC and AES keys) of one listener. */
function ticketKeysFor(listenerId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', TICKET_SECRET, listenerId, 'openslb tls session tickets', 48));
}
type Marked = { [kDenied]?: boolean; _parent?: { [kDenied]?: boolean } };
function noop() {}

export class HttpsListenerRuntime extends L7Runtime {
  private raw: net.Server;
  private front!: tls.Server;
  /** unusable certificate/key/CA: listen() fails with it (reported as a failed bind), nothing is thrown at create */
  private initError: Error | undefined;
  private tlsCfg!: TlsConfig;
  private h2: boolean;
  /** whether the current front has an SNI callback (only with domain extensions: it costs a JS round trip per handshake) */
  private sni = false;
  /** session-ticket keys of this listener (the same in every worker) */
  private readonly ticketKeys: Buffer;
  /** the general path for HTTP/1.1 connections */
  private readonly h1Server: http.Server;
  /** HTTP/2 sessions (ALPN h2) */
  private readonly h2Server: http2.Http2Server;
  private raws = new RawUpstreams();
  private fast = new Set<FastConn>();
  /** tests switch the fast path off to exercise the general path alone */
  useFastPath = FAST_DEFAULT;

  constructor(ctx: ListenerContext) {
    super(ctx, 'https');
    const l = this.ctx.listener as HttpsListenerSnapshot;
    this.h2 = l.enableHttp2;
    this.ticketKeys = ticketKeysFor(l.listenerId);
    this.h1Server = http.createServer({ noDelay: true, keepAlive: true, requestTimeout: 0 }, this.onRequest);
    this.h1Server.on('upgrade', this.onUpgrade);
    this.h1Server.on('error', noop);
    this.h1Server.emit('listening'); // connection bookkeeping (header timeouts) without a socket of its own
    this.h2Server = http2.createServer({}, this.onRequest);
    this.h2Server.on('error', noop);
    this.h2Server.on('sessionError', noop);
    this.setTimeouts(l);
    try {
      this.tlsCfg = compileTls(ctx.snapshot, l);
      this.front = this.makeFront();
    } catch (e) {
      this.initError = e instanceof Error ? e : new Error(String(e));
    }
    this.raw = net.createServer({ noDelay: true }, (s) => {
      this.accepted(s);
      this.front.emit('connection', s);
    });
    this.raw.on('error', noop);
  }

  private makeFront(): tls.Server {
    const cfg = this.tlsCfg;
    const sni = hasSni(cfg);
    const f = tls.createServer({
      ...cfg.base,
      ticketKeys: this.ticketKeys,
      ...(sni ? { SNICallback: (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => cb(null, sniContext(this.tlsCfg, name)) } : {}),
      requestCert: cfg.mutual,
      rejectUnauthorized: true,
      ALPNProtocols: this.h2 ? ['h2', 'http/1.1'] : ['http/1.1'],
    });
    f.on('secureConnection', this.onSecure);
    f.on('error', noop);
    f.on('tlsClientError', noop);
    this.sni = sni;
    return f;
  }

  /** A completed handshake: HTTP/2 to the http2 server, HTTP/1.1 to the fast path. */
  private readonly onSecure = (s: tls.TLSSocket): void => {
    s.on('error', noop);
    if ((s as Marked)._parent?.[kDenied]) (s as Marked)[kDenied] = true;
    if (s.alpnProtocol === 'h2') {
      this.h2Server.emit('connection', s);
      return;
    }
    if (!this.useFastPath) return this.toGeneral(s, null);
    const f = new FastConn(this, s, this.raws, (sock, pending) => {
      this.fast.delete(f);
      this.toGeneral(sock as tls.TLSSocket, pending);
    });
    this.fast.add(f);
    s.once('close', () => this.fast.delete(f));
  };

  private toGeneral(s: tls.TLSSocket, pending: Buffer | null) {
    this.h1Server.emit('connection', s);
    if (pending && pending.length) s.emit('data', pending);
  }

  private setTimeouts(l: L7Listener) {
    this.h1Server.keepAliveTimeout = l.idleTimeoutMs;
    // a connection that never completes its first request head is closed after the idle timeout too
    this.h1Server.headersTimeout = Math.max(l.idleTimeoutMs, 1000);
    // HTTP/2 sessions: closed after this long without any frame (not shorter than a request may wait)
    this.h2Server.setTimeout(Math.max(l.idleTimeoutMs, l.requestTimeoutMs + 1000));
  }

  listen(): Promise<void> {
    if (this.initError) return Promise.reject(this.initError);
    return listenOn(this.raw, this.ctx);
  }

  address(): net.AddressInfo {
    return this.raw.address() as net.AddressInfo;
  }

  protected denied(req: AnyRequest): boolean {
    const s = req.socket as unknown as Marked;
    return s[kDenied] === true || s._parent?.[kDenied] === true;
  }

  protected applyConfig(ctx: ListenerContext<L7Listener>, prev: ListenerContext<L7Listener>): void {
    const l = ctx.listener as HttpsListenerSnapshot;
    // certificates are referenced by id and may change under the same id: recompile on every new snapshot
    const tlsChanged = ctx.snapshot !== prev.snapshot;
    if (tlsChanged) {
      try {
        this.tlsCfg = compileTls(ctx.snapshot, l);
      } catch {
        // an unusable certificate keeps the previous TLS setup (the control plane validates PEMs)
      }
    }
    try {
      if (l.enableHttp2 !== this.h2 || hasSni(this.tlsCfg) !== this.sni) {
        const h2 = this.h2;
        this.h2 = l.enableHttp2;
        try {
          this.front = this.makeFront();
        } catch (e) {
          this.h2 = h2;
          throw e;
        }
      } else if (tlsChanged && this.front) {
        const f = this.front;
        f.setSecureContext(this.tlsCfg.base);
        // read by the TLS server for every new connection
        Object.assign(f, { requestCert: this.tlsCfg.mutual, rejectUnauthorized: true });
      }
    } catch {
      // keep serving with the previous TLS setup; update() must not throw
    }
    this.setTimeouts(l);
    const keep = new Set<string>();
    for (const p of [ctx.pool, ...ctx.rulePools.values()]) for (const m of p.members()) keep.add(`${m.ip}|${m.port}`);
    this.raws.sweep(keep);
  }

  protected stopAccepting(): void {
    this.raw.close();
  }

  protected closeIdle(): void {
    closeIdleOf(this.h1Server);
    for (const f of [...this.fast]) if (f.idle) f.end();
  }

  private closeServers(): void {
    this.raws.destroy();
    // h1Server never listens (connections are handed to it), so close() only closes idle ones
    closeIdleOf(this.h1Server, true);
    this.h2Server.close();
  }

  override destroy(): void {
    super.destroy();
    this.closeServers();
  }

  override close(drainMs: number): Promise<void> {
    return super.close(drainMs).finally(() => this.closeServers());
  }
}

export const httpsHandler: ProtocolHandler = {
  protocol: 'https',
  create: (ctx) => new HttpsListenerRuntime(ctx),
};

/**
 * Server#closeIdleConnections (also run by Server#close) of Node 20 throws a TypeError on a tracked
 * connection whose parser was already freed (its socket is null: "Cannot read properties of null
 * (reading '_httpMessage')"), seen when a listener is destroyed right after HTTP/2 and reset
 * connections. The throw would stop a teardown halfway (DataPlane.destroy leaves the other
 * listeners open); the connections it skips are closed by the raw-socket teardown anyway.
 */
function closeIdleOf(server: { close(): unknown; closeIdleConnections(): void }, close = false): void {
  try {
    if (close) server.close();
    else server.closeIdleConnections();
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
}
