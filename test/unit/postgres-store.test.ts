// Holds PostgresStore to the Store conformance suite (test/helpers/store-conformance.ts), plus
// what only a shared database has: two nodes on one database, migrations raced by nodes starting
// together, retries of serialization failures between nodes. Needs OPENSLB_TEST_PG_URL (CI starts
// a throwaway cluster with scripts/with-postgres.sh); skipped with a message otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/state/postgres-store.js';
import { INDEXES, indexRows } from '../../src/state/indexes.js';
import type { Change, Scope, Store, Tx } from '../../src/state/store.js';
import { storeConformance } from '../helpers/store-conformance.js';
import { PG_URL, PG_SKIP, PG_REQUIRED, PG_MISSING, freshSchema, dropSchema, createSchema, urlWithSchema } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/server.js';
import { putInstances, REGION } from '../helpers/fixtures-servers.js';
import { allocateFromPools, allocateInVSwitch, createReadsOf, createVpc, lease, poolAllocReads, releaseLease, vswitchAllocReads, type VSwitchDoc } from '../../src/world/world.js';
import { formatIp, parseIp } from '../../src/world/ipv4.js';

const A: Scope = { account: '1000000000000001', region: 'cn-hangzhou' };

if (!PG_URL) {
  test('PostgresStore conformance', { skip: PG_REQUIRED ? false : PG_SKIP }, () => assert.fail(PG_MISSING));
} else {
  const url = PG_URL;
  storeConformance({
    name: 'PostgresStore',
    async create() {
      const schema = freshSchema();
      return {
        store: await PostgresStore.open({ connectionString: url, schema }),
        reopen: async (indexes) => PostgresStore.open({ connectionString: url, schema, indexes }),
        cleanup: () => dropSchema(schema),
      };
    },
  });

  /** Resolves when `pred` holds, polling listeners' effects; fails after `ms`. */
  const until = async (pred: () => boolean, what: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  const twoNodes = async (fn: (a: Store, b: Store, schema: string) => Promise<void>, opts: { writeConcurrency?: number } = {}) => {
    const schema = freshSchema();
    const [a, b] = await Promise.all([0, 1].map(() => PostgresStore.open({ connectionString: url, schema, ...opts })));
    try {
      await fn(a!, b!, schema);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
      await dropSchema(schema);
    }
  };

  test('PostgresStore: a bulk delete reaches the other node as a change naming no documents', () =>
    twoNodes(async (a, b) => {
      const seenB: Change[] = [];
      b.onChange((c: Change) => seenB.push(c));
      await a.write(async (tx) => {
        for (let i = 0; i < 300; i++) await tx.put('loadBalancer', A, `lb-${i}`, { LoadBalancerId: `lb-${i}`, LoadBalancerName: 'n' });
        await tx.put('account', { account: '', region: '' }, 'acc', { Name: 'acc' });
      });
      await until(() => seenB.length === 1, 'node b to hear of the first write');
      seenB.length = 0;
      await a.write(async (tx) => {
        await tx.deleteWhere({ exceptKinds: ['account'] });
        await tx.put('listener', A, 'l-1', { LoadBalancerId: 'lb-1' });
      });
      await until(() => seenB.length === 1, 'node b to hear of the bulk delete');
      assert.deepEqual([...seenB[0]!.kinds].sort(), ['listener', 'loadBalancer']);
      assert.equal(seenB[0]!.resources, undefined);
      assert.equal(await b.read((tx) => tx.count('loadBalancer', A, { where: { LoadBalancerName: 'n' } })), 0);
    }));

  test('PostgresStore: two nodes on one database see each other’s writes and changes', () =>
    twoNodes(async (a, b) => {
      const seenA: string[][] = [];
      const seenB: string[][] = [];
      a.onChange((c: Change) => seenA.push([...c.kinds].sort()));
      b.onChange((c: Change) => seenB.push([...c.kinds].sort()));
      await a.write(async (tx) => {
        await tx.put('lb', A, 'lb-1', { Name: 'from a' });
        await tx.put('listener', A, 'l-1', { Name: 'from a' });
      });
      // the writer's own listeners ran before write() resolved; the other node's arrive by NOTIFY
      assert.deepEqual(seenA, [['lb', 'listener']]);
      await until(() => seenB.length === 1, 'node b to hear of node a’s commit');
      assert.deepEqual(seenB, [['lb', 'listener']]);
      assert.deepEqual(await b.read((tx) => tx.get('lb', A, 'lb-1')), { Name: 'from a' });
      // and back
      await b.write((tx) => tx.put('lb', A, 'lb-2', { Name: 'from b' }));
      await until(() => seenA.length === 2, 'node a to hear of node b’s commit');
      assert.deepEqual(seenA[1], ['lb']);
      assert.deepEqual((await a.read((tx) => tx.list<{ Name: string }>('lb', A))).map((d) => d.Name), ['from a', 'from b']);
      // nothing for rolled-back or empty writes; the next real commit is the next notification
      await assert.rejects(
        a.write(async (tx) => {
          await tx.put('cert', A, 'x', {});
          throw new Error('no');
        }),
      );
      await a.write(async () => undefined);
      await a.write((tx) => tx.delete('lb', A, 'lb-2'));
      await until(() => seenB.length === 3, 'the delete');
      assert.deepEqual(seenB, [['lb', 'listener'], ['lb'], ['lb']]);
      assert.equal(seenA.length, 3, 'a node does not hear its own commits twice');
    }));

  test('PostgresStore: concurrent read-modify-write from two nodes ends exact (serialization failures retried)', () =>
    twoNodes(
      async (a, b) => {
        await a.write((tx) => tx.put('counter', A, 'c', { N: 0 }));
        let runs = 0;
        const inc = (s: Store) =>
          s.write(async (tx) => {
            runs++;
            const d = (await tx.get<{ N: number }>('counter', A, 'c'))!;
            await new Promise((r) => setImmediate(r));
            await tx.put('counter', A, 'c', { N: d.N + 1 });
          });
        await Promise.all(Array.from({ length: 30 }, (_, i) => inc(i % 2 ? a : b)));
        assert.equal((await b.read((tx) => tx.get<{ N: number }>('counter', A, 'c')))!.N, 30);
        assert.ok(runs >= 30);
      },
      { writeConcurrency: 2 },
    ));

  test('PostgresStore: nodes starting together on an empty schema migrate once', async () => {
    const schema = freshSchema();
    const stores = await Promise.all(Array.from({ length: 4 }, () => PostgresStore.open({ connectionString: url, schema })));
    try {
      await stores[0]!.write((tx) => tx.put('lb', A, 'x', { Name: 'x' }));
      assert.deepEqual(await stores[3]!.read((tx) => tx.get('lb', A, 'x')), { Name: 'x' });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const rows = (await c.query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`)).rows;
      assert.ok(rows.length >= 1);
      assert.deepEqual(
        rows.map((r) => r.version),
        rows.map((_, i) => i + 1),
      );
      // documents are kept as json text: key order and \u0000 escapes as written
      const doc = (await c.query<{ doc: string }>(`SELECT doc::text AS doc FROM "${schema}".resources`)).rows[0]!.doc;
      assert.equal(doc, '{"Name":"x"}');
    } finally {
      await c.end();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: a statement failing when the buffered puts are applied rolls back the whole write', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const seen: Change[] = [];
    s.onChange((c) => seen.push(c));
    const lb = (id: string, name: string) => ({ LoadBalancerId: id, LoadBalancerName: name, VpcId: 'vpc-1', BackendServers: [] });
    // an index value PostgreSQL refuses (a btree entry holds at most ~2.7 kB): only the statement
    // that applies the puts meets it, at the commit or before a read of the kind
    const huge = randomBytes(6000).toString('base64');
    try {
      await s.write((tx) => tx.put('loadBalancer', A, 'keep', lb('keep', 'before')));
      seen.length = 0;
      // at the commit
      await assert.rejects(
        s.write(async (tx) => {
          await tx.put('loadBalancer', A, 'keep', lb('keep', 'changed'));
          await tx.put('account', { account: '', region: '' }, 'acc', { Name: 'acc' });
          await tx.put('loadBalancer', A, 'bad', lb('bad', huge));
        }),
        /index row/,
      );
      // before a read, the failure swallowed by the callback
      await assert.rejects(
        s.write(async (tx) => {
          await tx.put('loadBalancer', A, 'keep', lb('keep', 'changed'));
          await tx.put('loadBalancer', A, 'bad', lb('bad', huge));
          await tx.count('loadBalancer', A).catch(() => undefined);
          await tx.put('listener', A, 'l', { LoadBalancerId: 'keep' });
          return 'looks fine';
        }),
        /index row/,
      );
      await s.read(async (tx) => {
        assert.deepEqual(await tx.get('loadBalancer', A, 'keep'), lb('keep', 'before'));
        assert.equal(await tx.get('loadBalancer', A, 'bad'), undefined);
        assert.equal(await tx.get('account', { account: '', region: '' }, 'acc'), undefined);
        assert.equal(await tx.get('listener', A, 'l'), undefined);
        assert.equal(await tx.count('loadBalancer', A), 1);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'changed' } }), 0);
        assert.equal(await tx.count('loadBalancer', A, { where: { VpcId: 'vpc-1' } }), 1);
      });
      assert.deepEqual(seen, []);
      // the store goes on
      await s.write((tx) => tx.put('loadBalancer', A, 'keep', lb('keep', 'after')));
      assert.equal(seen.length, 1);
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: a write leaves the gate once its COMMIT is on the wire; when that COMMIT fails, the writes queued behind it still run', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const seen: Change[] = [];
    s.onChange((c) => seen.push(c));
    const lb = (id: string, name: string) => ({ LoadBalancerId: id, LoadBalancerName: name, BackendServers: [] });
    const huge = randomBytes(6000).toString('base64'); // an index value PostgreSQL refuses (see above)
    try {
      await s.write((tx) => tx.put('loadBalancer', A, 'n', lb('n', '0')));
      // pipelined: the next write starts its callback before the one ahead has its COMMIT's answer
      const order: string[] = [];
      const first = s.write((tx) => tx.put('loadBalancer', A, 'a', lb('a', 'a'))).then(() => order.push('first committed'));
      const second = s.write(async (tx) => {
        order.push('second began');
        assert.deepEqual(await tx.get('loadBalancer', A, 'a'), lb('a', 'a'), 'the second write sees what the first committed');
      });
      await Promise.all([first, second]);
      assert.deepEqual(order, ['second began', 'first committed']);
      for (const readFirst of [false, true]) {
        const retries = s.retries;
        seen.length = 0;
        // the failing write's last round trip carries its BEGIN (puts only), or it read first
        const failing = s.write(async (tx) => {
          if (readFirst) await tx.get('loadBalancer', A, 'n');
          await tx.put('loadBalancer', A, 'bad', lb('bad', huge));
        });
        // three writes queued behind it: each reads what the one before it wrote
        const counters = [1, 2, 3].map(() =>
          s.write(async (tx) => {
            const n = (await tx.get<{ LoadBalancerName: string }>('loadBalancer', A, 'n'))!;
            const next = String(Number(n.LoadBalancerName) + 1);
            await tx.put('loadBalancer', A, 'n', lb('n', next));
            return next;
          }),
        );
        await assert.rejects(failing, /index row/);
        const base = readFirst ? 3 : 0;
        assert.deepEqual(await Promise.all(counters), [base + 1, base + 2, base + 3].map(String));
        assert.ok(s.retries > retries, 'the write behind the failed one met its aborted transaction and ran again');
        assert.equal(await s.read((tx) => tx.get('loadBalancer', A, 'bad')), undefined);
        assert.equal(seen.length, 3, 'the failed write announced nothing');
      }
      await s.write((tx) => tx.put('loadBalancer', A, 'after', lb('after', 'x')));
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A)), 3); // n, a, after
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: a database from before migration 5 carries forward: the index by document is built and writes keep index and counts right', async () => {
    const schema = freshSchema();
    const lb = (id: string, name: string, servers: string[]) => ({ LoadBalancerId: id, LoadBalancerName: name, VpcId: 'vpc-1', BackendServers: servers.map((ServerId) => ({ ServerId })) });
    let s = await PostgresStore.open({ connectionString: url, schema });
    try {
      await s.write(async (tx) => {
        for (let i = 0; i < 10; i++) await tx.put('loadBalancer', A, `lb-${i}`, lb(`lb-${i}`, `n-${i % 2}`, ['i-1', `i-${i}`]));
      });
      await s.close();
      // back to version 4, as a database written by the previous release
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP INDEX "${schema}".resource_index_by_doc`);
        await c.query(`DELETE FROM "${schema}".schema_migrations WHERE version = 5`);
      } finally {
        await c.end();
      }
      s = await PostgresStore.open({ connectionString: url, schema });
      const c2 = new pg.Client({ connectionString: url });
      await c2.connect();
      try {
        const ix = await c2.query(`SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'resource_index_by_doc'`, [schema]);
        assert.equal(ix.rowCount, 1);
      } finally {
        await c2.end();
      }
      await s.write(async (tx) => {
        await tx.put('loadBalancer', A, 'lb-0', lb('lb-0', 'n-1', ['i-2']));
        assert.equal(await tx.delete('loadBalancer', A, 'lb-1'), true);
      });
      await s.read(async (tx) => {
        assert.equal(await tx.count('loadBalancer', A), 9);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'n-0' } }), 4);
        assert.equal(await tx.count('loadBalancer', A, { where: { LoadBalancerName: 'n-1' } }), 5);
        assert.equal(await tx.count('loadBalancer', A, { where: { ServerId: 'i-1' } }), 8);
        assert.deepEqual((await tx.query<{ LoadBalancerId: string }>('loadBalancer', A, { where: { ServerId: 'i-2' } })).map((r) => r.doc.LoadBalancerId), ['lb-0', 'lb-2']);
      });
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: a lookup by a value holding U+0000 finds nothing instead of failing the transaction (PostgreSQL text cannot hold it)', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const nul = 'lb-\u0000';
    try {
      await s.write((tx) => tx.put('loadBalancer', A, 'lb-1', { LoadBalancerId: 'lb-1', LoadBalancerName: 'n', BackendServers: [] }));
      const out = await s.write(async (tx) => {
        const r = [
          await tx.get('loadBalancer', A, nul),
          await tx.get('loadBalancer', { account: nul, region: '' }, 'lb-1'),
          await tx.find('loadBalancer', A.account, nul),
          await tx.delete('loadBalancer', A, nul),
          (await tx.query('loadBalancer', A, { where: { LoadBalancerName: nul } })).length,
          (await tx.query('loadBalancer', A, { where: { LoadBalancerName: ['n', nul] } })).length,
          (await tx.query('loadBalancer', A, { ids: ['lb-1', nul] })).length,
          await tx.count('loadBalancer', A, { match: { LoadBalancerName: nul } }),
          await tx.count('loadBalancer', { account: nul }),
        ];
        await tx.put('loadBalancer', A, 'lb-2', { LoadBalancerId: 'lb-2', LoadBalancerName: 'n', BackendServers: [] });
        return r;
      });
      assert.deepEqual(out, [undefined, undefined, undefined, false, 0, 1, 1, 0, 0]);
      // the write went through: nothing failed on the way
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A)), 2);
      // storing such a value still fails the write (nowhere to keep it)
      await assert.rejects(s.write((tx) => tx.put('loadBalancer', A, nul, { LoadBalancerId: nul, LoadBalancerName: 'n' })));
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: round trips per write are counted, not one per statement (a regression guard)', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const trips = async (fn: () => Promise<unknown>) => {
      const before = s.roundTrips;
      await fn();
      return s.roundTrips - before;
    };
    const lb = (id: string) => ({ LoadBalancerId: id, LoadBalancerName: id, VpcId: 'vpc-1', BackendServers: [{ ServerId: 'i-1' }, { ServerId: 'i-2' }] });
    try {
      // blind puts, however many, and their notification: BEGIN + one statement + COMMIT, one round trip
      assert.equal(await trips(() => s.write(async (tx) => { for (let i = 0; i < 20; i++) await tx.put('loadBalancer', A, `lb-${i}`, lb(`lb-${i}`)); })), 1);
      // read-modify-write: the first read carries the BEGIN, the puts ride with the COMMIT
      assert.equal(
        await trips(() =>
          s.write(async (tx) => {
            const d = (await tx.get<ReturnType<typeof lb>>('loadBalancer', A, 'lb-1'))!;
            await tx.get('loadBalancer', A, 'lb-1'); // the same snapshot: answered without asking again
            await tx.put('loadBalancer', A, 'lb-1', { ...d, LoadBalancerName: 'renamed' });
          }),
        ),
        2,
      );
      // a read of a kind with buffered puts applies them first, in the read's round trip (BEGIN, the
      // puts and the count together; then the second put with the COMMIT)
      assert.equal(
        await trips(() =>
          s.write(async (tx) => {
            await tx.put('loadBalancer', A, 'lb-new', lb('lb-new'));
            assert.equal(await tx.count('loadBalancer', A), 21);
            await tx.put('loadBalancer', A, 'lb-new2', lb('lb-new2'));
          }),
        ),
        2,
      );
      // a delete is one statement (document and index rows); a write that sent nothing costs nothing
      assert.equal(await trips(() => s.write((tx) => tx.delete('loadBalancer', A, 'lb-2'))), 2);
      assert.equal(await trips(() => s.write(async () => 'nothing')), 0);
      // reads: BEGIN with the first statement, then COMMIT
      assert.equal(await trips(() => s.read((tx) => tx.query('loadBalancer', A, { where: { VpcId: 'vpc-1' }, limit: 5 }))), 2);
      // a query prefetched beside a get travels with it (one round trip, then the COMMIT), and is then
      // answered without asking again; one asked for twice after that asks again
      const byVpc = { where: { VpcId: 'vpc-1' }, limit: 5 };
      assert.equal(
        await trips(() =>
          s.read(async (tx) => {
            tx.prefetch([{ kind: 'loadBalancer', scope: A, query: byVpc }]).catch(() => undefined);
            assert.ok(await tx.get('loadBalancer', A, 'lb-1'));
            assert.equal((await tx.query('loadBalancer', A, byVpc)).length, 5);
          }),
        ),
        2,
      );
      assert.equal(
        await trips(() =>
          s.read(async (tx) => {
            await tx.prefetch([{ kind: 'loadBalancer', scope: A, query: byVpc }]);
            assert.equal((await tx.query('loadBalancer', A, byVpc)).length, 5);
            assert.equal((await tx.query('loadBalancer', A, byVpc)).length, 5);
          }),
        ),
        3,
      );
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: the calls of a load balancer setup cost a counted number of round trips (a regression guard)', async () => {
    const schema = freshSchema();
    await createSchema(schema);
    const srv = await startTestServer({ storeUrl: urlWithSchema(url, schema), dataPlane: false });
    try {
      const store = srv.store as PostgresStore;
      const insts = await putInstances(srv, 10);
      const servers = JSON.stringify(insts.map((i) => ({ ServerId: i.InstanceId, Weight: '100', Type: 'ecs' })));
      const per: Record<string, number[]> = {};
      const counted = async (action: string, params: Record<string, unknown>) => {
        const before = store.roundTrips;
        const r = await srv.call(action, params);
        (per[action] ??= []).push(store.roundTrips - before);
        return r;
      };
      for (let i = 0; i < 3; i++) {
        const { LoadBalancerId } = (await counted('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: `rt-${i}` })) as { LoadBalancerId: string };
        await counted('AddBackendServers', { RegionId: REGION, LoadBalancerId, BackendServers: servers });
        await counted('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId, ListenerPort: 80, BackendServerPort: 8080, Bandwidth: -1 });
        await counted('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId });
      }
      // (the first create also sets up the account's region.) CreateLoadBalancer: 19 before the
      // puts were buffered, 11 before the reads every create makes went in one prefetch, 4 before
      // that prefetch also asked for the address allocation as last left (hint and candidates):
      // now the prefetch with the quota counts, and one round trip for the puts, notifications and
      // COMMIT. The ten instances are one lookup (AddBackendServers was 15, the attribute read
      // 14), the listener's port check one (8 before). Reads asked for at once share a round trip
      // (7, 6 and 5 before): everything the attribute read shows; a load balancer to change and
      // what the change reads next (its listeners; for AddBackendServers also the instances and
      // groups), 3 before for both.
      const most = { CreateLoadBalancer: 2, AddBackendServers: 2, CreateLoadBalancerTCPListener: 2, DescribeLoadBalancerAttribute: 3 };
      for (const [action, n] of Object.entries(most)) assert.ok(per[action]!.slice(1).every((x) => x <= n), `round trips per ${action}: ${per[action]!.join(', ')} (at most ${n})`);
    } finally {
      await srv.stop();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: the allocation asked for with a create\'s first reads (as last left here) never changes the address: stale after a release, a failed write, a pool', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    try {
      const scope = { account: '1000000000000001', region: 'cn-qingdao' };
      let n = 0;
      await s.write((tx) => createVpc(tx, scope.account, { RegionId: scope.region, CidrBlock: '10.9.0.0/16', VpcId: 'vpc-g', VSwitches: [{ VSwitchId: 'vsw-g', ZoneId: 'cn-qingdao-b', CidrBlock: '10.9.0.0/24' }] }, 'now', (p) => `${p}g${++n}`));
      const vsw = (await s.read((tx) => tx.get<VSwitchDoc>('vswitch', scope, 'vsw-g')))!;
      // what createLoadBalancer does: the guessed reads first, then allocate and lease in one write
      const take = (lb: string, fail = false) =>
        s.write(async (tx) => {
          await tx.prefetch(vswitchAllocReads(scope, vsw, false));
          const a = await allocateInVSwitch(tx, scope, vsw);
          assert.ok(a.ok);
          await lease(tx, { Address: a.address, AccountId: scope.account, RegionId: scope.region, LoadBalancerId: lb, VSwitchId: vsw.VSwitchId });
          if (fail) throw new Error('the create failed later');
          return a.address;
        });
      assert.deepEqual([await take('lb-1'), await take('lb-2')], ['10.9.0.1', '10.9.0.2']);
      // the guess is right: the hint and the candidates come with the first reads (one round trip, then the end)
      let before = s.roundTrips;
      assert.equal(await take('lb-3'), '10.9.0.3');
      assert.equal(s.roundTrips - before, 2);
      // a release below the hint: the guess is stale, the freed address still comes first
      await s.write((tx) => releaseLease(tx, '10.9.0.2', 'lb-2'));
      assert.equal(await take('lb-4'), '10.9.0.2');
      // a write that found an address and failed: guessed past it, found again
      await assert.rejects(take('lb-x', true), /failed later/);
      assert.equal(await take('lb-5'), '10.9.0.4');
      assert.equal(await take('lb-6'), '10.9.0.5');
      // pools the same way
      const fromPool = () =>
        s.write(async (tx) => {
          // (with the settings, which name the pools: a create asks for them among its first reads too)
          await tx.prefetch([...createReadsOf(scope, 'rg-g'), ...poolAllocReads('internet', scope.region)]);
          const a = await allocateFromPools(tx, 'internet', scope.region);
          assert.ok(a.ok);
          await lease(tx, { Address: a.address, AccountId: scope.account, RegionId: scope.region, LoadBalancerId: `lb-p${++n}` });
          return a.address;
        });
      const [p1, p2] = [await fromPool(), await fromPool()];
      before = s.roundTrips;
      const p3 = await fromPool();
      assert.equal(s.roundTrips - before, 2);
      await s.write((tx) => releaseLease(tx, p2, `lb-p${n - 1}`));
      assert.deepEqual([await fromPool(), await fromPool()], [p2, formatIp(parseIp(p3)! + 1)]);
      assert.equal(parseIp(p2)! - parseIp(p1)!, 1);
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: a schema that grows from empty gets fresh planner statistics, so lookups stay on their indexes', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      // the statistics a new schema starts with describe empty tables: every index looks alike
      await c.query(`ANALYZE "${schema}".resources, "${schema}".resource_index`);
      for (let b = 0; b < 3000; b += 250) {
        await s.write(async (tx) => {
          for (let i = b; i < b + 250; i++) await tx.put('listener', A, `l-${i}`, { LoadBalancerId: `lb-${i % 1500}`, ListenerPort: i });
        });
      }
      const until = Date.now() + 10_000;
      while (s.analyzed < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      assert.ok(s.analyzed >= 1, 'the store ran ANALYZE after its writes');
      // read back what ANALYZE recorded, then the plans of a get and of an indexed lookup
      const { rows } = await c.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = '"${schema}".resources'::regclass`);
      assert.ok(rows[0]!.n >= 2000, `statistics count ${rows[0]!.n} documents`);
      // the id (the field's value) is in the index condition: a probe, not a walk of the scope filtered
      const plan = async (sql: string) => JSON.stringify((await c.query(`EXPLAIN (FORMAT JSON) ${sql}`)).rows[0]);
      assert.match(await plan(`SELECT doc FROM "${schema}".resources WHERE kind='listener' AND account='${A.account}' AND region='${A.region}' AND id='l-7'`), /"Index Cond":"[^"]*id = 'l-7'/);
      assert.match(
        await plan(`SELECT id FROM "${schema}".resource_index WHERE kind='listener' AND account='${A.account}' AND field='LoadBalancerId' AND value='lb-7' AND region='${A.region}' ORDER BY seq`),
        /"Index Cond":"[^"]*value = 'lb-7'/,
      );
    } finally {
      await c.end();
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: a statement error swallowed by the callback still fails the write', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    try {
      await assert.rejects(
        s.write(async (tx) => {
          await tx.put('lb', A, 'a', { Name: 'a' });
          // an offset beyond bigint: the statement fails, the transaction is aborted
          await tx.query('lb', A, { offset: 1e300 }).catch(() => undefined);
          return 'looks fine';
        }),
      );
      assert.equal(await s.read((tx) => tx.get('lb', A, 'a')), undefined);
      await s.write((tx) => tx.put('lb', A, 'b', { Name: 'b' }));
      assert.deepEqual(await s.read((tx) => tx.get('lb', A, 'b')), { Name: 'b' });
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: statements asked for at once travel in one round trip, each answered as alone; one failing fails them all and the write', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const lb = (id: string, vpc: string) => ({ LoadBalancerId: id, LoadBalancerName: `n-${id}`, VpcId: vpc });
    try {
      await s.write(async (tx) => {
        for (let i = 0; i < 6; i++) await tx.put('loadBalancer', A, `lb-${i}`, lb(`lb-${i}`, i % 2 ? 'vpc-odd' : 'vpc-even'));
      });
      const ask = (tx: Tx) =>
        [
          () => tx.get('loadBalancer', A, 'lb-1'),
          () => tx.get('loadBalancer', A, 'lb-none'),
          () => tx.query('loadBalancer', A, { where: { VpcId: 'vpc-odd' }, order: 'desc', limit: 2 }),
          () => tx.count('loadBalancer', A, { where: { VpcId: 'vpc-even' } }),
          () => tx.list('loadBalancer', A),
          () => tx.find('loadBalancer', A.account, 'lb-4'),
        ] as const;
      // one after the other: each its own round trip
      const before = s.roundTrips;
      const alone = await s.read(async (tx) => {
        const out: unknown[] = [];
        for (const f of ask(tx)) out.push(await f());
        return out;
      });
      const oneByOne = s.roundTrips - before;
      // at once: the BEGIN and all six statements in one round trip (plus the COMMIT after the answer)
      const mid = s.roundTrips;
      const together = await s.read((tx) => Promise.all(ask(tx).map((f) => f())));
      assert.equal(s.roundTrips - mid, 2);
      assert.equal(oneByOne, 7);
      assert.deepEqual(together, alone);
      // in a write: reads at once with a buffered put of their kind (applied first, in the same round trip)
      const w0 = s.roundTrips;
      const seen = await s.write(async (tx) => {
        await tx.put('loadBalancer', A, 'lb-new', lb('lb-new', 'vpc-odd'));
        return Promise.all([tx.count('loadBalancer', A, { where: { VpcId: 'vpc-odd' } }), tx.get('loadBalancer', A, 'lb-new'), tx.query('loadBalancer', A, { where: { VpcId: 'vpc-odd' }, order: 'desc', limit: 1 })]);
      });
      assert.deepEqual(seen, [4, lb('lb-new', 'vpc-odd'), [{ region: A.region, doc: lb('lb-new', 'vpc-odd') }]]);
      assert.equal(s.roundTrips - w0, 2, 'BEGIN, the put, the two reads; then the COMMIT');
      // one statement of a batch fails (an offset beyond bigint): every one of them fails, and the write with them
      await assert.rejects(
        s.write(async (tx) => {
          await tx.put('loadBalancer', A, 'lb-lost', lb('lb-lost', 'vpc-odd'));
          const r = await Promise.allSettled([tx.get('loadBalancer', A, 'lb-2'), tx.query('loadBalancer', A, { offset: 1e300 }), tx.count('loadBalancer', A)]);
          assert.deepEqual(
            r.map((x) => x.status),
            ['rejected', 'rejected', 'rejected'],
          );
          return 'swallowed';
        }),
      );
      assert.equal(await s.read((tx) => tx.get('loadBalancer', A, 'lb-lost')), undefined);
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A)), 7);
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: index rows and counts stay exact whether a write read the document first (diff by the store) or not (diff by the database)', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    // a small deterministic generator: the same steps on every run
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const doc = (id: string) => ({
      LoadBalancerId: id,
      LoadBalancerName: `n${rnd(3)}`,
      VpcId: rnd(4) ? `vpc-${rnd(3)}` : undefined,
      PayType: rnd(2) ? 'PrePay' : 'PayOnDemand',
      BackendServers: Array.from({ length: rnd(4) }, () => ({ ServerId: `i-${rnd(5)}`, ServerIp: `10.0.0.${rnd(5)}` })),
      TagSet: rnd(3) ? [{ Key: `k${rnd(2)}`, Pair: JSON.stringify([`k${rnd(2)}`, `v${rnd(2)}`]) }] : [],
    });
    try {
      for (let step = 0; step < 60; step++) {
        await s.write(async (tx) => {
          for (let k = 0; k < 4; k++) {
            const id = `lb-${rnd(8)}`;
            const how = rnd(5);
            if (how === 0) await tx.put('loadBalancer', A, id, doc(id)); // blind
            else if (how === 1) await tx.delete('loadBalancer', A, id);
            else if (how === 2) {
              // read, then put twice (the second replaces the buffered first)
              await tx.get('loadBalancer', A, id);
              await tx.put('loadBalancer', A, id, doc(id));
              await tx.put('loadBalancer', A, id, doc(id));
            } else {
              const [was] = await Promise.all([tx.get<ReturnType<typeof doc>>('loadBalancer', A, id), tx.count('loadBalancer', A, { where: { VpcId: 'vpc-1' } })]);
              await tx.put('loadBalancer', A, id, was && rnd(2) ? { ...was, LoadBalancerName: `r${rnd(3)}` } : doc(id));
            }
          }
        });
      }
      const docs = (await c.query<{ id: string; doc: Record<string, unknown> }>(`SELECT id, doc FROM "${schema}".resources WHERE kind = 'loadBalancer'`)).rows;
      const want = docs.flatMap((d) => indexRows(INDEXES, 'loadBalancer', d.doc).map(([f, v]) => `${d.id} ${f} ${v}`)).sort();
      const have = (await c.query<{ r: string }>(`SELECT id || ' ' || field || ' ' || value AS r FROM "${schema}".resource_index WHERE kind = 'loadBalancer'`)).rows.map((r) => r.r).sort();
      assert.deepEqual(have, want);
      // every count the store answers equals the documents it holds
      for (const vpc of ['vpc-0', 'vpc-1', 'vpc-2']) {
        const n = docs.filter((d) => d.doc['VpcId'] === vpc).length;
        assert.equal(await s.read((tx) => tx.count('loadBalancer', A, { where: { VpcId: vpc } })), n, vpc);
      }
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A)), docs.length);
      const counted = (await c.query<{ field: string; value: string; n: string }>(`SELECT field, value, n FROM "${schema}".resource_counts WHERE kind = 'loadBalancer' AND field <> '' AND n <> 0`)).rows;
      for (const r of counted) assert.equal(Number(r.n), docs.filter((d) => indexRows(INDEXES, 'loadBalancer', d.doc).some(([f, v]) => f === r.field && v === r.value)).length, `${r.field}=${r.value}`);
    } finally {
      await c.end();
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: statements sent together run prepared on their connection (PREPARE once, then EXECUTE), also after a failed batch', async () => {
    const schema = freshSchema();
    // one connection: every transaction meets what the ones before it prepared
    const s = await PostgresStore.open({ connectionString: url, schema, poolSize: 1 });
    try {
      await s.write(async (tx) => {
        for (let i = 0; i < 4; i++) await tx.put('loadBalancer', A, `lb-${i}`, { LoadBalancerId: `lb-${i}`, VpcId: 'v' });
      });
      const both = (tx: Tx) => Promise.all([tx.get('loadBalancer', A, 'lb-1'), tx.query('loadBalancer', A, { where: { VpcId: 'v' }, limit: 2 }), tx.count('loadBalancer', A)]);
      const first = await s.read(both);
      // again: now EXECUTE of what the first prepared; the same answers
      assert.deepEqual(await s.read(both), first);
      assert.deepEqual(first[2], 4);
      // a batch that fails after its PREPAREs ran: those statements are written out in full from then on, and work
      await assert.rejects(s.read((tx) => Promise.all([tx.list('loadBalancer', A), tx.query('loadBalancer', A, { offset: 1e300 })])));
      assert.equal((await s.read((tx) => Promise.all([tx.list('loadBalancer', A), tx.get('loadBalancer', A, 'lb-2')])))[0].length, 4);
      assert.equal((await s.read((tx) => Promise.all([tx.list('loadBalancer', A), tx.count('loadBalancer', A)])))[1], 4);
      // and a write after all that still commits
      await s.write(async (tx) => {
        const [d] = await Promise.all([tx.get<{ VpcId: string }>('loadBalancer', A, 'lb-3'), tx.list('loadBalancer', A)]);
        await tx.put('loadBalancer', A, 'lb-3', { ...d!, VpcId: 'w' });
      });
      assert.equal(await s.read((tx) => tx.count('loadBalancer', A, { where: { VpcId: 'w' } })), 1);
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });
}

if (PG_URL) {
  const url = PG_URL;
  test('PostgresStore: signature nonces are shared by every store on the database, for the window only', async () => {
    const schema = freshSchema();
    const [a, b] = await Promise.all([0, 1].map(() => PostgresStore.open({ connectionString: url, schema })));
    try {
      const W = 15 * 60_000;
      const t0 = 1_800_000_000_000;
      assert.equal(await a!.useNonce('LTAIkey', 'n-1', t0, W), true);
      assert.equal(await b!.useNonce('LTAIkey', 'n-1', t0 + 1000, W), false, 'replayed on another node');
      assert.equal(await a!.useNonce('LTAIkey', 'n-1', t0 + W - 1, W), false, 'still inside the window');
      assert.equal(await b!.useNonce('LTAIother', 'n-1', t0, W), true, 'another key, another pair');
      assert.equal(await b!.useNonce('LTAIkey', 'n-1', t0 + W, W), true, 'the window has passed');
      assert.equal(await a!.useNonce('LTAIkey', 'n-1', t0 + W + 1, W), false, 'and it counts from the new use');
      // racing uses of one fresh nonce: exactly one wins (time moves on: a sweep deletes what is
      // older than a window before the newest use)
      const t1 = t0 + 2 * W;
      const wins = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a! : b!).useNonce('LTAIkey', 'race', t1, W)));
      assert.equal(wins.filter(Boolean).length, 1);
      // odd nonces (NUL, very long) are hashed, not stored
      assert.equal(await a!.useNonce('LTAIkey', `x\u0000${'y'.repeat(100_000)}`, t1, W), true);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
      await dropSchema(schema);
    }
  });

  test('PostgresStore: signature nonces used together share statements (two on their way at most), each decided as if alone and in order', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    try {
      const W = 15 * 60_000;
      const t0 = 1_900_000_000_000;
      const uses0 = s.nonceUses;
      const statements0 = s.nonceStatements;
      // twenty requests arriving together: the first two go at once, each alone (two statements on
      // their way at most), the other eighteen wait for one to come back and go in one statement
      const fresh = await Promise.all(Array.from({ length: 20 }, (_, i) => s.useNonce('LTAIkey', `n-${i}`, t0, W)));
      assert.deepEqual(fresh, Array(20).fill(true));
      assert.equal(s.nonceUses - uses0, 20);
      assert.equal(s.nonceStatements - statements0, 3);
      // a batch mixing fresh and replayed pairs answers each on its own
      assert.deepEqual(await Promise.all([s.useNonce('LTAIkey', 'n-3', t0 + 5, W), s.useNonce('LTAIkey', 'new', t0 + 5, W), s.useNonce('LTAIother', 'n-3', t0 + 5, W)]), [false, true, true]);
      // the same pair again while its first use is on its way (or waits with it): decided after it, with its own time
      // (inside the window: used; a window later: fresh again), like two statements one after another
      assert.deepEqual(await Promise.all([s.useNonce('LTAIkey', 'twice', t0, W), s.useNonce('LTAIkey', 'twice', t0 + 1, W)]), [true, false]);
      assert.deepEqual(await Promise.all([s.useNonce('LTAIkey', 'later', t0, W), s.useNonce('LTAIkey', 'later', t0 + W, W), s.useNonce('LTAIkey', 'later', t0 + W, W)]), [true, true, false]);
      // one after another (nothing to batch with): a statement each, as before
      const before = s.nonceStatements;
      assert.equal(await s.useNonce('LTAIkey', 'alone-1', t0, W), true);
      assert.equal(await s.useNonce('LTAIkey', 'alone-2', t0, W), true);
      assert.equal(s.nonceStatements - before, 2);
    } finally {
      await s.close();
      await dropSchema(schema);
    }
  });

  test('PostgresStore: a nonce batch the database refuses fails each of its uses (the requests answer an error, none passes)', async () => {
    const schema = freshSchema();
    const s = await PostgresStore.open({ connectionString: url, schema });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`ALTER TABLE "${schema}".signature_nonces RENAME TO signature_nonces_gone`);
      const uses = await Promise.allSettled([s.useNonce('LTAIkey', 'a', 1, 1000), s.useNonce('LTAIkey', 'b', 1, 1000), s.useNonce('LTAIkey', 'a', 2, 1000)]);
      assert.deepEqual(uses.map((u) => u.status), ['rejected', 'rejected', 'rejected']);
      await c.query(`ALTER TABLE "${schema}".signature_nonces_gone RENAME TO signature_nonces`);
      assert.equal(await s.useNonce('LTAIkey', 'a', 3, 1000), true, 'nothing was recorded by the failed batch');
    } finally {
      await c.end();
      await s.close();
      await dropSchema(schema);
    }
  });
}

if (PG_URL) {
  const url = PG_URL;
  test('PostgresStore: a lost LISTEN connection comes back and announces every kind', async () => {
    const schema = freshSchema();
    const errors: Error[] = [];
    const [a, b] = await Promise.all([0, 1].map(() => PostgresStore.open({ connectionString: url, schema, onError: (e) => errors.push(e) })));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const seen: string[][] = [];
      b!.onChange((c) => seen.push([...c.kinds].sort()));
      await a!.write(async (tx) => {
        await tx.put('lb', A, 'x', { Name: 'x' });
        await tx.put('acl', A, 'y', { Name: 'y' });
      });
      const until = async (pred: () => boolean, what: string) => {
        const end = Date.now() + 15_000;
        while (!pred()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      await until(() => seen.length === 1, 'b to hear the first write');
      // cut every LISTEN connection on this schema's channel (a's and b's)
      const cut = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${b!.channel}"`]);
      assert.equal(cut.rowCount, 2);
      // after reconnecting, b announces every kind in the table (it may have missed changes)
      await until(() => seen.length === 2, 'the reconnect announcement');
      assert.deepEqual(seen[1], ['acl', 'lb']);
      assert.ok(errors.length >= 1, 'the loss was reported');
      // and hears new commits again
      await a!.write((tx) => tx.put('cert', A, 'z', {}));
      await until(() => seen.some((k) => k.length === 1 && k[0] === 'cert'), 'a commit after the reconnect');
    } finally {
      await admin.end();
      await Promise.all([a!.close(), b!.close()]);
      await dropSchema(schema);
    }
  });
}
