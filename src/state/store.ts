// The one storage interface. Desired state is kept as JSON documents addressed by
// (kind, account, region, id); global records (accounts, keys) use '' for account/region.
// Implementations: SQLite (embedded default, src/state/sqlite-store.ts); PostgreSQL later, held to
// the same conformance suite (test/unit/store-conformance.test.ts).

export interface Scope {
  account: string;
  region: string;
}
export const GLOBAL: Scope = { account: '', region: '' };

export interface Tx {
  get<T>(kind: string, scope: Scope, id: string): Promise<T | undefined>;
  /** All documents of a kind in one scope, in insertion order. */
  list<T>(kind: string, scope: Scope): Promise<T[]>;
  /** All documents of a kind for an account across regions (region '' = every region). */
  listAccount<T>(kind: string, account: string): Promise<{ region: string; doc: T }[]>;
  /** Finds a document by id in any region of an account. */
  find<T>(kind: string, account: string, id: string): Promise<{ region: string; doc: T } | undefined>;
  put<T>(kind: string, scope: Scope, id: string, doc: T): Promise<void>;
  delete(kind: string, scope: Scope, id: string): Promise<boolean>;
}

export interface Change {
  kinds: Set<string>;
}

export interface Store {
  /** Runs `fn` with a consistent view. */
  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `fn` in one serializable transaction; all or nothing. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Called after every committed write with the kinds it touched. */
  onChange(listener: (c: Change) => void): () => void;
  close(): Promise<void>;
}
