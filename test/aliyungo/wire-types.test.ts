// OpenSLB's response trees (src/products/slb/slb-api.data.json, which shape every answer and which
// test/api/shapes.test.ts holds every answer to) against the type of every field of every response
// struct in aliyungo's slb package, read by reflection (test/aliyungo/types/main.go). aliyungo
// decodes with Go's strict encoding/json, so a field whose JSON kind differs from its Go type fails
// the whole call: no such field may exist. Fields aliyungo knows but an action does not answer are
// fine for Go (they stay zero); they are listed in the test's diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type ResponseNode } from '../../src/api/spec.js';
import { SPECS } from '../../src/products/slb/specs.js';
import { GO_MISSING, GO_READY, GO_SKIP, goEnv } from './go.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type GoField = { path: string; kind: string; go: string };
type Node = { name?: string; type: string; fields?: ResponseNode[]; itemKey?: string; items?: Node };
const KIND: Record<string, string> = { Integer: 'int', Long: 'int', Float: 'float', Double: 'float', String: 'string', Boolean: 'bool', Object: 'object', List: 'object', Array: 'array' };

/** The tree flattened to the same paths the Go program prints: a List `N` with item key `K` is
 *  the object `N`, the array `N.K` and its items `N.K[]`. */
function flatten(nodes: Node[] | undefined, prefix: string, out: Map<string, string>) {
  for (const f of nodes ?? []) {
    const p = prefix + f.name;
    out.set(p, KIND[f.type] ?? f.type);
    if (f.type === 'Object') flatten(f.fields, `${p}.`, out);
    if (f.type === 'List') {
      const k = `${p}.${f.itemKey ?? 'Item'}`;
      out.set(k, 'array');
      if (f.items) item(f.items, `${k}[]`, out);
    }
    if (f.type === 'Array') {
      out.set(p, 'array');
      if (f.items) item(f.items, `${p}[]`, out);
    }
  }
  return out;
}
function item(n: Node, p: string, out: Map<string, string>) {
  out.set(p, KIND[n.type] ?? n.type);
  flatten(n.fields, `${p}.`, out);
}
const decodes = (go: string, ours: string) => go === ours || (go === 'float' && ours === 'int') || (go === 'time' && (ours === 'int' || ours === 'string'));

test('every field aliyungo decodes has the wire type OpenSLB answers', { skip: GO_SKIP }, (t) => {
  assert.ok(GO_READY, GO_MISSING);
  const r = spawnSync('go', ['run', './test/aliyungo/types'], { cwd: ROOT, env: goEnv(), encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, `go run ./test/aliyungo/types failed:\n${r.stderr}`);
  const goTypes = JSON.parse(r.stdout) as Record<string, GoField[]>;
  assert.ok(Object.keys(goTypes).length >= 50, 'the Go program lists the slb package response structs');
  const wrong: string[] = [];
  const absent: string[] = [];
  for (const [action, fields] of Object.entries(goTypes)) {
    const spec = SPECS[action];
    assert.ok(spec, `aliyungo calls ${action}, which OpenSLB does not serve`);
    const ours = flatten(spec.response.fields as Node[], '', new Map());
    for (const f of fields) {
      const o = ours.get(f.path);
      if (o === undefined) absent.push(`${action}: ${f.path} (${f.go})`);
      else if (!decodes(f.kind, o)) wrong.push(`${action}: ${f.path} is ${o} on the wire, aliyungo decodes ${f.go}`);
    }
  }
  t.diagnostic(`fields aliyungo knows that these actions do not answer (decoded as zero values): ${absent.length}`);
  for (const a of absent) t.diagnostic(`  ${a}`);
  assert.deepEqual(wrong, []);
});
