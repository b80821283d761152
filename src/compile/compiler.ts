// The compiler: desired state (the store's documents, every account and region) → one immutable,
// versioned data-plane snapshot (src/dataplane/snapshot.ts). It reads everything in one read
// transaction, resolves every reference (LB → listeners → server groups / rules / domain
// extensions / ACLs / certificates with their keys opened / TLS policies → instance IPs), then
// checks the result with validateSnapshot. Whatever does not check out is left out and reported —
// a listener with a dangling reference never takes the whole plane down.
import { openKey, type CACertificateDoc, type ServerCertificateDoc } from '../services/certificates.js';
import { aclIdsOfListener, type AclDoc } from '../services/acls.js';
import { defaultsFor } from '../services/listeners.js';
import {
  KINDS,
  listenerId as listenerIdOf,
  type BackendServerDoc,
  type InstanceDoc,
  type ListenerDoc,
  type LoadBalancerDoc,
  type MasterSlaveServerGroupDoc,
  type VServerGroupDoc,
} from '../services/model.js';
import type { DomainExtensionDoc, RuleDoc } from '../services/rules.js';
import type { TLSCipherPolicyDoc } from '../services/tls-cipher-policies.js';
import { GLOBAL, type Store, type Tx } from '../state/store.js';
import { ACCOUNT, type Account } from '../world/accounts.js';
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

/** A listener change the snapshot carries (its Pending, src/services/listener-lifecycle.ts). */
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

interface Scoped {
  account: string;
  region: string;
  lbs: LoadBalancerDoc[];
  listeners: ListenerDoc[];
  vGroups: Map<string, VServerGroupDoc>;
  msGroups: Map<string, MasterSlaveServerGroupDoc>;
  rules: RuleDoc[];
  domainExtensions: DomainExtensionDoc[];
  instances: Map<string, InstanceDoc>;
}

/** Every document the compiler reads, per (account, region), plus the id-keyed resources. */
export interface ResourceGraph {
  scopes: Scoped[];
  acls: AclDoc[];
  serverCertificates: { doc: ServerCertificateDoc; privateKey: string | Error }[];
  caCertificates: CACertificateDoc[];
  tlsCipherPolicies: TLSCipherPolicyDoc[];
}

/** Reads the whole resource graph in one read transaction (private keys opened with the store's SecretBox). */
export async function readGraph(store: Store): Promise<ResourceGraph> {
  return store.read(async (tx) => {
    const accounts = await tx.list<Account>(ACCOUNT, GLOBAL);
    const graph: ResourceGraph = { scopes: [], acls: [], serverCertificates: [], caCertificates: [], tlsCipherPolicies: [] };
    for (const a of accounts) {
      const id = a.AccountId;
      const byRegion = new Map<string, Scoped>();
      const scoped = (region: string) => {
        let s = byRegion.get(region);
        if (!s) byRegion.set(region, (s = { account: id, region, lbs: [], listeners: [], vGroups: new Map(), msGroups: new Map(), rules: [], domainExtensions: [], instances: new Map() }));
        return s;
      };
      const all = <T>(kind: string) => tx.listAccount<T>(kind, id);
      for (const { region, doc } of await all<LoadBalancerDoc>(KINDS.loadBalancer)) scoped(region).lbs.push(doc);
      if (!byRegion.size) {
        await readAccountResources(tx, id, graph, store);
        continue;
      }
      for (const { region, doc } of await all<ListenerDoc>(KINDS.listener)) scoped(region).listeners.push(doc);
      for (const { region, doc } of await all<VServerGroupDoc>(KINDS.vServerGroup)) scoped(region).vGroups.set(doc.VServerGroupId, doc);
      for (const { region, doc } of await all<MasterSlaveServerGroupDoc>(KINDS.masterSlaveServerGroup)) scoped(region).msGroups.set(doc.MasterSlaveServerGroupId, doc);
      for (const { region, doc } of await all<RuleDoc>(KINDS.rule)) scoped(region).rules.push(doc);
      for (const { region, doc } of await all<DomainExtensionDoc>(KINDS.domainExtension)) scoped(region).domainExtensions.push(doc);
      for (const { region, doc } of await all<InstanceDoc>(KINDS.instance)) scoped(region).instances.set(doc.InstanceId, doc);
      graph.scopes.push(...byRegion.values());
      await readAccountResources(tx, id, graph, store);
    }
    return graph;
  });
}

async function readAccountResources(tx: Tx, account: string, graph: ResourceGraph, store: Store) {
  for (const { doc } of await tx.listAccount<AclDoc>(KINDS.acl, account)) graph.acls.push(doc);
  for (const { doc } of await tx.listAccount<ServerCertificateDoc>(KINDS.serverCertificate, account)) {
    let privateKey: string | Error;
    try {
      privateKey = openKey(store, doc);
    } catch (e) {
      privateKey = e instanceof Error ? e : new Error(String(e));
    }
    graph.serverCertificates.push({ doc, privateKey });
  }
  for (const { doc } of await tx.listAccount<CACertificateDoc>(KINDS.caCertificate, account)) graph.caCertificates.push(doc);
  for (const { doc } of await tx.listAccount<TLSCipherPolicyDoc>(KINDS.tlsCipherPolicy, account)) graph.tlsCipherPolicies.push(doc);
}

/** Reads and compiles in one go. */
export async function compileStore(store: Store, version: number): Promise<CompileResult> {
  return compileGraph(await readGraph(store), version);
}

// ---------------------------------------------------------------------------------------------
// Pure part: documents → snapshot.

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

/** IPv4-mapped IPv6 addresses (the world's internet-ipv6 pool) bind their IPv4 form on this machine. */
function bindAddressOf(address: string): string | undefined {
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m ? m[1] : undefined;
}

export function compileGraph(g: ResourceGraph, version: number): CompileResult {
  const problems: CompileProblem[] = [];
  const pending: PendingChange[] = [];
  const report = (kind: string, id: string, message: string) => problems.push({ kind, id, message });

  const acls: Record<string, AclSnapshot> = {};
  for (const a of g.acls) acls[a.AclId] = { aclId: a.AclId, addressIPVersion: a.AddressIPVersion, entries: (a.Entries ?? []).map((e) => e.AclEntryIP) };
  const serverCertificates: Record<string, ServerCertificateSnapshot> = {};
  for (const { doc, privateKey } of g.serverCertificates) {
    if (privateKey instanceof Error) {
      report('serverCertificate', doc.ServerCertificateId, `private key cannot be opened: ${privateKey.message}`);
      continue;
    }
    serverCertificates[doc.ServerCertificateId] = { serverCertificateId: doc.ServerCertificateId, certificate: doc.CertificatePem, privateKey };
  }
  const caCertificates: Record<string, CaCertificateSnapshot> = {};
  for (const c of g.caCertificates) caCertificates[c.CACertificateId] = { caCertificateId: c.CACertificateId, certificate: c.CertificatePem };
  const tlsCipherPolicies: Record<string, TlsCipherPolicySnapshot> = {};
  for (const t of g.tlsCipherPolicies) {
    tlsCipherPolicies[t.TLSCipherPolicyId] = { tlsCipherPolicyId: t.TLSCipherPolicyId, tlsVersions: t.TLSVersions as TlsCipherPolicySnapshot['tlsVersions'], ciphers: t.Ciphers };
  }

  const loadBalancers: LoadBalancerSnapshot[] = [];
  for (const sc of g.scopes) {
    for (const lb of sc.lbs) {
      const lbId = lb.LoadBalancerId;
      const member = (b: BackendServerDoc, port: number | null, extra: Partial<BackendServerSnapshot> = {}): BackendServerSnapshot | undefined => {
        const ip = b.ServerIp || sc.instances.get(b.ServerId)?.PrivateIpAddress;
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
      for (const v of sc.vGroups.values()) {
        if (v.LoadBalancerId !== lbId) continue;
        serverGroups[v.VServerGroupId] = {
          serverGroupId: v.VServerGroupId,
          kind: 'vserver',
          servers: (v.BackendServers ?? []).map((b) => (portOrNull(b.Port) ? member(b, portOrNull(b.Port)) : undefined)).filter(defined),
        };
      }
      for (const m of sc.msGroups.values()) {
        if (m.LoadBalancerId !== lbId) continue;
        serverGroups[m.MasterSlaveServerGroupId] = {
          serverGroupId: m.MasterSlaveServerGroupId,
          kind: 'masterSlave',
          servers: (m.MasterSlaveBackendServers ?? []).map((b) => member(b, portOrNull(b.Port), { serverType: b.ServerType })).filter(defined),
        };
      }
      const listeners: ListenerSnapshot[] = [];
      for (const doc of sc.listeners) {
        if (doc.LoadBalancerId !== lbId) continue;
        const id = listenerIdOf(lbId, doc.ListenerProtocol, doc.ListenerPort);
        if (doc.Pending) pending.push({ account: sc.account, region: sc.region, listenerId: id, op: doc.Pending.op, since: doc.Pending.since });
        try {
          listeners.push(compileListener(id, doc, sc, serverGroups, acls));
        } catch (e) {
          report('listener', id, (e as Error).message);
        }
      }
      loadBalancers.push({
        loadBalancerId: lbId,
        address: lb.Address,
        ...(bindAddressOf(lb.Address) ? { bindAddress: bindAddressOf(lb.Address) } : {}),
        addressIPVersion: lb.AddressIPVersion === 'ipv6' ? 'ipv6' : 'ipv4',
        status: lb.LoadBalancerStatus,
        serverGroups,
        listeners,
      });
    }
  }
  const snapshot = prune({ version, loadBalancers, acls, serverCertificates, caCertificates, tlsCipherPolicies }, report);
  return { snapshot: freezeSnapshot(snapshot), problems, pending };
}

function compileListener(
  id: string,
  doc: ListenerDoc,
  sc: Scoped,
  serverGroups: Record<string, ServerGroupSnapshot>,
  acls: Record<string, AclSnapshot>,
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
    acls[wl] = { aclId: wl, addressIPVersion: entries.some((e) => e.includes(':')) ? 'ipv6' : 'ipv4', entries };
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
  const rules: RuleSnapshot[] = sc.rules
    .filter((r) => r.LoadBalancerId === lbId && r.ListenerPort === doc.ListenerPort && (!r.ListenerProtocol || r.ListenerProtocol === protocol))
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
    domainExtensions: sc.domainExtensions
      .filter((d) => d.LoadBalancerId === lbId && d.ListenerPort === doc.ListenerPort)
      .map((d) => ({ domainExtensionId: d.DomainExtensionId, domain: d.Domain.toLowerCase(), serverCertificateId: d.ServerCertificateId })),
    tlsCipherPolicy: str(l['TLSCipherPolicy']) ?? 'tls_cipher_policy_1_0',
    enableHttp2: isOn(l['EnableHttp2'], true),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Runs validateSnapshot and removes whatever a problem points at (a listener, a server group, an
 * ACL, a certificate, a whole load balancer) until nothing is left to complain about. Listeners
 * that referenced a removed thing fail the next round and go too.
 */
function prune(s: Snapshot, report: (kind: string, id: string, message: string) => void): Snapshot {
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
