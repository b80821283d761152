// `Tag.N.Key/Value` on the Create*/Upload* actions (tags written with the resource, validated by
// src/products/slb/services/tags.ts like TagResources) and on the Describe* actions (a filter).
import { validateTagSet, type Tag } from './tags.js';

/** The tags a create or upload call writes with its resource (the same rules as TagResources). */
export function readCreateTags(items: { Key?: string; Value?: string }[] | undefined): Tag[] {
  return items && items.length ? validateTagSet(items) : [];
}

/** A Describe* filter: every given tag must be on the resource (any value when Value is absent). */
export function matchesTags(have: Tag[], filter: { Key?: string; Value?: string }[] | undefined): boolean {
  for (const f of filter ?? []) {
    if (f.Key === undefined || f.Key === '') continue;
    const t = have.find((x) => x.Key === f.Key);
    if (!t || (f.Value !== undefined && t.Value !== f.Value)) return false;
  }
  return true;
}

export const tagsOut = (tags: Tag[]) => ({ Tag: tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value })) });
