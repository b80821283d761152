import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { noteChange, type Change, type ChangedResource, type DocSelector, type Query, type QueryScope, type Scope, type StoredDocument, type Store, type Tx, type WriteTelemetry } from './store.js';
import { countedField, diffRows, INDEXES, indexRows, kindIndexVersions, staleKinds, type IndexSpec } from './indexes.js';
import { buildQuery } from './query-sql.js';
import { selectorSql } from './bulk-sql.js';

// Ordered schema migrations; each runs once, inside a transaction, recorded in schema_migrations.
const MIGRATIONS: string[] = [
  `CREATE TABLE resources (
     kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
     seq INTEGER NOT NULL, doc TEXT NOT NULL,
     PRIMARY KEY (kind, account, region, id));
   CREATE INDEX resources_by_id ON resources (kind, account, id);
   CREATE INDEX resources_by_seq ON resources (kind, account, region, seq);`,
  // the lookup index (src/state/indexes.ts): one row per (document, indexed field, value), with the
  // document's seq so that a lookup walks the index in insertion order and pages there
  `CREATE TABLE resource_index (
     kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
     field TEXT NOT NULL, value TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, counted INTEGER NOT NULL,
     PRIMARY KEY (kind, account, field, value, region, seq)) WITHOUT ROWID;
   CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   -- how many documents have each (field, value), and ('', '') = how many of the kind: a count
   -- by one condition is one row, not a walk over every matching document; kept by triggers
   CREATE TABLE resource_counts (
     kind TEXT NOT NULL, account TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, region TEXT NOT NULL,
     n INTEGER NOT NULL, PRIMARY KEY (kind, account, field, value, region)) WITHOUT ROWID;
   INSERT INTO resource_counts SELECT kind, account, '', '', region, COUNT(*) FROM resources GROUP BY kind, account, region;
   CREATE TRIGGER resources_counted AFTER INSERT ON resources BEGIN
     INSERT INTO resource_counts VALUES (NEW.kind, NEW.account, '', '', NEW.region, 1) ON CONFLICT DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER resources_uncounted AFTER DELETE ON resources BEGIN
     UPDATE resource_counts SET n = n - 1 WHERE kind = OLD.kind AND account = OLD.account AND field = '' AND value = '' AND region = OLD.region;
   END;
   CREATE TRIGGER resource_index_counted AFTER INSERT ON resource_index WHEN NEW.counted BEGIN
     INSERT INTO resource_counts VALUES (NEW.kind, NEW.account, NEW.field, NEW.value, NEW.region, 1) ON CONFLICT DO UPDATE SET n = n + 1;
   END;
   CREATE TRIGGER resource_index_uncounted AFTER DELETE ON resource_index WHEN OLD.counted BEGIN
     UPDATE resource_counts SET n = n - 1 WHERE kind = OLD.kind AND account = OLD.account AND field = OLD.field AND value = OLD.value AND region = OLD.region;
   END;`,
];

/** Reader connections (WAL: each sees the last commit, never waits for the writer). */
const READERS = 4;
/**
 * WAL length (4 KiB pages, 256 MiB) past which the checkpointer asks for a RESTART checkpoint (a
 * short pause of writes, not of the event loop; see the constructor). Larger means fewer pauses;
 * each pause copies and syncs only what was written since the checkpointer's last pass, so its
 * length hardly depends on the cap. The WAL file is cut back to this size when it starts over.
 */
const WAL_CAP_PAGES = 65536;

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
  isInside(): boolean {
    return this.inside.getStore()?.active === true;
  }
}

export interface SqliteStoreOptions {
  /** the lookup index (default: src/state/indexes.ts) */
  indexes?: IndexSpec;
  /** WAL length in pages past which writes pause for a RESTART checkpoint (default WAL_CAP_PAGES;
   *  tests use a small one to see restarts soon) */
  walCapPages?: number;
}

export class SqliteStore implements Store, WriteTelemetry {
  private db: Database.Database;
  private mutex = new Mutex();
  private listeners = new Set<(c: Change) => void>();
  private seq = 0;
  private stmts;
  private readonly indexes: IndexSpec;
  /** idle reader connections; a read takes one for its callback */
  private idle: Database.Database[] = [];
  private readers: Database.Database[] = [];
  private waiting: ((db: Database.Database) => void)[] = [];
  private inRead = new AsyncLocalStorage<{ active: boolean }>();
  private closed = false;
  private checkpointer: Worker | undefined;
  /** the checkpointer asked for a RESTART checkpoint; the next write runs it first */
  private restartWanted = false;
  private restartDone: (() => void) | undefined;
  /** COMMITs on the main connection (how many, how many over 50 ms, the longest) and the RESTART
   *  checkpoints writes waited for (how many, the longest wait): counted measures of the write tail
   *  (bench/wal-storm.ts), a performance.now() pair per write. */
  readonly walStats = { commits: 0, commitsOver50ms: 0, commitMaxMs: 0, restarts: 0, restartMaxMs: 0 };

  constructor(
    file: string,
    opts: SqliteStoreOptions = {},
  ) {
    this.indexes = opts.indexes ?? INDEXES;
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // the working set of a large state (index pages touched by writes) stays in memory
    this.db.pragma('cache_size = -65536');
    this.migrate();
    this.stmts = {
      insert: this.db.prepare(
        `INSERT INTO resources (kind, account, region, id, seq, doc) VALUES (?,?,?,?,?,?)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET doc=excluded.doc RETURNING seq`,
      ),
      del: this.db.prepare('DELETE FROM resources WHERE kind=? AND account=? AND region=? AND id=?'),
      delReturning: this.db.prepare('DELETE FROM resources WHERE kind=? AND account=? AND region=? AND id=? RETURNING seq, doc'),
      current: this.db.prepare('SELECT doc FROM resources WHERE kind=? AND account=? AND region=? AND id=?'),
      delIndex: this.db.prepare('DELETE FROM resource_index WHERE kind=? AND account=? AND region=? AND field=? AND value=? AND seq=?'),
      addIndex: this.db.prepare('INSERT INTO resource_index (kind, account, region, id, field, value, seq, counted) VALUES (?,?,?,?,?,?,?,?)'),
      maxSeq: this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS m FROM resources'),
    };
    this.seq = (this.stmts.maxSeq.get() as { m: number }).m;
    this.reindexIfStale();
    // ':memory:' (and '') is a database per connection: reads share the writer's connection there
    if (file !== ':memory:' && file !== '') {
      // checkpoints run in a worker thread on its own connection (src/state/sqlite-checkpointer.mjs),
      // so a COMMIT here only appends to the WAL and never checkpoints (SQLite's autocheckpoint ran
      // inside COMMIT on the event loop: 130–250 ms). Once the WAL passes WAL_CAP_PAGES the worker
      // asks for a RESTART checkpoint, run while the next write waits for it in restartWal()
      // (docs/storage.md, "The SQLite write tail at scale"). Should the worker fail, SQLite's own
      // checkpoint inside COMMIT comes back at 1 000 pages.
      this.db.pragma('wal_autocheckpoint = 0');
      const cap = opts.walCapPages ?? WAL_CAP_PAGES;
      this.db.pragma(`journal_size_limit = ${cap * 4096}`);
      const w = new Worker(new URL('./sqlite-checkpointer.mjs', import.meta.url), { workerData: { file, everyMs: 100, capPages: cap, readerWaitMs: 100 } });
      this.checkpointer = w;
      w.unref();
      w.on('message', (m: { restartWanted?: boolean; restarted?: boolean }) => {
        if (m.restartWanted) this.restartWanted = true;
        if (m.restarted) this.restartDone?.();
      });
      const failed = () => {
        this.checkpointer = undefined;
        this.restartWanted = false;
        this.restartDone?.();
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      };
      w.on('error', failed);
      w.on('exit', () => this.checkpointer === w && failed());
      for (let i = 0; i < READERS; i++) {
        const r = new Database(file, { readonly: true });
        r.pragma('busy_timeout = 5000');
        r.pragma('cache_size = -16384');
        r.pragma('mmap_size = 268435456');
        this.readers.push(r);
        this.idle.push(r);
      }
    }
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

  /** Rebuilds the lookup index of the kinds whose entry in the index table changed (all of it when unknown). */
  private reindexIfStale(): void {
    const meta = (key: string) => (this.db.prepare('SELECT value FROM store_meta WHERE key=?').get(key) as { value: string } | undefined)?.value;
    const versions = meta('index_versions');
    const stale = staleKinds(this.indexes, { versions: versions ? (JSON.parse(versions) as Record<string, string>) : undefined, legacy: meta('index_version') });
    if (stale !== 'all' && !stale.length && versions) return;
    this.db.transaction(() => {
      const kinds = stale === 'all' ? Object.keys(this.indexes) : stale.filter((k) => k in this.indexes);
      if (stale === 'all') this.db.exec('DELETE FROM resource_index');
      else this.db.prepare('DELETE FROM resource_index WHERE kind IN (SELECT value FROM json_each(?))').run(JSON.stringify(stale));
      // in pages by seq: a statement cannot insert while another one on the connection iterates
      const page = this.db.prepare(`SELECT kind, account, region, id, seq, doc FROM resources WHERE kind IN (SELECT value FROM json_each(?)) AND seq > ? ORDER BY seq LIMIT 2000`);
      for (let after = 0; kinds.length; ) {
        const rows = page.all(JSON.stringify(kinds), after) as { kind: string; account: string; region: string; id: string; seq: number; doc: string }[];
        if (!rows.length) break;
        for (const r of rows) for (const [field, value] of indexRows(this.indexes, r.kind, JSON.parse(r.doc))) this.stmts.addIndex.run(r.kind, r.account, r.region, r.id, field, value, r.seq, this.counted(r.kind, field));
        after = rows[rows.length - 1]!.seq;
      }
      this.db.prepare("INSERT INTO store_meta (key, value) VALUES ('index_versions', ?) ON CONFLICT (key) DO UPDATE SET value=excluded.value").run(JSON.stringify(kindIndexVersions(this.indexes)));
      this.db.prepare("DELETE FROM store_meta WHERE key='index_version'").run();
    })();
  }

  private counted(kind: string, field: string): number {
    return countedField(this.indexes, kind, field) ? 1 : 0;
  }

  /** Prepared statements by SQL text, per connection. */
  private prepared = new WeakMap<Database.Database, Map<string, Database.Statement>>();
  private prepare(db: Database.Database, sql: string): Database.Statement {
    let m = this.prepared.get(db);
    if (!m) this.prepared.set(db, (m = new Map()));
    let st = m.get(sql);
    if (!st) m.set(sql, (st = db.prepare(sql)));
    return st;
  }

  /**
   * A transaction handle on `db`. `live.open` turns false when the transaction ends, so a handle
   * that escapes its callback cannot read or write outside a transaction later.
   */
  private tx(db: Database.Database, touched: Map<string, ChangedResource> | null, live: { open: boolean; bulk?: Set<string> }): Tx {
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
    const run = (kind: string, scope: QueryScope, q: Query, count: boolean) => {
      check();
      const b = buildQuery(this.indexes, kind, scope, q, count, { dialect: 'sqlite' });
      return this.prepare(db, b.sql).all(...b.params.map((p) => (Array.isArray(p) ? JSON.stringify(p) : p)));
    };
    return {
      get: async <T>(kind: string, scope: Scope, id: string) => {
        check();
        const row = this.prepare(db, 'SELECT doc FROM resources WHERE kind=? AND account=? AND region=? AND id=?').get(kind, scope.account, scope.region, id);
        return row ? parse<T>(row) : undefined;
      },
      // a get here is a local B-tree lookup: nothing to save
      prefetch: async () => check(),
      list: async <T>(kind: string, scope: Scope) => {
        check();
        return this.prepare(db, 'SELECT doc FROM resources WHERE kind=? AND account=? AND region=? ORDER BY seq').all(kind, scope.account, scope.region).map((r) => parse<T>(r));
      },
      listAccount: async <T>(kind: string, account: string) => {
        check();
        return this.prepare(db, 'SELECT region, doc FROM resources WHERE kind=? AND account=? ORDER BY seq')
          .all(kind, account)
          .map((r) => ({ region: (r as { region: string }).region, doc: parse<T>(r) }));
      },
      find: async <T>(kind: string, account: string, id: string) => {
        check();
        const row = this.prepare(db, 'SELECT region, doc FROM resources WHERE kind=? AND account=? AND id=? ORDER BY seq LIMIT 1').get(kind, account, id) as { region: string; doc: string } | undefined;
        return row ? { region: row.region, doc: JSON.parse(row.doc) as T } : undefined;
      },
      query: async <T>(kind: string, scope: QueryScope, q: Query = {}) =>
        (run(kind, scope, q, false) as { region: string; doc: string }[]).map((r) => ({ region: r.region, doc: JSON.parse(r.doc) as T })),
      count: async (kind: string, scope: QueryScope, q: Query = {}) => (run(kind, scope, q, true)[0] as { n: number }).n,
      put: async <T>(kind: string, scope: Scope, id: string, doc: T) => {
        const t = writable();
        const json = JSON.stringify(doc);
        if (json === undefined) throw new TypeError(`cannot store ${typeof doc} as a document`);
        const old = this.indexes[kind] ? (s.current.get(kind, scope.account, scope.region, id) as { doc: string } | undefined) : undefined;
        const { seq } = s.insert.get(kind, scope.account, scope.region, id, ++this.seq, json) as { seq: number };
        if (this.indexes[kind]) {
          // only the rows that differ: most updates leave every indexed field as it was
          const { gone, added } = diffRows(indexRows(this.indexes, kind, old ? JSON.parse(old.doc) : undefined), indexRows(this.indexes, kind, doc));
          for (const [field, value] of gone) s.delIndex.run(kind, scope.account, scope.region, field, value, seq);
          for (const [field, value] of added) s.addIndex.run(kind, scope.account, scope.region, id, field, value, seq, this.counted(kind, field));
        }
        noteChange(t, kind, scope, id);
      },
      delete: async (kind: string, scope: Scope, id: string) => {
        const t = writable();
        let gone: boolean;
        if (this.indexes[kind]) {
          const old = s.delReturning.get(kind, scope.account, scope.region, id) as { seq: number; doc: string } | undefined;
          gone = old !== undefined;
          if (old) for (const [field, value] of indexRows(this.indexes, kind, JSON.parse(old.doc))) s.delIndex.run(kind, scope.account, scope.region, field, value, old.seq);
        } else {
          gone = s.del.run(kind, scope.account, scope.region, id).changes > 0;
        }
        if (gone) {
          noteChange(t, kind, scope, id);
        }
        return gone;
      },
      deleteWhere: async (sel: DocSelector) => {
        writable();
        const w = selectorSql(sel, 'sqlite');
        const keyParams = w.params.slice(0, w.keyParams);
        const kinds = (this.prepare(db, `SELECT DISTINCT kind FROM resources WHERE ${w.all}`).all(...w.params) as { kind: string }[]).map((r) => r.kind);
        if (!kinds.length) return 0;
        if (w.matched) {
          // part of a (kind, account): the index rows of the chosen documents; counts by the triggers
          this.prepare(db, `DELETE FROM resource_index WHERE (kind, account, region, seq) IN (SELECT kind, account, region, seq FROM resources WHERE ${w.all})`).run(...w.params);
        } else {
          // whole (kind, account) groups: their counts go first, so the row triggers that follow find nothing to update
          this.prepare(db, `DELETE FROM resource_counts WHERE ${w.keys}`).run(...keyParams);
          this.prepare(db, `DELETE FROM resource_index WHERE ${w.keys}`).run(...keyParams);
        }
        const n = this.prepare(db, `DELETE FROM resources WHERE ${w.all}`).run(...w.params).changes;
        live.bulk ??= new Set();
        for (const k of kinds) live.bulk.add(k);
        return n;
      },
      insertMany: async (docs: readonly StoredDocument[]) => {
        const t = writable();
        const insert = this.prepare(db, 'INSERT INTO resources (kind, account, region, id, seq, doc) VALUES (?,?,?,?,?,?)');
        // one savepoint: a failure part-way leaves none of them (the write may go on without them)
        db.exec('SAVEPOINT insert_many');
        try {
          for (const d of docs) {
            const json = JSON.stringify(d.doc);
            if (json === undefined) throw new TypeError(`cannot store ${typeof d.doc} as a document`);
            const seq = ++this.seq;
            insert.run(d.kind, d.account, d.region, d.id, seq, json);
            if (this.indexes[d.kind]) for (const [field, value] of indexRows(this.indexes, d.kind, d.doc)) s.addIndex.run(d.kind, d.account, d.region, d.id, field, value, seq, this.counted(d.kind, field));
          }
          db.exec('RELEASE insert_many');
        } catch (e) {
          db.exec('ROLLBACK TO insert_many');
          db.exec('RELEASE insert_many');
          throw e;
        }
        for (const d of docs) noteChange(t, d.kind, d, d.id);
      },
      forEach: async (sel: DocSelector, fn: (d: StoredDocument) => void | Promise<void>) => {
        check();
        const w = selectorSql(sel, 'sqlite');
        // one pass in seq order; the statement keeps the connection busy, so `fn` must not use this tx
        const it = this.prepare(db, `SELECT kind, account, region, id, doc FROM resources WHERE ${w.all} ORDER BY seq`).iterate(...w.params) as IterableIterator<{ kind: string; account: string; region: string; id: string; doc: string }>;
        let n = 0;
        try {
          for (const r of it) {
            n++;
            await fn({ kind: r.kind, account: r.account, region: r.region, id: r.id, doc: JSON.parse(r.doc) });
            check();
          }
        } finally {
          it.return?.();
        }
        return n;
      },
    };
  }

  private takeReader(): Promise<Database.Database> {
    const r = this.idle.pop();
    if (r) return Promise.resolve(r);
    return new Promise((res) => this.waiting.push(res));
  }
  private giveReader(r: Database.Database): void {
    const next = this.waiting.shift();
    if (next) next(r);
    else this.idle.push(r);
  }

  read<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (!this.readers.length || this.closed) {
      return this.mutex.run(async () => {
        const live = { open: true };
        try {
          return await fn(this.tx(this.db, null, live));
        } finally {
          live.open = false;
        }
      });
    }
    // nesting is refused as for writes: a read inside a read or write waits for nothing, but it
    // would see another snapshot than its caller, which is never what the caller meant
    if (this.inRead.getStore()?.active || this.mutex.isInside()) return Promise.reject(new Error('nested transaction: read/write called inside another read/write of the same store'));
    return (async () => {
      const db = await this.takeReader();
      const live = { open: true };
      const mark = { active: true };
      try {
        db.exec('BEGIN');
        try {
          return await this.inRead.run(mark, () => fn(this.tx(db, null, live)));
        } finally {
          live.open = false;
          mark.active = false;
          if (db.inTransaction) db.exec('COMMIT');
        }
      } finally {
        this.giveReader(db);
      }
    })();
  }

  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.inRead.getStore()?.active) return Promise.reject(new Error('nested transaction: read/write called inside another read/write of the same store'));
    const asked = performance.now();
    return this.mutex.run(async () => {
      const began = performance.now();
      try {
        return await this.writeNow(fn);
      } finally {
        this.writeObserver?.((began - asked) / 1000, (performance.now() - began) / 1000);
      }
    });
  }

  readonly storeKind = 'sqlite' as const;
  private writeObserver: ((wait: number, hold: number) => void) | undefined;
  observeWrites(fn: (wait: number, hold: number) => void): void {
    this.writeObserver = fn;
  }

  /** A write inside the mutex. */
  private async writeNow<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const touched = new Map<string, ChangedResource>();
    if (this.restartWanted) await this.restartWal();
    const seqBefore = this.seq;
    const live: { open: boolean; bulk?: Set<string> } = { open: true };
    this.db.exec('BEGIN IMMEDIATE');
    let out: T;
    try {
      out = await fn(this.tx(this.db, touched, live));
      live.open = false;
      const t0 = performance.now();
      this.db.exec('COMMIT');
      const ms = performance.now() - t0;
      const ws = this.walStats;
      ws.commits++;
      if (ms > 50) ws.commitsOver50ms++;
      if (ms > ws.commitMaxMs) ws.commitMaxMs = ms;
    } catch (e) {
      live.open = false;
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.seq = seqBefore;
      throw e;
    }
    // after the commit only; a failing listener neither undoes the write nor hides it from others
    if (touched.size || live.bulk) {
      const resources = [...touched.values()];
      const kinds = new Set([...resources.map((r) => r.kind), ...(live.bulk ?? [])]);
      for (const l of [...this.listeners]) {
        try {
          // a bulk delete names no documents: anything of its kinds may have changed
          const change: Change = live.bulk ? { kinds: new Set(kinds) } : { kinds: new Set(kinds), resources: resources.map((r) => ({ ...r })) };
          // outside the transaction's context, so a listener may start its own read/write
          this.mutex.outside(() => this.inRead.exit(() => l(change)));
        } catch {
          // listeners are notifications; their failures are theirs
        }
      }
    }
    return out;
  }

  /**
   * Inside the write mutex, outside any transaction: the worker's RESTART checkpoint runs while no
   * write can start (it waits only for readers, bounded by its own busy timeout), and the next
   * write then starts the WAL over. The event loop stays free, so reads in flight finish.
   */
  private async restartWal(): Promise<void> {
    this.restartWanted = false;
    const w = this.checkpointer;
    if (!w) return;
    const t0 = performance.now();
    await new Promise<void>((r) => {
      this.restartDone = r;
      w.postMessage('restart');
    });
    this.restartDone = undefined;
    const ms = performance.now() - t0;
    this.walStats.restarts++;
    if (ms > this.walStats.restartMaxMs) this.walStats.restartMaxMs = ms;
  }

  onChange(listener: (c: Change) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      if (this.closed) return;
      this.closed = true;
      // readers in use finish their callback first
      while (this.idle.length < this.readers.length) await new Promise<void>((r) => this.waiting.push((db) => (this.idle.push(db), r())));
      const w = this.checkpointer;
      this.checkpointer = undefined;
      if (w) {
        await new Promise<void>((r) => {
          // a late { restartWanted } is not the answer to 'stop'
          w.on('message', (m: { stopped?: boolean }) => m?.stopped && r());
          w.once('exit', () => r());
          w.once('error', () => r());
          w.postMessage('stop');
        });
        await w.terminate();
      }
      for (const r of this.readers) if (r.open) r.close();
      if (this.db.open) this.db.close();
    });
  }
}

