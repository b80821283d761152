// VPC 2016-04-28: VPCs, vSwitches, zones, regions and elastic IP addresses, over the same store and
// world as SLB (a load balancer created with a VSwitchId from CreateVSwitch lives in that vSwitch).
// Handlers take the parameters parsed by the gateway from specs.data.json and return plain arrays
// (the response tree adds the list wrappers). Reference: docs/products.md "VPC 2016-04-28".
import { readFileSync } from 'node:fs';
import type { ActionSpec, ParamErrors } from '../../api/spec.js';
import type { Ctx } from '../../world/request.js';
import type { QueryScope, Scope, Tx } from '../../state/store.js';
import { findRegion, langOf, REGIONS } from '../../world/regions.js';
import type { VpcDoc, VSwitchDoc } from '../../world/world.js';
import { ActionTable, registerProduct } from '../product.js';
import { CATALOG_ENTRIES, VPC_ERRORS, vfail } from './errors.js';
import { DESCRIBE_ROUTE_TABLE_LIST, routeTables } from './route-tables.js';
import { allocateEip, associateEip, eipView, releaseEip, settled, unassociateEip, type EipDoc } from './eips.js';
import {
  createVpc,
  createVSwitch,
  deleteVpc,
  deleteVSwitch,
  modifyVpc,
  modifyVSwitch,
  pagedQuery,
  readTags,
  requireRegion,
  requireVpc,
  requireVSwitch,
  routeTableOf,
  tagQuery,
  vpcView,
  vrouterOf,
  vswitchView,
  VSW_NOT_FOUND,
  type Env,
} from './networks.js';

const specs: Record<string, ActionSpec> = {
  ...(JSON.parse(readFileSync(new URL('./specs.data.json', import.meta.url), 'utf8')) as Record<string, ActionSpec>),
  // not in reference/vpc-api.json; its spec and sources are in route-tables.ts
  DescribeRouteTableList: DESCRIBE_ROUTE_TABLE_LIST,
};
const actions = new ActionTable();

type P = Record<string, unknown>;
const str = (p: P, k: string) => (typeof p[k] === 'string' && p[k] !== '' ? (p[k] as string) : undefined);
const bool = (p: P, k: string) => (typeof p[k] === 'boolean' ? (p[k] as boolean) : undefined);
const num = (p: P, k: string) => (typeof p[k] === 'number' ? (p[k] as number) : undefined);

const env = (ctx: Ctx, length = 21): Env => ({ account: ctx.caller.accountId, now: ctx.clock.now(), newId: (prefix) => ctx.ids.next(prefix, length) });

/** The region a call names; several actions mark RegionId optional, but every resource lives in one. */
function scopeOf(ctx: Ctx, p: P): Scope {
  const id = str(p, 'RegionId');
  if (!id) throw VPC_ERRORS.error('MissingParameter', 'Miss mandatory parameter.');
  return { account: ctx.caller.accountId, region: requireRegion(id).RegionId };
}

/**
 * The scope of an action on one resource: RegionId when given, else (the specs mark RegionId
 * optional there) the region the caller's resource is in; an unknown id then answers not found.
 */
async function resourceScope(ctx: Ctx, p: P, kind: string, idParam: string): Promise<Scope> {
  if (str(p, 'RegionId')) return scopeOf(ctx, p);
  const id = str(p, idParam) ?? '';
  const found = await ctx.store.read((tx) => tx.find(kind, ctx.caller.accountId, id));
  return { account: ctx.caller.accountId, region: found?.region ?? '' };
}

function page(p: P, max: number): { number: number; size: number } {
  return { number: Math.max(1, num(p, 'PageNumber') ?? 1), size: Math.min(max, Math.max(1, num(p, 'PageSize') ?? 10)) };
}

const splitList = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** DryRun=true: every check ran; answer DryRunOperation instead (thrown inside a write, it rolls the write back). */
function dryRun<T>(p: P, v: T): T {
  if (p['DryRun'] === true) throw VPC_ERRORS.error('DryRunOperation');
  return v;
}

const TOKEN_TTL_MS = 24 * 3600_000;
interface TokenDoc {
  Response: Record<string, unknown>;
  CreatedAt: number;
}
/**
 * ClientToken: a create repeated with the same token within 24 h answers the first call's result
 * instead of creating again (kind 'vpcClientToken', scope (account, region), id = action|token).
 */
async function idempotent(tx: Tx, scope: Scope, action: string, token: string | undefined, now: number, create: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> {
  if (!token) return create();
  const id = `${action}|${token}`;
  const t = await tx.get<TokenDoc>('vpcClientToken', scope, id);
  if (t && now - t.CreatedAt < TOKEN_TTL_MS) return t.Response;
  const response = await create();
  await tx.put<TokenDoc>('vpcClientToken', scope, id, { Response: response, CreatedAt: now });
  return response;
}

const malformed = (code: string, message: string): ParamErrors => ({ length: () => VPC_ERRORS.error(code, message) });
const vpcNameErr = malformed('InvalidVpcName.Malformed', 'Specified VPC name is not valid.');
const vpcDescErr = malformed('InvalidVpcDiscription.Malformed', 'Specified VPC description is not valid.');
const vswNameErr = malformed('InvalidVSwitchName.Malformed', 'Specified virtual switch name is not valid.');
const vswDescErr = malformed('InvalidVSwitchDiscription.Malformed', 'Specified virtual switch description is not valid.');

// ---------------------------------------------------------------------------------------------
// VPCs

actions.define({
  name: 'CreateVpc',
  errors: { VpcName: vpcNameErr, Description: vpcDescErr },
  async handler(ctx, p) {
    const scope = scopeOf(ctx, p);
    const e = env(ctx);
    return ctx.store.write((tx) =>
      idempotent(tx, scope, 'CreateVpc', str(p, 'ClientToken'), e.now, async () => {
        const v = await createVpc(tx, e, { RegionId: scope.region, CidrBlock: str(p, 'CidrBlock'), VpcName: str(p, 'VpcName'), Description: str(p, 'Description'), ResourceGroupId: str(p, 'ResourceGroupId'), Tag: p['Tag'] });
        return dryRun(p, { VpcId: v.VpcId, VRouterId: vrouterOf(v), RouteTableId: routeTableOf(v), ResourceGroupId: v.ResourceGroupId });
      }),
    );
  },
});

actions.define({
  name: 'DeleteVpc',
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'vpc', 'VpcId');
    await ctx.store.write(async (tx) => dryRun(p, await deleteVpc(tx, scope, ctx.clock.now(), str(p, 'VpcId')!)));
    return {};
  },
});

actions.define({
  name: 'DescribeVpcAttribute',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, p);
    return ctx.store.read(async (tx) => {
      const v = await requireVpc(tx, scope, str(p, 'VpcId')!);
      return dryRun(p, await vpcView(tx, scope, ctx.caller.accountId, v, ctx.clock.now()));
    });
  },
});

actions.define({
  name: 'ModifyVpcAttribute',
  errors: { VpcName: vpcNameErr, Description: vpcDescErr },
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'vpc', 'VpcId');
    await ctx.store.write((tx) => modifyVpc(tx, scope, ctx.clock.now(), { VpcId: str(p, 'VpcId')!, VpcName: p['VpcName'] as string | undefined, Description: p['Description'] as string | undefined }));
    return {};
  },
});

actions.define({
  name: 'DescribeVpcs',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, p);
    const pg = page(p, 50);
    const ids = splitList(str(p, 'VpcId'));
    const { where, rest } = tagQuery(readTags(p['Tag']));
    const match: Record<string, string | boolean> = {};
    const isDefault = bool(p, 'IsDefault');
    if (isDefault !== undefined) match['IsDefault'] = isDefault;
    if (str(p, 'VpcName')) match['VpcName'] = str(p, 'VpcName')!;
    if (str(p, 'ResourceGroupId')) match['ResourceGroupId'] = str(p, 'ResourceGroupId')!;
    return ctx.store.read(async (tx) => {
      const { total, docs } = await pagedQuery<VpcDoc>(
        tx,
        'vpc',
        scope,
        { where: { ...where, Status: ['Creating', 'Available', 'Deleting'] }, match, ...(ids.length ? { ids } : {}) },
        rest,
        pg,
      );
      const list = [];
      for (const v of docs) list.push(await vpcView(tx, scope, ctx.caller.accountId, v, ctx.clock.now()));
      return dryRun(p, { TotalCount: total, PageNumber: pg.number, PageSize: pg.size, Vpcs: list });
    });
  },
});

// ---------------------------------------------------------------------------------------------
// vSwitches

actions.define({
  name: 'CreateVSwitch',
  errors: { VSwitchName: vswNameErr, Description: vswDescErr },
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'vpc', 'VpcId');
    const e = env(ctx);
    return ctx.store.write((tx) =>
      idempotent(tx, scope, 'CreateVSwitch', str(p, 'ClientToken'), e.now, async () => {
        const v = await createVSwitch(tx, e, {
          RegionId: scope.region,
          VpcId: str(p, 'VpcId')!,
          ZoneId: str(p, 'ZoneId')!,
          CidrBlock: str(p, 'CidrBlock')!,
          VSwitchName: str(p, 'VSwitchName'),
          Description: str(p, 'Description'),
          Tag: p['Tag'],
        });
        return { VSwitchId: v.VSwitchId };
      }),
    );
  },
});

actions.define({
  name: 'DeleteVSwitch',
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'vswitch', 'VSwitchId');
    await ctx.store.write(async (tx) => dryRun(p, await deleteVSwitch(tx, scope, ctx.clock.now(), str(p, 'VSwitchId')!)));
    return {};
  },
});

actions.define({
  name: 'DescribeVSwitchAttributes',
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'vswitch', 'VSwitchId');
    return ctx.store.read(async (tx) => {
      const v = await requireVSwitch(tx, scope, str(p, 'VSwitchId')!, VSW_NOT_FOUND);
      return dryRun(p, await vswitchView(tx, scope, ctx.caller.accountId, v, ctx.clock.now()));
    });
  },
});

actions.define({
  name: 'ModifyVSwitchAttribute',
  errors: { VSwitchName: vswNameErr, Description: vswDescErr },
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'vswitch', 'VSwitchId');
    await ctx.store.write((tx) => modifyVSwitch(tx, scope, { VSwitchId: str(p, 'VSwitchId')!, VSwitchName: p['VSwitchName'] as string | undefined, Description: p['Description'] as string | undefined }));
    return {};
  },
});

actions.define({
  name: 'DescribeVSwitches',
  async handler(ctx, p) {
    // RegionId is optional here: without it, the caller's vSwitches of every region
    const scope: QueryScope = str(p, 'RegionId') ? scopeOf(ctx, p) : { account: ctx.caller.accountId };
    const pg = page(p, 50);
    const { where, rest } = tagQuery(readTags(p['Tag']));
    const match: Record<string, string | boolean> = {};
    const isDefault = bool(p, 'IsDefault');
    if (isDefault !== undefined) match['IsDefault'] = isDefault;
    for (const k of ['ZoneId', 'VSwitchName', 'ResourceGroupId']) if (str(p, k)) match[k] = str(p, k)!;
    const w: Record<string, string> = { ...where };
    if (str(p, 'VpcId')) w['VpcId'] = str(p, 'VpcId')!;
    const ids = splitList(str(p, 'VSwitchId'));
    return ctx.store.read(async (tx) => {
      const { total, docs } = await pagedQuery<VSwitchDoc>(tx, 'vswitch', scope, { where: w, match, ...(ids.length ? { ids } : {}) }, rest, pg);
      const list = [];
      for (const v of docs) list.push(await vswitchView(tx, { account: ctx.caller.accountId, region: v.RegionId }, ctx.caller.accountId, v, ctx.clock.now()));
      return dryRun(p, { TotalCount: total, PageNumber: pg.number, PageSize: pg.size, VSwitches: list });
    });
  },
});

actions.define({
  name: 'DescribeRouteTableList',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, p);
    const pg = page(p, 50);
    const filter = Object.fromEntries(['VpcId', 'RouteTableId', 'RouterId', 'RouteTableName', 'RouteTableType', 'RouterType', 'ResourceGroupId'].map((k) => [k, str(p, k)]));
    return ctx.store.read(async (tx) => {
      const all = await routeTables(tx, scope, ctx.caller.accountId, filter, readTags(p['Tag']));
      const offset = (pg.number - 1) * pg.size;
      return { TotalCount: all.length, PageNumber: pg.number, PageSize: pg.size, RouterTableList: all.slice(offset, offset + pg.size) };
    });
  },
});

// ---------------------------------------------------------------------------------------------
// Regions and zones

const vpcEndpoint = (region: string) => (['cn-qingdao', 'cn-beijing', 'cn-hangzhou', 'cn-shanghai', 'cn-shenzhen', 'cn-hongkong', 'ap-southeast-1', 'us-west-1', 'us-east-1'].includes(region) ? 'vpc.aliyuncs.com' : `vpc.${region}.aliyuncs.com`);

actions.define({
  name: 'DescribeRegions',
  async handler(ctx, p) {
    const lang = langOf(str(p, 'AcceptLanguage') ?? ctx.language);
    return { Regions: REGIONS.map((r) => ({ RegionId: r.RegionId, LocalName: r[lang], RegionEndpoint: vpcEndpoint(r.RegionId) })) };
  },
});

actions.define({
  name: 'DescribeZones',
  async handler(ctx, p) {
    const r = findRegion(str(p, 'RegionId'));
    if (!r) vfail('InvalidRegionId.NotFound');
    const lang = langOf(str(p, 'AcceptLanguage') ?? ctx.language);
    const type = str(p, 'ZoneType') ?? 'AvailabilityZone';
    return { Zones: type === 'AvailabilityZone' ? r.zones.map((z) => ({ ZoneId: z.ZoneId, LocalName: z[lang], ZoneType: 'AvailabilityZone' })) : [] };
  },
});

// ---------------------------------------------------------------------------------------------
// Elastic IP addresses

actions.define({
  name: 'AllocateEipAddress',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, p);
    const en = env(ctx);
    return ctx.store.write((tx) =>
      idempotent(tx, scope, 'AllocateEipAddress', str(p, 'ClientToken'), en.now, async () => {
        const e = await allocateEip(tx, en, {
        RegionId: scope.region,
        Bandwidth: str(p, 'Bandwidth'),
        InternetChargeType: str(p, 'InternetChargeType'),
        InstanceChargeType: str(p, 'InstanceChargeType'),
        ISP: str(p, 'ISP'),
        Netmode: str(p, 'Netmode'),
        Name: str(p, 'Name'),
        Description: str(p, 'Description'),
        ResourceGroupId: str(p, 'ResourceGroupId'),
        IpAddress: str(p, 'IpAddress'),
        Tag: p['Tag'],
        });
        return { AllocationId: e.AllocationId, EipAddress: e.IpAddress, ResourceGroupId: e.ResourceGroupId };
      }),
    );
  },
});

actions.define({
  name: 'AssociateEipAddress',
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'eip', 'AllocationId');
    await ctx.store.write((tx) =>
      associateEip(tx, scope, { AllocationId: str(p, 'AllocationId')!, InstanceId: str(p, 'InstanceId')!, InstanceType: str(p, 'InstanceType'), PrivateIpAddress: str(p, 'PrivateIpAddress') }),
    );
    return {};
  },
});

actions.define({
  name: 'UnassociateEipAddress',
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'eip', 'AllocationId');
    await ctx.store.write((tx) => unassociateEip(tx, scope, { AllocationId: str(p, 'AllocationId')!, InstanceId: str(p, 'InstanceId'), InstanceType: str(p, 'InstanceType') }));
    return {};
  },
});

actions.define({
  name: 'ReleaseEipAddress',
  async handler(ctx, p) {
    const scope = await resourceScope(ctx, p, 'eip', 'AllocationId');
    await ctx.store.write((tx) => releaseEip(tx, scope, str(p, 'AllocationId')!));
    return {};
  },
});

actions.define({
  name: 'DescribeEipAddresses',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, p);
    const pg = page(p, 100);
    const { where, rest } = tagQuery(readTags(p['Tag']));
    const w: Record<string, string | string[]> = { ...where };
    const addrs = splitList(str(p, 'EipAddress'));
    if (addrs.length) w['IpAddress'] = addrs;
    if (str(p, 'AssociatedInstanceId')) w['InstanceId'] = str(p, 'AssociatedInstanceId')!;
    const match: Record<string, string> = {};
    // AssociatedInstanceType has a documented default (EcsInstance) but filters only when given
    if (str(p, 'AssociatedInstanceId') && str(p, 'AssociatedInstanceType')) match['InstanceType'] = str(p, 'AssociatedInstanceType')!;
    for (const [param, field] of [['Status', 'Status'], ['ResourceGroupId', 'ResourceGroupId'], ['EipName', 'Name'], ['ChargeType', 'ChargeType'], ['ISP', 'ISP']] as const) {
      if (str(p, param)) match[field] = str(p, param)!;
    }
    const ids = splitList(str(p, 'AllocationId'));
    return ctx.store.read(async (tx) => {
      const { total, docs } = await pagedQuery<EipDoc>(tx, 'eip', scope, { where: w, match, ...(ids.length ? { ids } : {}) }, rest, pg);
      const list = [];
      for (const d of docs) list.push(eipView(await settled(tx, scope, d)));
      return dryRun(p, { TotalCount: total, PageNumber: pg.number, PageSize: pg.size, EipAddresses: list });
    });
  },
});

export const VPC = registerProduct({
  code: 'vpc',
  version: '2016-04-28',
  specs,
  action: (n) => actions.get(n),
  catalog: CATALOG_ENTRIES,
  // the `vpc` dependency down (docs/faults.md): every VPC action answers the product's own 503
  unavailable: () => VPC_ERRORS.error('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
});
