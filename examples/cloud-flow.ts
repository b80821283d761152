// The cloud around a load balancer, built as a Terraform configuration would, entirely through the
// public APIs and the official SDKs: VPC → vSwitch → security group → two ECS instances → an SLB
// load balancer in the vSwitch with the instances as backends → an EIP bound to it. Two backend
// processes listen where the instances' private addresses live on this machine, and HTTP requests
// sent to the EIP reach both.
//
//   OPENSLB_URL=http://127.0.0.1:8080 OPENSLB_ACCESS_KEY_ID=… OPENSLB_ACCESS_KEY_SECRET=… \
//   OPENSLB_OPERATOR_TOKEN=… node --import tsx examples/cloud-flow.ts
//
// The operator token is used for one thing only: reading where each instance's private address is
// reachable on this machine (its HostAddress, docs/products.md), so the backends can bind there.
import http from 'node:http';
import RPCClient from '@alicloud/pop-core';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import Vpc, * as $Vpc from '@alicloud/vpc20160428';
import Ecs, * as $Ecs from '@alicloud/ecs20140526';

export interface FlowOptions {
  url: string;
  accessKeyId: string;
  accessKeySecret: string;
  operatorToken: string;
  region?: string;
  log?: (msg: string) => void;
}

export interface FlowResult {
  vpcId: string;
  vSwitchId: string;
  securityGroupId: string;
  instanceIds: string[];
  loadBalancerId: string;
  loadBalancerAddress: string;
  eipAddress: string;
  allocationId: string;
  listenerPort: number;
  /** which backend answered each of the requests sent to the EIP */
  answers: string[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
  });
}

export async function runCloudFlow(o: FlowOptions): Promise<FlowResult> {
  const log = o.log ?? (() => {});
  const region = o.region ?? 'cn-hangzhou';
  const u = new URL(o.url);
  const config = () =>
    new $OpenApiUtil.Config({ accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret, endpoint: u.host, protocol: u.protocol.replace(':', ''), regionId: region, readTimeout: 30_000, connectTimeout: 30_000 });
  const vpc = new Vpc.default(config());
  const ecs = new Ecs.default(config());
  const slb = new RPCClient({ accessKeyId: o.accessKeyId, accessKeySecret: o.accessKeySecret, endpoint: o.url, apiVersion: '2014-05-15', opts: { timeout: 30_000 } });

  // alicloud_vpc: create, wait for Available
  const vpcId = (await vpc.createVpc(new $Vpc.CreateVpcRequest({ regionId: region, cidrBlock: '10.7.0.0/16', vpcName: 'flow' }))).body!.vpcId!;
  await until('the VPC to be Available', async () => ((await vpc.describeVpcAttribute(new $Vpc.DescribeVpcAttributeRequest({ regionId: region, vpcId }))).body?.status === 'Available' ? true : undefined));
  log(`vpc ${vpcId}`);
  // alicloud_vswitch
  const zones = (await vpc.describeZones(new $Vpc.DescribeZonesRequest({ regionId: region }))).body!.zones!.zone!;
  const zoneId = zones[0]!.zoneId!;
  const vSwitchId = (await vpc.createVSwitch(new $Vpc.CreateVSwitchRequest({ regionId: region, vpcId, zoneId, cidrBlock: '10.7.1.0/24', vSwitchName: 'flow' }))).body!.vSwitchId!;
  await until('the vSwitch to be Available', async () => ((await vpc.describeVSwitchAttributes(new $Vpc.DescribeVSwitchAttributesRequest({ regionId: region, vSwitchId }))).body?.status === 'Available' ? true : undefined));
  log(`vswitch ${vSwitchId}`);
  // alicloud_security_group
  const securityGroupId = (await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: region, vpcId, securityGroupName: 'flow' }))).body!.securityGroupId!;
  await ecs.authorizeSecurityGroup(new $Ecs.AuthorizeSecurityGroupRequest({ regionId: region, securityGroupId, ipProtocol: 'tcp', portRange: '80/80', sourceCidrIp: '0.0.0.0/0' }));
  log(`security group ${securityGroupId}`);
  // alicloud_instance ×2: run, wait for Running
  const images = (await ecs.describeImages(new $Ecs.DescribeImagesRequest({ regionId: region }))).body!.images!.image!;
  const types = (await ecs.describeInstanceTypes(new $Ecs.DescribeInstanceTypesRequest({}))).body!.instanceTypes!.instanceType!;
  const run = await ecs.runInstances(
    new $Ecs.RunInstancesRequest({ regionId: region, imageId: images[0]!.imageId, instanceType: types[0]!.instanceTypeId, securityGroupId, vSwitchId, amount: 2, instanceName: 'flow' }),
  );
  const instanceIds = run.body!.instanceIdSets!.instanceIdSet!;
  await until('the instances to be Running', async () => {
    const d = await ecs.describeInstances(new $Ecs.DescribeInstancesRequest({ regionId: region, instanceIds: JSON.stringify(instanceIds) }));
    const list = d.body!.instances!.instance ?? [];
    return list.length === 2 && list.every((i) => i.status === 'Running') ? true : undefined;
  });
  log(`instances ${instanceIds.join(', ')}`);

  // the backend processes bind where the instances' private addresses live on this machine
  const hosts: string[] = [];
  const world = (await (await fetch(`${o.url}/_openslb/world/instances?RegionId=${region}`, { headers: { authorization: `Bearer ${o.operatorToken}` } })).json()) as { Instances: { InstanceId: string; HostAddress?: string; PrivateIpAddress: string }[] };
  for (const id of instanceIds) {
    const i = world.Instances.find((x) => x.InstanceId === id);
    if (!i) throw new Error(`instance ${id} not in the operator's view`);
    hosts.push(i.HostAddress ?? i.PrivateIpAddress);
  }
  const backends: http.Server[] = [];
  const backendPort = 18080 + Math.floor(Math.random() * 2000);
  for (const [n, host] of hosts.entries()) {
    const srv = http.createServer((_req, res) => res.end(`backend-${n + 1}`));
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(backendPort, host, () => resolve()));
    backends.push(srv);
  }

  // alicloud_slb_load_balancer in the vSwitch, the instances as backends, an HTTP listener
  const lb = (await slb.request('CreateLoadBalancer', { RegionId: region, AddressType: 'intranet', VSwitchId: vSwitchId, LoadBalancerName: 'flow' })) as { LoadBalancerId: string; Address: string };
  log(`load balancer ${lb.LoadBalancerId} at ${lb.Address}`);
  await slb.request('AddBackendServers', { RegionId: region, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify(instanceIds.map((id) => ({ ServerId: id, Weight: 100 }))) });
  const listenerPort = 80;
  await slb.request('CreateLoadBalancerHTTPListener', { RegionId: region, LoadBalancerId: lb.LoadBalancerId, ListenerPort: listenerPort, BackendServerPort: backendPort, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' });
  await slb.request('StartLoadBalancerListener', { RegionId: region, LoadBalancerId: lb.LoadBalancerId, ListenerPort: listenerPort, ListenerProtocol: 'http' });

  // alicloud_eip_address + alicloud_eip_association
  const eip = (await vpc.allocateEipAddress(new $Vpc.AllocateEipAddressRequest({ regionId: region, bandwidth: '5' }))).body!;
  await vpc.associateEipAddress(new $Vpc.AssociateEipAddressRequest({ regionId: region, allocationId: eip.allocationId, instanceId: lb.LoadBalancerId, instanceType: 'SlbInstance' }));
  await until('the EIP to be InUse', async () => {
    const d = await vpc.describeEipAddresses(new $Vpc.DescribeEipAddressesRequest({ regionId: region, allocationId: eip.allocationId }));
    return d.body!.eipAddresses!.eipAddress![0]?.status === 'InUse' ? true : undefined;
  });
  log(`eip ${eip.eipAddress} → ${lb.LoadBalancerId}`);

  // traffic sent to the EIP reaches both backends
  const answers: string[] = [];
  await until('the listener to answer at the EIP', async () => {
    try {
      return (await get(eip.eipAddress!, listenerPort)).startsWith('backend-') ? true : undefined;
    } catch {
      return undefined;
    }
  });
  for (let i = 0; i < 6; i++) answers.push(await get(eip.eipAddress!, listenerPort));
  log(`answers ${answers.join(' ')}`);

  return {
    vpcId,
    vSwitchId,
    securityGroupId,
    instanceIds,
    loadBalancerId: lb.LoadBalancerId,
    loadBalancerAddress: lb.Address,
    eipAddress: eip.eipAddress!,
    allocationId: eip.allocationId!,
    listenerPort,
    answers,
    async close() {
      await Promise.all(backends.map((b) => new Promise((r) => b.close(r))));
    },
  };
}

// run as a script
if (import.meta.url === `file://${process.argv[1]}`) {
  const env = (k: string) => {
    const v = process.env[k];
    if (!v) throw new Error(`set ${k}`);
    return v;
  };
  const r = await runCloudFlow({
    url: process.env['OPENSLB_URL'] ?? 'http://127.0.0.1:8080',
    accessKeyId: env('OPENSLB_ACCESS_KEY_ID'),
    accessKeySecret: env('OPENSLB_ACCESS_KEY_SECRET'),
    operatorToken: env('OPENSLB_OPERATOR_TOKEN'),
    log: (m) => console.log(m),
  });
  console.log(`requests to http://${r.eipAddress}:${r.listenerPort}/ were answered by: ${[...new Set(r.answers)].sort().join(', ')}`);
  await r.close();
}
