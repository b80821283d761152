// Tag storage shared by every taggable resource type. One document per tagged resource:
// kind 'tags', id `${ResourceType}:${ResourceId}`, in the resource's (account, region).
// ResourceType values are the API's: instance | certificate | acl | listener | vservergroup |
// masterslaveservergroup.
import type { Scope, Tx } from '../state/store.js';

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

/** Replaces the whole tag set of a resource (empty set deletes the document). */
export async function putTags(tx: Tx, scope: Scope, type: ResourceType, id: string, tags: Tag[]): Promise<void> {
  if (tags.length === 0) await tx.delete('tags', scope, docId(type, id));
  else await tx.put<TagDoc>('tags', scope, docId(type, id), { ResourceType: type, ResourceId: id, Tags: tags });
}

/** Every tagged resource of a type in a scope, with its tags. */
export async function listTagged(tx: Tx, scope: Scope, type?: ResourceType): Promise<TagDoc[]> {
  return (await tx.list<TagDoc>('tags', scope)).filter((d) => !type || d.ResourceType === type);
}

/** Drops the tags of a deleted resource. */
export async function dropTags(tx: Tx, scope: Scope, type: ResourceType, id: string): Promise<void> {
  await tx.delete('tags', scope, docId(type, id));
}
