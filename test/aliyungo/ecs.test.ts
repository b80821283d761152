// aliyungo's ecs package (strict Go structs) against the ECS 2014-05-26 product, its endpoint
// found through Location with only LOCATION_ENDPOINT set (test/aliyungo/ecs/main.go). Transitions
// take 100 ms here (OPENSLB_ECS_TRANSITION_MS) on the running server clock; the program polls.
// Skips without Go and aliyungo unless CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AK, startTestServer } from '../helpers/server.js';
import { defaultNetwork, IMAGE, TYPE } from '../helpers/ecs.js';
import { GO_MISSING, GO_READY, GO_SKIP, goEnv } from './go.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('aliyungo ecs: groups, instances, ENIs and statuses, every answer decoded strictly', { skip: GO_SKIP, timeout: 300_000 }, async (t) => {
  assert.ok(GO_READY, GO_MISSING);
  process.env['OPENSLB_ECS_TRANSITION_MS'] = '100';
  const tmp = mkdtempSync(join(tmpdir(), 'openslb-aliyungo-ecs-'));
  const s = await startTestServer();
  t.after(async () => {
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
    delete process.env['OPENSLB_ECS_TRANSITION_MS'];
  });
  const bin = join(tmp, 'ecs');
  const build = spawnSync('go', ['build', '-o', bin, './test/aliyungo/ecs'], { cwd: ROOT, env: goEnv(), encoding: 'utf8' });
  assert.equal(build.status, 0, `go build failed:\n${build.stdout}${build.stderr}`);
  const net = await defaultNetwork(s);
  const env: NodeJS.ProcessEnv = { ...process.env, LOCATION_ENDPOINT: s.url, OPENSLB_AK_ID: AK.id, OPENSLB_AK_SECRET: AK.secret, OPENSLB_REGION: 'cn-hangzhou', OPENSLB_VPC: net.VpcId, OPENSLB_VSWITCH: net.VSwitchId, OPENSLB_IMAGE: IMAGE, OPENSLB_TYPE: TYPE };
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
  assert.match(out.text, /ok DescribeSecurityGroupAttribute \(Priority as a number\)/);
  assert.match(out.text, /ok DescribeNetworkInterfaces/);
  assert.match(out.text, /aliyungo ecs steps failed 0/);
});
