// VPC 2016-04-28 (src/products/vpc) through real clients: pop-core (V1), openapi-client (V3) and the
// generated SDK @alicloud/vpc20160428, against a server whose clock is frozen (statuses move only
// when the test advances it through the operator API), plus one server on a running clock for the
// Terraform polling flow. The VPCs and vSwitches are the world's: SLB creates load balancers in them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import * as $OpenApiCore from '@alicloud/openapi-core';
import VpcModule, * as $Vpc from '@alicloud/vpc20160428';
import { AK, rejects as rejectsRaw, startTestServer, type TestServer } from '../helpers/server.js';
import { createSubUser, createTenant, op, opOk } from '../helpers/tenants.js';

const R = { RegionId: 'cn-hangzhou' };
let s: TestServer;
let vpc: RPCClient;
let slb: RPCClient;

type Rec = Record<string, unknown>;
// the generated SDK is CommonJS: its client class is the module's `default`
const VpcSdk = VpcModule.default;

/** The error of a pop-core call, with the HTTP status it came with. */
async function rejects(fn: () => Promise<unknown>): Promise<{ code: string; statusCode?: number; data: Rec; message: string }> {
  const e = (await rejectsRaw(fn)) as Awaited<ReturnType<typeof rejectsRaw>> & { entry?: { response?: { statusCode?: number } } };
  return Object.assign(e, { statusCode: e.statusCode ?? e.entry?.response?.statusCode });
}

before(async () => {
  s = await startTestServer({ freezeClock: true });
  vpc = new RPCClient({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: s.url, apiVersion: '2016-04-28', opts: { timeout: 30_000 } });
  slb = s.pop();
});
after(async () => s.stop());

/** pop-core parses into null-prototype objects: compare plain copies */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const call = async (action: string, params: Rec = {}, method: 'GET' | 'POST' = 'POST') => plain((await vpc.request(action, params, { method })) as Rec);
/** Moves the frozen server clock past the Pending delay (1 s by default). */
const settle = () => opOk(s, 'POST', '/clock/advance', { Seconds: 2 });

/** openapi-client callApi with signature V3 on VPC's version. */
const v3 = (server: TestServer, action: string, query: Rec) => server.v3(action, query, { version: '2016-04-28' });

function sdk(server: TestServer): InstanceType<typeof VpcSdk> {
  return new VpcSdk(new $OpenApiCore.$OpenApiUtil.Config({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: `127.0.0.1:${server.port}`, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 30_000, connectTimeout: 30_000 }));
}

async function newVpc(cidr = '192.168.0.0/16', extra: Rec = {}): Promise<string> {
  const r = await call('CreateVpc', { ...R, CidrBlock: cidr, ...extra });
  return r['VpcId'] as string;
}
async function newVSwitch(vpcId: string, cidr: string, zone = 'cn-hangzhou-h', extra: Rec = {}): Promise<string> {
  const r = await call('CreateVSwitch', { ...R, VpcId: vpcId, ZoneId: zone, CidrBlock: cidr, ...extra });
  return r['VSwitchId'] as string;
}

test('CreateVpc → Pending until the server clock passes the delay → Available; attributes and list as written', async () => {
  const r = await call('CreateVpc', { ...R, CidrBlock: '10.0.0.0/8', VpcName: 'web', Description: 'web tier', 'Tag.1.Key': 'team', 'Tag.1.Value': 'a' });
  const id = r['VpcId'] as string;
  assert.match(id, /^vpc-[a-z0-9]{21}$/);
  assert.match(r['VRouterId'] as string, /^vrt-/);
  assert.match(r['RouteTableId'] as string, /^vtb-/);
  assert.match(r['ResourceGroupId'] as string, /^rg-/);
  const a = await call('DescribeVpcAttribute', { ...R, VpcId: id });
  assert.equal(a['Status'], 'Pending');
  await opOk(s, 'POST', '/clock/advance', { Seconds: 1 });
  const b = await call('DescribeVpcAttribute', { ...R, VpcId: id }, 'GET');
  assert.equal(b['Status'], 'Available');
  assert.equal(b['CidrBlock'], '10.0.0.0/8');
  assert.equal(b['VpcName'], 'web');
  assert.equal(b['Description'], 'web tier');
  assert.equal(b['IsDefault'], false);
  assert.deepEqual(b['VSwitchIds'], { VSwitchId: [] });
  assert.deepEqual(b['Tags'], { Tag: [{ Key: 'team', Value: 'a' }] });
  const list = await call('DescribeVpcs', { ...R, VpcId: id });
  assert.equal(list['TotalCount'], 1);
  const v = (list['Vpcs'] as { Vpc: Rec[] }).Vpc[0]!;
  assert.equal(v['VpcId'], id);
  assert.equal(v['Status'], 'Available');
  assert.deepEqual(v['RouterTableIds'], { RouterTableIds: [r['RouteTableId']] });
  // the world sees the same document (operator API)
  const w = (await opOk(s, 'GET', '/world/vpcs?RegionId=cn-hangzhou'))['Vpcs'] as Rec[];
  assert.ok(w.some((x) => x['VpcId'] === id && x['CidrBlock'] === '10.0.0.0/8'));
  await call('DeleteVpc', { ...R, VpcId: id });
});

test('CidrBlock: only 10/8, 172.16/12, 192.168/16 blocks; vSwitches inside their VPC, /16–/29, no overlap', async () => {
  for (const cidr of ['8.8.0.0/16', '172.0.0.0/8', '127.0.0.0/8', '10.0.0.0/29', 'nonsense', '10.0.0.1/16']) {
    const e = await rejects(() => call('CreateVpc', { ...R, CidrBlock: cidr }));
    assert.equal(e.code, 'InvalidParameter', cidr);
    assert.equal(e.data['Message'], 'Specified CIDR block is not valid');
  }
  // no CidrBlock: the real default 172.16.0.0/12
  const d = await newVpc('');
  assert.equal((await call('DescribeVpcAttribute', { ...R, VpcId: d }))['CidrBlock'], '172.16.0.0/12');
  const id = await newVpc('192.168.0.0/16');
  // a Pending VPC takes no vSwitch
  assert.equal((await rejects(() => newVSwitch(id, '192.168.1.0/24'))).code, 'IncorrectVpcStatus');
  await settle();
  const cases: [string, string, string][] = [
    ['192.168.1.0/33', 'InvalidCidrBlock.Malformed', 'Specified CIDR block is not valid.'],
    ['192.168.1.1/24', 'InvalidCidrBlock.Malformed', 'Specified CIDR block is not valid.'],
    ['192.168.0.0/30', 'InvalidCirdrBlock.MaskLength', 'Specified CIDR block is not valid .'],
    ['192.0.0.0/15', 'InvalidCirdrBlock.MaskLength', 'Specified CIDR block is not valid .'],
    ['10.1.0.0/24', 'InvalidParameter', 'Specified CIDR block is not valid in VPC.'],
  ];
  for (const [cidr, code, message] of cases) {
    const e = await rejects(() => newVSwitch(id, cidr));
    assert.equal(e.code, code, cidr);
    assert.equal(e.data['Message'], message, cidr);
  }
  const a = await newVSwitch(id, '192.168.1.0/24');
  const e = await rejects(() => newVSwitch(id, '192.168.1.128/25'));
  assert.equal(e.code, 'InvalidCidrBlock.Overlapped');
  assert.equal(e.data['Message'], 'Specified CIDR block overlapped with other subnets.');
  assert.equal((await rejects(() => newVSwitch(id, '192.168.2.0/24', 'cn-hangzhou-z'))).code, 'InvalidZoneId.NotFound');
  const nf = await rejects(() => newVSwitch('vpc-nosuch', '192.168.2.0/24'));
  assert.equal(nf.code, 'InvalidVpcId.NotFound');
  assert.equal(nf.statusCode, 404);
  // the vSwitch reports its private block exactly, and has a loopback host block in the world
  await settle();
  const attrs = await call('DescribeVSwitchAttributes', { ...R, VSwitchId: a });
  assert.equal(attrs['CidrBlock'], '192.168.1.0/24');
  assert.equal(attrs['AvailableIpAddressCount'], 252);
  const ws = (await opOk(s, 'GET', `/world/vswitches?RegionId=cn-hangzhou&VpcId=${id}`))['VSwitches'] as Rec[];
  assert.equal(ws.length, 1);
  const host = ws[0]!['HostCidrBlock'] as string;
  assert.match(host, /^127\.(\d+)\.\d+\.0\/24$/);
  assert.ok(Number(host.split('.')[1]) >= 128, 'host blocks come from 127.128.0.0/9');
  assert.equal(ws[0]!['AvailableIpAddressCount'], 252);
  // deleting gives the host block back: the next /24 gets it again (through the API or the operator API)
  await call('DeleteVSwitch', { ...R, VSwitchId: a });
  const b = await newVSwitch(id, '192.168.5.0/24');
  const hostOf = async (vsw: string) => ((await opOk(s, 'GET', `/world/vswitches?RegionId=cn-hangzhou&VpcId=${id}`))['VSwitches'] as Rec[]).find((v) => v['VSwitchId'] === vsw)!['HostCidrBlock'];
  assert.equal(await hostOf(b), host);
  await opOk(s, 'DELETE', `/world/vswitches/cn-hangzhou/${b}`);
  const c = await newVSwitch(id, '192.168.6.0/24');
  assert.equal(await hostOf(c), host);
  await settle();
  await call('DeleteVSwitch', { ...R, VSwitchId: c });
  await call('DeleteVpc', { ...R, VpcId: id });
  await call('DeleteVpc', { ...R, VpcId: d });
});

test('statuses on the frozen clock: Delete while Pending is IncorrectVpcStatus / IncorrectVSwitchStatus', async () => {
  const id = await newVpc('10.10.0.0/16');
  const e = await rejects(() => call('DeleteVpc', { ...R, VpcId: id }));
  assert.equal(e.code, 'IncorrectVpcStatus');
  assert.equal(e.data['Message'], 'Current VPC status does not support this operation.');
  assert.equal((await rejects(() => call('ModifyVpcAttribute', { ...R, VpcId: id, VpcName: 'x' }))).code, 'IncorrectVpcStatus');
  await settle();
  const vsw = await newVSwitch(id, '10.10.1.0/24');
  assert.equal((await call('DescribeVSwitchAttributes', { ...R, VSwitchId: vsw }))['Status'], 'Pending');
  // SLB sees the same world: no load balancer in a vSwitch still being created
  const lbErr = await rejects(() => slb.request('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: vsw }, { method: 'POST' }));
  assert.equal(lbErr.code, 'VpcStatusError');
  const e2 = await rejects(() => call('DeleteVSwitch', { ...R, VSwitchId: vsw }));
  assert.equal(e2.code, 'IncorrectVSwitchStatus');
  assert.equal(e2.data['Message'], 'The current virtual switch status does not support this operation.');
  await settle();
  assert.equal((await call('DescribeVSwitchAttributes', { ...R, VSwitchId: vsw }))['Status'], 'Available');
  // DryRun: every check passes, nothing changes
  const dry = await rejects(() => call('DeleteVSwitch', { ...R, VSwitchId: vsw, DryRun: true }));
  assert.equal(dry.code, 'DryRunOperation');
  assert.equal(dry.data['Message'], 'Request validation has been passed with DryRun flag set.');
  assert.equal((await call('DescribeVSwitchAttributes', { ...R, VSwitchId: vsw }))['VSwitchId'], vsw);
  await call('DeleteVSwitch', { ...R, VSwitchId: vsw });
  assert.equal((await rejects(() => call('DeleteVpc', { ...R, VpcId: id, DryRun: true }))).code, 'DryRunOperation');
  assert.equal((await rejects(() => call('CreateVpc', { ...R, CidrBlock: '10.11.0.0/16', DryRun: true }))).code, 'DryRunOperation');
  assert.equal((await call('DescribeVpcs', { ...R, VpcName: '', IsDefault: false, VpcId: id }))['TotalCount'], 1);
  await call('DeleteVpc', { ...R, VpcId: id });
});

test('DependencyViolation: a VPC with vSwitches, a vSwitch with a load balancer or an instance', async () => {
  const id = await newVpc('172.20.0.0/16');
  await settle();
  const vsw = await newVSwitch(id, '172.20.1.0/24');
  await settle();
  const e = await rejects(() => call('DeleteVpc', { ...R, VpcId: id }));
  assert.equal(e.code, 'DependencyViolation.VSwitch');
  assert.equal(e.data['Message'], 'Specified object has dependent resources');
  const lb = (await slb.request('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: vsw }, { method: 'POST' })) as Rec;
  const e2 = await rejects(() => call('DeleteVSwitch', { ...R, VSwitchId: vsw }));
  assert.equal(e2.code, 'DependencyViolation');
  assert.equal(e2.data['Message'], 'Specified object has dependent resources.');
  await slb.request('DeleteLoadBalancer', { ...R, LoadBalancerId: lb['LoadBalancerId'] }, { method: 'POST' });
  await opOk(s, 'POST', '/world/instances', { RegionId: 'cn-hangzhou', InstanceId: 'eni-vpcdep01', Type: 'eni', VSwitchId: vsw, PrivateIpAddress: '172.20.1.20' });
  assert.equal((await rejects(() => call('DeleteVSwitch', { ...R, VSwitchId: vsw }))).code, 'DependencyViolation');
  await opOk(s, 'DELETE', '/world/instances/cn-hangzhou/eni-vpcdep01');
  await call('DeleteVSwitch', { ...R, VSwitchId: vsw });
  await call('DeleteVpc', { ...R, VpcId: id });
});

test('a load balancer created by SLB in a vSwitch of CreateVSwitch gets its private address; AvailableIpAddressCount drops by one', async () => {
  const id = await newVpc('192.168.0.0/16');
  await settle();
  const vsw = await newVSwitch(id, '192.168.10.0/24', 'cn-hangzhou-i');
  await settle();
  const before = (await call('DescribeVSwitches', { ...R, VSwitchId: vsw }))['VSwitches'] as { VSwitch: Rec[] };
  assert.equal(before.VSwitch[0]!['AvailableIpAddressCount'], 252);
  const lb = (await slb.request('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: vsw }, { method: 'POST' })) as Rec;
  assert.equal(lb['VpcId'], id);
  assert.equal(lb['VSwitchId'], vsw);
  assert.equal(lb['Address'], '192.168.10.1');
  const d = (await slb.request('DescribeLoadBalancerAttribute', { ...R, LoadBalancerId: lb['LoadBalancerId'] }, { method: 'POST' })) as Rec;
  assert.equal(d['Address'], '192.168.10.1');
  assert.equal(d['NetworkType'], 'vpc');
  const after = (await call('DescribeVSwitchAttributes', { ...R, VSwitchId: vsw }))['AvailableIpAddressCount'];
  assert.equal(after, 251);
  // an instance of the world in the vSwitch counts too
  await opOk(s, 'POST', '/world/instances', { RegionId: 'cn-hangzhou', InstanceId: 'i-vpccount01', VSwitchId: vsw, PrivateIpAddress: '192.168.10.50' });
  assert.equal((await call('DescribeVSwitchAttributes', { ...R, VSwitchId: vsw }))['AvailableIpAddressCount'], 250);
  await opOk(s, 'DELETE', '/world/instances/cn-hangzhou/i-vpccount01');
  await slb.request('DeleteLoadBalancer', { ...R, LoadBalancerId: lb['LoadBalancerId'] }, { method: 'POST' });
  assert.equal((await call('DescribeVSwitchAttributes', { ...R, VSwitchId: vsw }))['AvailableIpAddressCount'], 252);
  await call('DeleteVSwitch', { ...R, VSwitchId: vsw });
  await call('DeleteVpc', { ...R, VpcId: id });
});

test('not found: the published codes with HTTP 404; list actions answer empty lists for unknown ids', async () => {
  for (const [action, params, code] of [
    ['DescribeVpcAttribute', { VpcId: 'vpc-nosuch' }, 'InvalidVpcId.NotFound'],
    ['ModifyVpcAttribute', { VpcId: 'vpc-nosuch', VpcName: 'x' }, 'InvalidVpcId.NotFound'],
    ['DeleteVpc', { VpcId: 'vpc-nosuch' }, 'InvalidVpcId.NotFound'],
    ['DescribeVSwitchAttributes', { VSwitchId: 'vsw-nosuch' }, 'InvalidVSwitchId.NotFound'],
    ['ModifyVSwitchAttribute', { VSwitchId: 'vsw-nosuch', VSwitchName: 'x' }, 'InvalidVSwitchId.NotFound'],
    ['DeleteVSwitch', { VSwitchId: 'vsw-nosuch' }, 'InvalidVSwitchId.NotFound'],
    ['AssociateEipAddress', { AllocationId: 'eip-nosuch', InstanceId: 'lb-x', InstanceType: 'SlbInstance' }, 'InvalidAllocationId.NotFound'],
    ['UnassociateEipAddress', { AllocationId: 'eip-nosuch' }, 'InvalidAllocationId.NotFound'],
    ['ReleaseEipAddress', { AllocationId: 'eip-nosuch' }, 'InvalidAllocationId.NotFound'],
  ] as [string, Rec, string][]) {
    const e = await rejects(() => call(action, { ...R, ...params }));
    assert.equal(e.code, code, action);
    assert.equal(e.statusCode, 404, action);
  }
  assert.deepEqual((await call('DescribeVpcs', { ...R, VpcId: 'vpc-nosuch' }))['Vpcs'], { Vpc: [] });
  assert.deepEqual((await call('DescribeVSwitches', { ...R, VSwitchId: 'vsw-nosuch' }))['VSwitches'], { VSwitch: [] });
  assert.deepEqual((await call('DescribeVSwitches', { ...R, VpcId: 'vpc-nosuch' }))['VSwitches'], { VSwitch: [] });
  assert.deepEqual((await call('DescribeEipAddresses', { ...R, AllocationId: 'eip-nosuch' }))['EipAddresses'], { EipAddress: [] });
  assert.equal((await rejects(() => call('DescribeVpcs', { RegionId: 'mars-north-1' }))).code, 'InvalidRegionId.NotFound');
});

test('paging and filters by the store: PageNumber/PageSize/TotalCount, VpcName, IsDefault, ZoneId, VpcId, tags', async () => {
  const region = { RegionId: 'cn-shanghai' };
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await call('CreateVpc', { ...region, CidrBlock: `10.${i}.0.0/16`, VpcName: i % 2 ? 'odd' : 'even', 'Tag.1.Key': 'n', 'Tag.1.Value': String(i % 2) }))['VpcId'] as string);
  const own = { ...region, IsDefault: false };
  const p1 = await call('DescribeVpcs', { ...own, PageSize: 2, PageNumber: 1 });
  assert.equal(p1['TotalCount'], 5);
  assert.equal(p1['PageSize'], 2);
  assert.deepEqual((p1['Vpcs'] as { Vpc: Rec[] }).Vpc.map((v) => v['VpcId']), ids.slice(0, 2));
  const p3 = await call('DescribeVpcs', { ...own, PageSize: 2, PageNumber: 3 });
  assert.deepEqual((p3['Vpcs'] as { Vpc: Rec[] }).Vpc.map((v) => v['VpcId']), ids.slice(4));
  assert.equal((await call('DescribeVpcs', { ...region, VpcName: 'odd' }))['TotalCount'], 2);
  assert.equal((await call('DescribeVpcs', { ...region, VpcId: `${ids[0]},${ids[3]}` }))['TotalCount'], 2);
  assert.equal((await call('DescribeVpcs', { ...region, 'Tag.1.Key': 'n', 'Tag.1.Value': '0' }))['TotalCount'], 3);
  // the world's default VPC (created on first touch of the region) is the one IsDefault=true
  const def = await call('DescribeVpcs', { ...region, IsDefault: true });
  assert.equal(def['TotalCount'], 1);
  assert.equal((def['Vpcs'] as { Vpc: Rec[] }).Vpc[0]!['IsDefault'], true);
  assert.equal((await rejects(() => call('DescribeVpcs', { ...region, PageSize: 51 }))).code, 'InvalidParameter');
  await settle();
  const vs: string[] = [];
  for (const [i, zone] of ['cn-shanghai-a', 'cn-shanghai-b', 'cn-shanghai-a'].entries()) {
    vs.push((await call('CreateVSwitch', { ...region, VpcId: ids[0], ZoneId: zone, CidrBlock: `10.0.${i}.0/24` }))['VSwitchId'] as string);
  }
  const byZone = await call('DescribeVSwitches', { ...region, VpcId: ids[0], ZoneId: 'cn-shanghai-a', PageSize: 1 });
  assert.equal(byZone['TotalCount'], 2);
  assert.deepEqual((byZone['VSwitches'] as { VSwitch: Rec[] }).VSwitch.map((v) => v['VSwitchId']), [vs[0]]);
  const all = await call('DescribeVpcs', { ...region, VpcId: ids[0] });
  assert.deepEqual(((all['Vpcs'] as { Vpc: Rec[] }).Vpc[0]!['VSwitchIds'] as { VSwitchId: string[] }).VSwitchId, vs);
  await settle();
  for (const v of vs) await call('DeleteVSwitch', { ...region, VSwitchId: v });
  for (const id of ids) await call('DeleteVpc', { ...region, VpcId: id });
  assert.equal((await call('DescribeVpcs', own))['TotalCount'], 0);
});

test('ModifyVpcAttribute / ModifyVSwitchAttribute change names and descriptions; malformed ones are refused', async () => {
  const id = await newVpc('10.20.0.0/16');
  await settle();
  await call('ModifyVpcAttribute', { ...R, VpcId: id, VpcName: 'renamed', Description: 'new' });
  const a = await call('DescribeVpcAttribute', { ...R, VpcId: id });
  assert.equal(a['VpcName'], 'renamed');
  assert.equal(a['Description'], 'new');
  assert.equal((await rejects(() => call('ModifyVpcAttribute', { ...R, VpcId: id, VpcName: 'http://x' }))).code, 'InvalidVpcName.Malformed');
  assert.equal((await rejects(() => call('ModifyVpcAttribute', { ...R, VpcId: id, VpcName: 'x'.repeat(129) }))).code, 'InvalidVpcName.Malformed');
  const vsw = await newVSwitch(id, '10.20.0.0/24', 'cn-hangzhou-h', { VSwitchName: 'a', Description: 'b' });
  // without RegionId: the vSwitch's own region
  await call('ModifyVSwitchAttribute', { VSwitchId: vsw, VSwitchName: 'c', Description: 'd' });
  const everywhere = await call('DescribeVSwitches', { VSwitchId: vsw });
  assert.equal(everywhere['TotalCount'], 1);
  assert.equal((await rejects(() => call('DeleteVSwitch', { VSwitchId: 'vsw-nosuch' }))).code, 'InvalidVSwitchId.NotFound');
  assert.equal((await rejects(() => call('CreateVSwitch', { VpcId: 'vpc-nosuch', ZoneId: 'cn-hangzhou-h', CidrBlock: '10.20.9.0/24' }))).code, 'InvalidVpcId.NotFound');
  const b = await call('DescribeVSwitchAttributes', { ...R, VSwitchId: vsw });
  assert.equal(b['VSwitchName'], 'c');
  assert.equal(b['Description'], 'd');
  assert.equal((await rejects(() => call('ModifyVSwitchAttribute', { ...R, VSwitchId: vsw, Description: 'https://x' }))).code, 'InvalidVSwitchDiscription.Malformed');
  await settle();
  await call('DeleteVSwitch', { ...R, VSwitchId: vsw });
  await call('DeleteVpc', { ...R, VpcId: id });
});

test('DescribeRegions and DescribeZones', async () => {
  const r = await call('DescribeRegions', { AcceptLanguage: 'en-US' }, 'GET');
  const hz = (r['Regions'] as { Region: Rec[] }).Region.find((x) => x['RegionId'] === 'cn-hangzhou')!;
  assert.deepEqual(hz, { RegionId: 'cn-hangzhou', LocalName: 'China (Hangzhou)', RegionEndpoint: 'vpc.aliyuncs.com' });
  const z = await call('DescribeZones', { ...R, AcceptLanguage: 'en-us' });
  const zones = (z['Zones'] as { Zone: Rec[] }).Zone;
  assert.ok(zones.length > 1);
  assert.deepEqual(zones[0], { ZoneId: 'cn-hangzhou-b', LocalName: 'Hangzhou Zone B', ZoneType: 'AvailabilityZone' });
  const e = await rejects(() => call('DescribeZones', { RegionId: 'mars-north-1' }));
  assert.equal(e.code, 'InvalidRegionId.NotFound');
  assert.equal(e.statusCode, 404);
});

test('EIPs: Allocate from the internet pool, Associate with an intranet SLB load balancer in a VPC, Unassociate, Release (alicloud_eip_address + alicloud_eip_association)', async () => {
  const id = await newVpc('192.168.0.0/16');
  await settle();
  const vsw = await newVSwitch(id, '192.168.20.0/24');
  await settle();
  const lb = (await slb.request('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: vsw }, { method: 'POST' })) as Rec;
  const lbId = lb['LoadBalancerId'] as string;
  const a = await call('AllocateEipAddress', { ...R, Bandwidth: '10', InternetChargeType: 'PayByTraffic', Name: 'web-eip' });
  const alloc = a['AllocationId'] as string;
  assert.match(alloc, /^eip-/);
  assert.match(a['EipAddress'] as string, /^127\.1\.\d+\.\d+$/);
  const leases = (await opOk(s, 'GET', '/world/leases'))['Leases'] as Rec[];
  assert.ok(leases.some((l) => l['Address'] === a['EipAddress'] && l['LoadBalancerId'] === alloc), 'the EIP holds a server-wide lease');
  // Terraform's read: DescribeEipAddresses by AllocationId
  const d = await call('DescribeEipAddresses', { ...R, AllocationId: alloc });
  const e = (d['EipAddresses'] as { EipAddress: Rec[] }).EipAddress[0]!;
  assert.equal(e['Status'], 'Available');
  assert.equal(e['IpAddress'], a['EipAddress']);
  assert.equal(e['Bandwidth'], '10');
  assert.equal(e['InternetChargeType'], 'PayByTraffic');
  assert.equal(e['Name'], 'web-eip');
  assert.equal(e['InstanceId'], '');
  // refusals: unknown instance, a classic (non-VPC) load balancer, an unsupported type
  assert.equal((await rejects(() => call('AssociateEipAddress', { ...R, AllocationId: alloc, InstanceId: 'lb-nosuch', InstanceType: 'SlbInstance' }))).code, 'InvalidInstanId.NotFound');
  const classic = (await slb.request('CreateLoadBalancer', { ...R, AddressType: 'intranet' }, { method: 'POST' })) as Rec;
  const c = await rejects(() => call('AssociateEipAddress', { ...R, AllocationId: alloc, InstanceId: classic['LoadBalancerId'], InstanceType: 'SlbInstance' }));
  assert.equal(c.code, 'OperationDenied');
  assert.equal(c.data['Message'], 'Specified instance is not in VPC.');
  assert.equal((await rejects(() => call('AssociateEipAddress', { ...R, AllocationId: alloc, InstanceId: lbId, InstanceType: 'HaVip' }))).code, 'InvalidInstanceType.ValueNotSupported');
  await slb.request('DeleteLoadBalancer', { ...R, LoadBalancerId: classic['LoadBalancerId'] }, { method: 'POST' });
  assert.equal((await rejects(() => call('UnassociateEipAddress', { ...R, AllocationId: alloc }))).code, 'IncorrectEipStatus');

  await call('AssociateEipAddress', { ...R, AllocationId: alloc, InstanceId: lbId, InstanceType: 'SlbInstance' });
  const inUse = ((await call('DescribeEipAddresses', { ...R, AssociatedInstanceId: lbId, AssociatedInstanceType: 'SlbInstance' }))['EipAddresses'] as { EipAddress: Rec[] }).EipAddress;
  assert.equal(inUse.length, 1);
  assert.equal(inUse[0]!['Status'], 'InUse');
  assert.equal(inUse[0]!['InstanceId'], lbId);
  assert.equal(inUse[0]!['InstanceType'], 'SlbInstance');
  assert.equal(inUse[0]!['PrivateIpAddress'], lb['Address']);
  assert.equal(((await call('DescribeEipAddresses', { ...R, Status: 'InUse', AllocationId: alloc }))['TotalCount']), 1);
  // the load balancer document carries the EIP
  const lbDoc = () => s.store.read((tx) => tx.get<Rec>('loadBalancer', { account: s.rootAccountId, region: 'cn-hangzhou' }, lbId));
  assert.equal((await lbDoc())!['EipAddress'], a['EipAddress']);
  // InUse: no second association, no release
  const a2 = await call('AllocateEipAddress', R);
  assert.equal((await rejects(() => call('AssociateEipAddress', { ...R, AllocationId: alloc, InstanceId: lbId, InstanceType: 'SlbInstance' }))).code, 'IncorrectEipStatus');
  assert.equal((await rejects(() => call('AssociateEipAddress', { ...R, AllocationId: a2['AllocationId'], InstanceId: lbId, InstanceType: 'SlbInstance' }))).code, 'InvalidAssociation.Duplicated');
  const rel = await rejects(() => call('ReleaseEipAddress', { ...R, AllocationId: alloc }));
  assert.equal(rel.code, 'IncorrectEipStatus');
  assert.equal(rel.data['Message'], 'Current elastic IP status does not support this operation.');
  assert.equal((await rejects(() => call('UnassociateEipAddress', { ...R, AllocationId: alloc, InstanceId: 'lb-other', InstanceType: 'SlbInstance' }))).code, 'InvalidBindingStatus');

  await call('UnassociateEipAddress', { ...R, AllocationId: alloc, InstanceId: lbId, InstanceType: 'SlbInstance' });
  assert.equal((await lbDoc())!['EipAddress'], undefined);
  const back = ((await call('DescribeEipAddresses', { ...R, AllocationId: alloc }))['EipAddresses'] as { EipAddress: Rec[] }).EipAddress[0]!;
  assert.equal(back['Status'], 'Available');
  assert.equal(back['InstanceId'], '');
  await call('ReleaseEipAddress', { ...R, AllocationId: alloc });
  await call('ReleaseEipAddress', { ...R, AllocationId: a2['AllocationId'] });
  assert.deepEqual((await call('DescribeEipAddresses', { ...R, AllocationId: alloc }))['EipAddresses'], { EipAddress: [] });
  // the address is free again: the next allocation may take it
  const again = await call('AllocateEipAddress', { ...R, IpAddress: a['EipAddress'] });
  assert.equal(again['EipAddress'], a['EipAddress']);
  // an association whose load balancer SLB deleted ends with it: the EIP reads Available and can be released
  await call('AssociateEipAddress', { ...R, AllocationId: again['AllocationId'], InstanceId: lbId, InstanceType: 'SlbInstance' });
  await slb.request('DeleteLoadBalancer', { ...R, LoadBalancerId: lbId }, { method: 'POST' });
  const orphan = ((await call('DescribeEipAddresses', { ...R, AllocationId: again['AllocationId'] }))['EipAddresses'] as { EipAddress: Rec[] }).EipAddress[0]!;
  assert.equal(orphan['Status'], 'Available');
  assert.equal(orphan['InstanceId'], '');
  // RegionId is optional on the actions naming one EIP: its own region is used
  await call('ReleaseEipAddress', { AllocationId: again['AllocationId'] });
  await call('DeleteVSwitch', { ...R, VSwitchId: vsw });
  await call('DeleteVpc', { ...R, VpcId: id });
});

test('isolation: another account neither sees nor touches the VPC, vSwitch or EIP', async () => {
  const id = await newVpc('10.30.0.0/16');
  await settle();
  const vsw = await newVSwitch(id, '10.30.1.0/24');
  const eip = (await call('AllocateEipAddress', R))['AllocationId'] as string;
  const t = await createTenant(s);
  const other = new RPCClient({ accessKeyId: t.id, accessKeySecret: t.secret, endpoint: s.url, apiVersion: '2016-04-28', opts: { timeout: 30_000 } });
  const oc = async (a: string, p: Rec) => plain((await other.request(a, { ...R, ...p }, { method: 'POST' })) as Rec);
  assert.equal((await rejects(() => oc('DescribeVpcAttribute', { VpcId: id }))).code, 'InvalidVpcId.NotFound');
  assert.equal((await rejects(() => oc('DeleteVpc', { VpcId: id }))).code, 'InvalidVpcId.NotFound');
  assert.equal((await rejects(() => oc('ModifyVpcAttribute', { VpcId: id, VpcName: 'mine' }))).code, 'InvalidVpcId.NotFound');
  assert.equal((await rejects(() => oc('CreateVSwitch', { VpcId: id, ZoneId: 'cn-hangzhou-h', CidrBlock: '10.30.2.0/24' }))).code, 'InvalidVpcId.NotFound');
  assert.equal((await rejects(() => oc('DescribeVSwitchAttributes', { VSwitchId: vsw }))).code, 'InvalidVSwitchId.NotFound');
  assert.equal((await rejects(() => oc('DeleteVSwitch', { VSwitchId: vsw }))).code, 'InvalidVSwitchId.NotFound');
  assert.equal((await rejects(() => oc('ReleaseEipAddress', { AllocationId: eip }))).code, 'InvalidAllocationId.NotFound');
  assert.deepEqual((await oc('DescribeVpcs', { VpcId: id }))['Vpcs'], { Vpc: [] });
  assert.deepEqual((await oc('DescribeVSwitches', { VSwitchId: vsw }))['VSwitches'], { VSwitch: [] });
  assert.deepEqual((await oc('DescribeEipAddresses', { AllocationId: eip }))['EipAddresses'], { EipAddress: [] });
  // nor can its SLB use the vSwitch
  const lbErr = await rejects(() => t.call('CreateLoadBalancer', { ...R, AddressType: 'intranet', VSwitchId: vsw }));
  assert.equal(lbErr.code, 'ServiceUnavailable');
  // and the other account's own VPC with the same private block is its own
  const theirs = (await oc('CreateVpc', { CidrBlock: '10.30.0.0/16' }))['VpcId'] as string;
  assert.notEqual(theirs, id);
  await settle();
  await call('ReleaseEipAddress', { ...R, AllocationId: eip });
  await call('DeleteVSwitch', { ...R, VSwitchId: vsw });
  await call('DeleteVpc', { ...R, VpcId: id });
  await oc('DeleteVpc', { VpcId: theirs });
});

test('openapi-client (V3) and @alicloud/vpc20160428 drive the key actions', async () => {
  const c = await v3(s, 'CreateVpc', { ...R, CidrBlock: '172.18.0.0/16', VpcName: 'v3' });
  assert.equal(c.statusCode, 200);
  const id = c.body['VpcId'] as string;
  const bad = await v3(s, 'DescribeVpcAttribute', { ...R, VpcId: 'vpc-nosuch' }).then(
    () => undefined,
    (e: { code?: string; statusCode?: number; data?: { statusCode?: number } }) => e,
  );
  assert.equal(bad?.code, 'InvalidVpcId.NotFound');
  await settle();
  const client = sdk(s);
  const vs = await client.createVSwitch(new $Vpc.CreateVSwitchRequest({ regionId: 'cn-hangzhou', vpcId: id, zoneId: 'cn-hangzhou-h', cidrBlock: '172.18.1.0/24', vSwitchName: 'sdk' }));
  const vswId = vs.body!.vSwitchId!;
  assert.match(vswId, /^vsw-/);
  await settle();
  const attr = await client.describeVSwitchAttributes(new $Vpc.DescribeVSwitchAttributesRequest({ regionId: 'cn-hangzhou', vSwitchId: vswId }));
  assert.equal(attr.body!.status, 'Available');
  assert.equal(attr.body!.cidrBlock, '172.18.1.0/24');
  assert.equal(attr.body!.availableIpAddressCount, 252);
  assert.equal(attr.body!.vpcId, id);
  const rts = await client.describeRouteTableList(new $Vpc.DescribeRouteTableListRequest({ regionId: 'cn-hangzhou', vpcId: id }));
  assert.deepEqual(rts.body!.routerTableList!.routerTableListType![0]!.vSwitchIds!.vSwitchId, [vswId]);
  const list = await client.describeVpcs(new $Vpc.DescribeVpcsRequest({ regionId: 'cn-hangzhou', vpcId: id }));
  assert.equal(list.body!.totalCount, 1);
  assert.deepEqual(list.body!.vpcs!.vpc![0]!.vSwitchIds!.vSwitchId, [vswId]);
  const eip = await client.allocateEipAddress(new $Vpc.AllocateEipAddressRequest({ regionId: 'cn-hangzhou' }));
  const eips = await client.describeEipAddresses(new $Vpc.DescribeEipAddressesRequest({ regionId: 'cn-hangzhou', allocationId: eip.body!.allocationId }));
  assert.equal(eips.body!.eipAddresses!.eipAddress![0]!.ipAddress, eip.body!.eipAddress);
  await client.releaseEipAddress(new $Vpc.ReleaseEipAddressRequest({ regionId: 'cn-hangzhou', allocationId: eip.body!.allocationId }));
  const z = await client.describeZones(new $Vpc.DescribeZonesRequest({ regionId: 'cn-hangzhou' }));
  assert.ok(z.body!.zones!.zone!.length > 1);
  await client.deleteVSwitch(new $Vpc.DeleteVSwitchRequest({ regionId: 'cn-hangzhou', vSwitchId: vswId }));
  const gone = await client.describeVSwitchAttributes(new $Vpc.DescribeVSwitchAttributesRequest({ regionId: 'cn-hangzhou', vSwitchId: vswId })).then(
    () => undefined,
    (e: { code?: string; statusCode?: number }) => e,
  );
  assert.equal(gone?.code, 'InvalidVSwitchId.NotFound');
  assert.equal(gone?.statusCode, 404);
  await client.deleteVpc(new $Vpc.DeleteVpcRequest({ regionId: 'cn-hangzhou', vpcId: id }));
});

test('Terraform flows on a running clock: alicloud_vpc and alicloud_vswitch poll until Available, update, delete, read gone', async () => {
  const t = await startTestServer();
  try {
    const c = new RPCClient({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: t.url, apiVersion: '2016-04-28', opts: { timeout: 30_000 } });
    const tf = async (a: string, p: Rec) => plain((await c.request(a, { ...R, ...p }, { method: 'POST' })) as Rec);
    const until = async (read: () => Promise<Rec>, status: string) => {
      for (;;) {
        const r = await read();
        if (r['Status'] === status) return r;
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    // alicloud_vpc: CreateVpc (ClientToken) → DescribeVpcAttribute until Available → ModifyVpcAttribute → DeleteVpc → gone
    const created = await tf('CreateVpc', { CidrBlock: '172.16.0.0/12', VpcName: 'tf', ClientToken: 'tf-vpc-1' });
    const id = created['VpcId'] as string;
    // a retried create with the same ClientToken answers the same VPC
    assert.equal((await tf('CreateVpc', { CidrBlock: '172.16.0.0/12', VpcName: 'tf', ClientToken: 'tf-vpc-1' }))['VpcId'], id);
    await until(() => tf('DescribeVpcAttribute', { VpcId: id }), 'Available');
    // the rest of alicloud_vpc's read: the VPC's system route table
    const rt = await tf('DescribeRouteTableList', { VpcId: id });
    assert.equal(rt['TotalCount'], 1);
    const table = (rt['RouterTableList'] as { RouterTableListType: Rec[] }).RouterTableListType[0]!;
    assert.equal(table['RouteTableId'], created['RouteTableId']);
    assert.equal(table['RouterId'], created['VRouterId']);
    assert.equal(table['RouteTableType'], 'System');
    assert.equal(table['VpcId'], id);
    assert.deepEqual((await tf('DescribeRouteTableList', { VpcId: 'vpc-nosuch' }))['RouterTableList'], { RouterTableListType: [] });
    assert.equal((await tf('DescribeRouteTableList', { VpcId: id, RouteTableType: 'Custom' }))['TotalCount'], 0);
    await tf('ModifyVpcAttribute', { VpcId: id, VpcName: 'tf2', Description: 'managed' });
    assert.equal((await tf('DescribeVpcAttribute', { VpcId: id }))['VpcName'], 'tf2');
    // alicloud_vswitch: CreateVSwitch → DescribeVSwitchAttributes until Available → Modify → Delete → gone
    const vsw = (await tf('CreateVSwitch', { VpcId: id, ZoneId: 'cn-hangzhou-i', CidrBlock: '172.16.0.0/21', VSwitchName: 'tf' }))['VSwitchId'] as string;
    const a = await until(() => tf('DescribeVSwitchAttributes', { VSwitchId: vsw }), 'Available');
    assert.equal(a['AvailableIpAddressCount'], 2044);
    await tf('ModifyVSwitchAttribute', { VSwitchId: vsw, VSwitchName: 'tf2' });
    // alicloud_slb_load_balancer with vswitch_id: DescribeVSwitchAttributes for the VpcId, then SLB CreateLoadBalancer
    const lb = (await t.pop().request('CreateLoadBalancer', { ...R, AddressType: 'intranet', VpcId: a['VpcId'], VSwitchId: vsw }, { method: 'POST' })) as Rec;
    assert.equal(lb['Address'], '172.16.0.1');
    await t.pop().request('DeleteLoadBalancer', { ...R, LoadBalancerId: lb['LoadBalancerId'] }, { method: 'POST' });
    await tf('DeleteVSwitch', { VSwitchId: vsw });
    const g1 = await rejects(() => tf('DescribeVSwitchAttributes', { VSwitchId: vsw }));
    assert.equal(g1.statusCode, 404);
    await tf('DeleteVpc', { VpcId: id });
    const g2 = await rejects(() => tf('DescribeVpcAttribute', { VpcId: id }));
    assert.equal(g2.code, 'InvalidVpcId.NotFound');
    assert.equal(g2.statusCode, 404);
    assert.equal((await op(t, 'GET', '/world/vpcs?RegionId=cn-hangzhou')).status, 200);
  } finally {
    await t.stop();
  }
});

test('refusals with the published codes: names, descriptions, resource group, tags, EIP bandwidth and address', async () => {
  const expect = async (action: string, params: Rec, code: string, message?: string) => {
    const e = await rejects(() => call(action, { ...R, ...params }));
    assert.equal(e.code, code, `${action} ${JSON.stringify(params)}`);
    if (message) assert.equal(e.data['Message'], message);
  };
  await expect('CreateVpc', { VpcName: 'https://x' }, 'InvalidVpcName.Malformed', 'Specified VPC name is not valid.');
  await expect('CreateVpc', { Description: 'd'.repeat(257) }, 'InvalidVpcDiscription.Malformed', 'Specified VPC description is not valid.');
  await expect('CreateVpc', { ResourceGroupId: 'rg-nosuch' }, 'InvalidResourceGroupId', 'The specified ResourceGroupId does not exist.');
  const tags: Rec = {};
  for (let i = 1; i <= 21; i++) Object.assign(tags, { [`Tag.${i}.Key`]: `k${i}`, [`Tag.${i}.Value`]: 'v' });
  await expect('CreateVpc', tags, 'InvalidParameter', 'The specified parameter is not valid.');
  const id = await newVpc('10.40.0.0/16');
  await settle();
  await expect('CreateVSwitch', { VpcId: id, ZoneId: 'cn-hangzhou-h', CidrBlock: '10.40.1.0/24', VSwitchName: 'x'.repeat(129) }, 'InvalidVSwitchName.Malformed', 'Specified virtual switch name is not valid.');
  await expect('CreateVSwitch', { VpcId: id, ZoneId: 'cn-hangzhou-h', CidrBlock: '10.40.1.0/24', Description: 'http://x' }, 'InvalidVSwitchDiscription.Malformed');
  await expect('AllocateEipAddress', { Bandwidth: '0' }, 'InvalidParameter', 'Specified value of "Bandwidth" is not valid.');
  await expect('AllocateEipAddress', { Bandwidth: '201', InternetChargeType: 'PayByTraffic' }, 'InvalidParameter', 'Specified value of "Bandwidth" is not valid.');
  await expect('AllocateEipAddress', { ResourceGroupId: 'rg-nosuch' }, 'InvalidResourceGroupId');
  // an address outside the internet pool, or one already leased
  await expect('AllocateEipAddress', { IpAddress: '203.0.113.5' }, 'ReserveIpFail', 'Reserve eip failed.');
  const e = await call('AllocateEipAddress', R);
  await expect('AllocateEipAddress', { IpAddress: e['EipAddress'] }, 'ReserveIpFail');
  await call('ReleaseEipAddress', { ...R, AllocationId: e['AllocationId'] });
  // nothing was created by the refused calls
  assert.equal((await call('DescribeVSwitches', { ...R, VpcId: id }))['TotalCount'], 0);
  await call('DeleteVpc', { ...R, VpcId: id });
});

test('RAM: a sub-user allowed vpc:Describe* on acs:vpc:… reads VPCs but may not create them; slb:* grants nothing here', async () => {
  const allow = (Action: string, Resource: string) => ({ Version: '1', Statement: [{ Effect: 'Allow', Action, Resource }] });
  const reader = await createSubUser(s, s.rootAccountId, 'vpc-reader', [allow('vpc:Describe*', `acs:vpc:cn-hangzhou:${s.rootAccountId}:*`)]);
  const slbOnly = await createSubUser(s, s.rootAccountId, 'slb-admin', [allow('slb:*', '*')]);
  const client = (u: { id: string; secret: string }) => new RPCClient({ accessKeyId: u.id, accessKeySecret: u.secret, endpoint: s.url, apiVersion: '2016-04-28', opts: { timeout: 30_000 } });
  const r = client(reader);
  assert.ok(Array.isArray(plain((await r.request('DescribeVpcs', R, { method: 'POST' })) as { Vpcs: { Vpc: unknown[] } }).Vpcs.Vpc));
  assert.equal((await rejects(() => r.request('CreateVpc', { ...R, CidrBlock: '10.0.0.0/16' }, { method: 'POST' }))).code, 'Forbidden');
  // another region is another resource
  assert.equal((await rejects(() => r.request('DescribeVpcs', { RegionId: 'cn-beijing' }, { method: 'POST' }))).code, 'Forbidden');
  assert.equal((await rejects(() => client(slbOnly).request('DescribeVpcs', R, { method: 'POST' }))).code, 'Forbidden');
});
