// Shapes a handler's result by the action's response tree (from the Go SDK models): integers are
// JSON numbers, strings are strings, and every top-level list wrapper is present even when empty
// (Terraform's JSONPath lookups fail on a missing key).
//
// A value that already has its shape comes back as itself, not as a copy: a page of 100 load
// balancers is about a thousand objects, and copying each of them again was a large part of what a
// page read allocated (the scavenges that follow are most of the page reads' tail). Nothing here
// changes a value it was given; an object is copied from its first field that changes.
import type { ResponseNode } from './spec.js';

function coerce(node: ResponseNode | { type: string; fields?: ResponseNode[] }, v: unknown): unknown {
  if (v === undefined || v === null) return v;
  switch (node.type) {
    case 'Integer':
    case 'Long':
    case 'Float': {
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      return v;
    }
    case 'String':
      return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
    case 'Boolean':
      return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : v;
    case 'Object':
      return shapeObject(node.fields ?? [], v);
    case 'List': {
      const n = node as ResponseNode;
      const key = n.itemKey ?? 'Item';
      if (Array.isArray(v)) return { [key]: shapeItems(n, v) };
      const inner = (v as Record<string, unknown>)[key];
      if (!Array.isArray(inner)) return { [key]: [] };
      const items = shapeItems(n, inner);
      // already `{ [key]: [...] }` and nothing else: itself
      return items === inner && onlyKey(v as Record<string, unknown>, key) ? v : { [key]: items };
    }
    case 'Array': {
      const n = node as ResponseNode;
      return Array.isArray(v) ? shapeItems(n, v) : v;
    }
    default:
      return v;
  }
}

/** The items shaped: `arr` itself when none changed. */
function shapeItems(n: ResponseNode, arr: unknown[]): unknown[] {
  if (!n.items) return arr;
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const x = arr[i];
    const y = coerce(n.items, x);
    if (out) out.push(y);
    else if (y !== x) {
      out = arr.slice(0, i);
      out.push(y);
    }
  }
  return out ?? arr;
}

function onlyKey(o: Record<string, unknown>, key: string): boolean {
  for (const k in o) if (k !== key && Object.hasOwn(o, k)) return false;
  return true;
}

/** Field lookup per response-tree node, built once (the trees are static). */
const fieldMaps = new WeakMap<ResponseNode[], Map<string, ResponseNode>>();
function fieldsByName(fields: ResponseNode[]): Map<string, ResponseNode> {
  let m = fieldMaps.get(fields);
  if (!m) fieldMaps.set(fields, (m = new Map(fields.map((f) => [f.name, f]))));
  return m;
}

function shapeObject(fields: ResponseNode[], v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  const byName = fieldsByName(fields);
  const src = v as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  // for…in, not Object.entries (no [key, value] pair per field); fields left undefined are dropped
  for (const k in src) {
    if (!Object.hasOwn(src, k)) continue;
    const val = src[k];
    const f = byName.get(k);
    const shaped = val === undefined ? undefined : f ? coerce(f, val) : val;
    if (out) {
      if (shaped !== undefined) out[k] = shaped;
    } else if (shaped !== val || val === undefined) {
      // the first change: the fields before it as they were
      out = {};
      for (const j in src) {
        if (j === k) break;
        if (Object.hasOwn(src, j) && src[j] !== undefined) out[j] = src[j];
      }
      if (shaped !== undefined) out[k] = shaped;
    }
  }
  return out ?? src;
}

export function shapeResponse(fields: ResponseNode[], result: Record<string, unknown>): Record<string, unknown> {
  let out = shapeObject(fields, result) as Record<string, unknown>;
  for (const f of fields) {
    // Fields only the old SDK's merged structs carry are not part of this action's real answer.
    if (f.inV2Model === false) continue;
    const missing = (f.type === 'List' || (f.type === 'Array' && f.wrapper === false)) && out[f.name] === undefined;
    if (!missing) continue;
    // (the top level is the handler's own object: added to a copy all the same)
    if (out === result) out = { ...result };
    out[f.name] = f.type === 'List' ? { [f.itemKey ?? 'Item']: [] } : [];
  }
  return out;
}
