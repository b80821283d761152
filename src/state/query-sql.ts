// SQL for Tx.query / Tx.count, shared by the SQLite and PostgreSQL stores. The first indexed
// condition with one value drives the lookup: the database walks resource_index in (field, value,
// seq) order, so a page of a large kind costs its page size, not the kind's size; further
// conditions are EXISTS probes on the same index; `match` compares top-level document fields.
import type { IndexSpec } from './indexes.js';
import { countedField, indexText } from './indexes.js';
import type { IndexValue, Query, QueryScope } from './store.js';

export interface QueryDialect {
  dialect: 'sqlite' | 'postgres';
  /** table names, schema-qualified where needed (default resources / resource_index) */
  resources?: string;
  index?: string;
  counts?: string;
}

const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;

/** `params`: scalars, or string arrays (a list parameter: JSON text for SQLite, text[] for PostgreSQL). */
export function buildQuery(spec: IndexSpec, kind: string, scope: QueryScope, q: Query, count: boolean, d: QueryDialect): { sql: string; params: (string | number | string[])[] } {
  const pg = d.dialect === 'postgres';
  const R = d.resources ?? 'resources';
  const I = d.index ?? 'resource_index';
  const params: (string | number | string[])[] = [];
  const p = (v: string | number | string[]) => {
    params.push(v);
    return pg ? `$${params.length}` : '?';
  };
  const inList = (col: string, values: string[]) => (pg ? `${col} = ANY(${p(values)}::text[])` : `${col} IN (SELECT value FROM json_each(${p(values)}))`);
  const fields = spec[kind] ?? {};
  const where = Object.entries(q.where ?? {}).map(([f, v]) => {
    if (!(f in fields)) throw new Error(`store query: ${kind}.${f} is not indexed (src/state/indexes.ts)`);
    const list = (Array.isArray(v) ? v : [v]) as IndexValue[];
    return { field: f, values: list.map(indexText) };
  });
  // a count by at most one single-valued indexed condition is one row of resource_counts per region
  if (count && where.length <= 1 && (where[0]?.values.length ?? 1) === 1 && (!where[0] || countedField(spec, kind, where[0].field)) && !q.ids && !Object.keys(q.match ?? {}).length) {
    const conds = [`kind = ${p(kind)}`, `account = ${p(scope.account)}`, `field = ${p(where[0]?.field ?? '')}`, `value = ${p(where[0]?.values[0] ?? '')}`];
    if (scope.region !== undefined) conds.push(`region = ${p(scope.region)}`);
    return { sql: `SELECT COALESCE(SUM(n), 0) AS n FROM ${d.counts ?? 'resource_counts'} WHERE ${conds.join(' AND ')}`, params };
  }
  // What drives the lookup: an indexed condition with one value (the index gives the order too);
  // else a list of ids (each a primary-key probe, the few hits sorted); else an indexed condition
  // with several values (one index range per value, hits sorted); else the kind in insertion order.
  if (where.some((w) => w.values.length === 0) || q.ids?.length === 0) {
    return count ? { sql: 'SELECT 0 AS n', params: [] } : { sql: pg ? 'SELECT NULL AS region, NULL AS doc WHERE false' : 'SELECT NULL AS region, NULL AS doc WHERE 0', params: [] };
  }
  const driver = where.find((w) => w.values.length === 1) ?? (q.ids ? undefined : where[0]);
  const rest = where.filter((w) => w !== driver);
  const conds: string[] = [];
  let from: string;
  let seq: string;
  if (driver && driver.values.length === 1) {
    from = `${I} i0 JOIN ${R} r ON r.kind = i0.kind AND r.account = i0.account AND r.region = i0.region AND r.id = i0.id`;
    seq = 'i0.seq';
    conds.push(`i0.kind = ${p(kind)}`, `i0.account = ${p(scope.account)}`, `i0.field = ${p(driver.field)}`, `i0.value = ${p(driver.values[0]!)}`);
    if (scope.region !== undefined) conds.push(`i0.region = ${p(scope.region)}`);
  } else if (driver) {
    // several values: the documents holding any of them (a list field may hold several: once each)
    from = `${R} r`;
    seq = 'r.seq';
    conds.push(`r.kind = ${p(kind)}`, `r.account = ${p(scope.account)}`);
    if (scope.region !== undefined) conds.push(`r.region = ${p(scope.region)}`);
    // (parameters are numbered in the order they are added: build the text left to right)
    let sub = `SELECT i0.region, i0.seq FROM ${I} i0 WHERE i0.kind = ${p(kind)} AND i0.account = ${p(scope.account)} AND i0.field = ${p(driver.field)} AND ${inList('i0.value', driver.values)}`;
    if (scope.region !== undefined) sub += ` AND i0.region = ${p(scope.region)}`;
    conds.push(`(r.region, r.seq) IN (${sub})`);
  } else if (q.ids) {
    // CROSS JOIN keeps SQLite from walking the whole kind in seq order to test each id
    const ids = [...new Set(q.ids)];
    from = pg ? `unnest(${p(ids)}::text[]) AS j(id) JOIN ${R} r ON r.id = j.id` : `json_each(${p(ids)}) j CROSS JOIN ${R} r ON r.id = j.value`;
    seq = 'r.seq';
    conds.push(`r.kind = ${p(kind)}`, `r.account = ${p(scope.account)}`);
    if (scope.region !== undefined) conds.push(`r.region = ${p(scope.region)}`);
  } else {
    from = `${R} r`;
    seq = 'r.seq';
    conds.push(`r.kind = ${p(kind)}`, `r.account = ${p(scope.account)}`);
    if (scope.region !== undefined) conds.push(`r.region = ${p(scope.region)}`);
  }
  rest.forEach((w, n) => {
    const a = `i${n + 1}`;
    conds.push(
      `EXISTS (SELECT 1 FROM ${I} ${a} WHERE ${a}.kind = r.kind AND ${a}.account = r.account AND ${a}.field = ${p(w.field)} AND ${a}.region = r.region AND ${a}.seq = r.seq AND ${inList(`${a}.value`, w.values)})`,
    );
  });
  for (const [f, v] of Object.entries(q.match ?? {})) {
    if (!FIELD.test(f)) throw new Error(`store query: bad field name ${JSON.stringify(f)}`);
    if (pg) conds.push(`(r.doc ->> '${f}') = ${p(indexText(v))}`);
    else conds.push(`json_extract(r.doc, '$.${f}') = ${p(typeof v === 'boolean' ? (v ? 1 : 0) : v)}`);
  }
  if (q.ids && driver) conds.push(inList('r.id', [...new Set(q.ids)]));
  const whereSql = conds.join(' AND ');
  // a count by one indexed condition alone (a list field: not in resource_counts) counts index
  // rows: one per matching document, so the documents need not be looked up
  if (count && driver && driver.values.length === 1 && !rest.length && !q.ids && !Object.keys(q.match ?? {}).length) return { sql: `SELECT COUNT(*) AS n FROM ${I} i0 WHERE ${whereSql}`, params };
  if (count) return { sql: `SELECT COUNT(*) AS n FROM ${from} WHERE ${whereSql}`, params };
  let sql = `SELECT r.region AS region, r.doc AS doc FROM ${from} WHERE ${whereSql} ORDER BY ${seq} ${q.order === 'desc' ? 'DESC' : 'ASC'}`;
  if (q.limit !== undefined || q.offset !== undefined) {
    sql += ` LIMIT ${p(q.limit !== undefined ? Math.max(0, Math.floor(q.limit)) : pg ? 2 ** 53 - 1 : -1)}`;
    if (q.offset) sql += ` OFFSET ${p(Math.max(0, Math.floor(q.offset)))}`;
  }
  return { sql, params };
}
