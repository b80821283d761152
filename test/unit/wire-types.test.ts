// One field, one type: every response field name has the same wire type in every action that
// answers it (all 93 response trees, at any depth), but for the exceptions written down in
// reference/wire-types.json. The decisions themselves are applied by scripts/gen-specs.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { type ResponseNode } from '../../src/api/spec.js';
import { SPECS } from '../../src/products/slb/specs.js';

const wire = JSON.parse(readFileSync(new URL('../../reference/wire-types.json', import.meta.url), 'utf8')) as {
  decisions: { field: string; type: string; actions: string[] }[];
  exceptions: { field: string; type: string; actions: string[] }[];
};
type Node = { name?: string; type: string; fields?: ResponseNode[]; items?: Node };
const CONTAINERS = new Set(['List', 'Object', 'Array']);
// Integer and Long are the same on the wire (a JSON number without a fraction)
const wireType = (t: string) => (t === 'Long' ? 'Integer' : t);

function leaves(action: string, nodes: Node[] | undefined, path: string, out: { action: string; path: string; name: string; type: string }[]) {
  for (const f of nodes ?? []) {
    const p = `${path}${f.name}`;
    if (!CONTAINERS.has(f.type)) out.push({ action, path: p, name: f.name!, type: f.type });
    leaves(action, f.fields, `${p}.`, out);
    leaves(action, f.items?.fields, `${p}[].`, out);
  }
  return out;
}
const all = Object.entries(SPECS).flatMap(([a, s]) => leaves(a, s.response.fields as Node[], '', []));
const isException = (l: { action: string; name: string }) => wire.exceptions.some((e) => e.field === l.name && e.actions.includes(l.action));

test('every response field name has one wire type across all actions', () => {
  const byName = new Map<string, Map<string, string[]>>();
  for (const l of all) {
    if (isException(l)) continue;
    const types = byName.get(l.name) ?? new Map<string, string[]>();
    byName.set(l.name, types);
    types.set(wireType(l.type), [...(types.get(wireType(l.type)) ?? []), `${l.action}:${l.path}`]);
  }
  const conflicts = [...byName].filter(([, t]) => t.size > 1).map(([n, t]) => `${n}: ${[...t].map(([ty, where]) => `${ty} in ${where.slice(0, 4).join(', ')}${where.length > 4 ? ` (+${where.length - 4})` : ''}`).join(' / ')}`);
  assert.deepEqual(conflicts, []);
});

test('the wire-type decisions are applied to the generated trees', () => {
  for (const d of wire.decisions) {
    const hits = all.filter((l) => l.name === d.field && (d.actions.includes('*') || d.actions.includes(l.action)));
    assert.ok(hits.length > 0, `${d.field}: no field in ${d.actions.join(', ')}`);
    for (const h of hits) assert.equal(h.type, d.type, `${h.action}:${h.path}`);
  }
});

test('each exception is a real field with the type it states', () => {
  for (const e of wire.exceptions) {
    for (const a of e.actions) {
      const hits = all.filter((l) => l.action === a && l.name === e.field);
      assert.ok(hits.length > 0, `${a} has no ${e.field}`);
      for (const h of hits) assert.equal(h.type, e.type, `${h.action}:${h.path}`);
    }
  }
});
