// Chooses the store for a server: SQLite in the data dir by default, PostgreSQL when given a
// postgres:// URL (`openslb serve --store URL` or env OPENSLB_STORE_URL; docs/storage.md).
import { join } from 'node:path';
import { WINDOW_MS, type NonceGuard } from '../util/replay.js';
import type { Clock } from '../util/clock.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export const isPostgresUrl = (s: string) => /^postgres(ql)?:\/\//i.test(s.trim());

/** Throws on anything that is neither empty (SQLite) nor a PostgreSQL URL. */
export function checkStoreUrl(s: string | undefined): string | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  if (!isPostgresUrl(s)) throw new RangeError('expected a postgres://… or postgresql://… URL');
  return s.trim();
}

export async function openStore(url: string | undefined, dataDir: string, onError?: (e: Error) => void): Promise<Store> {
  const u = checkStoreUrl(url);
  if (!u) return new SqliteStore(join(dataDir, 'openslb.db'));
  return PostgresStore.open({ connectionString: u, onError, writeConcurrency: writeConcurrency(process.env['OPENSLB_PG_WRITE_CONCURRENCY']) });
}

/** OPENSLB_PG_WRITE_CONCURRENCY: write transactions one node runs at once on PostgreSQL (docs/storage.md). */
function writeConcurrency(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new RangeError(`OPENSLB_PG_WRITE_CONCURRENCY: expected an integer from 1 to 64, got ${JSON.stringify(v)}`);
  return n;
}

/**
 * Replay protection all nodes of a shared database agree on (SignatureNonceUsed on every node);
 * undefined for a store one process owns, where the gateway's in-memory cache is enough.
 */
export function sharedNonces(store: Store, clock: Clock): NonceGuard | undefined {
  if (!(store instanceof PostgresStore)) return undefined;
  return { use: (accessKeyId, nonce) => store.useNonce(accessKeyId, nonce, clock.now(), WINDOW_MS) };
}

/** For logs and errors: the URL without its password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
