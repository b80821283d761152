// aliyungo's regional clients find their endpoint through the Location service: with only
// LOCATION_ENDPOINT pointing at OpenSLB (no SLB_ENDPOINT, no CUSTOMIZED_ENDPOINT), an SLB client
// made by NewSLBClientWithSecurityToken asks DescribeEndpoints and then reaches OpenSLB's SLB API
// (test/aliyungo/location/main.go). Skips without Go and aliyungo unless CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AK, startTestServer } from '../helpers/server.js';
import { GO_MISSING, GO_READY, GO_SKIP, goEnv } from './go.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('aliyungo finds the SLB endpoint through Location and uses it', { skip: GO_SKIP, timeout: 240_000 }, async (t) => {
  assert.ok(GO_READY, GO_MISSING);
  const tmp = mkdtempSync(join(tmpdir(), 'openslb-aliyungo-loc-'));
  const s = await startTestServer();
  t.after(async () => {
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const bin = join(tmp, 'location');
  const build = spawnSync('go', ['build', '-o', bin, './test/aliyungo/location'], { cwd: ROOT, env: goEnv(), encoding: 'utf8' });
  assert.equal(build.status, 0, `go build failed:\n${build.stdout}${build.stderr}`);
  const env: NodeJS.ProcessEnv = { ...process.env, LOCATION_ENDPOINT: s.url, OPENSLB_HOST: new URL(s.url).host, OPENSLB_AK_ID: AK.id, OPENSLB_AK_SECRET: AK.secret, OPENSLB_REGION: 'cn-hangzhou' };
  for (const k of ['SLB_ENDPOINT', 'CUSTOMIZED_ENDPOINT', 'ECS_ENDPOINT', 'VPC_ENDPOINT']) delete env[k];
  // run it without blocking this process's event loop (the server lives here)
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(bin, [], { cwd: tmp, env });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', (code) => resolve({ code, text }));
  });
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /ok slb CreateLoadBalancer via Location/);
  assert.match(out.text, /aliyungo location steps failed 0/);
});
