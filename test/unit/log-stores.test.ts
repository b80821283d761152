// The world's Log Service registry (src/world/log-stores.ts): names, idempotence, lookups, scoping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { createLogProject, createLogStore, deleteLogProject, deleteLogStore, listLogProjects, LogStoreRegistryError, lookupLogStore } from '../../src/world/log-stores.js';

test('log projects and logstores per (account, region)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-sls-'));
  const store = new SqliteStore(join(dir, 'db'));
  try {
    const hz = { account: 'a', region: 'cn-hangzhou' };
    const sh = { account: 'a', region: 'cn-shanghai' };
    const other = { account: 'b', region: 'cn-hangzhou' };
    await store.write(async (tx) => {
      await createLogProject(tx, hz, 'my-project', '2026-01-01T00:00:00Z', 'first');
      // Idempotent: the first description stays.
      assert.equal((await createLogProject(tx, hz, 'my-project', '2026-01-02T00:00:00Z', 'second')).Description, 'first');
      await createLogStore(tx, hz, 'my-project', 'access_log');
      await createLogStore(tx, hz, 'my-project', 'access_log');
      assert.deepEqual((await listLogProjects(tx, hz)).map((p) => p.LogStores), [['access_log']]);
    });
    assert.equal(await store.read((tx) => lookupLogStore(tx, hz, 'my-project', 'access_log')), 'ok');
    assert.equal(await store.read((tx) => lookupLogStore(tx, hz, 'my-project', 'nope')), 'noStore');
    assert.equal(await store.read((tx) => lookupLogStore(tx, sh, 'my-project', 'access_log')), 'noProject');
    assert.equal(await store.read((tx) => lookupLogStore(tx, other, 'my-project', 'access_log')), 'noProject');
    for (const bad of ['ab', 'My-Project', '-abc', 'abc-', 'a_b_c', 'x'.repeat(64)]) {
      await assert.rejects(store.write((tx) => createLogProject(tx, hz, bad, 'now')), LogStoreRegistryError, bad);
    }
    for (const bad of ['a', '_ab', 'ab-', 'A1', 'x'.repeat(65)]) {
      await assert.rejects(store.write((tx) => createLogStore(tx, hz, 'my-project', bad)), LogStoreRegistryError, bad);
    }
    await assert.rejects(store.write((tx) => createLogStore(tx, hz, 'missing', 'logs')), /does not exist/);
    assert.equal(await store.write((tx) => deleteLogStore(tx, hz, 'my-project', 'nope')), false);
    assert.equal(await store.write((tx) => deleteLogStore(tx, hz, 'my-project', 'access_log')), true);
    assert.equal(await store.write((tx) => deleteLogProject(tx, hz, 'my-project')), true);
    assert.equal(await store.write((tx) => deleteLogProject(tx, hz, 'my-project')), false);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
