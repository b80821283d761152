// Shapes a handler's result by the action's response tree (from the Go SDK models): integers are
// JSON numbers, strings are strings, and every top-level list wrapper is present even when empty
// (Terraform's JSONPath lookups fail on a missing key).
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
      const inner = Array.isArray(v) ? v : (v as Record<string, unknown>)[key];
      const arr = Array.isArray(inner) ? inner : [];
      return { [key]: arr.map((x) => (n.items ? coerce(n.items, x) : x)) };
    }
    case 'Array': {
      const n = node as ResponseNode;
      return Array.isArray(v) ? v.map((x) => (n.items ? coerce(n.items, x) : x)) : v;
    }
    default:
      return v;
  }
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
  const out: Record<string, unknown> = {};
  const byName = fieldsByName(fields);
  const src = v as Record<string, unknown>;
  // (for…in, not Object.entries: a page of 100 load balancers made thousands of [key, value] pairs)
  for (const k in src) {
    if (!Object.hasOwn(src, k)) continue;
    const val = src[k];
    if (val === undefined) continue;
    const f = byName.get(k);
    out[k] = f ? coerce(f, val) : val;
  }
  return out;
}

export function shapeResponse(fields: ResponseNode[], result: Record<string, unknown>): Record<string, unknown> {
  const out = shapeObject(fields, result) as Record<string, unknown>;
  for (const f of fields) {
    // Fields only the old SDK's merged structs carry are not part of this action's real answer.
    if (f.inV2Model === false) continue;
    if (f.type === 'List' && out[f.name] === undefined) out[f.name] = { [f.itemKey ?? 'Item']: [] };
    if (f.type === 'Array' && f.wrapper === false && out[f.name] === undefined) out[f.name] = [];
  }
  return out;
}
