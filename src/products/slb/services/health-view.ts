// The one narrow channel through which observed backend health reaches the API
// (DescribeHealthStatus). The data plane (issue 5) owns the probes; it publishes what it observed
// by installing a HealthView (or by reporting into the MemoryHealthView below). The API never
// invents health: with no observation a server is 'unavailable' ("check not yet completed",
// reference/dataplane.md §3.4), never a fabricated 'normal'.

export type ServerHealthStatus = 'normal' | 'abnormal' | 'unavailable';

/** One health record: per (listener port/protocol, backend server, backend port). */
export interface HealthKey {
  loadBalancerId: string;
  listenerPort: number;
  /** tcp | udp | http | https (lower-case) */
  protocol: string;
  serverId: string;
  /** backend port the listener sends this server's traffic to */
  port: number;
}

export interface HealthView {
  /** What the prober last concluded, or undefined when it has no conclusion (yet). */
  get(key: HealthKey): ServerHealthStatus | undefined;
}

const keyOf = (k: HealthKey) => `${k.loadBalancerId}|${k.listenerPort}|${k.protocol.toLowerCase()}|${k.serverId}|${k.port}`;

/** A view the prober writes into. Also what tests use to stand in for real probes. */
export class MemoryHealthView implements HealthView {
  private readonly map = new Map<string, ServerHealthStatus>();
  get(key: HealthKey): ServerHealthStatus | undefined {
    return this.map.get(keyOf(key));
  }
  report(key: HealthKey, status: ServerHealthStatus): void {
    this.map.set(keyOf(key), status);
  }
  forget(key: HealthKey): void {
    this.map.delete(keyOf(key));
  }
  /** Drops every record of a load balancer (deleted, or its data plane restarted). */
  forgetLoadBalancer(loadBalancerId: string): void {
    for (const k of this.map.keys()) if (k.startsWith(`${loadBalancerId}|`)) this.map.delete(k);
  }
  clear(): void {
    this.map.clear();
  }
}

/** Before any prober reports, nothing is known. */
export const NO_OBSERVATIONS: HealthView = { get: () => undefined };

let current: HealthView = NO_OBSERVATIONS;

/** Installs the view the data plane publishes through; returns the previous one. */
export function setHealthView(view: HealthView): HealthView {
  const prev = current;
  current = view;
  return prev;
}

export function healthView(): HealthView {
  return current;
}

/**
 * The status DescribeHealthStatus reports: 'unavailable' whenever the listener is not running or
 * its health check is off (nothing is checked), otherwise the observed status, and 'unavailable'
 * while nothing has been observed.
 */
export function reportedHealth(key: HealthKey, listener: { running: boolean; healthCheckOn: boolean }, view: HealthView = current): ServerHealthStatus {
  if (!listener.running || !listener.healthCheckOn) return 'unavailable';
  return view.get(key) ?? 'unavailable';
}
