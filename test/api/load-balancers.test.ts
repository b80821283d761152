import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, listenerId, type ListenerDoc, type LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { setPrePayHandler, type PricedOrder } from '../../src/products/slb/services/load-balancers.js';
import { getTags } from '../../src/products/slb/services/tags.js';
import { defaultVSwitches, op, opOk } from '../helpers/operator.js';
import { shapeProblems } from '../helpers/response-shape.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;
interface Lb {
  LoadBalancerId: string;
  LoadBalancerName: string;
  Address: string;
  AddressType: string;
  NetworkType: string;
  VpcId: string;
  VSwitchId: string;
  LoadBalancerStatus: string;
  MasterZoneId: string;
  SlaveZoneId: string;
  Bandwidth: number;
  InternetChargeType: string;
  LoadBalancerSpec: string;
  InstanceChargeType: string;
  DeleteProtection: string;
  ModificationProtectionStatus: string;
  ModificationProtectionReason: string;
  ResourceGroupId: string;
  PayType: string;
  AddressIPVersion: string;
  CreateTimeStamp: number;
  Tags: { Tag: { TagKey: string; TagValue: string }[] };
  ListenerPorts: { ListenerPort: number[] };
  ListenerPortsAndProtocol: { ListenerPortAndProtocol: { ListenerPort: number; ListenerProtocol: string; ListenerForward?: string; ForwardPort?: number; Description?: string }[] };
  ListenerPortsAndProtocal: { ListenerPortAndProtocal: { ListenerPort: number; ListenerProtocal: string }[] };
  BackendServers: { BackendServer: { ServerId: string; Weight: number; Type: string }[] };
}
interface List {
  PageNumber: number;
  PageSize: number;
  TotalCount: number;
  LoadBalancers: { LoadBalancer: Lb[] };
}

function client(s: TestServer) {
  const call = async (action: string, params: Body = {}, o?: { method?: 'GET' | 'POST' }) => JSON.parse(JSON.stringify(await s.call(action, params, o))) as Body;
  const create = async (params: Body = {}) => (await call('CreateLoadBalancer', { RegionId: R, ...params })) as unknown as Lb & { RequestId: string };
  const attr = async (id: string, extra: Body = {}) => (await call('DescribeLoadBalancerAttribute', { LoadBalancerId: id, ...extra })) as unknown as Lb;
  const list = async (params: Body = {}) => (await call('DescribeLoadBalancers', { RegionId: R, ...params })) as unknown as List;
  const err = async (action: string, params: Body) => {
    const e = await rejects(() => s.call(action, params));
    return { code: e.code, message: e.data?.['Message'] as string, status: (e.data as { httpCode?: number } | undefined)?.httpCode };
  };
  const errV3 = async (action: string, params: Body) => {
    const e = await rejects(() => s.v3(action, params));
    return { code: e.code, status: e.statusCode, message: (e.data as Body)?.['Message'] as string };
  };
  return { call, create, attr, list, err, errV3 };
}

const inBlock = (addr: string, prefix: string) => addr.startsWith(prefix);

test('load balancer instances through pop-core and openapi-client', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const { call, create, attr, list, err, errV3 } = client(s);

  await t.test('a fresh server creates an internet load balancer with no setup; loopback address; full attribute shape', async () => {
    const r = await create({ LoadBalancerName: 'web-1' });
    assert.deepEqual(shapeProblems('CreateLoadBalancer', r as unknown as Body, ['LoadBalancerId', 'Address', 'ResourceGroupId', 'RequestId']), []);
    assert.match(r.LoadBalancerId, /^lb-[a-z0-9]{23}$/);
    assert.ok(inBlock(r.Address, '127.1.'), r.Address);
    assert.equal(r.NetworkType, 'classic');
    assert.equal(r.AddressIPVersion, 'ipv4');
    const a = await attr(r.LoadBalancerId);
    assert.deepEqual(shapeProblems('DescribeLoadBalancerAttribute', a as unknown as Body), []);
    assert.equal(a.LoadBalancerStatus, 'active');
    assert.equal(a.AddressType, 'internet');
    assert.equal(a.InternetChargeType, 'paybytraffic');
    assert.equal(a.LoadBalancerSpec, 'slb.s1.small');
    assert.equal(a.InstanceChargeType, 'PayBySpec');
    assert.equal(a.PayType, 'PayOnDemand');
    assert.equal(a.MasterZoneId, 'cn-hangzhou-b');
    assert.notEqual(a.SlaveZoneId, a.MasterZoneId);
    assert.equal(a.DeleteProtection, 'off');
    assert.equal(a.ModificationProtectionStatus, 'NonProtection');
    assert.match(a.ResourceGroupId, /^rg-/);
    assert.equal(typeof a.CreateTimeStamp, 'number');
    assert.equal((a as unknown as Body)['EndTimeStamp'], 32493801600000);
    assert.deepEqual(a.ListenerPorts, { ListenerPort: [] });
    assert.deepEqual(a.ListenerPortsAndProtocol, { ListenerPortAndProtocol: [] });
    assert.deepEqual(a.BackendServers, { BackendServer: [] });
    assert.deepEqual(a.Tags, { Tag: [] });
    assert.equal('Code' in a, false);
    // openapi-client (V3) reads the same
    const v3 = await s.v3('DescribeLoadBalancerAttribute', { LoadBalancerId: r.LoadBalancerId, RegionId: R });
    assert.equal(v3.statusCode, 200);
    assert.equal((v3.body as unknown as Lb).Address, r.Address);
  });

  await t.test('no LoadBalancerName: the real default name', async () => {
    const r = await create({});
    assert.equal(r.LoadBalancerName, 'auto_named_slb');
  });

  await t.test('classic intranet, IPv6 internet and VPC load balancers get addresses from their loopback blocks', async () => {
    const classic = await create({ AddressType: 'intranet', LoadBalancerName: 'classic-in' });
    assert.ok(inBlock(classic.Address, '127.2.'), classic.Address);
    assert.equal(classic.NetworkType, 'classic');
    const v6 = await create({ AddressIPVersion: 'ipv6', LoadBalancerName: 'v6' });
    assert.match(v6.Address, /^::ffff:127\.3\.\d+\.\d+$/);
    const [vsw] = await defaultVSwitches(s, R);
    assert.ok(vsw);
    const vpcLb = await create({ AddressType: 'intranet', VSwitchId: vsw.VSwitchId, LoadBalancerName: 'in-vpc' });
    assert.equal(vpcLb.NetworkType, 'vpc');
    assert.equal(vpcLb.VpcId, vsw.VpcId);
    assert.equal(vpcLb.VSwitchId, vsw.VSwitchId);
    assert.ok(inBlock(vpcLb.Address, vsw.CidrBlock.split('.').slice(0, 2).join('.') + '.'), `${vpcLb.Address} in ${vsw.CidrBlock}`);
    const a = await attr(vpcLb.LoadBalancerId);
    assert.equal(a.MasterZoneId, vsw.ZoneId);
    // the vSwitch's free-address count went down by one
    const after = (await defaultVSwitches(s, R)).find((v) => v.VSwitchId === vsw.VSwitchId)!;
    assert.equal(after.AvailableIpAddressCount, vsw.AvailableIpAddressCount - 1);
  });

  await t.test('a requested Address: taken → "The vpc Ip is exist.", outside the vSwitch → "The Ip is not Supported."', async () => {
    const vsw = (await defaultVSwitches(s, R))[1]!;
    const base = vsw.CidrBlock.split('/')[0]!.split('.').slice(0, 3).join('.');
    const want = `${base}.77`;
    const r = await create({ AddressType: 'intranet', VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId, Address: want });
    assert.equal(r.Address, want);
    const taken = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: vsw.VSwitchId, Address: want });
    assert.deepEqual([taken.code, taken.message], ['InvalidParameter', 'The vpc Ip is exist.']);
    const outside = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: vsw.VSwitchId, Address: '10.9.9.9' });
    assert.deepEqual([outside.code, outside.message], ['InvalidParameter', 'The Ip is not Supported.']);
  });

  await t.test('several regions', async () => {
    for (const region of ['cn-shanghai', 'ap-southeast-1', 'eu-central-1']) {
      const r = (await call('CreateLoadBalancer', { RegionId: region, LoadBalancerName: `lb-${region}` })) as unknown as Lb;
      const l = (await call('DescribeLoadBalancers', { RegionId: region })) as unknown as List;
      assert.deepEqual(l.LoadBalancers.LoadBalancer.map((x) => x.LoadBalancerId), [r.LoadBalancerId]);
      const a = await attr(r.LoadBalancerId);
      assert.equal((a as unknown as Body)['RegionId'], region);
      // the region is only a cross-check on LB-scoped calls: another region → 404
      const e = await err('DescribeLoadBalancerAttribute', { LoadBalancerId: r.LoadBalancerId, RegionId: R });
      assert.equal(e.code, 'InvalidLoadBalancerId.NotFound');
    }
  });

  await t.test('Terraform: ClientToken reuse, poll the attribute right after create, delete then describe → 404', async () => {
    const params = { RegionId: R, ClientToken: 'tf-token-0001', AddressType: 'internet', LoadBalancerSpec: 'slb.s2.small', PayType: 'PayOnDemand', InternetChargeType: 'paybybandwidth', Bandwidth: '10', DeleteProtection: 'on', LoadBalancerName: 'tf-testAccSlb' };
    const first = (await call('CreateLoadBalancer', params, { method: 'POST' })) as unknown as Lb;
    const again = (await call('CreateLoadBalancer', params, { method: 'POST' })) as unknown as Lb;
    assert.equal(again.LoadBalancerId, first.LoadBalancerId);
    assert.equal(again.Address, first.Address);
    const conflict = await err('CreateLoadBalancer', { ...params, LoadBalancerName: 'other' });
    assert.deepEqual([conflict.code, conflict.message], ['LX_REQUEST_TOKEN_CONFLICT', 'The ClientToken is conflict.']);
    const a = await attr(first.LoadBalancerId);
    assert.equal(a.LoadBalancerStatus, 'active');
    assert.equal(a.Bandwidth, 10);
    assert.equal(a.InternetChargeType, 'paybybandwidth');
    assert.equal(a.LoadBalancerSpec, 'slb.s2.small');
    assert.equal(a.DeleteProtection, 'on');
    const denied = await err('DeleteLoadBalancer', { LoadBalancerId: first.LoadBalancerId });
    assert.deepEqual([denied.code, denied.message], ['OperationDenied.DeleteProtectionIsOn', "The loadbalancer can't be deleted due to DeleteProtection is enabled."]);
    await call('SetLoadBalancerDeleteProtection', { RegionId: R, LoadBalancerId: first.LoadBalancerId, DeleteProtection: 'off' });
    await call('DeleteLoadBalancer', { RegionId: R, LoadBalancerId: first.LoadBalancerId });
    const gone = await errV3('DescribeLoadBalancerAttribute', { LoadBalancerId: first.LoadBalancerId });
    assert.deepEqual([gone.code, gone.status, gone.message], ['InvalidLoadBalancerId.NotFound', 404, 'The specified LoadBalancerId does not exist.']);
    const again404 = await errV3('DeleteLoadBalancer', { LoadBalancerId: first.LoadBalancerId });
    assert.equal(again404.status, 404);
  });

  await t.test('CCM: create with Tag.N and a reused ClientToken, find by the legacy Tags JSON and by name', async () => {
    const params = {
      RegionId: R,
      ClientToken: 'ccm-svc-uid-1',
      AddressType: 'intranet',
      VSwitchId: (await defaultVSwitches(s, R))[0]!.VSwitchId,
      LoadBalancerSpec: 'slb.s1.small',
      LoadBalancerName: 'a1b2c3d4e5f6',
      DeleteProtection: 'on',
      ModificationProtectionStatus: 'ConsoleProtection',
      ModificationProtectionReason: 'managed.by.ack',
      'Tag.1.Key': 'kubernetes.do.not.delete',
      'Tag.1.Value': 'a1b2c3d4e5f6',
      'Tag.2.Key': 'ack.aliyun.com',
      'Tag.2.Value': 'c123',
    };
    const r = (await call('CreateLoadBalancer', params, { method: 'POST' })) as unknown as Lb;
    const retry = (await call('CreateLoadBalancer', params, { method: 'POST' })) as unknown as Lb;
    assert.equal(retry.LoadBalancerId, r.LoadBalancerId);
    const byTag = await list({ Tags: JSON.stringify([{ TagKey: 'kubernetes.do.not.delete', TagValue: 'a1b2c3d4e5f6' }]) });
    assert.deepEqual(byTag.LoadBalancers.LoadBalancer.map((x) => x.LoadBalancerId), [r.LoadBalancerId]);
    const found = byTag.LoadBalancers.LoadBalancer[0]!;
    assert.deepEqual(shapeProblems('DescribeLoadBalancers', byTag as unknown as Body), []);
    assert.deepEqual(
      found.Tags.Tag.map((x) => `${x.TagKey}=${x.TagValue}`),
      ['kubernetes.do.not.delete=a1b2c3d4e5f6', 'ack.aliyun.com=c123'],
    );
    assert.equal(found.ModificationProtectionStatus, 'ConsoleProtection');
    assert.equal(found.ModificationProtectionReason, 'managed.by.ack');
    // single-quoted legacy JSON (lenient) and a value that matches nothing
    const quoted = await list({ Tags: "[{'TagKey':'ack.aliyun.com','TagValue':'c123'}]" });
    assert.equal(quoted.TotalCount, 1);
    const none = await list({ Tags: JSON.stringify([{ TagKey: 'kubernetes.do.not.delete', TagValue: 'other' }]) });
    assert.deepEqual(none.LoadBalancers, { LoadBalancer: [] });
    assert.equal(none.TotalCount, 0);
    const byName = await list({ LoadBalancerName: 'a1b2c3d4e5f6' });
    assert.equal(byName.TotalCount, 1);
    const byTagN = await list({ 'Tag.1.Key': 'ack.aliyun.com', 'Tag.1.Value': 'c123', 'Tag.2.Key': 'kubernetes.do.not.delete' });
    assert.equal(byTagN.TotalCount, 1);
    const malformed = await err('DescribeLoadBalancers', { RegionId: R, Tags: '[{"TagKey":' });
    assert.equal(malformed.code, 'InvalidParameter');
    // CCM delete path: protection off, delete; tags go with the instance
    await call('SetLoadBalancerDeleteProtection', { RegionId: R, LoadBalancerId: r.LoadBalancerId, DeleteProtection: 'off' });
    await call('SetLoadBalancerModificationProtection', { RegionId: R, LoadBalancerId: r.LoadBalancerId, ModificationProtectionStatus: 'NonProtection' });
    assert.equal((await attr(r.LoadBalancerId)).ModificationProtectionReason, '');
    await call('DeleteLoadBalancer', { LoadBalancerId: r.LoadBalancerId });
    const tags = await s.store.read((tx) => getTags(tx, { account: s.rootAccountId, region: R }, 'instance', r.LoadBalancerId));
    assert.deepEqual(tags, []);
    assert.equal((await list({ Tags: JSON.stringify([{ TagKey: 'ack.aliyun.com' }]) })).TotalCount, 0);
  });

  await t.test('DescribeLoadBalancers: every filter, paging, numbers as numbers', async () => {
    const region = 'cn-shenzhen';
    const c = (p: Body) => call('CreateLoadBalancer', { RegionId: region, ...p }) as unknown as Promise<Lb>;
    const l = (p: Body = {}) => call('DescribeLoadBalancers', { RegionId: region, ...p }) as unknown as Promise<List>;
    const vsws = await defaultVSwitches(s, region);
    const rgs = (await opOk(s, 'POST', '/world/resource-groups', { Name: 'filters' })) as { Id: string };
    const a = await c({ LoadBalancerName: 'f-a', InternetChargeType: 'paybybandwidth', Bandwidth: 5, MasterZoneId: 'cn-shenzhen-c', SlaveZoneId: 'cn-shenzhen-d', 'Tag.1.Key': 'team', 'Tag.1.Value': 'red' });
    const b = await c({ LoadBalancerName: 'f-b', AddressType: 'intranet', VSwitchId: vsws[3]!.VSwitchId, ResourceGroupId: rgs.Id, 'Tag.1.Key': 'team', 'Tag.1.Value': 'blue' });
    const cc = await c({ LoadBalancerName: 'f-c', AddressType: 'intranet' });
    const d = await c({ LoadBalancerName: 'f-d', AddressIPVersion: 'ipv6' });
    await call('SetLoadBalancerStatus', { LoadBalancerId: cc.LoadBalancerId, LoadBalancerStatus: 'inactive' });
    // a backend server on b (written as the backend-servers family does)
    await opOk(s, 'POST', '/world/instances', { InstanceId: 'i-filter0001', RegionId: region, PrivateIpAddress: vsws[3]!.CidrBlock.replace(/\.0\/16$/, '.200'), VSwitchId: vsws[3]!.VSwitchId });
    await s.store.write(async (tx) => {
      const sc = { account: s.rootAccountId, region };
      const doc = (await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, sc, b.LoadBalancerId))!;
      doc.BackendServers = [{ ServerId: 'i-filter0001', Weight: 100, Type: 'ecs' }];
      await tx.put(KINDS.loadBalancer, sc, b.LoadBalancerId, doc);
    });
    const ids = async (p: Body) => (await l(p)).LoadBalancers.LoadBalancer.map((x) => x.LoadBalancerId).sort();
    const sorted = (...xs: Lb[]) => xs.map((x) => x.LoadBalancerId).sort();
    assert.deepEqual(await ids({}), sorted(a, b, cc, d));
    assert.deepEqual(await ids({ LoadBalancerId: `${a.LoadBalancerId},${d.LoadBalancerId}` }), sorted(a, d));
    assert.deepEqual(await ids({ LoadBalancerName: 'f-b' }), sorted(b));
    assert.deepEqual(await ids({ Address: a.Address }), sorted(a));
    assert.deepEqual(await ids({ AddressType: 'intranet' }), sorted(b, cc));
    assert.deepEqual(await ids({ AddressIPVersion: 'ipv6' }), sorted(d));
    assert.deepEqual(await ids({ NetworkType: 'vpc' }), sorted(b));
    assert.deepEqual(await ids({ NetworkType: 'Classic' }), sorted(a, cc, d));
    assert.deepEqual(await ids({ VpcId: vsws[3]!.VpcId }), sorted(b));
    assert.deepEqual(await ids({ VSwitchId: vsws[3]!.VSwitchId }), sorted(b));
    assert.deepEqual(await ids({ InternetChargeType: 'paybybandwidth' }), sorted(a));
    assert.deepEqual(await ids({ LoadBalancerStatus: 'inactive' }), sorted(cc));
    assert.deepEqual(await ids({ MasterZoneId: 'cn-shenzhen-c' }), sorted(a));
    assert.deepEqual(await ids({ SlaveZoneId: 'cn-shenzhen-d' }), sorted(a));
    assert.deepEqual(await ids({ ResourceGroupId: rgs.Id }), sorted(b));
    assert.deepEqual(await ids({ PayType: 'PayOnDemand' }), sorted(a, b, cc, d));
    assert.deepEqual(await ids({ PayType: 'PrePay' }), []);
    assert.deepEqual(await ids({ ServerId: 'i-filter0001' }), sorted(b));
    assert.deepEqual(await ids({ ServerIntranetAddress: `10.0.0.1,${vsws[3]!.CidrBlock.replace(/\.0\/16$/, '.200')}` }), sorted(b));
    assert.deepEqual(await ids({ 'Tag.1.Key': 'team' }), sorted(a, b));
    assert.deepEqual(await ids({ 'Tag.1.Key': 'team', 'Tag.1.Value': 'blue' }), sorted(b));
    assert.deepEqual(await ids({ Tags: JSON.stringify([{ TagKey: 'team', TagValue: 'red' }]) }), sorted(a));
    assert.deepEqual(await ids({ LoadBalancerId: 'lb-doesnotexist' }), []);
    // paging: newest first, numbers are numbers
    const p1 = await l({ PageNumber: 1, PageSize: 3 });
    const p2 = await l({ PageNumber: 2, PageSize: 3 });
    assert.deepEqual([p1.PageNumber, p1.PageSize, p1.TotalCount, p1.LoadBalancers.LoadBalancer.length], [1, 3, 4, 3]);
    assert.deepEqual([p2.PageNumber, p2.PageSize, p2.TotalCount, p2.LoadBalancers.LoadBalancer.length], [2, 3, 4, 1]);
    const all = [...p1.LoadBalancers.LoadBalancer, ...p2.LoadBalancers.LoadBalancer];
    assert.equal(new Set(all.map((x) => x.LoadBalancerId)).size, 4);
    assert.ok(all.every((x, i) => i === 0 || all[i - 1]!.CreateTimeStamp >= x.CreateTimeStamp));
    const far = await l({ PageNumber: 9, PageSize: 3 });
    assert.deepEqual(far.LoadBalancers, { LoadBalancer: [] });
    const def = await l();
    assert.deepEqual([def.PageNumber, def.PageSize], [1, 10]);
    const v3 = (await s.v3('DescribeLoadBalancers', { RegionId: region, PageNumber: 1, PageSize: 2 })).body as unknown as List;
    assert.equal(v3.PageSize, 2);
    assert.equal(typeof v3.LoadBalancers.LoadBalancer[0]!.Bandwidth, 'number');
    assert.deepEqual(shapeProblems('DescribeLoadBalancers', v3 as unknown as Body), []);
    const big = await err('DescribeLoadBalancers', { RegionId: region, PageSize: 101 });
    assert.equal(big.code, 'InvalidParameter');
    const unknown = await errV3('DescribeLoadBalancers', { RegionId: 'mars-1' });
    assert.deepEqual([unknown.code, unknown.status], ['InvalidRegionId.NotFound', 404]);
  });

  await t.test('DescribeLoadBalancerAttribute lists listeners from the listener documents and backend servers', async () => {
    const r = await create({ LoadBalancerName: 'with-listeners' });
    const sc = { account: s.rootAccountId, region: R };
    const put = (l: ListenerDoc) => s.store.write((tx) => tx.put(KINDS.listener, sc, listenerId(l.LoadBalancerId, l.ListenerProtocol, l.ListenerPort), l));
    await put({ LoadBalancerId: r.LoadBalancerId, ListenerPort: 443, ListenerProtocol: 'https', Status: 'running', Description: 'tls' });
    await put({ LoadBalancerId: r.LoadBalancerId, ListenerPort: 80, ListenerProtocol: 'http', Status: 'stopped', ListenerForward: 'on', ForwardPort: 443 });
    await put({ LoadBalancerId: r.LoadBalancerId, ListenerPort: 53, ListenerProtocol: 'udp', Status: 'running' });
    await put({ LoadBalancerId: r.LoadBalancerId, ListenerPort: 53, ListenerProtocol: 'tcp', Status: 'running' });
    const a = await attr(r.LoadBalancerId);
    assert.deepEqual(a.ListenerPorts.ListenerPort, [53, 80, 443]);
    assert.deepEqual(a.ListenerPortsAndProtocal.ListenerPortAndProtocal, [
      { ListenerPort: 53, ListenerProtocal: 'tcp' },
      { ListenerPort: 53, ListenerProtocal: 'udp' },
      { ListenerPort: 80, ListenerProtocal: 'http' },
      { ListenerPort: 443, ListenerProtocal: 'https' },
    ]);
    assert.deepEqual(a.ListenerPortsAndProtocol.ListenerPortAndProtocol[2], { ListenerPort: 80, ListenerProtocol: 'http', ListenerForward: 'on', ForwardPort: 443 });
    assert.deepEqual(a.ListenerPortsAndProtocol.ListenerPortAndProtocol[3], { ListenerPort: 443, ListenerProtocol: 'https', Description: 'tls' });
    // delete takes the listeners with it
    await call('DeleteLoadBalancer', { LoadBalancerId: r.LoadBalancerId });
    const left = await s.store.read((tx) => tx.list<ListenerDoc>(KINDS.listener, sc));
    assert.equal(left.filter((l) => l.LoadBalancerId === r.LoadBalancerId).length, 0);
  });

  await t.test('every load-balancer-scoped action answers 404 InvalidLoadBalancerId.NotFound for a missing instance', async () => {
    const id = 'lb-bp1doesnotexist000000';
    const cases: [string, Body][] = [
      ['DescribeLoadBalancerAttribute', {}],
      ['DeleteLoadBalancer', {}],
      ['SetLoadBalancerName', { LoadBalancerName: 'x' }],
      ['SetLoadBalancerStatus', { LoadBalancerStatus: 'active' }],
      ['SetLoadBalancerDeleteProtection', { RegionId: R, DeleteProtection: 'on' }],
      ['SetLoadBalancerModificationProtection', { RegionId: R, ModificationProtectionStatus: 'NonProtection' }],
      ['ModifyLoadBalancerInternetSpec', { InternetChargeType: 'paybytraffic' }],
      ['ModifyLoadBalancerInstanceSpec', { LoadBalancerSpec: 'slb.s2.small' }],
      ['ModifyLoadBalancerPayType', { RegionId: R, PayType: 'PayOnDemand' }],
      ['ModifyLoadBalancerInstanceChargeType', { RegionId: R, InstanceChargeType: 'PayByCLCU' }],
    ];
    for (const [action, extra] of cases) {
      const e = await errV3(action, { LoadBalancerId: id, ...extra });
      assert.deepEqual([action, e.code, e.status, e.message], [action, 'InvalidLoadBalancerId.NotFound', 404, 'The specified LoadBalancerId does not exist.']);
    }
    const mv = await errV3('MoveResourceGroup', { RegionId: R, ResourceType: 'loadbalancer', ResourceId: id, NewResourceGroupId: (await attr((await create({})).LoadBalancerId)).ResourceGroupId });
    assert.deepEqual([mv.code, mv.status], ['InvalidLoadBalancerId.NotFound', 404]);
    // another account's instance is just as missing
    const badRegion = await err('DescribeLoadBalancerAttribute', { LoadBalancerId: id, RegionId: 'mars-1' });
    assert.deepEqual([badRegion.code, badRegion.message], ['InvalidParameter', 'The specified RegionId does not exist.']);
  });

  await t.test('names, status and protections', async () => {
    const r = await create({ LoadBalancerName: 'renamed-0' });
    await call('SetLoadBalancerName', { LoadBalancerId: r.LoadBalancerId, LoadBalancerName: '新名字.v2_x-y' });
    assert.equal((await attr(r.LoadBalancerId)).LoadBalancerName, '新名字.v2_x-y');
    for (const bad of ['1starts-with-digit', 'has space', 'slash/no', 'x'.repeat(81)]) {
      const e = await err('SetLoadBalancerName', { LoadBalancerId: r.LoadBalancerId, LoadBalancerName: bad });
      assert.deepEqual([bad, e.code, e.message], [bad, 'InvalidParameter', 'The Lb Name is Not supported.']);
      const c = await err('CreateLoadBalancer', { RegionId: R, LoadBalancerName: bad });
      assert.deepEqual([bad, c.code, c.message], [bad, 'InvalidParameter', 'The Lb Name is Not supported.']);
    }
    await call('SetLoadBalancerStatus', { LoadBalancerId: r.LoadBalancerId, LoadBalancerStatus: 'inactive' });
    assert.equal((await attr(r.LoadBalancerId)).LoadBalancerStatus, 'inactive');
    const badStatus = await err('SetLoadBalancerStatus', { LoadBalancerId: r.LoadBalancerId, LoadBalancerStatus: 'locked' });
    assert.equal(badStatus.code, 'InvalidParameter');
    await call('SetLoadBalancerModificationProtection', { RegionId: R, LoadBalancerId: r.LoadBalancerId, ModificationProtectionStatus: 'ConsoleProtection', ModificationProtectionReason: 'change-freeze' });
    let a = await attr(r.LoadBalancerId);
    assert.deepEqual([a.ModificationProtectionStatus, a.ModificationProtectionReason], ['ConsoleProtection', 'change-freeze']);
    // ConsoleProtection guards the console only: API changes still go through (as documented)
    await call('SetLoadBalancerName', { LoadBalancerId: r.LoadBalancerId, LoadBalancerName: 'still-api-editable' });
    const badReason = await err('SetLoadBalancerModificationProtection', { RegionId: R, LoadBalancerId: r.LoadBalancerId, ModificationProtectionStatus: 'ConsoleProtection', ModificationProtectionReason: '-bad start' });
    assert.deepEqual([badReason.code, badReason.message], ['InvalidParameter', 'The specified parameter is not valid.']);
    await call('SetLoadBalancerModificationProtection', { RegionId: R, LoadBalancerId: r.LoadBalancerId, ModificationProtectionStatus: 'NonProtection', ModificationProtectionReason: 'ignored' });
    a = await attr(r.LoadBalancerId);
    assert.deepEqual([a.ModificationProtectionStatus, a.ModificationProtectionReason], ['NonProtection', '']);
    const missing = await err('SetLoadBalancerDeleteProtection', { LoadBalancerId: r.LoadBalancerId, DeleteProtection: 'on' });
    assert.equal(missing.code, 'MissingParameter');
  });

  await t.test('locked instances refuse changes with the message of their lock reason', async () => {
    const r = await create({ LoadBalancerName: 'to-lock' });
    const lock = await op(s, 'PUT', `/load-balancers/${r.LoadBalancerId}/lock`, { Locked: true, Reason: 'financial' });
    assert.equal(lock.status, 200);
    assert.equal((await attr(r.LoadBalancerId)).LoadBalancerStatus, 'locked');
    assert.deepEqual((await list({ LoadBalancerStatus: 'locked' })).LoadBalancers.LoadBalancer.map((x) => x.LoadBalancerId), [r.LoadBalancerId]);
    for (const [action, extra] of [
      ['SetLoadBalancerName', { LoadBalancerName: 'nope' }],
      ['SetLoadBalancerStatus', { LoadBalancerStatus: 'active' }],
      ['ModifyLoadBalancerInstanceSpec', { LoadBalancerSpec: 'slb.s3.small' }],
      ['DeleteLoadBalancer', {}],
    ] as [string, Body][]) {
      const e = await err(action, { LoadBalancerId: r.LoadBalancerId, ...extra });
      assert.deepEqual([action, e.code, e.message], [action, 'ActionNotAllowed', 'Locked for any Business Reason.']);
    }
    await opOk(s, 'PUT', `/load-balancers/${r.LoadBalancerId}/lock`, { Locked: true, Reason: 'security' });
    const sec = await err('ModifyLoadBalancerInternetSpec', { LoadBalancerId: r.LoadBalancerId, InternetChargeType: 'paybybandwidth', Bandwidth: 5 });
    assert.deepEqual([sec.code, sec.message], ['ActionNotAllowed', 'Locked for any Operate Reason.']);
    await opOk(s, 'PUT', `/load-balancers/${r.LoadBalancerId}/lock`, { Locked: false });
    await call('SetLoadBalancerName', { LoadBalancerId: r.LoadBalancerId, LoadBalancerName: 'unlocked' });
    await call('DeleteLoadBalancer', { LoadBalancerId: r.LoadBalancerId });
  });

  await t.test('internet spec, bandwidth family, instance spec, charge types, pay type', async () => {
    const r = await create({ LoadBalancerName: 'spec' });
    await call('ModifyLoadBalancerInternetSpec', { LoadBalancerId: r.LoadBalancerId, InternetChargeType: 'paybybandwidth', Bandwidth: 20 });
    let a = await attr(r.LoadBalancerId);
    assert.deepEqual([a.InternetChargeType, a.Bandwidth], ['paybybandwidth', 20]);
    await call('ModifyLoadBalancerInternetSpec', { LoadBalancerId: r.LoadBalancerId, Bandwidth: 30 });
    assert.equal((await attr(r.LoadBalancerId)).Bandwidth, 30);
    const tooBig = await err('ModifyLoadBalancerInternetSpec', { LoadBalancerId: r.LoadBalancerId, Bandwidth: 6000 });
    assert.deepEqual([tooBig.code, tooBig.message], ['InvalidParameter', 'The specified Bandwidth is invalid.']);
    const createBig = await err('CreateLoadBalancer', { RegionId: R, InternetChargeType: 'paybybandwidth', Bandwidth: 9999 });
    assert.deepEqual([createBig.code, createBig.message], ['InvalidParameter', 'The specified Bandwidth is invalid.']);
    await call('ModifyLoadBalancerInternetSpec', { LoadBalancerId: r.LoadBalancerId, InternetChargeType: 'paybytraffic' });
    a = await attr(r.LoadBalancerId);
    assert.equal(a.InternetChargeType, 'paybytraffic');
    const noBw = await err('ModifyLoadBalancerInternetSpec', { LoadBalancerId: r.LoadBalancerId, InternetChargeType: 'paybybandwidth' });
    assert.deepEqual([noBw.code, noBw.message], ['InvalidParameter', 'The specified Bandwidth is invalid.']);

    const intranet = await create({ AddressType: 'intranet' });
    const toBw = await err('ModifyLoadBalancerInternetSpec', { LoadBalancerId: intranet.LoadBalancerId, InternetChargeType: 'paybybandwidth', Bandwidth: 10 });
    assert.deepEqual([toBw.code, toBw.message], ['ActionNotAllowed', "The Intranet LB's InternetChargeType is not allowed change to paybybandwidth."]);
    const bwOnIntranet = await err('ModifyLoadBalancerInternetSpec', { LoadBalancerId: intranet.LoadBalancerId, Bandwidth: 10 });
    assert.deepEqual([bwOnIntranet.code, bwOnIntranet.message], ['InvalidParameter', 'The specified bandwidth is not valid.']);
    const createIntranetBw = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', InternetChargeType: 'paybybandwidth', Bandwidth: 10 });
    assert.deepEqual([createIntranetBw.code, createIntranetBw.message], ['ActionNotAllowed', "The Intranet LB's InternetChargeType is not allowed change to paybybandwidth."]);

    await call('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: r.LoadBalancerId, LoadBalancerSpec: 'slb.s3.medium' });
    assert.equal((await attr(r.LoadBalancerId)).LoadBalancerSpec, 'slb.s3.medium');
    const badSpec = await err('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: r.LoadBalancerId, LoadBalancerSpec: 'slb.s9.huge' });
    assert.equal(badSpec.code, 'InvalidParameter');

    await call('ModifyLoadBalancerInstanceChargeType', { RegionId: R, LoadBalancerId: r.LoadBalancerId, InstanceChargeType: 'PayByCLCU' });
    a = await attr(r.LoadBalancerId);
    assert.deepEqual([a.InstanceChargeType, a.LoadBalancerSpec, a.InternetChargeType], ['PayByCLCU', 'slb.lcu.elastic', 'paybytraffic']);
    const upgrade = await err('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: r.LoadBalancerId, LoadBalancerSpec: 'slb.s2.small' });
    assert.deepEqual([upgrade.code, upgrade.message], ['ActionNotAllowed', 'The load balancer instance does not allow to be upgrade.']);
    const twice = await err('ModifyLoadBalancerInstanceChargeType', { RegionId: R, LoadBalancerId: r.LoadBalancerId, InstanceChargeType: 'PayByCLCU' });
    assert.deepEqual([twice.code, twice.message], ['ActionNotAllowed', 'The action is not allowed.']);
    const bwLb = await create({ InternetChargeType: 'paybybandwidth', Bandwidth: 3 });
    const needTraffic = await err('ModifyLoadBalancerInstanceChargeType', { RegionId: R, LoadBalancerId: bwLb.LoadBalancerId, InstanceChargeType: 'PayByCLCU' });
    assert.equal(needTraffic.code, 'ActionNotAllowed');
    await call('ModifyLoadBalancerInstanceChargeType', { RegionId: R, LoadBalancerId: bwLb.LoadBalancerId, InstanceChargeType: 'PayByCLCU', InternetChargeType: 'paybytraffic' });
    const clcu = await create({ InstanceChargeType: 'PayByCLCU', LoadBalancerSpec: 'slb.s3.large' });
    assert.equal((await attr(clcu.LoadBalancerId)).LoadBalancerSpec, 'slb.lcu.elastic');

    await call('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: r.LoadBalancerId, PayType: 'PayOnDemand' });
    // commerce (docs/commerce.md): an account that has not opened SLB subscription purchases
    await opOk(s, 'PATCH', `/accounts/${s.rootAccountId}/commerce`, { SlbOrderOpen: false });
    const prePay = await err('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: r.LoadBalancerId, PayType: 'PrePay', PricingCycle: 'month', Duration: 1 });
    assert.deepEqual([prePay.code, prePay.message], ['ORDER.OPEND', 'The account order is open to buy loadbalancer.']);
    const createPrePay = await err('CreateLoadBalancer', { RegionId: R, PayType: 'PrePay', PricingCycle: 'month', Duration: 1 });
    assert.deepEqual([createPrePay.code, createPrePay.message], ['ORDER.OPEND', 'The account order is open to buy loadbalancer.']);
    await opOk(s, 'PATCH', `/accounts/${s.rootAccountId}/commerce`, { SlbOrderOpen: true });
    const badPay = await err('CreateLoadBalancer', { RegionId: R, PayType: 'Monthly' });
    assert.equal(badPay.code, 'InvalidParameter');
  });

  await t.test('the commerce plug: PrePay creates go through the installed order handler', async (tt) => {
    const orders: PricedOrder[] = [];
    let paid = true;
    setPrePayHandler(async (_tx, o) => {
      orders.push(o);
      return { OrderId: 20000000 + orders.length, paid };
    });
    tt.after(() => setPrePayHandler());
    const r = (await call('CreateLoadBalancer', { RegionId: R, PayType: 'PrePay', PricingCycle: 'month', Duration: 3, AutoPay: true, LoadBalancerSpec: 'slb.s2.medium', LoadBalancerName: 'sub' })) as unknown as Lb & { OrderId: number };
    assert.equal(r.OrderId, 20000001);
    assert.equal(orders[0]!.action, 'CreateLoadBalancer');
    assert.equal(orders[0]!.LoadBalancerId, r.LoadBalancerId);
    assert.deepEqual([orders[0]!.LoadBalancerSpec, orders[0]!.PricingCycle, orders[0]!.Duration, orders[0]!.AutoPay], ['slb.s2.medium', 'month', 3, true]);
    const a = await attr(r.LoadBalancerId);
    assert.deepEqual([a.PayType, a.LoadBalancerStatus], ['PrePay', 'active']);
    assert.equal((a as unknown as Body)['EndTimeStamp'], undefined);
    const dp = await err('SetLoadBalancerDeleteProtection', { RegionId: R, LoadBalancerId: r.LoadBalancerId, DeleteProtection: 'on' });
    assert.deepEqual([dp.code, dp.message], ['OperationUnsupported.DeleteProtectionForPrePayInstance', 'The operation failed because prepay instance does not support delete protection.']);
    const back = await err('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: r.LoadBalancerId, PayType: 'PayOnDemand' });
    assert.equal(back.code, 'ActionNotAllowed');
    // an unpaid order leaves the instance locked for a business reason
    paid = false;
    const unpaid = (await call('CreateLoadBalancer', { RegionId: R, PayType: 'PrePay', PricingCycle: 'year', Duration: 1 })) as unknown as Lb;
    assert.equal((await attr(unpaid.LoadBalancerId)).LoadBalancerStatus, 'locked');
    const locked = await err('SetLoadBalancerName', { LoadBalancerId: unpaid.LoadBalancerId, LoadBalancerName: 'x' });
    assert.equal(locked.message, 'Locked for any Business Reason.');
    // a handler that refuses rolls the whole create back
    const before = (await list({ PageSize: 100, PageNumber: 1 })).TotalCount;
    setPrePayHandler(async () => {
      const { fail } = await import('../../src/errors/catalog.js');
      return fail('ORDER.ARREARAGE', 'The account is arrearage.');
    });
    const refused = await err('CreateLoadBalancer', { RegionId: R, PayType: 'PrePay', PricingCycle: 'month', Duration: 1 });
    assert.equal(refused.code, 'ORDER.ARREARAGE');
    assert.equal((await list({ PageSize: 100, PageNumber: 1 })).TotalCount, before);
    // switching a pay-as-you-go instance to a subscription
    paid = true;
    setPrePayHandler(async (_tx, o) => {
      orders.push(o);
      return { OrderId: 30000000 + orders.length, paid };
    });
    const od = await create({ LoadBalancerName: 'to-sub' });
    const changed = (await call('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: od.LoadBalancerId, PayType: 'PrePay', PricingCycle: 'month', Duration: 1 })) as { OrderId: number };
    assert.equal(typeof changed.OrderId, 'number');
    assert.equal(orders.at(-1)!.action, 'ModifyLoadBalancerPayType');
    assert.equal((await attr(od.LoadBalancerId)).PayType, 'PrePay');
  });

  await t.test('MoveResourceGroup moves load balancers, ACLs and certificates between resource groups', async () => {
    const r = await create({ LoadBalancerName: 'mover' });
    const rg = (await opOk(s, 'POST', '/world/resource-groups', { Name: 'prod' })) as { Id: string };
    await call('MoveResourceGroup', { RegionId: R, ResourceType: 'loadbalancer', ResourceId: r.LoadBalancerId, NewResourceGroupId: rg.Id });
    assert.equal((await attr(r.LoadBalancerId)).ResourceGroupId, rg.Id);
    assert.deepEqual((await list({ ResourceGroupId: rg.Id })).LoadBalancers.LoadBalancer.map((x) => x.LoadBalancerId), [r.LoadBalancerId]);
    const noRg = await err('MoveResourceGroup', { RegionId: R, ResourceType: 'loadbalancer', ResourceId: r.LoadBalancerId, NewResourceGroupId: 'rg-nosuchgroup' });
    assert.deepEqual([noRg.code, noRg.message], ['InvalidParameter', 'The specified resource does not exist.']);
    const noRgCreate = await err('CreateLoadBalancer', { RegionId: R, ResourceGroupId: 'rg-nosuchgroup' });
    assert.deepEqual([noRgCreate.code, noRgCreate.message], ['InvalidParameter', 'The specified resource does not exist.']);
    const withRg = await create({ ResourceGroupId: rg.Id });
    assert.equal((await attr(withRg.LoadBalancerId)).ResourceGroupId, rg.Id);
    // an ACL document of the ACL family: its ResourceGroupId field is updated
    const sc = { account: s.rootAccountId, region: R };
    await s.store.write((tx) => tx.put(KINDS.acl, sc, 'acl-movetest0000000000000', { AclId: 'acl-movetest0000000000000', AclName: 'x', ResourceGroupId: 'rg-old' }));
    await call('MoveResourceGroup', { RegionId: R, ResourceType: 'acl', ResourceId: 'acl-movetest0000000000000', NewResourceGroupId: rg.Id });
    const acl = await s.store.read((tx) => tx.get<Body>(KINDS.acl, sc, 'acl-movetest0000000000000'));
    assert.equal(acl?.['ResourceGroupId'], rg.Id);
    const noAcl = await err('MoveResourceGroup', { RegionId: R, ResourceType: 'acl', ResourceId: 'acl-none', NewResourceGroupId: rg.Id });
    assert.equal(noAcl.code, 'AclNotExist');
    await s.store.write((tx) => tx.put(KINDS.caCertificate, sc, '123_ca_1', { CACertificateId: '123_ca_1', ResourceGroupId: 'rg-old' }));
    await call('MoveResourceGroup', { RegionId: R, ResourceType: 'certificate', ResourceId: '123_ca_1', NewResourceGroupId: rg.Id });
    assert.equal((await s.store.read((tx) => tx.get<Body>(KINDS.caCertificate, sc, '123_ca_1')))?.['ResourceGroupId'], rg.Id);
    const noCert = await err('MoveResourceGroup', { RegionId: R, ResourceType: 'certificate', ResourceId: 'nope', NewResourceGroupId: rg.Id });
    assert.equal(noCert.code, 'ServerCertificateId.NotFound');
  });

  await t.test('regions: unknown → 404, closed to SLB → RegionNotSupport', async () => {
    const unknown = await errV3('CreateLoadBalancer', { RegionId: 'mars-north-1' });
    assert.deepEqual([unknown.code, unknown.status, unknown.message], ['InvalidRegionId.NotFound', 404, 'The specified RegionId does not exist.']);
    const closed = await err('CreateLoadBalancer', { RegionId: 'ap-southeast-2' });
    assert.deepEqual([closed.code, closed.message], ['RegionNotSupport', 'The specified region not supported.']);
    const missing = await err('CreateLoadBalancer', {});
    assert.equal(missing.code, 'MissingParameter');
  });

  await t.test('concurrent creates get distinct addresses and nothing half-written on failure', async () => {
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => create({ LoadBalancerName: `par-${i}` })));
    assert.equal(new Set(made.map((m) => m.Address)).size, 12);
    const before = (await list({ PageSize: 100, PageNumber: 1 })).TotalCount;
    await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-nope', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' });
    assert.equal((await list({ PageSize: 100, PageNumber: 1 })).TotalCount, before);
    // Tag.N follows the TagResources rules, checked before anything is written
    const reserved = await err('CreateLoadBalancer', { RegionId: R, 'Tag.1.Key': 'acs:reserved', 'Tag.1.Value': 'v' });
    assert.equal(reserved.code, 'InvalidParameter.TagKey');
    const dup = await err('CreateLoadBalancer', { RegionId: R, 'Tag.1.Key': 'k', 'Tag.2.Key': 'k' });
    assert.equal(dup.code, 'Duplicate.TagKey');
    assert.equal((await list({ PageSize: 100, PageNumber: 1 })).TotalCount, before);
  });
});

test('VPC, zone, stock and quota conditions answer the real errors', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const { call, create, err } = client(s);
  const vsws = await defaultVSwitches(s, R);
  const vsw = vsws[0]!;

  await t.test('network parameters', async () => {
    const eip = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'internet', VSwitchId: vsw.VSwitchId });
    assert.deepEqual([eip.code, eip.message], ['InvalidParameter', 'the special internet EIP donot support the VPC network type.']);
    const vpcOnly = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VpcId: vsw.VpcId });
    assert.deepEqual([vpcOnly.code, vpcOnly.message], ['InvalidParameter', 'The vpc info of LB is empty.']);
    const noVsw = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-doesnotexist' });
    assert.deepEqual([noVsw.code, noVsw.message], ['ServiceUnavailable', 'The vpc subnet is not exist.']);
    const wrongVpc = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VpcId: 'vpc-other', VSwitchId: vsw.VSwitchId });
    assert.deepEqual([wrongVpc.code, wrongVpc.message], ['ServiceUnavailable', 'The vpc subnet is not exist.']);
    // VpcId names an existing VPC other than the vSwitch's: the network parameters conflict (seed row 200)
    await opOk(s, 'POST', '/world/vpcs', { RegionId: R, CidrBlock: '127.66.0.0/16', VpcId: 'vpc-conflict', VSwitches: [{ VSwitchId: 'vsw-conflict', ZoneId: vsw.ZoneId, CidrBlock: '127.66.1.0/24' }] });
    const conflict = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VpcId: 'vpc-conflict', VSwitchId: vsw.VSwitchId });
    assert.deepEqual([conflict.code, conflict.message], ['NetworkConflict', 'there are network conflicts in specified parameter.']);
    const zone = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: vsw.VSwitchId, MasterZoneId: vsws[1]!.ZoneId });
    assert.deepEqual([zone.code, zone.message], ['VpcZoneNotSupportCreate', 'The specified zone dont not supported .']);
    const v6in = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', AddressIPVersion: 'ipv6' });
    assert.deepEqual([v6in.code, v6in.message], ['InvalidParameter', 'The Ip is not Supported.']);
  });

  await t.test('VPC status: creating, deleting, deleted', async () => {
    const vpc = await opOk(s, 'POST', '/world/vpcs', { RegionId: R, CidrBlock: '127.64.0.0/16', VpcId: 'vpc-statustest', Status: 'Creating', VSwitches: [{ VSwitchId: 'vsw-statustest', ZoneId: 'cn-hangzhou-h', CidrBlock: '127.64.1.0/24' }] });
    assert.equal(vpc['Status'], 'Creating');
    const p = { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-statustest' };
    const creating = await err('CreateLoadBalancer', p);
    assert.deepEqual([creating.code, creating.message], ['VpcStatusError', 'the specified vpc status is creating.']);
    await opOk(s, 'PATCH', `/world/vpcs/${R}/vpc-statustest`, { Status: 'Deleting' });
    const deleting = await err('CreateLoadBalancer', p);
    assert.deepEqual([deleting.code, deleting.message], ['InvalidParameter', 'The specified vpc cloud instance is deleteing.']);
    await opOk(s, 'PATCH', `/world/vpcs/${R}/vpc-statustest`, { Status: 'Available' });
    const ok = await create(p);
    assert.match(ok.Address, /^127\.64\.1\.\d+$/);
    const busy = await op(s, 'DELETE', `/world/vpcs/${R}/vpc-statustest`);
    assert.equal(busy.status, 409);
    await call('DeleteLoadBalancer', { LoadBalancerId: ok.LoadBalancerId });
    await opOk(s, 'DELETE', `/world/vpcs/${R}/vpc-statustest`);
    const deleted = await err('CreateLoadBalancer', p);
    assert.deepEqual([deleted.code, deleted.message], ['InvalidParameter', 'The specified vpc cloud instance has deleted']);
  });

  await t.test('a vSwitch with no free address: "The vpc subnet is not exist."', async () => {
    await opOk(s, 'POST', '/world/vpcs', { RegionId: R, CidrBlock: '127.65.0.0/24', VpcId: 'vpc-tiny', VSwitches: [{ VSwitchId: 'vsw-tiny', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.65.0.0/29' }] });
    // /29: 8 addresses, the first and the last three reserved → 4 usable; one taken by an instance
    await opOk(s, 'POST', '/world/instances', { InstanceId: 'i-tiny', RegionId: R, PrivateIpAddress: '127.65.0.1', VSwitchId: 'vsw-tiny' });
    const addrs = [];
    for (let i = 0; i < 3; i++) addrs.push((await create({ AddressType: 'intranet', VSwitchId: 'vsw-tiny' })).Address);
    assert.deepEqual(addrs, ['127.65.0.2', '127.65.0.3', '127.65.0.4']);
    const full = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-tiny' });
    assert.deepEqual([full.code, full.message], ['ServiceUnavailable', 'The vpc subnet is not exist.']);
    const reserved = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-tiny', Address: '127.65.0.7' });
    assert.deepEqual([reserved.code, reserved.message], ['InvalidParameter', 'The Ip is not Supported.']);
    const instanceIp = await err('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-tiny', Address: '127.65.0.1' });
    assert.deepEqual([instanceIp.code, instanceIp.message], ['InvalidParameter', 'The vpc Ip is exist.']);
  });

  await t.test('zones', async () => {
    const unknownZone = await err('CreateLoadBalancer', { RegionId: R, MasterZoneId: 'cn-hangzhou-z' });
    assert.deepEqual([unknownZone.code, unknownZone.message], ['PRODUCT.NOT_AVAILABLE_IZ', "The Instance zone id doesn't support."]);
    const same = await err('CreateLoadBalancer', { RegionId: R, MasterZoneId: 'cn-hangzhou-b', SlaveZoneId: 'cn-hangzhou-b' });
    assert.deepEqual([same.code, same.message], ['InvalidParameter', 'The site is not exist.']);
    await opOk(s, 'PUT', '/world/settings', { UnavailableZones: ['cn-hangzhou-k'] });
    const closed = await err('CreateLoadBalancer', { RegionId: R, MasterZoneId: 'cn-hangzhou-k' });
    assert.equal(closed.code, 'PRODUCT.NOT_AVAILABLE_IZ');
    const ok = await create({ MasterZoneId: 'cn-hangzhou-i', SlaveZoneId: 'cn-hangzhou-j' });
    assert.ok(ok.LoadBalancerId);
  });

  await t.test('specs sold per region and stock per zone', async () => {
    await opOk(s, 'PUT', '/world/settings', { RegionSpecs: { [R]: ['slb.s1.small', 'slb.s2.small'] } });
    const notSold = await err('CreateLoadBalancer', { RegionId: R, LoadBalancerSpec: 'slb.s3.large' });
    assert.deepEqual([notSold.code, notSold.message], ['PRODUCT.INSTANCE_TYPE_NOT_EXIST', "The Instance type doesn't exist."]);
    await opOk(s, 'PUT', '/world/stock', {
      Stock: [
        { RegionId: R, ZoneId: 'cn-hangzhou-g', Spec: '*', Available: 0 },
        { RegionId: R, ZoneId: 'cn-hangzhou-h', Spec: 'slb.s2.small', Available: 1 },
      ],
    });
    const zoneFull = await err('CreateLoadBalancer', { RegionId: R, MasterZoneId: 'cn-hangzhou-g' });
    assert.deepEqual([zoneFull.code, zoneFull.message], ['InsufficientCapacity', 'There is insufficient capacity available for the requested']);
    const one = await create({ MasterZoneId: 'cn-hangzhou-h', LoadBalancerSpec: 'slb.s2.small' });
    const specOut = await err('CreateLoadBalancer', { RegionId: R, MasterZoneId: 'cn-hangzhou-h', LoadBalancerSpec: 'slb.s2.small' });
    assert.deepEqual([specOut.code, specOut.message], ['PRODUCT.INSUFFICIENT_STOCK', 'The product stock is insufficient.']);
    // another spec in the same zone is fine; changing to the sold-out spec is not
    const other = await create({ MasterZoneId: 'cn-hangzhou-h', LoadBalancerSpec: 'slb.s1.small' });
    const modify = await err('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: other.LoadBalancerId, LoadBalancerSpec: 'slb.s2.small' });
    assert.equal(modify.code, 'PRODUCT.INSUFFICIENT_STOCK');
    // deleting gives the stock back
    await call('DeleteLoadBalancer', { LoadBalancerId: one.LoadBalancerId });
    await call('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: other.LoadBalancerId, LoadBalancerSpec: 'slb.s2.small' });
    const stock = (await opOk(s, 'GET', '/world/stock')) as { Stock: { ZoneId: string; Available: number }[] };
    assert.equal(stock.Stock.find((x) => x.ZoneId === 'cn-hangzhou-h')!.Available, 0);
    await opOk(s, 'PUT', '/world/stock', { Stock: [] });
    await opOk(s, 'PUT', '/world/settings', { RegionSpecs: {} });
  });

  await t.test('quotas: per region → OverQuota, per account → ORDER.QUANTITY_INVALID, bandwidth ceiling', async () => {
    const count = async (region: string) => ((await call('DescribeLoadBalancers', { RegionId: region })) as unknown as List).TotalCount;
    const inR = await count(R);
    await opOk(s, 'PUT', '/world/quotas', { Quotas: { LoadBalancersPerRegion: inR + 1, LoadBalancersPerAccount: inR + 2, MaxBandwidth: 100 } });
    await create({});
    const region = await err('CreateLoadBalancer', { RegionId: R });
    assert.deepEqual([region.code, region.message], ['OverQuota', 'Instance num exceeded Quota.']);
    await call('CreateLoadBalancer', { RegionId: 'cn-beijing' });
    const account = await err('CreateLoadBalancer', { RegionId: 'cn-qingdao' });
    assert.deepEqual([account.code, account.message], ['ORDER.QUANTITY_INVALID', 'The maximum number of SLB instances is exceeded.']);
    await opOk(s, 'PUT', '/world/quotas', { Quotas: { LoadBalancersPerRegion: 1000, LoadBalancersPerAccount: 1000 } });
    const bw = await err('CreateLoadBalancer', { RegionId: R, InternetChargeType: 'paybybandwidth', Bandwidth: 200 });
    assert.deepEqual([bw.code, bw.message], ['InvalidParameter', 'The specified Bandwidth is invalid. It exceeds the maximum bandwidth available to the instance.']);
    const ok = await create({ InternetChargeType: 'paybybandwidth', Bandwidth: 100 });
    const modify = await err('ModifyLoadBalancerInternetSpec', { LoadBalancerId: ok.LoadBalancerId, Bandwidth: 101 });
    assert.equal(modify.message, 'The specified Bandwidth is invalid. It exceeds the maximum bandwidth available to the instance.');
    await opOk(s, 'PUT', '/world/quotas', { Quotas: { MaxBandwidth: 5120 } });
  });

  await t.test('unique names (operator option): "The specified loadbalancer name has been used."', async () => {
    await create({ LoadBalancerName: 'only-once' });
    await create({ LoadBalancerName: 'only-once' }); // off by default: names may repeat, as on the real service
    await opOk(s, 'PUT', '/world/settings', { UniqueLoadBalancerNames: true });
    const dup = await err('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'only-once' });
    assert.deepEqual([dup.code, dup.message], ['ServiceUnavailable', 'The specified loadbalancer name has been used.']);
    const other = await create({ LoadBalancerName: 'unique-2' });
    const rename = await err('SetLoadBalancerName', { LoadBalancerId: other.LoadBalancerId, LoadBalancerName: 'only-once' });
    assert.equal(rename.message, 'The specified loadbalancer name has been used.');
    await opOk(s, 'PUT', '/world/settings', { UniqueLoadBalancerNames: false });
  });

  await t.test('operator pools: a region-bound internet pool is used first-fit and can run dry', async () => {
    const pools = (await opOk(s, 'GET', '/world/pools')) as { Pools: unknown[] };
    await opOk(s, 'PUT', '/world/pools', { Pools: [{ Name: 'tiny', Kind: 'internet', CidrBlock: '127.99.0.0/30', RegionId: 'cn-chengdu' }, ...pools.Pools] });
    const a = (await call('CreateLoadBalancer', { RegionId: 'cn-chengdu' })) as unknown as Lb;
    const b = (await call('CreateLoadBalancer', { RegionId: 'cn-chengdu' })) as unknown as Lb;
    const c = (await call('CreateLoadBalancer', { RegionId: 'cn-chengdu' })) as unknown as Lb;
    assert.deepEqual([a.Address, b.Address], ['127.99.0.1', '127.99.0.2']);
    assert.match(c.Address, /^127\.1\./); // then the default pool
    await opOk(s, 'PUT', '/world/pools', { Pools: [{ Name: 'tiny', Kind: 'internet', CidrBlock: '127.99.0.0/30' }] });
    const dry = await err('CreateLoadBalancer', { RegionId: 'cn-chengdu' });
    assert.deepEqual([dry.code, dry.message], ['InsufficientCapacity', 'There is insufficient capacity available for the requested']);
    // a deleted instance's address is free again
    await call('DeleteLoadBalancer', { LoadBalancerId: a.LoadBalancerId });
    assert.equal(((await call('CreateLoadBalancer', { RegionId: 'cn-chengdu' })) as unknown as Lb).Address, '127.99.0.1');
    await opOk(s, 'PUT', '/world/pools', pools);
  });
});
