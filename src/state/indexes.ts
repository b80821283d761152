// Which fields of which document kinds the stores index (the schema of lookups). Each entry maps
// an index field name to a path in the document: "A" a top-level field, "A.B" a nested one,
// "A[].B" field B of every element of list A (a document may then have several values); "A*" as
// the last step: every id in A, A being a comma-separated text (pieces trimmed) or lists and
// objects holding such texts; "P|Q": the values of both paths. Values are kept as text.
// Tx.query's `where` may name only these fields.
//
// Changing this table (or how values are derived: then bump the version string in indexVersion)
// changes the hash; a store that finds another hash at open rebuilds its index from the documents
// (one pass), so existing data directories carry forward.
import { createHash } from 'node:crypto';
import type { IndexValue } from './store.js';

export type IndexSpec = Readonly<Record<string, Readonly<Record<string, string>>>>;

export const INDEXES: IndexSpec = {
  loadBalancer: {
    LoadBalancerName: 'LoadBalancerName',
    Address: 'Address',
    VpcId: 'VpcId',
    VSwitchId: 'VSwitchId',
    ResourceGroupId: 'ResourceGroupId',
    ServerId: 'BackendServers[].ServerId',
    ServerIp: 'BackendServers[].ServerIp',
    PayType: 'PayType',
    TagKey: 'TagSet[].Key',
    Tag: 'TagSet[].Pair',
  },
  listener: {
    LoadBalancerId: 'LoadBalancerId',
    // every ACL id named in AclId or AclIds, whatever their shape (a superset of
    // src/products/slb/services/acls.ts aclIdsOfListener, which callers apply to what they find)
    AclIds: 'AclId*|AclIds*',
    ServerCertificateId: 'ServerCertificateId',
    CACertificateId: 'CACertificateId',
    TLSCipherPolicy: 'TLSCipherPolicy',
    // the data plane's start reads the serving listeners (src/compile/incremental.ts readAccount)
    Status: 'Status',
    PendingTarget: 'Pending.target',
  },
  vServerGroup: { LoadBalancerId: 'LoadBalancerId', ServerId: 'BackendServers[].ServerId' },
  masterSlaveServerGroup: { LoadBalancerId: 'LoadBalancerId', ServerId: 'MasterSlaveBackendServers[].ServerId' },
  rule: { LoadBalancerId: 'LoadBalancerId' },
  domainExtension: { LoadBalancerId: 'LoadBalancerId', ServerCertificateId: 'ServerCertificateId' },
  tags: { ResourceType: 'ResourceType', TagKey: 'Tags[].Key', Tag: 'Tags[].Pair' },
  instance: { VpcId: 'VpcId', VSwitchId: 'VSwitchId', PrivateIpAddress: 'PrivateIpAddress', SecurityGroupId: 'SecurityGroupIds[]' },
  securityGroup: { VpcId: 'VpcId' },
  vswitch: { VpcId: 'VpcId', Tag: 'Tags[].Pair' },
  vpc: { Status: 'Status', Tag: 'Tags[].Pair' },
  eip: { IpAddress: 'IpAddress', InstanceId: 'InstanceId', Tag: 'Tags[].Pair' },
  commerceOrder: { LoadBalancerId: 'LoadBalancerId' },
  commerceBill: { LoadBalancerId: 'LoadBalancerId' },
  account: { Name: 'Name' },
  accessKey: { AccountId: 'AccountId' },
};

/** A tag's key and value as one index value (the `Tag` field of kind 'tags'). */
export const tagPair = (key: string, value: string) => JSON.stringify([key, value]);

/** The version of a whole index table: what stores recorded before they kept one per kind. */
export const indexVersion = (spec: IndexSpec) => createHash('sha1').update(JSON.stringify(spec)).update('v2').digest('hex').slice(0, 16);

/** Each kind's index version: a store records them (store_meta 'index_versions') and, when the
 *  table changes, rebuilds the index of the kinds whose entry changed only. */
export function kindIndexVersions(spec: IndexSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [kind, fields] of Object.entries(spec)) out[kind] = createHash('sha1').update(kind).update('\u0000').update(JSON.stringify(fields)).update('v2').digest('hex').slice(0, 16);
  return out;
}

/**
 * Whole-table versions data dirs recorded before per-kind versions, with the kinds whose entry
 * has changed since in the default table: such a data dir rebuilds those kinds only. (8301…: the
 * table before listener Status / PendingTarget, which a start reads the serving listeners by.)
 */
const LEGACY_DEFAULT: Readonly<Record<string, readonly string[]>> = { '8301c538fe5c66b2': ['listener'] };

/**
 * The kinds whose index a store must rebuild for `spec`, from what it recorded: per-kind versions,
 * else the whole-table version of older data dirs; 'all' when nothing tells (every row goes).
 * Kinds recorded but gone from `spec` are in the list too: their rows go, none come back.
 */
export function staleKinds(spec: IndexSpec, recorded: { versions?: Record<string, string>; legacy?: string }): string[] | 'all' {
  const want = kindIndexVersions(spec);
  const had = recorded.versions;
  if (had) return [...new Set([...Object.keys(want), ...Object.keys(had)])].filter((k) => want[k] !== had[k]).sort();
  if (recorded.legacy === undefined) return 'all';
  if (recorded.legacy === indexVersion(spec)) return [];
  const known = spec === INDEXES ? LEGACY_DEFAULT[recorded.legacy] : undefined;
  return known ? [...known] : 'all';
}

export const indexText = (v: IndexValue) => (typeof v === 'string' ? v : String(v));

function values(node: unknown, path: string[], out: string[]): void {
  if (node === undefined || node === null) return;
  if (path.length === 0) {
    if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') out.push(indexText(node));
    return;
  }
  const [head, ...rest] = path as [string, ...string[]];
  if (head.endsWith('*') && rest.length === 0) {
    idList((node as Record<string, unknown>)[head.slice(0, -1)], out);
    return;
  }
  if (head.endsWith('[]')) {
    const list = (node as Record<string, unknown>)[head.slice(0, -2)];
    if (Array.isArray(list)) for (const el of list) values(el, rest, out);
    return;
  }
  // tags: {Key, Value} elements are indexed as one pair too
  if (head === 'Pair' && rest.length === 0 && typeof node === 'object') {
    const t = node as { Key?: unknown; Value?: unknown };
    if (typeof t.Key === 'string') out.push(tagPair(t.Key, typeof t.Value === 'string' ? t.Value : ''));
    return;
  }
  if (typeof node === 'object') values((node as Record<string, unknown>)[head], rest, out);
}

function idList(node: unknown, out: string[]): void {
  if (typeof node === 'string') {
    for (const piece of node.split(',')) if (piece.trim()) out.push(piece.trim());
  } else if (Array.isArray(node)) {
    for (const el of node) idList(el, out);
  } else if (node && typeof node === 'object') {
    for (const v of Object.values(node)) idList(v, out);
  }
}

/** The (field, value) rows a document of `kind` gets in the index, without duplicates. */
export function indexRows(spec: IndexSpec, kind: string, doc: unknown): [string, string][] {
  const fields = spec[kind];
  if (!fields || doc === undefined || doc === null) return [];
  const rows: [string, string][] = [];
  for (const [field, path] of Object.entries(fields)) {
    const out: string[] = [];
    for (const alt of path.split('|')) values(doc, alt.split('.'), out);
    for (const v of new Set(out)) rows.push([field, v]);
  }
  return rows;
}

/** The rows of `before` that `after` lacks, and the other way round. */
export function diffRows(before: [string, string][], after: [string, string][]): { gone: [string, string][]; added: [string, string][] } {
  const key = (r: [string, string]) => `${r[0]}\u0000${r[1]}`;
  const b = new Set(before.map(key));
  const a = new Set(after.map(key));
  return { gone: before.filter((r) => !a.has(key(r))), added: after.filter((r) => !b.has(key(r))) };
}

/**
 * Whether the stores keep a running count of a field's values (resource_counts): fields with one
 * value per document (a plain path). List fields (server ids, tags, ACL ids) are not counted: a
 * count by them goes through their (selective) rows instead, and counting them would cost a
 * counter update per list element on every write.
 */
export function countedField(spec: IndexSpec, kind: string, field: string): boolean {
  const path = spec[kind]?.[field];
  return path !== undefined && !/[[*|]/.test(path);
}
