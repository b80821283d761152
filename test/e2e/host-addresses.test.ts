// Private addresses on one machine (src/world/host-addresses.ts): a vSwitch with real private
// addresses and a loopback host block. A load balancer created in it through pop-core reports its
// private address, binds the host address; a backend instance with a private address is reached at
// its host address, where the backend process listens.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ask, freePort, listenerStatus, REGION, TcpBackend, waitFor } from './helpers.js';
import { allocateHostBlock, toHostAddress } from '../../src/world/host-addresses.js';
import { KINDS, type InstanceDoc, type LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import type { VpcDoc, VSwitchDoc } from '../../src/world/world.js';

let s: TestServer;
let backend: TcpBackend;
let vsw: VSwitchDoc;
let inst: InstanceDoc;

before(async () => {
  s = await startTestServer({ dataPlane: true });
  const scope = { account: s.rootAccountId, region: REGION };
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  vsw = await s.store.write(async (tx) => {
    const vpc: VpcDoc = { VpcId: 'vpc-hostmap000000000001', RegionId: REGION, VpcName: 'mapped', CidrBlock: '10.42.0.0/16', Status: 'Available', IsDefault: false, CreationTime: now };
    await tx.put(KINDS.vpc, scope, vpc.VpcId, vpc);
    const v: VSwitchDoc = { VSwitchId: 'vsw-hostmap000000000001', VpcId: vpc.VpcId, RegionId: REGION, ZoneId: 'cn-hangzhou-b', VSwitchName: 'mapped', CidrBlock: '10.42.1.0/24', Status: 'Available', IsDefault: false, CreationTime: now, HostCidrBlock: await allocateHostBlock(tx, '10.42.1.0/24') };
    await tx.put(KINDS.vswitch, scope, v.VSwitchId, v);
    const i: InstanceDoc = { InstanceId: 'i-hostmap00000000000001', RegionId: REGION, PrivateIpAddress: '10.42.1.20', NetworkType: 'vpc', VpcId: vpc.VpcId, VSwitchId: v.VSwitchId, ZoneId: 'cn-hangzhou-b', Status: 'Running', Type: 'ecs', HostAddress: toHostAddress('10.42.1.20', v.CidrBlock, v.HostCidrBlock) };
    await tx.put(KINDS.instance, scope, i.InstanceId, i);
    inst = i;
    return v;
  });
  backend = await new TcpBackend(inst.HostAddress!, 'mapped').start(0);
});
after(async () => {
  await backend?.stop();
  await s?.stop();
});

test('a load balancer in a mapped vSwitch answers its private address and serves at its host address', { timeout: 30_000 }, async () => {
  assert.match(vsw.HostCidrBlock!, /^127\.(1[2-9][0-9]|2[0-5][0-9])\.\d+\.0\/24$/);
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, AddressType: 'intranet', VSwitchId: vsw.VSwitchId, LoadBalancerName: 'mapped' })) as { LoadBalancerId: string; Address: string };
  assert.match(lb.Address, /^10\.42\.1\.\d+$/, 'the API reports the private address');
  const doc = await s.store.read((tx) => tx.get<LoadBalancerDoc>(KINDS.loadBalancer, { account: s.rootAccountId, region: REGION }, lb.LoadBalancerId));
  const host = toHostAddress(lb.Address, vsw.CidrBlock, vsw.HostCidrBlock)!;
  assert.equal(doc?.HostAddress, host);
  // a second load balancer gets another private address (leases are by host address)
  const lb2 = (await s.call('CreateLoadBalancer', { RegionId: REGION, AddressType: 'intranet', VSwitchId: vsw.VSwitchId })) as { Address: string };
  assert.notEqual(lb2.Address, lb.Address);

  await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: inst.InstanceId, Weight: 100 }]) });
  const port = await freePort(host);
  await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, BackendServerPort: backend.port, Bandwidth: -1, HealthCheckSwitch: 'off' });
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port });
  await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, 'tcp')) === 'running', 10_000, 'running');
  const r = await ask(host, port);
  assert.equal(r.name, 'mapped', JSON.stringify(r));
  assert.equal(backend.accepted, 1);

  // an EIP associated with it (what VPC AssociateEipAddress records): the listener answers there too
  const eip = '127.1.250.77';
  const scope = { account: s.rootAccountId, region: REGION };
  const setEip = (v: string | undefined) =>
    s.store.write(async (tx) => {
      const d = (await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scope, lb.LoadBalancerId))!;
      if (v) d.EipAddress = v;
      else delete d.EipAddress;
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, d);
    });
  await setEip(eip);
  await waitFor(async () => (await ask(eip, port)).name === 'mapped', 10_000, 'served at the EIP');
  assert.equal((await ask(host, port)).name, 'mapped', 'and still at its own address');
  await setEip(undefined);
  await waitFor(async () => (await ask(eip, port)).error !== undefined, 10_000, 'no longer at the EIP');
  assert.equal((await ask(host, port)).name, 'mapped');

  // deleting frees the address: a new load balancer may take it again
  await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId });
  const lb3 = (await s.call('CreateLoadBalancer', { RegionId: REGION, AddressType: 'intranet', VSwitchId: vsw.VSwitchId, Address: lb.Address })) as { Address: string };
  assert.equal(lb3.Address, lb.Address);
});
