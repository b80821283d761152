// The RAM policy language (src/world/ram-policy.ts) and the action → resource table
// (src/gateway/authorize.ts resourcesOf) as pure logic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionHolds, evaluate, parsePolicy, PolicyError, wildcard, type RequestContext } from '../../src/world/ram-policy.js';

const req = (over: Partial<RequestContext> = {}): RequestContext => ({ action: 'slb:DescribeLoadBalancers', sourceIp: '127.0.0.1', currentTime: Date.parse('2026-06-01T00:00:00Z'), secureTransport: false, accessKeyId: 'LTAIx', ...over });
const res = (arn = 'acs:slb:cn-hangzhou:1:loadbalancer/lb-1', tags?: Record<string, string>) => ({ arn, ...(tags ? { tags } : {}) });
const doc = (...Statement: unknown[]) => parsePolicy({ Version: '1', Statement });

test('wildcards: * any run, ? one character, case per caller', () => {
  assert.ok(wildcard('slb:Describe*', 'slb:DescribeLoadBalancers', false));
  assert.ok(wildcard('slb:Describe?oadBalancers', 'slb:DescribeLoadBalancers', false));
  assert.ok(!wildcard('slb:Describe?', 'slb:DescribeLoadBalancers', false));
  assert.ok(wildcard('SLB:describe*', 'slb:DescribeLoadBalancers', true));
  assert.ok(!wildcard('SLB:describe*', 'slb:DescribeLoadBalancers', false));
  assert.ok(wildcard('acs:slb:*:*:loadbalancer/(a)', 'acs:slb:x:y:loadbalancer/(a)', false), 'regex characters are literal');
});

test('parsePolicy: accepts the documented shapes, refuses broken ones with a reason', () => {
  const p = parsePolicy('{"Version":"1","Statement":{"Effect":"Allow","Action":"slb:*","Resource":"*"}}');
  assert.deepEqual(p.Statement[0], { Effect: 'Allow', Action: ['slb:*'], Resource: ['*'] });
  const c = doc({ Effect: 'Deny', Action: ['slb:Delete*'], Resource: '*', Condition: { ipaddress: { 'acs:SourceIp': ['10.0.0.0/8', '192.168.1.1'] } } });
  assert.deepEqual(c.Statement[0]!.Condition, { IpAddress: { 'acs:SourceIp': ['10.0.0.0/8', '192.168.1.1'] } });
  for (const bad of ['[]', '{"Version":"1"}', '{"Version":"1","Statement":[{"Effect":"Allow","Action":"slb:*"}]}', '{"Version":"1","Statement":[{"Effect":"Allow","Action":"slb","Resource":"*"}]}', '{"Version":"1","Statement":[{"Effect":"Allow","Action":"slb:*","Resource":"lb-1"}]}']) {
    assert.throws(() => parsePolicy(bad), PolicyError, bad);
  }
  assert.throws(() => doc({ Effect: 'Allow', Action: 'slb:*', Resource: '*', Condition: { DateLessThan: { 'acs:CurrentTime': 'tomorrow' } } }), PolicyError);
  assert.throws(() => doc({ Effect: 'Allow', Action: 'slb:*', Resource: '*', Condition: { Bool: { 'acs:SecureTransport': 'yes' } } }), PolicyError);
});

test('evaluate: explicit Deny wins, no Allow is an implicit deny, every resource must be allowed', () => {
  const allowAll = doc({ Effect: 'Allow', Action: 'slb:*', Resource: '*' });
  const denyDelete = doc({ Effect: 'Deny', Action: 'slb:Delete*', Resource: '*' });
  assert.equal(evaluate([allowAll], req(), [res()]), 'Allow');
  assert.equal(evaluate([allowAll, denyDelete], req({ action: 'slb:DeleteLoadBalancer' }), [res()]), 'ExplicitDeny');
  assert.equal(evaluate([denyDelete], req(), [res()]), 'ImplicitDeny');
  const one = doc({ Effect: 'Allow', Action: 'slb:*', Resource: 'acs:slb:*:*:loadbalancer/lb-1' });
  assert.equal(evaluate([one], req(), [res(), res('acs:slb:cn-hangzhou:1:certificate/c-1')]), 'ImplicitDeny');
  const both = doc({ Effect: 'Allow', Action: 'slb:*', Resource: ['acs:slb:*:*:loadbalancer/lb-1', 'acs:slb:*:*:certificate/*'] });
  assert.equal(evaluate([both], req(), [res(), res('acs:slb:cn-hangzhou:1:certificate/c-1')]), 'Allow');
  const notAction = doc({ Effect: 'Allow', NotAction: 'slb:Delete*', Resource: '*' });
  assert.equal(evaluate([notAction], req(), [res()]), 'Allow');
  assert.equal(evaluate([notAction], req({ action: 'slb:DeleteLoadBalancer' }), [res()]), 'ImplicitDeny');
  assert.equal(evaluate([allowAll], req(), []), 'ImplicitDeny');
});

test('conditions: operators, keys, missing keys, negation', () => {
  const c = (Condition: Record<string, Record<string, string[]>>, r = req(), rr = res()) => conditionHolds(Condition, r, rr);
  assert.ok(c({ IpAddress: { 'acs:SourceIp': ['127.0.0.0/8'] } }));
  assert.ok(c({ IpAddress: { 'acs:SourceIp': ['127.0.0.1/8'] } }), 'host bits in a policy block are tolerated');
  assert.ok(c({ IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } }, req({ sourceIp: '::ffff:10.1.2.3' })));
  assert.ok(!c({ IpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } }));
  assert.ok(!c({ NotIpAddress: { 'acs:SourceIp': ['127.0.0.1'] } }));
  assert.ok(c({ NotIpAddress: { 'acs:SourceIp': ['10.0.0.0/8'] } }));
  assert.ok(c({ DateLessThan: { 'acs:CurrentTime': ['2027-01-01T00:00:00Z'] } }));
  assert.ok(!c({ DateGreaterThan: { 'acs:CurrentTime': ['2027-01-01T00:00:00Z'] } }));
  assert.ok(c({ Bool: { 'acs:SecureTransport': ['true'] } }, req({ secureTransport: true })));
  assert.ok(!c({ Bool: { 'acs:SecureTransport': ['true'] } }));
  assert.ok(c({ StringEquals: { 'slb:tag/env': ['prod', 'stage'] } }, req(), res(undefined, { env: 'stage' })));
  assert.ok(!c({ StringEquals: { 'slb:tag/env': ['prod'] } }, req(), res(undefined, { env: 'Prod' })));
  assert.ok(c({ StringEqualsIgnoreCase: { 'acs:ResourceTag/env': ['prod'] } }, req(), res(undefined, { env: 'Prod' })));
  assert.ok(c({ StringLike: { 'acs:RequestTag/team': ['web-*'] } }, req({ requestTags: { team: 'web-1' } })));
  assert.ok(!c({ StringEquals: { 'slb:tag/env': ['prod'] } }), 'a key the request lacks fails the condition');
  assert.ok(!c({ StringNotEquals: { 'slb:tag/env': ['prod'] } }), 'for negated operators too');
  assert.ok(c({ StringNotEquals: { 'slb:tag/env': ['prod'] } }, req(), res(undefined, { env: 'dev' })));
  assert.ok(!c({ StringEquals: { 'acs:Unknown': ['x'] } }));
  assert.ok(!c({ IpAddress: { 'acs:SourceIp': ['127.0.0.0/8'] }, Bool: { 'acs:SecureTransport': ['true'] } }), 'all operators must hold');
});
