// The conformance suite every Store implementation must pass (SQLite, PostgreSQL).
// Call `storeConformance(harness)` from a test file; the harness creates fresh, empty stores and
// can reopen one (same underlying database) to check migrations and durability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Change, Scope, Store } from '../../src/state/store.js';
import type { IndexSpec } from '../../src/state/indexes.js';

export interface StoreHandle {
  store: Store;
  /** closes nothing; opens a second handle on the same database (the caller closes the old one
   *  first), with another lookup index table when `indexes` is given */
  reopen(indexes?: IndexSpec): Promise<Store>;
  /** removes the database */
  cleanup(): Promise<void>;
}

export interface StoreHarness {
  name: string;
  create(): Promise<StoreHandle>;
}

const A: Scope = { account: '1000000000000001', region: 'cn-hangzhou' };
const A2: Scope = { account: A.account, region: 'cn-beijing' };
const B: Scope = { account: '1000000000000002', region: 'cn-hangzhou' };

interface Doc {
  Name: string;
  N?: number;
  Nested?: { List: number[]; Zh?: string };
}

/** A promise plus its resolver, to hold a transaction open at a chosen point. */
function gate() {
  let open!: () => void;
  const p = new Promise<void>((r) => (open = r));
  return { p, open };
}

export function storeConformance(h: StoreHarness): void {
  const withStore = async (fn: (s: Store, handle: StoreHandle) => Promise<void>) => {
    const handle = await h.create();
    let current = handle.store;
    const tracked: StoreHandle = {
      store: handle.store,
      reopen: async (indexes?: IndexSpec) => (current = await handle.reopen(indexes)),
      cleanup: handle.cleanup,
    };
    try {
      await fn(handle.store, tracked);
    } finally {
      await current.close().catch(() => undefined);
      await handle.cleanup();
    }
  };

  test(`${h.name}: get/put/delete round-trip JSON documents as copies`, () =>
    withStore(async (s) => {
      const doc: Doc = { Name: 'a', N: 1, Nested: { List: [1, 2], Zh: '中文 \u0000 "q"' } };
      await s.write((tx) => tx.put('lb', A, 'lb-1', doc));
      doc.Name = 'mutated after put';
      const got = await s.read((tx) => tx.get<Doc>('lb', A, 'lb-1'));
      assert.deepEqual(got, { Name: 'a', N: 1, Nested: { List: [1, 2], Zh: '中文 \u0000 "q"' } });
      got!.Name = 'mutated after get';
      assert.equal((await s.read((tx) => tx.get<Doc>('lb', A, 'lb-1')))!.Name, 'a');
      assert.equal(await s.read((tx) => tx.get('lb', A, 'missing')), undefined);
      // put replaces
      await s.write((tx) => tx.put('lb', A, 'lb-1', { Name: 'b' }));
      assert.deepEqual(await s.read((tx) => tx.get('lb', A, 'lb-1')), { Name: 'b' });
      // delete says whether something was there
      assert.equal(await s.write((tx) => tx.delete('lb', A, 'lb-1')), true);
      assert.equal(await s.write((tx) => tx.delete('lb', A, 'lb-1')), false);
      assert.equal(await s.read((tx) => tx.get('lb', A, 'lb-1')), undefined);
      // the kind is part of the address
      await s.write((tx) => tx.put('listener', A, 'x', { Name: 'l' }));
      assert.equal(await s.read((tx) => tx.get('lb', A, 'x')), undefined);
    }));

  test(`${h.name}: list keeps insertion order (a replace keeps the place), listAccount and find span regions of one account only`, () =>
    withStore(async (s) => {
      await s.write(async (tx) => {
        for (const id of ['c', 'a', 'b']) await tx.put('lb', A, id, { Name: id });
        await tx.put('lb', A2, 'z', { Name: 'z' });
        await tx.put('lb', B, 'a', { Name: 'other account' });
      });
      await s.write((tx) => tx.put('lb', A, 'c', { Name: 'c2' }));
      assert.deepEqual((await s.read((tx) => tx.list<Doc>('lb', A))).map((d) => d.Name), ['c2', 'a', 'b']);
      assert.deepEqual((await s.read((tx) => tx.list<Doc>('lb', A2))).map((d) => d.Name), ['z']);
      assert.deepEqual((await s.read((tx) => tx.list<Doc>('lb', B))).map((d) => d.Name), ['other account']);
      assert.deepEqual(await s.read((tx) => tx.list('lb', { account: A.account, region: 'ap-south-1' })), []);
      const all = await s.read((tx) => tx.listAccount<Doc>('lb', A.account));
      assert.deepEqual(
        all.map((x) => `${x.region}/${x.doc.Name}`).sort(),
        ['cn-beijing/z', 'cn-hangzhou/a', 'cn-hangzhou/b', 'cn-hangzhou/c2'],
      );
      assert.deepEqual(await s.read((tx) => tx.find<Doc>('lb', A.account, 'z')), { region: 'cn-beijing', doc: { Name: 'z' } });
      assert.deepEqual(await s.read((tx) => tx.find<Doc>('lb', B.account, 'a')), { region: 'cn-hangzhou', doc: { Name: 'other account' } });
      assert.equal(await s.read((tx) => tx.find('lb', B.account, 'z')), undefined);
      assert.equal(await s.read((tx) => tx.find('lb', '1000000000000003', 'a')), undefined);
    }));

  test(`${h.name}: scoping — the same id in another account or region is another document`, () =>
    withStore(async (s) => {
      await s.write(async (tx) => {
        await tx.put('lb', A, 'same', { Name: 'A' });
        await tx.put('lb', A2, 'same', { Name: 'A2' });
        await tx.put('lb', B, 'same', { Name: 'B' });
      });
      assert.equal((await s.read((tx) => tx.get<Doc>('lb', A, 'same')))!.Name, 'A');
      assert.equal((await s.read((tx) => tx.get<Doc>('lb', A2, 'same')))!.Name, 'A2');
      assert.equal((await s.read((tx) => tx.get<Doc>('lb', B, 'same')))!.Name, 'B');
      await s.write((tx) => tx.delete('lb', A, 'same'));
      assert.equal((await s.read((tx) => tx.get<Doc>('lb', A2, 'same')))!.Name, 'A2');
      assert.equal((await s.read((tx) => tx.get<Doc>('lb', B, 'same')))!.Name, 'B');
    }));

  test(`${h.name}: a write is all or nothing when its callback throws`, () =>
    withStore(async (s) => {
      await s.write((tx) => tx.put('lb', A, 'keep', { Name: 'before' }));
      const boom = new Error('boom');
      await assert.rejects(
        s.write(async (tx) => {
          await tx.put('lb', A, 'keep', { Name: 'changed' });
          await tx.put('lb', A, 'new', { Name: 'new' });
          await tx.delete('lb', A, 'keep');
          // the transaction sees its own writes
          assert.equal(await tx.get('lb', A, 'keep'), undefined);
          assert.deepEqual(await tx.get('lb', A, 'new'), { Name: 'new' });
          throw boom;
        }),
        (e) => e === boom,
      );
      assert.deepEqual(await s.read((tx) => tx.get('lb', A, 'keep')), { Name: 'before' });
      assert.equal(await s.read((tx) => tx.get('lb', A, 'new')), undefined);
      assert.deepEqual((await s.read((tx) => tx.list<Doc>('lb', A))).map((d) => d.Name), ['before']);
      // the store is usable afterwards and the value of a successful write is returned
      assert.equal(await s.write(async (tx) => (await tx.put('lb', A, 'after', { Name: 'x' }), 42)), 42);
      // writing in a read transaction is refused and leaves nothing behind
      await assert.rejects(s.read((tx) => tx.put('lb', A, 'ro', { Name: 'ro' })));
      assert.equal(await s.read((tx) => tx.get('lb', A, 'ro')), undefined);
    }));

  test(`${h.name}: concurrent read-modify-write transactions are serializable (50 increments end exact)`, () =>
    withStore(async (s) => {
      await s.write((tx) => tx.put('counter', A, 'c', { Name: 'c', N: 0 }));
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) =>
          s.write(async (tx) => {
            const d = (await tx.get<Doc>('counter', A, 'c'))!;
            // yield between read and write, so an unserialized store would lose updates
            await new Promise((r) => setImmediate(r));
            if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
            await tx.put('counter', A, 'c', { ...d, N: d.N! + 1 });
          }),
        ),
      );
      assert.equal((await s.read((tx) => tx.get<Doc>('counter', A, 'c')))!.N, 50);
      // interleaved failures do not disturb the others
      await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          s.write(async (tx) => {
            const d = (await tx.get<Doc>('counter', A, 'c'))!;
            await tx.put('counter', A, 'c', { ...d, N: d.N! + 1 });
            if (i % 2) throw new Error('rolled back');
          }),
        ),
      );
      assert.equal((await s.read((tx) => tx.get<Doc>('counter', A, 'c')))!.N, 60);
    }));

  test(`${h.name}: readers never see part of a write`, () =>
    withStore(async (s) => {
      const g = gate();
      const reached = gate();
      const w = s.write(async (tx) => {
        await tx.put('lb', A, 'one', { Name: '1' });
        reached.open();
        await g.p;
        await tx.put('lb', A, 'two', { Name: '2' });
      });
      await reached.p;
      const r = s.read(async (tx) => [await tx.get('lb', A, 'one'), await tx.get('lb', A, 'two')]);
      g.open();
      await w;
      const [one, two] = await r;
      assert.equal(one === undefined, two === undefined, 'both documents or neither');
    }));

  test(`${h.name}: onChange runs after the commit only, with the kinds changed`, () =>
    withStore(async (s) => {
      const seen: { kinds: string[]; visible: unknown }[] = [];
      let inside = 0;
      const reads: Promise<unknown>[] = [];
      const off = s.onChange((c: Change) => {
        seen.push({ kinds: [...c.kinds].sort(), visible: undefined });
        // a listener may read what was committed
        const entry = seen[seen.length - 1]!;
        reads.push(s.read((tx) => tx.get('lb', A, 'x')).then((v) => (entry.visible = v)));
      });
      await s.write(async (tx) => {
        await tx.put('lb', A, 'x', { Name: 'x' });
        await tx.put('listener', A, 'y', { Name: 'y' });
        inside = seen.length;
      });
      assert.equal(inside, 0, 'not called before the commit');
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0]!.kinds, ['lb', 'listener']);
      // (awaited: a store with concurrent readers need not finish them in the order they started)
      await Promise.all(reads);
      assert.deepEqual(seen[0]!.visible, { Name: 'x' }, 'the listener sees the committed state');
      // not for a rolled-back write, a read, or a write that changed nothing
      await assert.rejects(
        s.write(async (tx) => {
          await tx.put('lb', A, 'z', { Name: 'z' });
          throw new Error('no');
        }),
      );
      await s.read((tx) => tx.list('lb', A));
      await s.write(async () => undefined);
      assert.equal(seen.length, 1);
      // a throwing listener does not undo or fail the write
      const off2 = s.onChange(() => {
        throw new Error('listener failure');
      });
      await s.write((tx) => tx.put('lb', A, 'w', { Name: 'w' }));
      assert.deepEqual(await s.read((tx) => tx.get('lb', A, 'w')), { Name: 'w' });
      assert.equal(seen.length, 2);
      off2();
      off();
      await s.write((tx) => tx.put('lb', A, 'v', { Name: 'v' }));
      assert.equal(seen.length, 2, 'unsubscribed');
    }));

  test(`${h.name}: misuse is refused instead of corrupting or deadlocking`, () =>
    withStore(async (s) => {
      let escaped: Parameters<Parameters<Store['write']>[0]>[0] | undefined;
      await s.write(async (tx) => {
        escaped = tx;
      });
      await assert.rejects(escaped!.put('lb', A, 'late', { Name: 'late' }));
      assert.equal(await s.read((tx) => tx.get('lb', A, 'late')), undefined);
      await assert.rejects(s.write(() => s.read((tx) => tx.get('lb', A, 'x'))), /nested/);
      // work started inside a transaction but run after it is not nesting
      let later: Promise<unknown> | undefined;
      await s.write(async (tx) => {
        await tx.put('lb', A, 'p', { Name: 'p' });
        later = new Promise((r) => setTimeout(r, 0)).then(() => s.read((t2) => t2.get('lb', A, 'p')));
      });
      assert.deepEqual(await later, { Name: 'p' });
    }));

  test(`${h.name}: state survives reopen and migrations are idempotent`, () =>
    withStore(async (s, handle) => {
      await s.write(async (tx) => {
        await tx.put('lb', A, 'a', { Name: 'a', Nested: { List: [3] } });
        await tx.put('lb', A2, 'b', { Name: 'b' });
      });
      await s.close();
      const s2 = await handle.reopen();
      assert.deepEqual(await s2.read((tx) => tx.get('lb', A, 'a')), { Name: 'a', Nested: { List: [3] } });
      await s2.write((tx) => tx.put('lb', A, 'c', { Name: 'c' }));
      await s2.close();
      const s3 = await handle.reopen();
      // insertion order continues across reopen
      assert.deepEqual((await s3.read((tx) => tx.list<Doc>('lb', A))).map((d) => d.Name), ['a', 'c']);
      assert.deepEqual((await s3.read((tx) => tx.listAccount<Doc>('lb', A.account))).length, 3);
    }));

  // -- lookups through the index (Tx.query / Tx.count), src/state/indexes.ts

  type Lb = { LoadBalancerId: string; LoadBalancerName: string; VpcId?: string; AddressType?: string; BackendServers: { ServerId: string }[] };
  const lb = (n: number, extra: Partial<Lb> = {}): Lb => ({ LoadBalancerId: `lb-${n}`, LoadBalancerName: `name-${n % 3}`, VpcId: n % 2 ? 'vpc-odd' : 'vpc-even', AddressType: n % 4 ? 'intranet' : 'internet', BackendServers: [{ ServerId: `i-${n}` }, { ServerId: 'i-all' }], ...extra });
  const ids = (rows: { doc: Lb }[]) => rows.map((r) => r.doc.LoadBalancerId);

  test(`${h.name}: text that means something to SQL is stored and found as plain text`, () =>
    withStore(async (s) => {
      const hostile = ["it's", 'back\\slash \\\'', "$1 $2 $$ $q$", "a'; DROP TABLE documents; --", "E'\\x41'", 'line\u2028sep\nnew \t tab', '中文\'"'];
      await s.write(async (tx) => {
        for (const [i, name] of hostile.entries()) await tx.put('loadBalancer', A, `lb-h${i}`, lb(i, { LoadBalancerId: `lb-h${i}`, LoadBalancerName: name, VpcId: name }));
      });
      await s.read(async (tx) => {
        for (const [i, name] of hostile.entries()) {
          assert.equal((await tx.get<Lb>('loadBalancer', A, `lb-h${i}`))?.LoadBalancerName, name);
          assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: name } })), [`lb-h${i}`], name);
          assert.equal(await tx.count('loadBalancer', A, { where: { VpcId: name } }), 1, name);
        }
      });
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A)), hostile.length);
    }));

  test(`${h.name}: query and count by indexed fields, paged by the database in insertion order`, () =>
    withStore(async (s) => {
      await s.write(async (tx) => {
        for (let n = 1; n <= 12; n++) await tx.put('loadBalancer', A, `lb-${n}`, lb(n));
        await tx.put('loadBalancer', A2, 'lb-13', lb(13));
        await tx.put('loadBalancer', B, 'lb-14', lb(14));
      });
      await s.read(async (tx) => {
        // one field, one value
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })), ['lb-1', 'lb-4', 'lb-7', 'lb-10']);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } }), 4);
        // several fields; a list of values is any of them
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { VpcId: 'vpc-odd', LoadBalancerName: ['name-1', 'name-2'] } })), ['lb-1', 'lb-5', 'lb-7', 'lb-11']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: ['name-0', 'name-1'], VpcId: ['vpc-even'] } })), ['lb-4', 'lb-6', 'lb-10', 'lb-12']);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: [] } }), 0);
        // a list field: every element is indexed
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { ServerId: 'i-5' } })), ['lb-5']);
        assert.equal(await tx.count('loadBalancer', A, { where: { ServerId: 'i-all' } }), 12);
        // newest first, paged
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { ServerId: 'i-all' }, order: 'desc', limit: 3, offset: 2 })), ['lb-10', 'lb-9', 'lb-8']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { order: 'desc', limit: 2 })), ['lb-12', 'lb-11']);
        assert.equal(await tx.count('loadBalancer', A), 12);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { limit: 2, offset: 11 })), ['lb-12']);
        // unindexed top-level fields compare in the database; ids restrict
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { VpcId: 'vpc-even' }, match: { AddressType: 'internet' } })), ['lb-4', 'lb-8', 'lb-12']);
        assert.equal(await tx.count('loadBalancer', A, { match: { AddressType: 'internet' } }), 3);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { ids: ['lb-3', 'lb-2', 'lb-13', 'nope'] })), ['lb-2', 'lb-3']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { ids: [] })), []);
        // ids repeated, ids with conditions, a list field matching one document with several values: each document once
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { ids: ['lb-5', 'lb-5', 'lb-2'], order: 'desc' })), ['lb-5', 'lb-2']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { ids: ['lb-5', 'lb-2', 'lb-3'], where: { VpcId: 'vpc-odd' } })), ['lb-3', 'lb-5']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { ServerId: ['i-3', 'i-all'] }, order: 'desc', limit: 3 })), ['lb-12', 'lb-11', 'lb-10']);
        assert.equal(await tx.count('loadBalancer', A, { where: { ServerId: ['i-3', 'i-all'] } }), 12);
        assert.equal(await tx.count('loadBalancer', A, { ids: ['lb-1', 'lb-1', 'lb-13'] }), 1);
        // account-wide: every region of the account, with the region; never another account
        const all = await tx.query<Lb>('loadBalancer', { account: A.account }, { where: { ServerId: 'i-all' }, order: 'desc', limit: 2 });
        assert.deepEqual(all.map((r) => [r.region, r.doc.LoadBalancerId]), [[A2.region, 'lb-13'], [A.region, 'lb-12']]);
        assert.equal(await tx.count('loadBalancer', { account: A.account }), 13);
        assert.equal(await tx.count('loadBalancer', { account: B.account }, { where: { ServerId: 'i-all' } }), 1);
        // a field that is not indexed is a programming error
        await assert.rejects(tx.query('loadBalancer', A, { where: { Nope: 'x' } }), /not indexed/);
      });
      // a replace moves the document in the index and keeps its place in the order; a delete removes it
      await s.write(async (tx) => {
        await tx.put('loadBalancer', A, 'lb-1', lb(1, { LoadBalancerName: 'renamed', BackendServers: [] }));
        await tx.delete('loadBalancer', A, 'lb-4');
      });
      await s.read(async (tx) => {
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })), ['lb-7', 'lb-10']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'renamed' } })), ['lb-1']);
        assert.equal(await tx.count('loadBalancer', A, { where: { ServerId: 'i-all' } }), 10);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { limit: 2 })), ['lb-1', 'lb-2']);
      });
      // a rolled-back write leaves the index as it was
      await assert.rejects(
        s.write(async (tx) => {
          await tx.put('loadBalancer', A, 'lb-2', lb(2, { LoadBalancerName: 'ghost' }));
          throw new Error('no');
        }),
      );
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A, { where: { LoadBalancerName: 'ghost' } })), 0);
    }));

  test(`${h.name}: a write reads its own puts and deletes through every kind of read, before it commits`, () =>
    withStore(async (s) => {
      await s.write(async (tx) => {
        await tx.put('loadBalancer', A, 'lb-1', lb(1));
        await tx.put('loadBalancer', A, 'lb-2', lb(2));
      });
      await s.write(async (tx) => {
        // a read first, so the store has a snapshot before the puts (a cached answer must not stay stale)
        assert.equal((await tx.get<Lb>('loadBalancer', A, 'lb-1'))?.LoadBalancerName, 'name-1');
        const d = lb(3);
        await tx.put('loadBalancer', A, 'lb-3', d);
        d.LoadBalancerName = 'changed after put'; // stored as a copy
        await tx.put('loadBalancer', A2, 'lb-4', lb(4));
        await tx.put('loadBalancer', A, 'lb-1', lb(1, { LoadBalancerName: 'renamed', BackendServers: [] }));
        assert.deepEqual(await tx.get('loadBalancer', A, 'lb-3'), lb(3));
        assert.equal((await tx.get<Lb>('loadBalancer', A, 'lb-1'))?.LoadBalancerName, 'renamed');
        assert.deepEqual((await tx.list<Lb>('loadBalancer', A)).map((x) => x.LoadBalancerId), ['lb-1', 'lb-2', 'lb-3']);
        assert.deepEqual((await tx.listAccount<Lb>('loadBalancer', A.account)).map((x) => x.doc.LoadBalancerId), ['lb-1', 'lb-2', 'lb-3', 'lb-4']);
        assert.equal((await tx.find('loadBalancer', A.account, 'lb-4'))?.region, A2.region);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', { account: A.account }, { where: { LoadBalancerName: 'name-0' } })), ['lb-3']);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'renamed' } }), 1);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } }), 0);
        assert.equal(await tx.count('loadBalancer', A, { where: { ServerId: 'i-all' } }), 2);
        assert.equal(await tx.count('loadBalancer', { account: A.account }), 4);
        // puts after a read of their kind: seen by the next read again
        await tx.put('loadBalancer', A, 'lb-5', lb(5));
        assert.equal(await tx.count('loadBalancer', A), 4);
        let each = 0;
        await tx.forEach({ kinds: ['loadBalancer'] }, () => void each++);
        assert.equal(each, 5);
        // a delete of a document put in this write: gone, and a put afterwards adds it anew, last
        assert.equal(await tx.delete('loadBalancer', A, 'lb-3'), true);
        assert.equal(await tx.delete('loadBalancer', A, 'lb-3'), false);
        assert.equal(await tx.get('loadBalancer', A, 'lb-3'), undefined);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-0' } }), 0);
        assert.equal(await tx.delete('loadBalancer', A, 'never'), false);
        await tx.put('loadBalancer', A, 'lb-2', lb(2, { LoadBalancerName: 'again' }));
        assert.equal(await tx.delete('loadBalancer', A, 'lb-2'), true);
        await tx.put('loadBalancer', A, 'lb-2', lb(2));
        assert.deepEqual((await tx.list<Lb>('loadBalancer', A)).map((x) => x.LoadBalancerId), ['lb-1', 'lb-5', 'lb-2']);
        // a get after a delete of a document read before
        assert.equal(await tx.delete('loadBalancer', A, 'lb-1'), true);
        assert.equal(await tx.get('loadBalancer', A, 'lb-1'), undefined);
      });
      await s.read(async (tx) => {
        assert.deepEqual((await tx.list<Lb>('loadBalancer', A)).map((x) => x.LoadBalancerId), ['lb-5', 'lb-2']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', { account: A.account }, { where: { ServerId: 'i-all' } })), ['lb-4', 'lb-5', 'lb-2']);
        assert.equal(await tx.count('loadBalancer', { account: A.account }), 3);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-2' } }), 2);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'renamed' } }), 0);
      });
    }));

  test(`${h.name}: prefetch never changes what get answers: missing, other scopes, own puts and deletes, odd ids`, () =>
    withStore(async (s) => {
      await s.write(async (tx) => {
        await tx.put('lb', A, 'lb-1', { Name: 'one' });
        await tx.put('lb', A2, 'lb-1', { Name: 'other region' });
        await tx.put('listener', A, 'l-1', { Name: 'listener' });
      });
      const refs = [
        { kind: 'lb', scope: A, id: 'lb-1' },
        { kind: 'lb', scope: A2, id: 'lb-1' },
        { kind: 'listener', scope: A, id: 'l-1' },
        { kind: 'lb', scope: A, id: 'missing' },
        { kind: 'lb', scope: A, id: 'lb-1' }, // twice
        { kind: 'lb', scope: A, id: 'nul\u0000id' },
        { kind: 'lb', scope: A, id: "quote ' and $1" },
      ];
      await s.read(async (tx) => {
        await tx.prefetch(refs);
        await tx.prefetch([]);
        assert.deepEqual(await tx.get('lb', A, 'lb-1'), { Name: 'one' });
        assert.deepEqual(await tx.get('lb', A2, 'lb-1'), { Name: 'other region' });
        assert.deepEqual(await tx.get('listener', A, 'l-1'), { Name: 'listener' });
        assert.equal(await tx.get('lb', A, 'missing'), undefined);
        assert.equal(await tx.get('lb', A, 'nul\u0000id'), undefined);
        assert.equal(await tx.get('lb', A, "quote ' and $1"), undefined);
        // answers are copies
        const got = (await tx.get<Doc>('lb', A, 'lb-1'))!;
        got.Name = 'mutated';
        assert.deepEqual(await tx.get('lb', A, 'lb-1'), { Name: 'one' });
      });
      await s.write(async (tx) => {
        // the first statement of the transaction (it carries the BEGIN on PostgreSQL)
        await tx.prefetch(refs);
        await tx.put('lb', A, 'lb-1', { Name: 'renamed' });
        await tx.put('lb', A, 'missing', { Name: 'now here' });
        assert.equal(await tx.delete('listener', A, 'l-1'), true);
        // prefetched after the puts: the puts still win
        await tx.prefetch(refs);
        assert.deepEqual(await tx.get('lb', A, 'lb-1'), { Name: 'renamed' });
        assert.deepEqual(await tx.get('lb', A, 'missing'), { Name: 'now here' });
        assert.equal(await tx.get('listener', A, 'l-1'), undefined);
        assert.deepEqual(await tx.get('lb', A2, 'lb-1'), { Name: 'other region' });
      });
      await s.read(async (tx) => {
        await tx.prefetch(refs);
        assert.deepEqual(await tx.get('lb', A, 'lb-1'), { Name: 'renamed' });
        assert.deepEqual(await tx.get('lb', A, 'missing'), { Name: 'now here' });
        assert.equal(await tx.get('listener', A, 'l-1'), undefined);
      });
      // a prefetch inside a write that then fails stores nothing
      await assert.rejects(
        s.write(async (tx) => {
          await tx.prefetch(refs);
          await tx.put('lb', A, 'lb-1', { Name: 'lost' });
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.deepEqual(await s.read((tx) => tx.get('lb', A, 'lb-1')), { Name: 'renamed' });
    }));

  test(`${h.name}: a prefetched query never changes what query answers: writes of its kind since, own buffered puts, other queries`, () =>
    withStore(async (s) => {
      await s.write(async (tx) => {
        await tx.put('loadBalancer', A, 'lb-1', lb(1));
        await tx.put('loadBalancer', A, 'lb-2', lb(2));
      });
      const byName = (n: number) => ({ kind: 'loadBalancer', scope: A, query: { where: { LoadBalancerName: `name-${n}` } } });
      await s.read(async (tx) => {
        await tx.prefetch([byName(1), { kind: 'loadBalancer', scope: A, id: 'lb-2' }, byName(1)]);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })), ['lb-1']);
        // asked again: still the same answer (from the database this time)
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })), ['lb-1']);
        // another query is not answered by it
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-2' } })), ['lb-2']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A2, { where: { LoadBalancerName: 'name-1' } })), []);
      });
      await s.write(async (tx) => {
        // buffered puts of the kind before the prefetch: it sees them
        await tx.put('loadBalancer', A, 'lb-3', lb(1, { LoadBalancerId: 'lb-3' }));
        await tx.prefetch([byName(1), byName(2)]);
        // a put and a delete of the kind after it: the queries see those too
        await tx.put('loadBalancer', A, 'lb-4', lb(4));
        assert.equal(await tx.delete('loadBalancer', A, 'lb-2'), true);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })).sort(), ['lb-1', 'lb-3', 'lb-4']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-2' } })), []);
        // a write of another kind leaves a prefetched query standing: still the right answer
        await tx.prefetch([byName(1)]);
        await tx.put('listener', A, 'l-1', { LoadBalancerId: 'lb-1' });
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })).sort(), ['lb-1', 'lb-3', 'lb-4']);
        // one never asked for is harmless
        await tx.prefetch([byName(9)]);
      });
      assert.deepEqual(ids(await s.read((tx) => tx.query<Lb>('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } }))).sort(), ['lb-1', 'lb-3', 'lb-4']);
    }));

  test(`${h.name}: a failed write discards what it put, even after reads that saw it: nothing stored, indexed, counted or announced`, () =>
    withStore(async (s) => {
      await s.write((tx) => tx.put('loadBalancer', A, 'lb-1', lb(1)));
      const seen: Change[] = [];
      s.onChange((c) => seen.push(c));
      for (const readFirst of [false, true]) {
        await assert.rejects(
          s.write(async (tx) => {
            await tx.put('loadBalancer', A, 'lb-1', lb(1, { LoadBalancerName: 'ghost' }));
            await tx.put('loadBalancer', A, 'lb-2', lb(2, { LoadBalancerName: 'ghost' }));
            await tx.put('listener', A, 'l-1', { LoadBalancerId: 'lb-2' });
            if (readFirst) assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'ghost' } }), 2);
            await tx.put('loadBalancer', A, 'lb-3', lb(3, { LoadBalancerName: 'ghost' }));
            throw new Error('no');
          }),
          /no/,
        );
      }
      await s.read(async (tx) => {
        assert.deepEqual((await tx.list<Lb>('loadBalancer', A)).map((x) => x.LoadBalancerName), ['name-1']);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'ghost' } }), 0);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } }), 1);
        assert.equal(await tx.count('loadBalancer', A), 1);
        assert.equal(await tx.count('listener', A, { where: { LoadBalancerId: 'lb-2' } }), 0);
        assert.equal(await tx.get('listener', A, 'l-1'), undefined);
      });
      assert.deepEqual(seen, []);
    }));

  test(`${h.name}: a change names the documents it put or deleted`, () =>
    withStore(async (s) => {
      const seen: Change[] = [];
      s.onChange((c) => seen.push(c));
      await s.write(async (tx) => {
        await tx.put('loadBalancer', A, 'lb-1', lb(1));
        await tx.put('loadBalancer', A, 'lb-1', lb(1, { LoadBalancerName: 'again' }));
        await tx.put('listener', A2, 'l-1', { LoadBalancerId: 'lb-1' });
        await tx.delete('listener', A2, 'missing');
      });
      await s.write((tx) => tx.delete('loadBalancer', A, 'lb-1'));
      const key = (r: { kind: string; account: string; region: string; id: string }) => `${r.kind}/${r.account}/${r.region}/${r.id}`;
      assert.deepEqual(seen.map((c) => (c.resources ?? []).map(key).sort()), [
        [`listener/${A.account}/${A2.region}/l-1`, `loadBalancer/${A.account}/${A.region}/lb-1`],
        [`loadBalancer/${A.account}/${A.region}/lb-1`],
      ]);
    }));

  test(`${h.name}: deleteWhere removes whole kinds or one account's documents with their index rows and counts, in one change naming no documents`, () =>
    withStore(async (s) => {
      const G: Scope = { account: '', region: '' };
      await s.write(async (tx) => {
        for (let n = 1; n <= 6; n++) await tx.put('loadBalancer', n % 2 ? A : A2, `lb-${n}`, lb(n));
        await tx.put('loadBalancer', B, 'lb-7', lb(7));
        await tx.put('listener', A, 'l-1', { LoadBalancerId: 'lb-1' });
        await tx.put('listener', B, 'l-2', { LoadBalancerId: 'lb-7' });
        await tx.put('account', G, A.account, { AccountId: A.account, Name: 'a' });
        await tx.put('lease', G, '10.0.0.1', { AccountId: A.account, N: 1, On: true });
        await tx.put('lease', G, '10.0.0.2', { AccountId: B.account, N: 1, On: true });
        await tx.put('lease', G, '10.0.0.3', { AccountId: A.account, N: 2, On: false });
      });
      const seen: Change[] = [];
      s.onChange((c) => seen.push(c));
      // one account, every kind but one
      assert.equal(await s.write((tx) => tx.deleteWhere({ account: A.account, exceptKinds: ['listener'] })), 6);
      await s.read(async (tx) => {
        assert.equal(await tx.count('loadBalancer', { account: A.account }), 0);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } }), 0);
        assert.deepEqual(await tx.query('loadBalancer', { account: A.account }, { where: { ServerId: 'i-all' } }), []);
        assert.deepEqual(await tx.get('listener', A, 'l-1'), { LoadBalancerId: 'lb-1' });
        assert.equal(await tx.count('loadBalancer', B), 1);
        assert.equal(await tx.count('loadBalancer', B, { where: { LoadBalancerName: 'name-1' } }), 1);
        assert.equal((await tx.list('lease', G)).length, 3);
      });
      assert.equal(seen.length, 1);
      assert.deepEqual([...seen[0]!.kinds], ['loadBalancer']);
      assert.equal(seen[0]!.resources, undefined, 'a bulk delete names no documents');
      // by document fields, in the global scope
      assert.equal(await s.write((tx) => tx.deleteWhere({ kinds: ['lease'], match: { AccountId: A.account, On: true } })), 1);
      assert.deepEqual((await s.read((tx) => tx.list<{ N: number }>('lease', G))).map((d) => d.N), [1, 2]);
      // nothing selected: no change
      assert.equal(await s.write((tx) => tx.deleteWhere({ kinds: ['nothing-of-this'] })), 0);
      assert.equal(seen.length, 2);
      // all or nothing like any write
      await assert.rejects(
        s.write(async (tx) => {
          await tx.deleteWhere({});
          throw new Error('no');
        }),
      );
      assert.equal(await s.read((tx) => tx.count('loadBalancer', B)), 1);
      // everything but the accounts; the kinds deleted are those the store held
      assert.equal(await s.write((tx) => tx.deleteWhere({ exceptKinds: ['account'] })), 5);
      assert.deepEqual([...seen[2]!.kinds].sort(), ['lease', 'listener', 'loadBalancer']);
      await s.read(async (tx) => {
        assert.equal(await tx.count('loadBalancer', B), 0);
        assert.equal(await tx.count('loadBalancer', B, { where: { LoadBalancerName: 'name-1' } }), 0);
        assert.equal(await tx.count('listener', A), 0);
        assert.equal((await tx.list('account', G)).length, 1);
      });
      // counts start over from zero, the same ids can be put again
      await s.write((tx) => tx.put('loadBalancer', A, 'lb-1', lb(1)));
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })), 1);
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A)), 1);
    }));

  test(`${h.name}: insertMany adds documents in the order given, indexed and counted; an existing one fails the call`, () =>
    withStore(async (s) => {
      const seen: Change[] = [];
      s.onChange((c) => seen.push(c));
      await s.write((tx) => tx.put('loadBalancer', A, 'lb-0', lb(0)));
      const many = Array.from({ length: 2100 }, (_, i) => ({ kind: 'loadBalancer', account: A.account, region: i % 2 ? A.region : A2.region, id: `lb-${i + 1}`, doc: lb(i + 1) }));
      await s.write((tx) => tx.insertMany([...many, { kind: 'note', account: '', region: '', id: 'n', doc: { Zh: '中文 \u0000' } }]));
      await s.read(async (tx) => {
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', A, { limit: 3 })), ['lb-0', 'lb-2', 'lb-4']);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', { account: A.account }, { order: 'desc', limit: 2 })), ['lb-2100', 'lb-2099']);
        assert.equal(await tx.count('loadBalancer', { account: A.account }), 2101);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } }), 350);
        assert.deepEqual(ids(await tx.query<Lb>('loadBalancer', { account: A.account }, { where: { ServerId: 'i-1234' } })), ['lb-1234']);
        assert.deepEqual(await tx.get('note', { account: '', region: '' }, 'n'), { Zh: '中文 \u0000' });
      });
      assert.equal(seen.at(-1)!.resources!.length, 2101);
      // an existing document, or one twice: nothing of the call stays
      await assert.rejects(s.write((tx) => tx.insertMany([{ kind: 'loadBalancer', account: B.account, region: B.region, id: 'new', doc: lb(9) }, { kind: 'loadBalancer', account: A.account, region: A.region, id: 'lb-0', doc: lb(0) }])));
      await assert.rejects(s.write((tx) => tx.insertMany([{ kind: 'x', account: '', region: '', id: 'twice', doc: 1 }, { kind: 'x', account: '', region: '', id: 'twice', doc: 2 }])));
      await s.read(async (tx) => {
        assert.equal(await tx.get('loadBalancer', B, 'new'), undefined);
        assert.equal(await tx.count('loadBalancer', B), 0);
        assert.equal(await tx.get('x', { account: '', region: '' }, 'twice'), undefined);
      });
    }));

  test(`${h.name}: forEach hands out every selected document with its address, in insertion order`, () =>
    withStore(async (s) => {
      const G: Scope = { account: '', region: '' };
      await s.write(async (tx) => {
        for (let n = 1; n <= 2500; n++) await tx.put('w', n % 3 ? A : B, `w-${n}`, { N: n, Zh: '中文 \u0000' });
        await tx.put('account', G, 'acc', { Name: 'acc' });
        await tx.put('w', A, 'w-1', { N: 1, Again: true });
      });
      const got: string[] = [];
      let docs = 0;
      const n = await s.read((tx) =>
        tx.forEach({}, async (d) => {
          got.push(`${d.kind}/${d.account}/${d.region}/${d.id}`);
          if (d.id === 'w-1') assert.deepEqual(d.doc, { N: 1, Again: true });
          if (d.id === 'w-2') assert.deepEqual(d.doc, { N: 2, Zh: '中文 \u0000' });
          docs++;
          if (docs % 500 === 0) await new Promise((r) => setImmediate(r));
        }),
      );
      assert.equal(n, 2501);
      assert.equal(got.length, 2501);
      assert.equal(got[0], `w/${A.account}/${A.region}/w-1`);
      assert.equal(got[2], `w/${B.account}/${B.region}/w-3`);
      assert.equal(got[2500], 'account///acc');
      const onlyB: string[] = [];
      await s.read((tx) => tx.forEach({ kinds: ['w'], account: B.account }, (d) => void onlyB.push(d.id)));
      assert.deepEqual(onlyB.slice(0, 3), ['w-3', 'w-6', 'w-9']);
      assert.equal(onlyB.length, 833);
    }));

  test(`${h.name}: reopening with another index table rebuilds the index from the documents`, () =>
    withStore(async (s, handle) => {
      await s.write(async (tx) => {
        for (let n = 1; n <= 5; n++) await tx.put('widget', A, `w-${n}`, { Color: n % 2 ? 'red' : 'blue', Parts: [{ Id: `p-${n}` }] });
        await tx.put('loadBalancer', A, 'lb-1', lb(1));
      });
      await s.close();
      const s2 = await handle.reopen({ widget: { Color: 'Color', PartId: 'Parts[].Id' }, loadBalancer: { VpcId: 'VpcId' } });
      await s2.read(async (tx) => {
        assert.equal(await tx.count('widget', A, { where: { Color: 'red' } }), 3);
        assert.deepEqual((await tx.query<{ Color: string }>('widget', A, { where: { PartId: 'p-4' } })).map((r) => r.doc.Color), ['blue']);
        assert.equal(await tx.count('loadBalancer', A, { where: { VpcId: 'vpc-odd' } }), 1);
        await assert.rejects(tx.query('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } }), /not indexed/);
      });
      await s2.write((tx) => tx.put('widget', A, 'w-6', { Color: 'red' }));
      assert.equal(await s2.read((tx) => tx.count('widget', A, { where: { Color: 'red' } })), 4);
      await s2.close();
      // back to the default table: rebuilt again, lookups by its fields work
      const s3 = await handle.reopen();
      assert.equal(await s3.read((tx) => tx.count('loadBalancer', A, { where: { LoadBalancerName: 'name-1' } })), 1);
    }));
}
