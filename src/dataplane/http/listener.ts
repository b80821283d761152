// HTTP listener: a raw net.Server bound to the LB address. Each connection starts on the HTTP/1.1
// fast path (fast.ts); a request that needs the full feature set hands the connection to a
// node:http server (never listening itself) running the L7 core (proxy.ts).
// IdleTimeout = how long a client connection may sit between requests (both paths); a change
// applies to the next idle period of every connection.
// OPENSLB_HTTP_FASTPATH=0 sends every connection through the general path.
import http from 'node:http';
import net from 'node:net';
import { listenOn, type ListenerContext, type ProtocolHandler } from '../handler.js';
import { FastConn, RawUpstreams } from './fast.js';
import { kDenied, L7Runtime, type AnyRequest, type L7Listener } from './proxy.js';

const FAST_DEFAULT = process.env.OPENSLB_HTTP_FASTPATH !== '0';

export class HttpListenerRuntime extends L7Runtime {
  private raw: net.Server;
  private server: http.Server;
  private raws = new RawUpstreams();
  private fast = new Set<FastConn>();
  /** tests switch the fast path off to exercise the general path alone */
  useFastPath = FAST_DEFAULT;

  constructor(ctx: ListenerContext) {
    super(ctx, 'http');
    this.server = http.createServer({ noDelay: true, keepAlive: true, requestTimeout: 0 }, this.onRequest);
    this.server.on('upgrade', this.onUpgrade);
    this.server.on('error', () => {});
    this.server.emit('listening'); // connection bookkeeping (header timeouts) without a socket of its own
    this.setTimeouts(this.ctx.listener);
    this.raw = net.createServer({ noDelay: true }, (s) => {
      this.accepted(s);
      if (!this.useFastPath) return this.toGeneral(s, null);
      const f = new FastConn(this, s, this.raws, (sock, pending) => {
        this.fast.delete(f);
        this.toGeneral(sock, pending);
      });
      this.fast.add(f);
      s.once('close', () => this.fast.delete(f));
    });
    this.raw.on('error', () => {});
  }

  private toGeneral(s: net.Socket, pending: Buffer | null) {
    this.server.emit('connection', s);
    if (pending && pending.length) s.emit('data', pending);
  }

  private setTimeouts(l: L7Listener) {
    this.server.keepAliveTimeout = l.idleTimeoutMs;
    // a connection that never completes its first request head is closed after the idle timeout too
    this.server.headersTimeout = Math.max(l.idleTimeoutMs, 1000);
  }

  listen(): Promise<void> {
    return listenOn(this.raw, this.ctx);
  }

  address(): net.AddressInfo {
    return this.raw.address() as net.AddressInfo;
  }

  protected denied(req: AnyRequest): boolean {
    return (req.socket as { [kDenied]?: boolean })[kDenied] === true;
  }

  protected applyConfig(ctx: ListenerContext<L7Listener>): void {
    this.setTimeouts(ctx.listener);
    const keep = new Set<string>();
    for (const p of [ctx.pool, ...ctx.rulePools.values()]) for (const m of p.members()) keep.add(`${m.ip}|${m.port}`);
    this.raws.sweep(keep);
  }

  protected stopAccepting(): void {
    this.raw.close();
  }

  protected closeIdle(): void {
    this.server.closeIdleConnections();
    for (const f of [...this.fast]) if (f.idle) f.end();
  }

  override destroy(): void {
    super.destroy();
    this.raws.destroy();
    this.server.close();
  }

  override close(drainMs: number): Promise<void> {
    return super.close(drainMs).finally(() => {
      this.raws.destroy();
      this.server.close();
    });
  }
}

export const httpHandler: ProtocolHandler = {
  protocol: 'http',
  create: (ctx) => new HttpListenerRuntime(ctx),
};
