// HTTP listener: a node:http server bound to the LB address, the L7 core (proxy.ts) behind it.
// IdleTimeout = the server's keep-alive timeout (an idle client connection is closed after it);
// a change applies to the next idle period of every connection.
import http from 'node:http';
import type net from 'node:net';
import type { ListenerContext, ProtocolHandler } from '../handler.js';
import { kDenied, L7Runtime, type AnyRequest, type L7Listener } from './proxy.js';

export class HttpListenerRuntime extends L7Runtime {
  private server: http.Server;

  constructor(ctx: ListenerContext) {
    super(ctx, 'http');
    this.server = http.createServer({ noDelay: true, keepAlive: true, requestTimeout: 0 }, this.onRequest);
    this.server.on('upgrade', this.onUpgrade);
    this.server.on('connection', (s: net.Socket) => this.accepted(s));
    this.server.on('error', () => {});
    this.setTimeouts(this.ctx.listener);
  }

  private setTimeouts(l: L7Listener) {
    this.server.keepAliveTimeout = l.idleTimeoutMs;
    // a connection that never completes its first request head is closed after the idle timeout too
    this.server.headersTimeout = Math.max(l.idleTimeoutMs, 1000);
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen({ host: this.ctx.bindAddress, port: this.ctx.listener.port, backlog: 4096 }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  protected denied(req: AnyRequest): boolean {
    return (req.socket as { [kDenied]?: boolean })[kDenied] === true;
  }

  protected applyConfig(ctx: ListenerContext<L7Listener>): void {
    this.setTimeouts(ctx.listener);
  }

  protected stopAccepting(): void {
    this.server.close();
  }

  protected closeIdle(): void {
    this.server.closeIdleConnections();
  }
}

export const httpHandler: ProtocolHandler = {
  protocol: 'http',
  create: (ctx) => new HttpListenerRuntime(ctx),
};
