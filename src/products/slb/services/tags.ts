// Tag storage shared by every taggable resource type. One document per tagged resource:
// kind 'tags', id `${ResourceType}:${ResourceId}`, in the resource's (account, region).
// ResourceType values are the API's: instance | certificate | acl | listener | vservergroup |
// masterslaveservergroup.
//
// The rules of the tag actions (TagResources, UntagResources, ListTagResources and the legacy
// AddTags, RemoveTags, DescribeTags) live here too; decisions are written down in docs/tags.md.
import { apiError, fail } from '../../../errors/catalog.js';
import { GLOBAL, type Scope, type Tx } from '../../../state/store.js';
import { tagPair } from '../../../state/indexes.js';
import { KINDS, type LoadBalancerDoc } from './model.js';

export type ResourceType = 'instance' | 'certificate' | 'acl' | 'listener' | 'vservergroup' | 'masterslaveservergroup';

export interface Tag {
  Key: string;
  Value: string;
}

interface TagDoc {
  ResourceType: ResourceType;
  ResourceId: string;
  Tags: Tag[];
}

const docId = (type: ResourceType, id: string) => `${type}:${id}`;

export async function getTags(tx: Tx, scope: Scope, type: ResourceType, id: string): Promise<Tag[]> {
  return (await tx.get<TagDoc>('tags', scope, docId(type, id)))?.Tags ?? [];
}

/** The tags of several resources of a type, in one lookup (resources without tags are absent). */
export async function getTagsOf(tx: Tx, scope: Scope, type: ResourceType, ids: string[]): Promise<Map<string, Tag[]>> {
  if (!ids.length) return new Map();
  const found = await tx.query<TagDoc>('tags', scope, { ids: ids.map((id) => docId(type, id)) });
  return new Map(found.map((r) => [r.doc.ResourceId, r.doc.Tags]));
}

/** Replaces the whole tag set of a resource (empty set deletes the document). */
export async function putTags(tx: Tx, scope: Scope, type: ResourceType, id: string, tags: Tag[]): Promise<void> {
  if (tags.length === 0) await tx.delete('tags', scope, docId(type, id));
  else await tx.put<TagDoc>('tags', scope, docId(type, id), { ResourceType: type, ResourceId: id, Tags: tags });
  if (type === 'instance') await mirrorOnLoadBalancer(tx, scope, id, tags);
}

/** A load balancer document carries a copy of its tags (LoadBalancerDoc.TagSet), indexed by the store. */
async function mirrorOnLoadBalancer(tx: Tx, scope: Scope, id: string, tags: Tag[]): Promise<void> {
  const lb = await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scope, id);
  if (!lb) return;
  if (tags.length) lb.TagSet = tags.map((t) => ({ Key: t.Key, Value: t.Value }));
  else if (lb.TagSet) delete lb.TagSet;
  else return;
  await tx.put(KINDS.loadBalancer, scope, id, lb);
}

/**
 * Once per data dir: load balancers tagged before their documents carried TagSet get it from
 * their 'tags' documents (marker: kind 'migration', id 'lb-tagset', global).
 */
export async function backfillLoadBalancerTagSets(tx: Tx, accounts: string[]): Promise<number> {
  if (await tx.get('migration', GLOBAL, 'lb-tagset')) return 0;
  let n = 0;
  for (const account of accounts) {
    for (const { region, doc } of await tx.query<TagDoc>('tags', { account }, { where: { ResourceType: 'instance' } })) {
      await mirrorOnLoadBalancer(tx, { account, region }, doc.ResourceId, doc.Tags);
      n++;
    }
  }
  await tx.put('migration', GLOBAL, 'lb-tagset', { At: 'startup' });
  return n;
}

/** Every tagged resource of a type in a scope, with its tags. */
export async function listTagged(tx: Tx, scope: Scope, type?: ResourceType): Promise<TagDoc[]> {
  return (await tx.query<TagDoc>('tags', scope, type ? { where: { ResourceType: type } } : {})).map((r) => r.doc);
}

/** The index condition for "carries this tag" (any value when `Value` is undefined): the same
 *  fields on 'tags' documents and on load balancers (their TagSet). */
export function tagCondition(tag: { Key: string; Value?: string }): Record<string, string> {
  return tag.Value !== undefined ? { Tag: tagPair(tag.Key, tag.Value) } : { TagKey: tag.Key };
}

/** The ids of the resources of a type that carry the tag (any value when `Value` is undefined), through the index. */
export async function idsWithTag(tx: Tx, scope: Scope, type: ResourceType, tag: { Key: string; Value?: string }): Promise<string[]> {
  const where: Record<string, string> = { ...tagCondition(tag), ResourceType: type };
  return (await tx.query<TagDoc>('tags', scope, { where })).map((r) => r.doc.ResourceId);
}

/** Drops the tags of a deleted resource. */
export async function dropTags(tx: Tx, scope: Scope, type: ResourceType, id: string): Promise<void> {
  await tx.delete('tags', scope, docId(type, id));
}

// ---------------------------------------------------------------------------------------------
// Limits (Alibaba Cloud docs: 20 tags per resource, 20 resources and 20 tags per TagResources
// call; the legacy Tags JSON string carries at most 10 elements).

export const MAX_TAGS_PER_RESOURCE = 20;
export const MAX_TAGS_PER_CALL = 20;
export const MAX_RESOURCES_PER_CALL = 20;
export const MAX_LEGACY_TAGS_PER_CALL = 10;
export const MAX_KEY_LENGTH = 64;
export const MAX_VALUE_LENGTH = 128;
/** Rows per ListTagResources page. */
export const LIST_PAGE_SIZE = 50;

export const RESOURCE_TYPES: readonly ResourceType[] = ['instance', 'certificate', 'acl', 'listener', 'vservergroup', 'masterslaveservergroup'];

// ---------------------------------------------------------------------------------------------
// Resource resolution: which store document a (ResourceType, ResourceId) names. The resource
// families own those documents; this table only knows where to look.

interface Resolver {
  kinds: string[];
  /** The store id for a ResourceId as a client may write it (undefined: cannot exist). */
  canonical?: (id: string) => string | undefined;
}

const LISTENER_ID = /^(.+)_(tcp|udp|http|https)_(\d{1,5})$/i;

const RESOLVERS: Record<ResourceType, Resolver> = {
  instance: { kinds: [KINDS.loadBalancer] },
  certificate: { kinds: [KINDS.serverCertificate, KINDS.caCertificate] },
  acl: { kinds: [KINDS.acl] },
  // `${LoadBalancerId}_${protocol}_${port}`; the protocol is stored lower-case (model.listenerId).
  listener: {
    kinds: [KINDS.listener],
    canonical: (id) => {
      const m = LISTENER_ID.exec(id);
      return m ? `${m[1]}_${m[2]!.toLowerCase()}_${Number(m[3])}` : undefined;
    },
  },
  vservergroup: { kinds: [KINDS.vServerGroup] },
  masterslaveservergroup: { kinds: [KINDS.masterSlaveServerGroup] },
};

/**
 * The canonical ResourceId of an existing resource of the caller in `scope`, or undefined when
 * there is none (another account's or another region's resource is "none" too).
 */
export async function resolveResource(tx: Tx, scope: Scope, type: ResourceType, id: string): Promise<string | undefined> {
  const r = RESOLVERS[type];
  const canonical = r.canonical ? r.canonical(id) : id;
  if (!canonical) return undefined;
  for (const kind of r.kinds) {
    if ((await tx.get<unknown>(kind, scope, canonical)) !== undefined) return canonical;
  }
  return undefined;
}

/** Like resolveResource, but a missing resource is the real 404. */
export async function requireResource(tx: Tx, scope: Scope, type: ResourceType, id: string): Promise<string> {
  const found = await resolveResource(tx, scope, type, id);
  if (found === undefined) fail('InvalidResourceId.NotFound');
  return found;
}

// ---------------------------------------------------------------------------------------------
// Validation of tags a caller wants to write.

// Docs: no key or value may start with aliyun or acs: or contain http:// or https://. Matched
// case-insensitively, like src/products/slb/services/create-tags.ts (Tag.N on the Create* actions).
const RESERVED = /^(aliyun|acs:)|https?:\/\//i;
const len = (s: string) => [...s].length;

/** A key as written: non-empty, ≤64 characters, not reserved. */
export function checkTagKey(key: string | undefined): string {
  if (key === undefined || key === '') fail('InvalidParameter.TagKey');
  if (len(key) > MAX_KEY_LENGTH) fail('InvalidParameterLength', 'The specified parameter length is not valid.');
  if (RESERVED.test(key)) fail('InvalidParameter.TagKey');
  return key;
}

/** A value as written: may be empty, ≤128 characters, not reserved. */
export function checkTagValue(value: string | undefined): string {
  const v = value ?? '';
  if (len(v) > MAX_VALUE_LENGTH) fail('InvalidParameterLength', 'The specified parameter length is not valid.');
  if (RESERVED.test(v)) fail('InvalidParameter.TagValue');
  return v;
}

/**
 * Validates the tags of one write call (`Tag.N` of TagResources and of the Create* actions, or
 * the legacy `Tags` JSON): keys and values, at most `maxPerCall` (TagCreateCountLimit), no key
 * twice (Duplicate.TagKey). Returns them as stored.
 */
export function validateTagSet(tags: { Key?: string; Value?: string }[], maxPerCall = MAX_TAGS_PER_CALL): Tag[] {
  if (tags.length > maxPerCall) fail('TagCreateCountLimit');
  const out: Tag[] = [];
  const seen = new Set<string>();
  for (const t of tags) {
    const Key = checkTagKey(t.Key);
    const Value = checkTagValue(t.Value);
    if (seen.has(Key)) fail('Duplicate.TagKey');
    seen.add(Key);
    out.push({ Key, Value });
  }
  return out;
}

/** `existing` with `add` applied: same key → new value in place, new keys appended. */
export function mergeTags(existing: Tag[], add: Tag[]): Tag[] {
  const out = existing.map((t) => ({ ...t }));
  for (const t of add) {
    const cur = out.find((x) => x.Key === t.Key);
    if (cur) cur.Value = t.Value;
    else out.push({ Key: t.Key, Value: t.Value });
  }
  return out;
}

/** The per-resource limit, checked on the tag set a write would leave behind. */
export function checkTagCount(tags: Tag[]): void {
  if (tags.length > MAX_TAGS_PER_RESOURCE) fail('TagCountLimit');
}

/** Whether `tags` holds every filter pair (a filter without value matches any value of its key). */
export function hasAllTags(tags: Tag[], filter: { Key: string; Value?: string }[]): boolean {
  return filter.every((f) => tags.some((t) => t.Key === f.Key && (f.Value === undefined || t.Value === f.Value)));
}

// ---------------------------------------------------------------------------------------------
// Operations. Each runs inside the caller's write/read transaction, validates everything before
// the first put, and so leaves state untouched on any error.

const uniq = (ids: string[]) => [...new Set(ids)];

/** TagResources: adds (or overwrites) `tags` on every resource; all or nothing. */
export async function tagResources(tx: Tx, scope: Scope, type: ResourceType, ids: string[], tags: Tag[]): Promise<void> {
  const targets: { id: string; next: Tag[] }[] = [];
  for (const raw of uniq(ids)) {
    const id = await requireResource(tx, scope, type, raw);
    if (targets.some((t) => t.id === id)) continue;
    const next = mergeTags(await getTags(tx, scope, type, id), tags);
    checkTagCount(next);
    targets.push({ id, next });
  }
  for (const t of targets) await putTags(tx, scope, type, t.id, t.next);
}

/** UntagResources: removes `keys` (or every tag when keys is 'all') from every resource. */
export async function untagResources(tx: Tx, scope: Scope, type: ResourceType, ids: string[], keys: string[] | 'all' | 'none'): Promise<void> {
  const targets: string[] = [];
  for (const raw of uniq(ids)) {
    const id = await requireResource(tx, scope, type, raw);
    if (!targets.includes(id)) targets.push(id);
  }
  if (keys === 'none') return;
  for (const id of targets) {
    if (keys === 'all') await dropTags(tx, scope, type, id);
    else {
      const cur = await getTags(tx, scope, type, id);
      const next = cur.filter((t) => !keys.includes(t.Key));
      if (next.length !== cur.length) await putTags(tx, scope, type, id, next);
    }
  }
}

export interface TagRow {
  ResourceType: ResourceType;
  ResourceId: string;
  TagKey: string;
  TagValue: string;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** NextToken: the (ResourceId, TagKey) of the last row handed out, opaque to clients. */
function encodeToken(row: TagRow): string {
  return Buffer.from(JSON.stringify([row.ResourceId, row.TagKey]), 'utf8').toString('base64url');
}

function decodeToken(token: string): [string, string] {
  try {
    if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) throw new Error('shape');
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return [v[0], v[1]];
  } catch {
    // fall through to the catalog error
  }
  throw apiError('InvalidParameter', 'The specified parameter is not valid.');
}

/**
 * ListTagResources: one row per (resource, tag) of the existing resources of `type` that are in
 * `ids` (when given) and hold every `filter` pair (when given), ordered by ResourceId then TagKey,
 * paged by keyset so that tags written between pages never repeat or skip a row.
 */
export async function listTagRows(
  tx: Tx,
  scope: Scope,
  type: ResourceType,
  opts: { ids?: string[]; filter?: { Key: string; Value?: string }[]; nextToken?: string; pageSize?: number },
): Promise<{ rows: TagRow[]; nextToken?: string }> {
  const after = opts.nextToken ? decodeToken(opts.nextToken) : undefined;
  const wanted = opts.ids ? new Set(opts.ids.map((id) => RESOLVERS[type].canonical?.(id) ?? id)) : undefined;
  const docs = (await listTagged(tx, scope, type)).filter((d) => !wanted || wanted.has(d.ResourceId));
  const rows: TagRow[] = [];
  for (const d of docs.sort((a, b) => cmp(a.ResourceId, b.ResourceId))) {
    if (opts.filter && opts.filter.length && !hasAllTags(d.Tags, opts.filter)) continue;
    // Tags of a resource whose family forgot dropTags are not reported.
    if ((await resolveResource(tx, scope, type, d.ResourceId)) === undefined) continue;
    for (const t of [...d.Tags].sort((a, b) => cmp(a.Key, b.Key))) {
      rows.push({ ResourceType: type, ResourceId: d.ResourceId, TagKey: t.Key, TagValue: t.Value });
    }
  }
  const start = after ? rows.findIndex((r) => cmp(r.ResourceId, after[0]) > 0 || (r.ResourceId === after[0] && cmp(r.TagKey, after[1]) > 0)) : 0;
  const size = opts.pageSize ?? LIST_PAGE_SIZE;
  const from = start < 0 ? rows.length : start;
  const page = rows.slice(from, from + size);
  const more = from + size < rows.length;
  return { rows: page, ...(more ? { nextToken: encodeToken(page[page.length - 1]!) } : {}) };
}

export interface TagSet {
  TagKey: string;
  TagValue?: string;
  InstanceCount: number;
}

/**
 * DescribeTags: the tags of the caller's load balancers in `scope` (only those in `lbIds` when
 * given), grouped by (key, value) — or by key alone with `distinctKey` — with the number of load
 * balancers carrying each; `filter` keeps the groups that match any of its elements.
 */
export async function describeTagSets(
  tx: Tx,
  scope: Scope,
  opts: { lbIds?: string[]; filter?: { Key: string; Value?: string }[]; distinctKey?: boolean },
): Promise<TagSet[]> {
  const wanted = opts.lbIds ? new Set(opts.lbIds) : undefined;
  const groups = new Map<string, TagSet>();
  for (const d of await listTagged(tx, scope, 'instance')) {
    if (wanted && !wanted.has(d.ResourceId)) continue;
    if ((await resolveResource(tx, scope, 'instance', d.ResourceId)) === undefined) continue;
    const counted = new Set<string>();
    for (const t of d.Tags) {
      if (opts.filter && opts.filter.length && !opts.filter.some((f) => f.Key === t.Key && (f.Value === undefined || f.Value === t.Value))) continue;
      const k = opts.distinctKey ? t.Key : JSON.stringify([t.Key, t.Value]);
      if (counted.has(k)) continue;
      counted.add(k);
      const g = groups.get(k) ?? (opts.distinctKey ? { TagKey: t.Key, InstanceCount: 0 } : { TagKey: t.Key, TagValue: t.Value, InstanceCount: 0 });
      g.InstanceCount++;
      groups.set(k, g);
    }
  }
  return [...groups.values()].sort((a, b) => cmp(a.TagKey, b.TagKey) || cmp(a.TagValue ?? '', b.TagValue ?? ''));
}
