// PostgreSQL for tests: OPENSLB_TEST_PG_URL names a database the tests may create schemas in
// (scripts/with-postgres.sh starts a throwaway cluster and sets it; CI runs the tests through it).
// Every test works in a fresh schema of its own and drops it at the end.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_URL = process.env['OPENSLB_TEST_PG_URL'] || undefined;
export const PG_SKIP = 'set OPENSLB_TEST_PG_URL=postgres://… (or run through scripts/with-postgres.sh) to run the PostgreSQL store tests';
/** In CI (CI=true) the PostgreSQL tests must run: a missing URL fails them instead of skipping. */
export const PG_REQUIRED = process.env['CI'] === 'true';
export const PG_MISSING = 'CI=true but OPENSLB_TEST_PG_URL is not set: CI runs the tests through scripts/with-postgres.sh (see .ci/run)';

export const freshSchema = () => `openslb_t_${randomBytes(6).toString('hex')}`;
/** The same schema for the same key (a data dir), so a restarted server finds its state. */
export const schemaFor = (key: string) => `openslb_t_${createHash('sha1').update(key).digest('hex').slice(0, 12)}`;

/** A connection string whose sessions use `schema` (for code that takes only a URL, like the server). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function createSchema(schema: string): Promise<void> {
  await sql(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
}

export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

async function sql(text: string): Promise<void> {
  if (!PG_URL) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}
