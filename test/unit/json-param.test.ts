// Lenient JSON-string parameters (reference/protocol.md §8, client-behaviours.md): what
// Terraform, the Kubernetes CCM and the SDKs really send must parse; broken text must not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intField, parseJsonList, parseLenientJson, strField } from '../../src/util/json-param.js';

const BACKEND = [{ name: 'ServerId' }, { name: 'Weight' }, { name: 'Port' }, { name: 'Type' }, { name: 'Description' }];

test('parseLenientJson: JSON plus single-quoted strings', () => {
  assert.deepEqual(parseLenientJson(`{'a':[1,{'b':'\\u4e2d'}],"c":-1.5e3,'d':null,'e':true,'f':false}`), { a: [1, { b: '中' }], c: -1500, d: null, e: true, f: false });
  assert.deepEqual(parseLenientJson(`  [ 'x' , "y" ]  `), ['x', 'y']);
  assert.deepEqual(parseLenientJson(`['it\\'s', "say \\"hi\\"", 'a"b', "a'b"]`), ["it's", 'say "hi"', 'a"b', "a'b"]);
  assert.deepEqual(parseLenientJson('[]'), []);
  assert.deepEqual(parseLenientJson('{}'), {});
  assert.equal(parseLenientJson('"中文"'), '中文');
});

test('parseLenientJson: broken text is undefined, never an exception', () => {
  for (const bad of [
    '',
    '[',
    "['a'",
    "['a',]",
    '[1 2]',
    '{a:1}',
    "{'a' 1}",
    "{'a':1,}",
    "['unterminated]",
    "['bad escape \\x41']",
    "['\\u12']",
    '[1]x',
    'undefined',
    'NaN',
    '[[[[[[[[[[1]]]]]]]]]]', // deeper than the nesting limit
    '\u0000',
  ]) {
    assert.equal(parseLenientJson(bad), undefined, JSON.stringify(bad));
  }
});

test('parseJsonList: Terraform single-quoted pseudo-JSON with numbers as strings and stray spaces', () => {
  assert.deepEqual(parseJsonList(`[{'ServerId':'i-x','Port':'80','Weight':'100', 'Type': 'ecs'}]`, BACKEND), [{ ServerId: 'i-x', Port: '80', Weight: '100', Type: 'ecs' }]);
});

test('parseJsonList: CCM lower-camel keys, unrelated extra keys and nulls', () => {
  const ccm = `[{"IsUserManaged":false,"NodeName":null,"description":"k8s","serverId":"i-x","serverIp":"","weight":100,"port":30080,"type":"ecs","TargetRef":null,"Invalid":false}, null]`;
  assert.deepEqual(parseJsonList(ccm, BACKEND), [{ Description: 'k8s', ServerId: 'i-x', Weight: 100, Port: 30080, Type: 'ecs' }]);
  // key case does not matter, a null value is the same as an absent key
  assert.deepEqual(parseJsonList(`[{"SERVERID":"i-1","weight":null}]`, BACKEND), [{ ServerId: 'i-1' }]);
  // a single object is a one-element list
  assert.deepEqual(parseJsonList(`{"serverid":"i-1"}`, BACKEND), [{ ServerId: 'i-1' }]);
  assert.deepEqual(parseJsonList('[]', BACKEND), []);
});

test('parseJsonList: wrong shapes are undefined', () => {
  assert.equal(parseJsonList(`[{"ServerId":{"nested":1}}]`, BACKEND), undefined);
  assert.equal(parseJsonList(`[{"ServerId":["i-1"]}]`, BACKEND), undefined);
  assert.equal(parseJsonList(`["i-1"]`, BACKEND), undefined);
  assert.equal(parseJsonList(`[[{"ServerId":"i-1"}]]`, BACKEND), undefined);
  assert.equal(parseJsonList(`"i-1"`, BACKEND), undefined);
  assert.equal(parseJsonList(`42`, BACKEND), undefined);
  assert.equal(parseJsonList(`[{'ServerId':'i-1'}`, BACKEND), undefined);
});

test('parseJsonList: lists of strings (RuleIds) take numbers as strings and refuse objects', () => {
  assert.deepEqual(parseJsonList(`['rule-a', "rule-b", 3, null]`, undefined, 'String'), ['rule-a', 'rule-b', '3']);
  assert.deepEqual(parseJsonList(`["rule-a"]`, undefined), ['rule-a']);
  assert.equal(parseJsonList(`[{"RuleId":"rule-a"}]`, undefined, 'String'), undefined);
  assert.equal(parseJsonList(`[true]`, undefined, 'String'), undefined);
});

test('intField: numbers and numeric strings; fractions, junk and huge values are refused', () => {
  assert.equal(intField({ Port: 80 }, 'Port'), 80);
  assert.equal(intField({ Port: '80' }, 'Port'), 80);
  assert.equal(intField({ Port: ' 443 ' }, 'Port'), 443);
  assert.equal(intField({ Port: '-1' }, 'Port'), -1);
  assert.equal(intField({}, 'Port'), undefined);
  assert.equal(intField({ Port: '' }, 'Port'), undefined);
  assert.equal(intField({ Port: 80.5 }, 'Port'), null);
  assert.equal(intField({ Port: '80.0' }, 'Port'), null);
  assert.equal(intField({ Port: '8e1' }, 'Port'), null);
  assert.equal(intField({ Port: 'eighty' }, 'Port'), null);
  assert.equal(intField({ Port: true }, 'Port'), null);
  assert.equal(intField({ Port: '9999999999999999999999' }, 'Port'), null);
  assert.equal(intField({ Port: 1e20 }, 'Port'), null, 'a JSON number beyond 2^53 is not an integer we can hold');
  assert.equal(intField({ Port: 2 ** 53 }, 'Port'), null);
  const parsed = parseJsonList(`[{"Port": 99999999999999999999999}]`, BACKEND)!;
  assert.equal(intField(parsed[0] as Record<string, number>, 'Port'), null);
});

test('strField: strings, numbers and booleans as text; absent and null are undefined', () => {
  assert.equal(strField({ Type: 'ecs' }, 'Type'), 'ecs');
  assert.equal(strField({ Weight: 100 }, 'Weight'), '100');
  assert.equal(strField({ X: false }, 'X'), 'false');
  assert.equal(strField({ X: null }, 'X'), undefined);
  assert.equal(strField({}, 'X'), undefined);
});
