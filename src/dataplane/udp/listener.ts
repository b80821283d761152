// UDP listener: per-flow forwarding. A flow is a client address:port; its first datagram passes
// the ACL and picks a member (persistence, scheduler incl. qch, health, weight); the flow then gets
// its own connected socket towards that member, so replies find their way back to the client.
// Flows expire after flowIdleTimeoutMs without traffic in either direction.
import dgram from 'node:dgram';
import net from 'node:net';
import type { TimerHandle } from '../clock.js';
import type { FaultVerdict } from '../faults.js';
import type { ListenerContext, ListenerRuntime, ProtocolHandler } from '../handler.js';
import type { PoolMember } from '../pool.js';
import { proxyV2Header } from '../proxy-protocol.js';
import { QuicIdTable } from '../schedulers/quic.js';
import type { UdpListenerSnapshot } from '../snapshot.js';

interface Flow {
  address: string;
  port: number;
  upstream: dgram.Socket;
  member: PoolMember;
  lastSeen: number;
  header: Buffer | null;
  bytesIn: number;
  bytesOut: number;
  /** datagrams that arrived before the flow's socket finished connecting */
  pending: Buffer[] | null;
  destroy(): void;
}

export class UdpListenerRuntime implements ListenerRuntime {
  private sock: dgram.Socket;
  private ctx: ListenerContext<UdpListenerSnapshot>;
  private flows = new Map<string, Flow>();
  /** datagrams a Latency fault holds (their timers) */
  private delayed = new Set<TimerHandle>();
  private sweepTimer: TimerHandle | undefined;
  private closing: Promise<void> | undefined;
  private idleResolve: (() => void) | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** qch: connection ids chosen by backends → member (see QuicIdTable) */
  private quicIds = new QuicIdTable();

  constructor(ctx: ListenerContext) {
    this.ctx = ctx as ListenerContext<UdpListenerSnapshot>;
    this.sock = dgram.createSocket({ type: net.isIPv6(ctx.bindAddress) ? 'udp6' : 'udp4' });
    this.sock.on('message', (msg, rinfo) => {
      try {
        this.onMessage(msg, rinfo);
      } catch {
        this.ctx.counters.backendErrors++; // one bad datagram never takes the listener down
      }
    });
  }

  get active(): number {
    return this.flows.size;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => {
        try {
          this.sock.close();
        } catch {
          /* not bound */
        }
        reject(e);
      };
      this.sock.once('error', onError);
      this.sock.bind({ address: this.ctx.bindAddress, port: this.ctx.listener.port, exclusive: true }, () => {
        this.sock.off('error', onError);
        this.sock.on('error', () => {});
        this.scheduleSweep();
        resolve();
      });
    });
  }

  update(ctx: ListenerContext): void {
    this.ctx = ctx as ListenerContext<UdpListenerSnapshot>;
  }

  private scheduleSweep() {
    if (this.closed) return;
    const every = Math.max(50, Math.min(1000, this.ctx.listener.flowIdleTimeoutMs / 4));
    this.sweepTimer = this.ctx.clock.setTimeout(() => {
      const now = this.ctx.clock.now();
      const idle = this.ctx.listener.flowIdleTimeoutMs;
      for (const f of [...this.flows.values()]) if (now - f.lastSeen >= idle) f.destroy();
      this.scheduleSweep();
    }, every);
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo) {
    const key = `${rinfo.address}|${rinfo.port}`;
    let flow = this.flows.get(key);
    const ctx = this.ctx;
    const c = ctx.counters;
    if (!flow) {
      if (this.closing) return; // stopped (draining): existing flows only
      if (!ctx.acl.allows(rinfo.address)) {
        c.aclDenied++;
        return; // L4 deny on UDP: silent drop
      }
      const dstIp = ctx.bindAddress;
      const pickCtx = { srcIp: rinfo.address, srcPort: rinfo.port, dstIp, dstPort: ctx.listener.port, datagram: msg };
      const m = ctx.listener.scheduler === 'qch' ? ctx.pool.pickPreferring(this.quicIds.lookup(msg), pickCtx) : ctx.pool.pick(pickCtx);
      if (!m) {
        c.noBackend++;
        return;
      }
      flow = this.openFlow(ctx, key, rinfo, m);
    }
    flow.lastSeen = ctx.clock.now();
    c.requests++;
    flow.bytesIn += msg.length;
    const out = flow.header ? Buffer.concat([flow.header, msg]) : msg;
    const f = ctx.faults.forListener(ctx.loadBalancer.loadBalancerId, ctx.listener.port)?.decide('udp', flow.member.serverId);
    if (f) return this.faulted(ctx, key, flow, out, f);
    if (flow.pending) flow.pending.push(out);
    else flow.upstream.send(out, (e) => void e);
  }

  /**
   * An injected fault (faults.ts) on one client datagram: Drop and Refuse lose it (a UDP backend
   * that refuses answers with ICMP port unreachable, which loses the datagram the same way);
   * Latency sends it `delayMs` later, if its flow is still there.
   */
  private faulted(ctx: ListenerContext<UdpListenerSnapshot>, key: string, flow: Flow, out: Buffer, f: FaultVerdict) {
    if (f.action !== null) return;
    if (f.delayMs <= 0) {
      if (flow.pending) flow.pending.push(out);
      else flow.upstream.send(out, (e) => void e);
      return;
    }
    const t = ctx.clock.setTimeout(() => {
      this.delayed.delete(t);
      if (this.flows.get(key) !== flow) return;
      if (flow.pending) flow.pending.push(out);
      else flow.upstream.send(out, (e) => void e);
    }, f.delayMs);
    this.delayed.add(t);
  }

  private openFlow(ctx: ListenerContext<UdpListenerSnapshot>, key: string, rinfo: dgram.RemoteInfo, m: PoolMember): Flow {
    const c = ctx.counters;
    const upstream = dgram.createSocket(net.isIPv6(m.ip) ? 'udp6' : 'udp4');
    upstream.on('error', () => {}); // ICMP unreachable from the backend: keep the flow, health checks decide
    const l = ctx.listener;
    let untrack = () => {};
    const flow: Flow = {
      address: rinfo.address,
      port: rinfo.port,
      upstream,
      member: m,
      lastSeen: ctx.clock.now(),
      header: l.proxyProtocolV2 ? proxyV2Header('udp', rinfo.address, rinfo.port, ctx.bindAddress, l.port) : null,
      bytesIn: 0,
      bytesOut: 0,
      pending: [],
      destroy: () => {
        if (this.flows.get(key) !== flow) return;
        this.flows.delete(key);
        untrack();
        c.live.delete(live);
        c.activeConnections--;
        c.bytesIn += flow.bytesIn;
        c.bytesOut += flow.bytesOut;
        try {
          upstream.close();
        } catch {
          /* already closed */
        }
        if (this.flows.size === 0) this.idleResolve?.();
      },
    };
    const live = { bytesIn: () => flow.bytesIn, bytesOut: () => flow.bytesOut };
    upstream.on('message', (reply) => {
      flow.lastSeen = this.ctx.clock.now();
      flow.bytesOut += reply.length;
      if (this.ctx.listener.scheduler === 'qch' && reply.length > 6 && (reply[0]! & 0xc0) === 0xc0) this.quicIds.learn(reply, m.id);
      this.sock.send(reply, flow.port, flow.address);
    });
    upstream.connect(m.port, m.ip, () => {
      const queued = flow.pending ?? [];
      flow.pending = null;
      if (this.flows.get(key) !== flow) return;
      for (const d of queued) upstream.send(d, (e) => void e);
    });
    this.flows.set(key, flow);
    untrack = ctx.pool.track(m, flow);
    c.live.add(live);
    c.newConnections++;
    c.activeConnections++;
    return flow;
  }

  close(drainMs: number): Promise<void> {
    if (drainMs <= 0) for (const f of [...this.flows.values()]) f.destroy();
    if (this.closing) return this.closing;
    // stop taking new flows now; existing flows keep forwarding until the drain deadline. The
    // socket itself must stay open for that, so a UDP listener's port is released only after the
    // drain (a restart on the same port inside the drain window fails to bind and is retried by the
    // next apply).
    this.closing = new Promise<void>((resolve) => {
      const done = () => {
        this.closed = true;
        this.sweepTimer?.cancel();
        for (const t of this.delayed) t.cancel();
        this.delayed.clear();
        try {
          this.sock.close();
        } catch {
          /* closed */
        }
        resolve();
      };
      if (this.flows.size === 0) return done();
      this.idleResolve = done;
      this.drainTimer = setTimeout(() => {
        for (const f of [...this.flows.values()]) f.destroy();
      }, drainMs);
      this.drainTimer.unref();
    }).finally(() => clearTimeout(this.drainTimer));
    return this.closing;
  }

  destroy(): void {
    this.closed = true;
    this.closing ??= Promise.resolve();
    this.sweepTimer?.cancel();
    for (const t of this.delayed) t.cancel();
    this.delayed.clear();
    clearTimeout(this.drainTimer);
    for (const f of [...this.flows.values()]) f.destroy();
    try {
      this.sock.close();
    } catch {
      /* closed */
    }
  }
}

export const udpHandler: ProtocolHandler = {
  protocol: 'udp',
  create: (ctx) => new UdpListenerRuntime(ctx),
};
