#!/usr/bin/env node
// Builds the web console (console/src → console/dist, docs/console.md): a clean output directory,
// then the console's own TypeScript project. The output is checked in, and CI rebuilds it and
// compares, so it must only depend on the sources.
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const dist = new URL('../console/dist/', import.meta.url);
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', new URL('../console/tsconfig.json', import.meta.url).pathname], { stdio: 'inherit' });
process.exit(r.status ?? 1);
