// The data plane's only input: an immutable, versioned picture of every load balancer that should
// exist, with every reference already resolved by the compiler (control plane → snapshot).
// The data plane never reads the store; it diffs one snapshot against the next (reconciler.ts).
//
// Conventions (so the compiler has one thing to target):
// - Field names are lower-camel versions of the API's nouns; enums keep the API's spelling.
// - Every duration is in milliseconds and named `…Ms` (the API speaks seconds: multiply by 1000).
//   Milliseconds let tests use short values; the compiler never emits values the API would refuse.
// - Bandwidth is in Mbit/s as in the API (-1 = unlimited).
// - Pools are resolved: each server carries the IP the data plane connects to (ServerIp, or the
//   instance's PrivateIpAddress from the world inventory). A member whose `port` is null serves on
//   the listener's `backendServerPort` (the default server group).
// - `validateSnapshot()` must return [] before a snapshot is handed to `DataPlane.apply()`;
//   `freezeSnapshot()` deep-freezes it so no one can mutate a published version.
import ipaddr from 'ipaddr.js';
import { BUILTIN_TLS_POLICY_NAMES, isBuiltinTlsPolicy, type TlsVersion } from '../util/tls-suites.js';

export type ListenerProtocol = 'tcp' | 'udp' | 'http' | 'https';
export type SchedulerName = 'wrr' | 'rr' | 'wlc' | 'sch' | 'tch' | 'qch';
export type LoadBalancerStatus = 'active' | 'inactive' | 'locked';
/** The listener's API status. The data plane binds for `starting` (so the control plane can flip
 *  the listener to `running` once the socket is bound), `running` and `configuring` (a running
 *  listener whose change is being applied), and only on an `active` load balancer. */
export type ListenerStatus = 'running' | 'stopped' | 'starting' | 'stopping' | 'configuring';
export type HttpCodeClass = 'http_2xx' | 'http_3xx' | 'http_4xx' | 'http_5xx';

export interface Snapshot {
  /** strictly increasing; apply() ignores a snapshot whose version is not newer than the current one */
  readonly version: number;
  readonly loadBalancers: readonly LoadBalancerSnapshot[];
  /** ACLs by AclId (referenced from listener.acl.aclIds) */
  readonly acls: Readonly<Record<string, AclSnapshot>>;
  /** server certificates by ServerCertificateId (HTTPS listeners and domain extensions) */
  readonly serverCertificates: Readonly<Record<string, ServerCertificateSnapshot>>;
  /** CA certificates by CACertificateId (mutual TLS) */
  readonly caCertificates: Readonly<Record<string, CaCertificateSnapshot>>;
  /** custom TLS cipher policies by TLSCipherPolicyId; the built-in tls_cipher_policy_* names need no entry */
  readonly tlsCipherPolicies: Readonly<Record<string, TlsCipherPolicySnapshot>>;
}

export interface LoadBalancerSnapshot {
  readonly loadBalancerId: string;
  /** the API's Address (what DescribeLoadBalancerAttribute reports) */
  readonly address: string;
  /** where sockets are bound; defaults to `address`. Lets an emulated public address map to a local one. */
  readonly bindAddress?: string;
  /** further addresses its TCP, HTTP and HTTPS listeners accept on (EIPs associated with it) */
  readonly extraAddresses?: readonly string[];
  readonly addressIPVersion: 'ipv4' | 'ipv6';
  readonly status: LoadBalancerStatus;
  /** server pools of this LB by id: the default group is `${loadBalancerId}/default`, vServer and
   *  master-slave groups use their rsp-… ids */
  readonly serverGroups: Readonly<Record<string, ServerGroupSnapshot>>;
  readonly listeners: readonly ListenerSnapshot[];
  /** layer-7 access logs (SetAccessLogsDownloadAttribute): where HTTP/HTTPS requests are logged; absent: off */
  readonly accessLog?: { readonly project: string; readonly logstore: string };
}

export const defaultServerGroupId = (loadBalancerId: string) => `${loadBalancerId}/default`;

export interface ServerGroupSnapshot {
  readonly serverGroupId: string;
  readonly kind: 'default' | 'vserver' | 'masterSlave';
  readonly servers: readonly BackendServerSnapshot[];
}

export interface BackendServerSnapshot {
  readonly serverId: string;
  /** the address the data plane connects to (IPv4 or IPv6 literal) */
  readonly ip: string;
  /** null in the default server group: the listener's backendServerPort applies */
  readonly port: number | null;
  /** 0–100; 0 = no new traffic */
  readonly weight: number;
  readonly type: 'ecs' | 'eni' | 'eci';
  /** master-slave groups only */
  readonly serverType?: 'Master' | 'Slave';
  readonly description?: string;
}

export interface AclSnapshot {
  readonly aclId: string;
  readonly addressIPVersion: 'ipv4' | 'ipv6';
  /** CIDR blocks; a bare address is accepted as /32 or /128 */
  readonly entries: readonly string[];
}

export interface AclBinding {
  readonly type: 'white' | 'black';
  /** AclId, or the newer AclIds (≤3); entries are the union. Every id must exist in snapshot.acls. */
  readonly aclIds: readonly string[];
}

export interface ServerCertificateSnapshot {
  readonly serverCertificateId: string;
  /** PEM chain and PEM private key */
  readonly certificate: string;
  readonly privateKey: string;
}

export interface CaCertificateSnapshot {
  readonly caCertificateId: string;
  readonly certificate: string;
}

export interface TlsCipherPolicySnapshot {
  readonly tlsCipherPolicyId: string;
  readonly tlsVersions: readonly TlsVersion[];
  readonly ciphers: readonly string[];
}

export interface HealthCheckSnapshot {
  /** HealthCheckSwitch / HealthCheck on|off; off = every server counts as healthy */
  readonly enabled: boolean;
  readonly type: 'tcp' | 'http' | 'udp';
  /** HealthCheckConnectPort; null = the server's own port */
  readonly connectPort: number | null;
  readonly intervalMs: number;
  /** HealthCheckConnectTimeout (TCP/UDP) or HealthCheckTimeout (HTTP/HTTPS) */
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  /** type http */
  readonly http?: {
    readonly method: 'head' | 'get';
    readonly uri: string;
    /** HealthCheckDomain; null = the server's IP is sent as Host */
    readonly domain: string | null;
    readonly httpCodes: readonly HttpCodeClass[];
  };
  /** type udp: healthCheckReq / healthCheckExp; empty request = send a single zero-length probe */
  readonly udp?: { readonly request: string; readonly expect: string };
}

export interface ConnectionDrainSnapshot {
  readonly enabled: boolean;
  readonly timeoutMs: number;
}

interface ListenerCommon {
  /** `${loadBalancerId}_${protocol}_${port}` (model.ts listenerId) */
  readonly listenerId: string;
  readonly port: number;
  readonly status: ListenerStatus;
  readonly description?: string;
  readonly scheduler: SchedulerName;
  /** Mbit/s; -1 = unlimited */
  readonly bandwidth: number;
  /** null when AclStatus is off */
  readonly acl: AclBinding | null;
  readonly healthCheck: HealthCheckSnapshot;
  /** the pool: a key of the LB's serverGroups (VServerGroupId, MasterSlaveServerGroupId or the default group) */
  readonly serverGroupId: string;
  /** BackendServerPort; required when the pool is the default group */
  readonly backendServerPort: number | null;
}

export interface TcpListenerSnapshot extends ListenerCommon {
  readonly protocol: 'tcp';
  /** 0 = off; otherwise source-IP stickiness lifetime */
  readonly persistenceTimeoutMs: number;
  /** idle timeout of established connections */
  readonly establishedTimeoutMs: number;
  readonly proxyProtocolV2: boolean;
  readonly connectionDrain: ConnectionDrainSnapshot;
}

export interface UdpListenerSnapshot extends ListenerCommon {
  readonly protocol: 'udp';
  readonly persistenceTimeoutMs: number;
  /** flow idle expiry; not an API parameter (real CLB: not configurable), the compiler sends 90 000 */
  readonly flowIdleTimeoutMs: number;
  readonly proxyProtocolV2: boolean;
  readonly connectionDrain: ConnectionDrainSnapshot;
}

export type StickySessionSnapshot =
  | { readonly type: 'insert'; readonly cookieTimeoutMs: number }
  | { readonly type: 'server'; readonly cookie: string };

export interface ForwardedHeadersSnapshot {
  /** XForwardedFor: on by default and effectively always on */
  readonly xForwardedFor: boolean;
  readonly xForwardedProto: boolean;
  readonly slbIp: boolean;
  readonly slbId: boolean;
  readonly xForwardedPort: boolean;
  readonly xForwardedClientSrcPort: boolean;
}

export interface RuleOverrideSnapshot {
  readonly scheduler: 'wrr' | 'rr' | 'wlc';
  readonly stickySession: StickySessionSnapshot | null;
  readonly healthCheck: HealthCheckSnapshot;
}

export interface RuleSnapshot {
  readonly ruleId: string;
  readonly ruleName: string;
  /** exact or `*.` wildcard, lower-case; null = URL-only rule */
  readonly domain: string | null;
  /** string prefix starting with '/'; null = domain-only rule */
  readonly url: string | null;
  /** a vServer group of the same LB */
  readonly serverGroupId: string;
  /** ListenerSync=off: the rule's own settings; null = inherit the listener's */
  readonly override: RuleOverrideSnapshot | null;
}

interface L7Common extends ListenerCommon {
  readonly stickySession: StickySessionSnapshot | null;
  readonly forwardedHeaders: ForwardedHeadersSnapshot;
  readonly gzip: boolean;
  /** client keep-alive idle timeout */
  readonly idleTimeoutMs: number;
  /** no backend response in time → 504 */
  readonly requestTimeoutMs: number;
  readonly rules: readonly RuleSnapshot[];
}

export interface HttpListenerSnapshot extends L7Common {
  readonly protocol: 'http';
  /** ListenerForward on: every request answers 302 to https://host[:forwardPort]; all else is ignored */
  readonly redirect: { readonly forwardPort: number } | null;
}

export interface DomainExtensionSnapshot {
  readonly domainExtensionId: string;
  /** exact or `*.` wildcard SNI name */
  readonly domain: string;
  readonly serverCertificateId: string;
}

export interface HttpsListenerSnapshot extends L7Common {
  readonly protocol: 'https';
  readonly serverCertificateId: string;
  /** mutual TLS when set */
  readonly caCertificateId: string | null;
  readonly domainExtensions: readonly DomainExtensionSnapshot[];
  /** a built-in tls_cipher_policy_* name or a key of snapshot.tlsCipherPolicies */
  readonly tlsCipherPolicy: string;
  readonly enableHttp2: boolean;
}

export type ListenerSnapshot = TcpListenerSnapshot | UdpListenerSnapshot | HttpListenerSnapshot | HttpsListenerSnapshot;

/** The built-in tls_cipher_policy_* names a listener may use (docs/dataplane.md). */
export const BUILTIN_TLS_CIPHER_POLICIES = BUILTIN_TLS_POLICY_NAMES;

const L4_ONLY: readonly SchedulerName[] = ['sch', 'tch', 'qch'];

/** Whether a listener owns a bound socket: listener starting/running/configuring AND LB active. */
export function isForwarding(lb: LoadBalancerSnapshot, l: ListenerSnapshot): boolean {
  return lb.status === 'active' && (l.status === 'running' || l.status === 'configuring' || l.status === 'starting');
}

export interface SnapshotProblem {
  path: string;
  message: string;
}

const isPort = (p: unknown) => Number.isInteger(p) && (p as number) >= 1 && (p as number) <= 65535;
const isPosInt = (n: unknown) => Number.isInteger(n) && (n as number) > 0;

/** Checks shape and every reference; [] means the snapshot is safe to apply. */
export function validateSnapshot(s: Snapshot): SnapshotProblem[] {
  const out: SnapshotProblem[] = [];
  const bad = (path: string, message: string) => out.push({ path, message });
  if (!Number.isInteger(s.version) || s.version < 0) bad('version', 'must be a non-negative integer');
  for (const [id, acl] of Object.entries(s.acls ?? {})) {
    if (acl.aclId !== id) bad(`acls.${id}`, 'key and aclId differ');
    acl.entries.forEach((e, i) => {
      if (!parseCidrSafe(e)) bad(`acls.${id}.entries[${i}]`, `not a CIDR block: ${e}`);
    });
  }
  for (const [id, c] of Object.entries(s.serverCertificates ?? {})) {
    if (c.serverCertificateId !== id) bad(`serverCertificates.${id}`, 'key and serverCertificateId differ');
    if (!c.certificate || !c.privateKey) bad(`serverCertificates.${id}`, 'certificate and privateKey are required');
  }
  for (const [id, c] of Object.entries(s.caCertificates ?? {})) {
    if (c.caCertificateId !== id) bad(`caCertificates.${id}`, 'key and caCertificateId differ');
  }
  const lbIds = new Set<string>();
  const binds = new Map<string, string>();
  s.loadBalancers.forEach((lb, i) => {
    const p = `loadBalancers[${i}](${lb.loadBalancerId})`;
    if (lbIds.has(lb.loadBalancerId)) bad(p, 'duplicate loadBalancerId');
    lbIds.add(lb.loadBalancerId);
    if (!ipaddr.isValid(lb.bindAddress ?? lb.address)) bad(`${p}.address`, 'not an IP address');
    for (const a of lb.extraAddresses ?? []) if (!ipaddr.isValid(a)) bad(`${p}.extraAddresses`, `${a} is not an IP address`);
    if (!['active', 'inactive', 'locked'].includes(lb.status)) bad(`${p}.status`, `unknown status ${lb.status}`);
    for (const [gid, g] of Object.entries(lb.serverGroups)) {
      const gp = `${p}.serverGroups.${gid}`;
      if (g.serverGroupId !== gid) bad(gp, 'key and serverGroupId differ');
      if (g.kind === 'masterSlave') {
        const masters = g.servers.filter((x) => x.serverType === 'Master').length;
        if (g.servers.length !== 2 || masters !== 1) bad(gp, 'a master-slave group has exactly one Master and one Slave');
      }
      g.servers.forEach((b, j) => {
        const bp = `${gp}.servers[${j}]`;
        if (!ipaddr.isValid(b.ip)) bad(`${bp}.ip`, `not an IP address: ${b.ip}`);
        if (b.port !== null && !isPort(b.port)) bad(`${bp}.port`, 'must be 1-65535 or null');
        if (b.port === null && g.kind !== 'default') bad(`${bp}.port`, 'only default-group members may omit the port');
        if (!Number.isInteger(b.weight) || b.weight < 0 || b.weight > 100) bad(`${bp}.weight`, 'must be 0-100');
      });
    }
    const seen = new Set<string>();
    lb.listeners.forEach((l, k) => {
      const lp = `${p}.listeners[${k}](${l.protocol}:${l.port})`;
      const key = `${l.protocol}:${l.port}`;
      if (seen.has(key)) bad(lp, 'duplicate listener');
      seen.add(key);
      if (!isPort(l.port)) bad(`${lp}.port`, 'must be 1-65535');
      // TCP, HTTP and HTTPS compete for one TCP port; UDP has its own port space.
      const space = l.protocol === 'udp' ? 'udp' : 'tcp';
      const bindKey = `${space}:${lb.bindAddress ?? lb.address}:${l.port}`;
      const other = binds.get(bindKey);
      if (other && other !== l.listenerId) bad(lp, `port already used by ${other}`);
      binds.set(bindKey, l.listenerId);
      if (!['wrr', 'rr', 'wlc', 'sch', 'tch', 'qch'].includes(l.scheduler)) bad(`${lp}.scheduler`, `unknown scheduler ${l.scheduler}`);
      if (L4_ONLY.includes(l.scheduler) && (l.protocol === 'http' || l.protocol === 'https')) bad(`${lp}.scheduler`, `${l.scheduler} is L4-only`);
      if (l.scheduler === 'qch' && l.protocol !== 'udp') bad(`${lp}.scheduler`, 'qch is UDP-only');
      if (!(l.bandwidth === -1 || isPosInt(l.bandwidth))) bad(`${lp}.bandwidth`, 'must be -1 or a positive integer');
      if (l.acl) {
        if (l.acl.type !== 'white' && l.acl.type !== 'black') bad(`${lp}.acl.type`, 'must be white or black');
        for (const a of l.acl.aclIds) if (!s.acls[a]) bad(`${lp}.acl`, `unknown ACL ${a}`);
      }
      checkHealth(l.healthCheck, `${lp}.healthCheck`, bad);
      const g = lb.serverGroups[l.serverGroupId];
      if (!g) bad(`${lp}.serverGroupId`, `unknown server group ${l.serverGroupId}`);
      else {
        if (g.kind === 'default' && !isPort(l.backendServerPort)) bad(`${lp}.backendServerPort`, 'required with the default server group');
        if (g.kind === 'masterSlave' && (l.protocol === 'http' || l.protocol === 'https')) bad(`${lp}.serverGroupId`, 'master-slave groups are TCP/UDP only');
      }
      if (l.protocol === 'tcp' || l.protocol === 'udp') {
        if (!(l.persistenceTimeoutMs >= 0)) bad(`${lp}.persistenceTimeoutMs`, 'must be >= 0');
        if (l.connectionDrain.enabled && !isPosInt(l.connectionDrain.timeoutMs)) bad(`${lp}.connectionDrain`, 'timeoutMs required when enabled');
      }
      if (l.protocol === 'tcp' && !isPosInt(l.establishedTimeoutMs)) bad(`${lp}.establishedTimeoutMs`, 'must be > 0');
      if (l.protocol === 'udp' && !isPosInt(l.flowIdleTimeoutMs)) bad(`${lp}.flowIdleTimeoutMs`, 'must be > 0');
      if (l.protocol === 'http' || l.protocol === 'https') {
        if (!isPosInt(l.idleTimeoutMs)) bad(`${lp}.idleTimeoutMs`, 'must be > 0');
        if (!isPosInt(l.requestTimeoutMs)) bad(`${lp}.requestTimeoutMs`, 'must be > 0');
        const ruleKeys = new Set<string>();
        l.rules.forEach((r, ri) => {
          const rp = `${lp}.rules[${ri}](${r.ruleId})`;
          if (r.domain === null && r.url === null) bad(rp, 'a rule needs a domain or a url');
          if (r.url !== null && !r.url.startsWith('/')) bad(`${rp}.url`, 'must start with /');
          const rk = `${r.domain ?? ''}|${r.url ?? ''}`;
          if (ruleKeys.has(rk)) bad(rp, 'duplicate domain/url pair');
          ruleKeys.add(rk);
          const rg = lb.serverGroups[r.serverGroupId];
          if (!rg) bad(`${rp}.serverGroupId`, `unknown server group ${r.serverGroupId}`);
          else if (rg.kind !== 'vserver') bad(`${rp}.serverGroupId`, 'rules forward to vServer groups only');
          if (r.override) checkHealth(r.override.healthCheck, `${rp}.override.healthCheck`, bad);
        });
        if (l.stickySession?.type === 'server' && !l.stickySession.cookie) bad(`${lp}.stickySession.cookie`, 'required for server cookies');
      }
      if (l.protocol === 'http' && l.redirect) {
        const target = lb.listeners.find((x) => x.protocol === 'https' && x.port === l.redirect!.forwardPort);
        if (!target) bad(`${lp}.redirect.forwardPort`, `no HTTPS listener on port ${l.redirect.forwardPort}`);
      }
      if (l.protocol === 'https') {
        if (!s.serverCertificates[l.serverCertificateId]) bad(`${lp}.serverCertificateId`, `unknown certificate ${l.serverCertificateId}`);
        if (l.caCertificateId !== null && !s.caCertificates[l.caCertificateId]) bad(`${lp}.caCertificateId`, `unknown CA certificate ${l.caCertificateId}`);
        for (const d of l.domainExtensions) {
          if (!s.serverCertificates[d.serverCertificateId]) bad(`${lp}.domainExtensions(${d.domainExtensionId})`, `unknown certificate ${d.serverCertificateId}`);
        }
        if (!isBuiltinTlsPolicy(l.tlsCipherPolicy) && !s.tlsCipherPolicies[l.tlsCipherPolicy]) {
          bad(`${lp}.tlsCipherPolicy`, `unknown TLS cipher policy ${l.tlsCipherPolicy}`);
        }
      }
    });
  });
  return out;
}

function checkHealth(h: HealthCheckSnapshot, p: string, bad: (p: string, m: string) => void) {
  if (!h.enabled) return;
  if (!isPosInt(h.intervalMs)) bad(`${p}.intervalMs`, 'must be > 0');
  if (!isPosInt(h.timeoutMs)) bad(`${p}.timeoutMs`, 'must be > 0');
  if (!isPosInt(h.healthyThreshold)) bad(`${p}.healthyThreshold`, 'must be > 0');
  if (!isPosInt(h.unhealthyThreshold)) bad(`${p}.unhealthyThreshold`, 'must be > 0');
  if (h.connectPort !== null && !isPort(h.connectPort)) bad(`${p}.connectPort`, 'must be 1-65535 or null');
  if (h.type === 'http' && !h.http) bad(`${p}.http`, 'required for type http');
  if (h.type === 'http' && h.http && h.http.httpCodes.length === 0) bad(`${p}.http.httpCodes`, 'at least one class');
  if (h.type === 'udp' && !h.udp) bad(`${p}.udp`, 'required for type udp');
}

function parseCidrSafe(e: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null {
  try {
    return e.includes('/') ? ipaddr.parseCIDR(e) : [ipaddr.parse(e), ipaddr.parse(e).kind() === 'ipv4' ? 32 : 128];
  } catch {
    return null;
  }
}

/** Throws with every problem listed; for callers that want a hard stop. */
export function assertValidSnapshot(s: Snapshot): void {
  const problems = validateSnapshot(s);
  if (problems.length) throw new Error(`invalid snapshot v${s.version}:\n${problems.map((x) => `  ${x.path}: ${x.message}`).join('\n')}`);
}

/** Deep-freezes a snapshot in place and returns it. */
export function freezeSnapshot<T>(s: T): T {
  const walk = (o: unknown) => {
    if (o && typeof o === 'object' && !Object.isFrozen(o)) {
      Object.freeze(o);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(s);
  return s;
}

/** The port a member is reached on for this listener. */
export function memberPort(l: ListenerSnapshot, b: BackendServerSnapshot): number {
  return b.port ?? l.backendServerPort ?? 0;
}

/** Defaults the compiler can start from (API defaults, in snapshot units). */
export const HEALTH_CHECK_DEFAULTS = {
  intervalMs: 2000,
  timeoutMs: 5000,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
} as const;
export const UDP_FLOW_IDLE_TIMEOUT_MS = 90_000;
