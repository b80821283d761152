// Worker thread of the SQLite store (src/state/sqlite-store.ts): runs the WAL checkpoints on a
// connection of its own, so that the event loop's commits only append to the WAL and never pay for
// copying pages into the database file and syncing it. Plain JavaScript: a worker does not inherit
// the tsx loader. Messages in: { every } (ms between passive checkpoints) and 'stop'; out: 'stopped'.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
let pages = 0;
const checkpoint = () => {
  try {
    // PASSIVE: copies what no reader still needs, never waits for readers or the writer
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    pages += r?.checkpointed ?? 0;
  } catch {
    // busy: the next round catches up
  }
};
const timer = setInterval(checkpoint, workerData.everyMs ?? 200);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    checkpoint();
    db.close();
    parentPort.postMessage({ stopped: true, pages });
  }
});
