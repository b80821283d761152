// The API on the PostgreSQL store: two server nodes on one database (docs/storage.md), driven
// through pop-core and openapi-client. Needs OPENSLB_TEST_PG_URL (CI starts a throwaway cluster
// with scripts/with-postgres.sh); skipped with a message otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import RPCClient from '@alicloud/pop-core';
import { PostgresStore } from '../../src/state/postgres-store.js';
import { createSchema, dropSchema, freshSchema, PG_MISSING, PG_REQUIRED, PG_SKIP, PG_URL, urlWithSchema } from '../helpers/postgres.js';
import { rejects, startTestServer, AK, type TestServer } from '../helpers/server.js';
import { nonce, send, v1Request } from '../helpers/signer.js';
import { opOk, principal } from '../helpers/tenants.js';

const R = 'cn-hangzhou';

/** Resolves when `fn` stops throwing (another node hears of a commit by NOTIFY, a few ms later). */
async function eventually<T>(fn: () => Promise<T>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

if (!PG_URL) {
  test('API on PostgreSQL', { skip: PG_REQUIRED ? false : PG_SKIP }, () => assert.fail(PG_MISSING));
} else {
  const base = PG_URL;
  test('API on PostgreSQL: two nodes on one database', async (t) => {
    const schema = freshSchema();
    await createSchema(schema);
    const storeUrl = urlWithSchema(base, schema);
    // what the nodes must share besides the database (docs/storage.md): the secret key, the operator token
    const shared = { storeUrl, secretKey: randomBytes(32), operatorToken: `op-${randomBytes(8).toString('hex')}` };
    const [a, b] = (await Promise.all([startTestServer(shared), startTestServer(shared)])) as [TestServer, TestServer];
    t.after(async () => {
      await Promise.all([a.stop(), b.stop()]);
      await dropSchema(schema);
    });

    await t.test('both nodes run on PostgreSQL with one root account', () => {
      assert.ok(a.store instanceof PostgresStore && b.store instanceof PostgresStore);
      assert.equal(a.rootAccountId, b.rootAccountId);
    });

    await t.test('a load balancer made on one node is seen, changed and deleted through the other', async () => {
      const made = (await a.call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'on-pg' })) as { LoadBalancerId: string; Address: string };
      assert.match(made.LoadBalancerId, /^lb-/);
      const seen = (await b.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: made.LoadBalancerId })) as Record<string, unknown>;
      assert.equal(seen['LoadBalancerName'], 'on-pg');
      assert.equal(seen['Address'], made.Address);
      await b.call('SetLoadBalancerName', { RegionId: R, LoadBalancerId: made.LoadBalancerId, LoadBalancerName: 'renamed-on-b' });
      const v3 = await a.v3('DescribeLoadBalancers', { RegionId: R, LoadBalancerId: made.LoadBalancerId });
      const lbs = (v3.body['LoadBalancers'] as { LoadBalancer: Record<string, unknown>[] }).LoadBalancer;
      assert.deepEqual(
        lbs.map((l) => l['LoadBalancerName']),
        ['renamed-on-b'],
      );
      await a.call('CreateLoadBalancerTCPListener', { RegionId: R, LoadBalancerId: made.LoadBalancerId, ListenerPort: 80, BackendServerPort: 8080, Bandwidth: -1 });
      const l = (await b.call('DescribeLoadBalancerTCPListenerAttribute', { RegionId: R, LoadBalancerId: made.LoadBalancerId, ListenerPort: 80 })) as Record<string, unknown>;
      assert.equal(l['BackendServerPort'], 8080);
      await b.call('DeleteLoadBalancer', { RegionId: R, LoadBalancerId: made.LoadBalancerId });
      const gone = await rejects(() => a.call('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: made.LoadBalancerId }));
      assert.equal(gone.code, 'InvalidLoadBalancerId.NotFound');
    });

    await t.test('creations racing on both nodes all succeed with distinct ids and addresses', async () => {
      const made = (await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).call('CreateLoadBalancer', { RegionId: R, LoadBalancerName: `race-${i}` })),
      )) as { LoadBalancerId: string; Address: string }[];
      assert.equal(new Set(made.map((m) => m.LoadBalancerId)).size, 8);
      assert.equal(new Set(made.map((m) => m.Address)).size, 8, 'address leases are shared: no address twice');
      const listed = (await a.call('DescribeLoadBalancers', { RegionId: R, PageSize: 50 })) as { LoadBalancers: { LoadBalancer: { LoadBalancerName: string }[] } };
      assert.equal(listed.LoadBalancers.LoadBalancer.filter((l) => l.LoadBalancerName.startsWith('race-')).length, 8);
    });

    await t.test('a signature nonce used on one node is refused on the other', async () => {
      const key = { id: AK.id, secret: AK.secret };
      const n = nonce();
      const first = await v1Request(a.url, 'DescribeRegions', {}, { ...key, common: { SignatureNonce: n } });
      assert.equal(first.status, 200);
      const replay = await send(b.url, { method: 'GET', path: `/?${new URLSearchParams(first.sent).toString()}` });
      assert.equal(replay.status, 400);
      assert.equal(replay.json?.['Code'], 'SignatureNonceUsed');
    });

    await t.test('an AccessKey disabled through one node is refused by the other (its key cache hears the change)', async () => {
      const acct = (await opOk(a, 'POST', '/accounts', { Name: `pg-tenant-${randomBytes(3).toString('hex')}` })) as { AccountId: string; AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
      const onB = principal(b, acct.AccountId, acct.AccessKey.AccessKeyId, acct.AccessKey.AccessKeySecret);
      await onB.call('DescribeRegions'); // cached on b as active
      await opOk(a, 'PATCH', `/accounts/${acct.AccountId}/access-keys/${acct.AccessKey.AccessKeyId}`, { Status: 'Inactive' });
      const e = await eventually(async () => {
        const r = await rejects(() => onB.call('DescribeRegions'));
        assert.equal(r.code, 'InvalidAccessKeyId.Inactive');
        return r;
      });
      assert.equal(e.data['Message'], 'Specified access key is disabled.');
    });
  });
}

const bin = join(import.meta.dirname, '..', '..', 'bin', 'openslb.mjs');

test('openslb serve --store refuses what is not a PostgreSQL URL', () => {
  const r = spawnSync(process.execPath, [bin, 'serve', '--store', 'mysql://db/x', '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--store <url>.*expected a postgres:\/\/… or postgresql:\/\/… URL/);
  const e = spawnSync(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, OPENSLB_STORE_URL: 'file:x' } });
  assert.equal(e.status, 1);
  assert.match(e.stderr, /^openslb: OPENSLB_STORE_URL: expected a postgres/);
});

if (PG_URL) {
  const base = PG_URL;
  test('openslb serve with OPENSLB_STORE_URL keeps its state in PostgreSQL', async (t) => {
    const schema = freshSchema();
    await createSchema(schema);
    const dir = mkdtempSync(join(tmpdir(), 'openslb-pg-cli-'));
    const child = spawn(process.execPath, [bin, 'serve', '--listen', '127.0.0.1:0', '--data-dir', dir, '--no-dataplane', '--log-level', 'info'], {
      env: { ...process.env, OPENSLB_STORE_URL: urlWithSchema(base, schema), OPENSLB_ACCESS_KEY_ID: AK.id, OPENSLB_ACCESS_KEY_SECRET: AK.secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    t.after(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      await dropSchema(schema);
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /OpenSLB API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then((code) => reject(new Error(`openslb exited (${code}) before it was ready\n${out}\n${err}`)));
    });
    const pop = new RPCClient({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: url, apiVersion: '2014-05-15', opts: { timeout: 30_000 } });
    const made = (await pop.request('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'from-cli' }, { method: 'POST' })) as { LoadBalancerId: string };
    // the load balancer is in the database: a store opened on the same schema sees it
    const store = await PostgresStore.open({ connectionString: base, schema });
    try {
      const all = await store.read(async (tx) => {
        const accounts = await tx.list<{ AccountId: string }>('account', { account: '', region: '' });
        return (await Promise.all(accounts.map((a) => tx.find<{ LoadBalancerName: string }>('loadBalancer', a.AccountId, made.LoadBalancerId)))).filter(Boolean);
      });
      assert.equal(all.length, 1);
      assert.equal(all[0]!.doc.LoadBalancerName, 'from-cli');
    } finally {
      await store.close();
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
}
