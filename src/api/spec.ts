// Declarative parameter specs, read from src/products/slb/slb-api.data.json (generated from
// reference/slb-api.json), and the one validator every action goes through.
import { ApiError, apiError } from '../errors/catalog.js';
import { parseJsonList, type JsonFieldSpec } from '../util/json-param.js';

export interface ParamSpec {
  name: string;
  type: 'String' | 'Integer' | 'Long' | 'Boolean' | 'RepeatList' | string;
  required: boolean | 'conditional';
  enum?: (string | number | boolean)[];
  default?: unknown;
  min?: number;
  max?: number;
  specialValues?: number[];
  rangeWhen?: { when: string; min: number; max: number }[];
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  requiredWhen?: string;
  /** 'comma-separated': the value is a list whose items are checked against `enum` one by one */
  listEncoding?: string;
  repeat?: { wire: string; elementFields?: (JsonFieldSpec & { maxLength?: number })[] };
  jsonString?: { encoding: string; maxItems?: number; elementFields?: JsonFieldSpec[]; elementType?: string; /** a bare string element stands for an object with only this field (a legacy form) */ stringItemField?: string };
}

export interface ResponseNode {
  name: string;
  type: string;
  itemKey?: string;
  wrapper?: boolean;
  /** false: only in the old SDK's merged model, not in this action's own */
  inV2Model?: boolean;
  fields?: ResponseNode[];
  items?: { type: string; fields?: ResponseNode[] };
}

export interface ActionSpec {
  params: ParamSpec[];
  sdkExtraParams: string[];
  response: { root: string; fields: ResponseNode[] };
}


/** Per-parameter error choices where the real service answers something more specific. */
export interface ParamErrors {
  /** wrong type, enum or range */
  invalid?: () => ApiError;
  /** string too long/short */
  length?: () => ApiError;
  /** JSON string that does not parse */
  malformed?: () => ApiError;
  /** more list items than allowed */
  tooMany?: () => ApiError;
  /** absent while required */
  missing?: () => ApiError;
  /**
   * Accept the parameter absent although the spec marks it required; the handler decides
   * (e.g. Terraform's trailing chunk without BackendServers, see docs/server-groups.md).
   */
  absentOk?: boolean;
}

const missing = (name: string) => apiError('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name });
// Values the gateway cannot read as the declared type (not a number, not a boolean).
const badType = () => apiError('InvalidParameter', 'Specified parameter is not valid.');
// Well-typed values outside the documented enum or range.
const badValue = () => apiError('InvalidParameter', 'The specified parameter is not valid.');
const badLength = () => apiError('InvalidParameterLength', 'The specified parameter length is not valid.');

/** Evaluates the simple conditions used in the spec data: `A=x`, `A=x and B=y`, `A absent`. */
export function conditionHolds(cond: string, raw: Record<string, string>): boolean | undefined {
  const parts = cond.split(/\s+and\s+/);
  for (const part of parts) {
    let m = /^(\w+)=(\S+)$/.exec(part.trim());
    if (m) {
      if (raw[m[1]!] !== m[2]) return false;
      continue;
    }
    m = /^(\w+) absent$/.exec(part.trim());
    if (m) {
      if (raw[m[1]!] !== undefined && raw[m[1]!] !== '') return false;
      continue;
    }
    return undefined; // a condition we cannot evaluate (e.g. about the endpoint): not enforced
  }
  return true;
}

const INT_RE = /^-?\d{1,16}$/;

function parseInteger(v: string): number | undefined {
  const t = v.trim();
  if (!INT_RE.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

function readRepeat(p: ParamSpec, raw: Record<string, string>, errs: ParamErrors): unknown[] | undefined {
  const prefix = `${p.name}.`;
  const byIndex = new Map<number, Record<string, string> | string>();
  for (const [k, v] of Object.entries(raw)) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const m = /^(\d{1,4})(?:\.(\w+))?$/.exec(rest);
    if (!m) continue;
    const idx = Number(m[1]);
    if (idx < 1) continue;
    const fields = p.repeat?.elementFields;
    if (fields && fields.length) {
      if (!m[2]) continue;
      const f = fields.find((f) => f.name.toLowerCase() === m[2]!.toLowerCase());
      if (!f) continue;
      const cur = byIndex.get(idx);
      const obj = typeof cur === 'object' ? cur : {};
      obj[f.name] = v;
      byIndex.set(idx, obj);
    } else if (!m[2]) {
      byIndex.set(idx, v);
    }
  }
  if (byIndex.size === 0) return undefined;
  const items = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  if (p.maxItems !== undefined && items.length > p.maxItems) throw (errs.tooMany ?? badValue)();
  for (const it of items) {
    if (typeof it === 'object') {
      for (const f of p.repeat?.elementFields ?? []) {
        const val = it[f.name];
        if (val !== undefined && f.maxLength !== undefined && [...val].length > f.maxLength) throw (errs.length ?? badLength)();
      }
    }
  }
  return items;
}

/**
 * Parses and validates the raw wire parameters of an action against its spec. Unknown parameters
 * are ignored (as the real service does). Throws a catalog ApiError on the first violation.
 */
export function parseParams(action: string, raw: Record<string, string>, overrides: Record<string, ParamErrors>, spec: ActionSpec | undefined): Record<string, unknown> {
  if (!spec) return {};
  const out: Record<string, unknown> = {};
  // Clients disagree on the casing of a few names (`healthCheckInterval` in the SDK's TCP/UDP
  // create vs `HealthCheckInterval` from Terraform, dataplane.md §0.12): a parameter the spec names
  // is also read under another casing when the exact name is absent.
  const lower = new Map<string, string>();
  for (const k of Object.keys(raw)) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), k);
  for (const p of spec.params) {
    if (p.type === 'RepeatList' || raw[p.name] !== undefined) continue;
    const alt = lower.get(p.name.toLowerCase());
    if (alt !== undefined) raw = { ...raw, [p.name]: raw[alt]! };
  }
  const present = (n: string) => raw[n] !== undefined && raw[n] !== '';
  // Required parameters first, so a request missing one always gets MissingParameter.
  for (const p of spec.params) {
    const errs = overrides[p.name] ?? {};
    if (p.type === 'RepeatList') {
      const has = Object.keys(raw).some((k) => k.startsWith(`${p.name}.`));
      if (p.required === true && !has) throw (errs.missing ?? (() => missing(`${p.name}.1`)))();
      continue;
    }
    let req = p.required === true;
    if (p.required === 'conditional' && p.requiredWhen) req = conditionHolds(p.requiredWhen, raw) === true;
    // A JSON-string parameter holding only white space carries nothing: it is missing too.
    const given = present(p.name) && !(p.jsonString && raw[p.name]!.trim() === '');
    if (req && !given && !errs.absentOk) throw (errs.missing ?? (() => missing(p.name)))();
  }
  for (const p of spec.params) {
    const errs = overrides[p.name] ?? {};
    if (p.type === 'RepeatList') {
      const items = readRepeat(p, raw, errs);
      if (items !== undefined) out[p.name] = items;
      continue;
    }
    const v = raw[p.name];
    if (v === undefined) continue;
    if (p.type === 'Integer' || p.type === 'Long') {
      if (v === '') continue;
      const n = parseInteger(v);
      if (n === undefined) throw (errs.invalid ?? badType)();
      const special = p.specialValues?.includes(n) ?? false;
      if (!special) {
        let min = p.min;
        let max = p.max;
        for (const rw of p.rangeWhen ?? []) {
          if (conditionHolds(rw.when, raw) === true) {
            min = rw.min;
            max = rw.max;
          }
        }
        if ((min !== undefined && n < min) || (max !== undefined && n > max)) throw (errs.invalid ?? badValue)();
      }
      if (p.enum && !p.enum.map(String).includes(String(n))) throw (errs.invalid ?? badValue)();
      out[p.name] = n;
      continue;
    }
    if (p.type === 'Boolean') {
      if (v === '') continue;
      const t = v.trim().toLowerCase();
      if (t !== 'true' && t !== 'false') throw (errs.invalid ?? badType)();
      out[p.name] = t === 'true';
      continue;
    }
    // String (possibly JSON-in-a-string)
    if (p.jsonString) {
      if (v.trim() === '') continue;
      const list = parseJsonList(v, p.jsonString.elementFields, p.jsonString.elementType, p.jsonString.stringItemField);
      if (!list) throw (errs.malformed ?? badValue)();
      const max = p.jsonString.maxItems ?? p.maxItems;
      if (max !== undefined && list.length > max) throw (errs.tooMany ?? badValue)();
      out[p.name] = list;
      continue;
    }
    if (p.enum && v !== '') {
      const allowed = p.enum.map(String);
      const items = p.listEncoding === 'comma-separated' ? v.split(',') : [v];
      if (!items.every((x) => allowed.includes(x))) throw (errs.invalid ?? badValue)();
    }
    const len = [...v].length;
    if (v !== '' && ((p.maxLength !== undefined && len > p.maxLength) || (p.minLength !== undefined && len < p.minLength))) {
      throw (errs.length ?? badLength)();
    }
    out[p.name] = v;
  }
  return out;
}
