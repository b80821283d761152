// `openslb state export|import|reset` (spawned) against a real server, checked through pop-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer } from '../helpers/server.js';
import { createTenant } from '../helpers/tenants.js';

const run = promisify(execFile);
const R = 'cn-hangzhou';

test('CLI: state export, reset (whole and one account), import', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const cli = async (...args: string[]) => (await run(process.execPath, ['bin/openslb.mjs', ...args, '--url', s.url, '--token', s.operatorToken], { cwd: process.cwd(), maxBuffer: 64 * 1024 * 1024 })).stdout;
  const tenant = await createTenant(s);
  const lbs = async (call: (a: string, p: Record<string, unknown>) => Promise<Record<string, unknown>>) => ((await call('DescribeLoadBalancers', { RegionId: R })) as { LoadBalancers: { LoadBalancer: { LoadBalancerId: string; LoadBalancerName: string }[] } }).LoadBalancers.LoadBalancer.map((l) => l.LoadBalancerName);
  const rootCall = (a: string, p: Record<string, unknown>) => s.call(a, p);
  for (const name of ['one', 'two']) await s.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: name });
  await tenant.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'theirs' });

  const file = join(s.dataDir, 'state.json');
  assert.equal(await cli('state', 'export', '--out', file), '');
  const fromFile = readFileSync(file, 'utf8');
  assert.equal((JSON.parse(fromFile) as { Format: string }).Format, 'openslb-state');
  // to stdout: the same documents
  const fromStdout = await cli('state', 'export');
  const docs = (t: string) => t.slice(t.indexOf('"Documents"'));
  assert.equal(docs(fromStdout), docs(fromFile));

  const one = JSON.parse(await cli('state', 'reset', '--account', tenant.accountId)) as { AccountId: string };
  assert.equal(one.AccountId, tenant.accountId);
  assert.deepEqual(await lbs(tenant.call), []);
  assert.deepEqual(await lbs(rootCall), ['two', 'one']);

  const all = JSON.parse(await cli('state', 'reset')) as { Deleted: number };
  assert.ok(all.Deleted > 0);
  assert.deepEqual(await lbs(rootCall), []);

  const imported = JSON.parse(await cli('state', 'import', file)) as { Imported: number };
  assert.ok(imported.Imported > 0);
  assert.deepEqual(await lbs(rootCall), ['two', 'one']);
  assert.deepEqual(await lbs(tenant.call), ['theirs']);

  // a bad file: a clear error, exit 1, nothing changed
  const bad = join(s.dataDir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ Format: 'openslb-state', Version: 99, RootAccountId: s.rootAccountId, Documents: [] }));
  const e = (await cli('state', 'import', bad).catch((x: unknown) => x)) as { code: number; stderr: string };
  assert.equal(e.code, 1);
  assert.match(e.stderr, /HTTP 400 InvalidState: Version 99 is not supported/);
  assert.deepEqual(await lbs(rootCall), ['two', 'one']);
});
