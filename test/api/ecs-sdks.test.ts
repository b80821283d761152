// ECS 2014-05-26 through the V3 client (@alicloud/openapi-client, ACS3-HMAC-SHA256) and the
// generated SDK @alicloud/ecs20140526: the security-group and instance lifecycle, the list and
// attribute answers decoded into the SDK's models, and a not-found error with its HTTP status.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as $Ecs from '@alicloud/ecs20140526';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { advance, defaultNetwork, ecsSdk, ecsV3, IMAGE, TYPE, type Rec } from '../helpers/ecs.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ freezeClock: '2030-01-01T00:00:00Z' });
});
after(async () => s.stop());

test('openapi-client V3: create a group, run an instance, wait for Running, describe, stop, delete', async () => {
  const net = await defaultNetwork(s);
  const sg = (await ecsV3(s, 'CreateSecurityGroup', { RegionId: 'cn-hangzhou', VpcId: net.VpcId, SecurityGroupName: 'v3-sg' })).body['SecurityGroupId'] as string;
  await ecsV3(s, 'AuthorizeSecurityGroup', { RegionId: 'cn-hangzhou', SecurityGroupId: sg, IpProtocol: 'udp', PortRange: '53/53', SourceCidrIp: '10.0.0.0/8' });
  const run = await ecsV3(s, 'RunInstances', { RegionId: 'cn-hangzhou', ImageId: IMAGE, InstanceType: TYPE, SecurityGroupId: sg, VSwitchId: net.VSwitchId, Amount: 2 });
  assert.equal(run.statusCode, 200);
  const ids = (run.body['InstanceIdSets'] as { InstanceIdSet: string[] }).InstanceIdSet;
  assert.equal(ids.length, 2);
  const list = async () => ((await ecsV3(s, 'DescribeInstances', { RegionId: 'cn-hangzhou', InstanceIds: JSON.stringify(ids) })).body['Instances'] as { Instance: Rec[] }).Instance;
  assert.deepEqual((await list()).map((i) => i['Status']), ['Pending', 'Pending']);
  await advance(s, 2000);
  assert.deepEqual((await list()).map((i) => i['Status']), ['Running', 'Running']);
  const attr = await ecsV3(s, 'DescribeInstanceAttribute', { InstanceId: ids[0] });
  assert.equal(attr.body['InstanceId'], ids[0]);
  assert.deepEqual(attr.body['SecurityGroupIds'], { SecurityGroupId: [sg] });
  await ecsV3(s, 'StopInstance', { InstanceId: ids[0] });
  await advance(s, 1000);
  const st = await ecsV3(s, 'DescribeInstanceStatus', { RegionId: 'cn-hangzhou', 'InstanceId.1': ids[0], 'InstanceId.2': ids[1] });
  assert.deepEqual((st.body['InstanceStatuses'] as { InstanceStatus: Rec[] }).InstanceStatus.map((x) => x['Status']), ['Stopped', 'Running']);
  await ecsV3(s, 'DeleteInstances', { RegionId: 'cn-hangzhou', 'InstanceId.1': ids[0], 'InstanceId.2': ids[1], Force: true });
  assert.deepEqual(await list(), []);
  await assert.rejects(() => ecsV3(s, 'DescribeInstanceAttribute', { InstanceId: ids[0] }), (e: { code?: string; statusCode?: number }) => e.code === 'InvalidInstanceId.NotFound' && e.statusCode === 404);
  await ecsV3(s, 'DeleteSecurityGroup', { RegionId: 'cn-hangzhou', SecurityGroupId: sg });
});

test('@alicloud/ecs20140526: the generated models read every answer', async () => {
  const c = ecsSdk(s);
  const net = await defaultNetwork(s);
  const sg = (await c.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: 'cn-hangzhou', vpcId: net.VpcId, securityGroupName: 'sdk-sg', description: 'from the SDK' }))).body!.securityGroupId!;
  await c.authorizeSecurityGroup(new $Ecs.AuthorizeSecurityGroupRequest({ regionId: 'cn-hangzhou', securityGroupId: sg, ipProtocol: 'tcp', portRange: '443/443', sourceCidrIp: '0.0.0.0/0', priority: '2' }));
  const sga = (await c.describeSecurityGroupAttribute(new $Ecs.DescribeSecurityGroupAttributeRequest({ regionId: 'cn-hangzhou', securityGroupId: sg }))).body!;
  assert.equal(sga.securityGroupName, 'sdk-sg');
  assert.equal(sga.permissions!.permission![0]!.portRange, '443/443');
  assert.equal(String(sga.permissions!.permission![0]!.priority), '2');
  const groups = (await c.describeSecurityGroups(new $Ecs.DescribeSecurityGroupsRequest({ regionId: 'cn-hangzhou', vpcId: net.VpcId }))).body!;
  assert.ok(groups.securityGroups!.securityGroup!.some((g) => g.securityGroupId === sg && g.vpcId === net.VpcId));

  const run = (await c.runInstances(new $Ecs.RunInstancesRequest({ regionId: 'cn-hangzhou', imageId: IMAGE, instanceType: TYPE, securityGroupId: sg, vSwitchId: net.VSwitchId, instanceName: 'sdk-vm' }))).body!;
  const id = run.instanceIdSets!.instanceIdSet![0]!;
  await advance(s, 2000);
  const d = (await c.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([id]), maxResults: 10 }))).body!;
  assert.equal(d.totalCount, 1);
  assert.equal(d.nextToken, '');
  const inst = d.instances!.instance![0]!;
  assert.deepEqual([inst.instanceId, inst.instanceName, inst.status, inst.instanceType, inst.cpu, inst.memory], [id, 'sdk-vm', 'Running', TYPE, 2, 8192]);
  assert.equal(inst.vpcAttributes!.vSwitchId, net.VSwitchId);
  assert.equal(inst.networkInterfaces!.networkInterface![0]!.type, 'Primary');

  const eni = (await c.createNetworkInterface(new $Ecs.CreateNetworkInterfaceRequest({ regionId: 'cn-hangzhou', vSwitchId: net.VSwitchId, securityGroupId: sg }))).body!;
  assert.equal(eni.status, 'Available');
  await c.attachNetworkInterface(new $Ecs.AttachNetworkInterfaceRequest({ regionId: 'cn-hangzhou', networkInterfaceId: eni.networkInterfaceId, instanceId: id }));
  const enis = (await c.describeNetworkInterfaces(new $Ecs.DescribeNetworkInterfacesRequest({ regionId: 'cn-hangzhou', vpcId: net.VpcId, status: 'InUse', privateIpAddress: [eni.privateIpAddress!] }))).body!;
  assert.deepEqual(enis.networkInterfaceSets!.networkInterfaceSet!.map((x) => [x.networkInterfaceId, x.instanceId]), [[eni.networkInterfaceId, id]]);
  await c.detachNetworkInterface(new $Ecs.DetachNetworkInterfaceRequest({ regionId: 'cn-hangzhou', networkInterfaceId: eni.networkInterfaceId, instanceId: id }));
  await c.deleteNetworkInterface(new $Ecs.DeleteNetworkInterfaceRequest({ regionId: 'cn-hangzhou', networkInterfaceId: eni.networkInterfaceId }));

  const regions = (await c.describeRegions(new $Ecs.DescribeRegionsRequest({}))).body!;
  assert.ok(regions.regions!.region!.some((r) => r.regionId === 'cn-hangzhou'));
  const zones = (await c.describeZones(new $Ecs.DescribeZonesRequest({ regionId: 'cn-hangzhou' }))).body!;
  assert.ok(zones.zones!.zone!.length > 0);
  const imgs = (await c.describeImages(new $Ecs.DescribeImagesRequest({ regionId: 'cn-hangzhou', imageId: IMAGE }))).body!;
  assert.equal(imgs.images!.image![0]!.imageId, IMAGE);
  const types = (await c.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({ instanceTypes: [TYPE] }))).body!;
  assert.equal(types.instanceTypes!.instanceType![0]!.memorySize, 8);

  await c.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
  await advance(s, 1000);
  await c.startInstance(new $Ecs.StartInstanceRequest({ instanceId: id }));
  await c.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId: id })).then(
    () => assert.fail('Starting is not Running'),
    (e: { code?: string }) => assert.equal(e.code, 'IncorrectInstanceStatus'),
  );
  await advance(s, 1000);
  await c.modifySecurityGroupAttribute(new $Ecs.ModifySecurityGroupAttributeRequest({ regionId: 'cn-hangzhou', securityGroupId: sg, securityGroupName: 'sdk-sg-2' }));
  await c.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
  await c.deleteSecurityGroup(new $Ecs.DeleteSecurityGroupRequest({ regionId: 'cn-hangzhou', securityGroupId: sg }));
  await c.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId: id })).then(
    () => assert.fail('deleted'),
    (e: { code?: string; statusCode?: number }) => assert.deepEqual([e.code, e.statusCode], ['InvalidInstanceId.NotFound', 404]),
  );
});
