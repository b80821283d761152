// The SQLite store's WAL under continuous writes (docs/storage.md, "The SQLite write tail at
// scale"): the WAL starts over after the checkpointer's RESTART, so its file stays bounded; and a
// process killed mid-storm (after RESTART checkpoints, the WAL being reused) loses no acknowledged
// write and leaves an intact database. A process crash: power loss is SQLite's own guarantee under
// synchronous = NORMAL, which this does not change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/state/sqlite-store.js';

const scope = { account: 'acct', region: 'r1' };

test('SqliteStore: under 16 concurrent writers the WAL restarts and its file stays bounded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-wal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openslb.db');
  const cap = 256; // pages: 1 MiB
  const store = new SqliteStore(file, { walCapPages: cap });
  let walMax = 0;
  const sample = () => {
    try {
      walMax = Math.max(walMax, statSync(`${file}-wal`).size);
    } catch {
      // no WAL file yet
    }
  };
  const deadline = Date.now() + 20_000;
  let n = 0;
  // until three RESTARTs (bounded in time: a stalled checkpointer fails the assertion below)
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      while (store.walStats.restarts < 3 && Date.now() < deadline) {
        const id = `lb-${w}-${n++}`;
        await store.write((tx) => tx.put('loadBalancer', scope, id, { LoadBalancerId: id, Address: `10.0.${n % 250}.${w}`, pad: 'x'.repeat(2000) }));
        sample();
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  const stats = { ...store.walStats };
  assert.equal(await store.read((tx) => tx.count('loadBalancer', scope)), n);
  await store.close();
  assert.ok(stats.restarts >= 3, `RESTART checkpoints: ${stats.restarts} (${n} writes)`);
  // the WAL outgrows the cap by at most what is written between the checkpointer's passes (100 ms)
  // and the next write; cut back to the cap when it starts over
  assert.ok(walMax < 64 * 2 ** 20, `WAL file at most ${(walMax / 2 ** 20).toFixed(1)} MiB`);
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
});

test('SqliteStore: SIGKILL during a write storm with RESTART checkpoints loses no acknowledged write', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-walkill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openslb.db');
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../helpers/sqlite-wal-writer.ts'), file, '256'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.exitCode === null && child.kill('SIGKILL'));
  const acked: string[] = [];
  let restarts = 0;
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 3 RESTARTs within 30 s (${acked.length} writes, ${restarts} restarts)`)), 30_000);
    child.once('exit', (code) => reject(new Error(`writer exited early: ${code}`)));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('restarts ')) restarts = Number(l.slice(9));
        else if (l) acked.push(l);
      }
      // a few writes after the third RESTART: killed while the WAL is being reused
      if (restarts >= 3 && acked.length % 7 === 3) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGKILL');
  });
  const db = new Database(file);
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
  const store = new SqliteStore(file);
  try {
    const ids = new Set(await store.read(async (tx) => (await tx.list<{ LoadBalancerId: string }>('loadBalancer', scope)).map((d) => d.LoadBalancerId)));
    const lost = acked.filter((id) => !ids.has(id));
    assert.deepEqual(lost, [], `${acked.length} acknowledged writes, ${restarts} restarts before the kill`);
  } finally {
    await store.close();
  }
});
