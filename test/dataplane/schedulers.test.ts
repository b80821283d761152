// One conformance suite every scheduler passes, plus each algorithm's own promise.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createScheduler, SCHEDULER_NAMES, type Candidate, type PickContext } from '../../src/dataplane/schedulers/index.js';
import { quicConnectionId } from '../../src/dataplane/schedulers/quic.js';

const ctxFor = (i: number): PickContext => ({ srcIp: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, srcPort: 1024 + (i % 60000), dstIp: '127.0.0.1', dstPort: 80 });
const members = (weights: number[]): Candidate[] => weights.map((w, i) => ({ id: `s${i}`, weight: w, active: 0 }));

for (const name of SCHEDULER_NAMES) {
  describe(`scheduler conformance: ${name}`, () => {
    test('no candidates → undefined', () => {
      assert.equal(createScheduler(name).pick([], ctxFor(1)), undefined);
    });
    test('only weight-0 candidates → undefined; weight 0 is never picked', () => {
      const s = createScheduler(name);
      assert.equal(s.pick(members([0, 0]), ctxFor(1)), undefined);
      const m = members([0, 5, 0, 1]);
      for (let i = 0; i < 2000; i++) {
        const p = s.pick(m, ctxFor(i));
        assert.ok(p && p.weight > 0);
      }
    });
    test('returns one of the candidates it was given (same object)', () => {
      const s = createScheduler(name);
      const m = members([3, 1, 2]);
      for (let i = 0; i < 100; i++) assert.ok(m.includes(s.pick(m, ctxFor(i))!));
    });
    test('every member with weight > 0 gets traffic', () => {
      const s = createScheduler(name);
      const m = members([1, 1, 1, 1]);
      const seen = new Set<string>();
      for (let i = 0; i < 400; i++) seen.add(s.pick(m, ctxFor(i))!.id);
      assert.equal(seen.size, 4);
    });
    test('spread follows the weights within 5 percentage points (wlc with equal load, rr ignores weights)', () => {
      const s = createScheduler(name);
      const m = members([1, 3]);
      const n = 8000;
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const p = s.pick(m, ctxFor(i))!;
        counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
      }
      const share = (counts.get('s1') ?? 0) / n;
      const expected = name === 'rr' ? 0.5 : name === 'wlc' ? 0.5 : 0.75;
      assert.ok(Math.abs(share - expected) < 0.05, `${name}: share ${share} vs ${expected}`);
    });
  });
}

test('wrr: exact weights over one cycle, interleaved (smooth)', () => {
  const s = createScheduler('wrr');
  const m = members([5, 1, 1]);
  const seq = Array.from({ length: 7 }, () => s.pick(m, ctxFor(0))!.id);
  assert.equal(seq.filter((x) => x === 's0').length, 5);
  assert.equal(seq.filter((x) => x === 's1').length, 1);
  assert.deepEqual(seq, ['s0', 's0', 's1', 's0', 's2', 's0', 's0']);
});

test('rr: strict rotation', () => {
  const s = createScheduler('rr');
  const m = members([5, 1, 1]);
  assert.deepEqual(Array.from({ length: 6 }, () => s.pick(m, ctxFor(0))!.id), ['s0', 's1', 's2', 's0', 's1', 's2']);
});

test('wlc: least active per weight wins', () => {
  const s = createScheduler('wlc');
  const m: Candidate[] = [
    { id: 'a', weight: 1, active: 3 },
    { id: 'b', weight: 4, active: 8 },
    { id: 'c', weight: 2, active: 5 },
  ];
  assert.equal(s.pick(m, ctxFor(0))!.id, 'b');
});

for (const name of ['sch', 'tch', 'qch'] as const) {
  test(`${name}: deterministic per key, independent of candidate order; only the leaving member's keys move`, () => {
    const s = createScheduler(name);
    const m = members([1, 2, 1, 3]);
    const rev = [...m].reverse();
    const before = new Map<number, string>();
    for (let i = 0; i < 3000; i++) {
      const a = s.pick(m, ctxFor(i))!.id;
      assert.equal(s.pick(rev, ctxFor(i))!.id, a);
      before.set(i, a);
    }
    const without = m.filter((x) => x.id !== 's1');
    for (let i = 0; i < 3000; i++) {
      const b = s.pick(without, ctxFor(i))!.id;
      if (before.get(i) !== 's1') assert.equal(b, before.get(i), `key ${i} moved`);
    }
  });
}

test('sch: same source IP, different ports → same member', () => {
  const s = createScheduler('sch');
  const m = members([1, 1, 1, 1, 1]);
  const a = s.pick(m, { srcIp: '10.1.2.3', srcPort: 1000, dstIp: '127.0.0.1', dstPort: 80 })!.id;
  for (let p = 1001; p < 1100; p++) assert.equal(s.pick(m, { srcIp: '10.1.2.3', srcPort: p, dstIp: '127.0.0.1', dstPort: 80 })!.id, a);
});

test('qch: hashes the QUIC destination connection id, so a new client port with the same id keeps its member', () => {
  const s = createScheduler('qch');
  const m = members([1, 1, 1, 1, 1, 1]);
  const cid = Buffer.from('0102030405060708', 'hex');
  // long header Initial: 0xc0 | version 1 | dcid len 8 | dcid | scid len 0 …
  const long = Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, 8]), cid, Buffer.from([0, 0, 0])]);
  const short = Buffer.concat([Buffer.from([0x43]), cid, Buffer.alloc(20)]);
  assert.deepEqual(quicConnectionId(long), cid);
  assert.deepEqual(quicConnectionId(short), cid);
  assert.equal(quicConnectionId(Buffer.from('hello')), undefined);
  const first = s.pick(m, { srcIp: '10.0.0.1', srcPort: 5000, dstIp: '127.0.0.1', dstPort: 443, datagram: long })!.id;
  for (let p = 5001; p < 5050; p++) {
    assert.equal(s.pick(m, { srcIp: `10.0.${p & 255}.9`, srcPort: p, dstIp: '127.0.0.1', dstPort: 443, datagram: short })!.id, first);
  }
});
