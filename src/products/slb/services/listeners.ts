// Listener rules: identity (load balancer, port, protocol), per-protocol defaults, parameter
// checks that need more than the spec, references to other resources, and the response views.
// Pure: no HTTP. The actions live in src/products/slb/actions/listeners.ts.
import { apiError, fail, type ApiError } from '../../../errors/catalog.js';
import type { Query, QueryRef, Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { isBuiltinTlsPolicy } from '../../../util/tls-suites.js';
import { observe } from './listener-lifecycle.js';
import { KINDS, listenerId, requireLoadBalancer, type ListenerDoc, type LoadBalancerDoc } from './model.js';

export type Protocol = ListenerDoc['ListenerProtocol'];
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'http', 'https'];

/** Listeners per load balancer (CLB limits page: 50 per instance, adjustable). */
export const LISTENER_QUOTA = 50;
/** Legacy whitelist entries per listener (seed row 83's description: 300). */
export const SOURCE_ITEMS_QUOTA = 300;

export const badPort = () => apiError('InvalidParameter', 'The specified port is not valid.');
export const badBandwidth = () => apiError('InvalidParameter', 'The specified bandwidth is not valid.');
export const badProtocol = () => apiError('InvalidParameter', 'The specified protocol is not valid.');
export const badValue = () => apiError('InvalidParameter', 'The specified parameter is not valid.');

/** TCP, HTTP and HTTPS listeners compete for the TCP port; UDP has its own. */
const transport = (p: Protocol) => (p === 'udp' ? 'udp' : 'tcp');

export function parseProtocol(v: string | undefined): Protocol | undefined {
  if (v === undefined || v === '') return undefined;
  // read case-insensitively, as the rules family does for the same parameter
  const p = v.toLowerCase();
  if (!(PROTOCOLS as readonly string[]).includes(p)) throw badProtocol();
  return p as Protocol;
}

/** The load balancer a listener call acts on; changes to a locked instance are refused. */
export async function loadBalancerFor(tx: Tx, account: string, id: string, region: string | undefined, mutate: boolean): Promise<{ scope: Scope; lb: LoadBalancerDoc }> {
  const r = await requireLoadBalancer(tx, account, id, region);
  if (mutate && r.lb.LoadBalancerStatus === 'locked') {
    if (r.lb.LockReason === 'security') fail('ActionNotAllowed', 'Locked for any Operate Reason.');
    fail('ActionNotAllowed', 'Locked for any Business Reason.');
  }
  return r;
}

/** The query for what hangs off a load balancer (its listeners, rules, groups). */
export const ofLoadBalancer = (lbId: string): Query => ({ where: { LoadBalancerId: lbId } });

/** The query for a load balancer's listeners (as Tx.prefetch takes it). */
export const listenersRead = (scope: Scope, lbId: string): QueryRef => ({ kind: KINDS.listener, scope, query: ofLoadBalancer(lbId) });

export async function listenersOf(tx: Tx, scope: Scope, lbId: string): Promise<ListenerDoc[]> {
  const r = listenersRead(scope, lbId);
  const found = await tx.query<ListenerDoc>(r.kind, scope, r.query);
  return found.map((x) => x.doc).sort(byIdentity);
}

export function byIdentity(a: ListenerDoc, b: ListenerDoc): number {
  if (a.LoadBalancerId !== b.LoadBalancerId) return a.LoadBalancerId < b.LoadBalancerId ? -1 : 1;
  if (a.ListenerPort !== b.ListenerPort) return a.ListenerPort - b.ListenerPort;
  return PROTOCOLS.indexOf(a.ListenerProtocol) - PROTOCOLS.indexOf(b.ListenerProtocol);
}

/** The listeners on one port (one per protocol at most), in PROTOCOLS order: one lookup by ids. */
async function onPort(tx: Tx, scope: Scope, lbId: string, port: number): Promise<ListenerDoc[]> {
  const found = await tx.query<ListenerDoc>(KINDS.listener, scope, { ids: PROTOCOLS.map((p) => listenerId(lbId, p, port)) });
  return found.map((x) => x.doc).sort(byIdentity);
}

/**
 * The listener that Start/Stop/Delete and the whitelist actions address: by protocol when given,
 * otherwise the only one on the port (TooManyListeners when TCP and UDP share it).
 */
export async function resolveListener(tx: Tx, scope: Scope, lbId: string, port: number, protocol: Protocol | undefined): Promise<ListenerDoc> {
  if (protocol) {
    const l = await tx.get<ListenerDoc>(KINDS.listener, scope, listenerId(lbId, protocol, port));
    if (!l) fail('ListenerNotFound');
    return l;
  }
  const found = await onPort(tx, scope, lbId, port);
  if (found.length === 0) fail('ListenerNotFound');
  if (found.length > 1) fail('TooManyListeners', 'More than 1 listener is found, please be more specified.');
  return found[0]!;
}

/**
 * The listener a Describe/Set{P}ListenerAttribute call addresses. A port without any listener of
 * that protocol answers the text Terraform treats as "gone"; a port held by a listener of another
 * protocol on the same transport is UnsupportedOperationonfixedprotocalport.
 */
export async function listenerOfProtocol(tx: Tx, scope: Scope, lbId: string, port: number, protocol: Protocol, forSet: boolean): Promise<ListenerDoc> {
  const l = await tx.get<ListenerDoc>(KINDS.listener, scope, listenerId(lbId, protocol, port));
  if (l) return l;
  const others = (await onPort(tx, scope, lbId, port)).filter((o) => transport(o.ListenerProtocol) === transport(protocol));
  if (others.length) fail('UnsupportedOperationonfixedprotocalport');
  if (forSet) fail('ListenerNotFound');
  fail('InvalidParameter', 'The specified resource does not exist.');
}

/** A new listener may take the port: ListenerAlreadyExists on the same transport, then the quota.
 *  Returns the load balancer's listeners (as listenersOf). */
export async function checkPortFree(tx: Tx, scope: Scope, lbId: string, port: number, protocol: Protocol): Promise<ListenerDoc[]> {
  // one lookup: the load balancer's listeners answer both questions
  const all = await listenersOf(tx, scope, lbId);
  if (all.some((o) => o.ListenerPort === port && transport(o.ListenerProtocol) === transport(protocol))) fail('ListenerAlreadyExists');
  if (all.length >= LISTENER_QUOTA) fail('ListenerNumberOverLimit');
  return all;
}

/**
 * Observes every listener in `docs` (completing or counting their pending changes) and stores the
 * ones that changed. Call inside a write transaction.
 */
export async function observeAll(tx: Tx, scope: Scope, docs: ListenerDoc[], now: number): Promise<void> {
  for (const l of docs) {
    if (observe(l, now)) await tx.put(KINDS.listener, scope, listenerId(l.LoadBalancerId, l.ListenerProtocol, l.ListenerPort), l);
  }
}

export async function saveListener(tx: Tx, scope: Scope, l: ListenerDoc): Promise<void> {
  await tx.put(KINDS.listener, scope, listenerId(l.LoadBalancerId, l.ListenerProtocol, l.ListenerPort), l);
}

// ---------------------------------------------------------------------------------------------
// Defaults: what Describe returns for a parameter that was never given (dataplane.md, API docs,
// terraform's documented defaults).

const HEALTH_L4 = { HealthCheck: 'on', HealthCheckConnectTimeout: 5, HealthCheckInterval: 2, HealthyThreshold: 3, UnhealthyThreshold: 3 };

export function defaultsFor(protocol: Protocol): Record<string, unknown> {
  switch (protocol) {
    case 'tcp':
      return {
        Scheduler: 'wrr', PersistenceTimeout: 0, EstablishedTimeout: 900, ...HEALTH_L4, HealthCheckType: 'tcp',
        HealthCheckHttpCode: 'http_2xx', HealthCheckURI: '', HealthCheckDomain: '', ConnectionDrain: 'off',
        ProxyProtocolV2Enabled: false, SynProxy: 'disable', AclStatus: 'off',
      };
    case 'udp':
      return { Scheduler: 'wrr', ...HEALTH_L4, ProxyProtocolV2Enabled: false, AclStatus: 'off' };
    case 'http':
    case 'https': {
      const base: Record<string, unknown> = {
        Bandwidth: -1, Scheduler: 'wrr', StickySession: 'off', HealthCheck: 'on', HealthCheckURI: '/', HealthCheckDomain: '',
        HealthCheckHttpCode: 'http_2xx', HealthCheckMethod: 'head', HealthCheckTimeout: 5, HealthCheckInterval: 2,
        HealthyThreshold: 3, UnhealthyThreshold: 3, Gzip: 'on', XForwardedFor: 'on', XForwardedFor_SLBIP: 'off',
        XForwardedFor_SLBID: 'off', XForwardedFor_proto: 'off', XForwardedFor_SLBPORT: 'off', XForwardedFor_ClientSrcPort: 'off',
        IdleTimeout: 15, RequestTimeout: 60, AclStatus: 'off', SecurityStatus: 'off',
      };
      if (protocol === 'http') base['ListenerForward'] = 'off';
      else Object.assign(base, { EnableHttp2: 'on', TLSCipherPolicy: 'tls_cipher_policy_1_0' });
      return base;
    }
  }
}

/** Request names whose stored (Describe) name differs. */
const RENAMES: Record<string, string> = {
  healthCheckInterval: 'HealthCheckInterval',
  healthCheckReq: 'HealthCheckReq',
  healthCheckExp: 'HealthCheckExp',
  HealthCheckSwitch: 'HealthCheck',
};

/** Parameters that address or switch, never stored as they are. */
const NOT_STORED = new Set(['RegionId', 'LoadBalancerId', 'ListenerPort', 'Tag', 'VServerGroup', 'MasterSlaveServerGroup', 'OwnerId', 'OwnerAccount', 'ResourceOwnerId', 'ResourceOwnerAccount']);

/** Copies the given parameters onto the listener under their Describe names. */
export function applyParams(l: ListenerDoc, p: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || NOT_STORED.has(k)) continue;
    l[RENAMES[k] ?? k] = v;
  }
}

// ---------------------------------------------------------------------------------------------
// Checks that need more than the spec.

const DOMAIN_RE = /^[A-Za-z0-9.-]{1,80}$/;
const URI_RE = /^\/[A-Za-z0-9\-/.%?#&_=]{0,79}$/;
const ALNUM_RE = /^[A-Za-z0-9]+$/;

export function checkHealthStrings(p: { HealthCheckDomain?: string; HealthCheckURI?: string; healthCheckReq?: string; healthCheckExp?: string }): void {
  if (p.HealthCheckDomain !== undefined && p.HealthCheckDomain !== '' && p.HealthCheckDomain !== '$_ip' && !DOMAIN_RE.test(p.HealthCheckDomain)) throw badValue();
  if (p.HealthCheckURI !== undefined && p.HealthCheckURI !== '' && !URI_RE.test(p.HealthCheckURI)) throw badValue();
  if (p.healthCheckReq !== undefined && p.healthCheckReq !== '' && !ALNUM_RE.test(p.healthCheckReq)) throw badValue();
  if (p.healthCheckExp !== undefined && p.healthCheckExp !== '' && !ALNUM_RE.test(p.healthCheckExp)) throw badValue();
}

/** Cookie names: printable ASCII without `,` `;` or space, not starting with `$` (API docs). */
export function checkCookie(c: string | undefined): void {
  if (c === undefined || c === '') return;
  if (!/^[\x21-\x7e]+$/.test(c) || /[,;]/.test(c) || c.startsWith('$')) throw badValue();
}

/** Listener bandwidth: -1 (no cap) or 1–5120; pay-by-bandwidth instances share their own. */
export function checkBandwidth(bw: number | undefined, lb: LoadBalancerDoc, siblings: ListenerDoc[]): void {
  if (bw === undefined) return;
  if (bw !== -1 && (bw < 1 || bw > 5120)) throw badBandwidth();
  if (lb.InternetChargeType !== 'paybybandwidth') return;
  if (bw === -1) fail('InvalidParameter', 'The listen bandwidth is not Support');
  const used = siblings.reduce((n, s) => n + (typeof s.Bandwidth === 'number' && s.Bandwidth > 0 ? s.Bandwidth : 0), 0);
  if (bw > lb.Bandwidth || used + bw > lb.Bandwidth) fail('InvalidParameter', 'The specified Bandwidth is invalid. It exceeds the maximum bandwidth available to the instance.');
}

/** Sticky sessions as the listener will have them after the change (Cookie / CookieTimeout). */
export function checkSticky(l: ListenerDoc): void {
  if (l['StickySession'] !== 'on') return;
  if (l['StickySessionType'] === undefined) throw missing('StickySessionType');
  if (l['StickySessionType'] === 'insert' && l['CookieTimeout'] === undefined) throw missing('CookieTimeout');
  if (l['StickySessionType'] === 'server' && (l['Cookie'] === undefined || l['Cookie'] === '')) throw missing('Cookie');
}

export function missing(name: string): ApiError {
  return apiError('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name });
}

// ---------------------------------------------------------------------------------------------
// References to other resources. Their families own the documents; we only read them.

interface GroupDoc {
  LoadBalancerId?: string;
}

export async function checkVServerGroup(tx: Tx, scope: Scope, lbId: string, id: string): Promise<void> {
  const g = await tx.get<GroupDoc>(KINDS.vServerGroup, scope, id);
  if (!g) {
    if (await tx.get<GroupDoc>(KINDS.masterSlaveServerGroup, scope, id)) fail('VipNotMatchRspool');
    fail('InvalidParameter', 'The specified VServerGroupId does not exist.');
  }
  if (g.LoadBalancerId !== undefined && g.LoadBalancerId !== lbId) fail('VipNotMatchRspool');
}

export async function checkMasterSlaveGroup(tx: Tx, scope: Scope, lbId: string, id: string): Promise<void> {
  const g = await tx.get<GroupDoc>(KINDS.masterSlaveServerGroup, scope, id);
  if (!g) {
    if (await tx.get<GroupDoc>(KINDS.vServerGroup, scope, id)) fail('VipNotMatchRspool');
    fail('InvalidParameter', 'The specified MasterSlaveGroupId does not exist.');
  }
  if (g.LoadBalancerId !== undefined && g.LoadBalancerId !== lbId) fail('VipNotMatchRspool');
}

export async function checkAcl(tx: Tx, scope: Scope, lb: LoadBalancerDoc, id: string): Promise<void> {
  const acl = await tx.get<{ AddressIPVersion?: string }>(KINDS.acl, scope, id);
  if (!acl) fail('AclNotExist');
  // an IPv4 instance takes only IPv4 ACLs (dataplane.md §7)
  if (acl.AddressIPVersion && lb.AddressIPVersion && acl.AddressIPVersion !== lb.AddressIPVersion) throw badValue();
}

export async function checkServerCertificate(tx: Tx, scope: Scope, id: string | undefined): Promise<void> {
  if (id === undefined || id === '') fail('InvalidParameter', 'The specified parameter ServerCertificateId is empty.');
  if (await tx.get(KINDS.serverCertificate, scope, id)) return;
  if (await tx.get(KINDS.caCertificate, scope, id)) fail('InvalidParameter', 'The specified parameter ServerCertificateId is not Support.');
  fail('ServerCertificateId.NotFound');
}

export async function checkCACertificate(tx: Tx, scope: Scope, id: string): Promise<void> {
  if (!(await tx.get(KINDS.caCertificate, scope, id))) fail('CACertificateId.NotFound');
}

export async function checkTlsPolicy(tx: Tx, scope: Scope, name: string): Promise<void> {
  if (isBuiltinTlsPolicy(name)) return;
  if (!(await tx.get(KINDS.tlsCipherPolicy, scope, name))) fail('InvalidTLSPolicyId.NotExist');
}

// ---------------------------------------------------------------------------------------------
// Views.

const L7_HEALTH = ['HealthCheckURI', 'HealthCheckDomain', 'HealthCheckHttpCode', 'HealthCheckMethod', 'HealthCheckTimeout', 'HealthCheckInterval', 'HealthyThreshold', 'UnhealthyThreshold', 'HealthCheckConnectPort'];
const INTERNAL = new Set(['Pending', 'AccessControlStatus', 'SourceItems', 'CreateTime', 'ListenerProtocol']);

/** Fields of Describe{P}ListenerAttribute (also the nested *ListenerConfig of the list). */
export function attributeView(l: ListenerDoc): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(l)) {
    if (v === undefined || INTERNAL.has(k)) continue;
    out[k] = v;
  }
  const l7 = l.ListenerProtocol === 'http' || l.ListenerProtocol === 'https';
  // An L7 listener with health checks off shows only HealthCheck=off.
  if (l7 && l['HealthCheck'] === 'off') for (const k of L7_HEALTH) delete out[k];
  // Cookie fields only mean something with sticky sessions on.
  if (l7 && l['StickySession'] !== 'on') {
    delete out['StickySessionType'];
    delete out['CookieTimeout'];
    delete out['Cookie'];
  }
  if (l7 && l['StickySessionType'] === 'insert') delete out['Cookie'];
  if (l7 && l['StickySessionType'] === 'server') delete out['CookieTimeout'];
  if (l.ListenerProtocol === 'http' && l.ListenerForward !== 'on') delete out['ForwardPort'];
  if (l['ConnectionDrain'] !== 'on') delete out['ConnectionDrainTimeout'];
  if (l.AclStatus !== 'on') {
    delete out['AclId'];
    delete out['AclType'];
  }
  out['AclIds'] = { AclId: l.AclStatus === 'on' && l.AclId ? [l.AclId] : [] };
  return out;
}

const CONFIG_KEY: Record<Protocol, string> = { tcp: 'TCPListenerConfig', udp: 'UDPListenerConfig', http: 'HTTPListenerConfig', https: 'HTTPSListenerConfig' };
const TOP_LEVEL = ['LoadBalancerId', 'ListenerPort', 'ListenerProtocol', 'Status', 'Bandwidth', 'Scheduler', 'VServerGroupId', 'BackendServerPort', 'AclId', 'AclStatus', 'AclType', 'Description'];

/** One element of DescribeLoadBalancerListeners' bare `Listeners` array. */
export function listItemView(l: ListenerDoc, tags: { Key: string; Value: string }[]): Record<string, unknown> {
  const attr = attributeView(l);
  const item: Record<string, unknown> = {};
  for (const k of TOP_LEVEL) {
    const v = k === 'ListenerProtocol' ? l.ListenerProtocol : attr[k];
    if (v !== undefined) item[k] = v;
  }
  item['AclIds'] = (attr['AclIds'] as { AclId: string[] }).AclId;
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attr)) {
    if (TOP_LEVEL.includes(k) || k === 'AclIds' || k === 'Rules' || k === 'Tags') continue;
    config[k] = v;
  }
  if (l.ListenerProtocol === 'tcp' || l.ListenerProtocol === 'udp') config['HealthCheckSwitch'] = l['HealthCheck'];
  item[CONFIG_KEY[l.ListenerProtocol]] = config;
  item['Tags'] = tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value }));
  return item;
}

export function newListener(lbId: string, port: number, protocol: Protocol, now: number): ListenerDoc {
  return {
    LoadBalancerId: lbId,
    ListenerPort: port,
    ListenerProtocol: protocol,
    Status: 'stopped',
    ...defaultsFor(protocol),
    AccessControlStatus: 'close',
    SourceItems: [],
    CreateTime: isoSeconds(now),
  };
}

/** Legacy whitelist items: IPv4/IPv6 addresses or CIDR blocks, comma-separated. */
export function parseSourceItems(v: string): string[] {
  const items = v.split(',').map((s) => s.trim());
  // 0.0.0.0 and 0.0.0.0/0 are refused (API reference): closing the whitelist is the way to allow all
  if (items.some((s) => s === '' || s === '0.0.0.0' || s === '0.0.0.0/0' || !isAddressOrCidr(s))) fail('InvalidParameter', 'The specified SourceItems is invalid.');
  return [...new Set(items)];
}

function isAddressOrCidr(s: string): boolean {
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || addr === undefined) return false;
  const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(addr);
  const v6 = !v4 && addr.includes(':') && /^[0-9A-Fa-f:.]+$/.test(addr) && (addr.match(/::/g) ?? []).length <= 1;
  if (!v4 && !v6) return false;
  if (len === undefined) return true;
  if (!/^\d{1,3}$/.test(len)) return false;
  return Number(len) <= (v4 ? 32 : 128);
}

/**
 * The listener DescribeHealthStatus reports on when a ListenerPort is given: none on that port (of
 * that protocol) is CheckedListenerNotFound, the code the real service answers for health queries.
 */
export async function requireHealthCheckedListener(tx: Tx, scope: Scope, lbId: string, port: number, protocol?: Protocol): Promise<ListenerDoc[]> {
  const found = (await onPort(tx, scope, lbId, port)).filter((l) => !protocol || l.ListenerProtocol === protocol);
  if (found.length === 0) fail('CheckedListenerNotFound');
  return found;
}
