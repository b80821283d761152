// Rule syntax of src/products/slb/services/rules.ts: domains, URLs, names and one RuleList element.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors/catalog.js';
import { classifyUrl, isValidDomain, isValidRuleName, parseRuleItem, ruleKey } from '../../src/products/slb/services/rules.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return e.code;
  }
  return 'ok';
};

test('domains: exact and leading-wildcard host names up to 80 characters', () => {
  for (const d of ['example.com', 'www.example.com', '*.example.com', '*.a.b.example.com', 'EXAMPLE.com', 'localhost', 'a-b.c1.io', `${'a'.repeat(63)}.com`]) assert.ok(isValidDomain(d), d);
  for (const d of ['', '*', '*.', 'a.*.com', 'www.*', '-a.com', 'a-.com', 'a..com', '.a.com', 'a_b.com', 'a b.com', `${'a'.repeat(64)}.com`, `${'a.'.repeat(40)}com`, '~^www\\d+\\.example\\.com$']) assert.ok(!isValidDomain(d), d);
});

test('URLs: start with "/", documented characters, at most 80; "/" alone is not supported', () => {
  assert.equal(classifyUrl('/api'), 'ok');
  assert.equal(classifyUrl('/a-b/c.d%20?x&y#z'), 'ok');
  assert.equal(classifyUrl(`/${'a'.repeat(79)}`), 'ok');
  assert.equal(classifyUrl(`/${'a'.repeat(80)}`), 'malformed');
  for (const u of ['', 'api', '/a=b', '/a b', '/ä', '//x\n']) assert.equal(classifyUrl(u), 'malformed', u);
  assert.equal(classifyUrl('/'), 'unsupported');
});

test('rule names and rule identity', () => {
  assert.ok(isValidRuleName('tf-slb-rule'));
  assert.ok(isValidRuleName('a/b.c_d-1'));
  assert.ok(!isValidRuleName(''));
  assert.ok(!isValidRuleName('x'.repeat(41)));
  assert.ok(!isValidRuleName('名字'));
  assert.equal(ruleKey('A.Example.com', '/x'), ruleKey('a.example.com', '/x'));
  assert.notEqual(ruleKey('a.example.com', '/x'), ruleKey('a.example.com', '/X'));
  assert.notEqual(ruleKey(undefined, '/x'), ruleKey('x', undefined));
});

test('one RuleList element', () => {
  const r = parseRuleItem({ RuleName: ' n ', Domain: 'a.com', VServerGroupId: 'rsp-1', ListenerSync: 'off', Scheduler: 'rr', CookieTimeout: '60', HealthyThreshold: 3 });
  assert.deepEqual(r, { RuleName: 'n', Domain: 'a.com', Url: undefined, VServerGroupId: 'rsp-1', ListenerSync: 'off', overrides: { Scheduler: 'rr', CookieTimeout: 60, HealthyThreshold: 3 } });
  assert.equal(parseRuleItem({ RuleName: 'n', Url: '/a', VServerGroupId: 'rsp-1' }).ListenerSync, 'on');
  assert.equal(codeOf(() => parseRuleItem('rule')), 'RuleListMalformed');
  assert.equal(codeOf(() => parseRuleItem({ RuleName: 'n', Url: '/a', VServerGroupId: 'g', Scheduler: 'wlc' })), 'RuleListMalformed');
  assert.equal(codeOf(() => parseRuleItem({ RuleName: 'n', Url: '/a', VServerGroupId: 'g', CookieTimeout: 0 })), 'RuleListMalformed');
  assert.equal(codeOf(() => parseRuleItem({ RuleName: 'n', Url: '/a', VServerGroupId: 'g', HealthCheckInterval: '1.5' })), 'RuleListMalformed');
  assert.equal(codeOf(() => parseRuleItem({ RuleName: 'n', Domain: 'a_b', VServerGroupId: 'g' })), 'DomainMalformed');
  assert.equal(codeOf(() => parseRuleItem({ RuleName: 'n', Url: 'a', VServerGroupId: 'g' })), 'UrlMalformed');
  assert.equal(codeOf(() => parseRuleItem({ RuleName: 'n', Url: '/', VServerGroupId: 'g' })), 'URLNotSupport');
  // Empty strings count as absent.
  assert.equal(codeOf(() => parseRuleItem({ RuleName: 'n', Domain: '', Url: '', VServerGroupId: 'g' })), 'RuleListMalformed');
});
