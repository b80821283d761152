// Tags on every taggable resource type: TagResources, UntagResources, ListTagResources, and the
// legacy load-balancer-only AddTags, RemoveTags, DescribeTags. Rules in src/products/slb/services/tags.ts;
// decisions in docs/tags.md.
import { apiError, fail } from '../../../errors/catalog.js';
import { requireLoadBalancer } from '../services/model.js';
import { scopeOf } from '../services/scope.js';
import {
  checkTagCount,
  describeTagSets,
  getTags,
  listTagRows,
  MAX_LEGACY_TAGS_PER_CALL,
  mergeTags,
  putTags,
  tagResources,
  untagResources,
  validateTagSet,
  type ResourceType,
} from '../services/tags.js';
import type { JsonList } from '../../../util/json-param.js';
import { strField } from '../../../util/json-param.js';
import { defineAction } from '../registry.js';
import { requireRegion } from './regions.js';

const missing = (name: string) => apiError('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name });
// A tag value without its key in a query. ListTagResources: the tag service's documented code for
// "only Tag.N.Value" is InvalidParameter.TagValue; the legacy DescribeTags ("TagValue needs TagKey")
// answers the seed's parameter-combination error.
const valueWithoutKeyList = () => apiError('InvalidParameter.TagValue', 'The specified tag value is illegal.');
const valueWithoutKeyLegacy = () => apiError('MissingParameter', 'The combination of some parameters violates the spec.');

/** ResourceId.N without empty entries; none at all is a missing parameter. */
function resourceIds(ids: string[] | undefined): string[] {
  const out = (ids ?? []).filter((id) => id !== '');
  if (out.length === 0) throw missing('ResourceId.1');
  return out;
}

/** Filter pairs of a query (Tag.N of ListTagResources, Tags of DescribeTags); '' value = any value. */
function queryFilter(items: { Key?: string; Value?: string }[] | undefined, valueWithoutKey: () => Error): { Key: string; Value?: string }[] {
  const out: { Key: string; Value?: string }[] = [];
  for (const t of items ?? []) {
    if (t.Key === undefined || t.Key === '') {
      if (t.Value !== undefined && t.Value !== '') throw valueWithoutKey();
      continue;
    }
    out.push(t.Value === undefined || t.Value === '' ? { Key: t.Key } : { Key: t.Key, Value: t.Value });
  }
  return out;
}

/** The legacy `Tags` JSON elements as {Key, Value}; numbers are read as text. */
function legacyTags(list: JsonList): { Key?: string; Value?: string }[] {
  return list.map((item) => {
    if (typeof item === 'string') throw apiError('InvalidParameter', 'The specified parameter is not valid.');
    const Key = strField(item, 'TagKey');
    const Value = strField(item, 'TagValue');
    return { ...(Key !== undefined ? { Key } : {}), ...(Value !== undefined ? { Value } : {}) };
  });
}

const tooManyTags = () => apiError('TagCreateCountLimit');

defineAction({
  name: 'TagResources',
  errors: { Tag: { tooMany: tooManyTags } },
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    const ids = resourceIds(p.ResourceId);
    const tags = validateTagSet(p.Tag);
    if (tags.length === 0) throw missing('Tag.1.Key');
    const type = p.ResourceType as ResourceType;
    await ctx.store.write((tx) => tagResources(tx, scopeOf(ctx, region), type, ids, tags));
    return {};
  },
});

defineAction({
  name: 'UntagResources',
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    const ids = resourceIds(p.ResourceId);
    const keys = [...new Set((p.TagKey ?? []).filter((k) => k !== ''))];
    // TagKey.N wins over All; with neither, nothing is removed (the docs: All applies only
    // when no TagKey.N is given).
    const what = keys.length ? keys : p.All === true ? 'all' : 'none';
    const type = p.ResourceType as ResourceType;
    await ctx.store.write((tx) => untagResources(tx, scopeOf(ctx, region), type, ids, what));
    return {};
  },
});

defineAction({
  name: 'ListTagResources',
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    const filter = queryFilter(p.Tag, valueWithoutKeyList);
    const ids = p.ResourceId?.filter((id) => id !== '');
    const type = p.ResourceType as ResourceType;
    const { rows, nextToken } = await ctx.store.read((tx) =>
      listTagRows(tx, scopeOf(ctx, region), type, { ...(ids && ids.length ? { ids } : {}), filter, ...(p.NextToken ? { nextToken: p.NextToken } : {}) }),
    );
    // The last page carries no NextToken at all: Terraform loops while it is non-null.
    return { ...(nextToken ? { NextToken: nextToken } : {}), TagResources: { TagResource: rows } };
  },
});

defineAction({
  name: 'AddTags',
  errors: { Tags: { tooMany: tooManyTags } },
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    const tags = validateTagSet(legacyTags(p.Tags), MAX_LEGACY_TAGS_PER_CALL);
    if (tags.length === 0) throw missing('Tags');
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, region);
      const next = mergeTags(await getTags(tx, scope, 'instance', lb.LoadBalancerId), tags);
      checkTagCount(next);
      await putTags(tx, scope, 'instance', lb.LoadBalancerId, next);
    });
    return {};
  },
});

defineAction({
  name: 'RemoveTags',
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    const items = legacyTags(p.Tags);
    if (items.length === 0) throw missing('Tags');
    const remove = items.map((t) => {
      if (t.Key === undefined || t.Key === '') fail('InvalidParameter.TagKey');
      return t as { Key: string; Value?: string };
    });
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, region);
      const cur = await getTags(tx, scope, 'instance', lb.LoadBalancerId);
      // A pair with a value removes the tag only when the value matches; without one, the key goes.
      const next = cur.filter((t) => !remove.some((r) => r.Key === t.Key && (r.Value === undefined || r.Value === t.Value)));
      if (next.length !== cur.length) await putTags(tx, scope, 'instance', lb.LoadBalancerId, next);
    });
    return {};
  },
});

defineAction({
  name: 'DescribeTags',
  async handler(ctx, p) {
    const region = requireRegion(p.RegionId).RegionId;
    const pageNumber = p.PageNumber ?? 1;
    const pageSize = p.PageSize ?? 50;
    if (pageSize < 1 || pageSize > 100) fail('InvalidParameter', 'The specified parameter is not valid.');
    const filter = queryFilter(p.Tags ? legacyTags(p.Tags) : undefined, valueWithoutKeyLegacy);
    const lbIds = p.LoadBalancerId
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const sets = await ctx.store.read((tx) =>
      describeTagSets(tx, scopeOf(ctx, region), { ...(lbIds && lbIds.length ? { lbIds } : {}), filter, distinctKey: p.DistinctKey === true }),
    );
    return {
      PageNumber: pageNumber,
      PageSize: pageSize,
      TotalCount: sets.length,
      TagSets: { TagSet: sets.slice((pageNumber - 1) * pageSize, pageNumber * pageSize) },
    };
  },
});
