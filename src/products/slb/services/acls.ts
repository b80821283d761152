// Access control lists: named lists of IPv4 or IPv6 CIDR blocks that listeners reference by AclId.
// Pure rules (no HTTP): entry parsing, merge/remove, and the listener references of an ACL.
import ipaddr from 'ipaddr.js';
import { fail } from '../../../errors/catalog.js';
import type { Scope, Tx } from '../../../state/store.js';
import { KINDS, type ListenerDoc } from './model.js';

export const MAX_ENTRIES_PER_ACL = 300;
export const MAX_ENTRIES_PER_CALL = 50;
export const MAX_ACLS_PER_REGION = 50;

export interface AclEntry {
  AclEntryIP: string;
  AclEntryComment: string;
}

/** kind 'acl', id = AclId */
export interface AclDoc {
  AclId: string;
  AclName: string;
  AddressIPVersion: 'ipv4' | 'ipv6';
  ResourceGroupId: string;
  CreateTime: string;
  Entries: AclEntry[];
}

const V4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * Reads one entry: a CIDR block, or a bare address taken as /32 (/128). Returns its canonical text
 * and IP version, or undefined when it is not an address at all.
 */
export function parseEntry(text: string): { cidr: string; version: 'ipv4' | 'ipv6' } | undefined {
  const t = text.trim();
  const m = /^([^/\s]+)(?:\/(\d{1,3}))?$/.exec(t);
  if (!m) return undefined;
  const host = m[1]!;
  if (V4.test(host)) {
    const prefix = m[2] === undefined ? 32 : Number(m[2]);
    if (prefix > 32 || (m[2] !== undefined && m[2].length > 1 && m[2].startsWith('0'))) return undefined;
    return { cidr: `${host}/${prefix}`, version: 'ipv4' };
  }
  if (!/^[0-9a-fA-F:.]+$/.test(host) || !host.includes(':') || !ipaddr.IPv6.isValid(host)) return undefined;
  const prefix = m[2] === undefined ? 128 : Number(m[2]);
  if (prefix > 128 || (m[2] !== undefined && m[2].length > 1 && m[2].startsWith('0'))) return undefined;
  return { cidr: `${ipaddr.IPv6.parse(host).toString()}/${prefix}`, version: 'ipv6' };
}

export interface EntryInput {
  entry?: string;
  comment?: string;
}

/**
 * Checks a whole AclEntrys list against an ACL before anything changes: every entry must be an
 * address or CIDR block (IpListItemFormatError) of the ACL's IP version (IllegalEntry); at most 50
 * blocks in one call.
 */
export function readEntries(items: EntryInput[], version: 'ipv4' | 'ipv6'): AclEntry[] {
  const out: AclEntry[] = [];
  for (const it of items) {
    // One `entry` may carry several blocks separated by commas (the API reference); they share the comment.
    for (const part of it.entry === undefined ? [undefined] : it.entry.split(',')) {
      const p = part === undefined ? undefined : parseEntry(part);
      if (!p) fail('IpListItemFormatError', 'please check the ip list item format error.');
      if (p.version !== version) fail('IllegalEntry', 'Entry version is conflict to the acl version.');
      out.push({ AclEntryIP: p.cidr, AclEntryComment: it.comment ?? '' });
    }
  }
  if (out.length > MAX_ENTRIES_PER_CALL) fail('InvalidParameter', 'The specified parameter is not valid.');
  return out;
}

/**
 * Adds entries. An entry already in the ACL with the same comment is skipped (a retried call is
 * harmless); the same block with a different comment — in the ACL or twice in the call — is
 * InvalidParam.AclEntryExists. The ACL may hold at most 300 entries.
 */
export function addEntries(acl: AclDoc, add: AclEntry[]): AclEntry[] {
  const next = [...acl.Entries];
  const byIp = new Map(next.map((e) => [e.AclEntryIP, e]));
  for (const e of add) {
    const have = byIp.get(e.AclEntryIP);
    if (have) {
      if (have.AclEntryComment !== e.AclEntryComment) fail('InvalidParam.AclEntryExists', 'The specified aclEntry already exists in the acl.');
      continue;
    }
    byIp.set(e.AclEntryIP, e);
    next.push(e);
  }
  if (next.length > MAX_ENTRIES_PER_ACL) fail('AclEntryExceedLimit', 'The maximum number of ACL entries is exceeded.');
  return next;
}

/**
 * Removes entries by block (comments are not compared). When none of the named blocks is in the
 * ACL the call is AclEntryEmpty, which Terraform reads as "already removed".
 */
export function removeEntries(acl: AclDoc, remove: AclEntry[]): AclEntry[] {
  const drop = new Set(remove.map((e) => e.AclEntryIP));
  const next = acl.Entries.filter((e) => !drop.has(e.AclEntryIP));
  if (next.length === acl.Entries.length) fail('AclEntryEmpty', 'Acl does not have any entry.');
  return next;
}

/** The ACL ids a listener document references (AclId, and AclIds in any of the shapes it may take). */
export function aclIdsOfListener(l: ListenerDoc): string[] {
  const ids = new Set<string>();
  const addAll = (v: unknown) => {
    if (typeof v === 'string') v.split(',').map((s) => s.trim()).filter(Boolean).forEach((s) => ids.add(s));
    else if (Array.isArray(v)) v.forEach(addAll);
    else if (v && typeof v === 'object' && 'AclId' in v) addAll((v as { AclId: unknown }).AclId);
  };
  addAll(l['AclId']);
  addAll(l['AclIds']);
  return [...ids];
}

export interface RelatedListener {
  LoadBalancerId: string;
  ListenerPort: number;
  Protocol: string;
  AclType: string;
}

/** Listeners of the scope that reference the ACL, whatever their AclStatus. */
export async function listenersUsingAcl(tx: Tx, scope: Scope, aclId: string): Promise<RelatedListener[]> {
  const found = await tx.query<ListenerDoc>(KINDS.listener, scope, { where: { AclIds: aclId } });
  return found
    .map((x) => x.doc)
    .filter((l) => aclIdsOfListener(l).includes(aclId))
    .map((l) => ({
      LoadBalancerId: l.LoadBalancerId,
      ListenerPort: l.ListenerPort,
      Protocol: String(l.ListenerProtocol ?? '').toLowerCase(),
      AclType: typeof l['AclType'] === 'string' ? (l['AclType'] as string) : '',
    }));
}
