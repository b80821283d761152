// Keys kept per backend member, listener and child document are built flat (src/util/flat-key.ts):
// the same text as before, and a fraction of the memory a template literal's chain of
// concatenated strings keeps alive as a map key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flatKey } from '../../src/util/flat-key.js';
import { memberKey } from '../../src/dataplane/pool.js';
import { poolKey } from '../../src/dataplane/health/feed.js';
import { heldKey } from '../../src/dataplane/worker/held.js';
import { childKey, instanceRef, sharedRef } from '../../src/compile/compile-lb.js';
import { heapUsedAfterGc } from '../helpers/heap.js';

test('the keys read as they did', () => {
  assert.equal(memberKey('i-abc', '10.0.0.1', 80), 'i-abc@10.0.0.1:80');
  assert.equal(memberKey('i-abc', '::1', 8080), 'i-abc@[::1]:8080');
  assert.equal(poolKey('lb-1_tcp_80', null), 'lb-1_tcp_80|');
  assert.equal(poolKey('lb-1_http_80', 'rule-1'), 'lb-1_http_80|rule-1');
  assert.equal(heldKey('127.0.0.2', 443), '127.0.0.2|443');
  assert.equal(childKey('listener', 'acct', 'cn-hangzhou', 'lb-1_tcp_80'), 'listener\u0000acct\u0000cn-hangzhou\u0000lb-1_tcp_80');
  assert.equal(instanceRef('acct', 'cn-hangzhou', 'i-1'), 'inst:acct\u0000cn-hangzhou\u0000i-1');
  assert.equal(sharedRef('acl', 'acl-1'), 'acl:acl-1');
  assert.equal(flatKey(['a', 1, 'b'], '|'), 'a|1|b');
});

test('a flat key held in a map costs a fraction of a concatenated one', () => {
  const perKey = (make: (lb: string, server: string) => string): number => {
    const m = new Map<string, number>();
    const before = heapUsedAfterGc();
    for (let i = 0; i < 100_000; i++) m.set(make(`lb-${(1_000_000 + Math.floor(i / 10)).toString(36)}abcdefgh`, `i-${i.toString(36)}xyzxyzxyz`), i);
    const bytes = (heapUsedAfterGc() - before) / m.size;
    assert.equal(m.size, 100_000);
    return bytes;
  };
  const concatenated = perKey((lb, server) => `${lb}|80|tcp|${server}|80`);
  const flat = perKey((lb, server) => flatKey([lb, 80, 'tcp', server, 80], '|'));
  assert.ok(flat < concatenated / 2, `flat ${flat.toFixed(0)} B a key, concatenated ${concatenated.toFixed(0)}`);
});
