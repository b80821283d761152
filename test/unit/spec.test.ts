// Parameter validation from the spec data (src/api/spec.ts) on real action specs: types, ranges,
// special values, enums, lengths, requiredWhen, rangeWhen, RepeatList and JSON-string lists, with
// the exact catalog error each violation answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionHolds, parseParams } from '../../src/api/spec.js';
import { SPECS } from '../../src/products/slb/specs.js';
import { ApiError, apiError } from '../../src/errors/catalog.js';

const MISSING = (n: string) => `MissingParameter: The input parameter "${n}" that is mandatory for processing this request is not supplied.`;
const BAD_TYPE = 'InvalidParameter: Specified parameter is not valid.';
const BAD_VALUE = 'InvalidParameter: The specified parameter is not valid.';
const BAD_LENGTH = 'InvalidParameterLength: The specified parameter length is not valid.';

function run(action: string, raw: Record<string, string>, overrides = {}): Record<string, unknown> | string {
  try {
    return parseParams(action, raw, overrides, SPECS[action]);
  } catch (e) {
    assert.ok(e instanceof ApiError, `a catalog error, not ${String(e)}`);
    return `${e.code}: ${e.text}`;
  }
}

const TCP = { LoadBalancerId: 'lb-1', ListenerPort: '80', Bandwidth: '10', BackendServerPort: '8080' };

test('integers: trimmed decimal text, ranges, special values; anything else is a type error', () => {
  assert.deepEqual(run('CreateLoadBalancerTCPListener', TCP), { LoadBalancerId: 'lb-1', ListenerPort: 80, Bandwidth: 10, BackendServerPort: 8080 });
  assert.equal((run('CreateLoadBalancerTCPListener', { ...TCP, ListenerPort: ' 443 ' }) as Record<string, unknown>)['ListenerPort'], 443);
  // Bandwidth: 1..5120, plus the special value -1 (no limit)
  assert.equal((run('CreateLoadBalancerTCPListener', { ...TCP, Bandwidth: '-1' }) as Record<string, unknown>)['Bandwidth'], -1);
  assert.equal((run('CreateLoadBalancerTCPListener', { ...TCP, Bandwidth: '5120' }) as Record<string, unknown>)['Bandwidth'], 5120);
  for (const v of ['0', '5121', '-2']) assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, Bandwidth: v }), BAD_VALUE, v);
  for (const v of ['65536', '0']) assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, ListenerPort: v }), BAD_VALUE, v);
  for (const v of ['80.0', '1e2', '0x50', 'eighty', '8 0', '+80', '99999999999999999999', '9007199254740993', '-9007199254740993']) {
    assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, ListenerPort: v }), BAD_TYPE, v);
  }
});

test('booleans: true/false in any case', () => {
  assert.equal((run('CreateLoadBalancerTCPListener', { ...TCP, ProxyProtocolV2Enabled: 'TRUE' }) as Record<string, unknown>)['ProxyProtocolV2Enabled'], true);
  assert.equal((run('CreateLoadBalancerTCPListener', { ...TCP, ProxyProtocolV2Enabled: 'false' }) as Record<string, unknown>)['ProxyProtocolV2Enabled'], false);
  for (const v of ['yes', '1', 'on']) assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, ProxyProtocolV2Enabled: v }), BAD_TYPE, v);
});

test('enums are exact (case-sensitive); empty optional values count as absent', () => {
  assert.equal((run('CreateLoadBalancerTCPListener', { ...TCP, Scheduler: 'wrr' }) as Record<string, unknown>)['Scheduler'], 'wrr');
  for (const v of ['WRR', 'random', ' wrr']) assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, Scheduler: v }), BAD_VALUE, v);
  assert.equal(run('CreateLoadBalancer', { RegionId: 'cn-hangzhou', AddressType: 'Internet' }), BAD_VALUE);
  const r = run('CreateLoadBalancerTCPListener', { ...TCP, Scheduler: '', EstablishedTimeout: '' }) as Record<string, unknown>;
  assert.equal(r['EstablishedTimeout'], undefined);
});

test('string lengths count characters, not bytes', () => {
  assert.equal((run('CreateLoadBalancerTCPListener', { ...TCP, Description: '中'.repeat(256) }) as Record<string, unknown>)['Description'], '中'.repeat(256));
  assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, Description: 'x'.repeat(257) }), BAD_LENGTH);
  assert.equal(run('CreateLoadBalancer', { RegionId: 'cn-hangzhou', LoadBalancerName: 'n'.repeat(81) }), BAD_LENGTH);
});

test('required and requiredWhen: MissingParameter names the parameter, checked before any value', () => {
  assert.equal(run('CreateLoadBalancerTCPListener', { ListenerPort: 'junk', VServerGroupId: 'rsp-1' }), MISSING('Bandwidth'));
  assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, LoadBalancerId: '' }), MISSING('LoadBalancerId'));
  // AclStatus=on requires AclId (and AclType); off does not
  assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, AclStatus: 'on', AclType: 'white' }), MISSING('AclId'));
  assert.equal(typeof run('CreateLoadBalancerTCPListener', { ...TCP, AclStatus: 'off' }), 'object');
  // BackendServerPort is required only while VServerGroupId is absent
  const { BackendServerPort: _drop, ...noPort } = TCP;
  assert.equal(run('CreateLoadBalancerTCPListener', noPort), MISSING('BackendServerPort'));
  assert.equal(typeof run('CreateLoadBalancerTCPListener', { ...noPort, VServerGroupId: 'rsp-1' }), 'object');
  // ConnectionDrain=on requires ConnectionDrainTimeout
  assert.equal(run('CreateLoadBalancerTCPListener', { ...TCP, ConnectionDrain: 'on' }), MISSING('ConnectionDrainTimeout'));
  // a required RepeatList is missing as Name.1
  assert.equal(run('CreateTLSCipherPolicy', { RegionId: 'cn-hangzhou', Name: 'p', 'Ciphers.1': 'ECDHE-RSA-AES128-GCM-SHA256' }), MISSING('TLSVersions.1'));
});

test('conditionHolds: A=x, A absent, and-ed; unknown shapes are not enforced', () => {
  assert.equal(conditionHolds('A=x', { A: 'x' }), true);
  assert.equal(conditionHolds('A=x', { A: 'y' }), false);
  assert.equal(conditionHolds('A absent', {}), true);
  assert.equal(conditionHolds('A absent', { A: '' }), true);
  assert.equal(conditionHolds('A absent', { A: '1' }), false);
  assert.equal(conditionHolds('A=x and B=y', { A: 'x', B: 'y' }), true);
  assert.equal(conditionHolds('A=x and B=y', { A: 'x', B: 'z' }), false);
  assert.equal(conditionHolds('the endpoint is international', {}), undefined);
});

test('rangeWhen: the range depends on another parameter (Duration by PricingCycle)', () => {
  const lb = { RegionId: 'cn-hangzhou' };
  assert.equal((run('CreateLoadBalancer', { ...lb, PricingCycle: 'month', Duration: '9' }) as Record<string, unknown>)['Duration'], 9);
  assert.equal(run('CreateLoadBalancer', { ...lb, PricingCycle: 'month', Duration: '10' }), BAD_VALUE);
  assert.equal((run('CreateLoadBalancer', { ...lb, PricingCycle: 'year', Duration: '5' }) as Record<string, unknown>)['Duration'], 5);
  assert.equal(run('CreateLoadBalancer', { ...lb, PricingCycle: 'year', Duration: '6' }), BAD_VALUE);
  assert.equal(run('CreateLoadBalancer', { ...lb, PricingCycle: 'year', Duration: '0' }), BAD_VALUE);
});

test('RepeatList: Name.N in index order, Name.N.Field with case-insensitive fields; junk keys ignored; limits', () => {
  const base = { RegionId: 'cn-hangzhou', ResourceType: 'instance' };
  const r = run('ListTagResources', {
    ...base,
    'ResourceId.3': 'c',
    'ResourceId.1': 'a',
    'ResourceId.2': 'b',
    'Tag.1.Key': 'k',
    'Tag.1.Value': 'v',
    'Tag.2.key': 'k2',
    'Tag.0.Key': 'ignored: index 0',
    'Tag.x.Key': 'ignored: not an index',
    'Tag.3': 'ignored: object list without a field',
    'Tag.4.Colour': 'ignored: unknown field',
    'ResourceId.1.Sub': 'ignored: scalar list with a field',
  }) as Record<string, unknown>;
  assert.deepEqual(r['ResourceId'], ['a', 'b', 'c']);
  assert.deepEqual(r['Tag'], [{ Key: 'k', Value: 'v' }, { Key: 'k2' }]);
  // sparse indexes keep their order
  assert.deepEqual((run('ListTagResources', { ...base, 'ResourceId.10': 'j', 'ResourceId.2': 'b' }) as Record<string, unknown>)['ResourceId'], ['b', 'j']);
  // at most 20 items, element fields have their own lengths
  const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`ResourceId.${i + 1}`, `lb-${i}`]));
  assert.equal(run('ListTagResources', { ...base, ...many }), BAD_VALUE);
  assert.equal(run('ListTagResources', { ...base, 'Tag.1.Key': 'k'.repeat(65) }), BAD_LENGTH);
  assert.equal(run('ListTagResources', { ...base, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v'.repeat(129) }), BAD_LENGTH);
  // a per-parameter override replaces the default error
  const custom = apiError('InvalidParameter', 'Specified parameter is not valid.');
  assert.equal(run('ListTagResources', { ...base, ...many }, { ResourceId: { tooMany: () => custom } }), BAD_TYPE);
});

test('JSON-string parameters: lenient parsing, item limits, broken text', () => {
  const r = run('AddBackendServers', {
    LoadBalancerId: 'lb-1',
    BackendServers: `[{'ServerId':'i-x','Port':'80','Weight':'100', 'Type': 'ecs'}, null, {"serverId":"i-y","weight":100,"NodeName":null,"port":30080,"Invalid":false}]`,
  }) as Record<string, unknown>;
  assert.deepEqual(r['BackendServers'], [
    { ServerId: 'i-x', Port: '80', Weight: '100', Type: 'ecs' },
    { ServerId: 'i-y', Weight: 100, Port: 30080 },
  ]);
  assert.deepEqual((run('DeleteRules', { RegionId: 'cn-hangzhou', RuleIds: `['rule-a', "rule-b"]` }) as Record<string, unknown>)['RuleIds'], ['rule-a', 'rule-b']);
  for (const bad of [`['rule-a'`, `rule-a`, `[{"a":1}]`, `{{}}`]) assert.equal(run('DeleteRules', { RegionId: 'cn-hangzhou', RuleIds: bad }), BAD_VALUE, bad);
  const eleven = JSON.stringify(Array.from({ length: 11 }, (_, i) => `rule-${i}`));
  assert.equal(run('DeleteRules', { RegionId: 'cn-hangzhou', RuleIds: eleven }), BAD_VALUE);
  const tooMany = apiError('InvalidParameter', 'Specified parameter is not valid.');
  assert.equal(run('DeleteRules', { RegionId: 'cn-hangzhou', RuleIds: eleven }, { RuleIds: { tooMany: () => tooMany } }), BAD_TYPE);
  assert.equal(run('DeleteRules', { RegionId: 'cn-hangzhou', RuleIds: '[' }, { RuleIds: { malformed: () => tooMany } }), BAD_TYPE);
});

test('unknown parameters and unknown actions: ignored, never an error', () => {
  const r = run('DescribeRegions', { AcceptLanguage: 'en-US', Foo: 'bar', OwnerId: '1', 'Tag.1.Key': 'x' }) as Record<string, unknown>;
  assert.deepEqual(r, { AcceptLanguage: 'en-US' });
  assert.deepEqual(run('NoSuchAction', { A: 'b' }), {});
  assert.equal(Object.keys(SPECS).length, 93);
});
