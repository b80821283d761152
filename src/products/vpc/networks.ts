// VPCs and vSwitches of the VPC API, over the very 'vpc' / 'vswitch' documents of the world that SLB
// uses (src/world/world.ts). Addresses are the real private ranges; every vSwitch made here gets a
// loopback host block (src/world/host-addresses.ts). Reference: docs/products.md "VPC 2016-04-28".
import type { QueryScope, Scope, Tx } from '../../state/store.js';
import { tagPair } from '../../state/indexes.js';
import { isoSeconds } from '../../util/clock.js';
import { allocateHostBlock, HostPoolExhaustedError, isPrivateCidr, releaseHostBlock } from '../../world/host-addresses.js';
import { cidrOverlaps, cidrWithin, parseCidr } from '../../world/ipv4.js';
import { findRegion, type RegionInfo } from '../../world/regions.js';
import { defaultResourceGroupId, ensureRegion, findResourceGroup, stableId, vswitchAvailableIps, type VpcDoc, type VSwitchDoc } from '../../world/world.js';
import { vfail } from './errors.js';

export type Tag = { Key: string; Value: string };

/** How long a VPC or vSwitch made through the API stays Pending, by the server clock (env OPENSLB_VPC_PENDING_MS). */
export function pendingMs(): number {
  const v = Number(process.env['OPENSLB_VPC_PENDING_MS']);
  return Number.isFinite(v) && v >= 0 ? v : 1000;
}

export interface Env {
  account: string;
  now: number;
  newId: (prefix: string) => string;
}

export function requireRegion(id: string | undefined): RegionInfo {
  const r = findRegion(id);
  if (!r) vfail('InvalidRegionId.NotFound');
  return r;
}

/** The status the VPC API reports: Pending until AvailableAt, else the world's status. */
export function vpcStatus(v: VpcDoc, now: number): string {
  if (v.AvailableAt !== undefined && now < v.AvailableAt) return 'Pending';
  return v.Status === 'Creating' ? 'Pending' : v.Status;
}
export function vswitchStatus(v: VSwitchDoc, now: number): string {
  if (v.AvailableAt !== undefined && now < v.AvailableAt) return 'Pending';
  return v.Status;
}

/** A VPC of the caller in the region; deleted or unknown: InvalidVpcId.NotFound (404). */
export async function requireVpc(tx: Tx, scope: Scope, id: string): Promise<VpcDoc> {
  const v = await tx.get<VpcDoc>('vpc', scope, id);
  if (!v || v.Status === 'Deleted') vfail('InvalidVpcId.NotFound');
  return v;
}

/** Names and descriptions: the published length limits are checked by the specs; these are the prefix rules. */
function checkText(v: string | undefined, code: string, message: string): void {
  if (v === undefined || v === '') return;
  if (/^https?:\/\//i.test(v)) vfail(code, message);
}

/** Tag.N.Key / Tag.N.Value as given (keys required, at most 20; later duplicates replace earlier ones). */
export function readTags(raw: unknown): Tag[] {
  const list = Array.isArray(raw) ? (raw as Record<string, string>[]) : [];
  const out = new Map<string, string>();
  for (const t of list) if (t && typeof t['Key'] === 'string' && t['Key'] !== '') out.set(t['Key'], t['Value'] ?? '');
  if (out.size > 20) vfail('InvalidParameter', 'The specified parameter is not valid.');
  return [...out].map(([Key, Value]) => ({ Key, Value }));
}

async function checkResourceGroup(tx: Tx, account: string, id: string | undefined): Promise<string> {
  const rg = id || defaultResourceGroupId(account);
  if (!(await findResourceGroup(tx, account, rg))) vfail('InvalidResourceGroupId');
  return rg;
}

export interface CreateVpcInput {
  RegionId: string;
  CidrBlock?: string;
  VpcName?: string;
  Description?: string;
  ResourceGroupId?: string;
  Tag?: unknown;
}

export async function createVpc(tx: Tx, env: Env, p: CreateVpcInput): Promise<VpcDoc> {
  const region = requireRegion(p.RegionId);
  const scope = { account: env.account, region: region.RegionId };
  checkText(p.VpcName, 'InvalidVpcName.Malformed', 'Specified VPC name is not valid.');
  checkText(p.Description, 'InvalidVpcDiscription.Malformed', 'Specified VPC description is not valid.');
  // the real default block when none is given
  const cidrText = p.CidrBlock || '172.16.0.0/12';
  const c = parseCidr(cidrText);
  if (!c || c.prefix < 8 || c.prefix > 28 || !isPrivateCidr(c)) vfail('InvalidParameter', 'Specified CIDR block is not valid');
  const tags = readTags(p.Tag);
  await ensureRegion(tx, scope, isoSeconds(env.now));
  const rg = await checkResourceGroup(tx, env.account, p.ResourceGroupId);
  const id = env.newId('vpc-');
  const doc: VpcDoc = {
    VpcId: id,
    RegionId: scope.region,
    VpcName: p.VpcName ?? '',
    CidrBlock: cidrText,
    Status: 'Available',
    IsDefault: false,
    CreationTime: isoSeconds(env.now),
    Description: p.Description ?? '',
    ResourceGroupId: rg,
    Tags: tags,
    VRouterId: env.newId('vrt-'),
    RouteTableId: env.newId('vtb-'),
    AvailableAt: env.now + pendingMs(),
  };
  await tx.put('vpc', scope, id, doc);
  return doc;
}

export const vrouterOf = (v: VpcDoc) => v.VRouterId ?? stableId('vrt-', 'vrouter', v.VpcId);
export const routeTableOf = (v: VpcDoc) => v.RouteTableId ?? stableId('vtb-', 'route-table', v.VpcId);

export async function modifyVpc(tx: Tx, scope: Scope, now: number, p: { VpcId: string; VpcName?: string; Description?: string }): Promise<void> {
  const v = await requireVpc(tx, scope, p.VpcId);
  if (vpcStatus(v, now) !== 'Available') vfail('IncorrectVpcStatus');
  checkText(p.VpcName, 'InvalidVpcName.Malformed', 'Specified VPC name is not valid.');
  checkText(p.Description, 'InvalidVpcDiscription.Malformed', 'Specified VPC description is not valid.');
  if (p.VpcName !== undefined) v.VpcName = p.VpcName;
  if (p.Description !== undefined) v.Description = p.Description;
  await tx.put('vpc', scope, v.VpcId, v);
}

/** Deletes a VPC: Available and empty (no vSwitches, load balancers or instances) only. */
export async function deleteVpc(tx: Tx, scope: Scope, now: number, id: string): Promise<void> {
  const v = await requireVpc(tx, scope, id);
  if (vpcStatus(v, now) !== 'Available') vfail('IncorrectVpcStatus');
  if (await tx.count('vswitch', scope, { where: { VpcId: id } })) vfail('DependencyViolation.VSwitch');
  if ((await tx.count('loadBalancer', scope, { where: { VpcId: id } })) || (await tx.count('instance', scope, { where: { VpcId: id } }))) vfail('DependencyViolation.Instance');
  // ECS security groups live in a VPC (src/products/ecs): the VPC goes only once they are gone
  if (await tx.count('securityGroup', scope, { where: { VpcId: id } })) vfail('DependencyViolation.SecurityGroup');
  await tx.delete('vpc', scope, id);
}

export interface CreateVSwitchInput {
  RegionId: string;
  VpcId: string;
  ZoneId: string;
  CidrBlock: string;
  VSwitchName?: string;
  Description?: string;
  Tag?: unknown;
}

export async function createVSwitch(tx: Tx, env: Env, p: CreateVSwitchInput): Promise<VSwitchDoc> {
  // no RegionId given and the VPC found in no region of the caller
  if (!p.RegionId) vfail('InvalidVpcId.NotFound');
  const region = requireRegion(p.RegionId);
  const scope = { account: env.account, region: region.RegionId };
  const vpc = await requireVpc(tx, scope, p.VpcId);
  if (vpcStatus(vpc, env.now) !== 'Available') vfail('IncorrectVpcStatus');
  if (!region.zones.some((z) => z.ZoneId === p.ZoneId)) vfail('InvalidZoneId.NotFound');
  checkText(p.VSwitchName, 'InvalidVSwitchName.Malformed', 'Specified virtual switch name is not valid.');
  checkText(p.Description, 'InvalidVSwitchDiscription.Malformed', 'Specified virtual switch description is not valid.');
  const c = parseCidr(p.CidrBlock);
  if (!c) vfail('InvalidCidrBlock.Malformed', 'Specified CIDR block is not valid.');
  if (c.prefix < 16 || c.prefix > 29) vfail('InvalidCirdrBlock.MaskLength', 'Specified CIDR block is not valid .');
  const vpcBlock = parseCidr(vpc.CidrBlock);
  if (!vpcBlock || !cidrWithin(c, vpcBlock)) vfail('InvalidParameter', 'Specified CIDR block is not valid in VPC.');
  for (const { doc: s } of await tx.query<VSwitchDoc>('vswitch', scope, { where: { VpcId: vpc.VpcId } })) {
    const o = parseCidr(s.CidrBlock);
    if (o && cidrOverlaps(o, c)) vfail('InvalidCidrBlock.Overlapped', 'Specified CIDR block overlapped with other subnets.');
  }
  const tags = readTags(p.Tag);
  let host: string;
  try {
    host = await allocateHostBlock(tx, p.CidrBlock);
  } catch (e) {
    if (e instanceof HostPoolExhaustedError) vfail('ResourceNotAvailable', 'Resource you requested is not available in this region or zone.');
    throw e;
  }
  const id = env.newId('vsw-');
  const doc: VSwitchDoc = {
    VSwitchId: id,
    VpcId: vpc.VpcId,
    RegionId: scope.region,
    ZoneId: p.ZoneId,
    VSwitchName: p.VSwitchName ?? '',
    CidrBlock: p.CidrBlock,
    Status: 'Available',
    IsDefault: false,
    CreationTime: isoSeconds(env.now),
    HostCidrBlock: host,
    Description: p.Description ?? '',
    ResourceGroupId: vpc.ResourceGroupId ?? defaultResourceGroupId(env.account),
    Tags: tags,
    AvailableAt: env.now + pendingMs(),
  };
  await tx.put('vswitch', scope, id, doc);
  return doc;
}

export async function requireVSwitch(tx: Tx, scope: Scope, id: string, notFoundMessage: string): Promise<VSwitchDoc> {
  const v = await tx.get<VSwitchDoc>('vswitch', scope, id);
  if (!v) vfail('InvalidVSwitchId.NotFound', notFoundMessage);
  return v;
}

export const VSW_NOT_FOUND = 'The specified virtual switch does not exists.';
export const VSW_NOT_EXIST = 'VSwitch not exist.';

export async function modifyVSwitch(tx: Tx, scope: Scope, p: { VSwitchId: string; VSwitchName?: string; Description?: string }): Promise<void> {
  const v = await requireVSwitch(tx, scope, p.VSwitchId, VSW_NOT_FOUND);
  checkText(p.VSwitchName, 'InvalidVSwitchName.Malformed', 'Specified virtual switch name is not valid.');
  checkText(p.Description, 'InvalidVSwitchDiscription.Malformed', 'Specified virtual switch description is not valid.');
  if (p.VSwitchName !== undefined) v.VSwitchName = p.VSwitchName;
  if (p.Description !== undefined) v.Description = p.Description;
  await tx.put('vswitch', scope, v.VSwitchId, v);
}

/** Deletes a vSwitch: Available and holding no load balancer, instance or ENI; gives its host block back. */
export async function deleteVSwitch(tx: Tx, scope: Scope, now: number, id: string): Promise<void> {
  const v = await requireVSwitch(tx, scope, id, VSW_NOT_EXIST);
  if (vswitchStatus(v, now) !== 'Available') vfail('IncorrectVSwitchStatus', 'The current virtual switch status does not support this operation.');
  const lbs = await tx.count('loadBalancer', scope, { where: { VSwitchId: id } });
  const insts = await tx.count('instance', scope, { where: { VSwitchId: id } });
  if (lbs || insts) vfail('DependencyViolation', 'Specified object has dependent resources.');
  await tx.delete('vswitch', scope, id);
  if (v.HostCidrBlock) await releaseHostBlock(tx, v.HostCidrBlock);
}

// ---------------------------------------------------------------------------------------------
// Views and queries.

const tagView = (tags: Tag[] | undefined) => (tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));

export async function vpcView(tx: Tx, scope: Scope, account: string, v: VpcDoc, now: number): Promise<Record<string, unknown>> {
  const vsws = (await tx.query<VSwitchDoc>('vswitch', scope, { where: { VpcId: v.VpcId } })).map((r) => r.doc.VSwitchId);
  return {
    CreationTime: v.CreationTime,
    Status: vpcStatus(v, now),
    VpcId: v.VpcId,
    IsDefault: v.IsDefault,
    ClassicLinkEnabled: false,
    OwnerId: Number(account),
    RegionId: v.RegionId,
    VpcName: v.VpcName,
    VRouterId: vrouterOf(v),
    CidrBlock: v.CidrBlock,
    Description: v.Description ?? '',
    ResourceGroupId: v.ResourceGroupId ?? defaultResourceGroupId(account),
    Ipv6CidrBlock: '',
    EnabledIpv6: false,
    DnsHostnameStatus: 'DISABLED',
    DhcpOptionsSetId: '',
    DhcpOptionsSetStatus: '',
    CenStatus: '',
    VSwitchIds: vsws,
    UserCidrs: [],
    SecondaryCidrBlocks: [],
    NatGatewayIds: [],
    RouterTableIds: [routeTableOf(v)],
    Tags: tagView(v.Tags),
  };
}

export async function vswitchView(tx: Tx, scope: Scope, account: string, v: VSwitchDoc, now: number): Promise<Record<string, unknown>> {
  const vpc = await tx.get<VpcDoc>('vpc', scope, v.VpcId);
  return {
    VpcId: v.VpcId,
    Status: vswitchStatus(v, now),
    CreationTime: v.CreationTime,
    IsDefault: v.IsDefault,
    AvailableIpAddressCount: await vswitchAvailableIps(tx, scope, v),
    OwnerId: Number(account),
    VSwitchId: v.VSwitchId,
    CidrBlock: v.CidrBlock,
    Description: v.Description ?? '',
    ResourceGroupId: v.ResourceGroupId ?? defaultResourceGroupId(account),
    ZoneId: v.ZoneId,
    Ipv6CidrBlock: '',
    VSwitchName: v.VSwitchName,
    ShareType: 'Sharing',
    EnabledIpv6: false,
    NetworkAclId: '',
    RouteTable: { RouteTableId: vpc ? routeTableOf(vpc) : '', RouteTableType: 'System' },
    Tags: tagView(v.Tags),
  };
}

/** Tag filters: the first through the index, the rest checked on the documents (AND). */
export function tagQuery(tags: Tag[]): { where: Record<string, string>; rest: Tag[] } {
  if (!tags.length) return { where: {}, rest: [] };
  return { where: { Tag: tagPair(tags[0]!.Key, tags[0]!.Value) }, rest: tags.slice(1) };
}
export const hasTags = (doc: { Tags?: Tag[] }, rest: Tag[]) => rest.every((t) => (doc.Tags ?? []).some((x) => x.Key === t.Key && x.Value === t.Value));

export interface Page {
  number: number;
  size: number;
}

/** A page of a query; with extra tag conditions the documents are filtered before paging. */
export async function pagedQuery<T extends { Tags?: Tag[] }>(
  tx: Tx,
  kind: string,
  scope: QueryScope,
  q: { where?: Record<string, string | readonly string[]>; match?: Record<string, string | boolean>; ids?: readonly string[] },
  rest: Tag[],
  page: Page,
): Promise<{ total: number; docs: T[] }> {
  const offset = (page.number - 1) * page.size;
  if (!rest.length) {
    const total = await tx.count(kind, scope, q);
    const docs = (await tx.query<T>(kind, scope, { ...q, limit: page.size, offset })).map((r) => r.doc);
    return { total, docs };
  }
  const all = (await tx.query<T>(kind, scope, q)).map((r) => r.doc).filter((d) => hasTags(d, rest));
  return { total: all.length, docs: all.slice(offset, offset + page.size) };
}
