// The pure part of the compiler, one resource at a time: the documents of ONE load balancer → its
// candidate LoadBalancerSnapshot (plus the legacy-whitelist ACLs its listeners own, what was left
// out, the pending listener changes, and what it references); one ACL / certificate / CA / TLS
// policy document → its snapshot entry. `pruneLoadBalancer` then checks one load balancer against
// the shared entries it references (validateSnapshot on a one-LB snapshot) and drops what does not
// check out. Nothing here looks at another load balancer, so the compiler (incremental.ts) can
// recompile exactly the load balancers a change touches.
import { flatKey } from '../util/flat-key.js';
import { formatIp, parseIp } from '../world/ipv4.js';
import type { CACertificateDoc, ServerCertificateDoc } from '../products/slb/services/certificates.js';
import { aclIdsOfListener, type AclDoc } from '../products/slb/services/acls.js';
import { defaultsFor } from '../products/slb/services/listeners.js';
import {
  listenerId as listenerIdOf,
  type BackendServerDoc,
  type InstanceDoc,
  type ListenerDoc,
  type LoadBalancerDoc,
  type MasterSlaveServerGroupDoc,
  type VServerGroupDoc,
} from '../products/slb/services/model.js';
import type { DomainExtensionDoc, RuleDoc } from '../products/slb/services/rules.js';
import type { TLSCipherPolicyDoc } from '../products/slb/services/tls-cipher-policies.js';
import {
  defaultServerGroupId,
  freezeSnapshot,
  HEALTH_CHECK_DEFAULTS,
  UDP_FLOW_IDLE_TIMEOUT_MS,
  validateSnapshot,
  type AclBinding,
  type AclSnapshot,
  type BackendServerSnapshot,
  type CaCertificateSnapshot,
  type ConnectionDrainSnapshot,
  type HealthCheckSnapshot,
  type HttpCodeClass,
  type ListenerSnapshot,
  type LoadBalancerSnapshot,
  type RuleSnapshot,
  type SchedulerName,
  type ServerCertificateSnapshot,
  type ServerGroupSnapshot,
  type Snapshot,
  type StickySessionSnapshot,
  type TlsCipherPolicySnapshot,
} from '../dataplane/snapshot.js';

/** Something left out of a snapshot, and why. */
export interface CompileProblem {
  /** `loadBalancer`, `listener`, `serverGroup`, `member`, `acl`, `serverCertificate`, … */
  kind: string;
  id: string;
  message: string;
}

/** A listener change the snapshot carries (its Pending, src/products/slb/services/listener-lifecycle.ts). */
export interface PendingChange {
  account: string;
  region: string;
  listenerId: string;
  op: string;
  since: number;
}

export interface CompileResult {
  snapshot: Snapshot;
  problems: CompileProblem[];
  /** pending listener changes this snapshot applies (left-out listeners included: nothing more can be applied for them) */
  pending: PendingChange[];
}

/** The identity of one pending change, shared by the compiler and the lifecycle policy. */
export const pendingKey = (listenerId: string, p: { op: string; since: number }) => `${listenerId}|${p.op}|${p.since}`;

type Report = (kind: string, id: string, message: string) => void;

// ---------------------------------------------------------------------------------------------
// References between resources, as keys of the compiler's reverse maps.

/** The shared tables of a snapshot, by the tag their reference keys use. */
export type SharedTag = 'acl' | 'cert' | 'ca' | 'tls';
export const sharedRef = (tag: SharedTag, id: string) => flatKey([tag, id], ':');
/** An instance of the world inventory, in the scope of the load balancer that resolves it. */
export const instanceRef = (account: string, region: string, instanceId: string) => flatKey(['inst:', account, '\u0000', region, '\u0000', instanceId]);
/** A child document (listener, server group, rule, domain extension) by kind, scope and id. */
export const childKey = (kind: string, account: string, region: string, id: string) => flatKey([kind, account, region, id], '\u0000');

/** The load balancer a listener id names (`${lbId}_${protocol}_${port}`, model.ts listenerId). */
export function loadBalancerOfListenerId(id: string): string | undefined {
  return /^(.+)_(?:tcp|udp|http|https)_\d+$/.exec(id)?.[1];
}

/** The shared entries a compiled listener references (its own whitelist ACL excluded). */
export function listenerRefs(l: ListenerSnapshot, out: Set<string>): void {
  if (l.acl) for (const a of l.acl.aclIds) if (a !== `whitelist:${l.listenerId}`) out.add(sharedRef('acl', a));
  if (l.protocol === 'https') {
    out.add(sharedRef('cert', l.serverCertificateId));
    for (const d of l.domainExtensions) out.add(sharedRef('cert', d.serverCertificateId));
    if (l.caCertificateId !== null) out.add(sharedRef('ca', l.caCertificateId));
    out.add(sharedRef('tls', l.tlsCipherPolicy));
  }
}

// ---------------------------------------------------------------------------------------------
// Shared entries (ACLs, certificates, CA certificates, TLS policies).

/** One shared document compiled: its entry when it checks out, and what was wrong otherwise. */
export interface SharedCompiled {
  tag: SharedTag;
  /** the snapshot key (AclId, ServerCertificateId, …) */
  id: string;
  snap: AclSnapshot | ServerCertificateSnapshot | CaCertificateSnapshot | TlsCipherPolicySnapshot | undefined;
  problems: CompileProblem[];
}

const TABLE: Record<SharedTag, 'acls' | 'serverCertificates' | 'caCertificates' | 'tlsCipherPolicies'> = {
  acl: 'acls',
  cert: 'serverCertificates',
  ca: 'caCertificates',
  tls: 'tlsCipherPolicies',
};

/** Checks one shared entry alone (validateSnapshot's table rules); a bad one is left out. */
function checkShared(tag: SharedTag, id: string, snap: SharedCompiled['snap'], problems: CompileProblem[]): SharedCompiled {
  const report: Report = (kind, pid, message) => problems.push({ kind, id: pid, message });
  const s: Snapshot = { version: 0, loadBalancers: [], acls: {}, serverCertificates: {}, caCertificates: {}, tlsCipherPolicies: {}, [TABLE[tag]]: { [id]: snap } };
  const out = prune(s, report);
  const kept = (out[TABLE[tag]] as Record<string, SharedCompiled['snap']>)[id];
  return { tag, id, snap: kept ? freezeSnapshot(kept) : undefined, problems };
}

export function compileAclDoc(a: AclDoc): SharedCompiled {
  return checkShared('acl', a.AclId, { aclId: a.AclId, addressIPVersion: a.AddressIPVersion, entries: (a.Entries ?? []).map((e) => e.AclEntryIP) }, []);
}

export function compileServerCertificateDoc(doc: ServerCertificateDoc, privateKey: string | Error): SharedCompiled {
  if (privateKey instanceof Error) {
    return { tag: 'cert', id: doc.ServerCertificateId, snap: undefined, problems: [{ kind: 'serverCertificate', id: doc.ServerCertificateId, message: `private key cannot be opened: ${privateKey.message}` }] };
  }
  return checkShared('cert', doc.ServerCertificateId, { serverCertificateId: doc.ServerCertificateId, certificate: doc.CertificatePem, privateKey }, []);
}

export function compileCaCertificateDoc(c: CACertificateDoc): SharedCompiled {
  return checkShared('ca', c.CACertificateId, { caCertificateId: c.CACertificateId, certificate: c.CertificatePem }, []);
}

export function compileTlsCipherPolicyDoc(t: TLSCipherPolicyDoc): SharedCompiled {
  const snap: TlsCipherPolicySnapshot = { tlsCipherPolicyId: t.TLSCipherPolicyId, tlsVersions: t.TLSVersions as TlsCipherPolicySnapshot['tlsVersions'], ciphers: t.Ciphers };
  return checkShared('tls', t.TLSCipherPolicyId, snap, []);
}

// ---------------------------------------------------------------------------------------------
// One load balancer.

/** The documents of one load balancer, all in its (account, region). */
export interface LbDocs {
  account: string;
  region: string;
  lb: LoadBalancerDoc;
  /** each list: this load balancer's documents only, in insertion order */
  listeners: readonly ListenerDoc[];
  vGroups: readonly VServerGroupDoc[];
  msGroups: readonly MasterSlaveServerGroupDoc[];
  rules: readonly RuleDoc[];
  domainExtensions: readonly DomainExtensionDoc[];
  /** the access-log configuration (kind accessLogsDownload), when there is one */
  accessLog?: { LogProject: string; LogStore: string };
  /** an instance of the scope's inventory by InstanceId */
  instance(id: string): InstanceDoc | undefined;
}

/** One load balancer compiled from its documents, before it is checked. */
export interface LbCandidate {
  lb: LoadBalancerSnapshot;
  /** the private ACLs of legacy whitelists (`whitelist:${listenerId}`) */
  whitelists: Record<string, AclSnapshot>;
  problems: CompileProblem[];
  pending: PendingChange[];
  /** what the compiled result depends on besides these documents: shared entries (sharedRef), instances (instanceRef) */
  refs: string[];
  /** the child documents read (childKey), so that a deleted one can be traced back here */
  children: string[];
  /** the address each instance it looked up had (instanceRef → its host address or PrivateIpAddress, undefined: not found) */
  instanceIps: Map<string, string | undefined>;
  /** where its sockets bind: listeners of load balancers with the same bind address compete for ports */
  bindAddress: string;
}

const num = (v: unknown, d: number): number => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : d;
};
const isOn = (v: unknown, d: boolean): boolean => (v === undefined || v === null || v === '' ? d : v === 'on' || v === true || v === 'true');
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const portOrNull = (v: unknown): number | null => {
  const n = num(v, NaN);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
};
const secondsMs = (v: unknown, d: number) => Math.max(1, Math.round(num(v, d) * 1000));
const HTTP_CODES: readonly HttpCodeClass[] = ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'];

function httpCodes(v: unknown): HttpCodeClass[] {
  const parts = (typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : []).map((s) => String(s).trim().toLowerCase());
  const out = HTTP_CODES.filter((c) => parts.includes(c));
  return out.length ? out : ['http_2xx'];
}

/** Health-check settings of a listener (or of a rule with ListenerSync off: `src` then holds the rule's fields). */
function healthCheck(protocol: ListenerDoc['ListenerProtocol'], src: Record<string, unknown>): HealthCheckSnapshot {
  const l7 = protocol === 'http' || protocol === 'https';
  const type: HealthCheckSnapshot['type'] = protocol === 'udp' ? 'udp' : l7 ? 'http' : src['HealthCheckType'] === 'http' ? 'http' : 'tcp';
  const timeoutS = l7 ? src['HealthCheckTimeout'] : (src['HealthCheckConnectTimeout'] ?? src['HealthCheckTimeout']);
  const hc: HealthCheckSnapshot = {
    // TCP and UDP listeners always check on the real service; the switch exists for L7.
    enabled: isOn(src['HealthCheck'], true),
    type,
    connectPort: portOrNull(src['HealthCheckConnectPort']),
    intervalMs: secondsMs(src['HealthCheckInterval'], HEALTH_CHECK_DEFAULTS.intervalMs / 1000),
    timeoutMs: secondsMs(timeoutS, HEALTH_CHECK_DEFAULTS.timeoutMs / 1000),
    healthyThreshold: Math.max(1, Math.round(num(src['HealthyThreshold'], HEALTH_CHECK_DEFAULTS.healthyThreshold))),
    unhealthyThreshold: Math.max(1, Math.round(num(src['UnhealthyThreshold'], HEALTH_CHECK_DEFAULTS.unhealthyThreshold))),
    ...(type === 'http'
      ? {
          http: {
            method: String(src['HealthCheckMethod'] ?? 'head').toLowerCase() === 'get' ? 'get' : 'head',
            uri: str(src['HealthCheckURI']) ?? '/',
            domain: str(src['HealthCheckDomain']) && src['HealthCheckDomain'] !== '$_ip' ? String(src['HealthCheckDomain']) : null,
            httpCodes: httpCodes(src['HealthCheckHttpCode']),
          },
        }
      : {}),
    ...(type === 'udp' ? { udp: { request: String(src['HealthCheckReq'] ?? ''), expect: String(src['HealthCheckExp'] ?? '') } } : {}),
  };
  return hc;
}

function sticky(src: Record<string, unknown>): StickySessionSnapshot | null {
  if (src['StickySession'] !== 'on') return null;
  if (src['StickySessionType'] === 'server') return str(src['Cookie']) ? { type: 'server', cookie: String(src['Cookie']) } : null;
  return { type: 'insert', cookieTimeoutMs: secondsMs(src['CookieTimeout'], 1000) };
}

function drain(l: Record<string, unknown>): ConnectionDrainSnapshot {
  const on = l['ConnectionDrain'] === 'on';
  return { enabled: on, timeoutMs: on ? secondsMs(l['ConnectionDrainTimeout'], 300) : 0 };
}

const SCHEDULERS: readonly SchedulerName[] = ['wrr', 'rr', 'wlc', 'sch', 'tch', 'qch'];
const scheduler = (v: unknown): SchedulerName => (SCHEDULERS.includes(v as SchedulerName) ? (v as SchedulerName) : 'wrr');

/** Where the data plane reaches an instance: its host address when its vSwitch maps private addresses. */
export const instanceHostIp = (i: { PrivateIpAddress?: string; HostAddress?: string } | undefined): string | undefined => i?.HostAddress ?? i?.PrivateIpAddress;

/** An address of an instance's vSwitch on this machine: at the same offset from its HostAddress. */
function hostIpOf(ip: string, inst: { PrivateIpAddress?: string; HostAddress?: string } | undefined): string {
  if (!inst?.HostAddress || !inst.PrivateIpAddress) return ip;
  const a = parseIp(ip);
  const p = parseIp(inst.PrivateIpAddress);
  const h = parseIp(inst.HostAddress);
  return a === undefined || p === undefined || h === undefined ? ip : formatIp(h + (a - p));
}

/** IPv4-mapped IPv6 addresses (the world's internet-ipv6 pool) bind their IPv4 form on this machine. */
function bindAddressOf(address: string): string | undefined {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1] : undefined;
}

/** Compiles one load balancer from its documents (nothing is checked against shared entries yet). */
export function compileLoadBalancer(d: LbDocs): LbCandidate {
  const problems: CompileProblem[] = [];
  const pending: PendingChange[] = [];
  const report: Report = (kind, id, message) => problems.push({ kind, id, message });
  const refs = new Set<string>();
  const children: string[] = [];
  const instanceIps = new Map<string, string | undefined>();
  const lb = d.lb;
  const lbId = lb.LoadBalancerId;
  const member = (b: BackendServerDoc, port: number | null, extra: Partial<BackendServerSnapshot> = {}): BackendServerSnapshot | undefined => {
    const ref = instanceRef(d.account, d.region, b.ServerId);
    refs.add(ref);
    const inst = d.instance(b.ServerId);
    instanceIps.set(ref, instanceHostIp(inst));
    // the stored ServerIp (an ENI's secondary address, or the instance's own) moved onto the host
    // block the instance's vSwitch maps to, if any
    const ip = b.ServerIp ? hostIpOf(b.ServerIp, inst) : instanceHostIp(inst);
    if (!ip) {
      report('member', `${lbId}/${b.ServerId}`, `backend server ${b.ServerId} has no address (not in the instance inventory)`);
      return undefined;
    }
    return { serverId: b.ServerId, ip, port, weight: Math.max(0, Math.min(100, Math.round(num(b.Weight, 100)))), type: b.Type ?? 'ecs', ...(b.Description ? { description: b.Description } : {}), ...extra };
  };
  const defined = <T>(x: T | undefined): x is T => x !== undefined;
  const serverGroups: Record<string, ServerGroupSnapshot> = {};
  const defId = defaultServerGroupId(lbId);
  serverGroups[defId] = { serverGroupId: defId, kind: 'default', servers: (lb.BackendServers ?? []).map((b) => member(b, null)).filter(defined) };
  for (const v of d.vGroups) {
    children.push(childKey('vServerGroup', d.account, d.region, v.VServerGroupId));
    if (v.LoadBalancerId !== lbId) continue;
    serverGroups[v.VServerGroupId] = {
      serverGroupId: v.VServerGroupId,
      kind: 'vserver',
      servers: (v.BackendServers ?? []).map((b) => (portOrNull(b.Port) ? member(b, portOrNull(b.Port)) : undefined)).filter(defined),
    };
  }
  for (const m of d.msGroups) {
    children.push(childKey('masterSlaveServerGroup', d.account, d.region, m.MasterSlaveServerGroupId));
    if (m.LoadBalancerId !== lbId) continue;
    serverGroups[m.MasterSlaveServerGroupId] = {
      serverGroupId: m.MasterSlaveServerGroupId,
      kind: 'masterSlave',
      servers: (m.MasterSlaveBackendServers ?? []).map((b) => member(b, portOrNull(b.Port), { serverType: b.ServerType })).filter(defined),
    };
  }
  for (const r of d.rules) children.push(childKey('rule', d.account, d.region, r.RuleId));
  for (const x of d.domainExtensions) children.push(childKey('domainExtension', d.account, d.region, x.DomainExtensionId));
  const rules = d.rules.filter((r) => r.LoadBalancerId === lbId);
  const domainExtensions = d.domainExtensions.filter((x) => x.LoadBalancerId === lbId);
  const whitelists: Record<string, AclSnapshot> = {};
  const listeners: ListenerSnapshot[] = [];
  for (const doc of d.listeners) {
    const id = listenerIdOf(lbId, doc.ListenerProtocol, doc.ListenerPort);
    children.push(childKey('listener', d.account, d.region, id));
    if (doc.LoadBalancerId !== lbId) continue;
    if (doc.Pending) pending.push({ account: d.account, region: d.region, listenerId: id, op: doc.Pending.op, since: doc.Pending.since });
    try {
      const l = compileListener(id, doc, rules, domainExtensions, serverGroups, whitelists);
      listeners.push(l);
      listenerRefs(l, refs);
    } catch (e) {
      report('listener', id, (e as Error).message);
    }
  }
  const bindAddress = lb.HostAddress ?? bindAddressOf(lb.Address);
  return {
    lb: {
      loadBalancerId: lbId,
      address: lb.Address,
      ...(bindAddress ? { bindAddress } : {}),
      // an EIP associated with it (VPC AssociateEipAddress): reachable there too
      ...(lb.EipAddress ? { extraAddresses: [lb.EipAddress] } : {}),
      addressIPVersion: lb.AddressIPVersion === 'ipv6' ? 'ipv6' : 'ipv4',
      status: lb.LoadBalancerStatus,
      serverGroups,
      listeners,
      ...(d.accessLog ? { accessLog: { project: d.accessLog.LogProject, logstore: d.accessLog.LogStore } } : {}),
    },
    whitelists,
    problems,
    pending,
    refs: [...refs],
    children,
    instanceIps,
    bindAddress: bindAddress ?? lb.Address,
  };
}

function compileListener(
  id: string,
  doc: ListenerDoc,
  lbRules: readonly RuleDoc[],
  lbDomainExtensions: readonly DomainExtensionDoc[],
  serverGroups: Record<string, ServerGroupSnapshot>,
  whitelists: Record<string, AclSnapshot>,
): ListenerSnapshot {
  const protocol = doc.ListenerProtocol;
  const l: Record<string, unknown> = { ...defaultsFor(protocol), ...doc };
  const lbId = doc.LoadBalancerId;
  let serverGroupId = defaultServerGroupId(lbId);
  if (str(doc.VServerGroupId)) serverGroupId = String(doc.VServerGroupId);
  else if (str(doc.MasterSlaveServerGroupId)) serverGroupId = String(doc.MasterSlaveServerGroupId);
  if (!serverGroups[serverGroupId]) throw new Error(`server group ${serverGroupId} does not exist`);
  const backendServerPort = portOrNull(doc.BackendServerPort) ?? (serverGroups[serverGroupId]!.kind === 'default' ? doc.ListenerPort : null);

  let acl: AclBinding | null = null;
  if (l['AclStatus'] === 'on') {
    const ids = aclIdsOfListener(doc);
    if (ids.length) acl = { type: l['AclType'] === 'black' ? 'black' : 'white', aclIds: ids };
  } else if (doc.AccessControlStatus === 'open_white_list') {
    // The legacy whitelist (SetListenerAccessControlStatus / AddListenerWhiteListItem): a private ACL.
    const wl = `whitelist:${id}`;
    const entries = (doc.SourceItems ?? []).flatMap((s) => String(s).split(',')).map((s) => s.trim()).filter(Boolean);
    whitelists[wl] = { aclId: wl, addressIPVersion: entries.some((e) => e.includes(':')) ? 'ipv6' : 'ipv4', entries };
    acl = { type: 'white', aclIds: [wl] };
  }
  const bw = num(l['Bandwidth'], -1);
  const common = {
    listenerId: id,
    port: doc.ListenerPort,
    status: doc.Status,
    ...(str(doc.Description) ? { description: doc.Description } : {}),
    scheduler: scheduler(l['Scheduler']),
    bandwidth: Number.isInteger(bw) && bw > 0 ? bw : -1,
    acl,
    healthCheck: healthCheck(protocol, l),
    serverGroupId,
    backendServerPort,
  };
  if (protocol === 'tcp') {
    return {
      ...common,
      protocol,
      persistenceTimeoutMs: Math.max(0, num(l['PersistenceTimeout'], 0)) * 1000,
      establishedTimeoutMs: secondsMs(l['EstablishedTimeout'], 900),
      proxyProtocolV2: isOn(l['ProxyProtocolV2Enabled'], false),
      connectionDrain: drain(l),
    };
  }
  if (protocol === 'udp') {
    return {
      ...common,
      protocol,
      persistenceTimeoutMs: Math.max(0, num(l['PersistenceTimeout'], 0)) * 1000,
      flowIdleTimeoutMs: UDP_FLOW_IDLE_TIMEOUT_MS,
      proxyProtocolV2: isOn(l['ProxyProtocolV2Enabled'], false),
      connectionDrain: drain(l),
    };
  }
  const rules: RuleSnapshot[] = lbRules
    .filter((r) => r.ListenerPort === doc.ListenerPort && (!r.ListenerProtocol || r.ListenerProtocol === protocol))
    .map((r) => {
      const rr = r as unknown as Record<string, unknown>;
      return {
        ruleId: r.RuleId,
        ruleName: r.RuleName,
        domain: str(r.Domain)?.toLowerCase() ?? null,
        url: str(r.Url) ?? null,
        serverGroupId: r.VServerGroupId,
        override:
          r.ListenerSync === 'off'
            ? {
                scheduler: (['wrr', 'rr', 'wlc'].includes(String(r.Scheduler)) ? r.Scheduler : common.scheduler === 'rr' || common.scheduler === 'wlc' ? common.scheduler : 'wrr') as 'wrr' | 'rr' | 'wlc',
                stickySession: sticky(rr),
                healthCheck: healthCheck(protocol, { ...defaultsFor(protocol), ...rr }),
              }
            : null,
      };
    });
  const l7 = {
    ...common,
    stickySession: sticky(l),
    forwardedHeaders: {
      xForwardedFor: isOn(l['XForwardedFor'], true),
      xForwardedProto: isOn(l['XForwardedFor_proto'], false),
      slbIp: isOn(l['XForwardedFor_SLBIP'], false),
      slbId: isOn(l['XForwardedFor_SLBID'], false),
      xForwardedPort: isOn(l['XForwardedFor_SLBPORT'], false),
      xForwardedClientSrcPort: isOn(l['XForwardedFor_ClientSrcPort'], false),
    },
    gzip: isOn(l['Gzip'], true),
    idleTimeoutMs: secondsMs(l['IdleTimeout'], 15),
    requestTimeoutMs: secondsMs(l['RequestTimeout'], 60),
    rules,
  };
  if (protocol === 'http') {
    const fwd = portOrNull(l['ForwardPort']);
    return { ...l7, protocol, redirect: l['ListenerForward'] === 'on' && fwd ? { forwardPort: fwd } : null };
  }
  const cert = str(doc.ServerCertificateId);
  if (!cert) throw new Error('HTTPS listener without a server certificate');
  return {
    ...l7,
    protocol,
    serverCertificateId: cert,
    caCertificateId: str(doc.CACertificateId) ?? null,
    domainExtensions: lbDomainExtensions
      .filter((x) => x.ListenerPort === doc.ListenerPort)
      .map((x) => ({ domainExtensionId: x.DomainExtensionId, domain: x.Domain.toLowerCase(), serverCertificateId: x.ServerCertificateId })),
    tlsCipherPolicy: str(l['TLSCipherPolicy']) ?? 'tls_cipher_policy_1_0',
    enableHttp2: isOn(l['EnableHttp2'], true),
  };
}

// ---------------------------------------------------------------------------------------------
// Checking one load balancer.

/** The shared entries that checked out, by id (undefined: absent or left out). */
export interface SharedLookup {
  acl(id: string): AclSnapshot | undefined;
  serverCertificate(id: string): ServerCertificateSnapshot | undefined;
  caCertificate(id: string): CaCertificateSnapshot | undefined;
  tlsCipherPolicy(id: string): TlsCipherPolicySnapshot | undefined;
}

/**
 * Checks one load balancer (validateSnapshot on a snapshot holding it, its whitelists and the
 * shared entries its listeners reference) and leaves out what does not check out, as `prune` does
 * for a whole snapshot. Returns the load balancer (undefined: left out as a whole, e.g. a bad
 * address) and the whitelists that checked out (they stay in the snapshot's ACL table either way).
 */
export function pruneLoadBalancer(lb: LoadBalancerSnapshot, whitelists: Readonly<Record<string, AclSnapshot>>, shared: SharedLookup, report: Report): { lb: LoadBalancerSnapshot | undefined; whitelists: AclSnapshot[] } {
  const acls: Record<string, AclSnapshot> = { ...whitelists };
  const serverCertificates: Record<string, ServerCertificateSnapshot> = {};
  const caCertificates: Record<string, CaCertificateSnapshot> = {};
  const tlsCipherPolicies: Record<string, TlsCipherPolicySnapshot> = {};
  const pick = <T>(table: Record<string, T>, id: string, get: (id: string) => T | undefined) => {
    if (Object.hasOwn(table, id)) return;
    const v = get(id);
    if (v) table[id] = v;
  };
  for (const l of lb.listeners) {
    if (l.acl) for (const a of l.acl.aclIds) pick(acls, a, (x) => shared.acl(x));
    if (l.protocol !== 'https') continue;
    pick(serverCertificates, l.serverCertificateId, (x) => shared.serverCertificate(x));
    for (const d of l.domainExtensions) pick(serverCertificates, d.serverCertificateId, (x) => shared.serverCertificate(x));
    if (l.caCertificateId !== null) pick(caCertificates, l.caCertificateId, (x) => shared.caCertificate(x));
    pick(tlsCipherPolicies, l.tlsCipherPolicy, (x) => shared.tlsCipherPolicy(x));
  }
  const out = prune({ version: 0, loadBalancers: [lb], acls, serverCertificates, caCertificates, tlsCipherPolicies }, report);
  return {
    lb: out.loadBalancers[0],
    whitelists: Object.keys(whitelists)
      .filter((id) => Object.hasOwn(out.acls, id))
      .map((id) => out.acls[id]!),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Runs validateSnapshot and removes whatever a problem points at (a listener, a server group, an
 * ACL, a certificate, a whole load balancer) until nothing is left to complain about. Listeners
 * that referenced a removed thing fail the next round and go too.
 */
export function prune(s: Snapshot, report: Report): Snapshot {
  let cur: Mutable<Snapshot> = { ...s, loadBalancers: s.loadBalancers.map((lb) => ({ ...lb, serverGroups: { ...lb.serverGroups }, listeners: [...lb.listeners] })) };
  for (let round = 0; round < 20; round++) {
    const problems = validateSnapshot(cur);
    if (!problems.length) return cur;
    const dropListeners = new Set<string>();
    const dropLbs = new Set<number>();
    const dropGroups: [number, string][] = [];
    for (const p of problems) {
      let m: RegExpExecArray | null;
      if ((m = /^loadBalancers\[(\d+)\]\([^)]*\)\.listeners\[(\d+)\]/.exec(p.path))) {
        const l = cur.loadBalancers[Number(m[1])]!.listeners[Number(m[2])]!;
        if (!dropListeners.has(l.listenerId)) report('listener', l.listenerId, `${p.path.slice(m[0].length).replace(/^\([^)]*\)\.?/, '') || 'listener'}: ${p.message}`);
        dropListeners.add(l.listenerId);
      } else if ((m = /^loadBalancers\[(\d+)\]\([^)]*\)\.serverGroups\.([^.]+)/.exec(p.path))) {
        dropGroups.push([Number(m[1]), m[2]!]);
        report('serverGroup', m[2]!, p.message);
      } else if ((m = /^loadBalancers\[(\d+)\]/.exec(p.path))) {
        dropLbs.add(Number(m[1]));
        report('loadBalancer', cur.loadBalancers[Number(m[1])]!.loadBalancerId, p.message);
      } else if ((m = /^(acls|serverCertificates|caCertificates|tlsCipherPolicies)\.([^.[]+)/.exec(p.path))) {
        const table = { ...(cur[m[1] as 'acls'] as Record<string, unknown>) };
        delete table[m[2]!];
        (cur as unknown as Record<string, unknown>)[m[1]!] = table;
        report(m[1]!.replace(/s$/, ''), m[2]!, p.message);
      } else {
        throw new Error(`snapshot v${cur.version}: ${p.path}: ${p.message}`);
      }
    }
    for (const [i, gid] of dropGroups) delete (cur.loadBalancers[i]!.serverGroups as Record<string, ServerGroupSnapshot>)[gid];
    cur = {
      ...cur,
      loadBalancers: cur.loadBalancers
        .filter((_, i) => !dropLbs.has(i))
        .map((lb) => ({ ...lb, listeners: lb.listeners.filter((l) => !dropListeners.has(l.listenerId)) })),
    };
  }
  throw new Error(`snapshot v${cur.version}: problems remain after pruning`);
}

/** Structural equality of JSON-like snapshot values (what lets a recompiled part keep its old object). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
