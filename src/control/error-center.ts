// The error center: every catalog entry, in English and Chinese, addressable by anchor.
import { anchorOf, CATALOG, type CatalogRecord } from '../errors/catalog.js';
import { products } from '../products/index.js';

const entryJson = (e: CatalogRecord) => ({
  anchor: anchorOf(e),
  code: e.code,
  http: e.http,
  message: e.message,
  descriptionZh: e.descriptionZh,
  source: e.source,
  ...(e.row !== undefined ? { row: e.row } : {}),
  ...(e.actions ? { actions: e.actions } : {}),
  ...(e.note ? { note: e.note } : {}),
});

/** The other products' catalogs (VPC, ECS, Location), each under its code and version. */
const otherProducts = () => products().filter((p) => p.code !== 'slb');

export function errorCenterJson() {
  return {
    count: CATALOG.length,
    seedRows: (CATALOG as readonly CatalogRecord[]).filter((e) => e.source === 'seed').length,
    products: otherProducts().map((p) => ({ product: p.code, version: p.version, count: p.catalog.length, entries: p.catalog.map(entryJson) })),
    entries: (CATALOG as readonly CatalogRecord[]).map(entryJson),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function errorCenterHtml(): string {
  const row = (e: CatalogRecord) => {
    const a = anchorOf(e);
    return `<tr id="${esc(a)}"><td><a href="#${esc(a)}"><code>${esc(e.code)}</code></a></td><td>${e.http}</td><td>${esc(e.message)}</td><td lang="zh-CN">${esc(e.descriptionZh)}</td><td>${e.source}${e.row !== undefined ? ` #${e.row}` : ''}${e.actions ? `<br><small>${esc(e.actions.join(', '))}</small>` : ''}</td></tr>`;
  };
  const head = '<thead><tr><th>Code 错误码</th><th>HTTP</th><th>Message 错误信息</th><th>描述</th><th>Source 来源</th></tr></thead>';
  const rows = (CATALOG as readonly CatalogRecord[]).map(row).join('\n');
  const others = otherProducts()
    .filter((p) => p.catalog.length)
    .map((p) => `<h2 id="product-${esc(p.code)}">${esc(p.code.toUpperCase())} ${esc(p.version)}</h2>\n<table>${head}<tbody>\n${p.catalog.map(row).join('\n')}\n</tbody></table>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenSLB error center · 错误中心</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}tr:target{background:#fff3c4}code{font-size:.95em}</style>
</head><body>
<h1>OpenSLB error center <small>错误中心</small></h1>
<p>Every error the OpenSLB API can answer, with its HTTP status, English message (byte-exact, as clients match on it) and Chinese description. <br>OpenSLB API 可能返回的所有错误：HTTP 状态码、英文错误信息与中文描述。 <a href="/error-center.json">JSON</a></p>
<h2 id="product-slb">SLB 2014-05-15 <small>(and the gateway's codes, shared by every product)</small></h2>
<table>${head}<tbody>
${rows}
</tbody></table>
${others}</body></html>`;
}
