// Access control lists: CreateAccessControlList, DeleteAccessControlList,
// SetAccessControlListAttribute, DescribeAccessControlLists, DescribeAccessControlListAttribute,
// AddAccessControlListEntry, RemoveAccessControlListEntry. Rules in src/products/slb/services/acls.ts.
import { apiError, fail } from '../../../errors/catalog.js';
import {
  addEntries,
  listenersUsingAcl,
  MAX_ACLS_PER_REGION,
  readEntries,
  removeEntries,
  type AclDoc,
  type EntryInput,
} from '../services/acls.js';
import { matchesTags, readCreateTags, tagsOut } from '../services/create-tags.js';
import { KINDS } from '../services/model.js';
import { checkName, nameMatcher } from '../services/names.js';
import { scopeOf } from '../services/scope.js';
import { dropTags, getTags, putTags } from '../services/tags.js';
import type { Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { defaultResourceGroupId } from '../../../world/resource-groups.js';
import type { JsonList } from '../../../util/json-param.js';
import { defineAction, type Ctx } from '../registry.js';
import { requireRegion } from './regions.js';

const ACL_NAME = nameMatcher(['letters', 'digits', '-', '_', '.', '/']);
const badValue = () => apiError('InvalidParameter', 'The specified parameter is not valid.');

async function requireAcl(tx: Tx, scope: Scope, id: string | undefined): Promise<AclDoc> {
  const acl = id ? await tx.get<AclDoc>(KINDS.acl, scope, id.trim()) : undefined;
  if (!acl) fail('AclNotExist', 'The specified acl does not exist.');
  return acl;
}

function entryInputs(list: JsonList | undefined): EntryInput[] {
  if (!list || list.length === 0) {
    fail('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name: 'AclEntrys' });
  }
  return list.map((it) => {
    if (typeof it !== 'object') fail('IpListItemFormatError', 'please check the ip list item format error.');
    const entry = it['entry'];
    const comment = it['comment'];
    return { entry: typeof entry === 'string' ? entry : undefined, comment: comment === undefined || comment === null ? undefined : String(comment) };
  });
}

async function nameTaken(tx: Tx, scope: Scope, name: string, except?: string): Promise<boolean> {
  return (await tx.query<AclDoc>(KINDS.acl, scope, { match: { AclName: name } })).some((x) => x.doc.AclId !== except);
}

const region = (ctx: Ctx, id: string | undefined) => scopeOf(ctx, requireRegion(id).RegionId);

defineAction({
  name: 'CreateAccessControlList',
  async handler(ctx, p) {
    const scope = region(ctx, p.RegionId);
    checkName(p.AclName, ACL_NAME);
    const tags = readCreateTags(p.Tag);
    return ctx.store.write(async (tx) => {
      if (await nameTaken(tx, scope, p.AclName)) fail('AclNameExist', 'The specified acl name already exists.');
      if ((await tx.count(KINDS.acl, scope)) >= MAX_ACLS_PER_REGION) fail('AclNumberOverLimit', 'The number of acls exceeds the limit.');
      const acl: AclDoc = {
        AclId: ctx.ids.next('acl-', 21),
        AclName: p.AclName,
        AddressIPVersion: p.AddressIPVersion === 'ipv6' ? 'ipv6' : 'ipv4',
        ResourceGroupId: p.ResourceGroupId || defaultResourceGroupId(ctx.caller.accountId),
        CreateTime: isoSeconds(ctx.clock.now()),
        Entries: [],
      };
      await tx.put(KINDS.acl, scope, acl.AclId, acl);
      if (tags.length) await putTags(tx, scope, 'acl', acl.AclId, tags);
      return { AclId: acl.AclId };
    });
  },
});

defineAction({
  name: 'DeleteAccessControlList',
  async handler(ctx, p) {
    const scope = region(ctx, p.RegionId);
    await ctx.store.write(async (tx) => {
      const acl = await requireAcl(tx, scope, p.AclId);
      if ((await listenersUsingAcl(tx, scope, acl.AclId)).length) fail('OperationFailed.AclBindedWithVip', 'The ACL has binded with vip.');
      await tx.delete(KINDS.acl, scope, acl.AclId);
      await dropTags(tx, scope, 'acl', acl.AclId);
    });
    return {};
  },
});

defineAction({
  name: 'SetAccessControlListAttribute',
  async handler(ctx, p) {
    const scope = region(ctx, p.RegionId);
    if ([...p.AclName].length > 80) fail('InvalidParameterLength', 'The specified parameter length is not valid.');
    checkName(p.AclName, ACL_NAME);
    return ctx.store.write(async (tx) => {
      const acl = await requireAcl(tx, scope, p.AclId);
      if (acl.AclName !== p.AclName) {
        if (await nameTaken(tx, scope, p.AclName, acl.AclId)) fail('AclNameExist', 'The specified acl name already exists.');
        await tx.put(KINDS.acl, scope, acl.AclId, { ...acl, AclName: p.AclName });
      }
      return { AclId: acl.AclId };
    });
  },
});

defineAction({
  name: 'DescribeAccessControlLists',
  async handler(ctx, p) {
    const scope = region(ctx, p.RegionId);
    const pageNumber = p.PageNumber ?? 1;
    const pageSize = p.PageSize ?? 10;
    if (pageSize < 1 || pageSize > 100) throw badValue();
    return ctx.store.read(async (tx) => {
      const match: Record<string, string> = {};
      if (p.AclName) match['AclName'] = p.AclName;
      if (p.AddressIPVersion) match['AddressIPVersion'] = p.AddressIPVersion;
      if (p.ResourceGroupId) match['ResourceGroupId'] = p.ResourceGroupId;
      const rows: (AclDoc & { tags: Awaited<ReturnType<typeof getTags>> })[] = [];
      for (const { doc: a } of await tx.query<AclDoc>(KINDS.acl, scope, { match })) {
        const tags = await getTags(tx, scope, 'acl', a.AclId);
        if (!matchesTags(tags, p.Tag)) continue;
        rows.push({ ...a, tags });
      }
      const page = rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
      return {
        Acls: {
          Acl: page.map((a) => ({
            AclId: a.AclId,
            AclName: a.AclName,
            AddressIPVersion: a.AddressIPVersion,
            ResourceGroupId: a.ResourceGroupId,
            CreateTime: a.CreateTime,
            ServiceManagedMode: 'Unmanaged',
            Tags: tagsOut(a.tags),
          })),
        },
        TotalCount: rows.length,
        PageNumber: pageNumber,
        PageSize: pageSize,
        Count: page.length,
      };
    });
  },
});

defineAction({
  name: 'DescribeAccessControlListAttribute',
  async handler(ctx, p) {
    const scope = region(ctx, p.RegionId);
    const paged = p.Page !== undefined || p.PageSize !== undefined;
    const page = p.Page ?? 1;
    const pageSize = p.PageSize ?? 10;
    if (page < 1 || pageSize < 1 || pageSize > 50) throw badValue();
    return ctx.store.read(async (tx) => {
      const acl = await requireAcl(tx, scope, p.AclId);
      const entries = p.AclEntryComment ? acl.Entries.filter((e) => e.AclEntryComment === p.AclEntryComment) : acl.Entries;
      const shown = paged ? entries.slice((page - 1) * pageSize, page * pageSize) : entries;
      return {
        AclId: acl.AclId,
        AclName: acl.AclName,
        AddressIPVersion: acl.AddressIPVersion,
        ResourceGroupId: acl.ResourceGroupId,
        CreateTime: acl.CreateTime,
        ServiceManagedMode: 'Unmanaged',
        TotalAclEntry: entries.length,
        AclEntrys: { AclEntry: shown.map((e) => ({ AclEntryIP: e.AclEntryIP, AclEntryComment: e.AclEntryComment })) },
        RelatedListeners: { RelatedListener: await listenersUsingAcl(tx, scope, acl.AclId) },
        Tags: tagsOut(await getTags(tx, scope, 'acl', acl.AclId)),
      };
    });
  },
});

defineAction({
  name: 'AddAccessControlListEntry',
  async handler(ctx, p) {
    const scope = region(ctx, p.RegionId);
    if (!p.AclId) fail('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name: 'AclId' });
    await ctx.store.write(async (tx) => {
      const acl = await requireAcl(tx, scope, p.AclId);
      const add = readEntries(entryInputs(p.AclEntrys), acl.AddressIPVersion);
      const next = addEntries(acl, add);
      if (next.length !== acl.Entries.length) await tx.put(KINDS.acl, scope, acl.AclId, { ...acl, Entries: next });
    });
    return {};
  },
});

defineAction({
  name: 'RemoveAccessControlListEntry',
  async handler(ctx, p) {
    const scope = region(ctx, p.RegionId);
    await ctx.store.write(async (tx) => {
      const acl = await requireAcl(tx, scope, p.AclId);
      const remove = readEntries(entryInputs(p.AclEntrys), acl.AddressIPVersion);
      await tx.put(KINDS.acl, scope, acl.AclId, { ...acl, Entries: removeEntries(acl, remove) });
    });
    return {};
  },
});
