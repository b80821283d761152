// For each product beside SLB (VPC 2016-04-28, ECS 2014-05-26, Location 2015-06-12): copies the
// parameter specs and response trees of reference/<product>-api.json into
// src/products/<product>/specs.data.json, and collects the errors its actions publish into
// src/products/<product>/catalog.data.json (code, HTTP status, message; deduplicated). Run by
// `npm run gen`; the output is committed so the server reads no reference data at run time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ref = resolve(process.argv[2] ?? 'reference');
interface RefError { http: number; code: string; message: string }
interface RefAction { params: unknown[]; sdkExtraParams?: string[]; response: unknown; errors?: RefError[] }

for (const product of ['vpc', 'ecs', 'location']) {
  const api = JSON.parse(readFileSync(`${ref}/${product}-api.json`, 'utf8')) as Record<string, RefAction>;
  const specs: Record<string, unknown> = {};
  const catalog = new Map<string, { code: string; http: number; message: string; descriptionZh: string; source: 'action'; actions: string[] }>();
  for (const name of Object.keys(api).sort()) {
    const a = api[name]!;
    specs[name] = { params: a.params, sdkExtraParams: a.sdkExtraParams ?? [], response: a.response };
    for (const e of a.errors ?? []) {
      const key = `${e.code}\u0000${e.message}`;
      const entry = catalog.get(key) ?? { code: e.code, http: e.http, message: e.message, descriptionZh: '', source: 'action' as const, actions: [] };
      if (!entry.actions.includes(name)) entry.actions.push(name);
      catalog.set(key, entry);
    }
  }
  mkdirSync(`src/products/${product}`, { recursive: true });
  writeFileSync(`src/products/${product}/specs.data.json`, JSON.stringify(specs, null, 1) + '\n');
  const entries = [...catalog.values()].sort((a, b) => a.code.localeCompare(b.code) || a.message.localeCompare(b.message));
  writeFileSync(`src/products/${product}/catalog.data.json`, JSON.stringify(entries, null, 1) + '\n');
  console.log(`${product}: ${Object.keys(specs).length} actions, ${entries.length} catalog entries`);
}
