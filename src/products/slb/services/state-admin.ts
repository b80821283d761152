// Reset, export and import of the whole state (operator API: POST /_openslb/reset,
// GET|PUT /_openslb/state; CLI: openslb state …). Reference: docs/state.md.
//
// - Reset returns the store to what a fresh data dir holds after a start with the same
//   configuration, but keeps the identities: accounts, their AccessKeys, RAM users/policies/roles,
//   STS sessions (and, outside the store, the operator token and the secret key). Everything else
//   goes with a few bulk statements (Tx.deleteWhere), then the start-time seeding runs again in the
//   same transaction (the --world file, the --commerce setting).
// - Export writes every document of the store, in insertion order, as one JSON document; sealed
//   secrets (certificate private keys) stay sealed.
// - Import validates a whole document first, then replaces every document of the store in one
//   transaction, preserving insertion order (so Describe answers page and sort as before).
import { DETERMINISM } from '../../../util/seeded-ids.js';
import { GLOBAL, type StoredDocument, type Tx } from '../../../state/store.js';
import type { SecretBox } from '../../../state/secrets.js';
import { ACCESS_KEY, ACCOUNT, STS_CREDENTIAL, STS_TOKEN, type Account } from '../../../world/accounts.js';
import { RAM_POLICY, RAM_ROLE, RAM_USER } from '../../../world/ram.js';
import { applyWorld, type WorldFile } from '../../../world/world-file.js';
import { getSettings, moveStock, putSettings, WorldError } from '../../../world/world.js';
import { COMMERCE_ACCOUNT, getCommerceSettings, putCommerceSettings } from './commerce/account.js';
import { KINDS, type LoadBalancerDoc } from './model.js';
import { backfillLoadBalancerTagSets } from './tags.js';

/** What a reset keeps: the identities, and the store's own one-off migration markers. */
// the server clock and the seeded ids' generation belong to the server, like its operator token
// (docs/determinism.md): a reset does not move time back or hand out ids again
export const KEPT_KINDS: readonly string[] = [ACCOUNT, ACCESS_KEY, RAM_USER, RAM_POLICY, RAM_ROLE, STS_CREDENTIAL, STS_TOKEN, 'migration', DETERMINISM];

export const STATE_FORMAT = 'openslb-state';
export const STATE_VERSION = 1;

/** World-file fields that configure the whole server rather than one account (left alone by an account reset). */
const SERVER_WIDE_WORLD_FIELDS = ['Pools', 'Stock', 'Quotas', 'AccountQuotas', 'RegionSpecs', 'UnavailableZones', 'UniqueLoadBalancerNames', 'DefaultVpc', 'DefaultVpcCidrBlock'];

export interface ResetOptions {
  /** only this account's documents (undefined: the whole state) */
  account?: string;
  rootAccountId: string;
  /** the parsed --world file the server started with, if any */
  world?: unknown;
  /** the --commerce / OPENSLB_COMMERCE setting the server started with, if any */
  commerce?: boolean;
  now: string;
  newId: (prefix: string) => string;
}

export interface ResetSummary {
  /** documents deleted */
  Deleted: number;
  /** the account reset (absent: the whole state) */
  AccountId?: string;
  /** whether the world file was applied again */
  WorldReapplied: boolean;
}

/** Resets the state (or one account's part of it) inside `tx`. */
export async function resetState(tx: Tx, o: ResetOptions): Promise<ResetSummary> {
  const world = o.world as WorldFile | undefined;
  const worldAccount = world ? (world.AccountId ?? o.rootAccountId) : undefined;
  if (o.account === undefined) {
    const deleted = await tx.deleteWhere({ exceptKinds: KEPT_KINDS });
    if (world !== undefined) await applyWorld(tx, o.rootAccountId, world, o.now, o.newId);
    if (o.commerce !== undefined) {
      const s = await getCommerceSettings(tx);
      s.Enabled = o.commerce;
      await putCommerceSettings(tx, s);
    }
    return { Deleted: deleted, WorldReapplied: world !== undefined };
  }
  const account = o.account;
  if (!(await tx.get<Account>(ACCOUNT, GLOBAL, account))) throw new WorldError(404, 'AccountNotFound', `no account ${account}`);
  // the stock the account's load balancers hold goes back to the zones (as DeleteLoadBalancer does)
  const lbs = await tx.listAccount<LoadBalancerDoc>(KINDS.loadBalancer, account);
  if (lbs.length) {
    const settings = await getSettings(tx);
    for (const { region, doc } of lbs) moveStock(settings, region, doc.MasterZoneId, doc.LoadBalancerSpec, +1);
    await putSettings(tx, settings);
  }
  let deleted = await tx.deleteWhere({ account, exceptKinds: KEPT_KINDS });
  // global documents of the account: its address leases and its wallet
  deleted += await tx.deleteWhere({ kinds: ['addressLease'], account: '', match: { AccountId: account } });
  if (await tx.delete(COMMERCE_ACCOUNT, GLOBAL, account)) deleted++;
  // allocation hints only speed up the search for a free address; without them it starts at the
  // bottom of each range, so dropping all of them is always safe (and frees the account's ranges)
  deleted += await tx.deleteWhere({ kinds: ['allocHint'], account: '' });
  const reapply = world !== undefined && worldAccount === account;
  if (reapply) {
    const own = Object.fromEntries(Object.entries(world).filter(([k]) => !SERVER_WIDE_WORLD_FIELDS.includes(k)));
    await applyWorld(tx, o.rootAccountId, own, o.now, o.newId);
  }
  return { Deleted: deleted, AccountId: account, WorldReapplied: reapply };
}

// ---------------------------------------------------------------------------------------------
// Export

export interface StateHeader {
  Format: typeof STATE_FORMAT;
  Version: typeof STATE_VERSION;
  ExportedAt: string;
  RootAccountId: string;
}

/**
 * Writes the state as one JSON document, a document per line:
 * `{"Format":"openslb-state","Version":1,…,"Documents":[\n{"Kind":…,"Account":…,"Region":…,"Id":…,"Doc":…},\n…]}`.
 * `write` may return a promise (back-pressure); it is awaited.
 */
export async function exportState(tx: Tx, header: Omit<StateHeader, 'Format' | 'Version'>, write: (chunk: string) => void | Promise<void>): Promise<number> {
  const head: StateHeader = { Format: STATE_FORMAT, Version: STATE_VERSION, ...header };
  let buf = `${JSON.stringify(head).slice(0, -1)},"Documents":[`;
  let first = true;
  const n = await tx.forEach({}, async (d: StoredDocument) => {
    buf += `${first ? '\n' : ',\n'}${JSON.stringify({ Kind: d.kind, Account: d.account, Region: d.region, Id: d.id, Doc: d.doc })}`;
    first = false;
    if (buf.length >= 64 * 1024) {
      const chunk = buf;
      buf = '';
      await write(chunk);
    }
  });
  await write(`${buf}${first ? '' : '\n'}]}\n`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Import

export interface ParsedState {
  header: StateHeader;
  documents: StoredDocument[];
}

const bad = (msg: string) => new WorldError(400, 'InvalidState', msg);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a state document completely (nothing is written); throws WorldError 400 InvalidState. */
export function parseState(text: string): ParsedState {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad('the body is not valid JSON');
  }
  if (!isObj(raw)) throw bad('the state must be a JSON object');
  if (raw['Format'] !== STATE_FORMAT) throw bad(`Format must be "${STATE_FORMAT}" (a document written by GET /_openslb/state)`);
  if (raw['Version'] !== STATE_VERSION) throw bad(`Version ${JSON.stringify(raw['Version'])} is not supported; this server reads version ${STATE_VERSION}`);
  if (typeof raw['RootAccountId'] !== 'string' || !raw['RootAccountId']) throw bad('RootAccountId must be a non-empty string');
  const docs = raw['Documents'];
  if (!Array.isArray(docs)) throw bad('Documents must be a list');
  const seen = new Set<string>();
  const documents: StoredDocument[] = [];
  for (const [i, e] of docs.entries()) {
    const at = `Documents[${i}]`;
    if (!isObj(e)) throw bad(`${at} must be an object`);
    for (const k of Object.keys(e)) if (!['Kind', 'Account', 'Region', 'Id', 'Doc'].includes(k)) throw bad(`${at}: unknown field "${k}"`);
    const { Kind, Account, Region, Id, Doc } = e;
    if (typeof Kind !== 'string' || !Kind) throw bad(`${at}: Kind must be a non-empty string`);
    if (typeof Account !== 'string') throw bad(`${at}: Account must be a string`);
    if (typeof Region !== 'string') throw bad(`${at}: Region must be a string`);
    if (typeof Id !== 'string' || !Id) throw bad(`${at}: Id must be a non-empty string`);
    if (Doc === undefined || Doc === null) throw bad(`${at}: Doc is missing`);
    const key = `${Kind}\u0000${Account}\u0000${Region}\u0000${Id}`;
    if (seen.has(key)) throw bad(`${at}: a second document ${Kind} ${Id} in (${JSON.stringify(Account)}, ${JSON.stringify(Region)})`);
    seen.add(key);
    documents.push({ kind: Kind, account: Account, region: Region, id: Id, doc: Doc });
  }
  const header: StateHeader = { Format: STATE_FORMAT, Version: STATE_VERSION, ExportedAt: String(raw['ExportedAt'] ?? ''), RootAccountId: raw['RootAccountId'] };
  return { header, documents };
}

/**
 * Checks that a parsed state fits this server: its root account is this server's root account
 * (the operator API and start-up key handling are bound to it), and every sealed secret opens with
 * this server's secret key. Throws WorldError 409.
 */
export function checkStateFits(p: ParsedState, rootAccountId: string, box: SecretBox): void {
  const roots = p.documents.filter((d) => d.kind === ACCOUNT && d.account === '' && d.region === '' && (d.doc as Partial<Account>).Root === true);
  if (roots.length !== 1 || roots[0]!.id !== rootAccountId || p.header.RootAccountId !== rootAccountId) {
    throw new WorldError(409, 'RootAccountMismatch', `the state belongs to root account ${p.header.RootAccountId}, this server's root account is ${rootAccountId}: import it into the server (or a copy of the data dir) that exported it`);
  }
  for (const d of p.documents) {
    if (d.kind !== KINDS.serverCertificate) continue;
    const c = d.doc as { ServerCertificateId?: unknown; PrivateKeySealed?: unknown };
    if (typeof c.PrivateKeySealed !== 'string') continue;
    try {
      box.open(c.PrivateKeySealed, `serverCertificate:${String(c.ServerCertificateId ?? d.id)}`);
    } catch {
      throw new WorldError(409, 'SecretKeyMismatch', `the private key of server certificate ${d.id} was sealed with another secret key: start this server with the secret.key of the server that exported the state`);
    }
  }
}

/** Replaces every document of the store with those of `p`, in their order, inside `tx`. */
export async function importState(tx: Tx, p: ParsedState): Promise<{ Deleted: number; Imported: number }> {
  const deleted = await tx.deleteWhere({});
  await tx.insertMany(p.documents);
  // a state exported before load balancer documents carried their tags gets them now, as an older
  // data dir does at start-up (DescribeLoadBalancers filters and shows tags from that copy)
  await backfillLoadBalancerTagSets(tx, (await tx.list<Account>(ACCOUNT, GLOBAL)).map((a) => a.AccountId));
  return { Deleted: deleted, Imported: p.documents.length };
}
