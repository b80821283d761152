// HTTPS listener: a raw net.Server owns the port; each accepted connection is handed to the
// current TLS front (https.Server, or http2 secure server with HTTP/1.1 fallback when EnableHttp2
// is on), which terminates TLS and feeds the L7 core (proxy.ts). Backends are always plain HTTP/1.1.
// - Certificate, CA, TLS policy and domain-extension changes reach new handshakes through
//   setSecureContext() and a swapped SNI table; open connections keep their session.
// - EnableHttp2 flipping builds the other kind of front for new connections; connections on the
//   old one finish there.
// - CA certificate set → mutual TLS: client certificates are requested and verified; a client
//   without a valid one fails the handshake.
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import { listenOn, type ListenerContext, type ProtocolHandler } from '../handler.js';
import type { HttpsListenerSnapshot } from '../snapshot.js';
import { kDenied, L7Runtime, type AnyRequest, type L7Listener } from '../http/proxy.js';
import { compileTls, sniContext, type TlsConfig } from './tls.js';

type Front = https.Server | http2.Http2SecureServer;

export class HttpsListenerRuntime extends L7Runtime {
  private raw: net.Server;
  private front!: Front;
  /** unusable certificate/key/CA: listen() fails with it (reported as a failed bind), nothing is thrown at create */
  private initError: Error | undefined;
  /** every front still serving connections → whether it is the HTTP/2 kind */
  private fronts = new Map<Front, boolean>();
  private tlsCfg!: TlsConfig;
  private h2: boolean;

  constructor(ctx: ListenerContext) {
    super(ctx, 'https');
    const l = this.ctx.listener as HttpsListenerSnapshot;
    this.h2 = l.enableHttp2;
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
    this.raw.on('error', () => {});
  }

  private makeFront(): Front {
    const cfg = this.tlsCfg;
    const opts = {
      ...cfg.base,
      SNICallback: (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => cb(null, sniContext(this.tlsCfg, name)),
      requestCert: cfg.mutual,
      rejectUnauthorized: true,
    };
    const f: Front = this.h2 ? http2.createSecureServer({ ...opts, allowHTTP1: true }, this.onRequest) : https.createServer({ ...opts, noDelay: true }, this.onRequest);
    f.on('upgrade', this.onUpgrade);
    f.on('error', () => {});
    f.on('tlsClientError', () => {});
    if (this.h2) (f as http2.Http2SecureServer).on('sessionError', () => {});
    // the front never listens itself: start its connection bookkeeping (keep-alive, header timeouts)
    f.emit('listening');
    this.fronts.set(f, this.h2);
    this.setTimeouts(f, this.ctx.listener);
    return f;
  }

  private setTimeouts(f: Front, l: L7Listener) {
    const h1 = f as https.Server;
    h1.keepAliveTimeout = l.idleTimeoutMs;
    h1.headersTimeout = Math.max(l.idleTimeoutMs, 1000);
    if (this.fronts.get(f)) {
      // HTTP/2 sessions: closed after this long without any frame (not shorter than a request may wait)
      (f as http2.Http2SecureServer).setTimeout(Math.max(l.idleTimeoutMs, l.requestTimeoutMs + 1000));
    }
  }

  listen(): Promise<void> {
    if (this.initError) return Promise.reject(this.initError);
    return listenOn(this.raw, this.ctx);
  }

  address(): net.AddressInfo {
    return this.raw.address() as net.AddressInfo;
  }

  protected denied(req: AnyRequest): boolean {
    return (req.socket as unknown as { _parent?: { [kDenied]?: boolean } })._parent?.[kDenied] === true;
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
      if (l.enableHttp2 !== this.h2) {
        const h2 = this.h2;
        this.h2 = l.enableHttp2;
        try {
          this.front = this.makeFront();
        } catch (e) {
          this.h2 = h2;
          throw e;
        }
      } else if (tlsChanged) {
        const f = this.front as https.Server;
        f.setSecureContext(this.tlsCfg.base);
        // read by the TLS server for every new connection
        Object.assign(f, { requestCert: this.tlsCfg.mutual, rejectUnauthorized: true });
      }
    } catch {
      // keep serving with the previous TLS setup; update() must not throw
    }
    this.setTimeouts(this.front, l);
  }

  protected stopAccepting(): void {
    this.raw.close();
  }

  protected closeIdle(): void {
    for (const [f, h2] of this.fronts) if (!h2) (f as https.Server).closeIdleConnections();
  }

  override destroy(): void {
    super.destroy();
    for (const f of this.fronts.keys()) f.close();
  }

  override close(drainMs: number): Promise<void> {
    return super.close(drainMs).finally(() => {
      for (const f of this.fronts.keys()) f.close();
    });
  }
}

export const httpsHandler: ProtocolHandler = {
  protocol: 'https',
  create: (ctx) => new HttpsListenerRuntime(ctx),
};
