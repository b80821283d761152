// aliyungo's ecs package (strict Go structs) against the ECS 2014-05-26 product, its endpoint
// found through Location with only LOCATION_ENDPOINT set (test/aliyungo/ecs/main.go). Transitions
// take 100 ms here (OPENSLB_ECS_TRANSITION_MS) on the running server clock; the program polls.
// Skips without Go and aliyungo unless CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AK, startTestServer } from '../helpers/server.js';
import { defaultNetwork, IMAGE, TYPE } from '../helpers/ecs.js';
import { GO_MISSING, GO_READY, GO_SKIP, runGoViaLocation } from './go.js';


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
  const net = await defaultNetwork(s);
  const out = await runGoViaLocation('ecs', tmp, s.url, AK, { OPENSLB_VPC: net.VpcId, OPENSLB_VSWITCH: net.VSwitchId, OPENSLB_IMAGE: IMAGE, OPENSLB_TYPE: TYPE });
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /ok DescribeSecurityGroupAttribute \(Priority as a number\)/);
  assert.match(out.text, /ok DescribeNetworkInterfaces/);
  assert.match(out.text, /aliyungo ecs steps failed 0/);
});
