// One world, end to end: instances made by ECS RunInstances in an operator-made vSwitch get
// loopback addresses, HTTP backends bind them, and an SLB listener in the same vSwitch really
// forwards to them (the data plane reaches the addresses ECS reported).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { opOk } from '../helpers/operator.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ecs, IMAGE, TYPE } from '../helpers/ecs.js';
import { freePort, HttpBackend, listenerStatus, REGION, tallyHttp, waitFor } from './helpers.js';

let s: TestServer;
const backends: HttpBackend[] = [];
before(async () => {
  process.env['OPENSLB_ECS_TRANSITION_MS'] = '100';
  s = await startTestServer({ dataPlane: true });
});
after(async () => {
  await Promise.allSettled(backends.map((b) => b.stop()));
  await s?.stop();
  delete process.env['OPENSLB_ECS_TRANSITION_MS'];
});

test('an SLB listener forwards to instances RunInstances made', async () => {
  await opOk(s, 'POST', '/world/vpcs', { RegionId: REGION, VpcId: 'vpc-ecs-e2e', CidrBlock: '127.96.0.0/16', VSwitches: [{ VSwitchId: 'vsw-ecs-e2e', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.96.1.0/24' }] });
  const r = await ecs(s, 'RunInstances', { RegionId: REGION, ImageId: IMAGE, InstanceType: TYPE, VSwitchId: 'vsw-ecs-e2e', Amount: 2 }, { method: 'POST' });
  const ids = (r['InstanceIdSets'] as { InstanceIdSet: string[] }).InstanceIdSet;
  const list = async () => ((await ecs(s, 'DescribeInstances', { RegionId: REGION, InstanceIds: JSON.stringify(ids) }))['Instances'] as { Instance: { Status: string; VpcAttributes: { PrivateIpAddress: { IpAddress: string[] } } }[] }).Instance;
  await waitFor(async () => (await list()).every((i) => i.Status === 'Running'), 10_000, 'instances Running');
  const ips = (await list()).map((i) => i.VpcAttributes.PrivateIpAddress.IpAddress[0]!);
  for (const [i, ip] of ips.entries()) backends.push(await new HttpBackend(ip, `vm${i}`).start());
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, AddressType: 'intranet', VSwitchId: 'vsw-ecs-e2e' })) as { LoadBalancerId: string; Address: string };
  assert.ok(!ips.includes(lb.Address));
  await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify(ids.map((id) => ({ ServerId: id, Weight: 100 }))) });
  const port = await freePort(lb.Address);
  await s.call('CreateLoadBalancerHTTPListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, BackendServerPort: backends[0]!.port, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' });
  // both backends listen on the same port number (their own addresses)
  await backends[1]!.stop();
  backends[1] = await new HttpBackend(ips[1]!, 'vm1').start(backends[0]!.port);
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'http' });
  await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, 'http')) === 'running', 10_000, 'listener running');
  const t = await tallyHttp(`http://${lb.Address}:${port}/`, 6);
  assert.deepEqual([t.get('vm0'), t.get('vm1')], [3, 3], [...t].join(' '));
});
