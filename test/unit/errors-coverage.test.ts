// `npm run errors:coverage` end to end on one small test file: the in-process server of that file
// records what it emitted, and the report counts it and lists the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookup } from '../../src/errors/catalog.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

test('errors:coverage prints N/205 and lists the rows no test emitted', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT' && k !== 'OPENSLB_ERROR_COVERAGE'));
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'errors-coverage.mjs'), 'test/api/regions.test.ts'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const m = /^(\d+)\/205 seed rows emitted$/m.exec(r.stdout);
  assert.ok(m, r.stdout.slice(0, 500));
  const n = Number(m[1]);
  assert.ok(n >= 1 && n < 205);
  const listed = [...r.stdout.matchAll(/^ {2}row +(\d+) {2}(\S+) {2,}(.*)$/gm)].map((x) => ({ row: Number(x[1]), code: x[2], message: x[3] }));
  assert.equal(listed.length, 205 - n, 'every row not emitted is listed');
  // regions.test.ts asks DescribeZones for an unknown region: that row is emitted, not listed
  const emitted = lookup('InvalidRegionId.NotFound', 'The specified RegionId does not exist.')!;
  assert.ok(!listed.some((x) => x.row === emitted.row));
  const first = listed.find((x) => x.row === 1);
  assert.deepEqual(first, { row: 1, code: 'ServiceIsConfiguring', message: 'A previous configuration is pending; please try again later.' });
});
