#!/usr/bin/env node
// Runs every test file under test/ (and co-located src/**/*.test.ts) with node:test through tsx.
// Node 20's --test does not expand globs, so the files are listed here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['test', 'src'];
const files = [];
const walk = (p) => {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) if (e !== 'node_modules') walk(join(p, e));
  } else if (/\.test\.ts$/.test(p)) files.push(p);
};
for (const r of roots) walk(r);
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
// --test-force-exit: a file whose tests have all finished exits even when a handle leaked (a timer,
// a socket) instead of holding the run until CI's limit; --test-timeout bounds any single test that
// set no deadline of its own. scripts/test-child-stdout.mjs keeps force-exit from losing the last
// results of a file on their way to this process (nodejs/node#64833).
const preload = new URL('./test-child-stdout.mjs', import.meta.url).href;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', preload, '--test', '--test-force-exit', '--test-timeout=300000', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
