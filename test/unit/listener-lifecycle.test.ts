// The listener state machine and the listener rules that need no server: transitions, the busy
// code of every (operation, state) pair, each completion policy, and the health-query lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterDelay, begin, busyError, displayStatus, HeldTransitions, targetStatus, immediate, observe, observeOnce, setLifecyclePolicy, type ListenerOp } from '../../src/products/slb/services/listener-lifecycle.js';
import { checkBandwidth, parseSourceItems, requireHealthCheckedListener } from '../../src/products/slb/services/listeners.js';
import { KINDS, listenerId, type ListenerDoc, type LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';

const fresh = (): ListenerDoc => ({ LoadBalancerId: 'lb-1', ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'stopped' });

test('Start → starting → running and Stop → stopping → stopped under the default policy (second observation)', () => {
  const restore = setLifecyclePolicy(observeOnce);
  try {
    const l = fresh();
    begin(l, 'start', 0, 'start');
    assert.equal(l.Status, 'starting');
    assert.equal(observe(l, 0), true);
    assert.equal(l.Status, 'starting', 'the first observer still sees the transition');
    observe(l, 0);
    assert.equal(l.Status, 'running');
    assert.equal(l.Pending, undefined);
    assert.equal(observe(l, 0), false, 'a settled listener needs no write');
    begin(l, 'set', 0, 'set:x');
    assert.equal(l.Status, 'configuring');
    observe(l, 0);
    observe(l, 0);
    assert.equal(l.Status, 'running');
    begin(l, 'stop', 0, 'stop');
    assert.equal(l.Status, 'stopping');
    observe(l, 0);
    observe(l, 0);
    assert.equal(l.Status, 'stopped');
    begin(l, 'set', 0, 'set:y');
    assert.equal(l.Status, 'stopped', 'a change to a stopped listener has nothing to apply');
    begin(l, 'stop', 0, 'stop');
    assert.equal(l.Status, 'stopped', 'Stop on a stopped listener changes nothing');
  } finally {
    restore();
  }
});

test('afterDelay completes by the injected clock; immediate never shows a transition; held waits for release', () => {
  const clock = new ManualClock(1_000);
  let restore = setLifecyclePolicy(afterDelay(500));
  const l = fresh();
  begin(l, 'start', clock.now(), 'start');
  for (let i = 0; i < 5; i++) observe(l, clock.now());
  assert.equal(l.Status, 'starting');
  clock.advance(499);
  observe(l, clock.now());
  assert.equal(l.Status, 'starting');
  clock.advance(1);
  observe(l, clock.now());
  assert.equal(l.Status, 'running');
  restore();

  restore = setLifecyclePolicy(immediate);
  begin(l, 'stop', clock.now(), 'stop');
  observe(l, clock.now());
  assert.equal(l.Status, 'stopped');
  restore();

  const held = new HeldTransitions();
  restore = setLifecyclePolicy(held);
  begin(l, 'start', clock.now(), 'start');
  for (let i = 0; i < 10; i++) observe(l, clock.now());
  assert.equal(l.Status, 'starting');
  held.release();
  observe(l, clock.now());
  assert.equal(l.Status, 'running');
  restore();
});

test('busy code of every operation in every transitional state', () => {
  const table: Record<string, Record<ListenerOp, string | undefined>> = {
    starting: { start: 'ProcessingSameRequest', stop: 'ServiceIsConfiguring', set: 'OperationFailed.ListenerStatusNotSupport', delete: 'ServiceIsConfiguring', whitelist: 'ServiceIsConfiguring' },
    configuring: { start: 'Operation.Deny', stop: 'ServiceIsConfiguring', set: 'OperationFailed.ListenerStatusNotSupport', delete: 'ServiceIsConfiguring', whitelist: 'ServiceIsConfiguring' },
    stopping: { start: 'ServiceIsStopping', stop: 'ProcessingSameRequest', set: 'ServiceIsStopping', delete: 'ServiceIsStopping', whitelist: 'ServiceIsStopping' },
    running: { start: undefined, stop: undefined, set: undefined, delete: undefined, whitelist: undefined },
    stopped: { start: undefined, stop: undefined, set: undefined, delete: undefined, whitelist: undefined },
  };
  for (const [status, row] of Object.entries(table)) {
    for (const [op, code] of Object.entries(row)) {
      const l = { ...fresh(), Status: status as ListenerDoc['Status'], Pending: { op: 'other', target: 'running' as const, since: 0, observed: 0 } };
      assert.equal(busyError(l, op as ListenerOp)?.code, code, `${op} while ${status}`);
    }
  }
  const l = { ...fresh(), Status: 'configuring' as const, Pending: { op: 'set:same', target: 'running' as const, since: 0, observed: 0 } };
  assert.equal(busyError(l, 'set', 'set:same')?.code, 'ProcessingSameRequest', 'the same request while it is applied');
  assert.equal(busyError(l, 'stop', 'stop')?.http, 400);
  assert.equal(busyError({ ...l, Status: 'stopping' }, 'delete')?.http, 409);
});

test('bandwidth against the instance and legacy whitelist items', () => {
  const lb = { InternetChargeType: 'paybybandwidth', Bandwidth: 10 } as LoadBalancerDoc;
  assert.throws(() => checkBandwidth(0, lb, []), (e: Error) => e.message === 'InvalidParameter: The specified bandwidth is not valid.');
  assert.throws(() => checkBandwidth(-1, lb, []), (e: Error) => e.message === 'InvalidParameter: The listen bandwidth is not Support');
  assert.throws(() => checkBandwidth(6, lb, [{ ...fresh(), Bandwidth: 5 }]), /exceeds the maximum bandwidth/);
  checkBandwidth(5, lb, [{ ...fresh(), Bandwidth: 5 }, { ...fresh(), Bandwidth: -1 }]);
  checkBandwidth(-1, { ...lb, InternetChargeType: 'paybytraffic' }, []);
  assert.deepEqual(parseSourceItems('1.2.3.4, 10.0.0.0/8,::1,2001:db8::/32,1.2.3.4'), ['1.2.3.4', '10.0.0.0/8', '::1', '2001:db8::/32']);
  for (const bad of ['', '1.2.3', '1.2.3.4/33', '256.1.1.1', '::1/129', 'host', '1.2.3.4/8/9', '1.1.1.1,,2.2.2.2']) {
    assert.throws(() => parseSourceItems(bad), /The specified SourceItems is invalid/, bad);
  }
});

test('a health query on a port without a listener is CheckedListenerNotFound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-lsn-'));
  const store = new SqliteStore(join(dir, 'db'));
  try {
    const scope = { account: 'a', region: 'cn-hangzhou' };
    await store.write((tx) => tx.put(KINDS.listener, scope, listenerId('lb-1', 'udp', 53), { ...fresh(), ListenerPort: 53, ListenerProtocol: 'udp' }));
    const found = await store.read((tx) => requireHealthCheckedListener(tx, scope, 'lb-1', 53));
    assert.equal(found.length, 1);
    await assert.rejects(store.read((tx) => requireHealthCheckedListener(tx, scope, 'lb-1', 54)), (e: Error & { code?: string; http?: number }) => e.code === 'CheckedListenerNotFound' && e.http === 404);
    await assert.rejects(store.read((tx) => requireHealthCheckedListener(tx, scope, 'lb-1', 53, 'tcp')), /No health-checked Listener to the specified port of the Load Balancer\./);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('displayStatus shows the transition; targetStatus is where it leads', () => {
  const restore = setLifecyclePolicy(observeOnce);
  try {
    const l = fresh();
    assert.deepEqual([displayStatus(l), targetStatus(l)], ['stopped', 'stopped']);
    begin(l, 'start', 0, 'start');
    assert.deepEqual([displayStatus(l), targetStatus(l)], ['starting', 'running']);
    observe(l, 0);
    observe(l, 0);
    begin(l, 'stop', 0, 'stop');
    assert.deepEqual([displayStatus(l), targetStatus(l)], ['stopping', 'stopped']);
  } finally {
    restore();
  }
});
