// WriteTurns (src/gateway/turns.ts): writes are admitted one per event-loop turn, in order, and
// I/O that became ready meanwhile (a read request arriving on a socket) is handled between two
// admitted writes instead of after every queued one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { WriteTurns } from '../../src/gateway/turns.js';

test('WriteTurns: admits every waiter, in arrival order, one per turn', async () => {
  const turns = new WriteTurns();
  const order: string[] = [];
  const all = ['a', 'b', 'c', 'd'].map((n) => turns.next().then(() => order.push(n)));
  assert.equal(turns.queued, 4);
  // none is admitted synchronously or from a microtask
  await Promise.resolve();
  assert.deepEqual(order, []);
  // one turn (an immediate queued now runs after the first admission, in the same check phase)
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['a']);
  await Promise.all(all);
  assert.deepEqual(order, ['a', 'b', 'c', 'd']);
  assert.equal(turns.queued, 0);
  // idle again: a new waiter is admitted on the next turn
  await turns.next();
});

test('WriteTurns: a read arriving on a socket runs between two queued writes', async (t) => {
  const order: string[] = [];
  const server = net.createServer((c) => c.on('data', () => order.push('read')));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(client, 'connect');
  // the accepted side is set up on the server's turn
  while (server.listening && (await new Promise<number>((r) => server.getConnections((_e, n) => r(n)))) < 1) await new Promise((r) => setImmediate(r));
  t.after(() => {
    client.destroy();
    server.close();
  });

  const turns = new WriteTurns();
  const writes = [1, 2, 3].map((i) =>
    turns.next().then(() => {
      order.push(`write ${i}`);
      // the first write's handler runs while a read request reaches the server
      if (i === 1) client.write('DescribeLoadBalancerAttribute');
    }),
  );
  await Promise.all(writes);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, ['write 1', 'read', 'write 2', 'write 3']);
});
