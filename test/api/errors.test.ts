// Errors that do not belong to one family: what the API answers when the store gives up on a
// conflicting write or cannot be reached (src/errors/unexpected.ts), through both real clients.
// The store is made to fail by replacing its read/write on the running server; real stores raise
// the same error codes (PostgreSQL SQLSTATE, SQLite SQLITE_BUSY, node errno).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';

const R = 'cn-hangzhou';
const failWith = (code: string, message: string) => Object.assign(new Error(message), { code });

async function expectBoth(s: TestServer, action: string, params: Record<string, unknown>, want: { code: string; status: number; message: string }) {
  const a = await rejects(() => s.call(action, params));
  assert.equal(a.code, want.code, JSON.stringify(a.data));
  assert.equal(a.data['Message'], want.message);
  const b = await rejects(() => s.v3(action, params));
  assert.equal(b.code, want.code, JSON.stringify(b.data));
  assert.equal(b.statusCode, want.status);
  assert.equal(b.data['Message'], want.message);
}

test('store failures answer the codes clients retry on, and change nothing', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const store = s.store as unknown as { write: (...a: unknown[]) => Promise<unknown> };
  const realWrite = store.write.bind(store);
  // only writes fail: the gateway's own checks (identity, RAM) only read, so the action's write is what fails
  const failHandlerWrites = (err: Error) => {
    store.write = async () => {
      throw err;
    };
  };
  t.after(() => {
    store.write = realWrite;
  });
  const create = { RegionId: R, AclName: 'busy-acl' };
  const busy = { code: 'OperationBusy', status: 400, message: 'A previous operation is pending.' };
  const backend = { code: 'InternalError', status: 500, message: 'The request processing has failed due to backend service exception.' };

  await t.test('a write the store could not serialize (after its own retries) → OperationBusy (seed row 3)', async () => {
    failHandlerWrites(failWith('40001', 'could not serialize access due to read/write dependencies among transactions'));
    await expectBoth(s, 'CreateAccessControlList', create, busy);
    failHandlerWrites(failWith('40P01', 'deadlock detected'));
    await expectBoth(s, 'CreateAccessControlList', create, busy);
    failHandlerWrites(failWith('SQLITE_BUSY', 'database is locked'));
    await expectBoth(s, 'CreateAccessControlList', create, busy);
    store.write = realWrite;
  });

  await t.test('a store that cannot be reached → InternalError "…backend service exception." (seed row 131)', async () => {
    failHandlerWrites(failWith('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'));
    await expectBoth(s, 'CreateAccessControlList', create, backend);
    failHandlerWrites(failWith('57P01', 'terminating connection due to administrator command'));
    await expectBoth(s, 'CreateAccessControlList', create, backend);
    failHandlerWrites(new Error('Connection terminated unexpectedly'));
    await expectBoth(s, 'CreateAccessControlList', create, backend);
    store.write = realWrite;
  });

  await t.test('any other unexpected failure stays InternalError "…some unknown error."', async () => {
    failHandlerWrites(new TypeError('something else broke'));
    await expectBoth(s, 'CreateAccessControlList', create, { code: 'InternalError', status: 500, message: 'The request processing has failed due to some unknown error.' });
    store.write = realWrite;
  });

  await t.test('nothing was created, and the server answers normally afterwards', async () => {
    const list = (await s.call('DescribeAccessControlLists', { RegionId: R })) as { Acls: { Acl: unknown[] } };
    assert.deepEqual(list.Acls.Acl.length, 0);
    const made = (await s.call('CreateAccessControlList', create)) as { AclId: string };
    assert.match(made.AclId, /^acl-/);
  });
});
