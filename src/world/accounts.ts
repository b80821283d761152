// Accounts and their AccessKey pairs. Every stored resource is scoped by account id.
import { randomBytes } from 'node:crypto';
import { GLOBAL, type Store } from '../state/store.js';
import { alnum } from '../util/ids.js';

export interface Account {
  AccountId: string;
  Name: string;
  Status: 'active' | 'disabled';
  Root: boolean;
  CreatedAt: string;
}

export interface AccessKey {
  AccessKeyId: string;
  AccessKeySecret: string;
  AccountId: string;
  Status: 'Active' | 'Inactive';
  CreatedAt: string;
}

export function newAccountId(): string {
  // 16 digits, like an Alibaba Cloud account UID; never starts with 0.
  const digits = [...randomBytes(16)].map((b) => String(b % 10)).join('');
  return `1${digits.slice(1)}`;
}

export function newAccessKey(accountId: string, now: string): AccessKey {
  return {
    AccessKeyId: `LTAI${alnum(20).replace(/[a-z]/g, (c) => (Math.random() < 0.5 ? c.toUpperCase() : c))}`,
    AccessKeySecret: randomBytes(22).toString('base64url').slice(0, 30),
    AccountId: accountId,
    Status: 'Active',
    CreatedAt: now,
  };
}

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
export async function bootstrapRoot(store: Store, fixed: { id: string; secret: string } | undefined, now: string): Promise<RootBootstrap> {
  return store.write(async (tx) => {
    const accounts = await tx.list<Account>('account', GLOBAL);
    let root = accounts.find((a) => a.Root);
    if (!root) {
      root = { AccountId: newAccountId(), Name: 'root', Status: 'active', Root: true, CreatedAt: now };
      await tx.put('account', GLOBAL, root.AccountId, root);
    }
    if (fixed) {
      const existing = await tx.get<AccessKey>('accessKey', GLOBAL, fixed.id);
      const key: AccessKey = { AccessKeyId: fixed.id, AccessKeySecret: fixed.secret, AccountId: existing?.AccountId ?? root.AccountId, Status: 'Active', CreatedAt: existing?.CreatedAt ?? now };
      await tx.put('accessKey', GLOBAL, key.AccessKeyId, key);
      return { account: root, key, generated: false };
    }
    const keys = (await tx.list<AccessKey>('accessKey', GLOBAL)).filter((k) => k.AccountId === root.AccountId);
    if (keys.length) return { account: root, key: keys[0]!, generated: false };
    const key = newAccessKey(root.AccountId, now);
    await tx.put('accessKey', GLOBAL, key.AccessKeyId, key);
    return { account: root, key, generated: true };
  });
}

/** Looks up AccessKeys with a cache that is dropped whenever keys or accounts change. */
export class KeyResolver {
  private cache = new Map<string, { key: AccessKey; account: Account | undefined } | null>();
  constructor(private store: Store) {
    store.onChange((c) => {
      if (c.kinds.has('accessKey') || c.kinds.has('account')) this.cache.clear();
    });
  }
  async resolve(id: string): Promise<{ key: AccessKey; account: Account | undefined } | null> {
    const hit = this.cache.get(id);
    if (hit !== undefined) return hit;
    const v = await this.store.read(async (tx) => {
      const key = await tx.get<AccessKey>('accessKey', GLOBAL, id);
      if (!key) return null;
      return { key, account: await tx.get<Account>('account', GLOBAL, key.AccountId) };
    });
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(id, v);
    return v;
  }
}
