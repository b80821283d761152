// What the ECS actions share: the action table, region checks, tags and the two ways of paging.
import { ActionTable, type ProductAction } from '../product.js';
import { findRegion, type RegionInfo } from '../../world/regions.js';
import { E } from './catalog.js';
import { ECS_SPECS, prune } from './specs.js';

export const actions = new ActionTable();

/** Defines an action whose answer keeps only the fields of its response tree. */
export function define(a: ProductAction): void {
  const fields = ECS_SPECS[a.name]?.response.fields;
  if (!fields) throw new Error(`ECS action ${a.name} has no spec`);
  actions.define({ ...a, handler: async (ctx, p) => prune(fields, await a.handler(ctx, p)) as Record<string, unknown> });
}

export type Params = Record<string, unknown>;
export const str = (p: Params, k: string): string | undefined => {
  const v = p[k];
  return typeof v === 'string' && v !== '' ? v : undefined;
};
export const num = (p: Params, k: string): number | undefined => (typeof p[k] === 'number' ? (p[k] as number) : undefined);
export const bool = (p: Params, k: string): boolean => p[k] === true;
export const list = (p: Params, k: string): string[] => (Array.isArray(p[k]) ? (p[k] as unknown[]).filter((x): x is string => typeof x === 'string' && x !== '') : []);

/** The region of a region-scoped call; unknown → 404 InvalidRegionId.NotFound. */
export function requireRegion(id: string | undefined): RegionInfo {
  const r = findRegion(id);
  if (!r) throw E.error('InvalidRegionId.NotFound');
  return r;
}

export interface Tag {
  Key: string;
  Value: string;
}

/** Tag.N.Key / Tag.N.Value (any key case) as a list; items without a key are dropped. */
export function tagsOf(p: Params): Tag[] {
  const items = Array.isArray(p['Tag']) ? (p['Tag'] as Record<string, string>[]) : [];
  const out: Tag[] = [];
  for (const it of items) {
    const key = it['Key'] ?? it['key'];
    if (key) out.push({ Key: key, Value: it['Value'] ?? it['value'] ?? '' });
  }
  return out;
}

/** Whether `have` holds every wanted tag (a wanted tag without value matches any value). */
export const hasTags = (have: Tag[] | undefined, want: Tag[]) => want.every((w) => (have ?? []).some((h) => h.Key === w.Key && (w.Value === '' || h.Value === w.Value)));

export const tagView = (tags: Tag[] | undefined) => (tags ?? []).map((t) => ({ TagKey: t.Key, TagValue: t.Value }));

/**
 * One page of `all`, by PageNumber/PageSize (answer: PageNumber, PageSize, TotalCount) or, when
 * NextToken or MaxResults is given, by token (answer: NextToken — "" on the last page —, PageSize =
 * the page size asked for, TotalCount). The Kubernetes cloud controller pages by token and stops
 * when NextToken is "" or PageSize is below what it asked (reference/products-notes.md §6).
 */
export function paginate<T>(all: T[], p: Params, o: { defaultSize: number; maxSize: number }): { items: T[]; fields: Record<string, unknown> } {
  const token = str(p, 'NextToken');
  const max = num(p, 'MaxResults');
  if (token !== undefined || max !== undefined) {
    const size = Math.min(max ?? o.defaultSize, o.maxSize);
    const offset = token === undefined ? 0 : decodeToken(token);
    const items = all.slice(offset, offset + size);
    const next = offset + size < all.length ? encodeToken(offset + size) : '';
    return { items, fields: { NextToken: next, PageSize: size, TotalCount: all.length } };
  }
  const size = Math.max(1, Math.min(num(p, 'PageSize') ?? o.defaultSize, o.maxSize));
  const number = Math.max(1, num(p, 'PageNumber') ?? 1);
  return { items: all.slice((number - 1) * size, number * size), fields: { PageNumber: number, PageSize: size, TotalCount: all.length } };
}

const encodeToken = (offset: number) => Buffer.from(`openslb:${offset}`).toString('base64url');
function decodeToken(t: string): number {
  const m = /^openslb:(\d{1,9})$/.exec(Buffer.from(t, 'base64url').toString('utf8'));
  if (!m) throw E.error('InvalidParameter', 'The specified parameter "NextToken" is not valid.');
  return Number(m[1]);
}

/** A MAC address derived from a resource id (stable, locally administered Alibaba prefix 00:16:3e). */
export function macOf(id: string): string {
  let h = 2166136261;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  const b = [(h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff].map((x) => x.toString(16).padStart(2, '0'));
  return `00:16:3e:${b.join(':')}`;
}
