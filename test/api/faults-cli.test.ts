// `openslb serve --faults FILE --max-inflight N` and `openslb fault|dependency|limits …` against a
// spawned server: what the operator switches on the command line, a real client sees.
import { spawnServe, stopServe } from '../helpers/serve-process.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import RPCClient from '@alicloud/pop-core';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bin = join(root, 'bin', 'openslb.mjs');
const KEY = { id: 'LTAIfaultsCliKey0001', secret: 'faultsCliSecret0001' };

test('openslb serve --faults/--max-inflight, then openslb fault, dependency and limits from the CLI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-faults-cli-'));
  const file = join(dir, 'faults.json');
  writeFileSync(file, JSON.stringify([{ Action: 'DescribeZones', Code: 'SystemBusy', Count: 1 }]));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENSLB_ACCESS_KEY_ID: KEY.id, OPENSLB_ACCESS_KEY_SECRET: KEY.secret };
  const { child, url } = await spawnServe(['--data-dir', dir, '--no-dataplane', '--faults', file, '--max-inflight', '7'], env);
  t.after(async () => {
    await stopServe(child);
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, ...args, '--url', url, '--data-dir', dir], { cwd: root, env });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const slb = new RPCClient({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, endpoint: url, apiVersion: '2014-05-15' });
  const code = async (action: string, params: Record<string, unknown> = {}) => {
    try {
      await slb.request(action, { RegionId: 'cn-hangzhou', ...params });
      return 'ok';
    } catch (e) {
      return `${(e as { code: string }).code} ${(e as { data: { Message: string } }).data.Message}`;
    }
  };

  // the rule from --faults fires once
  assert.equal(await code('DescribeZones'), 'SystemBusy The system is busy.');
  assert.equal(await code('DescribeZones'), 'ok');
  assert.deepEqual(await cli('limits', 'show'), { MaxInflight: 7, InFlight: 0 });
  assert.deepEqual(await cli('limits', 'set', '--max-inflight', '3'), { MaxInflight: 3, InFlight: 0 });

  const { FaultId } = (await cli('fault', 'add', '--action', 'DescribeRegions', '--code', 'ServiceUnavailable', '--message', 'Illegal Service.', '--count', '2')) as { FaultId: string };
  assert.equal(await code('DescribeRegions'), 'ServiceUnavailable Illegal Service.');
  const listed = (await cli('fault', 'list'))['Faults'] as { FaultId: string; Fired: number; Remaining?: number }[];
  assert.deepEqual(listed.filter((f) => f.FaultId === FaultId).map((f) => [f.Fired, f.Remaining]), [[1, 1]]);
  await cli('fault', 'remove', FaultId);
  assert.equal(await code('DescribeRegions'), 'ok');
  await cli('fault', 'add', '--json', JSON.stringify({ Code: 'SystemBusy', Action: 'DescribeTags' }));
  assert.equal((await cli('fault', 'clear'))['Removed'], 2, 'the used-up rule from the file and the new one');

  const set = await cli('dependency', 'set', 'internal-invoke', 'down', '--failure', 'sign');
  assert.deepEqual(set['Answer'], { HttpStatus: 500, Code: 'InternalError', Message: 'Illegal sign.' });
  assert.equal(await code('CreateLoadBalancer'), 'InternalError Illegal sign.');
  assert.equal(await code('DescribeLoadBalancers'), 'ok');
  await cli('dependency', 'set', 'store', 'flaky', '--probability', '0');
  const deps = (await cli('dependency', 'list'))['Dependencies'] as { Name: string; State: string }[];
  assert.deepEqual(deps.filter((d) => d.State !== 'up').map((d) => `${d.Name}:${d.State}`), ['internal-invoke:down', 'store:flaky']);
  await cli('dependency', 'reset');
  assert.equal(await code('CreateLoadBalancer'), 'ok');

  // a bad rule is refused with the operator API's message, and the CLI exits non-zero
  await assert.rejects(cli('fault', 'add', '--code', 'NoSuchCode'), /InvalidFault: no catalog entry of slb has the code NoSuchCode/);
});
