// ECS 2014-05-26 (src/products/ecs) through pop-core on a server with a frozen clock: the
// Terraform flow of alicloud_security_group and alicloud_instance, status transitions advanced
// through the operator API, SLB load-balancing to instances and ENIs made by ECS, addresses in
// operator-made and host-block vSwitches, the cloud controller's lookups, error codes, catalogs
// and isolation between accounts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects as rejectsRaw, startTestServer, type TestServer } from '../helpers/server.js';
import { opOk } from '../helpers/operator.js';
import { createTenant } from '../helpers/tenants.js';
import { advance, defaultNetwork, ecs, IMAGE, TYPE, type Rec } from '../helpers/ecs.js';

/** the error a call throws, with the HTTP status pop-core keeps in `entry.response` */
async function rejects(fn: () => Promise<unknown>) {
  const e = (await rejectsRaw(fn)) as Awaited<ReturnType<typeof rejectsRaw>> & { entry?: { response?: { statusCode?: number } } };
  return { ...e, code: e.code, data: e.data, statusCode: e.statusCode ?? e.entry?.response?.statusCode };
}

let s: TestServer;
const R = { RegionId: 'cn-hangzhou' };
before(async () => {
  s = await startTestServer({ freezeClock: '2030-01-01T00:00:00Z' });
});
after(async () => s.stop());

type Inst = Rec & { InstanceId: string; Status: string; VpcAttributes: { PrivateIpAddress: { IpAddress: string[] }; VpcId: string; VSwitchId: string } };
const instances = (r: Rec) => (r['Instances'] as { Instance: Inst[] }).Instance;
const describe = async (id: string) => instances(await ecs(s, 'DescribeInstances', { ...R, InstanceIds: JSON.stringify([id]) }))[0];
const statusOf = async (id: string) => (await describe(id))?.Status;

async function newGroup(vpcId: string, name = 'web'): Promise<string> {
  return (await ecs(s, 'CreateSecurityGroup', { ...R, VpcId: vpcId, SecurityGroupName: name, Description: 'web servers' }))['SecurityGroupId'] as string;
}
async function run(extra: Rec = {}): Promise<string[]> {
  const r = await ecs(s, 'RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE, ...extra }, { method: 'POST' });
  return (r['InstanceIdSets'] as { InstanceIdSet: string[] }).InstanceIdSet;
}
/** RunInstances, then the clock past Pending and Starting */
async function running(extra: Rec = {}): Promise<string[]> {
  const ids = await run(extra);
  await advance(s, 2000);
  for (const id of ids) assert.equal(await statusOf(id), 'Running');
  return ids;
}

test('Terraform flow: security group, instance Pending → Starting → Running, stop/start/reboot, delete', async () => {
  const net = await defaultNetwork(s);
  // alicloud_security_group: create, read (DescribeSecurityGroups + DescribeSecurityGroupAttribute), update, rules
  const sg = await newGroup(net.VpcId, 'tf-sg');
  const list = (await ecs(s, 'DescribeSecurityGroups', { ...R, SecurityGroupId: sg })) as Rec & { SecurityGroups: { SecurityGroup: Rec[] } };
  assert.equal(list.SecurityGroups.SecurityGroup.length, 1);
  assert.equal(list.SecurityGroups.SecurityGroup[0]!['VpcId'], net.VpcId);
  assert.equal(list.SecurityGroups.SecurityGroup[0]!['SecurityGroupType'], 'normal');
  assert.match(list.SecurityGroups.SecurityGroup[0]!['CreationTime'] as string, /^2030-01-01T00:00:00Z$/);
  await ecs(s, 'ModifySecurityGroupAttribute', { ...R, SecurityGroupId: sg, SecurityGroupName: 'tf-sg-2', Description: 'changed' });
  await ecs(s, 'AuthorizeSecurityGroup', { ...R, SecurityGroupId: sg, IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Priority: 1 });
  await ecs(s, 'AuthorizeSecurityGroup', { ...R, SecurityGroupId: sg, 'Permissions.1.IpProtocol': 'TCP', 'Permissions.1.PortRange': '80/443', 'Permissions.1.SourceCidrIp': '10.0.0.0/8', 'Permissions.1.Priority': '5', 'Permissions.2.IpProtocol': 'icmp', 'Permissions.2.PortRange': '-1/-1', 'Permissions.2.SourceCidrIp': '0.0.0.0/0' });
  // the same rule again changes nothing
  await ecs(s, 'AuthorizeSecurityGroup', { ...R, SecurityGroupId: sg, IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Priority: 1 });
  const attr = await ecs(s, 'DescribeSecurityGroupAttribute', { ...R, SecurityGroupId: sg });
  assert.equal(attr['SecurityGroupName'], 'tf-sg-2');
  assert.equal(attr['Description'], 'changed');
  assert.equal(attr['InnerAccessPolicy'], 'Accept');
  const perms = (attr['Permissions'] as { Permission: Rec[] }).Permission;
  assert.equal(perms.length, 3);
  assert.deepEqual(perms.map((x) => [x['IpProtocol'], x['PortRange'], x['Priority'], x['Policy'], x['Direction']]), [['TCP', '22/22', 1, 'Accept', 'ingress'], ['TCP', '80/443', 5, 'Accept', 'ingress'], ['ICMP', '-1/-1', 1, 'Accept', 'ingress']]);
  assert.equal(typeof perms[0]!['Priority'], 'number'); // products-notes §4.4

  // alicloud_instance: RunInstances, poll DescribeInstances until Running
  const [id] = await run({ SecurityGroupId: sg, VSwitchId: net.VSwitchId, InstanceName: 'tf-web', 'Tag.1.Key': 'env', 'Tag.1.Value': 'test', ClientToken: 'tok-1' });
  assert.match(id!, /^i-[a-z0-9]{20}$/);
  let inst = (await describe(id!))!;
  assert.equal(inst.Status, 'Pending');
  assert.equal(inst['InstanceName'], 'tf-web');
  assert.equal(inst['InstanceType'], TYPE);
  assert.equal(inst['ImageId'], IMAGE);
  assert.equal(inst['Cpu'], 2);
  assert.equal(inst['Memory'], 8192);
  assert.equal(inst['ZoneId'], net.ZoneId);
  assert.equal(inst['CreationTime'], '2030-01-01T00:00Z');
  assert.deepEqual(inst['SecurityGroupIds'], { SecurityGroupId: [sg] });
  assert.deepEqual(inst['Tags'], { Tag: [{ TagKey: 'env', TagValue: 'test' }] });
  assert.equal(inst.VpcAttributes.VpcId, net.VpcId);
  assert.equal(inst.VpcAttributes.VSwitchId, net.VSwitchId);
  assert.match(inst.VpcAttributes.PrivateIpAddress.IpAddress[0]!, /^127\.\d+\.\d+\.\d+$/);
  assert.deepEqual(inst['PublicIpAddress'], { IpAddress: [] });
  const nics = (inst['NetworkInterfaces'] as { NetworkInterface: Rec[] }).NetworkInterface;
  assert.equal(nics.length, 1);
  assert.equal(nics[0]!['Type'], 'Primary');
  assert.match(nics[0]!['NetworkInterfaceId'] as string, /^eni-/);
  await advance(s, 999);
  assert.equal(await statusOf(id!), 'Pending', 'still Pending 999 ms later');
  await advance(s, 1);
  assert.equal(await statusOf(id!), 'Starting');
  await advance(s, 1000);
  assert.equal(await statusOf(id!), 'Running');
  inst = (await describe(id!))!;
  assert.equal(inst['StartTime'], '2030-01-01T00:00Z');

  const a = await ecs(s, 'DescribeInstanceAttribute', { InstanceId: id });
  assert.equal(a['Status'], 'Running');
  assert.equal(a['IoOptimized'], 'optimized');
  assert.deepEqual(a['VpcAttributes'], { VpcId: net.VpcId, VSwitchId: net.VSwitchId, NatIpAddress: '', PrivateIpAddress: { IpAddress: inst.VpcAttributes.PrivateIpAddress.IpAddress } });
  assert.equal(a['NetworkInterfaces'], undefined, 'only the fields of the action’s own tree');
  const st = await ecs(s, 'DescribeInstanceStatus', { ...R, 'InstanceId.1': id });
  assert.deepEqual(st['InstanceStatuses'], { InstanceStatus: [{ InstanceId: id, Status: 'Running' }] });
  assert.equal(st['TotalCount'], 1);
  const eni = (await ecs(s, 'DescribeNetworkInterfaces', { ...R, InstanceId: id }))['NetworkInterfaceSets'] as { NetworkInterfaceSet: Rec[] };
  assert.equal(eni.NetworkInterfaceSet.length, 1);
  assert.equal(eni.NetworkInterfaceSet[0]!['Type'], 'Primary');
  assert.equal(eni.NetworkInterfaceSet[0]!['Status'], 'InUse');

  // in use: the group cannot go; a running instance cannot be deleted without Force
  let e = await rejects(() => ecs(s, 'DeleteSecurityGroup', { ...R, SecurityGroupId: sg }));
  assert.equal(e.code, 'DependencyViolation');
  assert.equal(e.statusCode, 400);
  e = await rejects(() => ecs(s, 'DeleteInstance', { InstanceId: id }));
  assert.equal(e.code, 'IncorrectInstanceStatus');
  assert.equal(e.statusCode, 403);
  e = await rejects(() => ecs(s, 'StartInstance', { InstanceId: id }));
  assert.equal(e.code, 'IncorrectInstanceStatus');

  await ecs(s, 'StopInstance', { InstanceId: id });
  assert.equal(await statusOf(id!), 'Stopping');
  assert.equal((await rejects(() => ecs(s, 'StopInstance', { InstanceId: id }))).code, 'IncorrectInstanceStatus');
  await advance(s, 1000);
  assert.equal(await statusOf(id!), 'Stopped');
  assert.equal((await ecs(s, 'DescribeInstances', { ...R, Status: 'Stopped', InstanceIds: JSON.stringify([id]) }))['TotalCount'], 1);
  await ecs(s, 'StartInstance', { InstanceId: id });
  assert.equal(await statusOf(id!), 'Starting');
  await advance(s, 1000);
  assert.equal(await statusOf(id!), 'Running');
  await ecs(s, 'RebootInstance', { InstanceId: id });
  assert.equal(await statusOf(id!), 'Stopping');
  await advance(s, 1000);
  assert.equal(await statusOf(id!), 'Starting');
  await advance(s, 1000);
  assert.equal(await statusOf(id!), 'Running');

  // Terraform deletes with Force=true; the list is then empty (its "gone")
  await ecs(s, 'DeleteInstance', { InstanceId: id, Force: true });
  assert.deepEqual(instances(await ecs(s, 'DescribeInstances', { ...R, InstanceIds: JSON.stringify([id]) })), []);
  await ecs(s, 'DeleteSecurityGroup', { ...R, SecurityGroupId: sg });
  assert.deepEqual((await ecs(s, 'DescribeSecurityGroups', { ...R, SecurityGroupId: sg }))['SecurityGroups'], { SecurityGroup: [] });
  assert.equal((await rejects(() => ecs(s, 'DescribeSecurityGroupAttribute', { ...R, SecurityGroupId: sg }))).statusCode, 404);
});

test('CreateInstance leaves the instance Stopped; Delete without Force needs Stopped, DeleteInstances is all or nothing', async () => {
  const created = await ecs(s, 'CreateInstance', { ...R, ImageId: IMAGE, InstanceType: 'ecs.c6.large' });
  const id = created['InstanceId'] as string;
  assert.equal(await statusOf(id), 'Pending');
  assert.equal((await rejects(() => ecs(s, 'DeleteInstance', { InstanceId: id, Force: true }))).code, 'IncorrectInstanceStatus.Initializing');
  await advance(s, 1000);
  assert.equal(await statusOf(id), 'Stopped');
  const [other] = await running();
  const e = await rejects(() => ecs(s, 'DeleteInstances', { ...R, 'InstanceId.1': id, 'InstanceId.2': other }));
  assert.equal(e.code, 'IncorrectInstanceStatus');
  assert.equal(await statusOf(id), 'Stopped', 'nothing deleted');
  await ecs(s, 'DeleteInstances', { ...R, 'InstanceId.1': id, 'InstanceId.2': other, Force: true });
  assert.equal(await describe(id), undefined);
  assert.equal(await describe(other!), undefined);
});

test('SLB load-balances to instances and ENIs made by ECS; a Pending or Stopped instance is refused (ObtainIpFail)', async () => {
  const lb = (await s.call('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: (await defaultNetwork(s)).VSwitchId })) as Rec;
  const LoadBalancerId = lb['LoadBalancerId'] as string;
  const [pending] = await run();
  let e = await rejects(() => s.call('AddBackendServers', { ...R, LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: pending }]) }));
  assert.equal(e.code, 'ObtainIpFail');
  // the server clock's timers write Running without any ECS call in between
  await advance(s, 2000);
  const added = (await s.call('AddBackendServers', { ...R, LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: pending, Weight: 50 }]) })) as Rec;
  assert.deepEqual(((added['BackendServers'] as { BackendServer: Rec[] }).BackendServer).map((b) => b['ServerId']), [pending]);
  const ip = (await describe(pending!))!.VpcAttributes.PrivateIpAddress.IpAddress[0];
  assert.notEqual(ip, lb['Address'], 'the load balancer and the instance never share an address');
  const health = (await s.call('DescribeLoadBalancerAttribute', { ...R, LoadBalancerId })) as Rec;
  assert.equal(((health['BackendServers'] as { BackendServer: Rec[] }).BackendServer)[0]!['ServerId'], pending);

  // stopped: as SLB answers for a stopped world instance
  const [stopped] = await running();
  await ecs(s, 'StopInstance', { InstanceId: stopped });
  await advance(s, 1000);
  e = await rejects(() => s.call('AddBackendServers', { ...R, LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: stopped }]) }));
  assert.equal(e.code, 'ObtainIpFail');

  // an ENI made by ECS is an ENI backend
  const eni = await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: (await defaultNetwork(s)).VSwitchId });
  await s.call('AddBackendServers', { ...R, LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: eni['NetworkInterfaceId'], Type: 'eni', ServerIp: eni['PrivateIpAddress'], Port: 80 }]) });
  const attr = (await s.call('DescribeLoadBalancerAttribute', { ...R, LoadBalancerId })) as Rec;
  assert.deepEqual(((attr['BackendServers'] as { BackendServer: Rec[] }).BackendServer).map((b) => b['Type']).sort(), ['ecs', 'eni']);
});

test('addresses: requested, duplicated, outside, malformed, exhausted; never shared with load balancers or ENIs; HostAddress in host-block vSwitches', async () => {
  // a vSwitch of the operator API: loopback addresses, no HostAddress
  await opOk(s, 'POST', '/world/vpcs', { RegionId: 'cn-hangzhou', VpcId: 'vpc-addr', CidrBlock: '127.90.0.0/16', VSwitches: [{ VSwitchId: 'vsw-addr', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.90.1.0/29' }] });
  const sg = await newGroup('vpc-addr');
  const [first] = await run({ VSwitchId: 'vsw-addr', SecurityGroupId: sg, PrivateIpAddress: '127.90.1.3' });
  assert.deepEqual((await describe(first!))!.VpcAttributes.PrivateIpAddress.IpAddress, ['127.90.1.3']);
  let e = await rejects(() => run({ VSwitchId: 'vsw-addr', PrivateIpAddress: '127.90.1.3' }));
  assert.equal(e.code, 'InvalidPrivateIpAddress.Duplicated');
  e = await rejects(() => run({ VSwitchId: 'vsw-addr', PrivateIpAddress: '127.91.0.9' }));
  assert.equal(e.code, 'InvalidPrivateIpAddress');
  e = await rejects(() => run({ VSwitchId: 'vsw-addr', PrivateIpAddress: '127.90.1.x' }));
  assert.equal(e.code, 'InvalidPrivateIpAddress.Malformed');
  // a /29 has 4 usable addresses: .1 .2 .3 .4 — .3 is taken, a load balancer and an ENI take two more
  const lb = (await s.call('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: 'vsw-addr' })) as Rec;
  const eni = await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: 'vsw-addr', SecurityGroupId: sg });
  const [last] = await run({ VSwitchId: 'vsw-addr', SecurityGroupId: sg });
  const ips = [lb['Address'], eni['PrivateIpAddress'], '127.90.1.3', (await describe(last!))!.VpcAttributes.PrivateIpAddress.IpAddress[0]];
  assert.equal(new Set(ips).size, 4, `all different: ${ips.join(' ')}`);
  e = await rejects(() => run({ VSwitchId: 'vsw-addr' }));
  assert.equal(e.code, 'QuotaExceeded.PrivateIpAddress');
  e = await rejects(() => ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: 'vsw-addr' }));
  assert.equal(e.code, 'InvalidVSwitchId.IpNotEnough');
  // the operator API's listing
  const world = (await opOk(s, 'GET', '/world/instances?RegionId=cn-hangzhou')) as { Instances: Rec[] };
  assert.equal(world.Instances.find((i) => i['InstanceId'] === first)!['HostAddress'], undefined);
  // deleting frees the address
  await advance(s, 2000);
  await ecs(s, 'DeleteInstance', { InstanceId: first, Force: true });
  const [again] = await run({ VSwitchId: 'vsw-addr' });
  assert.deepEqual((await describe(again!))!.VpcAttributes.PrivateIpAddress.IpAddress, ['127.90.1.3']);

  // a vSwitch with a host block (as the VPC API makes them), put in the store directly
  const scope = { account: s.rootAccountId, region: 'cn-hangzhou' };
  await s.store.write(async (tx) => {
    await tx.put('vpc', scope, 'vpc-private', { VpcId: 'vpc-private', RegionId: 'cn-hangzhou', VpcName: '', CidrBlock: '10.0.0.0/16', Status: 'Available', IsDefault: false, CreationTime: '2030-01-01T00:00:00Z' });
    await tx.put('vswitch', scope, 'vsw-private', { VSwitchId: 'vsw-private', VpcId: 'vpc-private', RegionId: 'cn-hangzhou', ZoneId: 'cn-hangzhou-h', VSwitchName: '', CidrBlock: '10.0.1.0/24', Status: 'Available', IsDefault: false, CreationTime: '2030-01-01T00:00:00Z', HostCidrBlock: '127.200.7.0/24' });
  });
  const [priv] = await run({ VSwitchId: 'vsw-private', PrivateIpAddress: '10.0.1.20' });
  const pi = (await describe(priv!))!;
  assert.deepEqual(pi.VpcAttributes.PrivateIpAddress.IpAddress, ['10.0.1.20']);
  assert.equal(pi['ZoneId'], 'cn-hangzhou-h');
  const w2 = (await opOk(s, 'GET', '/world/instances?RegionId=cn-hangzhou')) as { Instances: Rec[] };
  assert.equal(w2.Instances.find((i) => i['InstanceId'] === priv)!['HostAddress'], '127.200.7.20');
  const eni2 = await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: 'vsw-private' });
  assert.equal(eni2['PrivateIpAddress'], '10.0.1.1');
  const w3 = (await opOk(s, 'GET', '/world/instances?RegionId=cn-hangzhou')) as { Instances: Rec[] };
  assert.equal(w3.Instances.find((i) => i['InstanceId'] === eni2['NetworkInterfaceId'])!['HostAddress'], '127.200.7.1');
  // the operator's PATCH keeps what ECS stored
  await opOk(s, 'PATCH', `/world/instances/cn-hangzhou/${priv}`, { Status: 'Stopped' });
  const patched = (await describe(priv!))!;
  assert.equal(patched.Status, 'Stopped');
  assert.equal(patched['InstanceType'], TYPE);
});

test('cloud controller lookups: DescribeInstances by InstanceIds with NextToken paging, by PrivateIpAddresses; ENIs by VpcId + Status=InUse + PrivateIpAddress.N', async () => {
  await opOk(s, 'POST', '/world/vpcs', { RegionId: 'cn-hangzhou', VpcId: 'vpc-ccm', CidrBlock: '127.91.0.0/16', VSwitches: [{ VSwitchId: 'vsw-ccm', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.91.1.0/24' }] });
  const ids = await running({ VSwitchId: 'vsw-ccm', Amount: 5 });
  assert.equal(ids.length, 5);
  const seen: string[] = [];
  let token = '';
  let pages = 0;
  for (;;) {
    const r = await ecs(s, 'DescribeInstances', { ...R, InstanceIds: JSON.stringify(ids), MaxResults: 2, NextToken: token, 'AdditionalAttributes.1': 'NETWORK_PRIMARY_ENI_IP' });
    pages++;
    assert.equal(r['PageSize'], 2);
    assert.equal(r['TotalCount'], 5);
    seen.push(...instances(r).map((i) => i.InstanceId));
    token = r['NextToken'] as string;
    if (!token) break;
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, ids);
  // classic paging too
  const p2 = await ecs(s, 'DescribeInstances', { ...R, VpcId: 'vpc-ccm', PageSize: 2, PageNumber: 3 });
  assert.deepEqual([p2['PageNumber'], p2['PageSize'], p2['TotalCount'], instances(p2).length], [3, 2, 5, 1]);
  const ipOf = async (id: string) => (await describe(id))!.VpcAttributes.PrivateIpAddress.IpAddress[0]!;
  const byIp = await ecs(s, 'DescribeInstances', { ...R, InstanceNetworkType: 'vpc', VpcId: 'vpc-ccm', PrivateIpAddresses: JSON.stringify([await ipOf(ids[2]!)]) });
  assert.deepEqual(instances(byIp).map((i) => i.InstanceId), [ids[2]]);
  assert.equal((await rejects(() => ecs(s, 'DescribeInstances', { ...R, NextToken: 'not-a-token' }))).code, 'InvalidParameter');

  // ENI mode: two ENIs attached (InUse), one left Available
  const enis: Rec[] = [];
  for (let i = 0; i < 3; i++) enis.push(await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: 'vsw-ccm', NetworkInterfaceName: `pod-${i}` }));
  await ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: enis[0]!['NetworkInterfaceId'], InstanceId: ids[0] });
  await ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: enis[1]!['NetworkInterfaceId'], InstanceId: ids[1] });
  const q: Rec = { ...R, VpcId: 'vpc-ccm', Status: 'InUse', MaxResults: 100, NextToken: '' };
  enis.forEach((e, i) => (q[`PrivateIpAddress.${i + 1}`] = e['PrivateIpAddress']));
  const r = await ecs(s, 'DescribeNetworkInterfaces', q);
  const sets = (r['NetworkInterfaceSets'] as { NetworkInterfaceSet: Rec[] }).NetworkInterfaceSet;
  assert.deepEqual(sets.map((x) => x['NetworkInterfaceId']), [enis[0]!['NetworkInterfaceId'], enis[1]!['NetworkInterfaceId']]);
  assert.deepEqual((sets[0]!['PrivateIpSets'] as { PrivateIpSet: Rec[] }).PrivateIpSet[0]!['PrivateIpAddress'], enis[0]!['PrivateIpAddress']);
  assert.equal(sets[0]!['InstanceId'], ids[0]);
  assert.equal(r['NextToken'], '');
  assert.equal(r['PageSize'], 100);
  const byId = await ecs(s, 'DescribeNetworkInterfaces', { ...R, 'NetworkInterfaceId.1': enis[2]!['NetworkInterfaceId'], 'NetworkInterfaceId.2': 'eni-unknown' });
  const one = (byId['NetworkInterfaceSets'] as { NetworkInterfaceSet: Rec[] }).NetworkInterfaceSet;
  assert.deepEqual(one.map((x) => [x['Status'], x['Type'], x['NetworkInterfaceName'], x['SourceDestCheck']]), [['Available', 'Secondary', 'pod-2', false]]);
});

test('ENIs: Available → InUse on attach and back; the errors of each step', async () => {
  await opOk(s, 'POST', '/world/vpcs', { RegionId: 'cn-hangzhou', VpcId: 'vpc-eni', CidrBlock: '127.92.0.0/16', VSwitches: [{ VSwitchId: 'vsw-eni-b', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.92.1.0/24' }, { VSwitchId: 'vsw-eni-h', ZoneId: 'cn-hangzhou-h', CidrBlock: '127.92.2.0/24' }] });
  const sg = await newGroup('vpc-eni');
  const created = await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: 'vsw-eni-b', SecurityGroupId: sg, PrimaryIpAddress: '127.92.1.50', NetworkInterfaceName: 'n1', Description: 'dd' });
  const eni = created['NetworkInterfaceId'] as string;
  assert.match(eni, /^eni-/);
  assert.deepEqual([created['Status'], created['Type'], created['VpcId'], created['ZoneId'], created['PrivateIpAddress']], ['Available', 'Secondary', 'vpc-eni', 'cn-hangzhou-b', '127.92.1.50']);
  assert.deepEqual(created['SecurityGroupIds'], { SecurityGroupId: [sg] });
  const [inB] = await running({ VSwitchId: 'vsw-eni-b' });
  const [inH] = await running({ VSwitchId: 'vsw-eni-h' });
  let e = await rejects(() => ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: eni, InstanceId: inH }));
  assert.equal(e.code, 'InvalidOperation.AvailabilityZoneMismatch');
  e = await rejects(() => ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: 'eni-nope', InstanceId: inB }));
  assert.deepEqual([e.code, e.statusCode], ['InvalidEniId.NotFound', 404]);
  e = await rejects(() => ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: eni, InstanceId: 'i-nope' }));
  assert.deepEqual([e.code, e.statusCode], ['InvalidInstanceId.NotFound', 404]);
  await ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: eni, InstanceId: inB });
  const st = async () => ((await ecs(s, 'DescribeNetworkInterfaces', { ...R, 'NetworkInterfaceId.1': eni }))['NetworkInterfaceSets'] as { NetworkInterfaceSet: Rec[] }).NetworkInterfaceSet[0]!;
  assert.deepEqual([(await st())['Status'], (await st())['InstanceId']], ['InUse', inB]);
  e = await rejects(() => ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: eni, InstanceId: inB }));
  assert.equal(e.code, 'InvalidOperation.InvalidEniState');
  e = await rejects(() => ecs(s, 'DeleteNetworkInterface', { ...R, NetworkInterfaceId: eni }));
  assert.equal(e.code, 'InvalidOperation.InvalidEniState');
  // the security group is in use by the ENI
  assert.equal((await rejects(() => ecs(s, 'DeleteSecurityGroup', { ...R, SecurityGroupId: sg }))).code, 'DependencyViolation');
  const primary = ((await describe(inB!))!['NetworkInterfaces'] as { NetworkInterface: Rec[] }).NetworkInterface[0]!['NetworkInterfaceId'];
  e = await rejects(() => ecs(s, 'DetachNetworkInterface', { ...R, NetworkInterfaceId: primary, InstanceId: inB }));
  assert.equal(e.code, 'InvalidOperation.DetachPrimaryEniNotAllowed');
  await ecs(s, 'DetachNetworkInterface', { ...R, NetworkInterfaceId: eni, InstanceId: inB });
  assert.equal((await st())['Status'], 'Available');
  // deleting an instance detaches its ENIs
  await ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: eni, InstanceId: inB });
  await ecs(s, 'DeleteInstance', { InstanceId: inB, Force: true });
  assert.deepEqual([(await st())['Status'], (await st())['InstanceId']], ['Available', '']);
  await ecs(s, 'DeleteNetworkInterface', { ...R, NetworkInterfaceId: eni });
  assert.deepEqual((await ecs(s, 'DescribeNetworkInterfaces', { ...R, 'NetworkInterfaceId.1': eni }))['NetworkInterfaceSets'], { NetworkInterfaceSet: [] });
  e = await rejects(() => ecs(s, 'DeleteNetworkInterface', { ...R, NetworkInterfaceId: eni }));
  assert.equal(e.code, 'InvalidEniId.NotFound');
  await ecs(s, 'DeleteSecurityGroup', { ...R, SecurityGroupId: sg });
});

test('errors: not found with their published status, empty lists for unknown ids, parameters, mismatches, the VPC copies', async () => {
  for (const action of ['StartInstance', 'StopInstance', 'RebootInstance', 'DeleteInstance', 'DescribeInstanceAttribute']) {
    const e = await rejects(() => ecs(s, action, { InstanceId: 'i-doesnotexist' }));
    assert.deepEqual([e.code, e.statusCode, e.data['Message']], ['InvalidInstanceId.NotFound', 404, 'The specified InstanceId does not exist.'], action);
  }
  assert.deepEqual(instances(await ecs(s, 'DescribeInstances', { ...R, InstanceIds: '["i-unknown1","i-unknown2"]' })), []);
  assert.deepEqual((await ecs(s, 'DescribeInstanceStatus', { ...R, 'InstanceId.1': 'i-unknown' }))['InstanceStatuses'], { InstanceStatus: [] });
  assert.deepEqual((await ecs(s, 'DescribeSecurityGroups', { ...R, SecurityGroupId: 'sg-unknown' }))['SecurityGroups'], { SecurityGroup: [] });
  for (const [action, p] of [['DescribeSecurityGroupAttribute', {}], ['AuthorizeSecurityGroup', { IpProtocol: 'tcp', PortRange: '1/2', SourceCidrIp: '0.0.0.0/0' }], ['DeleteSecurityGroup', {}], ['ModifySecurityGroupAttribute', { SecurityGroupName: 'abc' }]] as const) {
    const e = await rejects(() => ecs(s, action, { ...R, SecurityGroupId: 'sg-unknown', ...p }));
    assert.deepEqual([e.code, e.statusCode], ['InvalidSecurityGroupId.NotFound', 404], action);
  }
  let e = await rejects(() => ecs(s, 'DescribeInstances', { RegionId: 'mars-north-1' }));
  assert.deepEqual([e.code, e.statusCode], ['InvalidRegionId.NotFound', 404]);
  e = await rejects(() => run({ VSwitchId: 'vsw-unknown' }));
  assert.deepEqual([e.code, e.statusCode], ['InvalidVSwitchId.NotFound', 404]);
  e = await rejects(() => run({ ImageId: 'no_such_image.vhd' }));
  assert.deepEqual([e.code, e.statusCode], ['InvalidImageId.NotFound', 404]);
  e = await rejects(() => run({ InstanceType: 'ecs.nope.huge' }));
  assert.equal(e.code, 'InvalidInstanceType.ValueNotSupported');
  e = await rejects(() => ecs(s, 'RunInstances', { ...R, InstanceType: TYPE }));
  assert.deepEqual([e.code, e.data['Message']], ['MissingParameter', 'The input parameter ImageId that is mandatory for processing this request is not supplied.']);
  e = await rejects(() => run({ InstanceName: 'x' }));
  assert.equal(e.code, 'InvalidInstanceName.Malformed');
  e = await rejects(() => run({ SecurityGroupId: 'sg-unknown' }));
  assert.equal(e.code, 'InvalidSecurityGroupId.NotFound');
  await opOk(s, 'POST', '/world/vpcs', { RegionId: 'cn-hangzhou', VpcId: 'vpc-other', CidrBlock: '127.93.0.0/16' });
  const foreign = await newGroup('vpc-other');
  e = await rejects(() => run({ SecurityGroupId: foreign }));
  assert.deepEqual([e.code, e.data['Message']], ['InvalidParameter.Mismatch', 'Specified security group and virtual switch are not in the same VPC.']);
  const dflt = (await defaultNetwork(s)).VSwitchId;
  e = await rejects(() => run({ VSwitchId: dflt, ZoneId: 'cn-hangzhou-k' }));
  assert.equal(e.code, 'InvalidParameter.Mismatch');
  e = await rejects(() => ecs(s, 'CreateSecurityGroup', { ...R, VpcId: 'vpc-unknown' }));
  assert.deepEqual([e.code, e.statusCode], ['InvalidVpcId.NotFound', 404]);
  e = await rejects(() => ecs(s, 'CreateSecurityGroup', { ...R, SecurityGroupName: 'http://x' }));
  assert.equal(e.code, 'InvalidSecurityGroupName.Malformed');
  for (const [p, code] of [[{ IpProtocol: 'sctp', PortRange: '1/2', SourceCidrIp: '0.0.0.0/0' }, 'InvalidIpProtocol.ValueNotSupported'], [{ IpProtocol: 'tcp', PortRange: '-1/-1', SourceCidrIp: '0.0.0.0/0' }, 'InvalidIpProtocol.Malformed'], [{ IpProtocol: 'tcp', PortRange: '80/80', SourceCidrIp: '300.0.0.0/8' }, 'InvalidSourceCidrIp.Malformed'], [{ IpProtocol: 'tcp', PortRange: '80/80' }, 'MissingParameter'], [{ IpProtocol: 'tcp', PortRange: '80/80', SourceCidrIp: '0.0.0.0/0', Priority: 101 }, 'InvalidPriority.ValueNotSupported'], [{ IpProtocol: 'tcp', PortRange: '80/80', SourceCidrIp: '0.0.0.0/0', Policy: 'maybe' }, 'InvalidPolicy.Malformed'], [{ IpProtocol: 'tcp', PortRange: '80/80', SourceGroupId: 'sg-unknown' }, 'InvalidSourceGroupId.NotFound']] as const) {
    const err = await rejects(() => ecs(s, 'AuthorizeSecurityGroup', { ...R, SecurityGroupId: foreign, ...p }));
    assert.equal(err.code, code, JSON.stringify(p));
  }
  // the VPC/EIP copies of this version answer through the VPC product, with its errors
  e = await rejects(() => ecs(s, 'CreateVpc', { ...R, CidrBlock: '8.8.0.0/16' }));
  assert.equal(e.code, 'InvalidParameter');
  const vs = (await ecs(s, 'DescribeVSwitches', { ...R })) as { VSwitches: { VSwitch: unknown[] } };
  assert.ok(Array.isArray(vs.VSwitches.VSwitch));
});

test('DescribeRegions, DescribeZones, DescribeImages, DescribeInstanceTypes from the static catalogs', async () => {
  const regions = ((await ecs(s, 'DescribeRegions', { AcceptLanguage: 'en-US' }))['Regions'] as { Region: Rec[] }).Region;
  const hz = regions.find((r) => r['RegionId'] === 'cn-hangzhou')!;
  assert.deepEqual(hz, { RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)', RegionEndpoint: 'ecs.aliyuncs.com', Status: 'available' });
  const zones = ((await ecs(s, 'DescribeZones', { ...R }))['Zones'] as { Zone: Rec[] }).Zone;
  assert.ok(zones.some((z) => z['ZoneId'] === 'cn-hangzhou-b'));
  assert.ok(((zones[0]!['AvailableInstanceTypes'] as { InstanceTypes: string[] }).InstanceTypes).includes(TYPE));
  assert.ok(((zones[0]!['AvailableResourceCreation'] as { ResourceTypes: string[] }).ResourceTypes).includes('Instance'));
  assert.equal((await rejects(() => ecs(s, 'DescribeZones', { RegionId: 'nowhere-1' }))).code, 'InvalidRegionId.NotFound');
  const imgs = await ecs(s, 'DescribeImages', { ...R, ImageId: IMAGE });
  const img = (imgs['Images'] as { Image: Rec[] }).Image;
  assert.equal(imgs['TotalCount'], 1);
  assert.deepEqual([img[0]!['ImageId'], img[0]!['OSType'], img[0]!['Status'], img[0]!['Size'], img[0]!['ImageOwnerAlias']], [IMAGE, 'linux', 'Available', 20, 'system']);
  const mapping = (img[0]!['DiskDeviceMappings'] as { DiskDeviceMapping: Rec[] }).DiskDeviceMapping[0]!;
  assert.equal(mapping['Size'], '20');
  assert.ok(((await ecs(s, 'DescribeImages', { ...R }))['TotalCount'] as number) >= 5);
  const types = ((await ecs(s, 'DescribeInstanceTypes', { 'InstanceTypes.1': TYPE }))['InstanceTypes'] as { InstanceType: Rec[] }).InstanceType;
  assert.deepEqual(types.map((t) => [t['InstanceTypeId'], t['CpuCoreCount'], t['MemorySize'], t['InstanceTypeFamily']]), [[TYPE, 2, 8, 'ecs.g6']]);
});

test('isolation: another account sees none of the instances, groups and ENIs, and cannot change them', async () => {
  const net = await defaultNetwork(s);
  const sg = await newGroup(net.VpcId, 'mine');
  const [id] = await running({ SecurityGroupId: sg });
  const eni = (await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: net.VSwitchId }))['NetworkInterfaceId'];
  const t = await createTenant(s);
  const key = { id: t.id, secret: t.secret };
  assert.deepEqual(instances(await ecs(s, 'DescribeInstances', { ...R, InstanceIds: JSON.stringify([id]) }, { key })), []);
  assert.deepEqual((await ecs(s, 'DescribeSecurityGroups', { ...R, SecurityGroupId: sg }, { key }))['SecurityGroups'], { SecurityGroup: [] });
  assert.deepEqual((await ecs(s, 'DescribeNetworkInterfaces', { ...R, 'NetworkInterfaceId.1': eni }, { key }))['NetworkInterfaceSets'], { NetworkInterfaceSet: [] });
  assert.equal((await rejects(() => ecs(s, 'StopInstance', { InstanceId: id }, { key }))).code, 'InvalidInstanceId.NotFound');
  assert.equal((await rejects(() => ecs(s, 'DescribeInstanceAttribute', { InstanceId: id }, { key }))).code, 'InvalidInstanceId.NotFound');
  assert.equal((await rejects(() => ecs(s, 'DeleteSecurityGroup', { ...R, SecurityGroupId: sg }, { key }))).code, 'InvalidSecurityGroupId.NotFound');
  assert.equal((await rejects(() => ecs(s, 'DeleteNetworkInterface', { ...R, NetworkInterfaceId: eni }, { key }))).code, 'InvalidEniId.NotFound');
  // and the tenant's own instance runs in its own default VPC
  const theirs = (await ecs(s, 'RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE }, { key }))['InstanceIdSets'] as { InstanceIdSet: string[] };
  assert.equal(theirs.InstanceIdSet.length, 1);
  assert.equal(await statusOf(id!), 'Running');
  assert.equal(await describe(theirs.InstanceIdSet[0]!), undefined);
});

test('a restart loses the timers, not the transitions: due steps are written on the next ECS call, the rest re-armed', async (t) => {
  const dir = await startTestServer({ freezeClock: '2031-01-01T00:00:00Z', keepDir: true });
  const call = (action: string, p: Rec = {}) => ecs(dir, action, p, { method: 'POST' });
  const net = await defaultNetwork(dir);
  const done = ((await call('RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE, VSwitchId: net.VSwitchId }))['InstanceIdSets'] as { InstanceIdSet: string[] }).InstanceIdSet[0]!;
  await dir.stop();
  // back 5 s later: the first instance's steps fell due while no timer ran
  const again = await startTestServer({ dataDir: dir.dataDir, freezeClock: '2031-01-01T00:00:05Z' });
  t.after(async () => again.stop());
  const lb = (await again.call('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: net.VSwitchId })) as Rec;
  const add = (id: string) => again.call('AddBackendServers', { ...R, LoadBalancerId: lb['LoadBalancerId'], BackendServers: JSON.stringify([{ ServerId: id }]) });
  assert.equal((await rejects(() => add(done))).code, 'ObtainIpFail', 'SLB reads the stored status');
  const later = ((await ecs(again, 'RunInstances', { ...R, ImageId: IMAGE, InstanceType: TYPE, VSwitchId: net.VSwitchId }, { method: 'POST' }))['InstanceIdSets'] as { InstanceIdSet: string[] }).InstanceIdSet[0]!;
  await add(done);
  // timers armed after the restart move the new one along on an advance, without ECS calls
  await advance(again, 2000);
  await add(later);
});

test('more conditions: zones, vSwitch and VPC status, ENI mismatches, languages, DryRun, no default vSwitch', async () => {
  let e = await rejects(() => run({ ZoneId: 'cn-hangzhou-zz' }));
  assert.deepEqual([e.code, e.statusCode], ['InvalidZoneId.NotFound', 404]);
  await opOk(s, 'POST', '/world/vpcs', { RegionId: 'cn-hangzhou', VpcId: 'vpc-status', CidrBlock: '127.94.0.0/16', VSwitches: [{ VSwitchId: 'vsw-status', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.94.1.0/24' }] });
  const scope = { account: s.rootAccountId, region: 'cn-hangzhou' };
  await s.store.write(async (tx) => {
    await tx.put('vswitch', scope, 'vsw-pending', { VSwitchId: 'vsw-pending', VpcId: 'vpc-status', RegionId: 'cn-hangzhou', ZoneId: 'cn-hangzhou-b', VSwitchName: '', CidrBlock: '127.94.2.0/24', Status: 'Pending', IsDefault: false, CreationTime: '2030-01-01T00:00:00Z' });
  });
  e = await rejects(() => run({ VSwitchId: 'vsw-pending' }));
  assert.equal(e.code, 'IncorrectVSwitchStatus');
  await opOk(s, 'PATCH', '/world/vpcs/cn-hangzhou/vpc-status', { Status: 'Creating' });
  e = await rejects(() => run({ VSwitchId: 'vsw-status' }));
  assert.equal(e.code, 'IncorrectVpcStatus');
  e = await rejects(() => ecs(s, 'CreateSecurityGroup', { ...R, VpcId: 'vpc-status' }));
  assert.equal(e.code, 'IncorrectVpcStatus');
  await opOk(s, 'PATCH', '/world/vpcs/cn-hangzhou/vpc-status', { Status: 'Available' });

  const net = await defaultNetwork(s);
  const otherSg = await newGroup('vpc-status');
  e = await rejects(() => ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: net.VSwitchId, SecurityGroupId: otherSg }));
  assert.equal(e.code, 'InvalidOperation.VpcMismatch');
  const eniInOther = (await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: 'vsw-status' }))['NetworkInterfaceId'];
  const [pending] = await run({ VSwitchId: net.VSwitchId });
  const eni = (await ecs(s, 'CreateNetworkInterface', { ...R, VSwitchId: net.VSwitchId }))['NetworkInterfaceId'];
  e = await rejects(() => ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: eni, InstanceId: pending }));
  assert.equal(e.code, 'InvalidOperation.InvalidEcsState');
  await advance(s, 2000);
  e = await rejects(() => ecs(s, 'AttachNetworkInterface', { ...R, NetworkInterfaceId: eniInOther, InstanceId: pending }));
  assert.equal(e.code, 'InvalidOperation.VpcMismatch');

  e = await rejects(() => ecs(s, 'StopInstance', { InstanceId: pending, DryRun: true }));
  assert.equal(e.code, 'DryRunOperation');
  assert.equal(await statusOf(pending!), 'Running', 'a dry run changes nothing');
  e = await rejects(() => ecs(s, 'DescribeRegions', { AcceptLanguage: 'fr' }));
  assert.equal(e.code, 'InvalidAcceptLanguage.NotFound');
  const ja = ((await ecs(s, 'DescribeZones', { ...R, AcceptLanguage: 'ja', Verbose: false }))['Zones'] as { Zone: Rec[] }).Zone[0]!;
  assert.match(ja['LocalName'] as string, /ゾーン/);
  assert.deepEqual(ja['AvailableResources'], { ResourcesInfo: [] });

  // a region first touched while the default VPC is off has no default vSwitch
  await opOk(s, 'PUT', '/world/settings', { DefaultVpc: false });
  try {
    e = await rejects(() => ecs(s, 'RunInstances', { RegionId: 'cn-shenzhen', ImageId: IMAGE, InstanceType: TYPE }, { method: 'POST' }));
    assert.deepEqual([e.code, e.data['Message']], ['MissingParameter', 'The input parameter "VSwitchId" that is mandatory for processing this request is not supplied.']);
  } finally {
    await opOk(s, 'PUT', '/world/settings', { DefaultVpc: true });
  }
});
