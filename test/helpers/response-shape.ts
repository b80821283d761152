// Field-by-field check of a response body against the action's response tree in slb-api.json
// (via src/products/slb/slb-api.data.json): every field is declared there and has the declared JSON type
// (String → string, Integer/Long → number, Boolean → boolean, List → {ItemKey: [...]},
// Array → bare array, Object → nested check). Returns the problems found, [] when it conforms.
import { type ResponseNode } from '../../src/api/spec.js';
import { SPECS } from '../../src/products/slb/specs.js';

type Node = ResponseNode | { type: string; fields?: ResponseNode[]; itemKey?: string; items?: ResponseNode['items'] };

function check(node: Node, v: unknown, path: string, out: string[]): void {
  switch (node.type) {
    case 'String':
      if (typeof v !== 'string') out.push(`${path}: expected string, got ${JSON.stringify(v)}`);
      return;
    case 'Integer':
    case 'Long':
    case 'Float':
      if (typeof v !== 'number') out.push(`${path}: expected number, got ${JSON.stringify(v)}`);
      return;
    case 'Boolean':
      if (typeof v !== 'boolean') out.push(`${path}: expected boolean, got ${JSON.stringify(v)}`);
      return;
    case 'Object':
      fields(node.fields ?? [], v, path, out);
      return;
    case 'List': {
      const key = node.itemKey ?? 'Item';
      const inner = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
      if (!Array.isArray(inner) || Object.keys(v as object).length !== 1) {
        out.push(`${path}: expected {${key}: [...]}, got ${JSON.stringify(v)}`);
        return;
      }
      inner.forEach((x, i) => node.items && check(node.items, x, `${path}.${key}[${i}]`, out));
      return;
    }
    case 'Array':
      if (!Array.isArray(v)) {
        out.push(`${path}: expected a bare array, got ${JSON.stringify(v)}`);
        return;
      }
      v.forEach((x, i) => node.items && check(node.items, x, `${path}[${i}]`, out));
      return;
    default:
  }
}

function fields(decl: ResponseNode[], v: unknown, path: string, out: string[]): void {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    out.push(`${path}: expected an object, got ${JSON.stringify(v)}`);
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    const f = decl.find((d) => d.name === k);
    if (!f) {
      out.push(`${path}.${k}: not in the response tree`);
      continue;
    }
    check(f, val, `${path}.${k}`, out);
  }
}

/** Problems of `body` against the response tree of `action`; `required` fields must be present. */
export function shapeProblems(action: string, body: Record<string, unknown>, required: string[] = []): string[] {
  const spec = SPECS[action];
  if (!spec) return [`${action}: no spec`];
  const out: string[] = [];
  fields(spec.response.fields, body, action, out);
  for (const r of required) if (!(r in body)) out.push(`${action}.${r}: missing`);
  return out;
}
