// aliyungo's regional clients find their endpoint through the Location service: with only
// LOCATION_ENDPOINT pointing at OpenSLB (no SLB_ENDPOINT, no CUSTOMIZED_ENDPOINT), an SLB client
// made by NewSLBClientWithSecurityToken asks DescribeEndpoints and then reaches OpenSLB's SLB API
// (test/aliyungo/location/main.go). Skips without Go and aliyungo unless CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AK, startTestServer } from '../helpers/server.js';
import { GO_MISSING, GO_READY, GO_SKIP, runGoViaLocation } from './go.js';


test('aliyungo finds the SLB endpoint through Location and uses it', { skip: GO_SKIP, timeout: 240_000 }, async (t) => {
  assert.ok(GO_READY, GO_MISSING);
  const tmp = mkdtempSync(join(tmpdir(), 'openslb-aliyungo-loc-'));
  const s = await startTestServer();
  t.after(async () => {
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  const out = await runGoViaLocation('location', tmp, s.url, AK);
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /ok slb CreateLoadBalancer via Location/);
  assert.match(out.text, /aliyungo location steps failed 0/);
});
