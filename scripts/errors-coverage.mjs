#!/usr/bin/env node
// `npm run errors:coverage [-- test/api …]`: runs the test suite with OPENSLB_ERROR_COVERAGE set to
// a fresh file. src/errors/catalog.ts appends the seed row number of every error a server answers
// with (in-process test servers and spawned `openslb serve` children alike inherit the variable;
// each record is one small O_APPEND write, so concurrent test files do not interleave). Then prints
// `N/205 seed rows emitted` and every row that no test made the server answer.
// It also sets OPENSLB_ERROR_COVERAGE_DETAIL (every catalog entry emitted, with the test file that
// caused it; scripts/coverage-preload.mjs names the test file) and, with COVERAGE_RECORDS=<file>,
// keeps that detail file there (`npm run errors:table` uses it to write docs/errors.md).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('..', import.meta.url));
const { CATALOG } = await import('../src/errors/catalog.data.ts');

const dir = mkdtempSync(join(tmpdir(), 'openslb-coverage-'));
const file = join(dir, 'emitted.txt');
const detail = process.env.COVERAGE_RECORDS || join(dir, 'detail.txt');
writeFileSync(file, '');
writeFileSync(detail, '');
const preload = `--import=${pathToFileURL(join(root, 'scripts', 'coverage-preload.mjs')).href}`;
const nodeOptions = [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' ');
const run = spawnSync(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: ['ignore', process.env.COVERAGE_VERBOSE ? 'inherit' : 'pipe', 'inherit'],
  maxBuffer: 256 * 1024 * 1024,
  // NODE_TEST_CONTEXT would make the inner runner report to a parent test runner instead of running normally
  env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT' && k !== 'OPENSLB_COVERAGE_TEST' && k !== 'COVERAGE_RECORDS')),
    OPENSLB_ERROR_COVERAGE: file,
    OPENSLB_ERROR_COVERAGE_DETAIL: detail,
    NODE_OPTIONS: nodeOptions,
  },
});
// the test report is shown only when something failed (or with COVERAGE_VERBOSE=1)
if (run.status !== 0 && run.stdout) process.stderr.write(run.stdout);

const emitted = new Set(
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(Number),
);
// the other products' catalogs (src/products/<product>/catalog.data.json): anchors `<product>:<code>[~n]`
const emittedAnchors = new Set(
  readFileSync(detail, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t')[1]),
);
const productLines = [];
for (const product of readdirSync(join(root, 'src', 'products')).sort()) {
  const f = join(root, 'src', 'products', product, 'catalog.data.json');
  if (!existsSync(f)) continue;
  const seen = new Map();
  const anchors = JSON.parse(readFileSync(f, 'utf8')).map((e) => {
    const n = (seen.get(e.code) ?? 0) + 1;
    seen.set(e.code, n);
    return n === 1 ? `${product}:${e.code}` : `${product}:${e.code}~${n}`;
  });
  if (anchors.length) productLines.push(`${product}: ${anchors.filter((a) => emittedAnchors.has(a)).length}/${anchors.length} catalog entries emitted`);
}
rmSync(dir, { recursive: true, force: true });

const seed = CATALOG.filter((e) => e.source === 'seed').sort((a, b) => a.row - b.row);
const hit = seed.filter((e) => emitted.has(e.row));
const missed = seed.filter((e) => !emitted.has(e.row));
console.log(`${hit.length}/${seed.length} seed rows emitted`);
for (const l of productLines) console.log(l);
if (missed.length) {
  console.log(`\nnot emitted by any test (${missed.length}):`);
  const w = Math.max(...missed.map((e) => e.code.length));
  for (const e of missed) console.log(`  row ${String(e.row).padStart(3)}  ${e.code.padEnd(w)}  ${e.message}`);
}
if (run.status !== 0) {
  console.error(`\nerrors:coverage: the test suite failed (exit ${run.status ?? run.signal}); the numbers above cover the tests that ran.`);
  process.exit(run.status || 1);
}
