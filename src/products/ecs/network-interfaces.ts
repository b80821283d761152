// Elastic network interfaces. A secondary ENI is an `instance` document with Type 'eni' (id eni-…),
// so SLB takes it as an ENI backend (AddBackendServers Type=eni) and the address allocator counts
// its address like an instance's. Its SLB-facing Status stays Running; the ENI status
// (Available / InUse) is EniStatus. An instance's primary ENI is not a document: it is the
// instance's own address, listed by DescribeNetworkInterfaces as Type Primary.
import { KINDS, type InstanceDoc } from '../slb/services/model.js';
import type { Scope, Tx } from '../../state/store.js';
import { isoSeconds } from '../../util/clock.js';
import { defaultResourceGroupId, deleteInstance } from '../../world/world.js';
import { E, ownError } from './catalog.js';
import { define, list, macOf, paginate, requireRegion, str, tagsOf, tagView, hasTags } from './common.js';
import { catchUp, settleDue, settleStored } from './lifecycle.js';
import { placeAddress, resolveSecurityGroups, resolveVSwitch } from './placement.js';
import { primaryEniOf } from './instances.js';

const eniNotFound = () => ownError('InvalidEniId.NotFound');

async function requireEni(tx: Tx, scope: Scope, id: string | undefined): Promise<InstanceDoc> {
  const d = id ? await tx.get<InstanceDoc>(KINDS.instance, scope, id) : undefined;
  if (!d || d.Type !== 'eni') {
    // the primary ENI of an instance: known, but not something these calls may change
    if (id && (await primaryOwner(tx, scope, id))) throw ownError('InvalidOperation.DetachPrimaryEniNotAllowed');
    throw eniNotFound();
  }
  return d;
}

async function primaryOwner(tx: Tx, scope: Scope, eniId: string): Promise<InstanceDoc | undefined> {
  return (await tx.query<InstanceDoc>(KINDS.instance, scope, { match: { PrimaryNetworkInterfaceId: eniId }, limit: 1 }))[0]?.doc;
}

const eniStatus = (d: InstanceDoc) => d.EniStatus ?? 'InUse';

define({
  name: 'CreateNetworkInterface',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const now = ctx.clock.now();
    const doc = await ctx.store.write(async (tx) => {
      const vsw = await resolveVSwitch(tx, scope, region, str(p, 'VSwitchId'), undefined, isoSeconds(now));
      const sgIds = [...(str(p, 'SecurityGroupId') ? [str(p, 'SecurityGroupId')!] : []), ...list(p, 'SecurityGroupIds')];
      const groups = await resolveSecurityGroups(tx, scope, vsw, sgIds, true);
      const addr = await placeAddress(tx, scope, vsw, str(p, 'PrimaryIpAddress'), true);
      const id = ctx.ids.next('eni-');
      const d: InstanceDoc = {
        InstanceId: id,
        RegionId: region.RegionId,
        ...addr,
        NetworkType: 'vpc',
        VpcId: vsw.VpcId,
        VSwitchId: vsw.VSwitchId,
        ZoneId: vsw.ZoneId,
        Status: 'Running',
        Type: 'eni',
        NetworkInterfaceName: str(p, 'NetworkInterfaceName') ?? '',
        Description: str(p, 'Description') ?? '',
        SecurityGroupIds: groups,
        CreationTime: isoSeconds(now),
        ResourceGroupId: str(p, 'ResourceGroupId') ?? defaultResourceGroupId(ctx.caller.accountId),
        Tags: tagsOf(p),
        EniStatus: 'Available',
        MacAddress: macOf(id),
      };
      await tx.put(KINDS.instance, scope, id, d);
      return d;
    });
    return { ...eniView(doc, ctx.caller.accountId), Tags: tagView(doc.Tags) };
  },
});

define({
  name: 'AttachNetworkInterface',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const now = ctx.clock.now();
    await ctx.store.write(async (tx) => {
      const eni = await requireEni(tx, scope, str(p, 'NetworkInterfaceId'));
      const id = str(p, 'InstanceId');
      const raw = id ? await tx.get<InstanceDoc>(KINDS.instance, scope, id) : undefined;
      if (!raw || raw.Type !== 'ecs') throw E.error('InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
      const inst = await settleStored(tx, scope, raw, now);
      if (eniStatus(eni) !== 'Available') throw ownError('InvalidOperation.InvalidEniState');
      if (inst.Status !== 'Running' && inst.Status !== 'Stopped') throw ownError('InvalidOperation.InvalidEcsState');
      if (inst.VpcId !== eni.VpcId) throw ownError('InvalidOperation.VpcMismatch');
      if (inst.ZoneId !== eni.ZoneId) throw ownError('InvalidOperation.AvailabilityZoneMismatch');
      eni.EniStatus = 'InUse';
      eni.AttachedInstanceId = inst.InstanceId;
      await tx.put(KINDS.instance, scope, eni.InstanceId, eni);
    });
    return {};
  },
});

define({
  name: 'DetachNetworkInterface',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    await ctx.store.write(async (tx) => {
      const eni = await requireEni(tx, scope, str(p, 'NetworkInterfaceId'));
      const id = str(p, 'InstanceId');
      const inst = id ? await tx.get<InstanceDoc>(KINDS.instance, scope, id) : undefined;
      if (!inst || inst.Type !== 'ecs') throw E.error('InvalidInstanceId.NotFound', 'The specified InstanceId does not exist.');
      if (eniStatus(eni) !== 'InUse' || eni.AttachedInstanceId !== inst.InstanceId) throw ownError('InvalidOperation.InvalidEniState');
      eni.EniStatus = 'Available';
      delete eni.AttachedInstanceId;
      await tx.put(KINDS.instance, scope, eni.InstanceId, eni);
    });
    return {};
  },
});

define({
  name: 'DeleteNetworkInterface',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    await ctx.store.write(async (tx) => {
      const eni = await requireEni(tx, scope, str(p, 'NetworkInterfaceId'));
      if (eniStatus(eni) !== 'Available') throw ownError('InvalidOperation.InvalidEniState');
      await deleteInstance(tx, scope, eni.InstanceId);
    });
    return {};
  },
});

interface EniRow {
  NetworkInterfaceId: string;
  Type: 'Primary' | 'Secondary';
  Status: string;
  InstanceId: string;
  doc: InstanceDoc;
}

function eniView(d: InstanceDoc, owner: string, row?: EniRow) {
  const id = row?.NetworkInterfaceId ?? d.InstanceId;
  return {
    NetworkInterfaceId: id,
    NetworkInterfaceName: d.Type === 'eni' ? (d.NetworkInterfaceName ?? '') : '',
    Description: d.Type === 'eni' ? (d.Description ?? '') : '',
    Type: row?.Type ?? 'Secondary',
    Status: row?.Status ?? eniStatus(d),
    InstanceId: row?.InstanceId ?? d.AttachedInstanceId ?? '',
    VpcId: d.VpcId ?? '',
    VSwitchId: d.VSwitchId ?? '',
    ZoneId: d.ZoneId ?? '',
    PrivateIpAddress: d.PrivateIpAddress,
    MacAddress: d.Type === 'eni' ? (d.MacAddress ?? macOf(id)) : macOf(id),
    SecurityGroupIds: d.SecurityGroupIds ?? [],
    PrivateIpSets: [{ PrivateIpAddress: d.PrivateIpAddress, Primary: true, PrivateDnsName: '' }],
    Ipv6Sets: [],
    Ipv4PrefixSets: [],
    Ipv6PrefixSets: [],
    CreationTime: d.CreationTime ?? '',
    ResourceGroupId: d.ResourceGroupId ?? '',
    OwnerId: owner,
    ServiceManaged: false,
    SourceDestCheck: false,
    DeleteOnRelease: row?.Type === 'Primary',
    NetworkInterfaceTrafficMode: 'Standard',
    QueueNumber: 1,
    Tags: tagView(d.Tags),
  };
}

define({
  name: 'DescribeNetworkInterfaces',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const ids = list(p, 'NetworkInterfaceId');
    const ips = list(p, 'PrivateIpAddress');
    const where: Record<string, string | string[]> = {};
    if (str(p, 'VpcId')) where['VpcId'] = str(p, 'VpcId')!;
    if (str(p, 'VSwitchId')) where['VSwitchId'] = str(p, 'VSwitchId')!;
    if (ips.length) where['PrivateIpAddress'] = ips;
    if (str(p, 'PrimaryIpAddress')) where['PrivateIpAddress'] = [str(p, 'PrimaryIpAddress')!];
    if (str(p, 'SecurityGroupId')) where['SecurityGroupId'] = str(p, 'SecurityGroupId')!;
    await catchUp(ctx, scope);
    const docs = await settleDue(ctx, scope, await ctx.store.read(async (tx) => (await tx.query<InstanceDoc>(KINDS.instance, scope, { where })).map((r) => r.doc)));
    const rows: EniRow[] = [];
    for (const d of docs) {
      if (d.Type === 'eni') rows.push({ NetworkInterfaceId: d.InstanceId, Type: 'Secondary', Status: eniStatus(d), InstanceId: d.AttachedInstanceId ?? '', doc: d });
      else if (d.Type === 'ecs' && d.NetworkType === 'vpc') rows.push({ NetworkInterfaceId: primaryEniOf(d), Type: 'Primary', Status: 'InUse', InstanceId: d.InstanceId, doc: d });
    }
    const want = tagsOf(p);
    const keep = rows.filter(
      (r) =>
        (!ids.length || ids.includes(r.NetworkInterfaceId)) &&
        (!str(p, 'Status') || r.Status === str(p, 'Status')) &&
        (!str(p, 'Type') || r.Type === str(p, 'Type')) &&
        (!str(p, 'InstanceId') || r.InstanceId === str(p, 'InstanceId')) &&
        (!str(p, 'NetworkInterfaceName') || (r.Type === 'Secondary' && r.doc.NetworkInterfaceName === str(p, 'NetworkInterfaceName'))) &&
        (!str(p, 'ResourceGroupId') || r.doc.ResourceGroupId === str(p, 'ResourceGroupId')) &&
        hasTags(r.Type === 'Secondary' ? r.doc.Tags : [], want),
    );
    const { items, fields } = paginate(keep, p, { defaultSize: 10, maxSize: 500 });
    return { ...fields, NetworkInterfaceSets: items.map((r) => eniView(r.doc, ctx.caller.accountId, r)) };
  },
});

