// The ECS actions Terraform's alicloud_instance calls besides DescribeInstances,
// DescribeInstanceAttribute and DescribeNetworkInterfaces (reference/products-notes.md §5, §8):
// its read calls DescribeDisks (the system disk), DescribeUserData, DescribeInstanceRamRole,
// DescribeInstanceMaintenanceAttributes, DescribeInstanceAutoRenewAttribute (PrePaid only) and
// DescribeInstanceAttachmentAttributes; its update calls ModifyInstanceAttribute. Every answer
// is read from the stored `instance` documents (the fields instance-extras.ts keeps), scoped to
// the caller's account. docs/products.md "Actions Terraform reads".
import type { Ctx } from '../../world/request.js';
import { ApiError } from '../../errors/catalog.js';
import { KINDS, type InstanceDoc } from '../slb/services/model.js';
import type { Scope, Tx } from '../../state/store.js';
import { E, OWN } from './catalog.js';
import { bool, define, hasTags, list, paginate, requireRegion, str, tagsOf, tagView, type Params } from './common.js';
import { systemDiskOf, userDataOf } from './instance-extras.js';
import { catchUp, settleDue, settleStored } from './lifecycle.js';
import type { SecurityGroupDoc } from './security-groups-model.js';

const notFound = () => E.error('InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
const invalid = () => E.error('InvalidParameter', 'The specified parameter is not valid.');

/** `["i-1","i-2"]` as the SDKs send it; a bare or comma-separated text is read too. */
function idList(v: unknown): string[] | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  try {
    const j = JSON.parse(v) as unknown;
    if (Array.isArray(j)) return j.map(String).filter(Boolean);
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

/** The caller's ECS instances of a region (all, or those of `ids`), settled, in creation order. */
async function regionInstances(ctx: Ctx, scope: Scope, ids?: string[]): Promise<InstanceDoc[]> {
  if (ids && ids.length === 0) return [];
  await catchUp(ctx, scope);
  const found = await ctx.store.read(async (tx) => (await tx.query<InstanceDoc>(KINDS.instance, scope, { match: { Type: 'ecs' }, ...(ids ? { ids } : {}) })).map((r) => r.doc));
  return settleDue(ctx, scope, found);
}

function regionScope(ctx: Ctx, p: Params): Scope {
  return { account: ctx.caller.accountId, region: requireRegion(str(p, 'RegionId')).RegionId };
}

// ---------------------------------------------------------------------------------------------
// DescribeDisks: each instance's system disk (OpenSLB models no data disks)

/** `2030-01-01T00:00Z` (instance times) → `2030-01-01T00:00:00Z` (disk times) */
const seconds = (t: string | undefined) => (t ? t.replace(/T(\d{2}:\d{2})Z$/, 'T$1:00Z') : '');

function diskView(d: InstanceDoc) {
  const disk = systemDiskOf(d);
  const attached = seconds(d.CreationTime);
  return {
    DiskId: disk.DiskId,
    DiskName: disk.DiskName,
    Description: disk.Description,
    Type: 'system',
    Category: disk.Category,
    Size: disk.Size,
    PerformanceLevel: disk.PerformanceLevel,
    Encrypted: false,
    KMSKeyId: '',
    RegionId: d.RegionId,
    ZoneId: d.ZoneId ?? '',
    Status: 'In_use',
    InstanceId: d.InstanceId,
    Device: '/dev/xvda',
    Portable: false,
    DeleteWithInstance: true,
    DeleteAutoSnapshot: false,
    EnableAutoSnapshot: false,
    EnableAutomatedSnapshotPolicy: false,
    AutoSnapshotPolicyId: '',
    ImageId: d.ImageId ?? '',
    SourceSnapshotId: '',
    DiskChargeType: d.InstanceChargeType ?? 'PostPaid',
    CreationTime: attached,
    AttachedTime: attached,
    DetachedTime: '',
    ExpiredTime: '2099-12-31T15:59Z',
    ResourceGroupId: d.ResourceGroupId ?? '',
    MultiAttach: 'Disabled',
    MountInstanceNum: 0,
    MountInstances: [],
    Attachments: [{ InstanceId: d.InstanceId, Device: '/dev/xvda', AttachedTime: attached }],
    OperationLocks: [],
    BurstingEnabled: false,
    // RunInstances' Tag.N tags the instance, its disks and its primary ENI
    Tags: tagView(d.Tags),
  };
}

/** Filters this server cannot meet by any disk: a snapshot, a policy, a key, a lock, a shared or encrypted disk. */
const NO_DISK_HAS = ['SnapshotId', 'AutoSnapshotPolicyId', 'KMSKeyId', 'LockReason'];

define({
  name: 'DescribeDisks',
  async handler(ctx, p) {
    const scope = regionScope(ctx, p);
    if (bool(p, 'DryRun')) throw E.error('DryRunOperation');
    if (Object.keys(p).some((k) => k.startsWith('Filter.') && p[k] !== undefined && p[k] !== '')) throw unsupported('Filter.N');
    const diskIds = idList(p['DiskIds']);
    const instanceId = str(p, 'InstanceId');
    const all = (await regionInstances(ctx, scope, instanceId ? [instanceId] : undefined)).map(diskView);
    const want = tagsOf(p);
    const eq = (k: string, v: string) => !str(p, k) || str(p, k) === v;
    const flag = (k: string, v: boolean) => typeof p[k] !== 'boolean' || p[k] === v;
    const none = NO_DISK_HAS.some((k) => str(p, k)) || p['Encrypted'] === true || p['EnableShared'] === true;
    const items = none
      ? []
      : all.filter(
          (d) =>
            (!diskIds || diskIds.includes(d.DiskId)) &&
            eq('ZoneId', d.ZoneId) &&
            (!str(p, 'DiskType') || ['all', d.Type].includes(str(p, 'DiskType')!)) &&
            (!str(p, 'Category') || ['all', d.Category].includes(str(p, 'Category')!)) &&
            (!str(p, 'Status') || ['All', d.Status].includes(str(p, 'Status')!)) &&
            eq('DiskName', d.DiskName) &&
            eq('DiskChargeType', d.DiskChargeType) &&
            eq('ResourceGroupId', d.ResourceGroupId) &&
            eq('MultiAttach', d.MultiAttach) &&
            flag('Portable', d.Portable) &&
            flag('DeleteWithInstance', d.DeleteWithInstance) &&
            flag('DeleteAutoSnapshot', d.DeleteAutoSnapshot) &&
            flag('EnableAutoSnapshot', d.EnableAutoSnapshot) &&
            flag('EnableAutomatedSnapshotPolicy', d.EnableAutomatedSnapshotPolicy) &&
            hasTags(
              d.Tags.map((t) => ({ Key: t.TagKey, Value: t.TagValue })),
              want,
            ),
        );
    const byToken = str(p, 'NextToken') !== undefined || typeof p['MaxResults'] === 'number';
    const page = paginate(items, p, { defaultSize: 10, maxSize: byToken ? 500 : 100 });
    return { ...page.fields, Disks: page.items };
  },
});

// ---------------------------------------------------------------------------------------------
// DescribeUserData

define({
  name: 'DescribeUserData',
  async handler(ctx, p) {
    const scope = regionScope(ctx, p);
    const id = str(p, 'InstanceId');
    const d = id ? await ctx.store.read((tx) => tx.get<InstanceDoc>(KINDS.instance, scope, id)) : undefined;
    if (!d || d.Type !== 'ecs') throw notFound();
    return { InstanceId: d.InstanceId, RegionId: d.RegionId, UserData: d.UserData ?? '' };
  },
});

// ---------------------------------------------------------------------------------------------
// DescribeInstanceRamRole: the instances of InstanceIds (or all) that have a role (RamRoleName filters)

define({
  name: 'DescribeInstanceRamRole',
  async handler(ctx, p) {
    const scope = regionScope(ctx, p);
    const role = str(p, 'RamRoleName');
    const all = (await regionInstances(ctx, scope, idList(p['InstanceIds']))).filter((d) => d.RamRoleName && (!role || d.RamRoleName === role));
    const page = paginate(all, { PageNumber: p['PageNumber'], PageSize: p['PageSize'] }, { defaultSize: 10, maxSize: 50 });
    return { RegionId: scope.region, TotalCount: all.length, InstanceRamRoleSets: page.items.map((d) => ({ InstanceId: d.InstanceId, RamRoleName: d.RamRoleName })) };
  },
});

// ---------------------------------------------------------------------------------------------
// DescribeInstanceAttachmentAttributes: the private pool match of each instance (no pools here)

define({
  name: 'DescribeInstanceAttachmentAttributes',
  async handler(ctx, p) {
    const scope = regionScope(ctx, p);
    const all = await regionInstances(ctx, scope, idList(p['InstanceIds']) ?? []);
    const page = paginate(all, { PageNumber: p['PageNumber'], PageSize: p['PageSize'] }, { defaultSize: 10, maxSize: 100 });
    return { ...page.fields, Instances: page.items.map((d) => ({ InstanceId: d.InstanceId, PrivatePoolOptionsMatchCriteria: d.PrivatePoolMatchCriteria ?? 'None', PrivatePoolOptionsId: '' })) };
  },
});

// ---------------------------------------------------------------------------------------------
// DescribeInstanceMaintenanceAttributes: no instance has maintenance settings, so each answers the
// defaults: action AutoRecover (the documented default), no window, no notification

define({
  name: 'DescribeInstanceMaintenanceAttributes',
  async handler(ctx, p) {
    const scope = regionScope(ctx, p);
    const ids = list(p, 'InstanceId');
    const all = await regionInstances(ctx, scope, ids.length ? ids : undefined);
    const page = paginate(all, { PageNumber: p['PageNumber'], PageSize: p['PageSize'] }, { defaultSize: 10, maxSize: 100 });
    return {
      ...page.fields,
      MaintenanceAttributes: page.items.map((d) => ({
        InstanceId: d.InstanceId,
        NotifyOnMaintenance: false,
        MaintenanceWindows: [],
        ActionOnMaintenance: { DefaultValue: 'AutoRecover', Value: 'AutoRecover', SupportedValues: ['Stop', 'AutoRecover'] },
      })),
    };
  },
});

// ---------------------------------------------------------------------------------------------
// DescribeInstanceAutoRenewAttribute: subscription (PrePaid) instances only

const pageNumber = (v: unknown) => (typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : typeof v === 'number' ? v : undefined);

define({
  name: 'DescribeInstanceAutoRenewAttribute',
  async handler(ctx, p) {
    const scope = regionScope(ctx, p);
    const ids = (str(p, 'InstanceId') ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const status = str(p, 'RenewalStatus');
    if (!ids.length && !status) throw E.error('Abs.MissingParamter.InstanceId');
    if (ids.length > 100) throw E.error('InvalidParameter.ToManyInstanceIds');
    const found = await regionInstances(ctx, scope, ids.length ? ids : undefined);
    if (ids.some((id) => !found.some((d) => d.InstanceId === id))) throw E.error('InvalidParameter.InvalidInstanceId');
    if (ids.length && found.some((d) => (d.InstanceChargeType ?? 'PostPaid') !== 'PrePaid')) throw E.error('ChargeTypeViolation', 'Pay-As-You-Go instances do not support this operation.');
    const rows = found
      .filter((d) => d.InstanceChargeType === 'PrePaid')
      .map((d) => ({
        InstanceId: d.InstanceId,
        AutoRenewEnabled: d.AutoRenew !== undefined,
        Duration: d.AutoRenew?.Duration ?? 0,
        PeriodUnit: d.AutoRenew?.PeriodUnit ?? 'Month',
        RenewalStatus: d.AutoRenew ? 'AutoRenewal' : 'Normal',
        EnableExpectedRenewDay: false,
      }))
      .filter((r) => !status || r.RenewalStatus === status);
    const page = paginate(rows, { PageNumber: pageNumber(p['PageNumber']), PageSize: pageNumber(p['PageSize']) }, { defaultSize: 10, maxSize: 100 });
    return { ...page.fields, InstanceRenewAttributes: page.items };
  },
});

// ---------------------------------------------------------------------------------------------
// ModifyInstanceAttribute

function unsupported(name: string): ApiError {
  const e = OWN.find((x) => x.code === 'UnsupportedParameter')!;
  return new ApiError(e, { name });
}

const WEB = /^https?:\/\//i;
const INSTANCE_NAME = /^[\p{L}][\p{L}\p{N}:._-]{1,127}$/u;
const HOST_NAME = /^(?![.-])(?!.*[.-]{2})[A-Za-z0-9.-]{2,64}(?<![.-])$/;
const PASSWORD_CHARS = /^[A-Za-z0-9()`~!@#$%^&*\-_+=|{}[\]:;'<>,.?/]{8,30}$/;

function checkPassword(v: string): void {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(v)).length;
  if (!PASSWORD_CHARS.test(v) || v.startsWith('/') || classes < 3) throw E.error('InvalidPassword.Malformed');
}

/**
 * Parameters this server does not model: answered UnsupportedParameter rather than accepted and
 * dropped. The three switches DescribeInstanceAttribute answers false may be set to false.
 */
const UNMODELLED = ['CreditSpecification', 'NetworkInterfaceQueueNumber', 'CpuOptions.', 'RemoteConnectionOptions.', 'PrivateDnsNameOptions.'];
const FALSE_ONLY = ['Recyclable', 'EnableJumboFrame', 'EnableNetworkEncryption'];

async function requireInstance(tx: Tx, account: string, id: string | undefined, now: number): Promise<{ scope: Scope; doc: InstanceDoc }> {
  if (!id) throw notFound();
  const f = await tx.find<InstanceDoc>(KINDS.instance, account, id);
  if (!f || f.doc.Type !== 'ecs') throw notFound();
  const scope = { account, region: f.region };
  return { scope, doc: await settleStored(tx, scope, f.doc, now) };
}

define({
  name: 'ModifyInstanceAttribute',
  async handler(ctx, p) {
    for (const k of Object.keys(p)) {
      if (p[k] === undefined || p[k] === '') continue;
      const hit = UNMODELLED.find((u) => (u.endsWith('.') ? k.startsWith(u) : k === u));
      if (hit) throw unsupported(k);
      if (FALSE_ONLY.includes(k) && p[k] !== false) throw unsupported(k);
    }
    const name = str(p, 'InstanceName');
    if (name !== undefined && (!INSTANCE_NAME.test(name) || WEB.test(name))) throw E.error('InvalidInstanceName.Malformed');
    const description = str(p, 'Description');
    if (description !== undefined && (description.length < 2 || description.length > 256 || WEB.test(description))) throw E.error('InvalidDescription.Malformed');
    const host = str(p, 'HostName');
    if (host !== undefined && !HOST_NAME.test(host)) throw E.error('InvalidHostName.Malformed', 'The specified parameter "HostName" is not valid.');
    const password = str(p, 'Password');
    if (password !== undefined) checkPassword(password);
    const userData = userDataOf(p);
    const groups = list(p, 'SecurityGroupIds');
    if (new Set(groups).size !== groups.length) throw invalid();
    const now = ctx.clock.now();
    await ctx.store.write(async (tx) => {
      const { scope, doc } = await requireInstance(tx, ctx.caller.accountId, str(p, 'InstanceId'), now);
      if (groups.length) {
        if (!['Running', 'Stopped'].includes(doc.Status)) throw E.error('IncorrectInstanceStatus', 'The current status of the resource does not support this operation.');
        for (const g of groups) {
          const sg = await tx.get<SecurityGroupDoc>(KINDS.securityGroup, scope, g);
          if (!sg) throw E.error('InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.');
          if (sg.VpcId !== doc.VpcId) throw E.error('InvalidParameter', 'The specified parameter is not valid.');
        }
        doc.SecurityGroupIds = groups;
      }
      // user data is changed on a stopped instance (it is read at the next start)
      if (userData !== undefined && doc.Status !== 'Stopped') throw E.error('IncorrectInstanceStatus', 'The current status of the resource does not support this operation.');
      if (userData !== undefined) doc.UserData = userData;
      if (name !== undefined) doc.InstanceName = name;
      if (description !== undefined) doc.Description = description;
      if (host !== undefined) doc.HostName = host;
      if (typeof p['DeletionProtection'] === 'boolean') {
        if (p['DeletionProtection']) doc.DeletionProtection = true;
        else delete doc.DeletionProtection;
      }
      await tx.put(KINDS.instance, scope, doc.InstanceId, doc);
    });
    return {};
  },
});
