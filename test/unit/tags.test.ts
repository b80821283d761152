// The tag rules of src/products/slb/services/tags.ts on a real (in-memory) store: resolver table, merge and
// limits, keyset paging of ListTagResources, DescribeTags grouping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors/catalog.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import type { Scope } from '../../src/state/store.js';
import {
  describeTagSets,
  getTags,
  hasAllTags,
  listTagRows,
  mergeTags,
  putTags,
  resolveResource,
  tagResources,
  untagResources,
  validateTagSet,
  type Tag,
} from '../../src/products/slb/services/tags.js';

const scope: Scope = { account: '1234567890123456', region: 'cn-hangzhou' };
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e.code;
  }
  return 'no error';
};
const acode = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e.code;
  }
  return 'no error';
};
const tags = (n: number, p = 'k'): Tag[] => Array.from({ length: n }, (_, i) => ({ Key: `${p}${String(i).padStart(2, '0')}`, Value: `v${i}` }));

test('validateTagSet: keys, values, per-call count, duplicates', () => {
  assert.deepEqual(validateTagSet([{ Key: 'a' }, { Key: 'b', Value: 'x' }]), [
    { Key: 'a', Value: '' },
    { Key: 'b', Value: 'x' },
  ]);
  assert.equal(code(() => validateTagSet(tags(21))), 'TagCreateCountLimit');
  assert.equal(code(() => validateTagSet(tags(11), 10)), 'TagCreateCountLimit');
  assert.equal(code(() => validateTagSet(tags(10), 10)), 'no error');
  assert.equal(code(() => validateTagSet([{ Value: 'x' }])), 'InvalidParameter.TagKey');
  assert.equal(code(() => validateTagSet([{ Key: 'ACS:x' }])), 'InvalidParameter.TagKey');
  assert.equal(code(() => validateTagSet([{ Key: 'x', Value: 'a https://b' }])), 'InvalidParameter.TagValue');
  assert.equal(code(() => validateTagSet([{ Key: 'x'.repeat(65) }])), 'InvalidParameterLength');
  assert.equal(code(() => validateTagSet([{ Key: '😀'.repeat(64) }])), 'no error');
  assert.equal(code(() => validateTagSet([{ Key: 'a' }, { Key: 'a' }])), 'Duplicate.TagKey');
});

test('mergeTags overwrites in place and appends; hasAllTags is AND with optional values', () => {
  const m = mergeTags([{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }], [{ Key: 'b', Value: '3' }, { Key: 'c', Value: '' }]);
  assert.deepEqual(m, [
    { Key: 'a', Value: '1' },
    { Key: 'b', Value: '3' },
    { Key: 'c', Value: '' },
  ]);
  assert.ok(hasAllTags(m, [{ Key: 'a' }, { Key: 'b', Value: '3' }]));
  assert.ok(!hasAllTags(m, [{ Key: 'a' }, { Key: 'b', Value: '2' }]));
  assert.ok(hasAllTags(m, []));
});

test('resolver table, tag/untag, keyset paging and tag sets on a store', async (t) => {
  const store = new SqliteStore(':memory:');
  t.after(() => store.close());
  await store.write(async (tx) => {
    await tx.put('loadBalancer', scope, 'lb-1', {});
    await tx.put('loadBalancer', scope, 'lb-2', {});
    await tx.put('caCertificate', scope, 'cert-ca', {});
    await tx.put('listener', scope, 'lb-1_https_443', {});
    await tx.put('acl', { ...scope, region: 'cn-shanghai' }, 'acl-sh', {});
  });

  await store.read(async (tx) => {
    assert.equal(await resolveResource(tx, scope, 'instance', 'lb-1'), 'lb-1');
    assert.equal(await resolveResource(tx, scope, 'certificate', 'cert-ca'), 'cert-ca');
    assert.equal(await resolveResource(tx, scope, 'listener', 'lb-1_HTTPS_443'), 'lb-1_https_443');
    assert.equal(await resolveResource(tx, scope, 'listener', 'lb-1_https_0443'), 'lb-1_https_443');
    assert.equal(await resolveResource(tx, scope, 'listener', 'lb-1'), undefined);
    assert.equal(await resolveResource(tx, scope, 'acl', 'acl-sh'), undefined, 'other region');
    assert.equal(await resolveResource(tx, { ...scope, account: '9' }, 'instance', 'lb-1'), undefined, 'other account');
  });

  // 15 + 6 new keys > 20 on lb-2: nothing is written on lb-1 either.
  await store.write((tx) => putTags(tx, scope, 'instance', 'lb-2', tags(15)));
  assert.equal(await acode(store.write((tx) => tagResources(tx, scope, 'instance', ['lb-1', 'lb-2'], tags(6, 'n')))), 'TagCountLimit');
  assert.deepEqual(await store.read((tx) => getTags(tx, scope, 'instance', 'lb-1')), []);
  assert.equal(await acode(store.write((tx) => tagResources(tx, scope, 'instance', ['lb-1', 'lb-9'], tags(1)))), 'InvalidResourceId.NotFound');
  await store.write((tx) => tagResources(tx, scope, 'instance', ['lb-1', 'lb-1'], tags(20)));
  assert.equal((await store.read((tx) => getTags(tx, scope, 'instance', 'lb-1'))).length, 20);

  // Keyset paging: 35 rows, page size 10 → 4 pages; a write between pages does not shift rows.
  const pages: string[][] = [];
  let token: string | undefined;
  let wroteBetween = false;
  do {
    const page = await store.read((tx) => listTagRows(tx, scope, 'instance', { pageSize: 10, ...(token ? { nextToken: token } : {}) }));
    pages.push(page.rows.map((r) => `${r.ResourceId}/${r.TagKey}`));
    token = page.nextToken;
    if (!wroteBetween) {
      wroteBetween = true;
      // Removing an already-listed row must not make an unlisted one be skipped.
      await store.write((tx) => untagResources(tx, scope, 'instance', ['lb-1'], ['k00']));
    }
  } while (token);
  const flat = pages.flat();
  assert.equal(pages.length, 4);
  assert.equal(flat.length, 35);
  assert.equal(new Set(flat).size, 35);
  assert.equal(await acode(store.read((tx) => listTagRows(tx, scope, 'instance', { nextToken: 'garbage' }))), 'InvalidParameter');

  // Filters: ids and tags.
  const byTag = await store.read((tx) => listTagRows(tx, scope, 'instance', { filter: [{ Key: 'k14', Value: 'v14' }] }));
  assert.deepEqual([...new Set(byTag.rows.map((r) => r.ResourceId))], ['lb-1', 'lb-2']);
  const byId = await store.read((tx) => listTagRows(tx, scope, 'instance', { ids: ['lb-2'], filter: [{ Key: 'k14' }] }));
  assert.equal(byId.rows.length, 15);
  assert.equal(byId.nextToken, undefined);

  // DescribeTags grouping.
  const sets = await store.read((tx) => describeTagSets(tx, scope, { filter: [{ Key: 'k01' }, { Key: 'k19' }] }));
  assert.deepEqual(sets, [
    { TagKey: 'k01', TagValue: 'v1', InstanceCount: 2 },
    { TagKey: 'k19', TagValue: 'v19', InstanceCount: 1 },
  ]);
  const distinct = await store.read((tx) => describeTagSets(tx, scope, { distinctKey: true, lbIds: ['lb-2'] }));
  assert.equal(distinct.length, 15);
  assert.ok(distinct.every((s) => s.InstanceCount === 1 && !('TagValue' in s)));

  // All / none.
  await store.write((tx) => untagResources(tx, scope, 'instance', ['lb-2'], 'none'));
  assert.equal((await store.read((tx) => getTags(tx, scope, 'instance', 'lb-2'))).length, 15);
  await store.write((tx) => untagResources(tx, scope, 'instance', ['lb-2'], 'all'));
  assert.deepEqual(await store.read((tx) => getTags(tx, scope, 'instance', 'lb-2')), []);
});
