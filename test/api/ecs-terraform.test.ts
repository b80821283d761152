// The ECS actions Terraform's alicloud_instance calls outside DescribeInstances / Attribute /
// NetworkInterfaces (src/products/ecs/terraform-reads.ts): the whole read sequence the provider
// makes after RunInstances, ModifyInstanceAttribute and the read again, then delete — through
// pop-core (POST, as the provider's RpcPost) and the generated SDK @alicloud/ecs20140526; paging,
// the PrePaid-only auto-renew answer, the errors and isolation between accounts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as $Ecs from '@alicloud/ecs20140526';
import { rejects as rejectsRaw, startTestServer, type TestServer } from '../helpers/server.js';
import { createTenant } from '../helpers/tenants.js';
import { opOk } from '../helpers/operator.js';
import { advance, defaultNetwork, ecs as ecsRaw, ecsSdk, IMAGE, TYPE, type Rec } from '../helpers/ecs.js';

async function rejects(fn: () => Promise<unknown>) {
  const e = (await rejectsRaw(fn)) as Awaited<ReturnType<typeof rejectsRaw>> & { entry?: { response?: { statusCode?: number } } };
  return { code: e.code, message: e.message, statusCode: e.statusCode ?? e.entry?.response?.statusCode };
}

let s: TestServer;
const R = { RegionId: 'cn-hangzhou' };
const ecs = (action: string, params: Rec = {}, key?: { id: string; secret: string }) => ecsRaw(s, action, params, { method: 'POST', ...(key ? { key } : {}) });
before(async () => {
  s = await startTestServer({ freezeClock: '2030-01-01T00:00:00Z' });
});
after(async () => s.stop());

const USER_DATA = Buffer.from('#!/bin/sh\necho hello > /tmp/hello\n').toString('base64');
const items = <T = Rec>(r: Rec, wrapper: string, item: string) => (r[wrapper] as Record<string, T[]>)[item]!;

async function newGroup(vpcId: string, name: string): Promise<string> {
  return (await ecs('CreateSecurityGroup', { ...R, VpcId: vpcId, SecurityGroupName: name }))['SecurityGroupId'] as string;
}
async function runOne(extra: Rec = {}, key?: { id: string; secret: string }): Promise<string> {
  const r = await ecs('RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE, ...extra }, key);
  const id = items<string>(r, 'InstanceIdSets', 'InstanceIdSet')[0]!;
  await advance(s, 2000);
  return id;
}

/** The provider's read (resourceAliCloudInstanceRead) as one function: every call it makes, in order. */
async function terraformRead(id: string) {
  const instances = items(
    await ecs('DescribeInstances', { ...R, InstanceIds: JSON.stringify([id]), 'AdditionalAttributes.1': 'META_OPTIONS', 'AdditionalAttributes.2': 'NETWORK_PRIMARY_ENI_IP', 'AdditionalAttributes.3': 'LOGIN_AS_NON_ROOT', 'AdditionalAttributes.4': 'DISK_HIGH_DENSITY_MODE' }),
    'Instances',
    'Instance',
  );
  assert.equal(instances.length, 1);
  const instance = instances[0]!;
  const disks = items(await ecs('DescribeDisks', { ...R, InstanceId: id, DiskType: 'system', ResourceGroupId: instance['ResourceGroupId'] }), 'Disks', 'Disk');
  const userData = await ecs('DescribeUserData', { ...R, InstanceId: id });
  const ramRoles = await ecs('DescribeInstanceRamRole', { ...R, InstanceIds: JSON.stringify([id]) });
  const primary = items(instance, 'NetworkInterfaces', 'NetworkInterface').find((n) => n['Type'] === 'Primary')!;
  const eni = items(await ecs('DescribeNetworkInterfaces', { ...R, 'NetworkInterfaceId.1': primary['NetworkInterfaceId'] }), 'NetworkInterfaceSets', 'NetworkInterfaceSet');
  const maintenance = items(await ecs('DescribeInstanceMaintenanceAttributes', { ...R, 'InstanceId.1': id }), 'MaintenanceAttributes', 'MaintenanceAttribute');
  const attribute = await ecs('DescribeInstanceAttribute', { InstanceId: id });
  const attachment = items(await ecs('DescribeInstanceAttachmentAttributes', { ...R, InstanceIds: JSON.stringify([id]) }), 'Instances', 'Instance');
  return { instance, disks, userData, ramRoles, eni, maintenance, attribute, attachment };
}

test('alicloud_instance: RunInstances, the read, ModifyInstanceAttribute, the read again, delete (pop-core)', async () => {
  const net = await defaultNetwork(s);
  const sg = await newGroup(net.VpcId, 'tf-sg');
  const sg2 = await newGroup(net.VpcId, 'tf-sg-2');
  const r = await ecs('RunInstances', {
    ...R,
    ImageId: IMAGE,
    InstanceType: TYPE,
    'SecurityGroupIds.1': sg,
    VSwitchId: net.VSwitchId,
    InstanceName: 'tf-web',
    HostName: 'tf-web-1',
    Description: 'made by terraform',
    'SystemDisk.Category': 'cloud_essd',
    'SystemDisk.Size': '50',
    'SystemDisk.DiskName': 'tf-root',
    UserData: USER_DATA,
    RamRoleName: 'tf-role',
    'Tag.1.Key': 'env',
    'Tag.1.Value': 'test',
  });
  const id = items<string>(r, 'InstanceIdSets', 'InstanceIdSet')[0]!;
  await advance(s, 2000);

  const first = await terraformRead(id);
  assert.equal(first.instance['Status'], 'Running');
  assert.equal(first.instance['InstanceName'], 'tf-web');
  assert.deepEqual(first.instance['SecurityGroupIds'], { SecurityGroupId: [sg] });
  assert.equal(first.disks.length, 1);
  const disk = first.disks[0]!;
  assert.match(disk['DiskId'] as string, /^d-[a-z0-9]{20}$/);
  assert.deepEqual(
    [disk['Type'], disk['Category'], disk['Size'], disk['PerformanceLevel'], disk['DiskName'], disk['Status'], disk['Device'], disk['InstanceId'], disk['ZoneId'], disk['RegionId'], disk['Portable'], disk['DeleteWithInstance'], disk['Encrypted'], disk['ImageId'], disk['DiskChargeType']],
    ['system', 'cloud_essd', 50, 'PL1', 'tf-root', 'In_use', '/dev/xvda', id, net.ZoneId, 'cn-hangzhou', false, true, false, IMAGE, 'PostPaid'],
  );
  assert.equal(disk['CreationTime'], '2030-01-01T00:00:00Z');
  assert.equal(disk['ResourceGroupId'], first.instance['ResourceGroupId']);
  assert.deepEqual(disk['Attachments'], { Attachment: [{ InstanceId: id, Device: '/dev/xvda', AttachedTime: '2030-01-01T00:00:00Z' }] });
  assert.deepEqual(disk['Tags'], { Tag: [{ TagKey: 'env', TagValue: 'test' }] });
  assert.deepEqual(first.userData, { RequestId: first.userData['RequestId'], InstanceId: id, RegionId: 'cn-hangzhou', UserData: USER_DATA });
  assert.deepEqual(first.ramRoles['InstanceRamRoleSets'], { InstanceRamRoleSet: [{ InstanceId: id, RamRoleName: 'tf-role' }] });
  assert.equal(first.ramRoles['TotalCount'], 1);
  assert.equal(first.eni.length, 1);
  assert.equal(first.eni[0]!['Type'], 'Primary');
  // what the provider type-asserts on that answer: PrivateIpSets.PrivateIpSet[].Primary, Ipv6Sets.Ipv6Set[]
  assert.equal(items(first.eni[0]!, 'PrivateIpSets', 'PrivateIpSet')[0]!['Primary'], true);
  assert.deepEqual(first.eni[0]!['Ipv6Sets'], { Ipv6Set: [] });
  assert.deepEqual(first.maintenance, [{ InstanceId: id, NotifyOnMaintenance: false, MaintenanceWindows: { MaintenanceWindow: [] }, ActionOnMaintenance: { DefaultValue: 'AutoRecover', Value: 'AutoRecover', SupportedValues: { SupportedValue: ['Stop', 'AutoRecover'] } } }]);
  assert.equal(first.attribute['EnableJumboFrame'], false);
  assert.deepEqual(first.attachment, [{ InstanceId: id, PrivatePoolOptionsMatchCriteria: 'None', PrivatePoolOptionsId: '' }]);
  // PostPaid: the provider does not ask, and the service refuses
  const renew = await rejects(() => ecs('DescribeInstanceAutoRenewAttribute', { ...R, InstanceId: id }));
  assert.deepEqual([renew.code, renew.statusCode], ['ChargeTypeViolation', 403]);

  // update: the attributes, a new group list, release protection
  await ecs('ModifyInstanceAttribute', { InstanceId: id, InstanceName: 'tf-web-renamed', Description: 'changed', HostName: 'tf-web-2', 'SecurityGroupIds.1': sg2, 'SecurityGroupIds.2': sg, DeletionProtection: true, Password: 'Openslb-2030' });
  const second = await terraformRead(id);
  assert.deepEqual(
    [second.instance['InstanceName'], second.instance['Description'], second.instance['HostName'], second.instance['DeletionProtection']],
    ['tf-web-renamed', 'changed', 'tf-web-2', true],
  );
  assert.deepEqual(second.instance['SecurityGroupIds'], { SecurityGroupId: [sg2, sg] });
  assert.deepEqual(second.attribute['SecurityGroupIds'], { SecurityGroupId: [sg2, sg] });
  assert.equal(second.attribute['InstanceName'], 'tf-web-renamed');
  assert.equal(second.attribute['HostName'], 'tf-web-2');
  assert.deepEqual(second.disks, first.disks, 'the disk is unchanged');
  assert.equal(second.userData['UserData'], USER_DATA);
  // the instance is found through its new group
  assert.equal(items(await ecs('DescribeInstances', { ...R, SecurityGroupId: sg2 }), 'Instances', 'Instance').length, 1);

  // delete: refused while protected, then done; everything is gone
  const prot = await rejects(() => ecs('DeleteInstance', { InstanceId: id, Force: true }));
  assert.deepEqual([prot.code, prot.statusCode], ['InvalidOperation.DeletionProtection', 403]);
  await ecs('ModifyInstanceAttribute', { InstanceId: id, DeletionProtection: false });
  await ecs('DeleteInstance', { InstanceId: id, Force: true });
  assert.deepEqual(items(await ecs('DescribeInstances', { ...R, InstanceIds: JSON.stringify([id]) }), 'Instances', 'Instance'), []);
  assert.deepEqual(items(await ecs('DescribeDisks', { ...R, InstanceId: id, DiskType: 'system' }), 'Disks', 'Disk'), []);
  const gone = await rejects(() => ecs('DescribeUserData', { ...R, InstanceId: id }));
  assert.deepEqual([gone.code, gone.statusCode], ['InvalidInstanceId.NotFound', 404]);
  assert.deepEqual(items(await ecs('DescribeInstanceRamRole', { ...R, InstanceIds: JSON.stringify([id]) }), 'InstanceRamRoleSets', 'InstanceRamRoleSet'), []);
  assert.deepEqual(items(await ecs('DescribeInstanceMaintenanceAttributes', { ...R, 'InstanceId.1': id }), 'MaintenanceAttributes', 'MaintenanceAttribute'), []);
  const mod = await rejects(() => ecs('ModifyInstanceAttribute', { InstanceId: id, InstanceName: 'again' }));
  assert.deepEqual([mod.code, mod.statusCode], ['InvalidInstanceId.NotFound', 404]);
});

test('defaults: no role, no user data, the documented system disk; user data changes on a stopped instance', async () => {
  const id = await runOne();
  const read = await terraformRead(id);
  const disk = read.disks[0]!;
  assert.deepEqual([disk['Category'], disk['Size'], disk['PerformanceLevel'], disk['DiskName']], ['cloud_efficiency', 40, '', '']);
  assert.equal(read.userData['UserData'], '');
  assert.deepEqual(read.ramRoles['InstanceRamRoleSets'], { InstanceRamRoleSet: [] });
  assert.equal(read.ramRoles['TotalCount'], 0);
  // the disk is found by its id and the other filters, and not by filters it does not meet
  const byId = items(await ecs('DescribeDisks', { ...R, DiskIds: JSON.stringify([disk['DiskId']]) }), 'Disks', 'Disk');
  assert.deepEqual(byId.map((d) => d['InstanceId']), [id]);
  for (const miss of [{ DiskType: 'data' }, { Category: 'cloud_ssd' }, { Portable: true }, { SnapshotId: 's-1' }, { Status: 'Available' }, { DiskIds: '[]' }]) {
    assert.deepEqual(items(await ecs('DescribeDisks', { ...R, InstanceId: id, ...miss }), 'Disks', 'Disk'), [], JSON.stringify(miss));
  }

  const running = await rejects(() => ecs('ModifyInstanceAttribute', { InstanceId: id, UserData: USER_DATA }));
  assert.deepEqual([running.code, running.statusCode], ['IncorrectInstanceStatus', 403]);
  await ecs('StopInstance', { InstanceId: id });
  await advance(s, 1000);
  await ecs('ModifyInstanceAttribute', { InstanceId: id, UserData: USER_DATA });
  assert.equal((await ecs('DescribeUserData', { ...R, InstanceId: id }))['UserData'], USER_DATA);
  await ecs('DeleteInstance', { InstanceId: id });
});

test('paging: DescribeDisks by page and by token, DescribeInstanceMaintenanceAttributes and DescribeInstanceAttachmentAttributes by page', async () => {
  const ids = [await runOne({ InstanceName: 'page-a' }), await runOne({ InstanceName: 'page-b' }), await runOne({ InstanceName: 'page-c' })];
  const systemDisks = async (extra: Rec) => ecs('DescribeDisks', { ...R, DiskIds: JSON.stringify(await diskIds()), ...extra });
  const diskIds = async () => (await Promise.all(ids.map(async (id) => items(await ecs('DescribeDisks', { ...R, InstanceId: id }), 'Disks', 'Disk')[0]!['DiskId'] as string))).sort();
  const p2 = await systemDisks({ PageNumber: 2, PageSize: 2 });
  assert.deepEqual([p2['PageNumber'], p2['PageSize'], p2['TotalCount'], items(p2, 'Disks', 'Disk').length], [2, 2, 3, 1]);
  const t1 = await systemDisks({ MaxResults: 2 });
  assert.equal(items(t1, 'Disks', 'Disk').length, 2);
  assert.ok(t1['NextToken']);
  const t2 = await systemDisks({ MaxResults: 2, NextToken: t1['NextToken'] });
  assert.deepEqual([items(t2, 'Disks', 'Disk').length, t2['NextToken']], [1, '']);
  assert.deepEqual([...items(t1, 'Disks', 'Disk'), ...items(t2, 'Disks', 'Disk')].map((d) => d['DiskId'] as string).sort(), await diskIds());

  const m = await ecs('DescribeInstanceMaintenanceAttributes', { ...R, 'InstanceId.1': ids[0], 'InstanceId.2': ids[1], 'InstanceId.3': ids[2], PageSize: 2, PageNumber: 2 });
  assert.deepEqual([m['TotalCount'], m['PageNumber'], m['PageSize'], items(m, 'MaintenanceAttributes', 'MaintenanceAttribute').length], [3, 2, 2, 1]);
  const a = await ecs('DescribeInstanceAttachmentAttributes', { ...R, InstanceIds: JSON.stringify(ids), PageSize: 2 });
  assert.deepEqual([a['TotalCount'], a['PageNumber'], items(a, 'Instances', 'Instance').map((x) => x['InstanceId'])], [3, 1, ids.slice(0, 2)]);
  await ecs('DeleteInstances', { ...R, 'InstanceId.1': ids[0], 'InstanceId.2': ids[1], 'InstanceId.3': ids[2], Force: true });
});

test('DescribeInstanceAutoRenewAttribute answers subscription (PrePaid) instances, from what RunInstances stored', async () => {
  const auto = await runOne({ InstanceChargeType: 'PrePaid', Period: 1, PeriodUnit: 'Month', AutoRenew: true, AutoRenewPeriod: 3 });
  const plain = await runOne({ InstanceChargeType: 'PrePaid', Period: 1, PeriodUnit: 'Month' });
  const r = await ecs('DescribeInstanceAutoRenewAttribute', { ...R, InstanceId: `${auto},${plain}` });
  assert.deepEqual(items(r, 'InstanceRenewAttributes', 'InstanceRenewAttribute'), [
    { InstanceId: auto, AutoRenewEnabled: true, Duration: 3, PeriodUnit: 'Month', RenewalStatus: 'AutoRenewal', EnableExpectedRenewDay: false },
    { InstanceId: plain, AutoRenewEnabled: false, Duration: 0, PeriodUnit: 'Month', RenewalStatus: 'Normal', EnableExpectedRenewDay: false },
  ]);
  assert.equal(r['TotalCount'], 2);
  const byStatus = await ecs('DescribeInstanceAutoRenewAttribute', { ...R, RenewalStatus: 'AutoRenewal' });
  assert.deepEqual(items(byStatus, 'InstanceRenewAttributes', 'InstanceRenewAttribute').map((x) => x['InstanceId']), [auto]);
  assert.equal((await rejects(() => ecs('DescribeInstanceAutoRenewAttribute', { ...R }))).code, 'Abs.MissingParamter.InstanceId');
  assert.equal((await rejects(() => ecs('DescribeInstanceAutoRenewAttribute', { ...R, InstanceId: 'i-nothere' }))).code, 'InvalidParameter.InvalidInstanceId');
  assert.equal((await terraformRead(auto)).instance['InstanceChargeType'], 'PrePaid');
  await ecs('DeleteInstances', { ...R, 'InstanceId.1': auto, 'InstanceId.2': plain, Force: true });
});

test('errors: parameters of ModifyInstanceAttribute and RunInstances, unknown ids and regions, what this server does not model', async () => {
  const net = await defaultNetwork(s);
  const id = await runOne();
  const code = async (action: string, params: Rec) => {
    const e = await rejects(() => ecs(action, params));
    return [e.code, e.statusCode];
  };
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, InstanceName: '1abc' }), ['InvalidInstanceName.Malformed', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, InstanceName: 'http://x' }), ['InvalidInstanceName.Malformed', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, Description: 'https://example.com' }), ['InvalidDescription.Malformed', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, HostName: '-bad-' }), ['InvalidHostName.Malformed', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, Password: 'short' }), ['InvalidPassword.Malformed', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, 'SecurityGroupIds.1': 'sg-nothere' }), ['InvalidSecurityGroupId.NotFound', 404]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, CreditSpecification: 'Unlimited' }), ['UnsupportedParameter', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, EnableJumboFrame: true }), ['UnsupportedParameter', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: 'i-nothere', InstanceName: 'x-name' }), ['InvalidInstanceId.NotFound', 404]);
  // a group of another VPC
  await opOk(s, 'POST', '/world/vpcs', { RegionId: 'cn-hangzhou', VpcId: 'vpc-tf-other', CidrBlock: '127.95.0.0/16' });
  const foreign = await newGroup('vpc-tf-other', 'elsewhere');
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, 'SecurityGroupIds.1': foreign }), ['InvalidParameter', 400]);
  assert.deepEqual(await code('ModifyInstanceAttribute', { InstanceId: id, 'SecurityGroupIds.1': foreign, 'SecurityGroupIds.2': foreign }), ['InvalidParameter', 400]);
  assert.deepEqual(await code('DescribeUserData', { ...R, InstanceId: 'i-nothere' }), ['InvalidInstanceId.NotFound', 404]);
  assert.deepEqual(await code('DescribeUserData', { RegionId: 'cn-nowhere', InstanceId: id }), ['InvalidRegionId.NotFound', 404]);
  // the instance lives in cn-hangzhou: another region does not see it
  assert.deepEqual(await code('DescribeUserData', { RegionId: 'cn-shanghai', InstanceId: id }), ['InvalidInstanceId.NotFound', 404]);
  assert.deepEqual(await code('RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE, VSwitchId: net.VSwitchId, 'SystemDisk.Size': '10' }), ['InvalidSystemDiskSize.LessThanMinSize', 404]);
  assert.deepEqual(await code('RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE, VSwitchId: net.VSwitchId, 'SystemDisk.Size': '4096' }), ['InvalidDisk.SystemDiskSize', 403]);
  assert.deepEqual(await code('RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE, VSwitchId: net.VSwitchId, UserData: 'not base64!' }), ['InvalidParameter', 400]);
  assert.deepEqual(await code('DescribeDisks', { ...R, 'Filter.1.Key': 'CreationStartTime', 'Filter.1.Value': '2030-01-01T00:00Z' }), ['UnsupportedParameter', 400]);
  await ecs('DeleteInstance', { InstanceId: id, Force: true });
});

test('isolation: another account sees no disk, user data, role or attributes of the instance and cannot modify it', async () => {
  const id = await runOne({ UserData: USER_DATA, RamRoleName: 'mine' });
  const t = await createTenant(s);
  const key = { id: t.id, secret: t.secret };
  assert.deepEqual(items(await ecs('DescribeDisks', { ...R, InstanceId: id }, key), 'Disks', 'Disk'), []);
  assert.equal((await rejects(() => ecs('DescribeUserData', { ...R, InstanceId: id }, key))).code, 'InvalidInstanceId.NotFound');
  assert.deepEqual(items(await ecs('DescribeInstanceRamRole', { ...R, InstanceIds: JSON.stringify([id]) }, key), 'InstanceRamRoleSets', 'InstanceRamRoleSet'), []);
  assert.deepEqual(items(await ecs('DescribeInstanceAttachmentAttributes', { ...R, InstanceIds: JSON.stringify([id]) }, key), 'Instances', 'Instance'), []);
  assert.deepEqual(items(await ecs('DescribeInstanceMaintenanceAttributes', { ...R, 'InstanceId.1': id }, key), 'MaintenanceAttributes', 'MaintenanceAttribute'), []);
  assert.equal((await rejects(() => ecs('ModifyInstanceAttribute', { InstanceId: id, InstanceName: 'stolen' }, key))).code, 'InvalidInstanceId.NotFound');
  assert.equal((await terraformRead(id)).instance['InstanceName'], id);
  await ecs('DeleteInstance', { InstanceId: id, Force: true });
});

test('@alicloud/ecs20140526: DescribeDisks, DescribeUserData, DescribeInstanceRamRole, the attribute reads and ModifyInstanceAttribute decode into the models', async () => {
  const c = ecsSdk(s);
  const net = await defaultNetwork(s);
  const sg = await newGroup(net.VpcId, 'sdk-tf');
  const run = (await c.runInstances(new $Ecs.RunInstancesRequest({ regionId: 'cn-hangzhou', imageId: IMAGE, instanceType: TYPE, securityGroupId: sg, vSwitchId: net.VSwitchId, userData: USER_DATA, ramRoleName: 'sdk-role', systemDisk: new $Ecs.RunInstancesRequestSystemDisk({ category: 'cloud_ssd', size: '60' }) }))).body!;
  const id = run.instanceIdSets!.instanceIdSet![0]!;
  await advance(s, 2000);
  const disks = (await c.describeDisks(new $Ecs.DescribeDisksRequest({ regionId: 'cn-hangzhou', instanceId: id, diskType: 'system' }))).body!;
  assert.equal(disks.totalCount, 1);
  const d = disks.disks!.disk![0]!;
  assert.deepEqual([d.instanceId, d.category, d.size, d.type, d.status, d.device, d.portable, d.deleteWithInstance], [id, 'cloud_ssd', 60, 'system', 'In_use', '/dev/xvda', false, true]);
  assert.equal(d.attachments!.attachment![0]!.instanceId, id);
  const ud = (await c.describeUserData(new $Ecs.DescribeUserDataRequest({ regionId: 'cn-hangzhou', instanceId: id }))).body!;
  assert.deepEqual([ud.instanceId, ud.regionId, ud.userData], [id, 'cn-hangzhou', USER_DATA]);
  const roles = (await c.describeInstanceRamRole(new $Ecs.DescribeInstanceRamRoleRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([id]) }))).body!;
  assert.deepEqual(roles.instanceRamRoleSets!.instanceRamRoleSet!.map((x) => [x.instanceId, x.ramRoleName]), [[id, 'sdk-role']]);
  const m = (await c.describeInstanceMaintenanceAttributes(new $Ecs.DescribeInstanceMaintenanceAttributesRequest({ regionId: 'cn-hangzhou', instanceId: [id] }))).body!;
  const ma = m.maintenanceAttributes!.maintenanceAttribute![0]!;
  assert.deepEqual([ma.instanceId, ma.actionOnMaintenance!.value, ma.notifyOnMaintenance, ma.maintenanceWindows!.maintenanceWindow], [id, 'AutoRecover', false, []]);
  const att = (await c.describeInstanceAttachmentAttributes(new $Ecs.DescribeInstanceAttachmentAttributesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([id]) }))).body!;
  assert.equal(att.instances!.instance![0]!.privatePoolOptionsMatchCriteria, 'None');
  await c.modifyInstanceAttribute(new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, instanceName: 'sdk-renamed', hostName: 'sdk-host', securityGroupIds: [sg] }));
  const attr = (await c.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId: id }))).body!;
  assert.deepEqual([attr.instanceName, attr.hostName, attr.securityGroupIds!.securityGroupId], ['sdk-renamed', 'sdk-host', [sg]]);
  await assert.rejects(
    () => c.describeUserData(new $Ecs.DescribeUserDataRequest({ regionId: 'cn-hangzhou', instanceId: 'i-nothere' })),
    (e: { code?: string; statusCode?: number }) => e.code === 'InvalidInstanceId.NotFound' && e.statusCode === 404,
  );
  await c.deleteInstance(new $Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
});
