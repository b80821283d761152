// A product's error catalog (src/products/<product>/catalog.data.json, generated from the errors
// its actions publish in reference/<product>-api.json) and the typed way to raise its entries.
import { ApiError, type CatalogRecord } from '../errors/catalog.js';

export class ProductCatalog {
  private byCode = new Map<string, CatalogRecord[]>();
  constructor(readonly entries: readonly CatalogRecord[]) {
    for (const e of entries) this.byCode.set(e.code, [...(this.byCode.get(e.code) ?? []), e]);
  }

  /** The entry (code, message); message may be left out when the code has one entry. */
  entry(code: string, message?: string): CatalogRecord {
    const list = this.byCode.get(code);
    const e = message === undefined ? (list?.length === 1 ? list[0] : undefined) : list?.find((x) => x.message === message);
    if (!e) throw new Error(`no catalog entry ${code} ${message ?? ''}`); // a programming error, caught by the tests
    return e;
  }

  error(code: string, message?: string, vars?: Record<string, string>): ApiError {
    return new ApiError(this.entry(code, message), vars);
  }
}

/** Entries OpenSLB adds to a product's catalog where the published tables lack a condition it answers. */
export function withOwn(published: readonly CatalogRecord[], own: readonly CatalogRecord[]): CatalogRecord[] {
  const key = (e: CatalogRecord) => `${e.code}\u0000${e.message}`;
  const seen = new Set(published.map(key));
  return [...published, ...own.filter((e) => !seen.has(key(e)))];
}
