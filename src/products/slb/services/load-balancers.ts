// Rules of the load balancer instance family: creation inside the modelled world, filters,
// protections and locks. Pure: no HTTP. Errors are catalog errors (see docs/load-balancers.md).
import { createHash } from 'node:crypto';
import { fail } from '../../../errors/catalog.js';
import type { DocRef, Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { findRegion, type RegionInfo } from '../../../world/regions.js';
import {
  allocateFromPools,
  allocateInVSwitch,
  leaseKeyOf,
  checkStock,
  createReadsOf,
  vswitchAllocReads,
  poolAllocReads,
  type PoolKind,
  defaultResourceGroupId,
  ensureRegion,
  findResourceGroup,
  getSettings,
  lease,
  moveStock,
  putSettings,
  quotasFor,
  SPECS,
  type AllocResult,
  type VpcDoc,
  type VSwitchDoc,
  type WorldSettings,
} from '../../../world/world.js';
import { readCreateTags } from './create-tags.js';
import { KINDS, listenerId, type LoadBalancerDoc } from './model.js';
import { dropTags, getTags, putTags, type ResourceType, type Tag } from './tags.js';

export const CLCU_SPEC = 'slb.lcu.elastic';
/** the name the real service gives an instance created without LoadBalancerName */
export const AUTO_NAME = 'auto_named_slb';
/** pay-as-you-go instances report this end time (the real service's "never") */
export const ON_DEMAND_END = { EndTime: '2999-09-08T16:00:00Z', EndTimeStamp: 32493801600000 };

/** The API's time format for instances: minutes, UTC ("2024-05-06T07:08Z"). */
export const minuteTime = (ms: number) => isoSeconds(ms).replace(/:\d\dZ$/, 'Z');

/** Names: 1–80 characters, letters/Chinese first, then letters, Chinese, digits, '.', '_', '-'. */
export function checkLoadBalancerName(name: string): void {
  if (![...name].length || [...name].length > 80 || !/^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5._-]*$/u.test(name)) fail('InvalidParameter', 'The Lb Name is Not supported.');
}

export function checkProtectionReason(reason: string): void {
  if ([...reason].length > 80 || !/^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5._-]*$/u.test(reason)) fail('InvalidParameter', 'The specified parameter is not valid.');
}

/** A locked instance refuses every change, with the message of its lock reason. */
export function requireUnlocked(lb: LoadBalancerDoc): void {
  if (lb.LoadBalancerStatus !== 'locked') return;
  if (lb.LockReason === 'security') fail('ActionNotAllowed', 'Locked for any Operate Reason.');
  fail('ActionNotAllowed', 'Locked for any Business Reason.');
}

// ---------------------------------------------------------------------------------------------
// Commerce plug: subscriptions (PayType PrePay) are priced and ordered by the commerce module.

export interface PricedOrder {
  account: string;
  region: string;
  action: 'CreateLoadBalancer' | 'ModifyLoadBalancerPayType';
  LoadBalancerId?: string;
  LoadBalancerSpec: string;
  AddressType: string;
  InternetChargeType: string;
  Bandwidth: number;
  PricingCycle?: string;
  Duration?: number;
  AutoPay: boolean;
  /** the request's clock (ms): commerce prices periods and expiry with it */
  now: number;
}
export interface OrderResult {
  OrderId: number;
  /** false while the order waits for payment (AutoPay false): the instance is created locked-financial */
  paid: boolean;
}
export type PrePayHandler = (tx: Tx, order: PricedOrder) => Promise<OrderResult>;

const noCommerce: PrePayHandler = async () => fail('ORDER.OPEND', 'The account order is open to buy loadbalancer.');
let prePay: PrePayHandler = noCommerce;
/** The commerce module installs its order path here (no argument: back to "no subscriptions"). */
export function setPrePayHandler(h?: PrePayHandler): void {
  prePay = h ?? noCommerce;
}
export const placePrePayOrder = (tx: Tx, o: PricedOrder) => prePay(tx, o);

/** Further commerce hooks (src/products/slb/services/commerce): no-ops until commerce installs them. */
export interface CommerceHooks {
  /** a pay-as-you-go purchase (CreateLoadBalancer without PrePay): account standing checks */
  onDemand(tx: Tx, o: { account: string; region: string; LoadBalancerSpec: string; AddressType: string; InternetChargeType: string; Bandwidth: number; now: number }): Promise<void>;
  /** a spec or bandwidth change of a subscription: an order; `apply` false = applied later (when paid) */
  change(tx: Tx, lb: LoadBalancerDoc, target: { account: string; action: string; LoadBalancerSpec: string; InternetChargeType: string; Bandwidth: number; AutoPay: boolean; now: number }): Promise<{ OrderId: number; apply: boolean }>;
  /** a subscription is deleted: refund of the unused period */
  release(tx: Tx, lb: LoadBalancerDoc, account: string, now: number): Promise<void>;
  /** a spec or bandwidth change of a pay-as-you-go instance: refused while a purchase for it is unfinished or bills are unpaid */
  payAsYouGoChange(tx: Tx, lb: LoadBalancerDoc, account: string, action: string): Promise<void>;
  /** DescribeLoadBalancerAttribute fields of a subscription (EndTime, EndTimeStamp, RenewalStatus) */
  view(tx: Tx, lb: LoadBalancerDoc, account: string): Promise<Record<string, unknown>>;
  /** the documents onDemand reads for this account (a Tx.prefetch hint) */
  onDemandReads(account: string): DocRef[];
}
export const commerceHooks: CommerceHooks = {
  onDemand: async () => {},
  change: async () => ({ OrderId: 0, apply: true }),
  release: async () => {},
  view: async () => ({}),
  payAsYouGoChange: async () => {},
  onDemandReads: () => [],
};
export function setCommerceHooks(h: Partial<CommerceHooks>): void {
  Object.assign(commerceHooks, h);
}

// ---------------------------------------------------------------------------------------------
// Creation.

export interface CreateInput {
  RegionId: string;
  Address?: string;
  AddressIPVersion?: 'ipv4' | 'ipv6';
  AddressType?: 'internet' | 'intranet';
  AutoPay?: boolean;
  Bandwidth?: number;
  ClientToken?: string;
  DeleteProtection?: 'on' | 'off';
  Duration?: number;
  InstanceChargeType?: 'PayBySpec' | 'PayByCLCU';
  InternetChargeType?: 'paybytraffic' | 'paybybandwidth';
  LoadBalancerName?: string;
  LoadBalancerSpec?: string;
  MasterZoneId?: string;
  ModificationProtectionReason?: string;
  ModificationProtectionStatus?: 'NonProtection' | 'ConsoleProtection';
  PayType?: string;
  PricingCycle?: string;
  ResourceGroupId?: string;
  SlaveZoneId?: string;
  Tag?: { Key?: string; Value?: string }[];
  VSwitchId?: string;
  VpcId?: string;
}

export interface CreateEnv {
  account: string;
  now: number;
  newId: () => string;
}

interface TokenDoc {
  Hash: string;
  Response: Record<string, unknown>;
  CreatedAt: number;
}
const TOKEN_TTL_MS = 24 * 3600 * 1000;

function paramsHash(p: CreateInput): string {
  const { ClientToken: _t, ...rest } = p;
  const sorted = Object.keys(rest)
    .sort()
    .map((k) => [k, (rest as Record<string, unknown>)[k]]);
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

export function requireSlbRegion(id: string | undefined): RegionInfo {
  const r = findRegion(id);
  if (!r) fail('InvalidRegionId.NotFound');
  if (!r.slbSupported) fail('RegionNotSupport', 'The specified region not supported.');
  return r;
}

/** The region named on an LB-scoped call, where RegionId is only a cross-check. */
export function optionalRegion(id: string | undefined): string | undefined {
  if (id === undefined || id === '') return undefined;
  if (!findRegion(id)) fail('InvalidParameter', 'The specified RegionId does not exist.');
  return id;
}

function allocFail(r: Exclude<AllocResult, { ok: true }>, inVpc: boolean): never {
  if (r.reason === 'taken') fail('InvalidParameter', 'The vpc Ip is exist.');
  if (r.reason === 'outside') fail('InvalidParameter', 'The Ip is not Supported.');
  if (inVpc) fail('ServiceUnavailable', 'The vpc subnet is not exist.');
  fail('InsufficientCapacity', 'There is insufficient capacity available for the requested');
}

function checkVpcStatus(vpc: VpcDoc, vsw: VSwitchDoc, now: number): void {
  // a VPC or vSwitch of the VPC API is Pending until AvailableAt (src/products/vpc): still being created
  const pending = (vpc.AvailableAt !== undefined && now < vpc.AvailableAt) || (vsw.AvailableAt !== undefined && now < vsw.AvailableAt);
  if (vpc.Status === 'Creating' || pending) fail('VpcStatusError', 'the specified vpc status is creating.');
  if (vpc.Status === 'Deleting') fail('InvalidParameter', 'The specified vpc cloud instance is deleteing.');
  if (vpc.Status === 'Deleted') fail('InvalidParameter', 'The specified vpc cloud instance has deleted');
}

/** The account's load balancers in one region and in all, counted by the store. */
export async function countAccountLbs(tx: Tx, account: string, region: string): Promise<{ region: number; total: number }> {
  const [inRegion, total] = await Promise.all([tx.count(KINDS.loadBalancer, { account, region }), tx.count(KINDS.loadBalancer, { account })]);
  return { region: inRegion, total };
}

export function checkBandwidth(s: WorldSettings, account: string, bandwidth: number): void {
  if (bandwidth > quotasFor(s, account).MaxBandwidth) fail('InvalidParameter', 'The specified Bandwidth is invalid. It exceeds the maximum bandwidth available to the instance.');
}

export async function createLoadBalancer(tx: Tx, env: CreateEnv, p: CreateInput): Promise<Record<string, unknown>> {
  const region = requireSlbRegion(p.RegionId);
  const scope: Scope = { account: env.account, region: region.RegionId };
  const hash = paramsHash(p);
  if (p.ClientToken) {
    const t = await tx.get<TokenDoc>('clientToken', scope, p.ClientToken);
    if (t && env.now - t.CreatedAt < TOKEN_TTL_MS) {
      if (t.Hash !== hash) fail('LX_REQUEST_TOKEN_CONFLICT', 'The ClientToken is conflict.');
      return t.Response;
    }
  }
  // tags are checked like TagResources checks them, before anything is written
  const tags = readCreateTags(p.Tag);
  const nowIso = isoSeconds(env.now);
  const rgId = p.ResourceGroupId || defaultResourceGroupId(env.account);
  // What every create reads, asked for at once: on PostgreSQL one round trip instead of one each
  // (docs/storage.md, "Round trips"); the gets below then answer from it, in their own order.
  // The quota counts go with them; they are judged below, in their place among the checks.
  // (and, without a vSwitch, the address pool's allocation as last left here: see poolAllocReads)
  const addressType = p.AddressType ?? 'internet';
  const ipVersion = p.AddressIPVersion ?? 'ipv4';
  const poolKind: PoolKind = addressType === 'internet' ? (ipVersion === 'ipv6' ? 'internet-ipv6' : 'internet') : 'classic-intranet';
  const [, counts] = await Promise.all([
    tx.prefetch([
      ...createReadsOf(scope, rgId),
      ...(p.VSwitchId ? [{ kind: KINDS.vswitch, scope, id: p.VSwitchId }] : p.Address ? [] : poolAllocReads(poolKind, region.RegionId)),
      ...(p.PayType === 'PrePay' ? [] : commerceHooks.onDemandReads(env.account)),
    ]),
    countAccountLbs(tx, env.account, region.RegionId),
  ]);
  await ensureRegion(tx, scope, nowIso);
  const settings = await getSettings(tx);

  const name = p.LoadBalancerName === undefined || p.LoadBalancerName === '' ? AUTO_NAME : p.LoadBalancerName;
  if (p.LoadBalancerName) checkLoadBalancerName(p.LoadBalancerName);
  const protection = p.ModificationProtectionStatus ?? 'NonProtection';
  const reason = protection === 'ConsoleProtection' ? (p.ModificationProtectionReason ?? '') : '';
  if (reason) checkProtectionReason(reason);

  // resource group
  if (!(await findResourceGroup(tx, env.account, rgId))) fail('InvalidParameter', 'The specified resource does not exist.');

  // network (addressType, ipVersion above)
  let vsw: VSwitchDoc | undefined;
  if (addressType === 'internet') {
    if (p.VpcId || p.VSwitchId) fail('InvalidParameter', 'the special internet EIP donot support the VPC network type.');
  } else {
    if (ipVersion === 'ipv6') fail('InvalidParameter', 'The Ip is not Supported.');
    if (p.VSwitchId) {
      vsw = await tx.get<VSwitchDoc>(KINDS.vswitch, scope, p.VSwitchId);
      if (!vsw) fail('ServiceUnavailable', 'The vpc subnet is not exist.');
      if (p.VpcId && p.VpcId !== vsw.VpcId) {
        // VpcId names another VPC of the region than the vSwitch's: the two parameters conflict
        // (seed row 200); a VpcId that names no VPC has no such subnet (row 74)
        if (await tx.get<VpcDoc>(KINDS.vpc, scope, p.VpcId)) fail('NetworkConflict', 'there are network conflicts in specified parameter.');
        fail('ServiceUnavailable', 'The vpc subnet is not exist.');
      }
      // the VPC with what the address allocation reads first (one round trip on PostgreSQL)
      await tx.prefetch([{ kind: KINDS.vpc, scope, id: vsw.VpcId }, ...vswitchAllocReads(scope, vsw, !!p.Address)]);
      const vpc = await tx.get<VpcDoc>(KINDS.vpc, scope, vsw.VpcId);
      if (!vpc) fail('ServiceUnavailable', 'The vpc subnet is not exist.');
      checkVpcStatus(vpc, vsw, env.now);
    } else if (p.VpcId) {
      fail('InvalidParameter', 'The vpc info of LB is empty.');
    } else if (region.vpcOnly) {
      fail('InvalidParameter', 'The vpc info of LB is empty.');
    }
  }

  // zones
  const zoneIds = region.zones.map((z) => z.ZoneId);
  let master = p.MasterZoneId || vsw?.ZoneId || zoneIds.find((z) => !settings.UnavailableZones.includes(z)) || zoneIds[0]!;
  if (!zoneIds.includes(master) || settings.UnavailableZones.includes(master)) fail('PRODUCT.NOT_AVAILABLE_IZ', "The Instance zone id doesn't support.");
  if (vsw && master !== vsw.ZoneId) fail('VpcZoneNotSupportCreate', 'The specified zone dont not supported .');
  let slave = p.SlaveZoneId ?? '';
  if (slave) {
    if (!zoneIds.includes(slave) || slave === master) fail('InvalidParameter', 'The site is not exist.');
  } else if (zoneIds.length > 1) {
    slave = zoneIds.find((z) => z !== master && !settings.UnavailableZones.includes(z)) ?? '';
  }
  master = master as string;

  // spec and charge type
  const chargeType = p.InstanceChargeType ?? 'PayBySpec';
  let spec: string;
  if (chargeType === 'PayByCLCU') spec = CLCU_SPEC;
  else {
    spec = p.LoadBalancerSpec || 'slb.s1.small';
    const sold = settings.RegionSpecs[region.RegionId] ?? [...SPECS];
    if (!sold.includes(spec)) fail('PRODUCT.INSTANCE_TYPE_NOT_EXIST', "The Instance type doesn't exist.");
  }
  const stock = checkStock(settings, region.RegionId, master, spec);
  if (stock === 'zone') fail('InsufficientCapacity', 'There is insufficient capacity available for the requested');
  if (stock === 'spec') fail('PRODUCT.INSUFFICIENT_STOCK', 'The product stock is insufficient.');

  // quotas
  const q = quotasFor(settings, env.account);
  if (counts.region >= q.LoadBalancersPerRegion) fail('OverQuota', 'Instance num exceeded Quota.');
  if (counts.total >= q.LoadBalancersPerAccount) fail('ORDER.QUANTITY_INVALID', 'The maximum number of SLB instances is exceeded.');

  // bandwidth
  const internetCharge = p.InternetChargeType ?? 'paybytraffic';
  let bandwidth = 5120;
  if (addressType === 'internet' && internetCharge === 'paybybandwidth') {
    bandwidth = p.Bandwidth ?? 1;
    checkBandwidth(settings, env.account, bandwidth);
  } else if (addressType === 'intranet' && internetCharge === 'paybybandwidth') {
    fail('ActionNotAllowed', "The Intranet LB's InternetChargeType is not allowed change to paybybandwidth.");
  }

  // name uniqueness (operator option)
  if (settings.UniqueLoadBalancerNames && p.LoadBalancerName && (await tx.count(KINDS.loadBalancer, scope, { where: { LoadBalancerName: name } }))) fail('ServiceUnavailable', 'The specified loadbalancer name has been used.');

  // address
  const requested = p.Address || undefined;
  let alloc: AllocResult;
  if (vsw) alloc = await allocateInVSwitch(tx, scope, vsw, requested);
  else alloc = await allocateFromPools(tx, poolKind, region.RegionId, requested);
  if (!alloc.ok) allocFail(alloc, !!vsw);

  // subscriptions go through commerce (priced order); pay-as-you-go needs no order
  const payType = p.PayType === 'PrePay' ? 'PrePay' : 'PayOnDemand';
  const id = env.newId();
  let orderId: number | undefined;
  let locked = false;
  if (payType === 'PrePay') {
    const order = await placePrePayOrder(tx, {
      account: env.account,
      region: region.RegionId,
      action: 'CreateLoadBalancer',
      LoadBalancerId: id,
      LoadBalancerSpec: spec,
      AddressType: addressType,
      InternetChargeType: internetCharge,
      Bandwidth: bandwidth,
      PricingCycle: p.PricingCycle,
      Duration: p.Duration,
      AutoPay: p.AutoPay ?? false,
      now: env.now,
    });
    orderId = order.OrderId;
    locked = !order.paid;
  } else {
    await commerceHooks.onDemand(tx, { account: env.account, region: region.RegionId, LoadBalancerSpec: spec, AddressType: addressType, InternetChargeType: internetCharge, Bandwidth: bandwidth, now: env.now });
  }

  const doc: LoadBalancerDoc = {
    LoadBalancerId: id,
    LoadBalancerName: name,
    RegionId: region.RegionId,
    Address: alloc.address,
    ...(vsw?.HostCidrBlock ? { HostAddress: leaseKeyOf(alloc.address, vsw) } : {}),
    AddressType: addressType,
    AddressIPVersion: ipVersion,
    NetworkType: vsw ? 'vpc' : 'classic',
    VpcId: vsw?.VpcId ?? '',
    VSwitchId: vsw?.VSwitchId ?? '',
    LoadBalancerStatus: locked ? 'locked' : 'active',
    ...(locked ? { LockReason: 'financial' as const } : {}),
    LoadBalancerSpec: spec,
    InstanceChargeType: chargeType,
    InternetChargeType: internetCharge,
    Bandwidth: bandwidth,
    PayType: payType,
    MasterZoneId: master,
    SlaveZoneId: slave,
    DeleteProtection: p.DeleteProtection ?? 'off',
    ModificationProtectionStatus: protection,
    ModificationProtectionReason: reason,
    ResourceGroupId: rgId,
    CreateTime: minuteTime(env.now),
    CreateTimeStamp: env.now,
    BackendServers: [],
    ...(p.ClientToken ? { ClientToken: p.ClientToken, ClientTokenHash: hash } : {}),
  };
  await tx.put(KINDS.loadBalancer, scope, id, doc);
  await lease(tx, { Address: leaseKeyOf(alloc.address, vsw), AccountId: env.account, RegionId: region.RegionId, LoadBalancerId: id, ...(vsw ? { VSwitchId: vsw.VSwitchId } : {}) });
  moveStock(settings, region.RegionId, master, spec, -1);
  if (settings.Stock.length) await putSettings(tx, settings);
  if (tags.length) await putTags(tx, scope, 'instance', id, tags);

  const response: Record<string, unknown> = {
    LoadBalancerId: id,
    ResourceGroupId: rgId,
    Address: alloc.address,
    NetworkType: doc.NetworkType,
    LoadBalancerName: name,
    VpcId: doc.VpcId,
    VSwitchId: doc.VSwitchId,
    AddressIPVersion: ipVersion,
    ...(orderId !== undefined ? { OrderId: orderId } : {}),
  };
  if (p.ClientToken) await tx.put<TokenDoc>('clientToken', scope, p.ClientToken, { Hash: hash, Response: response, CreatedAt: env.now });
  return response;
}

// ---------------------------------------------------------------------------------------------
// Deletion: the instance and everything that hangs off it.

const CHILD_KINDS: { kind: string; idField: string; tagType?: ResourceType }[] = [
  { kind: KINDS.vServerGroup, idField: 'VServerGroupId', tagType: 'vservergroup' },
  { kind: KINDS.masterSlaveServerGroup, idField: 'MasterSlaveServerGroupId', tagType: 'masterslaveservergroup' },
  { kind: KINDS.rule, idField: 'RuleId' },
  { kind: KINDS.domainExtension, idField: 'DomainExtensionId' },
];

export async function deleteLoadBalancerCascade(tx: Tx, scope: Scope, lb: LoadBalancerDoc): Promise<void> {
  const id = lb.LoadBalancerId;
  for (const { doc: l } of await tx.query<{ LoadBalancerId: string; ListenerProtocol: string; ListenerPort: number }>(KINDS.listener, scope, { where: { LoadBalancerId: id } })) {
    const lid = listenerId(id, l.ListenerProtocol, l.ListenerPort);
    await tx.delete(KINDS.listener, scope, lid);
    await dropTags(tx, scope, 'listener', lid);
  }
  for (const c of CHILD_KINDS) {
    for (const { doc: d } of await tx.query<Record<string, unknown>>(c.kind, scope, { where: { LoadBalancerId: id } })) {
      if (typeof d[c.idField] !== 'string') continue;
      await tx.delete(c.kind, scope, d[c.idField] as string);
      if (c.tagType) await dropTags(tx, scope, c.tagType, d[c.idField] as string);
    }
  }
  await tx.delete(KINDS.accessLogsDownload, scope, id);
  await tx.delete(KINDS.hdMonitor, scope, id);
  await dropTags(tx, scope, 'instance', id);
  await tx.delete(KINDS.loadBalancer, scope, id);
  const settings = await getSettings(tx);
  if (settings.Stock.length) {
    moveStock(settings, scope.region, lb.MasterZoneId, lb.LoadBalancerSpec, +1);
    await putSettings(tx, settings);
  }
}

// ---------------------------------------------------------------------------------------------
// Views.

export function tagView(tags: Tag[]): { Tag: { TagKey: string; TagValue: string }[] } {
  return { Tag: tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value })) };
}

export function baseView(lb: LoadBalancerDoc): Record<string, unknown> {
  return {
    LoadBalancerId: lb.LoadBalancerId,
    LoadBalancerName: lb.LoadBalancerName,
    LoadBalancerStatus: lb.LoadBalancerStatus,
    Address: lb.Address,
    AddressType: lb.AddressType,
    AddressIPVersion: lb.AddressIPVersion,
    RegionId: lb.RegionId,
    RegionIdAlias: lb.RegionId,
    VSwitchId: lb.VSwitchId,
    VpcId: lb.VpcId,
    NetworkType: lb.NetworkType,
    MasterZoneId: lb.MasterZoneId,
    SlaveZoneId: lb.SlaveZoneId,
    InternetChargeType: lb.InternetChargeType,
    CreateTime: lb.CreateTime,
    CreateTimeStamp: lb.CreateTimeStamp,
    PayType: lb.PayType,
    ResourceGroupId: lb.ResourceGroupId,
    Bandwidth: lb.Bandwidth,
    LoadBalancerSpec: lb.LoadBalancerSpec,
    InstanceChargeType: lb.InstanceChargeType,
    DeleteProtection: lb.DeleteProtection,
    ModificationProtectionStatus: lb.ModificationProtectionStatus,
    ModificationProtectionReason: lb.ModificationProtectionReason,
    BusinessStatus: lb.LoadBalancerStatus === 'locked' && lb.LockReason !== 'security' ? 'FinancialLocked' : 'Normal',
    SpecBpsFlag: false,
  };
}

export async function lbTags(tx: Tx, scope: Scope, id: string): Promise<Tag[]> {
  return getTags(tx, scope, 'instance', id);
}
