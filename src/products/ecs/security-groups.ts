// ECS security groups (kind 'securityGroup'): Create, Authorize (ingress rules), Describe,
// DescribeAttribute, ModifyAttribute, Delete (refused while an instance or ENI uses the group).
// The rules are stored and answered; the data plane does not filter traffic by them.
import { KINDS } from '../slb/services/model.js';
import type { Scope, Tx } from '../../state/store.js';
import { isoSeconds } from '../../util/clock.js';
import { parseCidr } from '../../world/ipv4.js';
import { defaultResourceGroupId, type VpcDoc } from '../../world/world.js';
import { E } from './catalog.js';
import { define, hasTags, paginate, requireRegion, str, tagsOf, tagView, type Params } from './common.js';
import type { PermissionDoc, SecurityGroupDoc } from './security-groups-model.js';

export type { SecurityGroupDoc };

const notFound = (message: 'The specified SecurityGroupId does not exist.' | 'The specified security group does not exist.' = 'The specified SecurityGroupId does not exist.') => E.error('InvalidSecurityGroupId.NotFound', message);

/** 2–128 characters, starting with a letter (or a CJK character), not with http:// or https:// */
const validName = (s: string) => s.length >= 2 && s.length <= 128 && /^[\p{L}]/u.test(s) && !/^https?:\/\//.test(s);
const validDescription = (s: string) => s.length >= 2 && s.length <= 256 && !/^https?:\/\//.test(s);

define({
  name: 'CreateSecurityGroup',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const name = str(p, 'SecurityGroupName') ?? '';
    const desc = str(p, 'Description') ?? '';
    if (name && !validName(name)) throw E.error('InvalidSecurityGroupName.Malformed');
    if (desc && !validDescription(desc)) throw E.error('InvalidSecurityGroupDiscription.Malformed', 'Specified security group description is not valid.');
    const vpcId = str(p, 'VpcId');
    const now = ctx.clock.now();
    const id = await ctx.store.write(async (tx) => {
      if (vpcId) {
        const vpc = await tx.get<VpcDoc>(KINDS.vpc, scope, vpcId);
        if (!vpc) throw E.error('InvalidVpcId.NotFound', 'Specified VPC does not exist.');
        if (vpc.Status !== 'Available') throw E.error('IncorrectVpcStatus', 'Current VPC status does not support this operation.');
      }
      const id = ctx.ids.next('sg-');
      const doc: SecurityGroupDoc = {
        SecurityGroupId: id,
        SecurityGroupName: name,
        Description: desc,
        SecurityGroupType: str(p, 'SecurityGroupType') === 'enterprise' ? 'enterprise' : 'normal',
        VpcId: vpcId ?? '',
        RegionId: region.RegionId,
        CreationTime: isoSeconds(now),
        ResourceGroupId: str(p, 'ResourceGroupId') ?? defaultResourceGroupId(ctx.caller.accountId),
        InnerAccessPolicy: 'Accept',
        Tags: tagsOf(p),
        Permissions: [],
      };
      await tx.put(KINDS.securityGroup, scope, id, doc);
      return id;
    });
    return { SecurityGroupId: id };
  },
});

const PROTOCOLS = ['tcp', 'udp', 'icmp', 'gre', 'all'];

/** One rule from the flat parameters or a Permissions.N item; validated in the published order. */
function permissionOf(r: Params, now: number, ruleId: string): PermissionDoc {
  const s = (k: string) => (typeof r[k] === 'string' && r[k] !== '' ? (r[k] as string) : undefined);
  const proto = s('IpProtocol')?.toLowerCase();
  if (!proto || !PROTOCOLS.includes(proto)) throw E.error('InvalidIpProtocol.ValueNotSupported');
  const range = s('PortRange') ?? (proto === 'tcp' || proto === 'udp' ? undefined : '-1/-1');
  const m = range ? /^(-?\d{1,5})\/(-?\d{1,5})$/.exec(range) : null;
  const ok =
    m &&
    (proto === 'tcp' || proto === 'udp'
      ? Number(m[1]) >= 1 && Number(m[2]) <= 65535 && Number(m[1]) <= Number(m[2])
      : m[1] === '-1' && m[2] === '-1');
  if (!ok) throw E.error('InvalidIpProtocol.Malformed');
  const cidr = s('SourceCidrIp');
  if (cidr !== undefined && !parseCidr(cidr.includes('/') ? cidr : `${cidr}/32`)) throw E.error('InvalidSourceCidrIp.Malformed');
  const group = s('SourceGroupId');
  if (cidr === undefined && group === undefined) throw E.error('MissingParameter', 'The input parameter "SourceGroupId" or "SourceCidrIp" cannot be both blank.');
  const policy = (s('Policy') ?? 'accept').toLowerCase();
  if (policy !== 'accept' && policy !== 'drop') throw E.error('InvalidPolicy.Malformed');
  const pr = s('Priority') ?? (typeof r['Priority'] === 'number' ? String(r['Priority']) : '1');
  if (!/^\d{1,3}$/.test(pr) || Number(pr) < 1 || Number(pr) > 100) throw E.error('InvalidPriority.ValueNotSupported');
  const nic = s('NicType') ?? 'intranet';
  if (nic !== 'intranet' && nic !== 'internet') throw E.error('InvalidNicType.ValueNotSupported', 'The specified NicType is not valid.');
  const desc = s('Description') ?? '';
  if (desc && !validDescription(desc)) throw E.error('InvalidSecurityGroupDiscription.Malformed', 'The specified security group rule description is not valid.');
  return {
    SecurityGroupRuleId: ruleId,
    Direction: 'ingress',
    IpProtocol: proto,
    PortRange: range!,
    SourceCidrIp: cidr ?? '',
    SourceGroupId: group ?? '',
    SourceGroupOwnerAccount: s('SourceGroupOwnerAccount') ?? '',
    SourcePortRange: s('SourcePortRange') ?? '',
    DestCidrIp: s('DestCidrIp') ?? '',
    Policy: policy === 'accept' ? 'Accept' : 'Drop',
    Priority: Number(pr),
    NicType: nic,
    Description: desc,
    CreateTime: isoSeconds(now),
  };
}

const sameRule = (a: PermissionDoc, b: PermissionDoc) =>
  a.IpProtocol === b.IpProtocol && a.PortRange === b.PortRange && a.SourceCidrIp === b.SourceCidrIp && a.SourceGroupId === b.SourceGroupId && a.Policy === b.Policy && a.Priority === b.Priority && a.NicType === b.NicType && a.SourcePortRange === b.SourcePortRange && a.DestCidrIp === b.DestCidrIp;

define({
  name: 'AuthorizeSecurityGroup',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const now = ctx.clock.now();
    const items = Array.isArray(p['Permissions']) ? (p['Permissions'] as Params[]) : [];
    const flat = str(p, 'IpProtocol') !== undefined ? [p] : [];
    const rules = [...flat, ...items];
    if (!rules.length) throw E.error('InvalidIpProtocol.ValueNotSupported');
    await ctx.store.write(async (tx) => {
      const sg = await tx.get<SecurityGroupDoc>(KINDS.securityGroup, scope, str(p, 'SecurityGroupId') ?? '');
      if (!sg) throw notFound();
      for (const r of rules) {
        const perm = permissionOf(r, now, ctx.ids.next('sgr-'));
        if (perm.SourceGroupId) {
          if (perm.SourceGroupId === sg.SecurityGroupId) throw E.error('InvalidParamter.Conflict', 'The specified SecurityGroupId should be different from the SourceGroupId.');
          const src = await tx.get<SecurityGroupDoc>(KINDS.securityGroup, scope, perm.SourceGroupId);
          if (!src) throw E.error('InvalidSourceGroupId.NotFound');
          if (src.VpcId !== sg.VpcId) throw E.error('InvalidSourceGroupId.Mismatch', 'Specified security group and source group are not in the same VPC.');
        }
        // the same rule again changes nothing (as the service answers it)
        if (!sg.Permissions.some((x) => sameRule(x, perm))) sg.Permissions.push(perm);
      }
      if (sg.Permissions.length > 200) throw E.error('AuthorizationLimitExceed');
      await tx.put(KINDS.securityGroup, scope, sg.SecurityGroupId, sg);
    });
    return {};
  },
});

/** Instances and ENIs that use the group. */
async function usersOf(tx: Tx, scope: Scope, id: string): Promise<number> {
  return tx.count(KINDS.instance, scope, { where: { SecurityGroupId: id } });
}

define({
  name: 'DescribeSecurityGroups',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const ids = [...(str(p, 'SecurityGroupId') ? [str(p, 'SecurityGroupId')!] : []), ...jsonIds(p['SecurityGroupIds'])];
    const want = tagsOf(p);
    const name = str(p, 'SecurityGroupName');
    const all = await ctx.store.read(async (tx) => {
      const where: Record<string, string> = str(p, 'VpcId') ? { VpcId: str(p, 'VpcId')! } : {};
      const docs = (await tx.query<SecurityGroupDoc>(KINDS.securityGroup, scope, { where, ...(ids.length ? { ids } : {}) })).map((r) => r.doc);
      const out = [];
      for (const d of docs) {
        if (name && (p['FuzzyQuery'] === true ? !d.SecurityGroupName.includes(name) : d.SecurityGroupName !== name)) continue;
        if (str(p, 'SecurityGroupType') && d.SecurityGroupType !== str(p, 'SecurityGroupType')) continue;
        if (str(p, 'ResourceGroupId') && d.ResourceGroupId !== str(p, 'ResourceGroupId')) continue;
        if (str(p, 'NetworkType') && (d.VpcId ? 'vpc' : 'classic') !== str(p, 'NetworkType')) continue;
        if (!hasTags(d.Tags, want)) continue;
        out.push({ d, ecs: await usersOf(tx, scope, d.SecurityGroupId) });
      }
      return out;
    });
    const { items, fields } = paginate(all, p, { defaultSize: 10, maxSize: 100 });
    return {
      ...fields,
      RegionId: region.RegionId,
      SecurityGroups: items.map(({ d, ecs }) => ({
        SecurityGroupId: d.SecurityGroupId,
        SecurityGroupName: d.SecurityGroupName,
        Description: d.Description,
        SecurityGroupType: d.SecurityGroupType,
        VpcId: d.VpcId,
        CreationTime: d.CreationTime,
        EcsCount: ecs,
        AvailableInstanceAmount: Math.max(0, 2000 - ecs),
        ResourceGroupId: d.ResourceGroupId,
        ServiceManaged: false,
        RuleCount: d.Permissions.length,
        GroupToGroupRuleCount: d.Permissions.filter((x) => x.SourceGroupId).length,
        Tags: tagView(d.Tags),
      })),
    };
  },
});

/** SecurityGroupIds: a JSON array string (`["sg-1","sg-2"]`) or comma-separated ids. */
function jsonIds(v: unknown): string[] {
  if (typeof v !== 'string' || !v.trim()) return [];
  try {
    const j = JSON.parse(v) as unknown;
    if (Array.isArray(j)) return j.map(String);
  } catch {
    /* comma-separated */
  }
  return v
    .split(',')
    .map((x) => x.replace(/[[\]"'\s]/g, ''))
    .filter(Boolean);
}

define({
  name: 'DescribeSecurityGroupAttribute',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const sg = await ctx.store.read((tx) => tx.get<SecurityGroupDoc>(KINDS.securityGroup, scope, str(p, 'SecurityGroupId') ?? ''));
    if (!sg) throw notFound();
    const direction = str(p, 'Direction') ?? 'all';
    const nic = str(p, 'NicType');
    const perms = sg.Permissions.filter((x) => (direction === 'all' || x.Direction === direction) && (!nic || x.NicType === nic));
    return {
      RegionId: region.RegionId,
      SecurityGroupId: sg.SecurityGroupId,
      SecurityGroupName: sg.SecurityGroupName,
      Description: sg.Description,
      VpcId: sg.VpcId,
      InnerAccessPolicy: sg.InnerAccessPolicy,
      Permissions: perms.map((x) => ({
        SecurityGroupRuleId: x.SecurityGroupRuleId,
        Direction: x.Direction,
        IpProtocol: x.IpProtocol.toUpperCase(),
        PortRange: x.PortRange,
        SourceCidrIp: x.SourceCidrIp,
        SourceGroupId: x.SourceGroupId,
        SourceGroupName: '',
        SourceGroupOwnerAccount: x.SourceGroupOwnerAccount,
        SourcePortRange: x.SourcePortRange,
        DestCidrIp: x.DestCidrIp,
        DestGroupId: '',
        DestGroupName: '',
        DestGroupOwnerAccount: '',
        Ipv6SourceCidrIp: '',
        Ipv6DestCidrIp: '',
        Policy: x.Policy,
        Priority: x.Priority,
        NicType: x.NicType,
        Description: x.Description,
        CreateTime: x.CreateTime,
      })),
      SnapshotPolicyIds: [],
    };
  },
});

define({
  name: 'ModifySecurityGroupAttribute',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    const name = str(p, 'SecurityGroupName');
    const desc = str(p, 'Description');
    await ctx.store.write(async (tx) => {
      const sg = await tx.get<SecurityGroupDoc>(KINDS.securityGroup, scope, str(p, 'SecurityGroupId') ?? '');
      if (!sg) throw notFound('The specified security group does not exist.');
      if (name !== undefined && !validName(name)) throw E.error('InvalidSecurityGroupName.Malformed');
      if (desc !== undefined && !validDescription(desc)) throw E.error('InvalidSecurityGroupDiscription.Malformed', 'Specified security group description is not valid.');
      if (name !== undefined) sg.SecurityGroupName = name;
      if (desc !== undefined) sg.Description = desc;
      await tx.put(KINDS.securityGroup, scope, sg.SecurityGroupId, sg);
    });
    return {};
  },
});

define({
  name: 'DeleteSecurityGroup',
  async handler(ctx, p) {
    const region = requireRegion(str(p, 'RegionId'));
    const scope = { account: ctx.caller.accountId, region: region.RegionId };
    await ctx.store.write(async (tx) => {
      const id = str(p, 'SecurityGroupId') ?? '';
      const sg = await tx.get<SecurityGroupDoc>(KINDS.securityGroup, scope, id);
      if (!sg) throw notFound();
      // instances and ENIs that use it, or groups whose rules name it as their source
      if ((await usersOf(tx, scope, id)) > 0) throw E.error('DependencyViolation');
      const others = await tx.list<SecurityGroupDoc>(KINDS.securityGroup, scope);
      if (others.some((o) => o.SecurityGroupId !== id && o.Permissions.some((x) => x.SourceGroupId === id))) throw E.error('DependencyViolation');
      await tx.delete(KINDS.securityGroup, scope, id);
    });
    return {};
  },
});
