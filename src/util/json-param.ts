// Lenient parsing of the JSON-in-a-string parameters (BackendServers, RuleList, AclEntrys, Tags…).
// Real clients send single-quoted pseudo-JSON (Terraform), lower-camel keys with unrelated extra
// fields (the Kubernetes CCM) and proper JSON (SDKs); see reference/client-behaviours.md.

export type JsonScalar = string | number | boolean | null;
export type JsonItem = Record<string, JsonScalar> | string;
export type JsonList = JsonItem[];

/** A tiny tolerant tokenizer: JSON plus single-quoted strings. Returns undefined when malformed. */
export function parseLenientJson(text: string): unknown {
  let i = 0;
  const s = text;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const fail = Symbol('fail');
  const value = (depth: number): unknown => {
    if (depth > 8) throw fail;
    ws();
    const c = s[i];
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (s[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return arr;
        }
        throw fail;
      }
    }
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (s[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        if (s[i] !== ':') throw fail;
        i++;
        obj[k] = value(depth + 1);
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return obj;
        }
        throw fail;
      }
    }
    if (c === '"' || c === "'") return str();
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(s.slice(i, i + 64));
    if (!m) throw fail;
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    return Number(m[0]);
  };
  const str = (): string => {
    const q = s[i];
    if (q !== '"' && q !== "'") throw fail;
    i++;
    let out = '';
    while (i < s.length && s[i] !== q) {
      if (s[i] === '\\') {
        const n = s[i + 1];
        if (n === undefined) throw fail;
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };
        if (n === 'u') {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw fail;
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        if (!(n in map)) throw fail;
        out += map[n];
        i += 2;
        continue;
      }
      out += s[i];
      i++;
    }
    if (s[i] !== q) throw fail;
    i++;
    return out;
  };
  try {
    const v = value(0);
    ws();
    if (i !== s.length) return undefined;
    return v;
  } catch {
    return undefined;
  }
}

export interface JsonFieldSpec {
  name: string;
  type?: string;
}

/**
 * Parses a JSON-string list parameter. Keys are matched case-insensitively to the canonical field
 * names (unknown keys dropped), null elements skipped, and numbers kept as numbers or strings as
 * given (the handler coerces with `intField`). A single object is accepted as a one-element list;
 * with `stringItemField`, a bare string element is the object `{[stringItemField]: element}`.
 * Returns undefined when the text is not (lenient) JSON or the elements are of the wrong kind.
 */
export function parseJsonList(text: string, fields: JsonFieldSpec[] | undefined, elementType?: string, stringItemField?: string): JsonList | undefined {
  const v = parseLenientJson(text);
  if (v === undefined) return undefined;
  const arr = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? [v] : undefined;
  if (!arr) return undefined;
  const out: JsonList = [];
  for (const el of arr) {
    if (el === null) continue;
    if (elementType === 'String' || !fields) {
      if (typeof el === 'string' || typeof el === 'number') out.push(String(el));
      else if (!fields) return undefined;
      else return undefined;
      continue;
    }
    if (stringItemField && typeof el === 'string') {
      out.push({ [stringItemField]: el });
      continue;
    }
    if (typeof el !== 'object' || Array.isArray(el)) return undefined;
    const item: Record<string, JsonScalar> = {};
    for (const [k, raw] of Object.entries(el as Record<string, unknown>)) {
      const f = fields.find((f) => f.name.toLowerCase() === k.toLowerCase());
      if (!f) continue;
      if (raw === null || raw === undefined) continue;
      if (typeof raw === 'object') return undefined;
      item[f.name] = raw as JsonScalar;
    }
    out.push(item);
  }
  return out;
}

/** Reads an integer field of a parsed JSON item: numbers or numeric strings. */
export function intField(item: Record<string, JsonScalar>, name: string): number | undefined | null {
  const v = item[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null; // 1e20 is not an integer we can hold
  if (typeof v === 'string' && /^-?\d{1,15}$/.test(v.trim())) return Number(v.trim());
  return null;
}

export function strField(item: Record<string, JsonScalar>, name: string): string | undefined {
  const v = item[name];
  if (v === undefined || v === null) return undefined;
  return String(v);
}
