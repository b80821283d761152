// The world file (`openslb serve --world FILE`, `openslb world load FILE`, POST /_openslb/world/load):
// one JSON document describing VPCs, vSwitches, instances, resource groups, pools, stock and quotas.
// Loading is an upsert in one transaction: loading the same file twice changes nothing, a bad
// entry changes nothing at all. Schema: docs/world.md.
import type { InstanceDoc } from './world.js';
import type { Tx } from '../state/store.js';
import {
  createVpc,
  createVSwitch,
  ensureAccount,
  getSettings,
  putInstance,
  putSettings,
  requireKnownRegion,
  stableId,
  validatePool,
  validateQuotas,
  validateStock,
  WorldError,
  type AddressPool,
  type InstanceInput,
  type Quotas,
  type ResourceGroupDoc,
  type StockEntry,
  type VpcDoc,
  type VpcInput,
  type VSwitchDoc,
  type WorldSettings,
} from './world.js';
import { createLogProject, createLogStore, LogStoreRegistryError } from './log-stores.js';

export interface WorldFile {
  /** the account the VPCs, instances and resource groups belong to (default: the root account) */
  AccountId?: string;
  Vpcs?: VpcInput[];
  Instances?: InstanceInput[];
  ResourceGroups?: { Id?: string; Name: string; DisplayName?: string }[];
  Pools?: AddressPool[];
  Stock?: StockEntry[];
  Quotas?: Partial<Quotas>;
  AccountQuotas?: Record<string, Partial<Quotas>>;
  RegionSpecs?: Record<string, string[]>;
  UnavailableZones?: string[];
  UniqueLoadBalancerNames?: boolean;
  DefaultVpc?: boolean;
  DefaultVpcCidrBlock?: string;
  /** Log Service projects and their logstores (targets of access logs and the HD monitor) */
  LogProjects?: { RegionId: string; ProjectName: string; Description?: string; LogStores?: string[] }[];
}

const KNOWN = new Set(['AccountId', 'Vpcs', 'Instances', 'ResourceGroups', 'Pools', 'Stock', 'Quotas', 'AccountQuotas', 'RegionSpecs', 'UnavailableZones', 'UniqueLoadBalancerNames', 'DefaultVpc', 'DefaultVpcCidrBlock', 'LogProjects']);

const bad = (msg: string) => new WorldError(400, 'InvalidWorld', msg);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown, what: string): unknown[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad(`${what} must be a list`);
  return v;
};
const str = (o: Record<string, unknown>, k: string, what: string, optional = false): string | undefined => {
  const v = o[k];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') throw bad(`${what}: ${k} must be a non-empty string`);
  return v;
};

/** Settings fields of a world file merged over the current settings. */
export function mergeSettings(s: WorldSettings, w: Partial<WorldFile>): WorldSettings {
  const out = structuredClone(s);
  if (w.Pools !== undefined) {
    for (const p of arr(w.Pools, 'Pools')) validatePool(p as AddressPool);
    out.Pools = w.Pools;
  }
  if (w.Stock !== undefined) {
    for (const e of arr(w.Stock, 'Stock')) validateStock(e as StockEntry);
    out.Stock = w.Stock;
  }
  if (w.Quotas !== undefined) {
    if (!isObj(w.Quotas)) throw bad('Quotas must be an object');
    validateQuotas(w.Quotas);
    out.Quotas = { ...out.Quotas, ...w.Quotas };
  }
  if (w.AccountQuotas !== undefined) {
    if (!isObj(w.AccountQuotas)) throw bad('AccountQuotas must be an object');
    for (const [acct, q] of Object.entries(w.AccountQuotas)) {
      if (!isObj(q)) throw bad('AccountQuotas values must be objects');
      validateQuotas(q);
      out.AccountQuotas[acct] = { ...(out.AccountQuotas[acct] ?? {}), ...q };
    }
  }
  if (w.RegionSpecs !== undefined) {
    if (!isObj(w.RegionSpecs)) throw bad('RegionSpecs must be an object');
    for (const [r, specs] of Object.entries(w.RegionSpecs)) {
      requireKnownRegion(r);
      if (!Array.isArray(specs) || !specs.every((x) => typeof x === 'string')) throw bad('RegionSpecs values must be lists of spec names');
    }
    out.RegionSpecs = { ...out.RegionSpecs, ...w.RegionSpecs };
  }
  if (w.UnavailableZones !== undefined) {
    if (!Array.isArray(w.UnavailableZones) || !w.UnavailableZones.every((x) => typeof x === 'string')) throw bad('UnavailableZones must be a list of zone ids');
    out.UnavailableZones = w.UnavailableZones;
  }
  for (const k of ['UniqueLoadBalancerNames', 'DefaultVpc'] as const) {
    if (w[k] === undefined) continue;
    if (typeof w[k] !== 'boolean') throw bad(`${k} must be true or false`);
    out[k] = w[k];
  }
  if (w.DefaultVpcCidrBlock !== undefined) {
    if (typeof w.DefaultVpcCidrBlock !== 'string' || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(w.DefaultVpcCidrBlock)) throw bad('DefaultVpcCidrBlock must be an IPv4 CIDR block');
    out.DefaultVpcCidrBlock = w.DefaultVpcCidrBlock;
  }
  return out;
}

export interface LoadSummary {
  AccountId: string;
  Vpcs: number;
  VSwitches: number;
  Instances: number;
  ResourceGroups: number;
}

export async function applyWorld(tx: Tx, rootAccount: string, raw: unknown, now: string, newId: (p: string) => string): Promise<LoadSummary> {
  if (!isObj(raw)) throw bad('the world file must be a JSON object');
  for (const k of Object.keys(raw)) if (!KNOWN.has(k)) throw bad(`unknown top-level field "${k}"`);
  const w = raw as WorldFile;
  const account = w.AccountId ?? rootAccount;
  if (typeof account !== 'string' || !/^\d{1,32}$/.test(account)) throw bad('AccountId must be a numeric account id');
  await ensureAccount(tx, account, now);
  await putSettings(tx, mergeSettings(await getSettings(tx), w));
  const sum: LoadSummary = { AccountId: account, Vpcs: 0, VSwitches: 0, Instances: 0, ResourceGroups: 0 };

  for (const [i, g] of arr(w.ResourceGroups, 'ResourceGroups').entries()) {
    if (!isObj(g)) throw bad(`ResourceGroups[${i}] must be an object`);
    const name = str(g, 'Name', `ResourceGroups[${i}]`)!;
    const id = str(g, 'Id', `ResourceGroups[${i}]`, true) ?? stableId('rg-', 'resource-group', account, name);
    if (!/^rg-[A-Za-z0-9]{1,60}$/.test(id)) throw bad(`ResourceGroups[${i}]: Id must look like rg-…`);
    const scope = { account, region: '' };
    const prev = await tx.get<ResourceGroupDoc>('resourceGroup', scope, id);
    await tx.put<ResourceGroupDoc>('resourceGroup', scope, id, { Id: id, Name: name, DisplayName: (g['DisplayName'] as string | undefined) ?? name, AccountId: account, Status: 'OK', IsDefault: prev?.IsDefault ?? false, CreateDate: prev?.CreateDate ?? now });
    sum.ResourceGroups++;
  }

  for (const [i, v] of arr(w.Vpcs, 'Vpcs').entries()) {
    const what = `Vpcs[${i}]`;
    if (!isObj(v)) throw bad(`${what} must be an object`);
    const region = requireKnownRegion(str(v, 'RegionId', what)).RegionId;
    const scope = { account, region };
    const vpcId = str(v, 'VpcId', what)!;
    const cidr = str(v, 'CidrBlock', what)!;
    const existing = await tx.get<VpcDoc>('vpc', scope, vpcId);
    if (existing) {
      if (existing.CidrBlock !== cidr) throw new WorldError(409, 'CidrConflict', `${what}: VPC ${vpcId} exists with CidrBlock ${existing.CidrBlock}`);
      if (v['Status'] !== undefined) existing.Status = v['Status'] as VpcDoc['Status'];
      if (typeof v['VpcName'] === 'string') existing.VpcName = v['VpcName'];
      await tx.put('vpc', scope, vpcId, existing);
    } else {
      await createVpc(tx, account, { VpcId: vpcId, RegionId: region, CidrBlock: cidr, VpcName: v['VpcName'] as string | undefined, Status: v['Status'] as VpcDoc['Status'] | undefined }, now, newId);
    }
    sum.Vpcs++;
    for (const [j, s] of arr(v['VSwitches'], `${what}.VSwitches`).entries()) {
      const wj = `${what}.VSwitches[${j}]`;
      if (!isObj(s)) throw bad(`${wj} must be an object`);
      const id = str(s, 'VSwitchId', wj)!;
      const zone = str(s, 'ZoneId', wj)!;
      const block = str(s, 'CidrBlock', wj)!;
      const prev = await tx.get<VSwitchDoc>('vswitch', scope, id);
      if (prev) {
        if (prev.VpcId !== vpcId || prev.ZoneId !== zone || prev.CidrBlock !== block) throw new WorldError(409, 'VSwitchConflict', `${wj}: vSwitch ${id} exists with other attributes`);
      } else {
        await createVSwitch(tx, account, region, { VSwitchId: id, VpcId: vpcId, ZoneId: zone, CidrBlock: block, VSwitchName: s['VSwitchName'] as string | undefined }, now, newId);
      }
      sum.VSwitches++;
    }
  }

  for (const [i, inst] of arr(w.Instances, 'Instances').entries()) {
    const what = `Instances[${i}]`;
    if (!isObj(inst)) throw bad(`${what} must be an object`);
    str(inst, 'InstanceId', what);
    str(inst, 'RegionId', what);
    str(inst, 'PrivateIpAddress', what);
    try {
      await putInstance(tx, account, inst as unknown as InstanceInput, now, newId, true);
    } catch (e) {
      if (e instanceof WorldError) throw new WorldError(e.status, e.code, `${what}: ${e.message}`);
      throw e;
    }
    sum.Instances++;
  }

  for (const [i, lp] of arr(w.LogProjects, 'LogProjects').entries()) {
    const what = `LogProjects[${i}]`;
    if (!isObj(lp)) throw bad(`${what} must be an object`);
    const scope = { account, region: requireKnownRegion(str(lp, 'RegionId', what)).RegionId };
    const name = str(lp, 'ProjectName', what)!;
    try {
      await createLogProject(tx, scope, name, now, typeof lp['Description'] === 'string' ? lp['Description'] : '');
      for (const st of arr(lp['LogStores'], `${what}.LogStores`)) await createLogStore(tx, scope, name, String(st));
    } catch (e) {
      if (e instanceof LogStoreRegistryError) throw bad(`${what}: ${e.message}`);
      throw e;
    }
  }
  return sum;
}

export type { InstanceDoc };
