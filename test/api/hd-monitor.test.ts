// The high-definition (second-level) monitor actions, spelled as the API spells them, through both
// real clients; the target is a Log Service project/logstore of the world registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { putLogStores, REGION } from '../helpers/fixtures-rules.js';
import { rejects, startTestServer } from '../helpers/server.js';

const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

async function fails(fn: () => Promise<unknown>): Promise<{ code: string; message: unknown; status?: number }> {
  const e = await rejects(fn);
  return { code: e.code, message: e.data?.['Message'], status: e.statusCode };
}

test('high-definition monitor', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  await putLogStores(s, 'my-project', ['my-log-store', 'second_store']);

  await t.test('describe, enable, modify', async () => {
    const none = plain(await s.call('DescribeHighDefinationMonitor', { RegionId: REGION }));
    assert.deepEqual(none, { RequestId: none['RequestId'], LogProject: '', LogStore: '', Success: 'true' });

    const on = plain(await s.call('EnableHighDefinationMonitor', { RegionId: REGION, LogProject: 'my-project', LogStore: 'my-log-store', Tags: '[{"tagKey":"Key1","tagValue":"Value1"}]' }, { method: 'POST' }));
    assert.deepEqual(on, { RequestId: on['RequestId'], Success: 'true' });
    const d = (await s.v3('DescribeHighDefinationMonitor', { RegionId: REGION })).body;
    assert.deepEqual(d, { RequestId: d['RequestId'], LogProject: 'my-project', LogStore: 'my-log-store', Success: 'true' });

    assert.deepEqual(await fails(() => s.v3('EnableHighDefinationMonitor', { RegionId: REGION, LogProject: 'my-project', LogStore: 'second_store' })), {
      code: 'OperationNotAllowed.HighDefinitionMonitorEnabled',
      message: 'The operation is not allowed because HighDefinitionMonitor is already enabled in this region.',
      status: 400,
    });
    const mod = (await s.v3('ModifyHighDefinationMonitor', { RegionId: REGION, LogProject: 'my-project', LogStore: 'second_store' })).body;
    assert.deepEqual(mod, { RequestId: mod['RequestId'], Success: 'true' });
    assert.equal((await s.call('DescribeHighDefinationMonitor', { RegionId: REGION }))['LogStore'], 'second_store');
    // Per region: Shanghai is untouched.
    assert.equal((await s.call('DescribeHighDefinationMonitor', { RegionId: 'cn-shanghai' }))['LogProject'], '');
  });

  await t.test('targets and names', async () => {
    const region = 'cn-beijing';
    await putLogStores(s, 'bj-project', ['bj-store'], region);
    const enable = (LogProject: string, LogStore: string) => fails(() => s.v3('EnableHighDefinationMonitor', { RegionId: region, LogProject, LogStore }));
    assert.deepEqual(await enable('my-project', 'my-log-store'), { code: 'InvalidProject.NotExist', message: 'The specified project does not exist.', status: 400 });
    assert.deepEqual(await enable('bj-project', 'nope'), { code: 'OssInstanceDataNotFound', message: 'The oss instance of the demand is not exist', status: 400 });
    const invalid = { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 };
    assert.deepEqual(await enable('Upper-Case', 'bj-store'), invalid);
    assert.deepEqual(await enable('bj-project-', 'bj-store'), invalid);
    assert.deepEqual(await enable('bj-project', '_store'), invalid);
    const len = { code: 'InvalidParameterLength', message: 'The specified parameter length is not valid.', status: 400 };
    assert.deepEqual(await enable('abc', 'bj-store'), len);
    assert.deepEqual(await enable('bj-project', 'x'), len);
    assert.deepEqual(await fails(() => s.v3('EnableHighDefinationMonitor', { RegionId: region, LogProject: 'bj-project' })), {
      code: 'MissingParameter',
      message: 'The input parameter "LogStore" that is mandatory for processing this request is not supplied.',
      status: 400,
    });
    assert.deepEqual(await fails(() => s.v3('DescribeHighDefinationMonitor', { RegionId: 'mars-1' })), { code: 'InvalidRegionId.NotFound', message: 'The specified RegionId does not exist.', status: 404 });
    // Modify checks the target as well; on a region never enabled it sets it.
    assert.equal((await fails(() => s.v3('ModifyHighDefinationMonitor', { RegionId: region, LogProject: 'bj-project', LogStore: 'nope' }))).code, 'OssInstanceDataNotFound');
    await s.v3('ModifyHighDefinationMonitor', { RegionId: region, LogProject: 'bj-project', LogStore: 'bj-store' });
    assert.equal((await s.call('DescribeHighDefinationMonitor', { RegionId: region }))['LogProject'], 'bj-project');
  });
});
