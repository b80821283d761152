// Pure rules of the server groups: reading BackendServers lists and what health is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonList } from '../../src/util/json-param.js';
import { SPECS } from '../../src/products/slb/specs.js';
import { ApiError } from '../../src/errors/catalog.js';
import { MemoryHealthView, NO_OBSERVATIONS, reportedHealth } from '../../src/products/slb/services/health-view.js';
import { readServers } from '../../src/products/slb/services/server-groups.js';

const fields = SPECS['AddVServerGroupBackendServers']!.params.find((p) => p.name === 'BackendServers')!.jsonString!.elementFields;
const list = (text: string) => parseJsonList(text, fields)!;
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError);
    return `${e.code}: ${e.text}`;
  }
  assert.fail('expected a failure');
};

test('readServers takes Terraform, CCM and SDK forms alike', () => {
  const tf = readServers(list("[{'ServerId':'i-a','Port':'80','Weight':'30','Type':'ecs'}]"), 'vserver');
  const ccm = readServers(list('[{"serverId":"i-a","port":80,"weight":30,"type":"ecs","serverIp":"","nodeName":"n1","extra":{"x":1}}]'), 'vserver');
  const sdk = readServers(list('[{"ServerId":"i-a","Port":80,"Weight":30}]'), 'vserver');
  const want = [{ ServerId: 'i-a', Type: 'ecs', Weight: 30, Port: 80, Description: undefined, ServerIp: undefined }];
  assert.deepEqual(tf, want);
  assert.deepEqual(ccm, want);
  assert.deepEqual(sdk, want);
  // the default group ignores ports; Type is case-insensitive; absent weight stays absent
  assert.deepEqual(readServers(list('[{"ServerId":"eni-1","Type":"ENI","ServerIp":"10.0.0.9"}]'), 'default'), [
    { ServerId: 'eni-1', Type: 'eni', Weight: undefined, Port: undefined, Description: undefined, ServerIp: '10.0.0.9' },
  ]);
});

test('readServers refuses each malformed field with its catalog error', () => {
  assert.equal(failure(() => readServers(list('[{"ServerId":" "}]'), 'default')), 'InvalidParameter: The VmName is emtpy.');
  assert.equal(failure(() => readServers(list('[{"ServerId":"i-a","Weight":"1e2"}]'), 'default')), 'InvalidWeight.Malformed: A specified weight is not valid.');
  assert.equal(failure(() => readServers(list('[{"ServerId":"i-a","Weight":100.5}]'), 'default')), 'InvalidWeight.Malformed: A specified weight is not valid.');
  assert.equal(failure(() => readServers(list('[{"ServerId":"i-a","Type":"vm"}]'), 'default')), 'InvalidParameter: The specified BackendServers is invalid.');
  assert.equal(failure(() => readServers(list('[{"ServerId":"i-a"},{"ServerId":"i-a"}]'), 'default')), 'InvalidParameter: The specified BackendServers is invalid.');
  assert.equal(failure(() => readServers(list('[{"ServerId":"i-a","Port":70000}]'), 'vserver')), 'InvalidParameter: The specified BackendServers is invalid, as the Port value should be in [1, 65535].');
  // the same server on two ports is fine in a vServer group
  assert.equal(readServers(list('[{"ServerId":"i-a","Port":1},{"ServerId":"i-a","Port":2}]'), 'vserver').length, 2);
});

test('reported health: never a made-up normal', () => {
  const key = { loadBalancerId: 'lb-1', listenerPort: 80, protocol: 'tcp', serverId: 'i-a', port: 8080 };
  const running = { running: true, healthCheckOn: true };
  assert.equal(reportedHealth(key, running, NO_OBSERVATIONS), 'unavailable');
  const view = new MemoryHealthView();
  view.report(key, 'normal');
  assert.equal(reportedHealth(key, running, view), 'normal');
  assert.equal(reportedHealth({ ...key, protocol: 'TCP' }, running, view), 'normal');
  assert.equal(reportedHealth(key, { running: false, healthCheckOn: true }, view), 'unavailable');
  assert.equal(reportedHealth(key, { running: true, healthCheckOn: false }, view), 'unavailable');
  view.report(key, 'abnormal');
  assert.equal(reportedHealth(key, running, view), 'abnormal');
  view.forgetLoadBalancer('lb-1');
  assert.equal(reportedHealth(key, running, view), 'unavailable');
});
