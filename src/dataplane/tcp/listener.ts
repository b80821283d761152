// TCP listener: a full proxy. Per accepted connection: ACL on the source address, pick a member
// (persistence, scheduler, health, weight), connect, optionally send a PROXY v2 header, then
// splice the two sockets:
// - fast path (no Bandwidth cap): each socket reads into its own fixed buffer (net `onread`), the
//   bytes are written straight to the other socket from that buffer, and reading pauses only while
//   such a write is still pending (so the buffer is never reused under a pending write). No
//   allocation and no stream machinery per chunk: about 1.6–2× the throughput of socket.pipe()
//   here (see docs/dataplane.md). Buffers shrink as connections grow (tcp/buffers.ts).
// - Bandwidth cap: a token-bucket-paced pipe.
import net from 'node:net';
import { acquireBuffers, adoptWithUserBuffer, type Splice } from './buffers.js';
import { TokenBucket, throttledPipe } from '../bandwidth.js';
import type { TimerHandle } from '../clock.js';
import type { ListenerCounters } from '../counters.js';
import type { FaultVerdict } from '../faults.js';
import { listenOn, type ListenerContext, type ListenerRuntime, type ProtocolHandler } from '../handler.js';
import type { PoolMember } from '../pool.js';
import { proxyV2Header } from '../proxy-protocol.js';
import type { TcpListenerSnapshot } from '../snapshot.js';

interface Held {
  client: net.Socket;
  counters: ListenerCounters;
  timer: TimerHandle | undefined;
}

interface Conn {
  client: net.Socket;
  upstream: net.Socket;
  destroy(): void;
}

export class TcpListenerRuntime implements ListenerRuntime {
  private server: net.Server;
  private ctx: ListenerContext<TcpListenerSnapshot>;
  private conns = new Set<Conn>();
  /** accepted connections a Latency fault holds before connecting to the backend */
  private held = new Set<Held>();
  private buckets: { up: TokenBucket; down: TokenBucket } | null = null;
  private closing: Promise<void> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private idleResolve: (() => void) | undefined;

  constructor(ctx: ListenerContext) {
    this.ctx = ctx as ListenerContext<TcpListenerSnapshot>;
    this.setBandwidth(this.ctx.listener.bandwidth);
    // paused on connect so the fast path can take the handle over before any byte is read
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (s) => {
      try {
        this.accept(s);
      } catch {
        // one bad connection (e.g. reset before we looked at it) never takes the listener down
        this.ctx.counters.backendErrors++;
        s.destroy();
      }
    });
    this.server.on('error', () => {});
  }

  get active(): number {
    return this.conns.size + this.held.size;
  }

  listen(): Promise<void> {
    return listenOn(this.server, this.ctx);
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
    const header = l.proxyProtocolV2 ? proxyV2Header('tcp', srcIp, srcPort, dstIp, dstPort) : null;
    const f = ctx.faults.forListener(ctx.loadBalancer.loadBalancerId, l.port)?.decide('tcp', m.serverId);
    if (f) return this.faulted(ctx, m, client, header, f);
    this.forward(ctx, m, client, header);
  }

  /** Connects to `m` and splices (the accepted socket is still paused: no byte was read yet). */
  private forward(ctx: ListenerContext<TcpListenerSnapshot>, m: PoolMember, client: net.Socket, header: Buffer | null) {
    if (!this.buckets) {
      const fast = this.spliceFast(ctx, m, client, header);
      if (fast) return;
    }
    const upstream = net.connect({ host: m.ip, port: m.port, allowHalfOpen: true, noDelay: true });
    upstream.on('error', () => {});
    if (header) upstream.write(header);
    this.splice(ctx, m, client, upstream, null);
  }

  /**
   * An injected fault (faults.ts): after `delayMs` (the client's bytes wait in the kernel: the
   * accepted socket is paused), Reset answers the client with a RST before the backend is
   * contacted; Refuse does what a backend refusing the connection leads to (a RST to the client,
   * counted as a backend error); no action forwards as usual.
   */
  private faulted(ctx: ListenerContext<TcpListenerSnapshot>, m: PoolMember, client: net.Socket, header: Buffer | null, f: FaultVerdict) {
    const act = () => {
      if (f.action === null && !client.destroyed) return this.forward(ctx, m, client, header);
      if (f.action === 'Refuse') ctx.counters.backendErrors++;
      ctx.counters.activeConnections--;
      if (!client.destroyed) client.resetAndDestroy();
    };
    if (f.delayMs <= 0) return act();
    const held: Held = { client, counters: ctx.counters, timer: undefined };
    this.held.add(held);
    held.timer = ctx.clock.setTimeout(() => {
      if (!this.held.delete(held)) return;
      try {
        act();
      } catch {
        ctx.counters.backendErrors++;
        client.destroy();
      }
      this.checkIdle();
    }, f.delayMs);
  }

  /** Ends connections still held by a Latency fault (listener closed without drain, or destroyed). */
  private dropHeld() {
    for (const h of [...this.held]) {
      this.held.delete(h);
      h.timer?.cancel();
      h.counters.activeConnections--;
      h.client.destroy();
    }
  }

  private checkIdle() {
    if (this.conns.size === 0 && this.held.size === 0) this.idleResolve?.();
  }

  /** The fast path; undefined when the accepted socket cannot be adopted (then the pipe path runs). */
  private spliceFast(ctx: ListenerContext<TcpListenerSnapshot>, m: PoolMember, accepted: net.Socket, header: Buffer | null): true | undefined {
    const bufs = acquireBuffers();
    const splice: Splice = { toUpstream: null, toClient: null };
    const client = adoptWithUserBuffer(accepted, bufs.client, (n, b) => splice.toUpstream!(n, b));
    if (!client) {
      bufs.release();
      return undefined;
    }
    client.on('error', () => {});
    const upstream = net.connect({ host: m.ip, port: m.port, allowHalfOpen: true, noDelay: true, onread: { buffer: bufs.upstream, callback: (n, b) => splice.toClient!(n, b) } });
    upstream.on('error', () => {});
    if (header) upstream.write(header);
    const bytes = { in: 0, out: 0 };
    splice.toUpstream = relay(client, upstream, (n) => (bytes.in += n));
    splice.toClient = relay(upstream, client, (n) => (bytes.out += n));
    this.splice(ctx, m, client, upstream, { bytes, release: bufs.release });
    return true;
  }

  private splice(
    ctx: ListenerContext<TcpListenerSnapshot>,
    m: PoolMember,
    client: net.Socket,
    upstream: net.Socket,
    fast: { bytes: { in: number; out: number }; release: () => void } | null,
  ) {
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
    const live = fast ? { bytesIn: () => fast.bytes.in, bytesOut: () => fast.bytes.out } : { bytesIn: () => client.bytesRead, bytesOut: () => client.bytesWritten };
    this.conns.add(conn);
    c.live.add(live);
    const untrack = ctx.pool.track(m, conn);
    const finish = () => {
      if (++closed < 2) return;
      untrack();
      this.conns.delete(conn);
      c.live.delete(live);
      c.activeConnections--;
      c.bytesIn += live.bytesIn();
      c.bytesOut += live.bytesOut();
      fast?.release();
      this.checkIdle();
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
    if (fast) {
      // half-close travels as in pipe(): EOF on one side ends the other's writable side
      client.once('end', () => upstream.end());
      upstream.once('end', () => client.end());
      client.resume();
      upstream.resume();
    } else if (this.buckets) {
      throttledPipe(client, upstream, this.buckets.up);
      throttledPipe(upstream, client, this.buckets.down);
    } else {
      client.pipe(upstream);
      upstream.pipe(client);
    }
  }

  close(drainMs: number): Promise<void> {
    if (drainMs <= 0) {
      this.dropHeld();
      for (const c of [...this.conns]) c.destroy();
    }
    if (this.closing) return this.closing;
    this.server.close();
    this.closing = new Promise<void>((resolve) => {
      if (this.conns.size === 0 && this.held.size === 0) return resolve();
      this.idleResolve = resolve;
      if (drainMs > 0) {
        this.drainTimer = setTimeout(() => {
          this.dropHeld();
          for (const c of [...this.conns]) c.destroy();
          this.checkIdle();
        }, drainMs);
        this.drainTimer.unref();
      }
    }).finally(() => clearTimeout(this.drainTimer));
    return this.closing;
  }

  destroy(): void {
    this.server.close();
    this.dropHeld();
    for (const c of [...this.conns]) c.destroy();
    clearTimeout(this.drainTimer);
  }
}

/**
 * Writes what `src` read (into its fixed buffer) to `dst`. While the write is pending the buffer
 * is still referenced by it, so reading pauses (return false) until the write completes.
 */
function relay(src: net.Socket, dst: net.Socket, count: (n: number) => void): (n: number, buf: Uint8Array) => boolean {
  let paused = false;
  const resume = () => {
    if (paused) {
      paused = false;
      if (!src.destroyed) src.resume();
    }
  };
  return (n, buf) => {
    count(n);
    if (dst.destroyed || !dst.writable) return true;
    dst.write(buf.subarray(0, n), resume);
    if (dst.writableLength > 0) {
      paused = true;
      return false;
    }
    return true;
  };
}

export const tcpHandler: ProtocolHandler = {
  protocol: 'tcp',
  create: (ctx) => new TcpListenerRuntime(ctx),
};
