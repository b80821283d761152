// Forwarding rules of HTTP/HTTPS listeners (kind 'rule', id rule-…) and the shared lookups the
// rule and domain-extension actions need: the listener on a port, the load balancer's write guard,
// the VServer group a rule points at. Pure: no HTTP, only a store transaction.
// Decisions where the real service is unknown are written down in docs/rules-and-extensions.md.
import { ApiError, apiError, fail } from '../../../errors/catalog.js';
import type { JsonScalar } from '../../../util/json-param.js';
import type { Scope, Store, Tx } from '../../../state/store.js';
import { isTransitional, observe } from './listener-lifecycle.js';
import { KINDS, listenerId, type ListenerDoc, type LoadBalancerDoc } from './model.js';

/** Forwarding rules per HTTP/HTTPS listener (CLB limits page: 40, not adjustable). */
export const MAX_RULES_PER_LISTENER = 40;

/** The rule-level settings SetRule can override when ListenerSync is off. */
export const OVERRIDE_FIELDS = [
  'Scheduler',
  'StickySession',
  'StickySessionType',
  'CookieTimeout',
  'Cookie',
  'HealthCheck',
  'HealthCheckDomain',
  'HealthCheckURI',
  'HealthCheckConnectPort',
  'HealthyThreshold',
  'UnhealthyThreshold',
  'HealthCheckTimeout',
  'HealthCheckInterval',
  'HealthCheckHttpCode',
] as const;
export type OverrideField = (typeof OVERRIDE_FIELDS)[number];
const INT_FIELDS = new Set<OverrideField>(['CookieTimeout', 'HealthCheckConnectPort', 'HealthyThreshold', 'UnhealthyThreshold', 'HealthCheckTimeout', 'HealthCheckInterval']);

/** kind 'rule', id = RuleId. VServerGroupId is read by the server-group family (RspoolRuleExist). */
export interface RuleDoc {
  RuleId: string;
  RuleName: string;
  LoadBalancerId: string;
  ListenerPort: number;
  ListenerProtocol: 'http' | 'https';
  Domain?: string;
  Url?: string;
  VServerGroupId: string;
  ListenerSync: 'on' | 'off';
  Scheduler?: string;
  StickySession?: string;
  StickySessionType?: string;
  CookieTimeout?: number;
  Cookie?: string;
  HealthCheck?: string;
  HealthCheckDomain?: string;
  HealthCheckURI?: string;
  HealthCheckConnectPort?: number;
  HealthyThreshold?: number;
  UnhealthyThreshold?: number;
  HealthCheckTimeout?: number;
  HealthCheckInterval?: number;
  HealthCheckHttpCode?: string;
  CreateTime: string;
}

/** kind 'domainExtension', id = DomainExtensionId (de-…). ServerCertificateId is read by the certificate family. */
export interface DomainExtensionDoc {
  DomainExtensionId: string;
  LoadBalancerId: string;
  ListenerPort: number;
  Domain: string;
  ServerCertificateId: string;
  /** 'configuring' while a change is still being applied (DomainExtensionProcessing) */
  Status: 'normal' | 'configuring';
  CreateTime: string;
}

// ---- syntax -------------------------------------------------------------------------------------

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_RE = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`, 'i');

/** An exact host name or a leading-wildcard one (`*.example.com`), at most 80 characters. */
export function isValidDomain(d: string): boolean {
  return d.length >= 1 && d.length <= 80 && DOMAIN_RE.test(d) && d !== '*';
}

/** Rule names: 1–40 characters of letters, digits and `- / . _`. */
export function isValidRuleName(n: string): boolean {
  return /^[A-Za-z0-9\-/._]{1,40}$/.test(n);
}

/** 'ok', 'malformed' (charset, length, no leading '/') or 'unsupported' (just "/"). */
export function classifyUrl(u: string): 'ok' | 'malformed' | 'unsupported' {
  if (!/^\/[A-Za-z0-9\-/.%?#&]{0,79}$/.test(u)) return 'malformed';
  return u === '/' ? 'unsupported' : 'ok';
}

/** The identity of a rule on its listener: Domain and Url together, domains case-insensitive. */
export const ruleKey = (domain: string | undefined, url: string | undefined) => `${(domain ?? '').toLowerCase()}\u0000${url ?? ''}`;

// ---- one item of CreateRules' RuleList ------------------------------------------------------------

export interface NewRule {
  RuleName: string;
  Domain?: string;
  Url?: string;
  VServerGroupId: string;
  ListenerSync: 'on' | 'off';
  overrides: Partial<Record<OverrideField, string | number>>;
}

const ENUMS: Partial<Record<OverrideField | 'ListenerSync', string[]>> = {
  ListenerSync: ['on', 'off'],
  Scheduler: ['wrr', 'rr'],
  StickySession: ['on', 'off'],
  StickySessionType: ['insert', 'server'],
  HealthCheck: ['on', 'off'],
};
const RANGES: Partial<Record<OverrideField, [number, number]>> = {
  CookieTimeout: [1, 86400],
  HealthCheckConnectPort: [1, 65535],
  HealthyThreshold: [2, 10],
  UnhealthyThreshold: [2, 10],
  HealthCheckTimeout: [1, 300],
  HealthCheckInterval: [1, 50],
};

const text = (v: JsonScalar | undefined): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v.trim() : String(v));

/**
 * Validates one RuleList element (already parsed leniently, keys canonical). Format errors of the
 * whole list are RuleListMalformed; a bad Domain is DomainMalformed, a bad Url UrlMalformed, a Url
 * of just "/" URLNotSupport.
 */
export function parseRuleItem(item: Record<string, JsonScalar> | string): NewRule {
  if (typeof item !== 'object') fail('RuleListMalformed', 'the specified parameter RuleList is unavailable.');
  const name = text(item['RuleName']);
  const group = text(item['VServerGroupId']);
  const domain = text(item['Domain']) || undefined;
  const url = text(item['Url']) || undefined;
  if (!name || !isValidRuleName(name) || !group || (!domain && !url)) fail('RuleListMalformed', 'the specified parameter RuleList is unavailable.');
  if (domain !== undefined && !isValidDomain(domain)) fail('DomainMalformed', 'the specified domain in RuleList parameter is unavailable.');
  if (url !== undefined) {
    const c = classifyUrl(url);
    if (c === 'malformed') fail('UrlMalformed', 'the specified url in RuleList parameter is unavailable.');
    if (c === 'unsupported') fail('URLNotSupport', 'the URL in the rule is invalid.');
  }
  const sync = text(item['ListenerSync']) || 'on';
  if (!ENUMS.ListenerSync!.includes(sync)) fail('RuleListMalformed', 'the specified parameter RuleList is unavailable.');
  const overrides: NewRule['overrides'] = {};
  for (const f of OVERRIDE_FIELDS) {
    const raw = item[f];
    if (raw === undefined || raw === null || raw === '') continue;
    if (INT_FIELDS.has(f)) {
      const n = typeof raw === 'number' ? raw : /^-?\d{1,9}$/.test(String(raw).trim()) ? Number(String(raw).trim()) : NaN;
      const r = RANGES[f];
      if (!Number.isInteger(n) || (r && (n < r[0] || n > r[1]))) fail('RuleListMalformed', 'the specified parameter RuleList is unavailable.');
      overrides[f] = n;
    } else {
      const s = String(raw).trim();
      const allowed = ENUMS[f];
      if (allowed && !allowed.includes(s)) fail('RuleListMalformed', 'the specified parameter RuleList is unavailable.');
      overrides[f] = s;
    }
  }
  return { RuleName: name, Domain: domain, Url: url, VServerGroupId: group, ListenerSync: sync as 'on' | 'off', overrides };
}

// ---- lookups --------------------------------------------------------------------------------------

const PROTOCOLS = ['http', 'https', 'tcp', 'udp'] as const;

/** Write guard of a load balancer: a locked instance refuses every change. */
export function assertWritable(lb: LoadBalancerDoc): void {
  if (lb.LoadBalancerStatus === 'locked') {
    if (lb.LockReason === 'security') fail('ActionNotAllowed', 'Locked for any Operate Reason.');
    fail('ActionNotAllowed', 'Locked for any Business Reason.');
  }
}

/**
 * The listener on a port of a load balancer. With a protocol, exactly that listener; without, the
 * only listener on the port (TCP and UDP may share one: then the caller must say which).
 */
export async function findListener(tx: Tx, scope: Scope, lbId: string, port: number, protocol?: string): Promise<ListenerDoc> {
  if (protocol !== undefined && protocol !== '') {
    const p = protocol.toLowerCase();
    if (!(PROTOCOLS as readonly string[]).includes(p)) fail('InvalidParameter', 'The specified protocol is not valid.');
    const l = await tx.get<ListenerDoc>(KINDS.listener, scope, listenerId(lbId, p, port));
    if (!l) fail('ListenerNotFound', 'You have not created a listener for the specified port of the load balancer.');
    return l;
  }
  const found: ListenerDoc[] = [];
  for (const p of PROTOCOLS) {
    const l = await tx.get<ListenerDoc>(KINDS.listener, scope, listenerId(lbId, p, port));
    if (l) found.push(l);
  }
  if (found.length === 0) fail('ListenerNotFound', 'You have not created a listener for the specified port of the load balancer.');
  if (found.length > 1) fail('TooManyListeners', 'More than 1 listener is found, please be more specified.');
  return found[0]!;
}

/**
 * Rules and domain extensions change only on a listener that is not in the middle of a change.
 * Looking at the listener is an observation in the listener lifecycle (src/products/slb/services/listener-lifecycle.ts):
 * its pending change may complete now. That observation must be kept even when the call is refused,
 * so the busy error is returned, not thrown: run the transaction with `writeKeepingBusy`.
 */
export async function observeListener(tx: Tx, scope: Scope, l: ListenerDoc, now: number): Promise<ApiError | undefined> {
  if (observe(l, now)) await tx.put(KINDS.listener, scope, listenerId(l.LoadBalancerId, l.ListenerProtocol, l.ListenerPort), l);
  if (isTransitional(l.Status)) return apiError('OperationFailed.ListenerStatusNotSupport', 'The status of the listener does not support this operation. Please try again later.');
  return undefined;
}

/** Runs a write whose busy answer (returned as an ApiError) commits before it is thrown. */
export async function writeKeepingBusy<T>(store: Store, fn: (tx: Tx) => Promise<T | ApiError>): Promise<T> {
  const out = await store.write(fn);
  if (out instanceof ApiError) throw out;
  return out;
}

interface VServerGroupRef {
  VServerGroupId: string;
  LoadBalancerId: string;
}

/** A VServer group of the same load balancer; anything else is the real 404. */
export async function requireVServerGroup(tx: Tx, scope: Scope, lbId: string, id: string): Promise<void> {
  const g = await tx.get<VServerGroupRef>(KINDS.vServerGroup, scope, id);
  if (!g || g.LoadBalancerId !== lbId) fail('InvalidParameter', 'The specified VServerGroupId does not exist.');
}

export async function rulesOfListener(tx: Tx, scope: Scope, lbId: string, port: number, protocol: string): Promise<RuleDoc[]> {
  const p = protocol.toLowerCase();
  const found = await tx.query<RuleDoc>(KINDS.rule, scope, { where: { LoadBalancerId: lbId }, match: { ListenerPort: port, ListenerProtocol: p } });
  return found.map((x) => x.doc);
}

export async function domainExtensionsOfListener(tx: Tx, scope: Scope, lbId: string, port: number): Promise<DomainExtensionDoc[]> {
  return (await tx.query<DomainExtensionDoc>(KINDS.domainExtension, scope, { where: { LoadBalancerId: lbId }, match: { ListenerPort: port } })).map((x) => x.doc);
}

// ---- cascades other families call -----------------------------------------------------------------

/**
 * Deletes the rules and domain extensions of a listener. DeleteLoadBalancerListener calls it in its
 * own transaction, so the listener and everything hanging off it go together.
 */
export async function dropListenerChildren(tx: Tx, scope: Scope, lbId: string, port: number, protocol: string): Promise<{ rules: number; domainExtensions: number }> {
  const p = protocol.toLowerCase();
  let rules = 0;
  let domainExtensions = 0;
  for (const r of await rulesOfListener(tx, scope, lbId, port, p)) if (await tx.delete(KINDS.rule, scope, r.RuleId)) rules++;
  if (p === 'https') {
    for (const d of await domainExtensionsOfListener(tx, scope, lbId, port)) if (await tx.delete(KINDS.domainExtension, scope, d.DomainExtensionId)) domainExtensions++;
  }
  return { rules, domainExtensions };
}

/** Deletes everything of this family that hangs off a load balancer (DeleteLoadBalancer). */
export async function dropLoadBalancerChildren(tx: Tx, scope: Scope, lbId: string): Promise<void> {
  for (const { doc: r } of await tx.query<RuleDoc>(KINDS.rule, scope, { where: { LoadBalancerId: lbId } })) await tx.delete(KINDS.rule, scope, r.RuleId);
  for (const { doc: d } of await tx.query<DomainExtensionDoc>(KINDS.domainExtension, scope, { where: { LoadBalancerId: lbId } })) await tx.delete(KINDS.domainExtension, scope, d.DomainExtensionId);
  await tx.delete(KINDS.accessLogsDownload, scope, lbId);
}

// ---- views ----------------------------------------------------------------------------------------

/**
 * What DescribeRules / DescribeRuleAttribute show of a rule. With ListenerSync on the rule follows
 * its listener, so the scheduler, session and health-check fields are the listener's own.
 */
export function ruleView(r: RuleDoc, listener: ListenerDoc | undefined): Record<string, unknown> {
  const v: Record<string, unknown> = { RuleId: r.RuleId, RuleName: r.RuleName };
  if (r.Domain !== undefined) v['Domain'] = r.Domain;
  if (r.Url !== undefined) v['Url'] = r.Url;
  v['VServerGroupId'] = r.VServerGroupId;
  v['ListenerSync'] = r.ListenerSync;
  const src: Record<string, unknown> = r.ListenerSync === 'off' ? (r as unknown as Record<string, unknown>) : ((listener ?? {}) as Record<string, unknown>);
  for (const f of OVERRIDE_FIELDS) {
    const val = src[f];
    if (INT_FIELDS.has(f) ? typeof val === 'number' : typeof val === 'string') v[f] = val;
  }
  // As the listener Describe does: health-check details only with health checks on, cookie
  // details only with sticky sessions on and only the one the session type uses.
  if (v['HealthCheck'] === 'off') for (const f of HEALTH_DETAILS) delete v[f];
  if (v['StickySession'] !== 'on') for (const f of ['StickySessionType', 'CookieTimeout', 'Cookie']) delete v[f];
  if (v['StickySessionType'] === 'insert') delete v['Cookie'];
  if (v['StickySessionType'] === 'server') delete v['CookieTimeout'];
  return v;
}

const HEALTH_DETAILS: OverrideField[] = ['HealthCheckDomain', 'HealthCheckURI', 'HealthCheckConnectPort', 'HealthyThreshold', 'UnhealthyThreshold', 'HealthCheckTimeout', 'HealthCheckInterval', 'HealthCheckHttpCode'];
