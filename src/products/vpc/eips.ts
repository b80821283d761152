// Elastic IP addresses of the VPC API: kind 'eip', scope (account, region), id = AllocationId. The
// address comes from the world's internet pool and is leased server-wide like a load balancer's
// (the lease's holder is the AllocationId). Associating one with an SLB load balancer records it on
// both documents (LoadBalancerDoc.EipAddress). Reference: docs/products.md "VPC 2016-04-28".
import type { Scope, Tx } from '../../state/store.js';
import type { LoadBalancerDoc } from '../slb/services/model.js';
import type { InstanceDoc } from '../slb/services/model.js';
import { isoSeconds } from '../../util/clock.js';
import { allocateFromPools, defaultResourceGroupId, ensureRegion, findResourceGroup, lease, releaseLease } from '../../world/world.js';
import { vfail } from './errors.js';
import { readTags, requireRegion, type Env, type Tag } from './networks.js';

export interface EipDoc {
  AllocationId: string;
  RegionId: string;
  IpAddress: string;
  Status: 'Available' | 'InUse';
  /** '' when not associated */
  InstanceId: string;
  InstanceType: '' | 'SlbInstance' | 'EcsInstance' | 'NetworkInterface';
  InstanceRegionId: string;
  PrivateIpAddress: string;
  Bandwidth: string;
  InternetChargeType: 'PayByBandwidth' | 'PayByTraffic';
  ChargeType: 'PostPaid' | 'PrePaid';
  ISP: string;
  Netmode: string;
  Name: string;
  Description: string;
  ResourceGroupId: string;
  AllocationTime: string;
  Tags: Tag[];
}

export interface AllocateInput {
  RegionId: string;
  Bandwidth?: string;
  InternetChargeType?: string;
  InstanceChargeType?: string;
  ISP?: string;
  Netmode?: string;
  Name?: string;
  Description?: string;
  ResourceGroupId?: string;
  IpAddress?: string;
  Tag?: unknown;
}

/** Bandwidth in Mbit/s: 1–500 for pay-by-bandwidth, 1–200 for pay-by-traffic (the published ranges). */
function bandwidthOf(v: string | undefined, charge: string): string {
  if (v === undefined || v === '') return '5';
  const n = /^\d{1,4}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  const max = charge === 'PayByTraffic' ? 200 : 500;
  if (!Number.isInteger(n) || n < 1 || n > max) vfail('InvalidParameter', 'Specified value of "Bandwidth" is not valid.');
  return String(n);
}

export async function allocateEip(tx: Tx, env: Env, p: AllocateInput): Promise<EipDoc> {
  const region = requireRegion(p.RegionId);
  const scope = { account: env.account, region: region.RegionId };
  const charge = (p.InternetChargeType ?? 'PayByBandwidth') as EipDoc['InternetChargeType'];
  const bandwidth = bandwidthOf(p.Bandwidth, charge);
  const tags = readTags(p.Tag);
  await ensureRegion(tx, scope, isoSeconds(env.now));
  const rg = p.ResourceGroupId || defaultResourceGroupId(env.account);
  if (!(await findResourceGroup(tx, env.account, rg))) vfail('InvalidResourceGroupId');
  const alloc = await allocateFromPools(tx, 'internet', region.RegionId, p.IpAddress || undefined);
  if (!alloc.ok) vfail('ReserveIpFail');
  const id = env.newId('eip-');
  const doc: EipDoc = {
    AllocationId: id,
    RegionId: region.RegionId,
    IpAddress: alloc.address,
    Status: 'Available',
    InstanceId: '',
    InstanceType: '',
    InstanceRegionId: '',
    PrivateIpAddress: '',
    Bandwidth: bandwidth,
    InternetChargeType: charge,
    ChargeType: p.InstanceChargeType === 'PrePaid' ? 'PrePaid' : 'PostPaid',
    ISP: p.ISP ?? 'BGP',
    Netmode: p.Netmode ?? 'public',
    Name: p.Name ?? '',
    Description: p.Description ?? '',
    ResourceGroupId: rg,
    AllocationTime: isoSeconds(env.now),
    Tags: tags,
  };
  await tx.put('eip', scope, id, doc);
  await lease(tx, { Address: alloc.address, AccountId: env.account, RegionId: region.RegionId, LoadBalancerId: id });
  return doc;
}

export async function requireEip(tx: Tx, scope: Scope, id: string): Promise<EipDoc> {
  const e = await tx.get<EipDoc>('eip', scope, id);
  if (!e) vfail('InvalidAllocationId.NotFound');
  return e;
}

/**
 * An EIP whose instance is gone (the load balancer deleted through SLB, the instance removed from
 * the world) is associated with nothing: it reads, associates and releases as Available.
 */
export async function settled(tx: Tx, scope: Scope, e: EipDoc): Promise<EipDoc> {
  if (e.Status !== 'InUse') return e;
  const kind = e.InstanceType === 'SlbInstance' ? 'loadBalancer' : 'instance';
  if (await tx.get(kind, { account: scope.account, region: e.RegionId }, e.InstanceId)) return e;
  return { ...e, Status: 'Available', InstanceId: '', InstanceType: '', InstanceRegionId: '', PrivateIpAddress: '' };
}

export interface AssociateInput {
  AllocationId: string;
  InstanceId: string;
  InstanceType?: string;
  PrivateIpAddress?: string;
}

export async function associateEip(tx: Tx, scope: Scope, p: AssociateInput): Promise<void> {
  const eip = await settled(tx, scope, await requireEip(tx, scope, p.AllocationId));
  const type = p.InstanceType ?? 'EcsInstance';
  if (type === 'SlbInstance') {
    const lb = await tx.get<LoadBalancerDoc>('loadBalancer', scope, p.InstanceId);
    if (!lb) vfail('InvalidInstanId.NotFound');
    if (eip.Status !== 'Available') vfail('IncorrectEipStatus', 'Current elastic IP status does not support this operation');
    // only a private (intranet) load balancer in a VPC takes an EIP
    if (lb.NetworkType !== 'vpc' || lb.AddressType !== 'intranet') vfail('OperationDenied', 'Specified instance is not in VPC.');
    if (lb.EipAddress) vfail('InvalidAssociation.Duplicated');
    lb.EipAddress = eip.IpAddress;
    await tx.put('loadBalancer', scope, lb.LoadBalancerId, lb);
    Object.assign(eip, { Status: 'InUse', InstanceId: lb.LoadBalancerId, InstanceType: 'SlbInstance', InstanceRegionId: scope.region, PrivateIpAddress: lb.Address });
  } else if (type === 'EcsInstance' || type === 'NetworkInterface') {
    // the world's instances (src/world/world.ts): an ECS instance (i-…) or an ENI (eni-…) in a VPC
    const inst = await tx.get<InstanceDoc>('instance', scope, p.InstanceId);
    if (!inst || inst.Type !== (type === 'EcsInstance' ? 'ecs' : 'eni')) vfail('InvalidInstanId.NotFound');
    if (eip.Status !== 'Available') vfail('IncorrectEipStatus', 'Current elastic IP status does not support this operation');
    if (inst.NetworkType !== 'vpc') vfail('OperationDenied', 'Specified instance is not in VPC.');
    if (await tx.count('eip', scope, { where: { InstanceId: inst.InstanceId } })) vfail('InvalidAssociation.Duplicated');
    Object.assign(eip, { Status: 'InUse', InstanceId: inst.InstanceId, InstanceType: type, InstanceRegionId: scope.region, PrivateIpAddress: p.PrivateIpAddress || inst.PrivateIpAddress });
  } else {
    vfail('InvalidInstanceType.ValueNotSupported');
  }
  await tx.put('eip', scope, eip.AllocationId, eip);
}

export async function unassociateEip(tx: Tx, scope: Scope, p: { AllocationId: string; InstanceId?: string; InstanceType?: string }): Promise<void> {
  const eip = await requireEip(tx, scope, p.AllocationId);
  if (eip.Status !== 'InUse') vfail('IncorrectEipStatus', 'Current elastic IP status does not support this operation.');
  if ((p.InstanceId && p.InstanceId !== eip.InstanceId) || (p.InstanceType && p.InstanceType !== eip.InstanceType)) vfail('InvalidBindingStatus');
  if (eip.InstanceType === 'SlbInstance') {
    const lb = await tx.get<LoadBalancerDoc>('loadBalancer', scope, eip.InstanceId);
    // the load balancer may be gone already: the association then just ends
    if (lb && lb.EipAddress === eip.IpAddress) {
      delete lb.EipAddress;
      await tx.put('loadBalancer', scope, lb.LoadBalancerId, lb);
    }
  }
  Object.assign(eip, { Status: 'Available', InstanceId: '', InstanceType: '', InstanceRegionId: '', PrivateIpAddress: '' });
  await tx.put('eip', scope, eip.AllocationId, eip);
}

export async function releaseEip(tx: Tx, scope: Scope, id: string): Promise<void> {
  const eip = await settled(tx, scope, await requireEip(tx, scope, id));
  if (eip.Status !== 'Available') vfail('IncorrectEipStatus', 'Current elastic IP status does not support this operation.');
  await tx.delete('eip', scope, id);
  await releaseLease(tx, eip.IpAddress, id);
}

export function eipView(e: EipDoc): Record<string, unknown> {
  return {
    AllocationId: e.AllocationId,
    IpAddress: e.IpAddress,
    Status: e.Status,
    RegionId: e.RegionId,
    AllocationTime: e.AllocationTime,
    InstanceId: e.InstanceId,
    InstanceType: e.InstanceType,
    InstanceRegionId: e.InstanceRegionId,
    PrivateIpAddress: e.PrivateIpAddress,
    Bandwidth: e.Bandwidth,
    EipBandwidth: e.Bandwidth,
    InternetChargeType: e.InternetChargeType,
    ChargeType: e.ChargeType,
    ISP: e.ISP,
    Netmode: e.Netmode,
    Name: e.Name,
    Description: e.Description,
    ResourceGroupId: e.ResourceGroupId,
    Mode: 'NAT',
    DeletionProtection: false,
    SecondLimited: false,
    HDMonitorStatus: 'OFF',
    BusinessStatus: 'Normal',
    ExpiredTime: '',
    OperationLocks: [],
    SecurityProtectionTypes: [],
    Tags: e.Tags.map((t) => ({ Key: t.Key, Value: t.Value })),
  };
}
