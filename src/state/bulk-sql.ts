// SQL conditions for the bulk operations of a Tx (deleteWhere, forEach), shared by the SQLite and
// PostgreSQL stores. A DocSelector becomes conditions on the columns every table of the store has
// (kind, account) plus, with `match`, conditions on the document itself (resources only).
import { indexText } from './indexes.js';
import type { DocSelector } from './store.js';

const FIELD = /^[A-Za-z][A-Za-z0-9_]*$/;

export interface SelectorSql {
  /** conditions on kind and account only (valid on resources, resource_index and resource_counts); 'TRUE' when none */
  keys: string;
  /** `keys` plus the `match` conditions on the document (resources only) */
  all: string;
  /** the parameters of `all`; those of `keys` are the first `keyParams` of them */
  params: (string | number | string[])[];
  keyParams: number;
  /** whether `match` narrowed the selection below whole (kind, account) groups */
  matched: boolean;
}

/**
 * Conditions for `sel`; `alias` prefixes the column names (e.g. 'r.'). Placeholders are `?`
 * (SQLite, list parameters as JSON text) or `$n` from `first` on (PostgreSQL, list parameters as text[]).
 */
export function selectorSql(sel: DocSelector, dialect: 'sqlite' | 'postgres', alias = '', first = 1): SelectorSql {
  const pg = dialect === 'postgres';
  const params: (string | number | string[])[] = [];
  const p = (v: string | number | string[]) => {
    params.push(pg || !Array.isArray(v) ? v : JSON.stringify(v));
    return pg ? `$${first + params.length - 1}` : '?';
  };
  const inList = (col: string, values: readonly string[]) => (pg ? `${col} = ANY(${p([...values])}::text[])` : `${col} IN (SELECT value FROM json_each(${p([...values])}))`);
  const keys: string[] = [];
  if (sel.kinds) keys.push(sel.kinds.length ? inList(`${alias}kind`, sel.kinds) : pg ? 'FALSE' : '0');
  if (sel.exceptKinds?.length) keys.push(`NOT ${inList(`${alias}kind`, sel.exceptKinds)}`);
  if (sel.account !== undefined) keys.push(`${alias}account = ${p(sel.account)}`);
  const keyParams = params.length;
  const all = [...keys];
  for (const [f, v] of Object.entries(sel.match ?? {})) {
    if (!FIELD.test(f)) throw new Error(`store selector: bad field name ${JSON.stringify(f)}`);
    if (pg) all.push(`(${alias}doc ->> '${f}') = ${p(indexText(v))}`);
    else all.push(`json_extract(${alias}doc, '$.${f}') = ${p(typeof v === 'boolean' ? (v ? 1 : 0) : v)}`);
  }
  const t = pg ? 'TRUE' : '1';
  return { keys: keys.join(' AND ') || t, all: all.join(' AND ') || t, params, keyParams, matched: Object.keys(sel.match ?? {}).length > 0 };
}
