// Replay memory and token buckets of the gateway, on a manual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonceCache, TokenBuckets, WINDOW_MS } from '../../src/gateway/guards.js';
import { ManualClock } from '../../src/util/clock.js';
import { heapUsedAfterGc } from '../helpers/heap.js';

test('NonceCache: a nonce is refused within the window, per AccessKeyId, and usable again after it', () => {
  const clock = new ManualClock(1_000_000);
  const n = new NonceCache(clock);
  assert.equal(n.use('AK1', 'n1'), true);
  assert.equal(n.use('AK1', 'n1'), false);
  assert.equal(n.use('AK2', 'n1'), true, 'nonces are per key');
  clock.advance(WINDOW_MS - 1);
  assert.equal(n.use('AK1', 'n1'), false);
  clock.advance(1);
  assert.equal(n.use('AK1', 'n1'), true, 'a timestamp that old is refused anyway, so the nonce may be forgotten');
});

test('NonceCache: a remembered nonce does not keep the request it was parsed from alive', () => {
  // A nonce parsed from a form body is a slice of that body; remembering the slice kept the whole
  // body for the 15-minute window. 4 000 requests of 25 KB: about 100 MB if their bodies stay.
  const n = new NonceCache(new ManualClock(0));
  const before = heapUsedAfterGc();
  for (let i = 0; i < 4000; i++) {
    const body = Buffer.from(`Action=DescribeRegions&SignatureNonce=${String(i).padStart(36, '0')}&Pad=${'x'.repeat(25_000)}`).toString('latin1');
    const at = body.indexOf('SignatureNonce=') + 'SignatureNonce='.length;
    assert.equal(n.use('AK1', body.slice(at, at + 36)), true);
  }
  const grown = (heapUsedAfterGc() - before) / 2 ** 20;
  assert.ok(grown < 20, `the heap grew ${grown.toFixed(1)} MiB for 4 000 remembered nonces`);
  assert.equal(n.use('AK1', String(17).padStart(36, '0')), false, 'still remembered: a copy of the nonce is refused');
});

test('TokenBuckets: bursts up to the rate, refills with time, separate keys', () => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets(3, clock);
  assert.deepEqual([1, 2, 3, 4].map(() => b.take('a')), [true, true, true, false]);
  assert.equal(b.take('b'), true);
  clock.advance(334);
  assert.equal(b.take('a'), true);
  assert.equal(b.take('a'), false);
  clock.advance(10_000);
  assert.deepEqual([1, 2, 3, 4].map(() => b.take('a')), [true, true, true, false], 'never more than the burst');
});

test('TokenBuckets: a fractional rate still admits one request per period; a clock going back does not add tokens', () => {
  const clock = new ManualClock(0);
  const b = new TokenBuckets(0.5, clock);
  assert.equal(b.take('a'), true);
  assert.equal(b.take('a'), false);
  clock.advance(1999);
  assert.equal(b.take('a'), false);
  clock.advance(1);
  assert.equal(b.take('a'), true);
  clock.set(-60_000);
  assert.equal(b.take('a'), false);
});
