// Tags through the real clients: TagResources / UntagResources / ListTagResources on every
// taggable resource type, the legacy AddTags / RemoveTags / DescribeTags, the real limits and
// errors, the Terraform NextToken loop and concurrent tagging. Resources of families whose create
// action has not landed yet are written straight into the store (`seed`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GLOBAL } from '../../src/state/store.js';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { putInstances } from '../helpers/fixtures-servers.js';
import { v1Request } from '../helpers/signer.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';

const REGION = 'cn-hangzhou';

type Row = { ResourceType: string; ResourceId: string; TagKey: string; TagValue: string };
type ListPage = { RequestId: string; NextToken?: string; TagResources: { TagResource: Row[] } };

async function seed(s: TestServer, kind: string, id: string, doc: Record<string, unknown> = {}, where: { account?: string; region?: string } = {}) {
  await s.store.write((tx) => tx.put(kind, { account: where.account ?? s.rootAccountId, region: where.region ?? REGION }, id, { ...doc }));
}

/** pop-core parses JSON into null-prototype objects; compare plain data. */
async function call(s: TestServer, action: string, params: Record<string, unknown> = {}, opts?: { method?: 'GET' | 'POST' }): Promise<Record<string, unknown>> {
  return JSON.parse(JSON.stringify(await s.call(action, params, opts))) as Record<string, unknown>;
}

let lbSeq = 0;
/**
 * A load balancer: the real CreateLoadBalancer for the root account; a store fixture for an
 * account without keys (the "another account's resource" case).
 */
async function seedLb(s: TestServer, where: { account?: string; region?: string } = {}): Promise<string> {
  if (!where.account) {
    const r = await call(s, 'CreateLoadBalancer', { RegionId: where.region ?? REGION, LoadBalancerName: `tags-${++lbSeq}` });
    return r['LoadBalancerId'] as string;
  }
  const id = `lb-tagtest${String(++lbSeq).padStart(10, '0')}`;
  await seed(s, 'loadBalancer', id, { LoadBalancerId: id, LoadBalancerName: id, RegionId: where.region ?? REGION, BackendServers: [] }, where);
  return id;
}

/** Tag.N.Key / Tag.N.Value params from a map. */
function tagParams(tags: Record<string, string>, prefix = 'Tag'): Record<string, string> {
  const out: Record<string, string> = {};
  Object.entries(tags).forEach(([k, v], i) => {
    out[`${prefix}.${i + 1}.Key`] = k;
    out[`${prefix}.${i + 1}.Value`] = v;
  });
  return out;
}

const manyTags = (n: number, prefix = 'k') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${String(i).padStart(2, '0')}`, `v${i}`]));

async function listAll(s: TestServer, params: Record<string, unknown>): Promise<{ rows: Row[]; pages: ListPage[] }> {
  const rows: Row[] = [];
  const pages: ListPage[] = [];
  let token: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = (await call(s, 'ListTagResources', { RegionId: REGION, ...params, ...(token ? { NextToken: token } : {}) }, { method: 'POST' })) as ListPage;
    pages.push(page);
    rows.push(...page.TagResources.TagResource);
    // Terraform's loop condition: stop when NextToken is null/absent.
    if (page.NextToken === undefined || page.NextToken === null) return { rows, pages };
    token = page.NextToken;
  }
  throw new Error('ListTagResources never ended');
}

async function tagsOf(s: TestServer, type: string, id: string): Promise<Record<string, string>> {
  const { rows } = await listAll(s, { ResourceType: type, 'ResourceId.1': id });
  return Object.fromEntries(rows.map((r) => [r.TagKey, r.TagValue]));
}

test('tags through pop-core and openapi-client', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('TagResources then ListTagResources (Terraform/CCM pattern) on a load balancer', async () => {
    const lb = await seedLb(s);
    const none = (await call(s, 'ListTagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb })) as ListPage;
    assert.deepEqual(none.TagResources, { TagResource: [] });
    assert.ok(!('NextToken' in none), 'no NextToken on the last page');

    const r = await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ env: 'prod', 'kubernetes.do.not.delete': 'svc-a' }) }, { method: 'POST' });
    assert.deepEqual(Object.keys(r), ['RequestId']);
    const page = (await call(s, 'ListTagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb })) as ListPage;
    assert.ok(!('NextToken' in page));
    assert.deepEqual(page.TagResources.TagResource, [
      { ResourceType: 'instance', ResourceId: lb, TagKey: 'env', TagValue: 'prod' },
      { ResourceType: 'instance', ResourceId: lb, TagKey: 'kubernetes.do.not.delete', TagValue: 'svc-a' },
    ]);

    // Same key again overwrites; an empty value is allowed.
    await s.v3('TagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [lb], Tag: [{ Key: 'env', Value: 'staging' }, { Key: 'empty', Value: '' }] });
    assert.deepEqual(await tagsOf(s, 'instance', lb), { env: 'staging', empty: '', 'kubernetes.do.not.delete': 'svc-a' });

    // V3 client: JSON body, TagResources wrapper present, no NextToken.
    const v3 = await s.v3('ListTagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [lb] });
    assert.equal(v3.statusCode, 200);
    assert.equal((v3.body as unknown as ListPage).TagResources.TagResource.length, 3);
    assert.ok(!('NextToken' in v3.body));
  });

  await t.test('every taggable resource type: tag, list, untag', async () => {
    const lb = await seedLb(s);
    const resources: [string, string, string][] = [
      ['instance', 'loadBalancer', lb],
      ['certificate', 'serverCertificate', `${s.rootAccountId}_18a2b3c4d5e_123456789_-1234567`],
      ['certificate', 'caCertificate', `${s.rootAccountId}_18a2b3c4d5f_987654321_7654321`],
      ['acl', 'acl', 'acl-tagtest0000000001'],
      ['listener', 'listener', `${lb}_http_80`],
      ['vservergroup', 'vServerGroup', 'rsp-tagtest000000001'],
      ['masterslaveservergroup', 'masterSlaveServerGroup', 'rsp-tagtest000000002'],
    ];
    for (const [type, kind, id] of resources) {
      if (kind !== 'loadBalancer') await seed(s, kind, id);
      await s.v3('TagResources', { RegionId: REGION, ResourceType: type, ResourceId: [id], Tag: [{ Key: 'team', Value: type }, { Key: 'cost', Value: '42' }] });
      assert.deepEqual(await tagsOf(s, type, id), { team: type, cost: '42' }, type);
      await call(s, 'UntagResources', { RegionId: REGION, ResourceType: type, 'ResourceId.1': id, 'TagKey.1': 'cost' });
      assert.deepEqual(await tagsOf(s, type, id), { team: type }, type);
    }
    // Tags are per resource type: the load balancer's tags are not the listener's.
    const asListener = (await call(s, 'ListTagResources', { RegionId: REGION, ResourceType: 'listener', 'ResourceId.1': lb })) as ListPage;
    assert.deepEqual(asListener.TagResources.TagResource, []);
    // A listener id with an upper-case protocol names the same listener.
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'listener', 'ResourceId.1': `${lb}_HTTP_80`, ...tagParams({ proto: 'upper' }) });
    assert.deepEqual(await tagsOf(s, 'listener', `${lb}_http_80`), { team: 'listener', proto: 'upper' });
    // An unknown ResourceType is refused by the spec's enum.
    const e = await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'loadbalancer', 'ResourceId.1': lb, ...tagParams({ a: 'b' }) }));
    assert.equal(e.code, 'InvalidParameter');
  });

  await t.test('Terraform pattern: ListTagResources loops until NextToken is absent', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = `acl-tfloop00000000000${i}`;
      await seed(s, 'acl', id);
      ids.push(id);
      // 20 tags per resource, in two calls (the per-call limit is also 20).
      await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'acl', 'ResourceId.1': id, ...tagParams(manyTags(10, 'a')) }, { method: 'POST' });
      await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'acl', 'ResourceId.1': id, ...tagParams(manyTags(10, 'b')) }, { method: 'POST' });
    }
    const params = { ResourceType: 'acl', 'ResourceId.1': ids[0], 'ResourceId.2': ids[1], 'ResourceId.3': ids[2] };
    const { rows, pages } = await listAll(s, params);
    assert.equal(rows.length, 60);
    assert.equal(pages.length, 2);
    assert.equal(typeof pages[0]!.NextToken, 'string');
    assert.ok(!('NextToken' in pages[1]!));
    assert.equal(new Set(rows.map((r) => `${r.ResourceId}/${r.TagKey}`)).size, 60, 'no row twice');
    // Writes between pages neither repeat nor skip rows of the pages still to come.
    const first = (await call(s, 'ListTagResources', { RegionId: REGION, ...params })) as ListPage;
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'acl', 'ResourceId.1': ids[0], ...tagParams({ a00: 'changed' }) });
    const second = (await call(s, 'ListTagResources', { RegionId: REGION, ...params, NextToken: first.NextToken })) as ListPage;
    assert.equal(first.TagResources.TagResource.length + second.TagResources.TagResource.length, 60);
    // A NextToken that OpenSLB did not issue is refused.
    const bad = await rejects(() => call(s, 'ListTagResources', { RegionId: REGION, ...params, NextToken: 'not a token!' }));
    assert.equal(bad.code, 'InvalidParameter');
    assert.equal(bad.data.Message, 'The specified parameter is not valid.');
  });

  await t.test('ListTagResources filters by ResourceId.N, Tag.N and both', async () => {
    const [a, b, c] = ['rsp-filter0000000001', 'rsp-filter0000000002', 'rsp-filter0000000003'];
    for (const id of [a, b, c]) await seed(s, 'vServerGroup', id);
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'vservergroup', 'ResourceId.1': a, 'ResourceId.2': b, ...tagParams({ app: 'web', tier: 'front' }) });
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'vservergroup', 'ResourceId.1': c, ...tagParams({ app: 'db' }) });
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'vservergroup', 'ResourceId.1': b, ...tagParams({ tier: 'back' }) });
    const ids = async (params: Record<string, unknown>) => [...new Set((await listAll(s, { ResourceType: 'vservergroup', ...params })).rows.map((r) => r.ResourceId))];

    assert.deepEqual(await ids({ 'Tag.1.Key': 'app' }), [a, b, c], 'key only: any value');
    assert.deepEqual(await ids({ 'Tag.1.Key': 'app', 'Tag.1.Value': 'web' }), [a, b]);
    assert.deepEqual(await ids({ 'Tag.1.Key': 'app', 'Tag.1.Value': 'web', 'Tag.2.Key': 'tier', 'Tag.2.Value': 'front' }), [a], 'every pair must match');
    assert.deepEqual(await ids({ 'ResourceId.1': b, 'ResourceId.2': c, 'Tag.1.Key': 'app', 'Tag.1.Value': 'web' }), [b], 'ids and tags together');
    assert.deepEqual(await ids({ 'Tag.1.Key': 'nope' }), []);
    assert.deepEqual(await ids({ 'ResourceId.1': 'rsp-doesnotexist0001' }), [], 'unknown ids list nothing');
    // A matched resource is listed with all of its tags.
    const rows = (await listAll(s, { ResourceType: 'vservergroup', 'Tag.1.Key': 'app', 'Tag.1.Value': 'db' })).rows;
    assert.deepEqual(rows, [{ ResourceType: 'vservergroup', ResourceId: c, TagKey: 'app', TagValue: 'db' }]);
    // Tag.N.Value alone is an error (docs: InvalidParameter.TagValue).
    const e = await rejects(() => call(s, 'ListTagResources', { RegionId: REGION, ResourceType: 'vservergroup', 'Tag.1.Value': 'web' }));
    assert.equal(e.code, 'InvalidParameter.TagValue');
    assert.equal(e.data.Message, 'The specified tag value is illegal.');
    const v = await rejects(() => s.v3('ListTagResources', { RegionId: REGION, ResourceType: 'vservergroup', Tag: [{ Value: 'web' }] }));
    assert.equal(v.statusCode, 400);
    // More than 20 resource ids is refused.
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`ResourceId.${i + 1}`, `rsp-x${i}`]));
    assert.equal((await rejects(() => call(s, 'ListTagResources', { RegionId: REGION, ResourceType: 'vservergroup', ...many }))).code, 'InvalidParameter');
  });

  await t.test('limits: TagCreateCountLimit per call, TagCountLimit per resource, 20 resources per call', async () => {
    const lb = await seedLb(s);
    const e1 = await rejects(() => s.v3('TagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [lb], Tag: Object.entries(manyTags(21)).map(([Key, Value]) => ({ Key, Value })) }));
    assert.equal(e1.code, 'TagCreateCountLimit');
    assert.equal(e1.statusCode, 400);
    assert.equal(e1.data.Message, 'tags create count limit exceeded.');

    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams(manyTags(15)) });
    const e2 = await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams(manyTags(6, 'n')) }));
    assert.equal(e2.code, 'TagCountLimit');
    assert.equal(e2.data.Message, 'Tags count limit exceeded.');
    assert.equal(Object.keys(await tagsOf(s, 'instance', lb)).length, 15, 'nothing written');
    // Overwriting existing keys does not count against the limit; reaching exactly 20 is fine.
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ ...manyTags(15), ...manyTags(5, 'n') }) });
    assert.equal(Object.keys(await tagsOf(s, 'instance', lb)).length, 20);
    const e3 = await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ one: 'more' }) }));
    assert.equal(e3.code, 'TagCountLimit');

    // All or nothing across resources: the second resource's limit stops the first's write too.
    const fresh = await seedLb(s);
    const e4 = await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': fresh, 'ResourceId.2': lb, ...tagParams({ x: '1' }) }));
    assert.equal(e4.code, 'TagCountLimit');
    assert.deepEqual(await tagsOf(s, 'instance', fresh), {});

    const ids = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`ResourceId.${i + 1}`, lb]));
    const e5 = await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', ...ids, ...tagParams({ a: 'b' }) }));
    assert.equal(e5.code, 'InvalidParameter');
  });

  await t.test('keys and values: empty, reserved prefixes, lengths, duplicates', async () => {
    const lb = await seedLb(s);
    const tag = (extra: Record<string, string>) => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...extra });
    const cases: [Record<string, string>, string, string][] = [
      [{ 'Tag.1.Key': '', 'Tag.1.Value': 'v' }, 'InvalidParameter.TagKey', 'The specified tag key is invalid.'],
      [{ 'Tag.1.Value': 'v' }, 'InvalidParameter.TagKey', 'The specified tag key is invalid.'],
      [{ 'Tag.1.Key': 'aliyun-x', 'Tag.1.Value': 'v' }, 'InvalidParameter.TagKey', 'The specified tag key is invalid.'],
      [{ 'Tag.1.Key': 'acs:x', 'Tag.1.Value': 'v' }, 'InvalidParameter.TagKey', 'The specified tag key is invalid.'],
      [{ 'Tag.1.Key': 'http://x', 'Tag.1.Value': 'v' }, 'InvalidParameter.TagKey', 'The specified tag key is invalid.'],
      [{ 'Tag.1.Key': 'https://x', 'Tag.1.Value': 'v' }, 'InvalidParameter.TagKey', 'The specified tag key is invalid.'],
      [{ 'Tag.1.Key': 'k', 'Tag.1.Value': 'aliyun' }, 'InvalidParameter.TagValue', 'The specified tag value is illegal.'],
      [{ 'Tag.1.Key': 'k', 'Tag.1.Value': 'https://example.com' }, 'InvalidParameter.TagValue', 'The specified tag value is illegal.'],
      [{ 'Tag.1.Key': 'k', 'Tag.1.Value': 'see http://example.com' }, 'InvalidParameter.TagValue', 'The specified tag value is illegal.'],
      [{ 'Tag.1.Key': 'Aliyun-x', 'Tag.1.Value': 'v' }, 'InvalidParameter.TagKey', 'The specified tag key is invalid.'],
      [{ 'Tag.1.Key': 'k'.repeat(65), 'Tag.1.Value': 'v' }, 'InvalidParameterLength', 'The specified parameter length is not valid.'],
      [{ 'Tag.1.Key': 'k', 'Tag.1.Value': 'v'.repeat(129) }, 'InvalidParameterLength', 'The specified parameter length is not valid.'],
      [{ 'Tag.1.Key': 'k', 'Tag.1.Value': '1', 'Tag.2.Key': 'k', 'Tag.2.Value': '2' }, 'Duplicate.TagKey', 'The Tag.N.Key contain duplicate key.'],
    ];
    for (const [params, code, message] of cases) {
      const e = await rejects(() => tag(params));
      assert.equal(e.code, code, JSON.stringify(params));
      assert.equal(e.data.Message, message, JSON.stringify(params));
    }
    assert.deepEqual(await tagsOf(s, 'instance', lb), {}, 'nothing written');
    // Limits are in characters: 64 and 128 multi-byte characters are fine.
    await tag({ 'Tag.1.Key': '标'.repeat(64), 'Tag.1.Value': '值'.repeat(128), 'Tag.2.Key': 'my-aliyun-acs:-key', 'Tag.2.Value': 'x' });
    assert.equal(Object.keys(await tagsOf(s, 'instance', lb)).length, 2);
    const m = await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb }));
    assert.equal(m.code, 'MissingParameter');
    assert.equal(m.data.Message, 'The input parameter "Tag.1" that is mandatory for processing this request is not supplied.');
  });

  await t.test('a missing, foreign-account or other-region resource is InvalidResourceId.NotFound (404)', async () => {
    const lb = await seedLb(s);
    const other = await seedLb(s, { account: '1999999999999999' });
    const elsewhere = await seedLb(s, { region: 'cn-shanghai' });
    for (const id of ['lb-doesnotexist000001', other, elsewhere]) {
      const e = await rejects(() => s.v3('TagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [id], Tag: [{ Key: 'a', Value: 'b' }] }));
      assert.equal(e.code, 'InvalidResourceId.NotFound', id);
      assert.equal(e.statusCode, 404);
      assert.equal(e.data.Message, 'The specified ResourceIds are not found in our records.');
      const u = await rejects(() => call(s, 'UntagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': id, All: true }));
      assert.equal(u.code, 'InvalidResourceId.NotFound');
    }
    // One good and one missing id: nothing is written.
    const e = await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, 'ResourceId.2': 'lb-doesnotexist000001', ...tagParams({ a: 'b' }) }));
    assert.equal(e.code, 'InvalidResourceId.NotFound');
    assert.deepEqual(await tagsOf(s, 'instance', lb), {});
    // A load balancer id is not an ACL.
    assert.equal((await rejects(() => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'acl', 'ResourceId.1': lb, ...tagParams({ a: 'b' }) }))).code, 'InvalidResourceId.NotFound');
    // The other region's resource is taggable in its own region.
    await call(s, 'TagResources', { RegionId: 'cn-shanghai', ResourceType: 'instance', 'ResourceId.1': elsewhere, ...tagParams({ where: 'sh' }) });
    const sh = (await call(s, 'ListTagResources', { RegionId: 'cn-shanghai', ResourceType: 'instance', 'ResourceId.1': elsewhere })) as ListPage;
    assert.equal(sh.TagResources.TagResource.length, 1);
    // Unknown region.
    const r = await rejects(() => call(s, 'TagResources', { RegionId: 'mars-1', ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ a: 'b' }) }));
    assert.equal(r.code, 'InvalidRegionId.NotFound');
  });

  await t.test('another account sees and touches only its own tags', async () => {
    const acct = '1888888888888888';
    await s.store.write(async (tx) => {
      await tx.put('account', GLOBAL, acct, { AccountId: acct, Name: 'second', Status: 'active', Root: false, CreatedAt: '2026-01-01T00:00:00Z' });
      await tx.put('accessKey', GLOBAL, 'LTAIsecondAccount0001', { AccessKeyId: 'LTAIsecondAccount0001', AccessKeySecret: 'secondSecret0001', AccountId: acct, Status: 'Active', CreatedAt: '2026-01-01T00:00:00Z' });
    });
    const mine = await seedLb(s);
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': mine, ...tagParams({ owner: 'root' }) });
    const theirs = await seedLb(s, { account: acct });
    const them = s.pop({ accessKeyId: 'LTAIsecondAccount0001', accessKeySecret: 'secondSecret0001' });
    await them.request('TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': theirs, ...tagParams({ owner: 'second' }) }, { method: 'POST' });
    const e = await rejects(() => them.request('TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': mine, ...tagParams({ owner: 'hijack' }) }, { method: 'POST' }));
    assert.equal(e.code, 'InvalidResourceId.NotFound');
    const seen = (await them.request('ListTagResources', { RegionId: REGION, ResourceType: 'instance', 'Tag.1.Key': 'owner' }, { method: 'POST' })) as ListPage;
    assert.deepEqual(seen.TagResources.TagResource.map((r) => r.ResourceId), [theirs]);
    assert.deepEqual(await tagsOf(s, 'instance', mine), { owner: 'root' });
  });

  await t.test('UntagResources: TagKey.N, All=true, and neither', async () => {
    const lb = await seedLb(s);
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ a: '1', b: '2', c: '3' }) });
    await call(s, 'UntagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, 'TagKey.1': 'a', 'TagKey.2': 'not-there' });
    assert.deepEqual(await tagsOf(s, 'instance', lb), { b: '2', c: '3' });
    // Neither TagKey.N nor All: nothing is removed.
    await call(s, 'UntagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb });
    assert.deepEqual(await tagsOf(s, 'instance', lb), { b: '2', c: '3' });
    // TagKey.N wins over All.
    await s.v3('UntagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [lb], TagKey: ['b'], All: true });
    assert.deepEqual(await tagsOf(s, 'instance', lb), { c: '3' });
    await s.v3('UntagResources', { RegionId: REGION, ResourceType: 'instance', ResourceId: [lb], All: true });
    assert.deepEqual(await tagsOf(s, 'instance', lb), {});
    const m = await rejects(() => call(s, 'UntagResources', { RegionId: REGION, ResourceType: 'instance', All: true }));
    assert.equal(m.code, 'MissingParameter');
    const b = await rejects(() => call(s, 'UntagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, All: 'yes' }));
    assert.equal(b.code, 'InvalidParameter');
  });

  await t.test('concurrent tagging of one resource loses no update', async () => {
    const lb = await seedLb(s);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ [`c${i}`]: String(i) }) }, { method: 'POST' })
          : call(s, 'AddTags', { RegionId: REGION, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: `c${i}`, TagValue: String(i) }]) }, { method: 'POST' }),
      ),
    );
    const tags = await tagsOf(s, 'instance', lb);
    assert.equal(Object.keys(tags).length, 20);
    for (let i = 0; i < 20; i++) assert.equal(tags[`c${i}`], String(i));
    // Past the limit, concurrent writers are refused one by one, never overshooting 20.
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ [`over${i}`]: 'x' }) })),
    );
    assert.ok(results.every((r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'TagCountLimit'));
    assert.equal(Object.keys(await tagsOf(s, 'instance', lb)).length, 20);
  });

  await t.test('legacy AddTags / RemoveTags on a load balancer', async () => {
    const lb = await seedLb(s);
    // Proper JSON, and Terraform-style single quotes.
    await call(s, 'AddTags', { RegionId: REGION, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: 'k1', TagValue: 'v1' }, { TagKey: 'k2', TagValue: 'v2' }]) });
    await s.v3('AddTags', { RegionId: REGION, LoadBalancerId: lb, Tags: "[{'TagKey':'k1','TagValue':'new'},{'TagKey':'k3'},{'TagKey':'n','TagValue':7}]" });
    assert.deepEqual(await tagsOf(s, 'instance', lb), { k1: 'new', k2: 'v2', k3: '', n: '7' });

    const err = async (params: Record<string, unknown>, code: string, message?: string, status?: number) => {
      const e = await rejects(() => s.v3('AddTags', { RegionId: REGION, LoadBalancerId: lb, ...params }));
      assert.equal(e.code, code, JSON.stringify(params));
      if (message) assert.equal(e.data.Message, message);
      if (status) assert.equal(e.statusCode, status);
    };
    await err({ Tags: JSON.stringify(Array.from({ length: 11 }, (_, i) => ({ TagKey: `x${i}`, TagValue: 'v' }))) }, 'TagCreateCountLimit', 'tags create count limit exceeded.', 400);
    await err({ Tags: '[{"TagKey":"a"' }, 'InvalidParameter', 'The specified parameter is not valid.');
    await err({ Tags: '["a","b"]' }, 'InvalidParameter');
    await err({ Tags: '[]' }, 'MissingParameter');
    await err({ Tags: '[{"TagValue":"v"}]' }, 'InvalidParameter.TagKey');
    await err({ Tags: '[{"TagKey":"aliyun.x","TagValue":"v"}]' }, 'InvalidParameter.TagKey');
    await err({ Tags: '[{"TagKey":"a","TagValue":"v"},{"TagKey":"a","TagValue":"w"}]' }, 'Duplicate.TagKey');
    await err({ Tags: JSON.stringify([{ TagKey: 'k'.repeat(65) }]) }, 'InvalidParameterLength');
    await err({ LoadBalancerId: 'lb-doesnotexist000001', Tags: '[{"TagKey":"a"}]' }, 'InvalidLoadBalancerId.NotFound', 'The specified LoadBalancerId does not exist.', 404);
    await err({ Tags: undefined }, 'MissingParameter', 'The input parameter "Tags" that is mandatory for processing this request is not supplied.');
    // 4 tags now; 10 more is within the call limit but past 20 on the resource... 4 + 10 = 14 fits,
    // 14 + 10 = 24 does not.
    await call(s, 'AddTags', { RegionId: REGION, LoadBalancerId: lb, Tags: JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ TagKey: `m${i}`, TagValue: 'v' }))) });
    await err({ Tags: JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ TagKey: `z${i}`, TagValue: 'v' }))) }, 'TagCountLimit', 'Tags count limit exceeded.');
    assert.equal(Object.keys(await tagsOf(s, 'instance', lb)).length, 14);

    // RemoveTags: by key, or by key and matching value only.
    await call(s, 'RemoveTags', { RegionId: REGION, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: 'k2' }, { TagKey: 'k1', TagValue: 'not-the-value' }, { TagKey: 'absent' }]) });
    const after = await tagsOf(s, 'instance', lb);
    assert.equal(after['k2'], undefined);
    assert.equal(after['k1'], 'new');
    await call(s, 'RemoveTags', { RegionId: REGION, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: 'k1', TagValue: 'new' }]) });
    assert.equal((await tagsOf(s, 'instance', lb))['k1'], undefined);
    const r404 = await rejects(() => call(s, 'RemoveTags', { RegionId: REGION, LoadBalancerId: 'lb-doesnotexist000001', Tags: '[{"TagKey":"a"}]' }));
    assert.equal(r404.code, 'InvalidLoadBalancerId.NotFound');
    const rk = await rejects(() => call(s, 'RemoveTags', { RegionId: REGION, LoadBalancerId: lb, Tags: '[{"TagValue":"a"}]' }));
    assert.equal(rk.code, 'InvalidParameter.TagKey');
    // A load balancer of another region is not found in this one.
    const sh = await seedLb(s, { region: 'cn-shanghai' });
    assert.equal((await rejects(() => call(s, 'AddTags', { RegionId: REGION, LoadBalancerId: sh, Tags: '[{"TagKey":"a"}]' }))).code, 'InvalidLoadBalancerId.NotFound');
  });

  await t.test('legacy DescribeTags: tag sets, InstanceCount, DistinctKey, filters, paging', async () => {
    const region = 'cn-beijing';
    const [a, b, c] = [await seedLb(s, { region }), await seedLb(s, { region }), await seedLb(s, { region })];
    await call(s, 'AddTags', { RegionId: region, LoadBalancerId: a, Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'x' }]) });
    await call(s, 'AddTags', { RegionId: region, LoadBalancerId: b, Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'prod' }]) });
    await call(s, 'AddTags', { RegionId: region, LoadBalancerId: c, Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'dev' }]) });
    // Tags of other resource types are not load balancer tags.
    await seed(s, 'acl', 'acl-describetags00001', {}, { region });
    await call(s, 'TagResources', { RegionId: region, ResourceType: 'acl', 'ResourceId.1': 'acl-describetags00001', ...tagParams({ env: 'prod' }) });

    type Sets = { PageNumber: number; PageSize: number; TotalCount: number; TagSets: { TagSet: { TagKey: string; TagValue?: string; InstanceCount: number }[] } };
    const all = (await call(s, 'DescribeTags', { RegionId: region })) as Sets;
    assert.equal(all.PageNumber, 1);
    assert.equal(all.PageSize, 50);
    assert.equal(all.TotalCount, 3);
    assert.deepEqual(all.TagSets.TagSet, [
      { TagKey: 'env', TagValue: 'dev', InstanceCount: 1 },
      { TagKey: 'env', TagValue: 'prod', InstanceCount: 2 },
      { TagKey: 'team', TagValue: 'x', InstanceCount: 1 },
    ]);
    const distinct = (await s.v3('DescribeTags', { RegionId: region, DistinctKey: true })).body as unknown as Sets;
    assert.deepEqual(distinct.TagSets.TagSet, [
      { TagKey: 'env', InstanceCount: 3 },
      { TagKey: 'team', InstanceCount: 1 },
    ]);
    const byLb = (await call(s, 'DescribeTags', { RegionId: region, LoadBalancerId: a })) as Sets;
    assert.deepEqual(byLb.TagSets.TagSet.map((t) => `${t.TagKey}=${t.TagValue}:${t.InstanceCount}`), ['env=prod:1', 'team=x:1']);
    const byKey = (await call(s, 'DescribeTags', { RegionId: region, Tags: JSON.stringify([{ TagKey: 'env' }]) })) as Sets;
    assert.equal(byKey.TotalCount, 2);
    const byPair = (await call(s, 'DescribeTags', { RegionId: region, Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'prod' }]) })) as Sets;
    assert.deepEqual(byPair.TagSets.TagSet, [{ TagKey: 'env', TagValue: 'prod', InstanceCount: 2 }]);
    const page2 = (await call(s, 'DescribeTags', { RegionId: region, PageNumber: 2, PageSize: 2 })) as Sets;
    assert.equal(page2.TotalCount, 3);
    assert.equal(page2.PageNumber, 2);
    assert.deepEqual(page2.TagSets.TagSet.map((t) => t.TagKey), ['team']);
    const empty = (await call(s, 'DescribeTags', { RegionId: region, PageNumber: 9 })) as Sets;
    assert.deepEqual(empty.TagSets, { TagSet: [] });
    const unknown = (await call(s, 'DescribeTags', { RegionId: region, LoadBalancerId: 'lb-doesnotexist000001' })) as Sets;
    assert.equal(unknown.TotalCount, 0);
    const errs: [Record<string, unknown>, string][] = [
      [{ PageSize: 101 }, 'InvalidParameter'],
      [{ PageSize: 0 }, 'InvalidParameter'],
      [{ PageNumber: 0 }, 'InvalidParameter'],
      [{ PageNumber: 'one' }, 'InvalidParameter'],
      [{ Tags: '[{"TagValue":"prod"}]' }, 'MissingParameter'],
      [{ Tags: 'nope' }, 'InvalidParameter'],
    ];
    for (const [params, code] of errs) assert.equal((await rejects(() => call(s, 'DescribeTags', { RegionId: region, ...params }))).code, code, JSON.stringify(params));
  });

  await t.test('real resources end to end: created by their own actions, tagged, found, deleted', async () => {
    // A load balancer created with Tag.N: those tags are the same tag set TagResources writes.
    const lb = (await call(s, 'CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'tags-e2e', 'Tag.1.Key': 'created', 'Tag.1.Value': 'with-lb' }))['LoadBalancerId'] as string;
    assert.deepEqual(await tagsOf(s, 'instance', lb), { created: 'with-lb' });
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ team: 'e2e' }) });
    await call(s, 'AddTags', { RegionId: REGION, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: 'kubernetes.do.not.delete', TagValue: 'svc-e2e' }]) });
    // CCM's lookup: DescribeLoadBalancers with the legacy Tags JSON; Terraform's: Tag.N.
    type Lbs = { LoadBalancers: { LoadBalancer: { LoadBalancerId: string }[] } };
    const byJson = (await call(s, 'DescribeLoadBalancers', { RegionId: REGION, Tags: JSON.stringify([{ TagKey: 'kubernetes.do.not.delete', TagValue: 'svc-e2e' }]) })) as unknown as Lbs;
    assert.deepEqual(byJson.LoadBalancers.LoadBalancer.map((l) => l.LoadBalancerId), [lb]);
    const byTag = (await call(s, 'DescribeLoadBalancers', { RegionId: REGION, 'Tag.1.Key': 'team', 'Tag.1.Value': 'e2e' })) as unknown as Lbs;
    assert.deepEqual(byTag.LoadBalancers.LoadBalancer.map((l) => l.LoadBalancerId), [lb]);
    const sets = (await call(s, 'DescribeTags', { RegionId: REGION, LoadBalancerId: lb })) as { TotalCount: number };
    assert.equal(sets.TotalCount, 3);

    // Every other taggable type, each created by its own action.
    await call(s, 'CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1 });
    const vsg = (await call(s, 'CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb, VServerGroupName: 'tags-e2e' }))['VServerGroupId'] as string;
    const acl = (await call(s, 'CreateAccessControlList', { RegionId: REGION, AclName: 'tags-e2e' }))['AclId'] as string;
    const ca = createCA('OpenSLB tags test CA');
    const leaf = issueLeaf(ca, ['tags.example.com']);
    const caCert = (await call(s, 'UploadCACertificate', { RegionId: REGION, CACertificate: ca.certPem }, { method: 'POST' }))['CACertificateId'] as string;
    const srvCert = (await call(s, 'UploadServerCertificate', { RegionId: REGION, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem }, { method: 'POST' }))['ServerCertificateId'] as string;
    const targets: [string, string][] = [
      ['listener', `${lb}_tcp_80`],
      ['vservergroup', vsg],
      ['acl', acl],
      ['certificate', caCert],
      ['certificate', srvCert],
    ];
    const [m, sl] = await putInstances(s, 2, { NetworkType: 'classic', VpcId: '', VSwitchId: '' });
    const ms = await s.call('CreateMasterSlaveServerGroup', {
      RegionId: REGION,
      LoadBalancerId: lb,
      MasterSlaveServerGroupName: 'tags-e2e',
      MasterSlaveBackendServers: JSON.stringify([
        { ServerId: m!.InstanceId, Port: 80, ServerType: 'Master' },
        { ServerId: sl!.InstanceId, Port: 80, ServerType: 'Slave' },
      ]),
    }).then((r) => (r as { MasterSlaveServerGroupId: string }).MasterSlaveServerGroupId);
    targets.push(['masterslaveservergroup', ms]);
    for (const [type, id] of targets) {
      await s.v3('TagResources', { RegionId: REGION, ResourceType: type, ResourceId: [id], Tag: [{ Key: 'e2e', Value: type }] });
      assert.deepEqual(await tagsOf(s, type, id), { e2e: type }, `${type} ${id}`);
    }

    // Deleting the load balancer takes its tags, and its listener's and groups' tags, with it.
    await call(s, 'DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb });
    assert.deepEqual(await tagsOf(s, 'instance', lb), {});
    assert.deepEqual(await tagsOf(s, 'listener', `${lb}_tcp_80`), {});
    assert.deepEqual(await tagsOf(s, 'vservergroup', vsg), {});
    assert.deepEqual(await tagsOf(s, 'masterslaveservergroup', ms), {});
    const gone = await rejects(() => s.call('TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ a: 'b' }) }));
    assert.equal(gone.code, 'InvalidResourceId.NotFound');
    assert.equal((await rejects(() => s.call('AddTags', { RegionId: REGION, LoadBalancerId: lb, Tags: '[{"TagKey":"a"}]' }))).code, 'InvalidLoadBalancerId.NotFound');
    // The ACL and certificates outlive the load balancer, tags included.
    assert.deepEqual(await tagsOf(s, 'acl', acl), { e2e: 'acl' });
  });

  await t.test('wire: the empty list is in the JSON and XML bodies, NextToken is not', async () => {
    const lb = await seedLb(s);
    const auth = { id: s.rootKey.id, secret: s.rootKey.secret };
    const json = await v1Request(s.url, 'ListTagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb }, { ...auth, method: 'POST', where: 'body' });
    assert.equal(json.status, 200);
    assert.match(json.text, /"TagResources":\{"TagResource":\[\]\}/);
    assert.doesNotMatch(json.text, /NextToken/);
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ k: 'v' }) });
    const xml = await v1Request(s.url, 'ListTagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb }, { ...auth, common: { Format: 'XML' } });
    assert.equal(xml.status, 200);
    assert.match(xml.text, /<ListTagResourcesResponse>/);
    assert.match(xml.text, /<TagResources><TagResource><ResourceType>instance<\/ResourceType><ResourceId>[^<]+<\/ResourceId><TagKey>k<\/TagKey><TagValue>v<\/TagValue><\/TagResource><\/TagResources>/);
    assert.doesNotMatch(xml.text, /NextToken/);
    const err = await v1Request(s.url, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': 'lb-doesnotexist000001', 'Tag.1.Key': 'a' }, auth);
    assert.equal(err.status, 404);
    assert.equal(err.json?.['Code'], 'InvalidResourceId.NotFound');
    assert.equal(err.json?.['Message'], 'The specified ResourceIds are not found in our records.');
  });

  await t.test('tags of a resource that no longer exists are not listed', async () => {
    const lb = await seedLb(s);
    await call(s, 'TagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb, ...tagParams({ gone: 'soon' }) });
    await s.store.write((tx) => tx.delete('loadBalancer', { account: s.rootAccountId, region: REGION }, lb));
    const page = (await call(s, 'ListTagResources', { RegionId: REGION, ResourceType: 'instance', 'ResourceId.1': lb })) as ListPage;
    assert.deepEqual(page.TagResources.TagResource, []);
  });
});
