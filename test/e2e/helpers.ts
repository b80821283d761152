// End-to-end fixtures: small HTTP(S)/TCP/UDP backends on 127.0.0.2 and 127.0.0.3 registered in the
// world inventory, and clients that say which backend answered.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { opOk } from '../helpers/operator.js';
import type { TestServer } from '../helpers/server.js';
import { freePort, waitFor } from '../dataplane/helpers.js';

export { waitFor, freePort, TcpBackend, UdpBackend, ask, udpAsk } from '../dataplane/helpers.js';

export const REGION = 'cn-hangzhou';
export const IPS = ['127.0.0.2', '127.0.0.3'] as const;

/** An HTTP backend answering `name` on every path (HEAD / for health checks included). */
export class HttpBackend {
  server!: http.Server;
  port = 0;
  hits = 0;
  constructor(
    readonly ip: string,
    readonly name: string,
  ) {}
  async start(port = this.port): Promise<this> {
    this.server = http.createServer((req, res) => {
      if (req.method !== 'HEAD') this.hits++;
      res.setHeader('x-backend', this.name);
      res.end(this.name);
    });
    this.server.keepAliveTimeout = 500;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.ip, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Registers the two backend addresses as classic instances of the root account; returns their ids. */
export async function registerInstances(s: TestServer, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, ip] of IPS.entries()) {
    const id = `i-e2e${tag}${i}`;
    await opOk(s, 'POST', '/world/instances', { RegionId: REGION, PrivateIpAddress: ip, InstanceId: id });
    ids.push(id);
  }
  return ids;
}

export interface Answer {
  status?: number;
  body?: string;
  error?: string;
}

/** One request on a fresh connection (no keep-alive, so every request is scheduled anew). */
export function get(url: string, opts: https.RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.request(url, { agent: false, timeout: 5000, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end();
  });
}

/** Who answered `n` sequential requests: body (backend name) → count; failures as `!status`/`!error`. */
export async function tallyHttp(url: string, n: number, opts: https.RequestOptions = {}): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const a = await get(url, opts);
    const k = a.status === 200 ? a.body! : `!${a.status ?? a.error}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** Whether something accepts TCP connections at host:port. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** ServerHealthStatus of every (ServerId, Port) of a listener, via DescribeHealthStatus. */
export async function healthOf(s: TestServer, lbId: string, port: number, protocol: string): Promise<Record<string, string>> {
  const r = (await s.call('DescribeHealthStatus', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: port, ListenerProtocol: protocol })) as {
    BackendServers: { BackendServer: { ServerId: string; Port: number; ServerHealthStatus: string }[] };
  };
  return Object.fromEntries(r.BackendServers.BackendServer.map((b) => [b.ServerId, b.ServerHealthStatus]));
}

/** The listener's Status as Describe{Protocol}ListenerAttribute shows it. */
export async function listenerStatus(s: TestServer, lbId: string, port: number, protocol: 'tcp' | 'udp' | 'http' | 'https'): Promise<string> {
  const r = (await s.call(`DescribeLoadBalancer${protocol.toUpperCase()}ListenerAttribute`, { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: port })) as { Status: string };
  return r.Status;
}

/**
 * A running HTTP (or HTTPS) listener on a new load balancer, forwarding to a VServer group of two
 * backends (instances[i] at backends[i].port), health checks every second; `extra` adds or
 * overrides listener parameters.
 */
export async function runningHttpLb(
  s: TestServer,
  o: { name: string; instances: readonly string[]; backends: readonly { port: number }[]; extra?: Record<string, unknown>; protocol?: 'http' | 'https' },
): Promise<{ id: string; address: string; port: number; url: string }> {
  const protocol = o.protocol ?? 'http';
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: o.name })) as { LoadBalancerId: string; Address: string };
  const g = (await s.call('CreateVServerGroup', {
    RegionId: REGION,
    LoadBalancerId: lb.LoadBalancerId,
    VServerGroupName: 'web',
    BackendServers: JSON.stringify(o.backends.map((b, i) => ({ ServerId: o.instances[i], Port: b.port, Weight: 100 }))),
  })) as { VServerGroupId: string };
  const port = await freePort(lb.Address);
  await s.call(`CreateLoadBalancer${protocol.toUpperCase()}Listener`, {
    RegionId: REGION,
    LoadBalancerId: lb.LoadBalancerId,
    ListenerPort: port,
    VServerGroupId: g.VServerGroupId,
    Bandwidth: -1,
    StickySession: 'off',
    HealthCheck: 'on',
    HealthCheckTimeout: 1,
    HealthCheckInterval: 1,
    HealthyThreshold: 2,
    UnhealthyThreshold: 2,
    ...o.extra,
  });
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: protocol });
  await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, protocol)) === 'running', 15_000, 'running');
  return { id: lb.LoadBalancerId, address: lb.Address, port, url: `${protocol}://${lb.Address}:${port}/` };
}
