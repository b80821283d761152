// ECS instances over the world's `instance` documents (the very documents SLB's backend checks
// read): RunInstances, CreateInstance, Start/Stop/Reboot, DeleteInstance(s), DescribeInstances,
// DescribeInstanceAttribute, DescribeInstanceStatus. Reference: docs/products.md "ECS 2014-05-26".
import type { Ctx } from '../../world/request.js';
import { KINDS, type InstanceDoc } from '../slb/services/model.js';
import type { Scope, Tx } from '../../state/store.js';
import { isoSeconds } from '../../util/clock.js';
import { defaultResourceGroupId, deleteInstance, stableId } from '../../world/world.js';
import { E, ownError } from './catalog.js';
import { bool, define, hasTags, list, macOf, num, paginate, requireRegion, str, tagsOf, tagView, type Params } from './common.js';
import { armTimers, begin, catchUp, isoMinutes, PATHS, settleDue, settleStored } from './lifecycle.js';
import { placeAddress, resolveSecurityGroups, resolveVSwitch } from './placement.js';
import { findImage, findInstanceType, IMAGES } from './static-catalog.js';
import { creationExtras } from './instance-extras.js';

const notFound = () => E.error('InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
const badStatus = () => E.error('IncorrectInstanceStatus', 'The current status of the resource does not support this operation.');

/** The primary ENI id of an instance (world instances get a stable one). */
export const primaryEniOf = (d: InstanceDoc) => d.PrimaryNetworkInterfaceId ?? stableId('eni-', 'primary', d.RegionId, d.InstanceId);

/** Finds an ECS instance of the caller in any region (actions without RegionId), settled. */
async function requireInstance(tx: Tx, account: string, id: string | undefined, now: number): Promise<{ scope: Scope; doc: InstanceDoc }> {
  if (!id) throw notFound();
  const f = await tx.find<InstanceDoc>(KINDS.instance, account, id);
  if (!f || f.doc.Type !== 'ecs') throw notFound();
  const scope = { account, region: f.region };
  return { scope, doc: await settleStored(tx, scope, f.doc, now) };
}

// ---------------------------------------------------------------------------------------------
// create

async function create(ctx: Ctx, p: Params, mode: 'run' | 'create'): Promise<InstanceDoc[]> {
  const region = requireRegion(str(p, 'RegionId'));
  const imageId = str(p, 'ImageId');
  const type = str(p, 'InstanceType');
  if (!imageId) throw E.error('MissingParameter', 'The input parameter ImageId that is mandatory for processing this request is not supplied.');
  if (!type) throw E.error('MissingParameter', 'The input parameter InstanceType that is mandatory for processing this request is not supplied.');
  if (!findImage(imageId)) throw E.error('InvalidImageId.NotFound');
  if (!findInstanceType(type)) {
    throw mode === 'run' ? E.error('InvalidInstanceType.ValueNotSupported', 'The specified InstanceType beyond the permitted range.') : E.error('InvalidInstanceType.ValueNotSupported', 'The specified InstanceType does not exist or beyond the permitted range.');
  }
  const amount = mode === 'run' ? (num(p, 'Amount') ?? 1) : 1;
  const account = ctx.caller.accountId;
  const scope = { account, region: region.RegionId };
  await catchUp(ctx, scope);
  const now = ctx.clock.now();
  creationExtras(p, imageId, ''); // the disk and user data parameters, checked before any id is taken
  const docs = await ctx.store.write(async (tx) => {
    const vsw = await resolveVSwitch(tx, scope, region, str(p, 'VSwitchId'), str(p, 'ZoneId'), isoSeconds(now));
    const sgIds = [...(str(p, 'SecurityGroupId') ? [str(p, 'SecurityGroupId')!] : []), ...list(p, 'SecurityGroupIds')];
    const groups = await resolveSecurityGroups(tx, scope, vsw, sgIds);
    const out: InstanceDoc[] = [];
    for (let i = 0; i < amount; i++) {
      const addr = await placeAddress(tx, scope, vsw, i === 0 ? str(p, 'PrivateIpAddress') : undefined);
      const id = ctx.ids.next('i-');
      const doc: InstanceDoc = {
        InstanceId: id,
        RegionId: region.RegionId,
        ...addr,
        NetworkType: 'vpc',
        VpcId: vsw.VpcId,
        VSwitchId: vsw.VSwitchId,
        ZoneId: vsw.ZoneId,
        Status: 'Pending',
        Type: 'ecs',
        InstanceName: str(p, 'InstanceName') ?? id,
        Description: str(p, 'Description') ?? '',
        InstanceType: type,
        ImageId: imageId,
        HostName: str(p, 'HostName') ?? `iZ${id.slice(2)}Z`,
        SecurityGroupIds: groups,
        CreationTime: isoMinutes(now),
        InstanceChargeType: str(p, 'InstanceChargeType') ?? 'PostPaid',
        InternetChargeType: str(p, 'InternetChargeType') ?? 'PayByTraffic',
        InternetMaxBandwidthOut: num(p, 'InternetMaxBandwidthOut') ?? 0,
        InternetMaxBandwidthIn: num(p, 'InternetMaxBandwidthIn') ?? 200,
        ResourceGroupId: str(p, 'ResourceGroupId') ?? defaultResourceGroupId(account),
        Tags: tagsOf(p),
        PrimaryNetworkInterfaceId: ctx.ids.next('eni-'),
        ...creationExtras(p, imageId, ctx.ids.next('d-')),
      };
      begin(doc, PATHS[mode], now);
      await tx.put(KINDS.instance, scope, id, doc);
      out.push(doc);
    }
    return out;
  });
  armTimers(ctx, scope, docs);
  return docs;
}

const nameErrors = {
  InstanceName: { length: () => E.error('InvalidInstanceName.Malformed') },
  Description: { length: () => E.error('InvalidDescription.Malformed') },
  HostName: { length: () => E.error('InvalidHostName.Malformed', 'The specified parameter "HostName" is not valid.') },
  Password: { length: () => E.error('InvalidPassword.Malformed') },
};

define({
  name: 'RunInstances',
  errors: nameErrors,
  async handler(ctx, p) {
    const docs = await create(ctx, p, 'run');
    return { InstanceIdSets: docs.map((d) => d.InstanceId), TradePrice: 0 };
  },
});

define({
  name: 'CreateInstance',
  errors: nameErrors,
  async handler(ctx, p) {
    const [doc] = await create(ctx, p, 'create');
    return { InstanceId: doc!.InstanceId, TradePrice: 0 };
  },
});

// ---------------------------------------------------------------------------------------------
// status changes

async function change(ctx: Ctx, p: Params, op: 'start' | 'stop' | 'reboot'): Promise<Record<string, unknown>> {
  const account = ctx.caller.accountId;
  const now = ctx.clock.now();
  const { scope, doc } = await ctx.store.write(async (tx) => {
    const r = await requireInstance(tx, account, str(p, 'InstanceId'), now);
    const need = op === 'start' ? 'Stopped' : 'Running';
    if (r.doc.Status !== need) throw badStatus();
    if (bool(p, 'DryRun')) throw E.error('DryRunOperation');
    begin(r.doc, PATHS[op], now);
    await tx.put(KINDS.instance, r.scope, r.doc.InstanceId, r.doc);
    return r;
  });
  armTimers(ctx, scope, [doc]);
  return {};
}

define({ name: 'StartInstance', handler: (ctx, p) => change(ctx, p, 'start') });
define({ name: 'StopInstance', handler: (ctx, p) => change(ctx, p, 'stop') });
define({ name: 'RebootInstance', handler: (ctx, p) => change(ctx, p, 'reboot') });

/** Releases an instance: its address is free again, its secondary ENIs are detached (Available). */
async function release(tx: Tx, scope: Scope, doc: InstanceDoc, force: boolean): Promise<void> {
  if (doc.Status === 'Pending') throw E.error('IncorrectInstanceStatus.Initializing');
  if (doc.Status !== 'Stopped' && !force) throw badStatus();
  if (doc.DeletionProtection) throw ownError('InvalidOperation.DeletionProtection');
  for (const { doc: eni } of await tx.query<InstanceDoc>(KINDS.instance, scope, { where: { VpcId: doc.VpcId ?? '' }, match: { AttachedInstanceId: doc.InstanceId } })) {
    delete eni.AttachedInstanceId;
    eni.EniStatus = 'Available';
    await tx.put(KINDS.instance, scope, eni.InstanceId, eni);
  }
  await deleteInstance(tx, scope, doc.InstanceId);
}

define({
  name: 'DeleteInstance',
  async handler(ctx, p) {
    const now = ctx.clock.now();
    await ctx.store.write(async (tx) => {
      const { scope, doc } = await requireInstance(tx, ctx.caller.accountId, str(p, 'InstanceId'), now);
      await release(tx, scope, doc, bool(p, 'Force'));
    });
    return {};
  },
});

define({
  name: 'DeleteInstances',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const now = ctx.clock.now();
    await ctx.store.write(async (tx) => {
      // all or nothing: every instance is checked before any is released
      const docs: InstanceDoc[] = [];
      for (const id of list(p, 'InstanceId')) {
        const d = await tx.get<InstanceDoc>(KINDS.instance, scope, id);
        if (!d || d.Type !== 'ecs') throw notFound();
        docs.push(await settleStored(tx, scope, d, now));
      }
      const force = bool(p, 'Force');
      for (const d of docs) if (d.Status === 'Pending' || (d.Status !== 'Stopped' && !force)) throw badStatus();
      for (const d of docs) await release(tx, scope, d, force);
    });
    return {};
  },
});

// ---------------------------------------------------------------------------------------------
// describe

/** A JSON array of strings as the SDKs send it (`["a","b"]`); a bare or comma-separated text is read too. */
function jsonList(v: unknown): string[] | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  try {
    const j = JSON.parse(v) as unknown;
    if (Array.isArray(j)) return j.map(String);
    if (typeof j === 'string') return [j];
  } catch {
    /* not JSON */
  }
  return v
    .replace(/[[\]"']/g, '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

const wildcard = (pattern: string) => new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

async function instancesOf(tx: Tx, scope: Scope, p: Params): Promise<InstanceDoc[]> {
  const ids = jsonList(p['InstanceIds']);
  const ips = [...(jsonList(p['PrivateIpAddresses']) ?? []), ...(jsonList(p['InnerIpAddresses']) ?? [])];
  const where: Record<string, string | string[]> = {};
  if (str(p, 'VpcId')) where['VpcId'] = str(p, 'VpcId')!;
  if (str(p, 'VSwitchId')) where['VSwitchId'] = str(p, 'VSwitchId')!;
  if (ips.length) where['PrivateIpAddress'] = ips;
  if (str(p, 'SecurityGroupId')) where['SecurityGroupId'] = str(p, 'SecurityGroupId')!;
  if (ids && ids.length === 0) return [];
  return (await tx.query<InstanceDoc>(KINDS.instance, scope, { where, match: { Type: 'ecs' }, ...(ids ? { ids } : {}) })).map((r) => r.doc);
}

/** The filters the index does not answer, on settled documents. */
function filterInstances(found: InstanceDoc[], p: Params): InstanceDoc[] {
  const want = tagsOf(p);
  const eq = (k: string, v: string | undefined) => !str(p, k) || str(p, k) === v;
  const name = str(p, 'InstanceName');
  const nameRe = name ? wildcard(name) : undefined;
  // public and EIP addresses: no instance of this server has one
  const noPublic = (jsonList(p['PublicIpAddresses']) ?? []).length > 0 || (jsonList(p['EipAddresses']) ?? []).length > 0;
  if (noPublic) return [];
  return found.filter(
    (d) =>
      eq('Status', d.Status) &&
      eq('ZoneId', d.ZoneId) &&
      eq('InstanceType', d.InstanceType) &&
      eq('InstanceTypeFamily', findInstanceType(d.InstanceType)?.InstanceTypeFamily) &&
      eq('ImageId', d.ImageId) &&
      eq('InstanceNetworkType', d.NetworkType) &&
      eq('InstanceChargeType', d.InstanceChargeType ?? 'PostPaid') &&
      eq('InternetChargeType', d.InternetChargeType ?? 'PayByTraffic') &&
      eq('ResourceGroupId', d.ResourceGroupId) &&
      (!nameRe || nameRe.test(d.InstanceName ?? '')) &&
      hasTags(d.Tags, want),
  );
}

/** The instance as DescribeInstances answers it (DescribeInstanceAttribute takes its subset). */
export function instanceView(d: InstanceDoc) {
  const t = findInstanceType(d.InstanceType);
  const img = IMAGES.find((i) => i.ImageId === d.ImageId);
  const vpc = d.NetworkType === 'vpc';
  const eni = primaryEniOf(d);
  return {
    InstanceId: d.InstanceId,
    InstanceName: d.InstanceName ?? '',
    Description: d.Description ?? '',
    ImageId: d.ImageId ?? '',
    RegionId: d.RegionId,
    ZoneId: d.ZoneId ?? '',
    Cpu: t?.CpuCoreCount ?? 0,
    Memory: (t?.MemorySize ?? 0) * 1024,
    InstanceType: d.InstanceType ?? '',
    InstanceTypeFamily: t?.InstanceTypeFamily ?? '',
    HostName: d.HostName ?? '',
    SerialNumber: stableId('', 'serial', d.InstanceId).replace(/^(.{8})(.{4})(.{4})(.{4}).*$/, '$1-$2-$3-$4'),
    Status: d.Status,
    OSName: img?.OSName ?? '',
    OSNameEn: img?.OSNameEn ?? '',
    OSType: img?.OSType ?? 'linux',
    InstanceNetworkType: d.NetworkType,
    SecurityGroupIds: d.SecurityGroupIds ?? [],
    PublicIpAddress: [],
    InnerIpAddress: vpc ? [] : [d.PrivateIpAddress],
    VpcAttributes: { VpcId: d.VpcId ?? '', VSwitchId: d.VSwitchId ?? '', PrivateIpAddress: vpc ? [d.PrivateIpAddress] : [], NatIpAddress: '' },
    EipAddress: { AllocationId: '', IpAddress: '', Bandwidth: 0, InternetChargeType: '', IsSupportUnassociate: true },
    InternetMaxBandwidthIn: d.InternetMaxBandwidthIn ?? 0,
    InternetMaxBandwidthOut: d.InternetMaxBandwidthOut ?? 0,
    InternetChargeType: d.InternetChargeType ?? 'PayByTraffic',
    InstanceChargeType: d.InstanceChargeType ?? 'PostPaid',
    CreationTime: d.CreationTime ?? '',
    StartTime: d.StartTime ?? '',
    ExpiredTime: '2099-12-31T15:59Z',
    IoOptimized: true,
    DeviceAvailable: true,
    DeletionProtection: d.DeletionProtection ?? false,
    Recyclable: false,
    SpotStrategy: 'NoSpot',
    SpotPriceLimit: 0,
    SpotDuration: 0,
    StoppedMode: d.Status === 'Stopped' ? 'KeepCharging' : 'Not-applicable',
    KeyPairName: '',
    ClusterId: '',
    HpcClusterId: '',
    DeploymentSetId: '',
    VlanId: '',
    CreditSpecification: '',
    GPUAmount: 0,
    GPUSpec: '',
    LocalStorageAmount: 0,
    LocalStorageCapacity: 0,
    ResourceGroupId: d.ResourceGroupId ?? '',
    Tags: tagView(d.Tags),
    NetworkInterfaces: vpc ? [{ NetworkInterfaceId: eni, Type: 'Primary', MacAddress: macOf(eni), PrimaryIpAddress: d.PrivateIpAddress, PrivateIpSets: [{ PrivateIpAddress: d.PrivateIpAddress, Primary: true, PrivateDnsName: '' }] }] : [],
    OperationLocks: [],
    MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'optional', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'disabled' },
  };
}

define({
  name: 'DescribeInstances',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    await catchUp(ctx, scope);
    const all = filterInstances(await settleDue(ctx, scope, await ctx.store.read((tx) => instancesOf(tx, scope, p))), p);
    const { items, fields } = paginate(all, p, { defaultSize: 10, maxSize: 100 });
    return { ...fields, Instances: items.map(instanceView) };
  },
});

define({
  name: 'DescribeInstanceAttribute',
  async handler(ctx, p) {
    const id = str(p, 'InstanceId');
    const doc = await ctx.store.read(async (tx) => (id ? tx.find<InstanceDoc>(KINDS.instance, ctx.caller.accountId, id) : undefined));
    if (!doc || doc.doc.Type !== 'ecs') throw notFound();
    const [settled] = await settleDue(ctx, { account: ctx.caller.accountId, region: doc.region }, [doc.doc]);
    const v = instanceView(settled!);
    // this action's IoOptimized is a string ("optimized"; aliyungo reads it as true)
    return { ...v, IoOptimized: 'optimized', EnableJumboFrame: false, EnableNetworkEncryption: false };
  },
});

define({
  name: 'DescribeInstanceStatus',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const ids = list(p, 'InstanceId');
    await catchUp(ctx, scope);
    const found = await ctx.store.read(async (tx) => (await tx.query<InstanceDoc>(KINDS.instance, scope, { match: { Type: 'ecs' }, ...(ids.length ? { ids } : {}) })).map((r) => r.doc));
    const all = (await settleDue(ctx, scope, found)).filter((d) => !str(p, 'ZoneId') || d.ZoneId === str(p, 'ZoneId'));
    const { items, fields } = paginate(all, { PageNumber: p['PageNumber'], PageSize: p['PageSize'] }, { defaultSize: 10, maxSize: 50 });
    return { ...fields, InstanceStatuses: items.map((d) => ({ InstanceId: d.InstanceId, Status: d.Status })) };
  },
});
