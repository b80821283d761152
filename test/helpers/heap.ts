// The heap in use after a full collection, for tests that check what a structure keeps alive.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage, then answers the bytes of heap in use. */
export function heapUsedAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}
