// TCP listener: a full proxy. Per accepted connection: ACL on the source address, pick a member
// (persistence, scheduler, health, weight), connect, optionally send a PROXY v2 header, then
// splice the two sockets with stream.pipe (the zero-copy fast path: no per-chunk JS beyond
// libuv reads/writes) or, with a Bandwidth cap, a token-bucket-paced pipe.
import net from 'node:net';
import { TokenBucket, throttledPipe } from '../bandwidth.js';
import type { ListenerContext, ListenerRuntime, ProtocolHandler } from '../handler.js';
import type { PoolMember } from '../pool.js';
import { proxyV2Header } from '../proxy-protocol.js';
import type { TcpListenerSnapshot } from '../snapshot.js';

interface Conn {
  client: net.Socket;
  upstream: net.Socket;
  destroy(): void;
}

export class TcpListenerRuntime implements ListenerRuntime {
  private server: net.Server;
  private ctx: ListenerContext<TcpListenerSnapshot>;
  private conns = new Set<Conn>();
  private buckets: { up: TokenBucket; down: TokenBucket } | null = null;
  private closing: Promise<void> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private idleResolve: (() => void) | undefined;

  constructor(ctx: ListenerContext) {
    this.ctx = ctx as ListenerContext<TcpListenerSnapshot>;
    this.setBandwidth(this.ctx.listener.bandwidth);
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
    this.server.on('error', () => {});
  }

  get active(): number {
    return this.conns.size;
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

  /** The bound address (tests use port 0 only through the snapshot's port, so this is informative). */
  address(): net.AddressInfo {
    return this.server.address() as net.AddressInfo;
  }

  update(ctx: ListenerContext): void {
    const prev = this.ctx.listener.bandwidth;
    this.ctx = ctx as ListenerContext<TcpListenerSnapshot>;
    if (ctx.listener.bandwidth !== prev) this.setBandwidth(ctx.listener.bandwidth);
  }

  private setBandwidth(mbps: number) {
    this.buckets = mbps > 0 ? { up: new TokenBucket(mbps), down: new TokenBucket(mbps) } : null;
  }

  private accept(client: net.Socket) {
    const ctx = this.ctx; // the config at accept time stays with this connection
    const l = ctx.listener;
    const c = ctx.counters;
    client.on('error', () => {});
    const srcIp = client.remoteAddress ?? '';
    if (!ctx.acl.allows(srcIp)) {
      c.aclDenied++;
      client.resetAndDestroy();
      return;
    }
    const srcPort = client.remotePort ?? 0;
    const dstIp = client.localAddress ?? ctx.bindAddress;
    const dstPort = client.localPort ?? l.port;
    const m = ctx.pool.pick({ srcIp, srcPort, dstIp, dstPort });
    if (!m) {
      c.noBackend++;
      client.resetAndDestroy();
      return;
    }
    c.newConnections++;
    c.activeConnections++;
    const upstream = net.connect({ host: m.ip, port: m.port, allowHalfOpen: true, noDelay: true });
    upstream.on('error', () => {});
    if (l.proxyProtocolV2) upstream.write(proxyV2Header('tcp', srcIp, srcPort, dstIp, dstPort));
    this.splice(ctx, m, client, upstream);
  }

  private splice(ctx: ListenerContext<TcpListenerSnapshot>, m: PoolMember, client: net.Socket, upstream: net.Socket) {
    const c = ctx.counters;
    let closed = 0;
    let connected = false;
    const conn: Conn = {
      client,
      upstream,
      destroy: () => {
        client.destroy();
        upstream.destroy();
      },
    };
    const live = { bytesIn: () => client.bytesRead, bytesOut: () => client.bytesWritten };
    this.conns.add(conn);
    c.live.add(live);
    const untrack = ctx.pool.track(m, conn);
    const finish = () => {
      if (++closed < 2) return;
      untrack();
      this.conns.delete(conn);
      c.live.delete(live);
      c.activeConnections--;
      c.bytesIn += client.bytesRead;
      c.bytesOut += client.bytesWritten;
      if (this.conns.size === 0) this.idleResolve?.();
    };
    upstream.once('connect', () => (connected = true));
    // an error (RST, refused) on one side aborts the other with a reset, as a real L4 LB would
    upstream.once('error', () => {
      if (!connected) c.backendErrors++;
      client.resetAndDestroy();
    });
    client.once('error', () => upstream.resetAndDestroy());
    client.once('close', finish);
    upstream.once('close', finish);
    client.setTimeout(ctx.listener.establishedTimeoutMs, () => conn.destroy());
    if (this.buckets) {
      throttledPipe(client, upstream, this.buckets.up);
      throttledPipe(upstream, client, this.buckets.down);
    } else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }

  close(drainMs: number): Promise<void> {
    if (drainMs <= 0) for (const c of [...this.conns]) c.destroy();
    if (this.closing) return this.closing;
    this.server.close();
    this.closing = new Promise<void>((resolve) => {
      if (this.conns.size === 0) return resolve();
      this.idleResolve = resolve;
      if (drainMs > 0) {
        this.drainTimer = setTimeout(() => {
          for (const c of [...this.conns]) c.destroy();
        }, drainMs);
        this.drainTimer.unref();
      }
    }).finally(() => clearTimeout(this.drainTimer));
    return this.closing;
  }

  destroy(): void {
    this.server.close();
    for (const c of [...this.conns]) c.destroy();
    clearTimeout(this.drainTimer);
  }
}

export const tcpHandler: ProtocolHandler = {
  protocol: 'tcp',
  create: (ctx) => new TcpListenerRuntime(ctx),
};
