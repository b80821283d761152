// Response shaping (src/api/shape.ts): wire types by the response tree, list wrappers always
// present at the top, values that already have their shape passed through as themselves, and the
// handler's objects never changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shapeResponse } from '../../src/api/shape.js';
import type { ResponseNode } from '../../src/api/spec.js';

const server: ResponseNode[] = [
  { name: 'ServerId', type: 'String' },
  { name: 'Weight', type: 'Integer' },
];
const lb: ResponseNode[] = [
  { name: 'LoadBalancerId', type: 'String' },
  { name: 'Bandwidth', type: 'Integer' },
  { name: 'SpecBpsFlag', type: 'Boolean' },
  { name: 'BackendServers', type: 'List', itemKey: 'BackendServer', items: { type: 'Object', fields: server } },
  { name: 'Ports', type: 'Array', wrapper: false, items: { type: 'Integer' } },
];
const tree: ResponseNode[] = [
  { name: 'TotalCount', type: 'Integer' },
  { name: 'LoadBalancers', type: 'List', itemKey: 'LoadBalancer', items: { type: 'Object', fields: lb } },
  { name: 'Ids', type: 'Array', wrapper: false, items: { type: 'String' } },
  { name: 'OldOnly', type: 'List', itemKey: 'X', inV2Model: false },
];

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

test('shapeResponse: wire types by the tree; undefined fields dropped; the given objects untouched', () => {
  const given = deepFreeze({
    TotalCount: '2',
    LoadBalancers: {
      LoadBalancer: [
        { LoadBalancerId: 'lb-1', Bandwidth: 5120, SpecBpsFlag: false, BackendServers: { BackendServer: [{ ServerId: 'i-1', Weight: '100' }] }, Ports: [80] },
        { LoadBalancerId: 7, Bandwidth: '-1', SpecBpsFlag: 'true', Gone: undefined, BackendServers: [{ ServerId: 'i-2', Weight: 50 }], Ports: ['443'] },
      ],
    },
    Extra: 'kept',
  });
  const before = JSON.stringify(given);
  const out = shapeResponse(tree, given as unknown as Record<string, unknown>);
  assert.deepEqual(out, {
    TotalCount: 2,
    LoadBalancers: {
      LoadBalancer: [
        { LoadBalancerId: 'lb-1', Bandwidth: 5120, SpecBpsFlag: false, BackendServers: { BackendServer: [{ ServerId: 'i-1', Weight: 100 }] }, Ports: [80] },
        { LoadBalancerId: '7', Bandwidth: -1, SpecBpsFlag: true, BackendServers: { BackendServer: [{ ServerId: 'i-2', Weight: 50 }] }, Ports: [443] },
      ],
    },
    Extra: 'kept',
    Ids: [],
  });
  // key order kept (what JSON shows), the dropped field absent rather than undefined
  assert.deepEqual(Object.keys((out['LoadBalancers'] as { LoadBalancer: object[] }).LoadBalancer[1]!), ['LoadBalancerId', 'Bandwidth', 'SpecBpsFlag', 'BackendServers', 'Ports']);
  assert.equal(JSON.stringify(given), before);
});

test('shapeResponse: what already has its shape comes back as itself, a changed part is a copy', () => {
  const first = { LoadBalancerId: 'lb-1', Bandwidth: 1, SpecBpsFlag: false, BackendServers: { BackendServer: [{ ServerId: 'i-1', Weight: 100 }] }, Ports: [80] };
  const second = { LoadBalancerId: 'lb-2', Bandwidth: 2, SpecBpsFlag: false, BackendServers: { BackendServer: [] }, Ports: [] };
  const list = { LoadBalancer: [first, second] };
  const given = deepFreeze({ TotalCount: 2, LoadBalancers: list, Ids: ['a'] });
  const out = shapeResponse(tree, given);
  assert.equal(out, given, 'the top level had nothing to change or add');
  const changed = deepFreeze({ TotalCount: 2, LoadBalancers: { LoadBalancer: [first, { ...second, Bandwidth: '2' }] }, Ids: ['a'] });
  const out2 = shapeResponse(tree, changed) as { LoadBalancers: { LoadBalancer: object[] } };
  assert.notEqual(out2, changed);
  assert.equal(out2.LoadBalancers.LoadBalancer[0], first, 'an unchanged item is itself');
  assert.deepEqual(out2.LoadBalancers.LoadBalancer[1], { ...second, Bandwidth: 2 });
  // a wrapper with something beside its list is trimmed to the list
  const odd = deepFreeze({ TotalCount: 1, LoadBalancers: { LoadBalancer: [first], Stray: 1 }, Ids: [] });
  assert.deepEqual(shapeResponse(tree, odd)['LoadBalancers'], { LoadBalancer: [first] });
});

test('shapeResponse: list wrappers at the top are present even when the handler left them out (not old-model ones)', () => {
  const given = deepFreeze({ TotalCount: 0 });
  const out = shapeResponse(tree, given);
  assert.deepEqual(out, { TotalCount: 0, LoadBalancers: { LoadBalancer: [] }, Ids: [] });
  assert.deepEqual(given, { TotalCount: 0 });
  // a list given as a bare array, or as a wrapper whose list is missing
  assert.deepEqual(shapeResponse(tree, { LoadBalancers: [] })['LoadBalancers'], { LoadBalancer: [] });
  assert.deepEqual(shapeResponse(tree, { LoadBalancers: { Other: [1] } })['LoadBalancers'], { LoadBalancer: [] });
});
