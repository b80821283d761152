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
  const walSize = () => {
    try {
      return statSync(`${file}-wal`).size;
    } catch {
      return 0; // no WAL file yet
    }
  };
  // the WAL file's size right after a write that followed a RESTART (at most one write per writer
  // since: each waits for the next turn of the event loop between writes)
  const afterRestart: number[] = [];
  const deadline = Date.now() + 20_000;
  let n = 0;
  // until three RESTARTs (bounded in time: a stalled checkpointer fails the assertion below)
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      while (store.walStats.restarts < 3 && Date.now() < deadline) {
        const id = `lb-${w}-${n++}`;
        const restarts = store.walStats.restarts;
        await store.write((tx) => tx.put('loadBalancer', scope, id, { LoadBalancerId: id, Address: `10.0.${n % 250}.${w}`, pad: 'x'.repeat(2000) }));
        const size = walSize();
        walMax = Math.max(walMax, size);
        if (store.walStats.restarts > restarts) afterRestart.push(size);
        await new Promise((r) => setImmediate(r));
      }
    }),
  );
  const stats = { ...store.walStats };
  assert.equal(await store.read((tx) => tx.count('loadBalancer', scope)), n);
  await store.close();
  assert.ok(stats.restarts >= 3, `RESTART checkpoints: ${stats.restarts} (${n} writes)`);
  // Cut back to the cap (journal_size_limit) when it starts over: right after a RESTART the file
  // holds the cap plus the few writes made since. (How far it outgrows the cap before that is what
  // is written between the checkpointer's passes, every 100 ms: a matter of the machine's speed
  // and load, so it is only reported; the bound below catches a WAL that never starts over.)
  assert.ok(afterRestart.length > 0, 'a write saw the WAL start over');
  for (const size of afterRestart) assert.ok(size <= cap * 4096 + 4 * 2 ** 20, `WAL file ${(size / 2 ** 20).toFixed(1)} MiB right after a RESTART (cap ${cap} pages)`);
  assert.ok(walMax < 512 * 2 ** 20, `WAL file at most ${(walMax / 2 ** 20).toFixed(1)} MiB`);
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
