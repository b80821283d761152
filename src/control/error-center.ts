// The error center: every catalog entry, in English and Chinese, addressable by anchor.
import { anchorOf, CATALOG, type CatalogRecord } from '../errors/catalog.js';

export function errorCenterJson() {
  return {
    count: CATALOG.length,
    seedRows: (CATALOG as readonly CatalogRecord[]).filter((e) => e.source === 'seed').length,
    entries: (CATALOG as readonly CatalogRecord[]).map((e) => ({
      anchor: anchorOf(e),
      code: e.code,
      http: e.http,
      message: e.message,
      descriptionZh: e.descriptionZh,
      source: e.source,
      ...(e.row !== undefined ? { row: e.row } : {}),
      ...(e.actions ? { actions: e.actions } : {}),
      ...(e.note ? { note: e.note } : {}),
    })),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function errorCenterHtml(): string {
  const rows = (CATALOG as readonly CatalogRecord[])
    .map((e) => {
      const a = anchorOf(e);
      return `<tr id="${esc(a)}"><td><a href="#${esc(a)}"><code>${esc(e.code)}</code></a></td><td>${e.http}</td><td>${esc(e.message)}</td><td lang="zh-CN">${esc(e.descriptionZh)}</td><td>${e.source}${e.row !== undefined ? ` #${e.row}` : ''}${e.actions ? `<br><small>${esc(e.actions.join(', '))}</small>` : ''}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OpenSLB error center · 错误中心</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}tr:target{background:#fff3c4}code{font-size:.95em}</style>
</head><body>
<h1>OpenSLB error center <small>错误中心</small></h1>
<p>Every error the OpenSLB API can answer, with its HTTP status, English message (byte-exact, as clients match on it) and Chinese description. <br>OpenSLB API 可能返回的所有错误：HTTP 状态码、英文错误信息与中文描述。 <a href="/error-center.json">JSON</a></p>
<table><thead><tr><th>Code 错误码</th><th>HTTP</th><th>Message 错误信息</th><th>描述</th><th>Source 来源</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}
