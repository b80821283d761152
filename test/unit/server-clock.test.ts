// ServerClock and SeededIds on their own (docs/determinism.md): timer order on advance, awaiting a
// timer's work, freeze/set keeping remaining delays, unfreeze arming real timers, the firing limit;
// the generator's streams and generations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/util/clock.js';
import { MAX_FIRINGS_PER_ADVANCE, ServerClock, type ClockState } from '../../src/util/server-clock.js';
import { SeededIds } from '../../src/util/seeded-ids.js';
import { waitFor } from '../dataplane/helpers.js';

test('advance runs due timers in time order (ties by creation), awaiting each one’s work; later ones wait', async () => {
  const c = new ServerClock(new ManualClock(1_000_000), { OffsetMs: 0, FrozenAt: 5000 });
  const log: string[] = [];
  c.setTimeout(() => log.push(`b@${c.now()}`), 200);
  c.setTimeout(() => log.push(`a@${c.now()}`), 100);
  c.setTimeout(() => log.push(`a2@${c.now()}`), 100);
  c.setTimeout(async () => {
    await new Promise((r) => setTimeout(r, 20)); // real I/O-like work
    log.push(`slow@${c.now()}`);
    c.setTimeout(() => log.push(`chained@${c.now()}`), 50);
  }, 150);
  const late = c.setTimeout(() => log.push('late'), 1000);
  const cancelled = c.setTimeout(() => log.push('cancelled'), 10);
  cancelled.cancel();
  const r = await c.advance(300);
  assert.deepEqual(log, ['a@5100', 'a2@5100', 'slow@5150', 'b@5200', 'chained@5200']);
  assert.deepEqual(r, { Fired: 5, Jumped: false, Failed: 0 });
  assert.equal(c.now(), 5300);
  assert.equal(c.pending(), 1);
  late.cancel();
  assert.equal(c.pending(), 0);
});

test('freeze at another time keeps remaining delays; unfreeze arms real timers; running advance is exact', async () => {
  const saved: ClockState[] = [];
  const c = new ServerClock(undefined, undefined, async (s) => void saved.push(s));
  let fired = 0;
  await c.freeze(Date.parse('2030-01-01T00:00:00Z'));
  c.setTimeout(() => fired++, 30);
  await c.freeze(Date.parse('2020-01-01T00:00:00Z')); // a set, not an advance
  assert.equal(fired, 0);
  await c.advance(29);
  assert.equal(fired, 0, 'still 1 ms to go after the set');
  await c.unfreeze();
  assert.equal(c.frozen, false);
  await waitFor(async () => fired === 1, 5000, 'the real timer fires once the clock runs');
  const before = c.state().OffsetMs;
  await c.advance(3_600_000);
  assert.equal(c.state().OffsetMs - before, 3_600_000);
  assert.equal(saved.at(-1)!.OffsetMs, before + 3_600_000);
  assert.equal(saved.at(-1)!.FrozenAt, undefined);
  await assert.rejects(c.advance(-1), RangeError);
});

test('an advance past the firing limit jumps to its end; every timer still due fires once', async () => {
  const c = new ServerClock(new ManualClock(0), { OffsetMs: 0, FrozenAt: 0 });
  const counts = [0, 0];
  const loop = (i: number) => {
    counts[i]!++;
    c.setTimeout(() => loop(i), 10);
  };
  c.setTimeout(() => loop(0), 0);
  c.setTimeout(() => loop(1), 5);
  const r = await c.advance(1_000_000);
  assert.equal(r.Jumped, true);
  assert.equal(r.Fired, MAX_FIRINGS_PER_ADVANCE + 2);
  assert.equal(counts[0]! + counts[1]!, MAX_FIRINGS_PER_ADVANCE + 2);
  assert.equal(c.now(), 1_000_000);
  assert.equal(c.pending(), 2);
});

test('SeededIds: reproducible per (seed, generation, stream); streams independent', () => {
  const a = new SeededIds('s');
  const b = new SeededIds('s');
  const ids = [a.next('lb-', 23), a.next('acl-'), a.next('lb-', 23), a.requestId()];
  assert.equal(b.next('lb-', 23), ids[0]);
  assert.equal(b.next('lb-', 23), ids[2], 'the acl- draw in between does not shift lb- ids');
  assert.equal(b.requestId(), ids[3]);
  assert.match(ids[0]!, /^lb-[a-z0-9]{23}$/);
  assert.notEqual(new SeededIds('s', 1).next('lb-', 23), ids[0]);
  assert.notEqual(new SeededIds('t').next('lb-', 23), ids[0]);
  assert.match(a.digits('account', 16), /^\d{16}$/);
  const x = a.random('certificate');
  assert.ok(x >= 0 && x < 1);
});
