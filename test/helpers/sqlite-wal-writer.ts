// Child process of test/unit/sqlite-wal.test.ts: 16 concurrent writers on a SqliteStore with a
// small WAL cap (so RESTART checkpoints run often); prints each committed id on its own line, and
// "restarts N" whenever a write waited for one, until the parent kills it.
import { SqliteStore } from '../../src/state/sqlite-store.js';

const store = new SqliteStore(process.argv[2]!, { walCapPages: Number(process.argv[3] ?? 256) });
const scope = { account: 'acct', region: 'r1' };
let n = 0;
let restarts = 0;
await Promise.all(
  Array.from({ length: 16 }, async (_, w) => {
    for (;;) {
      const id = `lb-${w}-${n++}`;
      await store.write(async (tx) => {
        await tx.put('loadBalancer', scope, id, { LoadBalancerId: id, LoadBalancerName: id, Address: `10.0.${n % 250}.${w}`, pad: 'x'.repeat(2000) });
      });
      process.stdout.write(`${id}\n`);
      if (store.walStats.restarts !== restarts) process.stdout.write(`restarts ${(restarts = store.walStats.restarts)}\n`);
      await new Promise((r) => setImmediate(r));
    }
  }),
);
