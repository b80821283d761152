// Access-log download attributes through both real clients, pointing at the world's Log Service
// projects and logstores (src/world/log-stores.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS } from '../../src/products/slb/services/model.js';
import { putTags } from '../../src/products/slb/services/tags.js';
import { dropLoadBalancerChildren } from '../../src/products/slb/services/rules.js';
import { deleteLogStore, lookupLogStore } from '../../src/world/log-stores.js';
import { countKind, putLb, putLogStores, REGION, scopeIn } from '../helpers/fixtures-rules.js';
import { op, opOk } from '../helpers/operator.js';
import { rejects, startTestServer } from '../helpers/server.js';

type Body = Record<string, unknown>;
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

async function fails(fn: () => Promise<unknown>): Promise<{ code: string; message: unknown; status?: number }> {
  const e = await rejects(fn);
  return { code: e.code, message: e.data?.['Message'], status: e.statusCode };
}

test('access-log download attributes', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  await putLogStores(s, 'my-project', ['my-log-store', 'other-store']);

  await t.test('set, describe field by field, delete', async () => {
    const lb = await putLb(s);
    // The documented example: a lower-case key next to proper ones.
    const attrs = JSON.stringify([{ logProject: 'my-project', LogStore: 'my-log-store', LoadBalancerId: lb.LoadBalancerId }]);
    const set = plain(await s.call('SetAccessLogsDownloadAttribute', { RegionId: REGION, LogsDownloadAttributes: attrs }, { method: 'POST' }));
    assert.deepEqual(Object.keys(set), ['RequestId']);

    const d = plain(await s.call('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId }));
    assert.deepEqual(d, {
      RequestId: d['RequestId'],
      LogsDownloadAttributes: { LogsDownloadAttribute: [{ LoadBalancerId: lb.LoadBalancerId, LogProject: 'my-project', LogStore: 'my-log-store', LogType: 'layer7', Region: REGION }] },
      PageNumber: 1,
      PageSize: 10,
      TotalCount: 1,
    });
    const v3 = (await s.v3('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, LogType: 'layer7' })).body;
    assert.equal(v3['TotalCount'], 1);
    assert.deepEqual(plain((await s.v3('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, LogType: 'layer4' })).body['LogsDownloadAttributes']), { LogsDownloadAttribute: [] });

    // A second attribute for the same instance is refused.
    assert.deepEqual(await fails(() => s.v3('SetAccessLogsDownloadAttribute', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, LogsDownloadAttributes: JSON.stringify({ LogProject: 'my-project', LogStore: 'other-store' }) })), {
      code: 'Operation.NotAllowed',
      message: 'The AccessLogDownloadAttribute already exists.',
      status: 400,
    });

    // Delete by load balancer (the top-level LoadBalancerId fills a missing element field).
    await s.v3('DeleteAccessLogsDownloadAttribute', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, LogsDownloadAttributes: '[{}]' });
    assert.equal((await s.v3('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })).body['TotalCount'], 0);
    assert.deepEqual(await fails(() => s.v3('DeleteAccessLogsDownloadAttribute', { RegionId: REGION, LogsDownloadAttributes: JSON.stringify([{ LoadBalancerId: lb.LoadBalancerId }]) })), {
      code: 'OssInstanceDataNotFound',
      message: 'The oss instance of the demand is not exist',
      status: 400,
    });
  });

  await t.test('targets must exist in the world; all or nothing', async () => {
    const lb = await putLb(s);
    const lb2 = await putLb(s);
    const set = (attrs: unknown, extra: Body = {}) => fails(() => s.v3('SetAccessLogsDownloadAttribute', { RegionId: REGION, LogsDownloadAttributes: JSON.stringify(attrs), ...extra }));
    assert.deepEqual(await set([{ LogProject: 'no-such-project', LogStore: 'my-log-store', LoadBalancerId: lb.LoadBalancerId }]), { code: 'InvalidProject.NotExist', message: 'The specified project does not exist.', status: 400 });
    assert.deepEqual(await set([{ LogProject: 'my-project', LogStore: 'nope', LoadBalancerId: lb.LoadBalancerId }]), { code: 'OssInstanceDataNotFound', message: 'The oss instance of the demand is not exist', status: 400 });
    assert.deepEqual(await set([{ LogProject: 'my-project', LogStore: 'my-log-store', LoadBalancerId: 'lb-nothere' }]), { code: 'InvalidLoadBalancerId.NotFound', message: 'The specified LoadBalancerId does not exist.', status: 404 });
    assert.deepEqual(await set([{ LogProject: 'my-project', LogStore: 'my-log-store' }]), { code: 'MissingParameter', message: 'The input parameter "LoadBalancerId" that is mandatory for processing this request is not supplied.', status: 400 });
    assert.deepEqual(await set([{ LogStore: 'my-log-store', LoadBalancerId: lb.LoadBalancerId }]), { code: 'MissingParameter', message: 'The input parameter "LogProject" that is mandatory for processing this request is not supplied.', status: 400 });
    assert.deepEqual(await set([]), { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 });
    assert.deepEqual(await fails(() => s.v3('SetAccessLogsDownloadAttribute', { RegionId: REGION, LogsDownloadAttributes: '[{"LogProject":' })), { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 });
    // The second element fails: the first is not stored.
    const before = await countKind(s, KINDS.accessLogsDownload);
    const two = await set([
      { LogProject: 'my-project', LogStore: 'my-log-store', LoadBalancerId: lb.LoadBalancerId },
      { LogProject: 'my-project', LogStore: 'gone', LoadBalancerId: lb2.LoadBalancerId },
    ]);
    assert.equal(two.code, 'OssInstanceDataNotFound');
    assert.equal(await countKind(s, KINDS.accessLogsDownload), before);
    // Both in one call; the same instance twice in one call is refused.
    await s.call('SetAccessLogsDownloadAttribute', { RegionId: REGION, LogsDownloadAttributes: JSON.stringify([lb, lb2].map((x) => ({ LogProject: 'my-project', LogStore: 'my-log-store', LoadBalancerId: x.LoadBalancerId }))) });
    assert.equal(await countKind(s, KINDS.accessLogsDownload), before + 2);
    const lb3 = await putLb(s);
    assert.equal((await set([lb3, lb3].map((x) => ({ LogProject: 'my-project', LogStore: 'my-log-store', LoadBalancerId: x.LoadBalancerId })))).code, 'Operation.NotAllowed');
    // Deleting with a project/logstore that is not the configured one: the target is not there.
    assert.equal((await fails(() => s.v3('DeleteAccessLogsDownloadAttribute', { RegionId: REGION, LogsDownloadAttributes: JSON.stringify([{ LoadBalancerId: lb.LoadBalancerId, LogStore: 'other-store' }]) }))).code, 'OssInstanceDataNotFound');
    // Another region does not see the instance.
    assert.equal((await fails(() => s.v3('DescribeAccessLogsDownloadAttribute', { RegionId: 'cn-shanghai', LoadBalancerId: lb.LoadBalancerId }))).code, 'InvalidLoadBalancerId.NotFound');
    // Deleting the load balancer's children removes its attribute.
    await s.store.write((tx) => dropLoadBalancerChildren(tx, scopeIn(s), lb2.LoadBalancerId));
    assert.equal(await countKind(s, KINDS.accessLogsDownload), before + 1);
  });

  await t.test('paging and the legacy Tags filter', async () => {
    const s2 = await startTestServer();
    try {
      await putLogStores(s2, 'pager', ['logs']);
      const lbs: Awaited<ReturnType<typeof putLb>>[] = [];
      for (let i = 0; i < 5; i++) lbs.push(await putLb(s2));
      await s2.call('SetAccessLogsDownloadAttribute', { RegionId: REGION, LogsDownloadAttributes: JSON.stringify(lbs.map((x) => ({ LogProject: 'pager', LogStore: 'logs', LoadBalancerId: x.LoadBalancerId }))) });
      const p2 = plain(await s2.call('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, PageNumber: 2, PageSize: 2 }));
      assert.equal(p2['TotalCount'], 5);
      assert.equal(p2['PageNumber'], 2);
      assert.equal(p2['PageSize'], 2);
      assert.deepEqual((p2['LogsDownloadAttributes'] as { LogsDownloadAttribute: Body[] }).LogsDownloadAttribute.map((x) => x['LoadBalancerId']), [lbs[2]!.LoadBalancerId, lbs[3]!.LoadBalancerId]);
      const invalid = { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 };
      assert.deepEqual(await fails(() => s2.v3('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, PageSize: 51 })), invalid);
      assert.deepEqual(await fails(() => s2.v3('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, PageNumber: 0 })), invalid);
      await s2.store.write((tx) => putTags(tx, scopeIn(s2), 'instance', lbs[4]!.LoadBalancerId, [{ Key: 'env', Value: 'prod' }]));
      const tagged = plain(await s2.call('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, Tags: JSON.stringify([{ tagKey: 'env', tagValue: 'prod' }]) }));
      assert.equal(tagged['TotalCount'], 1);
      assert.deepEqual(await fails(() => s2.v3('DescribeAccessLogsDownloadAttribute', { RegionId: REGION, Tags: '[{"tagKey":' })), invalid);
      // The operator removes the logstore: the configured attribute stays as it was.
      await s2.store.write((tx) => deleteLogStore(tx, scopeIn(s2), 'pager', 'logs'));
      assert.equal(await s2.store.read((tx) => lookupLogStore(tx, scopeIn(s2), 'pager', 'logs')), 'noStore');
      assert.equal((await s2.v3('DescribeAccessLogsDownloadAttribute', { RegionId: REGION })).body['TotalCount'], 5);
    } finally {
      await s2.stop();
    }
  });
  await t.test('the operator manages log projects and logstores (/_openslb/world/log-projects)', async () => {
    const region = 'cn-qingdao';
    const made = await opOk(s, 'POST', '/world/log-projects', { RegionId: region, ProjectName: 'qd-logs', LogStores: ['slb-access'] });
    assert.deepEqual({ ...made, CreateTime: undefined }, { RegionId: region, ProjectName: 'qd-logs', Description: '', LogStores: ['slb-access'], CreateTime: undefined });
    await opOk(s, 'POST', `/world/log-projects/${region}/qd-logs/logstores`, { LogStoreName: 'slb-second' });
    const listed = await opOk(s, 'GET', `/world/log-projects?RegionId=${region}`);
    assert.deepEqual((listed['LogProjects'] as Body[]).map((p) => p['LogStores']), [['slb-access', 'slb-second']]);
    const lb = await putLb(s, { RegionId: region });
    await s.v3('SetAccessLogsDownloadAttribute', { RegionId: region, LogsDownloadAttributes: JSON.stringify([{ LogProject: 'qd-logs', LogStore: 'slb-second', LoadBalancerId: lb.LoadBalancerId }]) });
    assert.equal((await s.v3('DescribeAccessLogsDownloadAttribute', { RegionId: region })).body['TotalCount'], 1);
    // Bad names and missing targets are the operator's 400/404, never an RPC error.
    assert.equal((await op(s, 'POST', '/world/log-projects', { RegionId: region, ProjectName: 'Bad Name' })).status, 400);
    assert.equal((await op(s, 'POST', `/world/log-projects/${region}/nothere/logstores`, { LogStoreName: 'x1' })).status, 404);
    assert.equal((await op(s, 'DELETE', `/world/log-projects/${region}/qd-logs/logstores/nothere`)).status, 404);
    assert.equal((await op(s, 'DELETE', `/world/log-projects/${region}/qd-logs/logstores/slb-access`)).status, 200);
    await opOk(s, 'DELETE', `/world/log-projects/${region}/qd-logs`);
    assert.equal((await op(s, 'DELETE', `/world/log-projects/${region}/qd-logs`)).status, 404);
    const lb2 = await putLb(s, { RegionId: region });
    assert.equal((await fails(() => s.v3('SetAccessLogsDownloadAttribute', { RegionId: region, LogsDownloadAttributes: JSON.stringify([{ LogProject: 'qd-logs', LogStore: 'slb-second', LoadBalancerId: lb2.LoadBalancerId }]) }))).code, 'InvalidProject.NotExist');
    assert.equal((await op(s, 'GET', '/world/log-projects', undefined, 'wrong-token')).status, 401);
  });
  await t.test('a world file declares log projects (POST /_openslb/world/load)', async () => {
    await opOk(s, 'POST', '/world/load', { LogProjects: [{ RegionId: 'cn-chengdu', ProjectName: 'cd-logs', LogStores: ['access'] }] });
    const lb = await putLb(s, { RegionId: 'cn-chengdu' });
    await s.v3('SetAccessLogsDownloadAttribute', { RegionId: 'cn-chengdu', LogsDownloadAttributes: JSON.stringify({ LogProject: 'cd-logs', LogStore: 'access', LoadBalancerId: lb.LoadBalancerId }) });
    await s.v3('EnableHighDefinationMonitor', { RegionId: 'cn-chengdu', LogProject: 'cd-logs', LogStore: 'access' });
    const bad = await op(s, 'POST', '/world/load', { LogProjects: [{ RegionId: 'cn-chengdu', ProjectName: 'cd-logs', LogStores: ['Bad Store'] }] });
    assert.equal(bad.status, 400);
  });
});
