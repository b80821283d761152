// The error catalog against the seed document itself (reference/seed/*.txt, the in-repo copy of the user's seed document, a markdown table),
// not against the JSON derived from it: any missing row or any byte of difference fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG, anchorOf, type CatalogRecord } from '../../src/errors/catalog.js';
import { send } from '../helpers/signer.js';
import { startTestServer } from '../helpers/server.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const seedDir = join(repoRoot, 'reference', 'seed');

interface SeedRow {
  row: number;
  http: number;
  code: string;
  message: string;
  descriptionZh: string;
}

/** Markdown cell text: `\X` escapes of ASCII punctuation stand for X. */
const unescape = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

function readSeed(): SeedRow[] {
  const files = readdirSync(seedDir).filter((f) => f.endsWith('.txt')).sort();
  assert.ok(files.length > 0, `no seed document in ${seedDir}`);
  const rows: SeedRow[] = [];
  for (const f of files) {
    for (const line of readFileSync(join(seedDir, f), 'utf8').split(/\r?\n/)) {
      if (!/^\|\s*\d{3}\s*\|/.test(line)) continue; // data rows start with an HTTP status
      const cells = line.split('|').slice(1, -1);
      assert.equal(cells.length, 4, `four cells in ${line}`);
      const [http, code, message, zh] = cells.map((c) => unescape(c.trim())) as [string, string, string, string];
      // the seed has one stray space inside a code (ORDER.BID_USER_ ORDER_FORBIDDEN); codes hold no spaces
      rows.push({ row: rows.length + 1, http: Number(http), code: code.replace(/\s+/g, ''), message, descriptionZh: zh });
    }
  }
  return rows;
}

const entries = CATALOG as readonly CatalogRecord[];

test('the catalog holds every seed row byte for byte', () => {
  assert.ok(existsSync(seedDir), `seed directory ${seedDir}`);
  const seed = readSeed();
  assert.equal(seed.length, 205);
  assert.ok(seed.some((r) => r.code === 'ORDER.BID_USER_ORDER_FORBIDDEN'));
  assert.ok(seed.some((r) => r.message.includes('[1, 65535]')), 'escaped brackets are unescaped');
  const bySeedRow = new Map(entries.filter((e) => e.source === 'seed').map((e) => [e.row, e]));
  assert.equal(bySeedRow.size, 205, 'one catalog entry per seed row');
  for (const r of seed) {
    const e = bySeedRow.get(r.row);
    assert.ok(e, `seed row ${r.row} (${r.code}) is missing`);
    assert.deepEqual({ row: e.row, http: e.http, code: e.code, message: e.message, descriptionZh: e.descriptionZh }, r, `seed row ${r.row}`);
    assert.ok(Buffer.from(e.message).equals(Buffer.from(r.message)));
  }
});

test('(code, message) pairs are unique and every entry says where it comes from', () => {
  const seen = new Set<string>();
  for (const e of entries) {
    const k = `${e.code}\u0000${e.message}`;
    assert.ok(!seen.has(k), `duplicate catalog entry ${e.code}: ${e.message}`);
    seen.add(k);
    assert.ok(['seed', 'gateway', 'action', 'openslb'].includes(e.source), `${e.code} has source ${String(e.source)}`);
    assert.equal(e.source === 'seed', e.row !== undefined, `${e.code}: only seed entries carry a row`);
    if (e.source === 'openslb') assert.ok(e.note, `${e.code} (openslb) explains its text in a note`);
    if (e.source === 'action') assert.ok(e.actions?.length, `${e.code} (action) names its actions`);
    assert.ok(Number.isInteger(e.http) && e.http >= 400 && e.http < 600, `${e.code} has an HTTP error status`);
    assert.ok(e.message.length > 0 && e.code.length > 0 && !/\s/.test(e.code));
  }
  const anchors = entries.map(anchorOf);
  assert.equal(new Set(anchors).size, anchors.length, 'anchors are unique');
});

test('the error center serves every entry: JSON with all seed rows byte-exact, HTML with an anchor per entry', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const seed = readSeed();

  const j = await send(s.url, { method: 'GET', path: '/error-center.json' });
  assert.equal(j.status, 200);
  const body = JSON.parse(j.text) as { count: number; seedRows: number; entries: (SeedRow & { source: string; anchor: string })[] };
  assert.equal(body.count, entries.length);
  assert.equal(body.seedRows, 205);
  assert.equal(body.entries.length, entries.length);
  for (const r of seed) {
    const e = body.entries.find((x) => x.source === 'seed' && x.row === r.row);
    assert.ok(e, `seed row ${r.row} on /error-center.json`);
    assert.deepEqual({ row: e.row, http: e.http, code: e.code, message: e.message, descriptionZh: e.descriptionZh }, r);
  }
  for (const e of body.entries) assert.deepEqual(Object.keys(e).slice(0, 6), ['anchor', 'code', 'http', 'message', 'descriptionZh', 'source']);

  const h = await send(s.url, { method: 'GET', path: '/error-center' });
  assert.equal(h.status, 200);
  assert.match(h.headers['content-type'] as string, /^text\/html/);
  assert.match(h.text, /错误中心/);
  const esc = (x: string) => x.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  for (const e of entries) {
    const a = anchorOf(e);
    const start = h.text.indexOf(`<tr id="${esc(a)}">`);
    assert.ok(start >= 0, `anchor ${a}`);
    const row = h.text.slice(start, h.text.indexOf('</tr>', start));
    assert.ok(row.includes(esc(e.message)), `English message of ${a}`);
    assert.ok(row.includes(esc(e.descriptionZh)), `Chinese description of ${a}`);
    assert.match(row, /<td lang="zh-CN">[^<]+<\/td>/, `a Chinese description for ${a}`);
  }
});
