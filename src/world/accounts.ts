// Accounts (tenants), their AccessKey pairs, and the lookup the gateway uses to turn an AccessKeyId
// (or an STS AccessKeyId + SecurityToken) into a caller. Every stored resource is scoped by account
// id; RAM users, policies and roles live in src/world/ram.ts. Commerce state (balances, orders…)
// lives in its own documents keyed by account id: an Account document carries identity only.
// Reference: docs/accounts-and-ram.md.
import { createHash, randomBytes } from 'node:crypto';
import { GLOBAL, type Store, type Tx } from '../state/store.js';
import { alnum, type IdGenerator } from '../util/ids.js';
import { WorldError } from './world.js';

export interface Account {
  AccountId: string;
  /** the account's login name: what OwnerAccount / ResourceOwnerAccount name */
  Name: string;
  Status: 'active' | 'disabled';
  Root: boolean;
  CreatedAt: string;
  /** the account (a reseller, "bid") allowed to act for this one with ResourceOwnerId/ResourceOwnerAccount */
  ManagedBy?: string;
  /** action patterns (`*`, `?`) this account must apply for first: answered UserNotAllowed */
  NotAllowedActions?: string[];
}

export interface AccessKey {
  AccessKeyId: string;
  AccessKeySecret: string;
  AccountId: string;
  Status: 'Active' | 'Inactive';
  CreatedAt: string;
  /** set when the key belongs to a RAM user of the account rather than to the account itself */
  UserName?: string;
}

/** kind 'stsCredential' (GLOBAL), id = AccessKeyId (`STS.…`): temporary credentials of an assumed role. */
export interface StsCredential {
  AccessKeyId: string;
  AccessKeySecret: string;
  /** sha256 of the SecurityToken (the token itself is shown once) */
  TokenHash: string;
  AccountId: string;
  RoleName: string;
  RoleSessionName: string;
  /** who assumed the role: acs:ram::{account}:root or acs:ram::{account}:user/{name} */
  Principal: string;
  /** optional session policy: the session may do only what both it and the role's policies allow */
  Policy?: string;
  /** ms since the epoch */
  Expiration: number;
  CreatedAt: string;
}

export const ACCOUNT = 'account';
export const ACCESS_KEY = 'accessKey';
export const STS_CREDENTIAL = 'stsCredential';
export const STS_TOKEN = 'stsToken';

export function newAccountId(ids?: IdGenerator): string {
  // 16 digits, like an Alibaba Cloud account UID; never starts with 0.
  const digits = ids?.digits?.('account', 16) ?? [...randomBytes(16)].map((b) => String(b % 10)).join('');
  return `1${digits.slice(1)}`;
}

/**
 * `prefix` + `n` letters and digits, letters in mixed case: AccessKeyIds. With a seeded `ids` the
 * id is reproducible (docs/determinism.md); secrets never are.
 */
export function mixedCaseKeyId(prefix: string, n: number, ids?: IdGenerator): string {
  const coin = ids?.random ? () => ids.random!(`${prefix}case`) : Math.random;
  const body = ids?.random ? ids.next(prefix, n).slice(prefix.length) : alnum(n);
  return `${prefix}${body.replace(/[a-z]/g, (c) => (coin() < 0.5 ? c.toUpperCase() : c))}`;
}

export function newAccessKey(accountId: string, now: string, userName?: string, ids?: IdGenerator): AccessKey {
  return {
    AccessKeyId: mixedCaseKeyId('LTAI', 20, ids),
    AccessKeySecret: randomBytes(22).toString('base64url').slice(0, 30),
    AccountId: accountId,
    Status: 'Active',
    CreatedAt: now,
    ...(userName !== undefined ? { UserName: userName } : {}),
  };
}

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface RootBootstrap {
  account: Account;
  key: AccessKey;
  /** true when the key pair was generated now and must be shown to the operator once */
  generated: boolean;
}

/**
 * Ensures the root account exists. With `fixed` (from OPENSLB_ACCESS_KEY_ID/SECRET) that key pair
 * is installed for it; otherwise a pair is generated on first start only.
 */
export async function bootstrapRoot(store: Store, fixed: { id: string; secret: string } | undefined, now: string, ids?: IdGenerator): Promise<RootBootstrap> {
  return store.write(async (tx) => {
    const accounts = await tx.list<Account>(ACCOUNT, GLOBAL);
    let root = accounts.find((a) => a.Root);
    if (!root) {
      root = { AccountId: newAccountId(ids), Name: 'root', Status: 'active', Root: true, CreatedAt: now };
      await tx.put(ACCOUNT, GLOBAL, root.AccountId, root);
    }
    if (fixed) {
      const existing = await tx.get<AccessKey>(ACCESS_KEY, GLOBAL, fixed.id);
      const key: AccessKey = { AccessKeyId: fixed.id, AccessKeySecret: fixed.secret, AccountId: existing?.AccountId ?? root.AccountId, Status: 'Active', CreatedAt: existing?.CreatedAt ?? now };
      await tx.put(ACCESS_KEY, GLOBAL, key.AccessKeyId, key);
      return { account: root, key, generated: false };
    }
    const keys = (await keysOf(tx, root.AccountId)).filter((k) => !k.UserName);
    if (keys.length) return { account: root, key: keys[0]!, generated: false };
    const key = newAccessKey(root.AccountId, now, undefined, ids);
    await tx.put(ACCESS_KEY, GLOBAL, key.AccessKeyId, key);
    return { account: root, key, generated: true };
  });
}

// -- management (operator API)

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export const publicKey = (k: AccessKey) => ({ AccessKeyId: k.AccessKeyId, AccountId: k.AccountId, Status: k.Status, CreateDate: k.CreatedAt, ...(k.UserName !== undefined ? { UserName: k.UserName } : {}) });

export async function getAccount(tx: Tx, id: string): Promise<Account> {
  const a = await tx.get<Account>(ACCOUNT, GLOBAL, id);
  if (!a) throw new WorldError(404, 'AccountNotFound', `no account ${id}`);
  return a;
}

export async function findAccountByName(tx: Tx, name: string): Promise<Account | undefined> {
  return (await tx.query<Account>(ACCOUNT, GLOBAL, { where: { Name: name }, limit: 1 }))[0]?.doc;
}

function checkPatterns(v: unknown, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && /^[A-Za-z0-9*?:]{1,128}$/.test(x))) throw new WorldError(400, 'InvalidField', `${what}: a list of action patterns such as "CreateLoadBalancer" or "Create*"`);
  return v as string[];
}

export async function createAccount(tx: Tx, b: Record<string, unknown>, now: string, ids?: IdGenerator): Promise<{ account: Account; key: AccessKey }> {
  const name = b['Name'];
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw new WorldError(400, 'InvalidName', 'Name: 1–64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit');
  if (await findAccountByName(tx, name)) throw new WorldError(409, 'AccountNameExists', `an account named ${name} exists`);
  let id = newAccountId(ids);
  if (b['AccountId'] !== undefined) {
    if (typeof b['AccountId'] !== 'string' || !/^[1-9]\d{15}$/.test(b['AccountId'])) throw new WorldError(400, 'InvalidAccountId', 'AccountId: 16 digits, not starting with 0');
    id = b['AccountId'];
  }
  if (await tx.get(ACCOUNT, GLOBAL, id)) throw new WorldError(409, 'AccountExists', `account ${id} exists`);
  const account: Account = { AccountId: id, Name: name, Status: 'active', Root: false, CreatedAt: now };
  if (b['ManagedBy'] !== undefined) account.ManagedBy = (await getAccount(tx, String(b['ManagedBy']))).AccountId;
  if (b['NotAllowedActions'] !== undefined) account.NotAllowedActions = checkPatterns(b['NotAllowedActions'], 'NotAllowedActions');
  await tx.put(ACCOUNT, GLOBAL, id, account);
  const key = newAccessKey(id, now, undefined, ids);
  await tx.put(ACCESS_KEY, GLOBAL, key.AccessKeyId, key);
  return { account, key };
}

export async function updateAccount(tx: Tx, id: string, b: Record<string, unknown>): Promise<Account> {
  const a = await getAccount(tx, id);
  for (const k of Object.keys(b)) if (!['Status', 'Name', 'ManagedBy', 'NotAllowedActions'].includes(k)) throw new WorldError(400, 'UnknownField', `unknown field ${k}; expected Status, Name, ManagedBy, NotAllowedActions`);
  if (b['Status'] !== undefined) {
    if (b['Status'] !== 'active' && b['Status'] !== 'disabled') throw new WorldError(400, 'InvalidStatus', 'Status must be active or disabled');
    a.Status = b['Status'];
  }
  if (b['Name'] !== undefined) {
    if (typeof b['Name'] !== 'string' || !NAME_RE.test(b['Name'])) throw new WorldError(400, 'InvalidName', 'Name: 1–64 letters, digits, ".", "_", "@" or "-"');
    const other = await findAccountByName(tx, b['Name']);
    if (other && other.AccountId !== id) throw new WorldError(409, 'AccountNameExists', `an account named ${b['Name']} exists`);
    a.Name = b['Name'];
  }
  if (b['ManagedBy'] !== undefined) {
    if (b['ManagedBy'] === null || b['ManagedBy'] === '') delete a.ManagedBy;
    else {
      const m = await getAccount(tx, String(b['ManagedBy']));
      if (m.AccountId === id) throw new WorldError(400, 'InvalidManagedBy', 'an account cannot manage itself');
      a.ManagedBy = m.AccountId;
    }
  }
  if (b['NotAllowedActions'] !== undefined) {
    if (b['NotAllowedActions'] === null) delete a.NotAllowedActions;
    else a.NotAllowedActions = checkPatterns(b['NotAllowedActions'], 'NotAllowedActions');
  }
  await tx.put(ACCOUNT, GLOBAL, id, a);
  return a;
}

/** Resource kinds whose presence keeps an account from being deleted without force. */
const OWNED_KINDS = ['loadBalancer', 'acl', 'serverCertificate', 'caCertificate', 'tlsCipherPolicy'];

export async function deleteAccount(tx: Tx, id: string, force: boolean): Promise<void> {
  const a = await getAccount(tx, id);
  if (a.Root) throw new WorldError(409, 'RootAccount', 'the root account cannot be deleted');
  if (!force) {
    for (const kind of OWNED_KINDS) {
      if ((await tx.query(kind, { account: id }, { limit: 1 })).length) throw new WorldError(409, 'AccountInUse', `account ${id} still owns ${kind} resources; delete them first or pass force=true`);
    }
  }
  for (const k of await keysOf(tx, id)) await tx.delete(ACCESS_KEY, GLOBAL, k.AccessKeyId);
  for (const c of await tx.list<StsCredential>(STS_CREDENTIAL, GLOBAL)) {
    if (c.AccountId === id) {
      await tx.delete(STS_CREDENTIAL, GLOBAL, c.AccessKeyId);
      await tx.delete(STS_TOKEN, GLOBAL, c.TokenHash);
    }
  }
  for (const kind of ['ramUser', 'ramPolicy', 'ramRole']) {
    for (const d of await tx.list<{ Name?: string; UserName?: string; PolicyName?: string; RoleName?: string }>(kind, { account: id, region: '' })) {
      await tx.delete(kind, { account: id, region: '' }, (d.UserName ?? d.PolicyName ?? d.RoleName)!);
    }
  }
  for (const other of await tx.list<Account>(ACCOUNT, GLOBAL)) {
    if (other.ManagedBy === id) {
      delete other.ManagedBy;
      await tx.put(ACCOUNT, GLOBAL, other.AccountId, other);
    }
  }
  await tx.delete(ACCOUNT, GLOBAL, id);
}

/** Every AccessKey of an account, its RAM users' too (oldest first). */
async function keysOf(tx: Tx, accountId: string): Promise<AccessKey[]> {
  return (await tx.query<AccessKey>(ACCESS_KEY, GLOBAL, { where: { AccountId: accountId } })).map((x) => x.doc);
}

export async function listKeys(tx: Tx, accountId: string, userName?: string): Promise<AccessKey[]> {
  return (await keysOf(tx, accountId)).filter((k) => k.UserName === userName);
}

export async function getKey(tx: Tx, accountId: string, keyId: string, userName?: string): Promise<AccessKey> {
  const k = await tx.get<AccessKey>(ACCESS_KEY, GLOBAL, keyId);
  if (!k || k.AccountId !== accountId || k.UserName !== userName) throw new WorldError(404, 'AccessKeyNotFound', `no AccessKey ${keyId}${userName !== undefined ? ` of user ${userName}` : ''} in account ${accountId}`);
  return k;
}

export async function setKeyStatus(tx: Tx, accountId: string, keyId: string, status: unknown, userName?: string): Promise<AccessKey> {
  const k = await getKey(tx, accountId, keyId, userName);
  if (status !== 'Active' && status !== 'Inactive') throw new WorldError(400, 'InvalidStatus', 'Status must be Active or Inactive');
  k.Status = status;
  await tx.put(ACCESS_KEY, GLOBAL, k.AccessKeyId, k);
  return k;
}

export async function addKey(tx: Tx, accountId: string, now: string, userName?: string, ids?: IdGenerator): Promise<AccessKey> {
  if ((await listKeys(tx, accountId, userName)).length >= 2 && userName !== undefined) throw new WorldError(409, 'LimitExceeded', 'a RAM user has at most 2 AccessKeys');
  const key = newAccessKey(accountId, now, userName, ids);
  await tx.put(ACCESS_KEY, GLOBAL, key.AccessKeyId, key);
  return key;
}

export async function deleteKey(tx: Tx, accountId: string, keyId: string, userName?: string): Promise<void> {
  await getKey(tx, accountId, keyId, userName);
  await tx.delete(ACCESS_KEY, GLOBAL, keyId);
}

// -- lookup (gateway)

export interface Resolved {
  key: AccessKey;
  account: Account | undefined;
}

export type SessionLookup =
  | { ok: true; cred: StsCredential; account: Account | undefined }
  | { ok: false; reason: 'Malformed' | 'MismatchWithAccessKey' };

/** Looks up AccessKeys and STS sessions with caches dropped whenever keys or accounts change. */
export class KeyResolver {
  private cache = new Map<string, Resolved | null>();
  private sessions = new Map<string, SessionLookup>();
  constructor(private store: Store) {
    store.onChange((c) => {
      if (c.kinds.has(ACCESS_KEY) || c.kinds.has(ACCOUNT)) this.cache.clear();
      if (c.kinds.has(STS_CREDENTIAL) || c.kinds.has(STS_TOKEN) || c.kinds.has(ACCOUNT)) this.sessions.clear();
    });
  }
  async resolve(id: string): Promise<Resolved | null> {
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const v = await this.store.read(async (tx) => {
      const key = await tx.get<AccessKey>(ACCESS_KEY, GLOBAL, id);
      if (!key) return null;
      return { key, account: await tx.get<Account>(ACCOUNT, GLOBAL, key.AccountId) };
    });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, v);
    return v;
  }
  /** An STS AccessKeyId with its SecurityToken. */
  async resolveSession(accessKeyId: string, token: string): Promise<SessionLookup> {
    const h = tokenHash(token);
    const cacheKey = `${accessKeyId}\u0000${h}`;
    const hit = this.sessions.get(cacheKey);
    if (hit) return hit;
    const v = await this.store.read(async (tx): Promise<SessionLookup> => {
      const ref = await tx.get<{ AccessKeyId: string }>(STS_TOKEN, GLOBAL, h);
      if (!ref) return { ok: false, reason: 'Malformed' };
      if (ref.AccessKeyId !== accessKeyId) return { ok: false, reason: 'MismatchWithAccessKey' };
      const cred = await tx.get<StsCredential>(STS_CREDENTIAL, GLOBAL, accessKeyId);
      if (!cred) return { ok: false, reason: 'Malformed' };
      return { ok: true, cred, account: await tx.get<Account>(ACCOUNT, GLOBAL, cred.AccountId) };
    });
    if (this.sessions.size > 10_000) this.sessions.clear();
    this.sessions.set(cacheKey, v);
    return v;
  }
}
