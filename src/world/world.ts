// The cloud around the load balancers, per account and region: VPCs, vSwitches, resource groups,
// the backend instance inventory, address pools and leases, stock and quotas. Pure functions over a
// store transaction; the operator API, the world file and the SLB actions all go through them.
// Defaults (docs/world.md): loopback everywhere, so every address the API reports is reachable.
import { createHash } from 'node:crypto';
import { GLOBAL, type DocRef, type QueryRef, type Scope, type Tx } from '../state/store.js';
import { cidrOverlaps, cidrSize, cidrWithin, formatIp, inCidr, mappedV6, parseAnyIp, parseCidr, parseIp, type Cidr } from './ipv4.js';
import { findRegion, type RegionInfo } from './regions.js';
import { releaseHostBlock, toHostAddress } from './host-addresses.js';

/** kind 'instance' (the world's backend inventory), id = InstanceId */
export interface InstanceDoc {
  InstanceId: string;
  RegionId: string;
  PrivateIpAddress: string;
  NetworkType: 'vpc' | 'classic';
  VpcId?: string;
  VSwitchId?: string;
  ZoneId?: string;
  /** SLB reaches only Running instances (ObtainIpFail otherwise). An ENI (Type 'eni') stays
   *  Running: its attachment state is EniStatus. Pending exists for instances made by ECS RunInstances/CreateInstance. */
  Status: 'Pending' | 'Running' | 'Stopped' | 'Starting' | 'Stopping';
  Type: 'ecs' | 'eni' | 'eci';
  /** where the data plane reaches PrivateIpAddress on this machine, when its vSwitch maps private addresses (src/world/host-addresses.ts) */
  HostAddress?: string;
  // -- answered by the ECS 2014-05-26 product (src/products/ecs); absent on world-file/operator instances
  InstanceName?: string;
  Description?: string;
  InstanceType?: string;
  ImageId?: string;
  HostName?: string;
  SecurityGroupIds?: string[];
  /** ISO 8601, minutes (`2017-12-10T04:04Z`, as ECS writes it) */
  CreationTime?: string;
  StartTime?: string;
  InstanceChargeType?: string;
  InternetChargeType?: string;
  InternetMaxBandwidthOut?: number;
  InternetMaxBandwidthIn?: number;
  ResourceGroupId?: string;
  Tags?: { Key: string; Value: string }[];
  /** the instance's primary network interface (listed by DescribeNetworkInterfaces as Type Primary) */
  PrimaryNetworkInterfaceId?: string;
  /** the system disk made with the instance (DescribeDisks; src/products/ecs/instance-extras.ts) */
  SystemDisk?: SystemDiskDoc;
  /** Base64 user data (RunInstances/CreateInstance, ModifyInstanceAttribute; DescribeUserData) */
  UserData?: string;
  /** the instance RAM role attached at creation (DescribeInstanceRamRole) */
  RamRoleName?: string;
  /** PrivatePoolOptions.MatchCriteria when Open (absent: None) */
  PrivatePoolMatchCriteria?: 'Open';
  /** release protection (RunInstances/CreateInstance, ModifyInstanceAttribute) */
  DeletionProtection?: boolean;
  /** PrePaid instances created with AutoRenew=true: the renewal period (DescribeInstanceAutoRenewAttribute) */
  AutoRenew?: { Duration: number; PeriodUnit: string };
  /** a status change under way on the server clock: the statuses still to come and when (ms) */
  Transition?: { Status: 'Pending' | 'Running' | 'Stopped' | 'Starting' | 'Stopping'; At: number }[];
  // -- ENIs (Type 'eni') made by ECS CreateNetworkInterface
  NetworkInterfaceName?: string;
  /** Available / InUse (absent on world-file ENIs: InUse) */
  EniStatus?: 'Available' | 'InUse';
  /** the instance it is attached to */
  AttachedInstanceId?: string;
  MacAddress?: string;
}

/** An ECS instance's system disk (no data disks are modelled). */
export interface SystemDiskDoc {
  DiskId: string;
  Category: string;
  /** GiB */
  Size: number;
  /** PL0–PL3 for cloud_essd, else "" */
  PerformanceLevel: string;
  DiskName: string;
  Description: string;
}

export type VpcStatus = 'Creating' | 'Available' | 'Deleting' | 'Deleted';

/** kind 'vpc', id = VpcId, scope (account, region) */
export interface VpcDoc {
  VpcId: string;
  RegionId: string;
  VpcName: string;
  CidrBlock: string;
  Status: VpcStatus;
  IsDefault: boolean;
  CreationTime: string;
  /** fields the VPC API (src/products/vpc) sets and answers; absent on world-file VPCs */
  Description?: string;
  ResourceGroupId?: string;
  Tags?: { Key: string; Value: string }[];
  VRouterId?: string;
  RouteTableId?: string;
  /** made through the VPC API: reported Pending until this server-clock time (ms) */
  AvailableAt?: number;
}

/** kind 'vswitch', id = VSwitchId, scope (account, region) */
export interface VSwitchDoc {
  VSwitchId: string;
  VpcId: string;
  RegionId: string;
  ZoneId: string;
  VSwitchName: string;
  CidrBlock: string;
  Status: 'Pending' | 'Available';
  IsDefault: boolean;
  CreationTime: string;
  /** vSwitches made through the VPC API (private ranges): the loopback block its addresses map to (src/world/host-addresses.ts) */
  HostCidrBlock?: string;
  /** fields the VPC API (src/products/vpc) sets and answers; absent on world-file vSwitches */
  Description?: string;
  ResourceGroupId?: string;
  Tags?: { Key: string; Value: string }[];
  /** made through the VPC API: reported Pending until this server-clock time (ms) */
  AvailableAt?: number;
}

/** kind 'resourceGroup', id = Id, scope (account, '') — resource groups are account-wide */
export interface ResourceGroupDoc {
  Id: string;
  Name: string;
  DisplayName: string;
  AccountId: string;
  Status: 'OK';
  IsDefault: boolean;
  CreateDate: string;
}

export type PoolKind = 'internet' | 'internet-ipv6' | 'classic-intranet';

/** An address pool load balancer addresses outside VPCs come from. */
export interface AddressPool {
  Name: string;
  Kind: PoolKind;
  /** IPv4 block; internet-ipv6 pools hand out its addresses IPv4-mapped (::ffff:a.b.c.d) */
  CidrBlock: string;
  /** only for this region (absent: every region) */
  RegionId?: string;
  /** informational: the host interface the block is routed to */
  Interface?: string;
}

/** Stock of a zone: `Available` instances may still be created there (Spec '*' = any spec). */
export interface StockEntry {
  RegionId: string;
  ZoneId: string;
  Spec: string;
  Available: number;
}

export interface Quotas {
  /** load balancers per account and region → OverQuota "Instance num exceeded Quota." */
  LoadBalancersPerRegion: number;
  /** load balancers per account over all regions → ORDER.QUANTITY_INVALID */
  LoadBalancersPerAccount: number;
  /** highest Bandwidth (Mbit/s) an instance may have → "…exceeds the maximum bandwidth…" */
  MaxBandwidth: number;
}

export interface WorldSettings {
  Pools: AddressPool[];
  Stock: StockEntry[];
  Quotas: Quotas;
  AccountQuotas: Record<string, Partial<Quotas>>;
  /** specs sold per region (absent region: all six) → PRODUCT.INSTANCE_TYPE_NOT_EXIST */
  RegionSpecs: Record<string, string[]>;
  /** zones closed to new instances → PRODUCT.NOT_AVAILABLE_IZ */
  UnavailableZones: string[];
  /** when true, a load balancer name must be unique per account and region */
  UniqueLoadBalancerNames: boolean;
  /** the default VPC each (account, region) gets on first touch; its vSwitches are /16s inside it */
  DefaultVpcCidrBlock: string;
  /** false: no default VPC is created */
  DefaultVpc: boolean;
}

/** kind 'addressLease' (GLOBAL), id = address text: every address in use on this machine */
export interface AddressLease {
  Address: string;
  AccountId: string;
  RegionId: string;
  LoadBalancerId: string;
  VSwitchId?: string;
}

export const SPECS = ['slb.s1.small', 'slb.s2.small', 'slb.s2.medium', 'slb.s3.small', 'slb.s3.medium', 'slb.s3.large'] as const;

export const DEFAULT_SETTINGS: WorldSettings = {
  Pools: [
    { Name: 'default-internet', Kind: 'internet', CidrBlock: '127.1.0.0/16', Interface: 'lo' },
    { Name: 'default-classic-intranet', Kind: 'classic-intranet', CidrBlock: '127.2.0.0/16', Interface: 'lo' },
    { Name: 'default-internet-ipv6', Kind: 'internet-ipv6', CidrBlock: '127.3.0.0/16', Interface: 'lo' },
  ],
  Stock: [],
  Quotas: { LoadBalancersPerRegion: 60, LoadBalancersPerAccount: 1000, MaxBandwidth: 5120 },
  AccountQuotas: {},
  RegionSpecs: {},
  UnavailableZones: [],
  UniqueLoadBalancerNames: false,
  DefaultVpcCidrBlock: '127.16.0.0/12',
  DefaultVpc: true,
};

/** An operator-side error (operator API answers it as JSON with this status). */
export class WorldError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
const bad = (code: string, msg: string) => new WorldError(400, code, msg);

const SETTINGS_ID = 'settings';

/** The addresses of the world documents a create reads first (Tx.prefetch): the account's default
 *  resource group, the region's set-up mark, the settings, and the resource group named. */
export const createReadsOf = (scope: Scope, resourceGroupId: string): DocRef[] => [
  { kind: 'resourceGroup', scope: { account: scope.account, region: '' }, id: defaultResourceGroupId(scope.account) },
  { kind: 'worldRegion', scope, id: 'init' },
  { kind: 'worldSettings', scope: GLOBAL, id: SETTINGS_ID },
  { kind: 'resourceGroup', scope: { account: scope.account, region: '' }, id: resourceGroupId },
];

export async function getSettings(tx: Tx): Promise<WorldSettings> {
  const s = await tx.get<Partial<WorldSettings>>('worldSettings', GLOBAL, SETTINGS_ID);
  return { ...structuredClone(DEFAULT_SETTINGS), ...(s ?? {}), Quotas: { ...DEFAULT_SETTINGS.Quotas, ...(s?.Quotas ?? {}) } };
}

export async function putSettings(tx: Tx, s: WorldSettings): Promise<void> {
  await tx.put('worldSettings', GLOBAL, SETTINGS_ID, s);
}

export function quotasFor(s: WorldSettings, account: string): Quotas {
  return { ...s.Quotas, ...(s.AccountQuotas[account] ?? {}) };
}

/** Deterministic ids for the defaults, so every start names them the same. */
export function stableId(prefix: string, ...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 20; i++) s += alphabet[h[i]! % 36];
  return `${prefix}${s}`;
}

// ---------------------------------------------------------------------------------------------
// Accounts and regions: defaults created on first touch.

export const defaultResourceGroupId = (account: string) => stableId('rg-', 'default-resource-group', account);

export async function ensureAccount(tx: Tx, account: string, now: string): Promise<void> {
  const scope = { account, region: '' };
  const id = defaultResourceGroupId(account);
  if (await tx.get('resourceGroup', scope, id)) return;
  await tx.put<ResourceGroupDoc>('resourceGroup', scope, id, { Id: id, Name: 'default', DisplayName: 'default resource group', AccountId: account, Status: 'OK', IsDefault: true, CreateDate: now });
}

export async function listResourceGroups(tx: Tx, account: string): Promise<ResourceGroupDoc[]> {
  return tx.list<ResourceGroupDoc>('resourceGroup', { account, region: '' });
}

export async function findResourceGroup(tx: Tx, account: string, id: string): Promise<ResourceGroupDoc | undefined> {
  return tx.get<ResourceGroupDoc>('resourceGroup', { account, region: '' }, id);
}

export const defaultVpcId = (scope: Scope) => stableId('vpc-', 'default-vpc', scope.account, scope.region);
export const defaultVSwitchId = (scope: Scope, zone: string) => stableId('vsw-', 'default-vswitch', scope.account, zone);

/**
 * First touch of an (account, region): the account's default resource group and, unless turned
 * off, a default VPC with one default vSwitch per zone (zone i gets the i-th /16 of the VPC block).
 */
export async function ensureRegion(tx: Tx, scope: Scope, now: string): Promise<void> {
  await ensureAccount(tx, scope.account, now);
  if (await tx.get('worldRegion', scope, 'init')) return;
  await tx.put('worldRegion', scope, 'init', { InitializedAt: now });
  const region = findRegion(scope.region);
  const s = await getSettings(tx);
  if (!region || !s.DefaultVpc) return;
  const block = parseCidr(s.DefaultVpcCidrBlock);
  if (!block) return;
  const vpcId = defaultVpcId(scope);
  await tx.put<VpcDoc>('vpc', scope, vpcId, { VpcId: vpcId, RegionId: scope.region, VpcName: 'default', CidrBlock: s.DefaultVpcCidrBlock, Status: 'Available', IsDefault: true, CreationTime: now });
  const sub = Math.max(block.prefix, 16);
  const size = 2 ** (32 - sub);
  for (let i = 0; i < region.zones.length; i++) {
    const base = block.base + i * size;
    if (base + size - 1 > block.last) break;
    const zone = region.zones[i]!.ZoneId;
    const id = defaultVSwitchId(scope, zone);
    await tx.put<VSwitchDoc>('vswitch', scope, id, { VSwitchId: id, VpcId: vpcId, RegionId: scope.region, ZoneId: zone, VSwitchName: 'default', CidrBlock: `${formatIp(base)}/${sub}`, Status: 'Available', IsDefault: true, CreationTime: now });
  }
}

// ---------------------------------------------------------------------------------------------
// VPCs, vSwitches and instances (operator side: validation answers WorldError).

export function requireKnownRegion(id: string | undefined): RegionInfo {
  const r = findRegion(id);
  if (!r) throw bad('InvalidRegionId', `unknown region "${id ?? ''}"`);
  return r;
}

const VPC_STATUSES: VpcStatus[] = ['Creating', 'Available', 'Deleting', 'Deleted'];

export interface VpcInput {
  VpcId?: string;
  RegionId: string;
  CidrBlock: string;
  VpcName?: string;
  Status?: VpcStatus;
  VSwitches?: VSwitchInput[];
}
export interface VSwitchInput {
  VSwitchId?: string;
  VpcId?: string;
  ZoneId: string;
  CidrBlock: string;
  VSwitchName?: string;
}

const idOk = (prefix: string, id: string) => new RegExp(`^${prefix}[A-Za-z0-9-]{1,60}$`).test(id);

export async function createVpc(tx: Tx, account: string, input: VpcInput, now: string, newId: (p: string) => string): Promise<VpcDoc> {
  const region = requireKnownRegion(input.RegionId);
  const scope = { account, region: region.RegionId };
  await ensureRegion(tx, scope, now);
  const block = parseCidr(input.CidrBlock);
  if (!block || block.prefix < 8 || block.prefix > 28) throw bad('InvalidCidrBlock', `CidrBlock "${input.CidrBlock}" is not an IPv4 block between /8 and /28`);
  const status = input.Status ?? 'Available';
  if (!VPC_STATUSES.includes(status)) throw bad('InvalidStatus', `Status must be one of ${VPC_STATUSES.join(', ')}`);
  const id = input.VpcId ?? newId('vpc-');
  if (!idOk('vpc-', id)) throw bad('InvalidVpcId', `VpcId "${id}" must look like vpc-…`);
  if (await tx.get('vpc', scope, id)) throw new WorldError(409, 'VpcExists', `VPC ${id} already exists in ${scope.region}`);
  const doc: VpcDoc = { VpcId: id, RegionId: scope.region, VpcName: input.VpcName ?? '', CidrBlock: input.CidrBlock, Status: status, IsDefault: false, CreationTime: now };
  await tx.put('vpc', scope, id, doc);
  for (const v of input.VSwitches ?? []) await createVSwitch(tx, account, scope.region, { ...v, VpcId: id }, now, newId);
  return doc;
}

export async function setVpcStatus(tx: Tx, account: string, region: string, vpcId: string, status: VpcStatus): Promise<VpcDoc> {
  if (!VPC_STATUSES.includes(status)) throw bad('InvalidStatus', `Status must be one of ${VPC_STATUSES.join(', ')}`);
  const scope = { account, region };
  const vpc = await tx.get<VpcDoc>('vpc', scope, vpcId);
  if (!vpc) throw new WorldError(404, 'VpcNotFound', `no VPC ${vpcId} in ${region}`);
  vpc.Status = status;
  await tx.put('vpc', scope, vpcId, vpc);
  return vpc;
}

/** Removes a VPC and its vSwitches; refused while load balancers or instances use it. */
export async function deleteVpc(tx: Tx, account: string, region: string, vpcId: string, purge: boolean): Promise<void> {
  const scope = { account, region };
  const vpc = await tx.get<VpcDoc>('vpc', scope, vpcId);
  if (!vpc) throw new WorldError(404, 'VpcNotFound', `no VPC ${vpcId} in ${region}`);
  const lbs = (await tx.query<{ LoadBalancerId: string }>('loadBalancer', scope, { where: { VpcId: vpcId }, limit: 20 })).map((r) => r.doc);
  if (lbs.length) throw new WorldError(409, 'DependencyViolation', `VPC ${vpcId} still has load balancers: ${lbs.map((l) => l.LoadBalancerId).join(', ')}`);
  const insts = (await tx.query<InstanceDoc>('instance', scope, { where: { VpcId: vpcId }, limit: 20 })).map((r) => r.doc);
  if (insts.length) throw new WorldError(409, 'DependencyViolation', `VPC ${vpcId} still has instances: ${insts.map((i) => i.InstanceId).join(', ')}`);
  if (purge) {
    for (const { doc: v } of await tx.query<VSwitchDoc>('vswitch', scope, { where: { VpcId: vpcId } })) {
      await tx.delete('vswitch', scope, v.VSwitchId);
      if (v.HostCidrBlock) await releaseHostBlock(tx, v.HostCidrBlock);
    }
    await tx.delete('vpc', scope, vpcId);
  } else {
    // kept as Deleted so that SLB answers "The specified vpc cloud instance has deleted"
    vpc.Status = 'Deleted';
    await tx.put('vpc', scope, vpcId, vpc);
  }
}

export async function createVSwitch(tx: Tx, account: string, region: string, input: VSwitchInput, now: string, newId: (p: string) => string): Promise<VSwitchDoc> {
  const r = requireKnownRegion(region);
  const scope = { account, region: r.RegionId };
  const vpc = input.VpcId ? await tx.get<VpcDoc>('vpc', scope, input.VpcId) : undefined;
  if (!vpc) throw new WorldError(404, 'VpcNotFound', `no VPC ${input.VpcId ?? '(missing VpcId)'} in ${region}`);
  if (!r.zones.some((z) => z.ZoneId === input.ZoneId)) throw bad('InvalidZoneId', `zone "${input.ZoneId}" is not a zone of ${region}`);
  const block = parseCidr(input.CidrBlock);
  const vpcBlock = parseCidr(vpc.CidrBlock)!;
  if (!block || block.prefix > 29) throw bad('InvalidCidrBlock', `CidrBlock "${input.CidrBlock}" is not an IPv4 block of /29 or larger`);
  if (!cidrWithin(block, vpcBlock)) throw bad('InvalidCidrBlock', `CidrBlock ${input.CidrBlock} is not inside the VPC block ${vpc.CidrBlock}`);
  const siblings = (await tx.query<VSwitchDoc>('vswitch', scope, { where: { VpcId: vpc.VpcId } })).map((r) => r.doc);
  const clash = siblings.find((v) => cidrOverlaps(parseCidr(v.CidrBlock)!, block));
  if (clash) throw new WorldError(409, 'CidrConflict', `CidrBlock ${input.CidrBlock} overlaps vSwitch ${clash.VSwitchId} (${clash.CidrBlock})`);
  const id = input.VSwitchId ?? newId('vsw-');
  if (!idOk('vsw-', id)) throw bad('InvalidVSwitchId', `VSwitchId "${id}" must look like vsw-…`);
  if (await tx.get('vswitch', scope, id)) throw new WorldError(409, 'VSwitchExists', `vSwitch ${id} already exists in ${region}`);
  const doc: VSwitchDoc = { VSwitchId: id, VpcId: vpc.VpcId, RegionId: scope.region, ZoneId: input.ZoneId, VSwitchName: input.VSwitchName ?? '', CidrBlock: input.CidrBlock, Status: 'Available', IsDefault: false, CreationTime: now };
  await tx.put('vswitch', scope, id, doc);
  return doc;
}

export async function deleteVSwitch(tx: Tx, account: string, region: string, id: string): Promise<void> {
  const scope = { account, region };
  const vsw = await tx.get<VSwitchDoc>('vswitch', scope, id);
  if (!vsw) throw new WorldError(404, 'VSwitchNotFound', `no vSwitch ${id} in ${region}`);
  if (await tx.count('loadBalancer', scope, { where: { VSwitchId: id } })) throw new WorldError(409, 'DependencyViolation', `vSwitch ${id} still has load balancers`);
  if (await tx.count('instance', scope, { where: { VSwitchId: id } })) throw new WorldError(409, 'DependencyViolation', `vSwitch ${id} still has instances`);
  await tx.delete('vswitch', scope, id);
  if (vsw.HostCidrBlock) await releaseHostBlock(tx, vsw.HostCidrBlock);
}

export interface InstanceInput {
  InstanceId?: string;
  RegionId: string;
  PrivateIpAddress: string;
  VpcId?: string;
  VSwitchId?: string;
  ZoneId?: string;
  Status?: InstanceDoc['Status'];
  Type?: InstanceDoc['Type'];
}

const INSTANCE_STATUSES: InstanceDoc['Status'][] = ['Running', 'Stopped', 'Starting', 'Stopping', 'Pending'];

export async function putInstance(tx: Tx, account: string, input: InstanceInput, now: string, newId: (p: string) => string, replace = false): Promise<InstanceDoc> {
  const r = requireKnownRegion(input.RegionId);
  const scope = { account, region: r.RegionId };
  await ensureRegion(tx, scope, now);
  const type = input.Type ?? 'ecs';
  if (!['ecs', 'eni', 'eci'].includes(type)) throw bad('InvalidType', 'Type must be ecs, eni or eci');
  const prefix = type === 'ecs' ? 'i-' : `${type}-`;
  const id = input.InstanceId ?? newId(prefix);
  if (!idOk(prefix, id)) throw bad('InvalidInstanceId', `InstanceId "${id}" must look like ${prefix}…`);
  const status = input.Status ?? 'Running';
  if (!INSTANCE_STATUSES.includes(status)) throw bad('InvalidStatus', `Status must be one of ${INSTANCE_STATUSES.join(', ')}`);
  const ip = parseIp(input.PrivateIpAddress);
  if (ip === undefined) throw bad('InvalidPrivateIpAddress', `PrivateIpAddress "${input.PrivateIpAddress}" is not an IPv4 address`);
  let vsw: VSwitchDoc | undefined;
  if (input.VSwitchId) {
    vsw = await tx.get<VSwitchDoc>('vswitch', scope, input.VSwitchId);
    if (!vsw) throw new WorldError(404, 'VSwitchNotFound', `no vSwitch ${input.VSwitchId} in ${r.RegionId}`);
    if (input.VpcId && input.VpcId !== vsw.VpcId) throw bad('VpcMismatch', `vSwitch ${vsw.VSwitchId} belongs to ${vsw.VpcId}, not ${input.VpcId}`);
    if (!inCidr(parseCidr(vsw.CidrBlock)!, ip)) throw bad('InvalidPrivateIpAddress', `${input.PrivateIpAddress} is not inside vSwitch ${vsw.VSwitchId} (${vsw.CidrBlock})`);
  } else if (input.VpcId) {
    throw bad('MissingVSwitchId', 'an instance in a VPC needs its VSwitchId');
  }
  const existing = await tx.get<InstanceDoc>('instance', scope, id);
  if (existing && !replace) throw new WorldError(409, 'InstanceExists', `instance ${id} already exists in ${r.RegionId}`);
  const sameIp = (await tx.query<InstanceDoc>('instance', scope, { where: { PrivateIpAddress: formatIp(ip) } })).map((r) => r.doc);
  const dup = sameIp.find((i) => i.InstanceId !== id && (i.VpcId ?? '') === (vsw?.VpcId ?? ''));
  if (dup) throw new WorldError(409, 'IpInUse', `${formatIp(ip)} is already the address of ${dup.InstanceId}`);
  if (vsw) {
    const lease = await tx.get<AddressLease>('addressLease', GLOBAL, formatIp(ip));
    if (lease) throw new WorldError(409, 'IpInUse', `${formatIp(ip)} is the address of load balancer ${lease.LoadBalancerId}`);
  }
  const doc: InstanceDoc = {
    // fields other products keep on the instance (ECS: name, type, security groups…) survive a replace
    ...(existing && replace ? existing : {}),
    InstanceId: id,
    RegionId: r.RegionId,
    PrivateIpAddress: formatIp(ip),
    NetworkType: vsw ? 'vpc' : 'classic',
    ...(vsw ? { VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId, ZoneId: vsw.ZoneId } : input.ZoneId ? { ZoneId: input.ZoneId } : {}),
    Status: status,
    Type: type,
  };
  delete doc.HostAddress;
  const host = vsw ? toHostAddress(doc.PrivateIpAddress, vsw.CidrBlock, vsw.HostCidrBlock) : undefined;
  if (host) doc.HostAddress = host;
  if (!vsw) for (const k of ['VpcId', 'VSwitchId'] as const) delete doc[k];
  // an operator who sets another status ends a status change under way (ECS transitions)
  if (existing && existing.Status !== status) delete doc.Transition;
  await tx.put('instance', scope, id, doc);
  if (existing && existing.PrivateIpAddress !== doc.PrivateIpAddress) await addressFreed(tx, existing.PrivateIpAddress);
  return doc;
}

/** Removes an instance; its address becomes free for allocation. */
export async function deleteInstance(tx: Tx, scope: Scope, id: string): Promise<boolean> {
  const cur = await tx.get<InstanceDoc>('instance', scope, id);
  if (!cur) return false;
  await tx.delete('instance', scope, id);
  await addressFreed(tx, cur.PrivateIpAddress);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Addresses: leases, pools and vSwitch accounting.

// First-fit without reading every lease: each allocation range (a pool block, or a vSwitch block
// for one account's VPC) keeps a hint, the lowest address that may be free ('allocHint', GLOBAL,
// id = range key). An allocation scans up from the hint with point lookups and moves the hint up to
// what it found; whatever frees an address (a released lease, a deleted or moved instance) lowers
// every hint whose range holds it. The hint never passes a free address, so the answer is the
// same as a scan from the bottom, and sequential allocation costs one or two lookups.

interface AllocHint {
  Key: string;
  First: number;
  Last: number;
  Next: number;
}
const ALLOC_HINT = 'allocHint';

async function hintFor(tx: Tx, key: string, first: number, last: number): Promise<AllocHint> {
  const h = await tx.get<AllocHint>(ALLOC_HINT, GLOBAL, key);
  return h && h.First === first && h.Last === last ? h : { Key: key, First: first, Last: last, Next: first };
}

/**
 * Where this process last left each allocation hint, by the range it draws from (a pool kind in a
 * region, or a vSwitch's block): a guess of what the next allocation there reads, so that a create
 * can ask for it with its first reads (Tx.prefetch; one round trip fewer on PostgreSQL). Only a
 * guess: when it is wrong (another node allocated meanwhile, a write failed) the reads it named are
 * wasted and the allocation reads what it needs, with the same answer. The oldest ranges are forgotten.
 */
const lastHints = new Map<string, Map<string, number>>();
const LAST_HINTS_MAX = 1024;
function rememberHint(range: string, key: string, next: number | undefined): void {
  const m = lastHints.get(range) ?? new Map<string, number>();
  lastHints.delete(range); // (to the end: the most recent)
  if (next === undefined) m.delete(key);
  else m.set(key, next);
  if (m.size) lastHints.set(range, m);
  if (lastHints.size > LAST_HINTS_MAX) lastHints.delete(lastHints.keys().next().value!);
}
/** The hints of a range and the first candidates after them (as firstFree looks them up), as last left here. */
function guessedReads(range: string, candidate: (ip: number) => (DocRef | QueryRef)[]): (DocRef | QueryRef)[] {
  const out: (DocRef | QueryRef)[] = [];
  for (const [key, next] of lastHints.get(range) ?? []) out.push({ kind: ALLOC_HINT, scope: GLOBAL, id: key }, ...candidate(next), ...candidate(next + 1));
  return out;
}

/**
 * The lowest address from the hint up for which `used` says no; moves the hint up to it (not past
 * it: the caller may not lease it after all, and the next allocation then finds it taken with one
 * lookup). Allocation runs inside the write that leases the address.
 */
async function firstFree(tx: Tx, range: string, key: string, first: number, last: number, used: (ip: number) => Promise<boolean>): Promise<number | undefined> {
  const h = await hintFor(tx, key, first, last);
  // Candidates are looked up a few at a time, together (one round trip on PostgreSQL): the hint
  // usually names the last address taken, so the answer is most often its neighbour. The window
  // doubles while everything in it is taken.
  for (let ip = Math.max(first, h.Next), n = 2; ip <= last; ip += n, n = Math.min(n * 2, 16)) {
    const window = Array.from({ length: Math.min(n, last - ip + 1) }, (_, i) => ip + i);
    const taken = await Promise.all(window.map(used));
    const i = taken.indexOf(false);
    if (i < 0) continue;
    const found = window[i]!;
    if (found !== h.Next) await tx.put<AllocHint>(ALLOC_HINT, GLOBAL, key, { ...h, Next: found });
    rememberHint(range, key, found);
    return found;
  }
  if (h.Next <= last) await tx.put<AllocHint>(ALLOC_HINT, GLOBAL, key, { ...h, Next: last + 1 });
  rememberHint(range, key, undefined);
  return undefined;
}

/** An address is free again: lowers every hint whose range holds it. */
async function addressFreed(tx: Tx, address: string): Promise<void> {
  const a = parseAnyIp(address);
  if (!a) return;
  // one hint per allocation range (pool block, or vSwitch block and VPC): few, not one per address
  for (const h of await tx.list<AllocHint>(ALLOC_HINT, GLOBAL)) {
    if (a.ip >= h.First && a.ip <= h.Last && a.ip < h.Next) await tx.put<AllocHint>(ALLOC_HINT, GLOBAL, h.Key, { ...h, Next: a.ip });
  }
}

const leased = async (tx: Tx, address: string) => (await tx.get<AddressLease>('addressLease', GLOBAL, address)) !== undefined;

export async function lease(tx: Tx, l: AddressLease): Promise<void> {
  await tx.put('addressLease', GLOBAL, l.Address, l);
}

/** Frees a load balancer's address: the lease is keyed by its host address when it has one. */
export async function releaseLease(tx: Tx, address: string, lbId: string, hostAddress?: string): Promise<void> {
  const key = hostAddress ?? address;
  const l = await tx.get<AddressLease>('addressLease', GLOBAL, key);
  if (l && l.LoadBalancerId === lbId) {
    await tx.delete('addressLease', GLOBAL, key);
    // the allocation hints count in the vSwitch's own (private) addresses
    await addressFreed(tx, address);
  }
}

/** The key an address of a vSwitch is leased under: the machine-wide address it takes. */
export const leaseKeyOf = (address: string, vsw: Pick<VSwitchDoc, 'CidrBlock' | 'HostCidrBlock'> | undefined): string =>
  (vsw && toHostAddress(address, vsw.CidrBlock, vsw.HostCidrBlock)) ?? address;

/** The usable range of a vSwitch: the first and the last three addresses are reserved. */
export function usableRange(c: Cidr): { first: number; last: number } {
  return { first: c.first + 1, last: c.last - 3 };
}

export async function vswitchAvailableIps(tx: Tx, scope: Scope, vsw: VSwitchDoc): Promise<number> {
  const c = parseCidr(vsw.CidrBlock)!;
  const r = usableRange(c);
  // A vSwitch with a host block has private addresses other VPCs may reuse: only its own load
  // balancers count, found through the index. A loopback vSwitch's addresses are machine-wide
  // (every account's default VPC has the same block), so every lease in its range counts — a scan
  // of the leases, kept for those world vSwitches only.
  const leases = vsw.HostCidrBlock
    ? await tx.count('loadBalancer', scope, { where: { VSwitchId: vsw.VSwitchId } })
    : (await tx.list<AddressLease>('addressLease', GLOBAL)).filter((l) => {
        const ip = parseIp(l.Address);
        return ip !== undefined && ip >= r.first && ip <= r.last;
      }).length;
  const insts = await tx.count('instance', scope, { where: { VSwitchId: vsw.VSwitchId } });
  return Math.max(0, Math.max(0, r.last - r.first + 1) - leases - insts);
}

export type AllocResult = { ok: true; address: string } | { ok: false; reason: 'taken' | 'outside' | 'exhausted' };

const vswitchHintKey = (scope: Scope, vsw: VSwitchDoc) => `vsw|${vsw.CidrBlock}|${scope.account}|${vsw.VpcId}`;

/** What deciding whether an address of a vSwitch is taken reads: its lease, the VPC's instances with it. */
const vswitchAddressReads = (scope: Scope, vsw: VSwitchDoc, ip: number): [DocRef, QueryRef] => [
  { kind: 'addressLease', scope: GLOBAL, id: leaseKeyOf(formatIp(ip), vsw) },
  { kind: 'instance', scope, query: { where: { PrivateIpAddress: formatIp(ip) }, match: { VpcId: vsw.VpcId } }, count: true },
];

/**
 * What allocateInVSwitch reads first (for Tx.prefetch): the vSwitch's allocation hint and, when no
 * address is asked for, the first candidates after it as this process last left it.
 */
export const vswitchAllocReads = (scope: Scope, vsw: VSwitchDoc, requested: boolean): (DocRef | QueryRef)[] => {
  if (requested) return [];
  const key = vswitchHintKey(scope, vsw);
  return [{ kind: ALLOC_HINT, scope: GLOBAL, id: key }, ...guessedReads(key, (ip) => vswitchAddressReads(scope, vsw, ip))];
};

/** An address inside a vSwitch: the requested one, or the first free one. */
export async function allocateInVSwitch(tx: Tx, scope: Scope, vsw: VSwitchDoc, requested?: string): Promise<AllocResult> {
  const c = parseCidr(vsw.CidrBlock)!;
  const r = usableRange(c);
  // a lease of any load balancer (by the address it takes on this machine: its host address when
  // the vSwitch maps private addresses), or an instance of this account's VPC
  const used = async (ip: number) => {
    // both asked at once (one round trip on PostgreSQL)
    const [leaseRef, instRef] = vswitchAddressReads(scope, vsw, ip);
    const [lease, insts] = await Promise.all([leased(tx, leaseRef.id), tx.count(instRef.kind, instRef.scope, instRef.query)]);
    return lease || insts > 0;
  };
  if (requested !== undefined) {
    const ip = parseIp(requested);
    if (ip === undefined || ip < r.first || ip > r.last) return { ok: false, reason: 'outside' };
    return (await used(ip)) ? { ok: false, reason: 'taken' } : { ok: true, address: formatIp(ip) };
  }
  const key = vswitchHintKey(scope, vsw);
  const ip = await firstFree(tx, key, key, r.first, r.last, used);
  return ip === undefined ? { ok: false, reason: 'exhausted' } : { ok: true, address: formatIp(ip) };
}

const poolRange = (kind: PoolKind, region: string) => `pool|${kind}|${region}`;
const poolAddress = (kind: PoolKind, ip: number) => (kind === 'internet-ipv6' ? mappedV6(ip) : formatIp(ip));

/**
 * What allocateFromPools reads first when no address is asked for, as this process last left it
 * (for Tx.prefetch): the hints of the pools it drew from and the first candidates after them.
 */
export const poolAllocReads = (kind: PoolKind, region: string): (DocRef | QueryRef)[] =>
  guessedReads(poolRange(kind, region), (ip) => [{ kind: 'addressLease', scope: GLOBAL, id: poolAddress(kind, ip) }]);

/** An address from the pools of a kind serving the region (network and broadcast skipped). */
export async function allocateFromPools(tx: Tx, kind: PoolKind, region: string, requested?: string): Promise<AllocResult> {
  const s = await getSettings(tx);
  const pools = s.Pools.filter((p) => p.Kind === kind && (!p.RegionId || p.RegionId === region)).map((p) => parseCidr(p.CidrBlock)).filter((c): c is Cidr => !!c);
  const text = (ip: number) => poolAddress(kind, ip);
  const used = (ip: number) => leased(tx, text(ip));
  const range = (c: Cidr) => (cidrSize(c) > 2 ? { first: c.first + 1, last: c.last - 1 } : { first: c.first, last: c.last });
  if (requested !== undefined) {
    const a = parseAnyIp(requested);
    if (!a || a.v6 !== (kind === 'internet-ipv6')) return { ok: false, reason: 'outside' };
    const inPool = pools.some((c) => a.ip >= range(c).first && a.ip <= range(c).last);
    if (!inPool) return { ok: false, reason: 'outside' };
    return (await used(a.ip)) ? { ok: false, reason: 'taken' } : { ok: true, address: text(a.ip) };
  }
  for (const c of pools) {
    const r = range(c);
    const ip = await firstFree(tx, poolRange(kind, region), `pool|${kind}|${c.first}/${c.prefix}`, r.first, r.last, used);
    if (ip !== undefined) return { ok: true, address: text(ip) };
  }
  return { ok: false, reason: 'exhausted' };
}

export function validatePool(p: AddressPool): void {
  if (!p || typeof p.Name !== 'string' || !p.Name) throw bad('InvalidPool', 'a pool needs a Name');
  if (!['internet', 'internet-ipv6', 'classic-intranet'].includes(p.Kind)) throw bad('InvalidPool', 'Kind must be internet, internet-ipv6 or classic-intranet');
  const c = parseCidr(p.CidrBlock);
  if (!c || c.prefix < 8) throw bad('InvalidPool', `CidrBlock "${p.CidrBlock}" is not an IPv4 block of /8 or smaller`);
  if (p.RegionId !== undefined) requireKnownRegion(p.RegionId);
}

// ---------------------------------------------------------------------------------------------
// Stock.

export type StockVerdict = 'ok' | 'zone' | 'spec';

/** Whether one more instance of `spec` fits in the zone; 'zone' = no capacity at all, 'spec' = none of that spec. */
export function checkStock(s: WorldSettings, region: string, zone: string, spec: string): StockVerdict {
  const hits = s.Stock.filter((e) => e.RegionId === region && e.ZoneId === zone && (e.Spec === '*' || e.Spec === spec));
  if (hits.some((e) => e.Spec === '*' && e.Available <= 0)) return 'zone';
  if (hits.some((e) => e.Spec !== '*' && e.Available <= 0)) return 'spec';
  return 'ok';
}

/** Takes (delta -1) or gives back (+1) one unit of stock. */
export function moveStock(s: WorldSettings, region: string, zone: string, spec: string, delta: number): void {
  for (const e of s.Stock) if (e.RegionId === region && e.ZoneId === zone && (e.Spec === '*' || e.Spec === spec)) e.Available = Math.max(0, e.Available + delta);
}

export function validateStock(e: StockEntry): void {
  const r = requireKnownRegion(e?.RegionId);
  if (!r.zones.some((z) => z.ZoneId === e.ZoneId)) throw bad('InvalidZoneId', `zone "${e.ZoneId}" is not a zone of ${r.RegionId}`);
  if (typeof e.Spec !== 'string' || !(e.Spec === '*' || e.Spec === 'slb.lcu.elastic' || (SPECS as readonly string[]).includes(e.Spec))) throw bad('InvalidSpec', `Spec must be "*", slb.lcu.elastic or one of ${SPECS.join(', ')}`);
  if (!Number.isInteger(e.Available) || e.Available < 0) throw bad('InvalidAvailable', 'Available must be a non-negative integer');
}

export function validateQuotas(q: Partial<Quotas>): void {
  for (const [k, v] of Object.entries(q ?? {})) {
    if (!['LoadBalancersPerRegion', 'LoadBalancersPerAccount', 'MaxBandwidth'].includes(k)) throw bad('InvalidQuota', `unknown quota ${k}`);
    if (!Number.isInteger(v) || (v as number) < 0) throw bad('InvalidQuota', `${k} must be a non-negative integer`);
  }
}
