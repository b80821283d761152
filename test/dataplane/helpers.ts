// Loopback fixtures for data-plane tests: small backends on distinct 127.0.0.x addresses,
// snapshot builders, clients that report which backend answered, and condition waits.
import net from 'node:net';
import dgram from 'node:dgram';
import type {
  BackendServerSnapshot,
  HealthCheckSnapshot,
  ListenerProtocol,
  ListenerSnapshot,
  LoadBalancerSnapshot,
  Snapshot,
  TcpListenerSnapshot,
  UdpListenerSnapshot,
} from '../../src/dataplane/snapshot.js';

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function freePort(host: string, kind: 'tcp' | 'udp' = 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, host, () => r()));
    const p = s.address().port;
    await new Promise<void>((r) => s.close(() => r()));
    return p;
  }
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** A TCP backend that greets with `name\n`, then echoes. Records the first bytes of each connection. */
export class TcpBackend {
  server!: net.Server;
  port = 0;
  readonly sockets = new Set<net.Socket>();
  readonly firstBytes: Buffer[] = [];
  accepted = 0;
  constructor(
    readonly ip: string,
    readonly name: string,
    readonly opts: { greet?: boolean } = {},
  ) {}
  async start(port = this.port): Promise<this> {
    this.server = net.createServer((s) => {
      this.accepted++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      let first = true;
      s.on('data', (d) => {
        if (first) this.firstBytes.push(Buffer.from(d));
        first = false;
        s.write(d);
      });
      s.on('end', () => s.end());
      if (this.opts.greet !== false) s.write(`${this.name}\n`);
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.ip, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }
  /** Stops listening and resets every open connection (a "killed" backend). */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
  member(serverId = this.name, weight = 100, extra: Partial<BackendServerSnapshot> = {}): BackendServerSnapshot {
    return { serverId, ip: this.ip, port: this.port, weight, type: 'ecs', ...extra };
  }
}

export class UdpBackend {
  sock!: dgram.Socket;
  port = 0;
  readonly received: Buffer[] = [];
  constructor(
    readonly ip: string,
    readonly name: string,
  ) {}
  /** Replies `${name}:${payload}`; a health request "ping" gets "pong-${name}". */
  async start(port = this.port): Promise<this> {
    this.sock = dgram.createSocket('udp4');
    this.sock.on('message', (m, r) => {
      this.received.push(m);
      const txt = m.toString();
      this.sock.send(txt === 'ping' ? `pong-${this.name}` : `${this.name}:${txt}`, r.port, r.address);
    });
    await new Promise<void>((r) => this.sock.bind(port, this.ip, () => r()));
    this.port = this.sock.address().port;
    return this;
  }
  async stop(): Promise<void> {
    await new Promise<void>((r) => this.sock.close(() => r()));
  }
  member(serverId = this.name, weight = 100, extra: Partial<BackendServerSnapshot> = {}): BackendServerSnapshot {
    return { serverId, ip: this.ip, port: this.port, weight, type: 'ecs', ...extra };
  }
}

export interface AskResult {
  name?: string;
  error?: string;
}

/** Connects, reads the greeting line, closes. `error` is the connect/reset code when refused. */
export function ask(host: string, port: number, localAddress?: string): Promise<AskResult> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, localAddress });
    let buf = '';
    const t = setTimeout(() => done({ error: 'timeout' }), 5000);
    const done = (r: AskResult) => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    s.on('data', (d) => {
      buf += d.toString();
      const i = buf.indexOf('\n');
      if (i >= 0) done({ name: buf.slice(0, i) });
    });
    s.on('error', (e: NodeJS.ErrnoException) => done({ error: e.code ?? e.message }));
    s.on('close', () => done({ error: 'closed' }));
  });
}

export async function tally(host: string, port: number, n: number, localAddress?: string): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await ask(host, port, localAddress);
    const k = r.name ?? `!${r.error}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

export function udpAsk(host: string, port: number, payload: string, opts: { localAddress?: string; timeoutMs?: number; sock?: dgram.Socket } = {}): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = opts.sock ?? dgram.createSocket('udp4');
    const own = !opts.sock;
    const finish = (v: string | undefined) => {
      clearTimeout(t);
      s.off('message', onMsg);
      if (own) s.close();
      resolve(v);
    };
    const onMsg = (m: Buffer) => finish(m.toString());
    const t = setTimeout(() => finish(undefined), opts.timeoutMs ?? 3000); // generous: a busy host is slow, never wrong
    s.on('message', onMsg);
    const send = () => s.send(payload, port, host);
    if (own && opts.localAddress) s.bind(0, opts.localAddress, send);
    else send();
  });
}

export const fastHealth = (over: Partial<HealthCheckSnapshot> = {}): HealthCheckSnapshot => ({
  enabled: true,
  type: 'tcp',
  connectPort: null,
  intervalMs: 100,
  // refused connections fail at once; a generous timeout keeps a loaded host from failing healthy probes
  timeoutMs: 1000,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  ...over,
});

export const noHealth: HealthCheckSnapshot = { ...fastHealth(), enabled: false };

/** The fields every listener snapshot has: running, wrr, no bandwidth cap, no ACL, no health check, group rsp-a. */
export function listenerBase<P extends ListenerProtocol>(protocol: P, port: number, lbId: string) {
  return {
    listenerId: `${lbId}_${protocol}_${port}`,
    protocol,
    port,
    status: 'running',
    scheduler: 'wrr',
    bandwidth: -1,
    acl: null,
    healthCheck: noHealth,
    serverGroupId: 'rsp-a',
    backendServerPort: null,
  } as const;
}

export function tcpListener(port: number, over: Partial<TcpListenerSnapshot> = {}, lbId = 'lb-test'): TcpListenerSnapshot {
  return {
    ...listenerBase('tcp', port, lbId),
    persistenceTimeoutMs: 0,
    establishedTimeoutMs: 900_000,
    proxyProtocolV2: false,
    connectionDrain: { enabled: false, timeoutMs: 0 },
    ...over,
  };
}

export function udpListener(port: number, over: Partial<UdpListenerSnapshot> = {}, lbId = 'lb-test'): UdpListenerSnapshot {
  return {
    ...listenerBase('udp', port, lbId),
    persistenceTimeoutMs: 0,
    flowIdleTimeoutMs: 90_000,
    proxyProtocolV2: false,
    connectionDrain: { enabled: false, timeoutMs: 0 },
    ...over,
  };
}

let version = 1;
/** One LB at `address` with vServer group rsp-a (and any extra groups) and the given listeners. */
export function snapshot(opts: {
  address: string;
  listeners: ListenerSnapshot[];
  servers?: BackendServerSnapshot[];
  groups?: LoadBalancerSnapshot['serverGroups'];
  status?: LoadBalancerSnapshot['status'];
  acls?: Snapshot['acls'];
  lbId?: string;
}): Snapshot {
  return {
    version: version++,
    loadBalancers: [
      {
        loadBalancerId: opts.lbId ?? 'lb-test',
        address: opts.address,
        addressIPVersion: 'ipv4',
        status: opts.status ?? 'active',
        serverGroups: { 'rsp-a': { serverGroupId: 'rsp-a', kind: 'vserver', servers: opts.servers ?? [] }, ...opts.groups },
        listeners: opts.listeners,
      },
    ],
    acls: opts.acls ?? {},
    serverCertificates: {},
    caCertificates: {},
    tlsCipherPolicies: {},
  };
}
