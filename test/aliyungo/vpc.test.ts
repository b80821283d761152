// aliyungo's VPC calls (package ecs, ecs.NewVPCClient: Version 2016-04-28, endpoint found through
// Location) against OpenSLB, decoded into its strict Go structs (test/aliyungo/vpc/main.go). The
// Pending delay is 0 here: aliyungo's WaitFor* sleep 5 s between looks, and Pending is tested
// through pop-core (test/api/vpc.test.ts). Skips without Go and aliyungo unless CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AK, startTestServer } from '../helpers/server.js';
import { GO_MISSING, GO_READY, GO_SKIP, runGoViaLocation } from './go.js';

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
  const out = await runGoViaLocation('vpc', tmp, s.url, AK);
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /ok vpc DeleteVpc/);
  assert.match(out.text, /aliyungo vpc steps failed 0/);
});
