// aliyungo's VPC calls (package ecs, ecs.NewVPCClient: Version 2016-04-28, endpoint found through
// Location) against OpenSLB, decoded into its strict Go structs (test/aliyungo/vpc/main.go). The
// Pending delay is 0 here: aliyungo's WaitFor* sleep 5 s between looks, and Pending is tested
// through pop-core (test/api/vpc.test.ts). Skips without Go and aliyungo unless CI=true.
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
// read by the server (this process) at every create
process.env['OPENSLB_VPC_PENDING_MS'] = '0';

test('aliyungo (strict Go structs) drives the VPC API found through Location, with an SLB load balancer and an EIP', { skip: GO_SKIP, timeout: 240_000 }, async (t) => {
  assert.ok(GO_READY, GO_MISSING);
  const tmp = mkdtempSync(join(tmpdir(), 'openslb-aliyungo-vpc-'));
  const s = await startTestServer();
  t.after(async () => {
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const bin = join(tmp, 'vpc');
  const build = spawnSync('go', ['build', '-o', bin, './test/aliyungo/vpc'], { cwd: ROOT, env: goEnv(), encoding: 'utf8' });
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
  assert.match(out.text, /ok vpc DeleteVpc/);
  assert.match(out.text, /aliyungo vpc steps failed 0/);
});
