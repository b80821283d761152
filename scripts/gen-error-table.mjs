#!/usr/bin/env node
// `npm run errors:table [-- --records FILE]`: writes docs/errors.md, one row per catalog entry:
// each seed row (row, HTTP, code, message), whether a test makes OpenSLB answer it, the condition
// that produces it and the test files that do; then the gateway / action / openslb codes.
//
// * Emitted + test files: runs `npm run errors:coverage` (scripts/errors-coverage.mjs) with
//   COVERAGE_RECORDS, which records every emitted catalog entry with the test file that caused it
//   (src/errors/catalog.ts recordEmitted). `--records FILE` reuses such a file instead of running the
//   suite again (`COVERAGE_RECORDS=FILE npm run errors:coverage` makes one).
// * Conditions: parsed from the "seed row / code → condition → test" tables the families keep in
//   docs/*.md, plus docs/error-conditions.json (conditions for entries no family table names,
//   corrections, and the reason for every seed row OpenSLB does not emit).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const root = fileURLToPath(new URL('..', import.meta.url));
const { CATALOG } = await import('../src/errors/catalog.data.ts');

// ---- 1. what the suite emits, and from which test files
const args = process.argv.slice(2);
const ri = args.indexOf('--records');
let recordsText;
let suiteStatus = 0;
if (ri >= 0) {
  recordsText = readFileSync(args[ri + 1], 'utf8');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-errtable-'));
  const file = join(dir, 'records.txt');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'errors-coverage.mjs'), ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, COVERAGE_RECORDS: file },
  });
  suiteStatus = r.status ?? 1;
  recordsText = readFileSync(file, 'utf8');
  if (process.env.KEEP_RECORDS) copyFileSync(file, process.env.KEEP_RECORDS);
  rmSync(dir, { recursive: true, force: true });
}

// anchors as src/errors/catalog.ts computes them: the code, then code~2, code~3… per further message
const anchorOf = new Map();
const seen = new Map();
for (const e of CATALOG) {
  const n = (seen.get(e.code) ?? 0) + 1;
  seen.set(e.code, n);
  anchorOf.set(e, n === 1 ? e.code : `${e.code}~${n}`);
}
const byAnchor = new Map([...anchorOf].map(([e, a]) => [a, e]));
const testsOf = new Map(); // entry → Set(test file)
for (const line of recordsText.split('\n')) {
  if (!line) continue;
  const [, anchor, test] = line.split('\t');
  const e = byAnchor.get(anchor);
  if (!e) continue;
  if (!testsOf.has(e)) testsOf.set(e, new Set());
  testsOf.get(e).add(test ? test.replace(/^.*?(test\/)/, '$1') : '(not a test process)');
}

// ---- 2. conditions from the families' tables
const docsDir = join(root, 'docs');
const cells = (line) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
const fromDocs = new Map(); // entry → [{ doc, condition }]
const add = (e, doc, condition) => {
  if (!fromDocs.has(e)) fromDocs.set(e, []);
  const list = fromDocs.get(e);
  if (!list.some((x) => x.doc === doc && x.condition === condition)) list.push({ doc, condition });
};
const stripMd = (s) => s.replace(/`/g, '').trim();
for (const name of readdirSync(docsDir).sort()) {
  if (!name.endsWith('.md') || name === 'errors.md') continue;
  const lines = readFileSync(join(docsDir, name), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || !lines[i + 1]?.startsWith('|---')) continue;
    const head = cells(lines[i]).map((c) => c.toLowerCase());
    const ci = head.findIndex((h) => h === 'condition' || h === 'when');
    if (ci < 0 || !/^(seed row|seed row \/ code|row \/ code|code|row)$/.test(head[0])) continue;
    const codeCol = head.indexOf('code');
    const msgCol = head.findIndex((h) => h.startsWith('message'));
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) {
      const c = cells(lines[j]);
      const condition = c[ci];
      if (!condition) continue;
      const first = c[0];
      const rows = /^\s*(\d+(?:\s*(?:,|\/|and)\s*\d+)*)/.exec(first);
      const rest = stripMd(codeCol > 0 ? c[codeCol] : first.replace(/^\s*\d+(?:\s*(?:,|\/|and)\s*\d+)*/, ''));
      if (rows) {
        for (const r of rows[1].split(/\s*(?:,|\/|and)\s*/).map(Number)) {
          const e = CATALOG.find((x) => x.source === 'seed' && x.row === r);
          if (e) add(e, name, condition);
        }
        continue;
      }
      // a code outside the seed table: `Code` (source) "message…" or Code, Code2 (both texts)
      const codes = [...rest.matchAll(/([A-Za-z][\w.]*[A-Za-z0-9_])/g)].map((m) => m[1]).filter((x) => CATALOG.some((e) => e.code === x));
      const msgCell = msgCol > 0 ? c[msgCol] : first;
      const quoted = msgCol > 0 ? (/`([^`]+)`/.exec(msgCell)?.[1] ?? msgCell) : (/"([^"]+)"/.exec(msgCell)?.[1] ?? '');
      const parts = quoted
        .split(/…|\.\.\.|<[^>]*>|\{[^}]*\}/)
        .map((x) => x.trim())
        .filter(Boolean);
      for (const code of new Set(codes)) {
        const entries = CATALOG.filter((e) => e.code === code && e.source !== 'seed');
        const matched = parts.length ? entries.filter((e) => parts.every((part) => e.message.includes(part))) : [];
        for (const e of matched.length ? matched : entries.length === 1 || !parts.length ? entries : []) add(e, name, condition);
      }
    }
  }
}

// ---- 3. the curated data file
const data = JSON.parse(readFileSync(join(docsDir, 'error-conditions.json'), 'utf8'));
const keyOf = (e) => (e.source === 'seed' ? String(e.row) : `${e.code} ${e.message}`);
const curated = (e) => (e.source === 'seed' ? data.seed?.[String(e.row)] : data.other?.[keyOf(e)]);

// ---- 4. docs/errors.md
const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const conditionOf = (e) => {
  const c = curated(e);
  const parts = [];
  if (c?.condition) parts.push(c.condition);
  if (!c?.replacesDocs) for (const d of fromDocs.get(e) ?? []) parts.push(`${d.condition} ([${d.doc.replace(/\.md$/, '')}](${d.doc}))`);
  if (!parts.length && c?.notEmitted) return 'none in OpenSLB (see the list of rows it does not emit)';
  return parts.join('<br>') || '—';
};
const testsCell = (e) =>
  [...(testsOf.get(e) ?? [])]
    .sort()
    .map((t) => `\`${t.replace(/^test\//, '')}\``)
    .join(', ');

const seed = CATALOG.filter((e) => e.source === 'seed').sort((a, b) => a.row - b.row);
const emittedSeed = seed.filter((e) => testsOf.has(e));
const out = [];
out.push('# Errors: every catalog entry, its condition and the tests that produce it');
out.push('');
out.push('<!-- GENERATED by scripts/gen-error-table.mjs — do not edit by hand. -->');
out.push('');
out.push('Regenerate with `npm run errors:table` (runs the whole test suite with error recording, then');
out.push('writes this file), or `npm run errors:table -- --records FILE` with a records file made by');
out.push('`COVERAGE_RECORDS=FILE npm run errors:coverage`. "Emitted" and the test files come from that run:');
out.push('a test file is listed when the server answered the error while that file ran (in-process');
out.push('servers and `openslb serve` children alike). Conditions come from the "seed row → condition →');
out.push('test" tables in the families\' docs (linked) and from `docs/error-conditions.json`, which holds');
out.push('conditions no family table states and the reason for each seed row OpenSLB does not emit.');
out.push('');
out.push(`**${emittedSeed.length}/${seed.length} seed rows emitted.**`);
if (suiteStatus !== 0) out.push(`\n(The suite did not pass completely on the run that made this file: exit ${suiteStatus}.)`);
out.push('');
out.push('## Seed rows');
out.push('');
out.push('| row | HTTP | code | message | emitted | condition | test files |');
out.push('|---|---|---|---|---|---|---|');
for (const e of seed) {
  out.push(`| ${e.row} | ${e.http} | \`${esc(e.code)}\` | ${esc(e.message)} | ${testsOf.has(e) ? 'yes' : '**no**'} | ${esc(conditionOf(e))} | ${testsCell(e)} |`);
}
const missed = seed.filter((e) => !testsOf.has(e));
out.push('');
out.push(`## Seed rows OpenSLB does not emit (${missed.length})`);
out.push('');
if (!missed.length) out.push('None.');
for (const e of missed) {
  const why = data.seed?.[String(e.row)]?.notEmitted;
  out.push(`* **${e.row}** \`${e.code}\` "${e.message}" — ${why ?? 'no reason recorded yet in docs/error-conditions.json.'}`);
}
out.push('');
out.push('## Codes outside the seed table');
out.push('');
out.push('`gateway`: the POP gateway\'s common codes; `action`: from an action\'s own documentation;');
out.push('`openslb`: text OpenSLB fixed (see the note in scripts/gen-catalog.ts). Placeholders such as');
out.push('`{name}` are filled in per request.');
out.push('');
out.push('| code | HTTP | message | source | emitted | condition | test files |');
out.push('|---|---|---|---|---|---|---|');
for (const e of CATALOG.filter((x) => x.source !== 'seed')) {
  out.push(`| \`${esc(e.code)}\` | ${e.http} | ${esc(e.message)} | ${e.source} | ${testsOf.has(e) ? 'yes' : '**no**'} | ${esc(conditionOf(e))} | ${testsCell(e)} |`);
}
out.push('');
writeFileSync(join(docsDir, 'errors.md'), out.join('\n'));
console.log(`docs/errors.md: ${emittedSeed.length}/${seed.length} seed rows emitted; ${CATALOG.length} catalog entries`);
if (!existsSync(join(docsDir, 'error-conditions.json'))) console.error('docs/error-conditions.json is missing');
process.exit(suiteStatus);
