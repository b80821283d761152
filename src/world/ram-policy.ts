// The RAM policy language as OpenSLB evaluates it (docs/accounts-and-ram.md §3). Pure: no store,
// no HTTP. A policy document is validated once when the operator stores it; evaluation takes the
// parsed form.
import { parseAnyIp, parseCidr, parseIp } from './ipv4.js';

export type Effect = 'Allow' | 'Deny';
/** operator → key → accepted values */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface Statement {
  Effect: Effect;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  Version: '1';
  Statement: Statement[];
}

export class PolicyError extends Error {}

const STRING_OPS = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'];
const DATE_OPS = ['DateEquals', 'DateNotEquals', 'DateLessThan', 'DateLessThanEquals', 'DateGreaterThan', 'DateGreaterThanEquals'];
const NUMERIC_OPS = ['NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals'];
export const CONDITION_OPERATORS: readonly string[] = [...STRING_OPS, ...DATE_OPS, ...NUMERIC_OPS, 'Bool', 'IpAddress', 'NotIpAddress'];

/** Condition keys OpenSLB fills in (case-insensitive; `…/<TagKey>` keys take the tag key after the slash). */
export const CONDITION_KEYS: readonly string[] = ['acs:SourceIp', 'acs:CurrentTime', 'acs:SecureTransport', 'acs:MFAPresent', 'acs:AccessId', 'slb:tag/<TagKey>', 'acs:ResourceTag/<TagKey>', 'acs:RequestTag/<TagKey>'];

const MAX_DOC_CHARS = 6144; // RAM's limit on a custom policy document

function strings(v: unknown, what: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.length) throw new PolicyError(`${what} must not be empty`);
  return list.map((x) => {
    if (typeof x === 'string') return x;
    if (typeof x === 'number' || typeof x === 'boolean') return String(x);
    throw new PolicyError(`${what} must be a string or a list of strings`);
  });
}

function ciGet(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : o[k];
}

/** Parses and validates a policy document (a JSON string or an already parsed object). */
export function parsePolicy(input: unknown): PolicyDocument {
  let raw = input;
  if (typeof input === 'string') {
    if (input.length > MAX_DOC_CHARS) throw new PolicyError(`the policy document is longer than ${MAX_DOC_CHARS} characters`);
    try {
      raw = JSON.parse(input);
    } catch {
      throw new PolicyError('the policy document is not valid JSON');
    }
  } else if (JSON.stringify(input ?? null).length > MAX_DOC_CHARS) throw new PolicyError(`the policy document is longer than ${MAX_DOC_CHARS} characters`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new PolicyError('the policy document must be a JSON object');
  const doc = raw as Record<string, unknown>;
  if (String(ciGet(doc, 'Version')) !== '1') throw new PolicyError('Version must be "1"');
  const st = ciGet(doc, 'Statement');
  const list = Array.isArray(st) ? st : st && typeof st === 'object' ? [st] : undefined;
  if (!list || !list.length) throw new PolicyError('Statement must be a non-empty list');
  return { Version: '1', Statement: list.map((s, i) => parseStatement(s, i)) };
}

function parseStatement(s: unknown, i: number): Statement {
  const at = `Statement[${i}]`;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new PolicyError(`${at} must be an object`);
  const o = s as Record<string, unknown>;
  const effect = ciGet(o, 'Effect');
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyError(`${at}.Effect must be Allow or Deny`);
  const out: Statement = { Effect: effect };
  const action = ciGet(o, 'Action');
  const notAction = ciGet(o, 'NotAction');
  if ((action === undefined) === (notAction === undefined)) throw new PolicyError(`${at} needs exactly one of Action and NotAction`);
  if (action !== undefined) out.Action = strings(action, `${at}.Action`);
  if (notAction !== undefined) out.NotAction = strings(notAction, `${at}.NotAction`);
  for (const a of [...(out.Action ?? []), ...(out.NotAction ?? [])]) {
    if (a !== '*' && !/^[A-Za-z0-9*?-]+:[A-Za-z0-9*?]+$/.test(a)) throw new PolicyError(`${at}: action "${a}" is not of the form service:Action`);
  }
  const resource = ciGet(o, 'Resource');
  const notResource = ciGet(o, 'NotResource');
  if ((resource === undefined) === (notResource === undefined)) throw new PolicyError(`${at} needs exactly one of Resource and NotResource`);
  if (resource !== undefined) out.Resource = strings(resource, `${at}.Resource`);
  if (notResource !== undefined) out.NotResource = strings(notResource, `${at}.NotResource`);
  for (const r of [...(out.Resource ?? []), ...(out.NotResource ?? [])]) {
    if (r !== '*' && !r.startsWith('acs:')) throw new PolicyError(`${at}: resource "${r}" must be "*" or an ARN starting with acs:`);
  }
  const cond = ciGet(o, 'Condition');
  if (cond !== undefined) {
    if (typeof cond !== 'object' || cond === null || Array.isArray(cond)) throw new PolicyError(`${at}.Condition must be an object`);
    const block: ConditionBlock = {};
    for (const [op, keys] of Object.entries(cond as Record<string, unknown>)) {
      const canonical = CONDITION_OPERATORS.find((x) => x.toLowerCase() === op.toLowerCase());
      if (!canonical) throw new PolicyError(`${at}: unknown condition operator ${op}`);
      if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new PolicyError(`${at}.Condition.${op} must be an object`);
      const entry: Record<string, string[]> = (block[canonical] ??= {});
      for (const [k, v] of Object.entries(keys as Record<string, unknown>)) {
        const values = strings(v, `${at}.Condition.${op}.${k}`);
        if (canonical === 'IpAddress' || canonical === 'NotIpAddress') {
          for (const x of values) if (!ipMatcher(x)) throw new PolicyError(`${at}: "${x}" is not an IPv4 address or CIDR block`);
        }
        if (DATE_OPS.includes(canonical)) {
          for (const x of values) if (Number.isNaN(Date.parse(x))) throw new PolicyError(`${at}: "${x}" is not an ISO 8601 date`);
        }
        if (canonical === 'Bool') {
          for (const x of values) if (!/^(true|false)$/i.test(x)) throw new PolicyError(`${at}: Bool values are true or false`);
        }
        entry[k] = values;
      }
    }
    out.Condition = block;
  }
  return out;
}

// -- matching

const patternCache = new Map<string, RegExp>();
/** `*` any run of characters, `?` exactly one. */
export function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patternCache.get(key);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (patternCache.size > 5000) patternCache.clear();
    patternCache.set(key, re);
  }
  return re.test(value);
}

function ipMatcher(s: string): ((ip: number) => boolean) | undefined {
  if (s.includes('/')) {
    const m = /^([\d.]+)\/(\d{1,2})$/.exec(s.trim());
    if (!m || Number(m[2]) > 32 || parseIp(m[1]) === undefined) return undefined;
    // host bits set in a policy block are tolerated: the block is the one they fall in
    const size = 2 ** (32 - Number(m[2]));
    const base = Math.floor(parseIp(m[1])! / size) * size;
    const c = parseCidr(`${[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, base & 255].join('.')}/${m[2]}`)!;
    return (ip) => ip >= c.first && ip <= c.last;
  }
  const one = parseIp(s);
  return one === undefined ? undefined : (ip) => ip === one;
}

/** What a request offers to conditions. Keys are compared case-insensitively. */
export interface RequestContext {
  /** `slb:CreateLoadBalancer` */
  action: string;
  sourceIp?: string;
  /** ms since the epoch */
  currentTime: number;
  secureTransport: boolean;
  accessKeyId: string;
  /** Tag.N of a create call (acs:RequestTag/…) */
  requestTags?: Record<string, string>;
}

export interface ResourceRef {
  arn: string;
  /** the resource's own tags, when it exists (slb:tag/…, acs:ResourceTag/…) */
  tags?: Record<string, string>;
}

function contextValues(key: string, req: RequestContext, res: ResourceRef): string[] | undefined {
  const k = key.toLowerCase();
  const tagOf = (m: Record<string, string> | undefined, tk: string) => {
    if (!m) return undefined;
    const hit = Object.keys(m).find((x) => x === tk) ?? Object.keys(m).find((x) => x.toLowerCase() === tk.toLowerCase());
    return hit === undefined ? undefined : [m[hit]!];
  };
  if (k === 'acs:sourceip') return req.sourceIp ? [req.sourceIp] : undefined;
  if (k === 'acs:currenttime') return [new Date(req.currentTime).toISOString()];
  if (k === 'acs:securetransport') return [String(req.secureTransport)];
  if (k === 'acs:mfapresent') return ['false'];
  if (k === 'acs:accessid') return [req.accessKeyId];
  if (k.startsWith('slb:tag/')) return tagOf(res.tags, key.slice('slb:tag/'.length));
  if (k.startsWith('acs:resourcetag/')) return tagOf(res.tags, key.slice('acs:resourcetag/'.length));
  if (k.startsWith('acs:requesttag/')) return tagOf(req.requestTags, key.slice('acs:requesttag/'.length));
  return undefined;
}

function cmpNum(op: string, a: number, b: number): boolean {
  switch (op.replace(/^(Date|Numeric)/, '')) {
    case 'Equals':
      return a === b;
    case 'NotEquals':
      return a !== b;
    case 'LessThan':
      return a < b;
    case 'LessThanEquals':
      return a <= b;
    case 'GreaterThan':
      return a > b;
    default:
      return a >= b;
  }
}

function one(op: string, actual: string, expected: string): boolean {
  switch (op) {
    case 'StringEquals':
    case 'StringNotEquals':
      return actual === expected;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return actual.toLowerCase() === expected.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return wildcard(expected, actual, false);
    case 'Bool':
      return actual.toLowerCase() === expected.toLowerCase();
    case 'IpAddress':
    case 'NotIpAddress': {
      const ip = parseAnyIp(actual);
      return ip !== undefined && !!ipMatcher(expected)?.(ip.ip);
    }
    default: {
      if (DATE_OPS.includes(op)) return cmpNum(op, Date.parse(actual), Date.parse(expected));
      const a = Number(actual);
      const b = Number(expected);
      return Number.isFinite(a) && Number.isFinite(b) && cmpNum(op, a, b);
    }
  }
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NotIpAddress']);

/** Every operator and key must hold; within a key any value may match (none, for negated operators). */
export function conditionHolds(block: ConditionBlock | undefined, req: RequestContext, res: ResourceRef): boolean {
  if (!block) return true;
  for (const [op, keys] of Object.entries(block)) {
    for (const [key, values] of Object.entries(keys)) {
      const actual = contextValues(key, req, res);
      if (actual === undefined) return false; // a key the request does not have: the condition fails
      const anyMatch = actual.some((a) => values.some((v) => one(op, a, v)));
      if (NEGATED.has(op) ? anyMatch : !anyMatch) return false;
    }
  }
  return true;
}

function statementApplies(s: Statement, req: RequestContext, res: ResourceRef): boolean {
  const actionHit = (list: string[]) => list.some((p) => wildcard(p, req.action, true));
  if (s.Action && !actionHit(s.Action)) return false;
  if (s.NotAction && actionHit(s.NotAction)) return false;
  const resHit = (list: string[]) => list.some((p) => wildcard(p, res.arn, false));
  if (s.Resource && !resHit(s.Resource)) return false;
  if (s.NotResource && resHit(s.NotResource)) return false;
  return conditionHolds(s.Condition, req, res);
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/**
 * RAM evaluation: for each resource the action names, an explicit Deny in any policy wins; otherwise
 * some Allow must cover it. The call is allowed only when every resource is allowed.
 */
export function evaluate(policies: readonly PolicyDocument[], req: RequestContext, resources: readonly ResourceRef[]): Decision {
  let allowedAll = true;
  for (const res of resources) {
    let allowed = false;
    for (const p of policies) {
      for (const s of p.Statement) {
        if (!statementApplies(s, req, res)) continue;
        if (s.Effect === 'Deny') return 'ExplicitDeny';
        allowed = true;
      }
    }
    if (!allowed) allowedAll = false;
  }
  return allowedAll && resources.length > 0 ? 'Allow' : 'ImplicitDeny';
}
