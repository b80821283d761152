// Worker thread of the SQLite store (src/state/sqlite-store.ts): runs the WAL checkpoints on a
// connection of its own, so that the event loop's commits only append to the WAL and never pay for
// copying pages into the database file and syncing it (the main connection's autocheckpoint is
// off). Plain JavaScript: a worker does not inherit the tsx loader.
//
// Every `everyMs` a PASSIVE checkpoint copies what no reader still needs; it never takes the
// writer's lock nor waits for readers. Under continuous writes that alone never lets the WAL start
// over (SQLite restarts it only when a writer begins with every frame copied), so once a pass finds
// the WAL longer than `capPages` the worker posts { restartWanted }; the store then holds its next
// write back (its mutex, not an SQLite lock: no connection of it waits in a busy handler) and posts
// 'restart': the worker runs RESTART — copies the few frames written since its last pass, waits up
// to `readerWaitMs` for readers still reading from the WAL, and answers { restarted, ok }. The
// next write then starts the WAL from its beginning. Out also: { stopped, passes, pages, restarts }.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma(`busy_timeout = ${workerData.readerWaitMs ?? 100}`);
const cap = workerData.capPages ?? 4096;
let pages = 0;
let passes = 0;
let restarts = 0;
let wanted = false;
const checkpoint = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    pages += r?.checkpointed ?? 0;
    passes++;
    if (!wanted && (r?.log ?? 0) > cap) {
      // a second pass first, while writes go on: it copies what was written during the first, so
      // the RESTART (run while writes wait) has only a few frames left to copy and sync
      const [r2] = db.pragma('wal_checkpoint(PASSIVE)');
      pages += r2?.checkpointed ?? 0;
      wanted = true;
      parentPort.postMessage({ restartWanted: true });
    }
  } catch {
    // busy (another checkpoint runs): the next round catches up
  }
};
const timer = setInterval(checkpoint, workerData.everyMs ?? 100);
parentPort.on('message', (m) => {
  if (m === 'restart') {
    let ok = false;
    try {
      // the store's writer is held back, so this waits only for readers (busy_timeout above)
      const [r] = db.pragma('wal_checkpoint(RESTART)');
      ok = r?.busy === 0;
      pages += r?.checkpointed ?? 0;
      restarts++;
    } catch {
      // SQLITE_BUSY: a reader kept the WAL past readerWaitMs; the next pass asks again
    }
    wanted = false;
    parentPort.postMessage({ restarted: true, ok });
  } else if (m === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.postMessage({ stopped: true, passes, pages, restarts });
  }
});
