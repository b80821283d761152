// Per-kind index versions (src/state/indexes.ts staleKinds): a changed index table rebuilds the
// lookup index of the kinds whose entry changed only, and a data dir that recorded one version for
// the whole table before the listener Status / PendingTarget fields rebuilds its listeners only.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { INDEXES, indexVersion, kindIndexVersions, staleKinds, type IndexSpec } from '../../src/state/indexes.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';

const scope = { account: '1000000000000001', region: 'cn-hangzhou' };

test('staleKinds: the kinds whose entry changed, the gone ones, all when nothing was recorded', () => {
  const spec: IndexSpec = { a: { X: 'X' }, b: { Y: 'Y' } };
  const v = kindIndexVersions(spec);
  assert.deepEqual(staleKinds(spec, { versions: v }), []);
  assert.deepEqual(staleKinds({ ...spec, b: { Y: 'Y', Z: 'Z' } }, { versions: v }), ['b']);
  assert.deepEqual(staleKinds({ a: spec['a']!, c: { W: 'W' } }, { versions: v }), ['b', 'c']);
  assert.equal(staleKinds(spec, {}), 'all');
  // a whole-table version: nothing when it is this table's, else everything (another table)
  assert.deepEqual(staleKinds(spec, { legacy: indexVersion(spec) }), []);
  assert.equal(staleKinds(spec, { legacy: indexVersion({ a: spec['a']! }) }), 'all');
  // the default table's previous whole-table version: its listeners only
  const { Status: _s, PendingTarget: _p, ...listener } = INDEXES['listener']!;
  assert.deepEqual(staleKinds(INDEXES, { legacy: indexVersion({ ...INDEXES, listener }) }), ['listener']);
});

test('SQLite: a data dir indexed with the previous default table rebuilds its listeners only; the next open rebuilds nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-index-versions-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'db');
  let store = new SqliteStore(file);
  await store.write(async (tx) => {
    await tx.put('loadBalancer', scope, 'lb-1', { LoadBalancerId: 'lb-1', LoadBalancerName: 'one' });
    await tx.put('listener', scope, 'lb-1_tcp_80', { LoadBalancerId: 'lb-1', ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'running' });
  });
  await store.close();
  // as the previous release left it: one whole-table version, no listener Status rows; the load
  // balancer's rows are removed too, to see whether they are rebuilt
  const { Status: _s, PendingTarget: _p, ...listener } = INDEXES['listener']!;
  const db = new Database(file);
  db.prepare("DELETE FROM store_meta WHERE key = 'index_versions'").run();
  db.prepare("INSERT INTO store_meta (key, value) VALUES ('index_version', ?)").run(indexVersion({ ...INDEXES, listener }));
  db.prepare("DELETE FROM resource_index WHERE kind IN ('listener', 'loadBalancer')").run();
  db.close();

  store = new SqliteStore(file);
  const look = () =>
    store.read(async (tx) => ({
      running: (await tx.query('listener', scope, { where: { Status: 'running' } })).length,
      byLb: (await tx.query('listener', scope, { where: { LoadBalancerId: 'lb-1' } })).length,
      byName: (await tx.query('loadBalancer', scope, { where: { LoadBalancerName: 'one' } })).length,
    }));
  assert.deepEqual(await look(), { running: 1, byLb: 1, byName: 0 }, 'the listeners rebuilt, the load balancers left as they were');
  await store.close();
  const check = new Database(file, { readonly: true });
  const meta = check.prepare('SELECT key, value FROM store_meta WHERE key LIKE ?').all('index_version%') as { key: string; value: string }[];
  check.close();
  assert.deepEqual(meta, [{ key: 'index_versions', value: JSON.stringify(kindIndexVersions(INDEXES)) }]);
  store = new SqliteStore(file);
  assert.deepEqual(await look(), { running: 1, byLb: 1, byName: 0 }, 'nothing rebuilt at the next open');
  await store.close();
});
