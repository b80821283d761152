import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer } from '../helpers/server.js';
import { shapeProblems } from '../helpers/response-shape.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;
interface Attr {
  AclId: string;
  AclName: string;
  AddressIPVersion: string;
  ResourceGroupId: string;
  CreateTime: string;
  TotalAclEntry: number;
  AclEntrys: { AclEntry: { AclEntryIP: string; AclEntryComment: string }[] };
  RelatedListeners: { RelatedListener: { LoadBalancerId: string; ListenerPort: number; Protocol: string; AclType: string }[] };
  Tags: { Tag: { TagKey: string; TagValue: string }[] };
}

test('access control lists through pop-core and openapi-client', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const scope = { account: s.rootAccountId, region: R };
  // pop-core answers null-prototype objects; compare plain ones
  const call = async (action: string, params: Body = {}, o?: { method?: 'GET' | 'POST' }) => JSON.parse(JSON.stringify(await s.call(action, params, o))) as Body;

  const create = async (name: string, extra: Body = {}) => ((await call('CreateAccessControlList', { RegionId: R, AclName: name, ...extra })) as { AclId: string }).AclId;
  const attr = async (id: string, extra: Body = {}) => (await call('DescribeAccessControlListAttribute', { RegionId: R, AclId: id, ...extra })) as unknown as Attr;
  const add = (id: string, entries: unknown, method: 'GET' | 'POST' = 'POST') =>
    call('AddAccessControlListEntry', { RegionId: R, AclId: id, AclEntrys: typeof entries === 'string' ? entries : JSON.stringify(entries) }, { method });
  const remove = (id: string, entries: unknown) => call('RemoveAccessControlListEntry', { RegionId: R, AclId: id, AclEntrys: JSON.stringify(entries) }, { method: 'POST' });

  await t.test('Terraform alicloud_slb_acl: create, tag, entries in chunks of 50, read, rename, update entries, delete', async () => {
    const created = await call('CreateAccessControlList', { RegionId: R, AclName: 'tf-testAccSlbAcl', AddressIPVersion: 'ipv4', ResourceGroupId: 'rg-acfmtest0001' });
    assert.deepEqual(shapeProblems('CreateAccessControlList', created, ['AclId', 'RequestId']), []);
    const id = (created as { AclId: string }).AclId;
    assert.match(id, /^acl-[a-z0-9]{21}$/);
    await call('TagResources', { RegionId: R, ResourceType: 'acl', 'ResourceId.1': id, 'Tag.1.Key': 'env', 'Tag.1.Value': 'test' });
    // 120 entries in chunks of 50, lower-case keys, Terraform's JSON
    const all = Array.from({ length: 120 }, (_, i) => ({ entry: `10.${Math.floor(i / 250)}.${i % 250}.0/24`, comment: `c${i}` }));
    for (let i = 0; i < all.length; i += 50) await add(id, all.slice(i, i + 50));
    const a = await attr(id);
    assert.deepEqual(shapeProblems('DescribeAccessControlListAttribute', a as unknown as Body), []);
    assert.equal(a.AclName, 'tf-testAccSlbAcl');
    assert.equal(a.AddressIPVersion, 'ipv4');
    assert.equal(a.ResourceGroupId, 'rg-acfmtest0001');
    assert.match(a.CreateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(a.TotalAclEntry, 120);
    assert.equal(a.AclEntrys.AclEntry.length, 120, 'no Page: every entry, as Terraform reads it');
    assert.deepEqual(a.AclEntrys.AclEntry[7], { AclEntryIP: '10.0.7.0/24', AclEntryComment: 'c7' });
    assert.deepEqual(a.RelatedListeners, { RelatedListener: [] });
    assert.deepEqual(a.Tags, { Tag: [{ TagKey: 'env', TagValue: 'test' }] });
    // rename, then the entry-set diff: remove first, then add
    assert.deepEqual(Object.keys(await call('SetAccessControlListAttribute', { RegionId: R, AclId: id, AclName: 'tf-testAccSlbAclUpdate' })).sort(), ['AclId', 'RequestId']);
    await remove(id, [{ entry: '10.0.0.0/24', comment: 'c0' }]);
    await add(id, [{ entry: '192.168.0.0/16', comment: 'new' }]);
    const b = await attr(id);
    assert.equal(b.AclName, 'tf-testAccSlbAclUpdate');
    assert.equal(b.TotalAclEntry, 120);
    assert.equal(b.AclEntrys.AclEntry.at(-1)?.AclEntryIP, '192.168.0.0/16');
    assert.ok(!b.AclEntrys.AclEntry.some((e) => e.AclEntryIP === '10.0.0.0/24'));
    // delete, then the read is AclNotExist and a second delete too (Terraform: gone)
    assert.deepEqual(Object.keys(await call('DeleteAccessControlList', { RegionId: R, AclId: id })), ['RequestId']);
    const gone = await rejects(() => attr(id));
    assert.equal(gone.code, 'AclNotExist');
    assert.equal(gone.data['Message'], 'The specified acl does not exist.');
    const again = await rejects(() => s.v3('DeleteAccessControlList', { RegionId: R, AclId: id }));
    assert.equal(again.code, 'AclNotExist');
    assert.equal(again.statusCode, 400);
    // its tags went with it
    const tags = (await call('ListTagResources', { RegionId: R, ResourceType: 'acl', 'Tag.1.Key': 'env' })) as { TagResources: { TagResource: unknown[] } };
    assert.deepEqual(tags.TagResources.TagResource, []);
  });

  await t.test('Terraform alicloud_slb_acl_entry_attachment: one entry, find it, remove it, removing again is AclEntryEmpty', async () => {
    const id = await create('attach-acl');
    await add(id, "[{'entry':'172.16.1.0/24','comment':'att'}]", 'GET'); // single-quoted, in the query
    const a = await attr(id);
    assert.deepEqual(a.AclEntrys.AclEntry, [{ AclEntryIP: '172.16.1.0/24', AclEntryComment: 'att' }]);
    await add(id, [{ entry: '172.16.1.0/24', comment: 'att' }]); // a retried create: skipped
    assert.equal((await attr(id)).TotalAclEntry, 1);
    await remove(id, [{ entry: '172.16.1.0/24' }]);
    const empty = await attr(id);
    assert.deepEqual(empty.AclEntrys, { AclEntry: [] }, 'the key is present and empty');
    const e = await rejects(() => remove(id, [{ entry: '172.16.1.0/24' }]));
    assert.equal(e.code, 'AclEntryEmpty');
    assert.equal(e.data['Message'], 'Acl does not have any entry.');
    const v3 = await rejects(() => s.v3('RemoveAccessControlListEntry', { RegionId: R, AclId: id, AclEntrys: '[{"entry":"1.1.1.1/32"}]' }));
    assert.equal(v3.code, 'AclEntryEmpty');
    assert.equal(v3.statusCode, 400);
  });

  await t.test('entry validation: IpListItemFormatError, IllegalEntry, InvalidParam.AclEntryExists, limits; nothing stored on error', async () => {
    const v4 = await create('v4-acl');
    const v6 = await create('v6-acl', { AddressIPVersion: 'ipv6' });
    const code = async (fn: () => Promise<unknown>) => {
      const e = await rejects(fn);
      return `${e.code}|${String(e.data['Message'])}`;
    };
    for (const bad of ['not-an-ip', '10.0.0.0/33', '256.1.1.1/32', '10.0.0/24', '10.0.0.1/', '', '1.2.3.4/024']) {
      assert.equal(await code(() => add(v4, [{ entry: '10.9.9.0/24' }, { entry: bad }])), 'IpListItemFormatError|please check the ip list item format error.', bad);
    }
    assert.equal(await code(() => add(v4, [{ comment: 'no entry' }])), 'IpListItemFormatError|please check the ip list item format error.');
    assert.equal(await code(() => add(v4, [{ entry: '2001:db8::/32' }])), 'IllegalEntry|Entry version is conflict to the acl version.');
    assert.equal(await code(() => add(v6, [{ entry: '10.0.0.0/8' }])), 'IllegalEntry|Entry version is conflict to the acl version.');
    assert.equal((await attr(v4)).TotalAclEntry, 0, 'a rejected call adds nothing, not even its valid entries');
    // bare addresses become /32 and /128; IPv6 is stored in its canonical form
    await add(v4, [{ entry: '8.8.8.8' }]);
    await add(v6, [{ entry: '2001:DB8:0:0::1' }, { entry: '2001:db8:1::/48', comment: 'x' }]);
    assert.deepEqual((await attr(v4)).AclEntrys.AclEntry, [{ AclEntryIP: '8.8.8.8/32', AclEntryComment: '' }]);
    assert.deepEqual((await attr(v6)).AclEntrys.AclEntry.map((e) => e.AclEntryIP), ['2001:db8::1/128', '2001:db8:1::/48']);
    // the same block with another comment
    assert.equal(await code(() => add(v4, [{ entry: '8.8.8.8/32', comment: 'other' }])), 'InvalidParam.AclEntryExists|The specified aclEntry already exists in the acl.');
    assert.equal(await code(() => add(v4, [{ entry: '9.9.9.9/32', comment: 'a' }, { entry: '9.9.9.9', comment: 'b' }])), 'InvalidParam.AclEntryExists|The specified aclEntry already exists in the acl.');
    // more than 50 per call; more than 300 per ACL
    const many = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({ entry: `${base}.${Math.floor(i / 200)}.${i % 200}.0/24` }));
    assert.equal(await code(() => add(v4, many(51, 20))), 'InvalidParameter|The specified parameter is not valid.');
    for (let i = 0; i < 6; i++) await add(v4, many(i === 5 ? 49 : 50, 30 + i)); // + 8.8.8.8/32 = 300
    assert.equal((await attr(v4)).TotalAclEntry, 300);
    assert.equal(await code(() => add(v4, [{ entry: '40.0.0.0/8' }])), 'AclEntryExceedLimit|The maximum number of ACL entries is exceeded.');
    // broken JSON, wrong element kinds, missing list
    assert.equal(await code(() => add(v4, '[{"entry":')), 'InvalidParameter|The specified parameter is not valid.');
    assert.equal(await code(() => add(v4, '[1,2]')), 'InvalidParameter|The specified parameter is not valid.');
    const missing = await rejects(() => call('AddAccessControlListEntry', { RegionId: R, AclId: v4 }));
    assert.equal(missing.code, 'MissingParameter');
    assert.equal((await attr(v4)).TotalAclEntry, 300);
    // unknown ACL
    assert.equal(await code(() => add('acl-doesnotexist000000000', [{ entry: '1.1.1.1/32' }])), 'AclNotExist|The specified acl does not exist.');
    // paging over entries and the comment filter
    const page = await attr(v4, { Page: 2, PageSize: 50 });
    assert.equal(page.AclEntrys.AclEntry.length, 50);
    assert.equal(page.TotalAclEntry, 300);
    assert.equal(page.AclEntrys.AclEntry[0]!.AclEntryIP, '30.0.49.0/24');
    const small = await attr(v4, { PageSize: 7 });
    assert.equal(small.AclEntrys.AclEntry.length, 7);
    assert.equal((await rejects(() => attr(v4, { PageSize: 51 }))).code, 'InvalidParameter');
    const byComment = await attr(v6, { AclEntryComment: 'x' });
    assert.deepEqual(byComment.AclEntrys.AclEntry.map((e) => e.AclEntryIP), ['2001:db8:1::/48']);
    assert.equal(byComment.TotalAclEntry, 1);
  });

  await t.test('names: AclNameExist, allowed characters, length; quota of 50 per region', async () => {
    const id = await create('dup-name');
    const e = await rejects(() => create('dup-name'));
    assert.equal(e.code, 'AclNameExist');
    assert.equal(e.data['Message'], 'The specified acl name already exists.');
    const other = await create('other-name');
    assert.equal((await rejects(() => call('SetAccessControlListAttribute', { RegionId: R, AclId: other, AclName: 'dup-name' }))).code, 'AclNameExist');
    await call('SetAccessControlListAttribute', { RegionId: R, AclId: id, AclName: 'dup-name' }); // its own name: fine
    assert.equal((await rejects(() => create('bad name!'))).code, 'InvalidParameter');
    assert.equal((await rejects(() => create('x'.repeat(81)))).code, 'InvalidParameterLength');
    assert.match(await create('中文名称/ok.1'), /^acl-/);
    assert.equal((await rejects(() => create('v', { AddressIPVersion: 'ipv5' }))).code, 'InvalidParameter');
    assert.equal((await rejects(() => call('CreateAccessControlList', { RegionId: R }))).code, 'MissingParameter');
    assert.equal((await rejects(() => call('CreateAccessControlList', { RegionId: 'mars-1', AclName: 'x' }))).code, 'InvalidRegionId.NotFound');
    const quota = (name: string, region = 'cn-qingdao') => call('CreateAccessControlList', { RegionId: region, AclName: name });
    for (let i = 0; i < 50; i++) await quota(`fill-${i}`);
    const q = await rejects(() => quota('one-too-many'));
    assert.equal(q.code, 'AclNumberOverLimit');
    assert.equal(q.data['Message'], 'The number of acls exceeds the limit.');
    // other regions have their own quota
    assert.match(((await quota('one-too-many', 'cn-shanghai')) as { AclId: string }).AclId, /^acl-/);
  });

  await t.test('DescribeAccessControlLists: filters, tags, resource group, paging, shapes (both clients)', async () => {
    const region = 'cn-beijing';
    const mk = async (name: string, extra: Body = {}) => ((await call('CreateAccessControlList', { RegionId: region, AclName: name, ...extra })) as { AclId: string }).AclId;
    const a = await mk('list-a', { 'Tag.1.Key': 'team', 'Tag.1.Value': 'blue', ResourceGroupId: 'rg-acfmgroup1' });
    const b = await mk('list-b', { AddressIPVersion: 'ipv6', 'Tag.1.Key': 'team', 'Tag.1.Value': 'red' });
    const c = await mk('list-c');
    type L = { Acls: { Acl: { AclId: string; AclName: string; Tags: { Tag: { TagKey: string; TagValue: string }[] } }[] }; TotalCount: number; PageNumber: number; PageSize: number; Count: number };
    const all = (await call('DescribeAccessControlLists', { RegionId: region })) as unknown as L;
    assert.deepEqual(shapeProblems('DescribeAccessControlLists', all as unknown as Body), []);
    assert.deepEqual(all.Acls.Acl.map((x) => x.AclId), [a, b, c]);
    assert.deepEqual([all.TotalCount, all.PageNumber, all.PageSize, all.Count], [3, 1, 10, 3]);
    assert.deepEqual(all.Acls.Acl[0]!.Tags, { Tag: [{ TagKey: 'team', TagValue: 'blue' }] });
    const ids = async (q: Body) => ((await s.v3('DescribeAccessControlLists', { RegionId: region, ...q })).body as unknown as L).Acls.Acl.map((x) => x.AclId);
    assert.deepEqual(await ids({ AclName: 'list-b' }), [b]);
    assert.deepEqual(await ids({ AddressIPVersion: 'ipv6' }), [b]);
    assert.deepEqual(await ids({ ResourceGroupId: 'rg-acfmgroup1' }), [a]);
    assert.deepEqual(await ids({ 'Tag.1.Key': 'team' }), [a, b]);
    assert.deepEqual(await ids({ 'Tag.1.Key': 'team', 'Tag.1.Value': 'red' }), [b]);
    assert.deepEqual(await ids({ AclName: 'nothing-like-it' }), []);
    const p2 = (await s.v3('DescribeAccessControlLists', { RegionId: region, PageNumber: 2, PageSize: 2 })).body as unknown as L;
    assert.deepEqual([p2.Acls.Acl.map((x) => x.AclId), p2.TotalCount, p2.PageNumber, p2.PageSize, p2.Count], [[c], 3, 2, 2, 1]);
    const none = (await call('DescribeAccessControlLists', { RegionId: 'ap-south-1' })) as unknown as L;
    assert.deepEqual(none.Acls, { Acl: [] });
    // the default resource group is one rg- id for every resource of the account
    const rgs = new Set(((await call('DescribeAccessControlLists', { RegionId: region })) as unknown as { Acls: { Acl: { ResourceGroupId: string }[] } }).Acls.Acl.map((x) => x.ResourceGroupId));
    assert.equal(rgs.size, 2);
    assert.ok([...rgs].some((x) => /^rg-[a-z0-9]{20}$/.test(x)));
    assert.equal((await rejects(() => call('DescribeAccessControlLists', { RegionId: region, PageNumber: 0 }))).code, 'InvalidParameter');
    assert.equal((await rejects(() => call('CreateAccessControlList', { RegionId: region, AclName: 'tagbad', 'Tag.1.Key': 'aliyun:x' }))).code, 'InvalidParameter.TagKey');
  });

  await t.test('an ACL used by a listener: RelatedListeners, and DeleteAccessControlList is refused', async () => {
    const id = await create('bound-acl');
    const other = await create('bound-acl-2');
    await s.store.write(async (tx) => {
      await tx.put('listener', scope, 'lb-test00000000000000001_http_80', { LoadBalancerId: 'lb-test00000000000000001', ListenerPort: 80, ListenerProtocol: 'http', Status: 'running', AclStatus: 'on', AclType: 'white', AclId: id });
      await tx.put('listener', scope, 'lb-test00000000000000001_tcp_443', { LoadBalancerId: 'lb-test00000000000000001', ListenerPort: 443, ListenerProtocol: 'tcp', Status: 'stopped', AclStatus: 'on', AclType: 'black', AclIds: { AclId: [other, id] } });
    });
    const a = await attr(id);
    assert.deepEqual(shapeProblems('DescribeAccessControlListAttribute', a as unknown as Body), []);
    assert.deepEqual(a.RelatedListeners.RelatedListener, [
      { LoadBalancerId: 'lb-test00000000000000001', ListenerPort: 80, Protocol: 'http', AclType: 'white' },
      { LoadBalancerId: 'lb-test00000000000000001', ListenerPort: 443, Protocol: 'tcp', AclType: 'black' },
    ]);
    const e = await rejects(() => s.v3('DeleteAccessControlList', { RegionId: R, AclId: id }));
    assert.equal(e.code, 'OperationFailed.AclBindedWithVip');
    assert.equal(e.statusCode, 400);
    assert.equal(e.data['Message'], 'The ACL has binded with vip.');
    await s.store.write(async (tx) => {
      await tx.delete('listener', scope, 'lb-test00000000000000001_http_80');
      await tx.delete('listener', scope, 'lb-test00000000000000001_tcp_443');
    });
    await call('DeleteAccessControlList', { RegionId: R, AclId: id });
  });

  await t.test('concurrent entry additions are all kept', async () => {
    const id = await create('concurrent-acl');
    await Promise.all(Array.from({ length: 8 }, (_, i) => add(id, [{ entry: `100.64.${i}.0/24`, comment: `p${i}` }])));
    const a = await attr(id);
    assert.equal(a.TotalAclEntry, 8);
    assert.deepEqual(new Set(a.AclEntrys.AclEntry.map((e) => e.AclEntryIP)), new Set(Array.from({ length: 8 }, (_, i) => `100.64.${i}.0/24`)));
  });
});
