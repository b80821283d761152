// A data dir from before load balancer documents carried their tags (LoadBalancerDoc.TagSet):
// at the next start the tags are copied onto the documents once, so DescribeLoadBalancers by tag
// (which goes through the load balancers' own index) still finds every tagged load balancer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { GLOBAL } from '../../src/state/store.js';

const R = 'cn-hangzhou';

test('tags of load balancers from an older data dir are found by DescribeLoadBalancers after a restart', { skip: process.env['OPENSLB_TEST_ALL_ON_PG'] === '1' ? 'opens the SQLite file directly' : false }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openslb-tagset-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let s = await startTestServer({ dataDir, keepDir: true });
  const a = (await s.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'old-a', 'Tag.1.Key': 'team', 'Tag.1.Value': 'red' }))['LoadBalancerId'] as string;
  const b = (await s.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'old-b' }))['LoadBalancerId'] as string;
  await s.call('TagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': b, 'Tag.1.Key': 'team', 'Tag.1.Value': 'blue', 'Tag.2.Key': 'env', 'Tag.2.Value': 'prod' });
  const byTag = async (p: Record<string, string>) =>
    ((await s.call('DescribeLoadBalancers', { RegionId: R, ...p }))['LoadBalancers'] as { LoadBalancer: { LoadBalancerId: string }[] }).LoadBalancer.map((l) => l.LoadBalancerId).sort();
  assert.deepEqual(await byTag({ 'Tag.1.Key': 'team' }), [a, b].sort());
  await s.stop();

  // make it look like an older data dir: no TagSet on the documents, no migration marker
  const store = new SqliteStore(join(dataDir, 'openslb.db'));
  await store.write(async (tx) => {
    for (const { region, doc } of await tx.query<Record<string, unknown>>('loadBalancer', { account: s.rootAccountId })) {
      delete doc['TagSet'];
      await tx.put('loadBalancer', { account: s.rootAccountId, region }, doc['LoadBalancerId'] as string, doc);
    }
    await tx.delete('migration', GLOBAL, 'lb-tagset');
  });
  assert.equal(await store.read((tx) => tx.count('loadBalancer', { account: s.rootAccountId }, { where: { TagKey: 'team' } })), 0);
  await store.close();

  s = await startTestServer({ dataDir, keepDir: true });
  t.after(() => s.stop());
  assert.deepEqual(await byTag({ 'Tag.1.Key': 'team' }), [a, b].sort());
  assert.deepEqual(await byTag({ 'Tag.1.Key': 'team', 'Tag.1.Value': 'blue' }), [b]);
  assert.deepEqual(await byTag({ 'Tag.1.Key': 'team', 'Tag.2.Key': 'env', 'Tag.2.Value': 'prod' }), [b]);
  // untagging keeps the copy in step
  await s.call('UntagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': b, 'TagKey.1': 'team' });
  assert.deepEqual(await byTag({ 'Tag.1.Key': 'team' }), [a]);
  assert.deepEqual(await byTag({ 'Tag.1.Key': 'env' }), [b]);
});
