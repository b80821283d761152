// Write admission, one per event-loop turn, so that reads never queue behind writes.
//
// The API, the SQLite store and the change feed share one event loop. Without this, eight writers
// with a request each in flight put up to eight writes (handler, transaction, change feed, answer)
// ahead of a read that arrived in the same poll phase: under a write storm a read waited for all of
// them. Writes are admitted here instead, one per turn, from a setImmediate callback (the loop's
// check phase): every request that became readable meanwhile is parsed in the poll phase, and a read
// among them runs to its answer there, so it waits for at most the one write admitted in the turn
// before. Writes keep their order and are never starved: each turn admits one whatever the read
// load. An idle server pays one turn (microseconds) per write.
//
// Admission is not exclusion: an admitted write that awaits I/O (PostgreSQL) lets the next one in on
// the following turn; the store's own write gate orders their transactions.

export class WriteTurns {
  private waiting: (() => void)[] = [];
  private head = 0;
  private scheduled = false;

  /** Resolves on a later turn of the event loop, in arrival order, one caller per turn. */
  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.admit);
      }
    });
  }

  /** writes waiting for their turn */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  private readonly admit = (): void => {
    const resolve = this.waiting[this.head++]!;
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
      this.scheduled = false;
    } else {
      // queued from the check phase: runs in the next turn, after its poll phase
      setImmediate(this.admit);
    }
    resolve();
  };
}
