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

/** A value of an indexed field (see src/state/indexes.ts), compared as text. */
export type IndexValue = string | number | boolean;

/**
 * A lookup done by the database: documents of one kind in one scope (or, with `region` left out,
 * in every region of an account) that meet every condition, ordered by insertion, paged.
 */
export interface Query {
  /** indexed fields (src/state/indexes.ts): the field equals the value, or one of the values */
  where?: Record<string, IndexValue | readonly IndexValue[]>;
  /** top-level scalar fields of the document, compared in the database without an index: use
   *  for low-selectivity filters next to an indexed one or on small kinds */
  match?: Record<string, IndexValue>;
  /** only these ids */
  ids?: readonly string[];
  /** 'asc' (default): oldest first; 'desc': newest first */
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

/** `region` undefined: every region of the account. */
export interface QueryScope {
  account: string;
  region?: string;
}

/** One document that a write put or deleted. */
export interface ChangedResource {
  kind: string;
  account: string;
  region: string;
  id: string;
}

/** Records that a write put or deleted a document (once per document and write). */
export function noteChange(touched: Map<string, ChangedResource>, kind: string, scope: Scope, id: string): void {
  touched.set(`${kind}\u0000${scope.account}\u0000${scope.region}\u0000${id}`, { kind, account: scope.account, region: scope.region, id });
}

/**
 * Which documents a bulk operation (Tx.deleteWhere, Tx.forEach) takes: every condition given
 * holds. Nothing given: every document of the store.
 */
export interface DocSelector {
  /** only these kinds */
  kinds?: readonly string[];
  /** every kind but these */
  exceptKinds?: readonly string[];
  /** only documents of this account ('' = the global documents) */
  account?: string;
  /** only documents whose top-level scalar fields have these values (compared without an index) */
  match?: Record<string, IndexValue>;
}

/** A document with its address, as Tx.forEach hands it out. */
export interface StoredDocument {
  kind: string;
  account: string;
  region: string;
  id: string;
  doc: unknown;
}

/** One document's address. */
export interface DocRef {
  kind: string;
  scope: Scope;
  id: string;
}

/** A query (or with `count`, a count) a transaction will make (Tx.prefetch): the same kind, scope and query as it will pass. */
export interface QueryRef {
  kind: string;
  scope: QueryScope;
  query: Query;
  count?: boolean;
}

export interface Tx {
  get<T>(kind: string, scope: Scope, id: string): Promise<T | undefined>;
  /**
   * A hint that this transaction will get() these documents and make these queries: a store that
   * pays a round trip per statement (PostgreSQL) asks for them all now, together with whatever else
   * is asked at the same time, and answers those get()s and the first query() (count()) equal to
   * each (same kind, scope and query, compared as JSON) from it; SQLite does nothing. Never changes
   * what get(), query() or count() return: a put or delete of a kind since the hint still counts.
   */
  prefetch(refs: readonly (DocRef | QueryRef)[]): Promise<void>;
  /** All documents of a kind in one scope, in insertion order. */
  list<T>(kind: string, scope: Scope): Promise<T[]>;
  /** Documents that meet `q`, through the indexes, paged by the database. */
  query<T>(kind: string, scope: QueryScope, q?: Query): Promise<{ region: string; doc: T }[]>;
  /** How many documents meet `q` (limit/offset ignored), counted by the database. */
  count(kind: string, scope: QueryScope, q?: Query): Promise<number>;
  /** All documents of a kind for an account, across all its regions (insertion order). */
  listAccount<T>(kind: string, account: string): Promise<{ region: string; doc: T }[]>;
  /** Finds a document by id in any region of an account. */
  find<T>(kind: string, account: string, id: string): Promise<{ region: string; doc: T } | undefined>;
  put<T>(kind: string, scope: Scope, id: string, doc: T): Promise<void>;
  delete(kind: string, scope: Scope, id: string): Promise<boolean>;
  /**
   * Deletes every document `sel` selects, with its index rows and counts, in a few statements
   * (not one per document); returns how many went. The write's change then names no documents
   * (Change.resources undefined, kinds = every kind the store held that `sel` could select), so
   * followers such as the data plane's compiler rebuild from scratch.
   */
  deleteWhere(sel: DocSelector): Promise<number>;
  /**
   * Adds documents that do not exist yet, in few statements, in the order given (insertion order
   * as for put). A document that exists already (or comes twice) fails the call and none of them
   * stays (on PostgreSQL the whole write then fails, as after any failed statement).
   */
  insertMany(docs: readonly StoredDocument[]): Promise<void>;
  /** Calls `fn` for every document `sel` selects, in insertion order, read in pages; awaits `fn`. */
  forEach(sel: DocSelector, fn: (d: StoredDocument) => void | Promise<void>): Promise<number>;
}

export interface Change {
  kinds: Set<string>;
  /** the documents put or deleted, when the store knows them; undefined: anything of `kinds`
   *  may have changed (another node's large commit, a reconnect after a lost notification) */
  resources?: ChangedResource[];
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

/**
 * What a store reports about its writes, for the server's metrics (docs/metrics.md). Both stores
 * run one write at a time per process (SQLite's write mutex, PostgreSQL's write gate): `wait` is
 * how long a write waited for its turn, `hold` how long it then ran (its reads, its statements,
 * the commit, retries included), in seconds.
 */
export interface WriteTelemetry {
  readonly storeKind: 'sqlite' | 'postgres';
  /** `fn` is called after every write, committed or not; one observer (a later call replaces it) */
  observeWrites(fn: (wait: number, hold: number) => void): void;
}
