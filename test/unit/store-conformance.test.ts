// Holds SqliteStore to the Store conformance suite (test/helpers/store-conformance.ts); a
// PostgreSQL implementation gets its own harness and runs the same suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { storeConformance } from '../helpers/store-conformance.js';

storeConformance({
  name: 'SqliteStore',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'openslb-store-'));
    const file = join(dir, 'openslb.db');
    return {
      store: new SqliteStore(file),
      reopen: async (indexes) => new SqliteStore(file, { indexes }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});

test('SqliteStore: WAL journal, each migration recorded once across reopens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-store-'));
  try {
    const file = join(dir, 'openslb.db');
    for (let i = 0; i < 3; i++) await new SqliteStore(file).close();
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
      assert.deepEqual(
        rows.map((r) => r.version),
        rows.map((_, i) => i + 1),
      );
      assert.ok(rows.length >= 1);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
