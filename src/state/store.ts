// The one storage interface. Desired state is kept as JSON documents addressed by
// (kind, account, region, id); global records (accounts, keys) use '' for account/region.
// Implementations: SQLite (embedded default, src/state/sqlite-store.ts) and PostgreSQL (shared by
// several nodes, src/state/postgres-store.ts), held to the same conformance suite
// (test/helpers/store-conformance.ts; docs/storage.md).

export interface Scope {
  account: string;
  region: string;
}
export const GLOBAL: Scope = { account: '', region: '' };

export interface Tx {
  get<T>(kind: string, scope: Scope, id: string): Promise<T | undefined>;
  /** All documents of a kind in one scope, in insertion order. */
  list<T>(kind: string, scope: Scope): Promise<T[]>;
  /** All documents of a kind for an account, across all its regions (insertion order). */
  listAccount<T>(kind: string, account: string): Promise<{ region: string; doc: T }[]>;
  /** Finds a document by id in any region of an account. */
  find<T>(kind: string, account: string, id: string): Promise<{ region: string; doc: T } | undefined>;
  put<T>(kind: string, scope: Scope, id: string, doc: T): Promise<void>;
  delete(kind: string, scope: Scope, id: string): Promise<boolean>;
}

export interface Change {
  kinds: Set<string>;
}

/**
 * Contract (test/helpers/store-conformance.ts holds every implementation to it):
 * - documents are JSON values, stored and returned as copies (mutating one changes nothing stored);
 * - a scope is (account, region); the same id in another scope is another document;
 * - `write` is serializable and all or nothing: if `fn` throws, nothing it put or deleted remains;
 *   `fn` may run more than once (PostgreSQL retries serialization failures), so it must have no
 *   effects outside the tx;
 * - readers never see part of a write;
 * - a Tx is valid only inside its callback; read/write must not be called from inside another
 *   read/write of the same store (refused with an error instead of deadlocking);
 * - onChange listeners run after the commit, never for a rolled-back or read-only transaction;
 * - opening a store runs its schema migrations once; reopening keeps every document.
 */
export interface Store {
  /** Runs `fn` with a consistent view. */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `fn` in one serializable transaction; all or nothing. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Called after every committed write with the kinds it changed. Returns an unsubscribe function. */
  onChange(listener: (c: Change) => void): () => void;
  close(): Promise<void>;
}
