// The error catalog: every error any handler or the gateway can answer with. Handlers raise
// entries by (code, message) and the type system rejects anything that is not in the catalog.
import { appendFileSync } from 'node:fs';
import { CATALOG } from './catalog.data.js';

export { CATALOG };
export type CatalogEntry = (typeof CATALOG)[number];
export type ErrorCode = CatalogEntry['code'];
export type MessageOf<C extends ErrorCode> = Extract<CatalogEntry, { code: C }>['message'];

export interface CatalogRecord {
  code: string;
  http: number;
  message: string;
  descriptionZh: string;
  source: 'seed' | 'gateway' | 'action' | 'openslb';
  row?: number;
  actions?: readonly string[];
  note?: string;
}

const byCode = new Map<string, CatalogRecord[]>();
for (const e of CATALOG as readonly CatalogRecord[]) {
  const list = byCode.get(e.code) ?? [];
  list.push(e);
  byCode.set(e.code, list);
}

// Anchors on the error center page: the code, then `~2`, `~3`… for its further messages.
const anchors = new Map<CatalogRecord, string>();
for (const [code, list] of byCode) list.forEach((e, i) => anchors.set(e, i === 0 ? code : `${code}~${i + 1}`));
export function anchorOf(e: CatalogRecord): string {
  return anchors.get(e) ?? e.code;
}

/** Anchors of another product's catalog (VPC, ECS…): `<product>:<code>`, then `~2`, `~3`… per further message. */
export function registerProductAnchors(product: string, entries: readonly CatalogRecord[]): void {
  const seen = new Map<string, number>();
  for (const e of entries) {
    const n = (seen.get(e.code) ?? 0) + 1;
    seen.set(e.code, n);
    anchors.set(e, n === 1 ? `${product}:${e.code}` : `${product}:${e.code}~${n}`);
  }
}

export function lookup(code: string, message?: string): CatalogRecord | undefined {
  const list = byCode.get(code);
  if (!list) return undefined;
  if (message === undefined) return list.length === 1 ? list[0] : undefined;
  return list.find((e) => e.message === message);
}

/** An error the API answers with. Only constructible from a catalog entry. */
export class ApiError extends Error {
  readonly entry: CatalogRecord;
  readonly text: string;
  constructor(entry: CatalogRecord, vars?: Record<string, string>) {
    const text = vars ? entry.message.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m) : entry.message;
    super(`${entry.code}: ${text}`);
    this.entry = entry;
    this.text = text;
  }
  get code(): string {
    return this.entry.code;
  }
  get http(): number {
    return this.entry.http;
  }
}

/**
 * Builds the catalog error (code, message). `message` may be left out when the code has a single
 * catalog entry. Unknown pairs cannot compile; the runtime check guards generated callers.
 */
export function apiError<C extends ErrorCode>(code: C, message?: MessageOf<C>, vars?: Record<string, string>): ApiError {
  const entry = lookup(code, message);
  if (!entry) {
    // Unreachable from typed code; kept so a bad dynamic call still answers a catalog error.
    return new ApiError(lookup('InternalError', 'The request processing has failed due to some unknown error.')!);
  }
  return new ApiError(entry, vars);
}

export function fail<C extends ErrorCode>(code: C, message?: MessageOf<C>, vars?: Record<string, string>): never {
  throw apiError(code, message, vars);
}

// Coverage recording: with OPENSLB_ERROR_COVERAGE=<file>, every emitted seed row is appended.
// With OPENSLB_ERROR_COVERAGE_DETAIL=<file>, every emitted catalog entry (seed or not) is appended
// as `row<TAB>anchor<TAB>test file`: the test file is OPENSLB_COVERAGE_TEST (set per test process
// by scripts/coverage-preload.mjs and inherited by spawned `openslb serve` children), else this
// process's main file when it is a test file. scripts/gen-error-table.mjs reads it.
const coverageFile = process.env['OPENSLB_ERROR_COVERAGE'];
const detailFile = process.env['OPENSLB_ERROR_COVERAGE_DETAIL'];
function testSource(): string {
  const fromEnv = process.env['OPENSLB_COVERAGE_TEST'];
  if (fromEnv) return fromEnv;
  const main = process.argv[1] ?? '';
  return /\.test\.[cm]?[jt]s$/.test(main) ? main : '';
}
export function recordEmitted(entry: CatalogRecord): void {
  try {
    if (coverageFile && entry.row !== undefined) appendFileSync(coverageFile, `${entry.row}\n`);
    if (detailFile) appendFileSync(detailFile, `${entry.row ?? ''}\t${anchorOf(entry)}\t${testSource()}\n`);
  } catch {
    // coverage is best effort; never let it break a response
  }
}
