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

/** A FIFO mutex: better-sqlite3 is synchronous, so one queue gives serializable transactions. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
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

  private tx(touched: Set<string> | null): Tx {
    const s = this.stmts;
    const parse = <T>(row: unknown): T => JSON.parse((row as { doc: string }).doc) as T;
    return {
      get: async <T>(kind: string, scope: Scope, id: string) => {
        const row = s.get.get(kind, scope.account, scope.region, id);
        return row ? parse<T>(row) : undefined;
      },
      list: async <T>(kind: string, scope: Scope) => s.list.all(kind, scope.account, scope.region).map((r) => parse<T>(r)),
      listAccount: async <T>(kind: string, account: string) =>
        s.listAccount.all(kind, account).map((r) => ({ region: (r as { region: string }).region, doc: parse<T>(r) })),
      find: async <T>(kind: string, account: string, id: string) => {
        const row = s.find.get(kind, account, id) as { region: string; doc: string } | undefined;
        return row ? { region: row.region, doc: JSON.parse(row.doc) as T } : undefined;
      },
      put: async <T>(kind: string, scope: Scope, id: string, doc: T) => {
        if (!touched) throw new Error('write outside a write transaction');
        s.insert.run(kind, scope.account, scope.region, id, ++this.seq, JSON.stringify(doc));
        touched.add(kind);
      },
      delete: async (kind: string, scope: Scope, id: string) => {
        if (!touched) throw new Error('write outside a write transaction');
        touched.add(kind);
        return s.del.run(kind, scope.account, scope.region, id).changes > 0;
      },
    };
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.mutex.run(() => fn(this.tx(null)));
  }

  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      const touched = new Set<string>();
      const seqBefore = this.seq;
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this.tx(touched));
        this.db.exec('COMMIT');
        if (touched.size) for (const l of this.listeners) l({ kinds: touched });
        return out;
      } catch (e) {
        this.db.exec('ROLLBACK');
        this.seq = seqBefore;
        throw e;
      }
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
