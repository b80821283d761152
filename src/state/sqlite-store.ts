import { AsyncLocalStorage } from 'node:async_hooks';
import Database from 'better-sqlite3';
import type { Change, Scope, Store, Tx } from './store.js';

// Ordered schema migrations; each runs once, inside a transaction, recorded in schema_migrations.
const MIGRATIONS: string[] = [
  `CREATE TABLE resources (
     kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
     seq INTEGER NOT NULL, doc TEXT NOT NULL,
     PRIMARY KEY (kind, account, region, id));
   CREATE INDEX resources_by_id ON resources (kind, account, id);
   CREATE INDEX resources_by_seq ON resources (kind, account, region, seq);`,
];

/**
 * A FIFO mutex: better-sqlite3 is synchronous, so one queue gives serializable transactions.
 * Starting a transaction from inside another one would wait for itself forever; that is refused.
 */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  // The marker stays attached to work started inside a transaction (timers, promises); it is
  // switched off when the transaction ends so that such later work is not mistaken for nesting.
  private inside = new AsyncLocalStorage<{ active: boolean }>();
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inside.getStore()?.active) return Promise.reject(new Error('nested transaction: read/write called inside another read/write of the same store'));
    const result = this.tail.then(() => {
      const mark = { active: true };
      return this.inside.run(mark, () => fn().finally(() => (mark.active = false)));
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
  outside(fn: () => void): void {
    this.inside.exit(fn);
  }
}

export class SqliteStore implements Store {
  private db: Database.Database;
  private mutex = new Mutex();
  private listeners = new Set<(c: Change) => void>();
  private seq = 0;
  private stmts;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.stmts = {
      get: this.db.prepare('SELECT doc FROM resources WHERE kind=? AND account=? AND region=? AND id=?'),
      list: this.db.prepare('SELECT doc FROM resources WHERE kind=? AND account=? AND region=? ORDER BY seq'),
      listAccount: this.db.prepare('SELECT region, doc FROM resources WHERE kind=? AND account=? ORDER BY seq'),
      find: this.db.prepare('SELECT region, doc FROM resources WHERE kind=? AND account=? AND id=? LIMIT 1'),
      insert: this.db.prepare(
        `INSERT INTO resources (kind, account, region, id, seq, doc) VALUES (?,?,?,?,?,?)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET doc=excluded.doc`,
      ),
      del: this.db.prepare('DELETE FROM resources WHERE kind=? AND account=? AND region=? AND id=?'),
      maxSeq: this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS m FROM resources'),
    };
    this.seq = (this.stmts.maxSeq.get() as { m: number }).m;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const done = new Set((this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    MIGRATIONS.forEach((sql, i) => {
      const version = i + 1;
      if (done.has(version)) return;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, new Date().toISOString());
      })();
    });
  }

  /**
   * A transaction handle. `live.open` turns false when the transaction ends, so a handle that
   * escapes its callback cannot read or write outside a transaction later.
   */
  private tx(touched: Set<string> | null, live: { open: boolean }): Tx {
    const s = this.stmts;
    const parse = <T>(row: unknown): T => JSON.parse((row as { doc: string }).doc) as T;
    const check = () => {
      if (!live.open) throw new Error('transaction already finished: use the tx only inside its callback');
    };
    const writable = () => {
      check();
      if (!touched) throw new Error('write outside a write transaction');
      return touched;
    };
    return {
      get: async <T>(kind: string, scope: Scope, id: string) => {
        check();
        const row = s.get.get(kind, scope.account, scope.region, id);
        return row ? parse<T>(row) : undefined;
      },
      list: async <T>(kind: string, scope: Scope) => {
        check();
        return s.list.all(kind, scope.account, scope.region).map((r) => parse<T>(r));
      },
      listAccount: async <T>(kind: string, account: string) => {
        check();
        return s.listAccount.all(kind, account).map((r) => ({ region: (r as { region: string }).region, doc: parse<T>(r) }));
      },
      find: async <T>(kind: string, account: string, id: string) => {
        check();
        const row = s.find.get(kind, account, id) as { region: string; doc: string } | undefined;
        return row ? { region: row.region, doc: JSON.parse(row.doc) as T } : undefined;
      },
      put: async <T>(kind: string, scope: Scope, id: string, doc: T) => {
        const t = writable();
        const json = JSON.stringify(doc);
        if (json === undefined) throw new TypeError(`cannot store ${typeof doc} as a document`);
        s.insert.run(kind, scope.account, scope.region, id, ++this.seq, json);
        t.add(kind);
      },
      delete: async (kind: string, scope: Scope, id: string) => {
        const t = writable();
        const gone = s.del.run(kind, scope.account, scope.region, id).changes > 0;
        if (gone) t.add(kind);
        return gone;
      },
    };
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const live = { open: true };
      try {
        return await fn(this.tx(null, live));
      } finally {
        live.open = false;
      }
    });
  }

  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const touched = new Set<string>();
      const seqBefore = this.seq;
      const live = { open: true };
      this.db.exec('BEGIN IMMEDIATE');
      let out: T;
      try {
        out = await fn(this.tx(touched, live));
        live.open = false;
        this.db.exec('COMMIT');
      } catch (e) {
        live.open = false;
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        this.seq = seqBefore;
        throw e;
      }
      // after the commit only; a failing listener neither undoes the write nor hides it from others
      if (touched.size) {
        for (const l of [...this.listeners]) {
          try {
            const change = { kinds: new Set(touched) };
            // outside the transaction's context, so a listener may start its own read/write
            this.mutex.outside(() => l(change));
          } catch {
            // listeners are notifications; their failures are theirs
          }
        }
      }
      return out;
    });
  }

  onChange(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.db.open) this.db.close();
    });
  }
}
