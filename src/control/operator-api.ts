// The operator HTTP API: manages the world (VPCs, vSwitches, instances, resource groups, pools,
// stock, quotas, settings) and test hooks (lock a load balancer), under /_openslb/, off the RPC path.
// Authenticated with the operator token (Authorization: Bearer …) created at first start in the
// data dir; answers only loopback peers unless `allowRemote`. Reference: docs/world.md.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KINDS, type InstanceDoc, type LoadBalancerDoc } from '../products/slb/services/model.js';
import { registerCommerceRoutes } from './commerce-api.js';
import { addOperatorRoute, jsonObjectBody as body, OPERATOR_PREFIX, type OperatorHandler, type OperatorMethod } from './operator-http.js';
import { GLOBAL, type Store, type Tx } from '../state/store.js';
import { isoSeconds, type Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import type { Account } from '../world/accounts.js';
import { REGIONS } from '../world/regions.js';
import { applyWorld, mergeSettings } from '../world/world-file.js';
import { createLogProject, createLogStore, deleteLogProject, deleteLogStore, getLogProject, listLogProjects, LogStoreRegistryError } from '../world/log-stores.js';
import {
  createVpc,
  createVSwitch,
  deleteVpc,
  deleteVSwitch,
  ensureAccount,
  ensureRegion,
  getSettings,
  listResourceGroups,
  putInstance,
  putSettings,
  requireKnownRegion,
  setVpcStatus,
  stableId,
  vswitchAvailableIps,
  deleteInstance,
  WorldError,
  type AddressLease,
  type ResourceGroupDoc,
  type VpcDoc,
  type VSwitchDoc,
  type WorldSettings,
} from '../world/world.js';

export { OPERATOR_PREFIX };
const TOKEN_FILE = 'operator-token';

/** The operator token: env/config value, else the stored one, else a new one (generated: true). */
export function ensureOperatorToken(dataDir: string, fixed?: string): { token: string; generated: boolean; file: string } {
  const file = join(dataDir, TOKEN_FILE);
  if (fixed) return { token: fixed, generated: false, file };
  if (existsSync(file)) {
    const t = readFileSync(file, 'utf8').trim();
    if (t) return { token: t, generated: false, file };
  }
  const token = `osop_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true, file };
}

export interface OperatorApiOptions {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  token: string;
  rootAccountId: string;
  /** answer non-loopback peers too (default false) */
  allowRemote?: boolean;
}

export function registerOperatorApi(app: FastifyInstance, o: OperatorApiOptions): void {
  const now = () => isoSeconds(o.clock.now());
  const newId = (prefix: string) => o.ids.next(prefix, 20);

  const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;

  const account = async (tx: Tx, req: FastifyRequest): Promise<string> => {
    const id = q(req)['AccountId'] ?? o.rootAccountId;
    if (id !== o.rootAccountId && !(await tx.get<Account>('account', GLOBAL, id))) throw new WorldError(404, 'AccountNotFound', `no account ${id}`);
    await ensureAccount(tx, id, now());
    return id;
  };
  const regionsOf = (req: FastifyRequest): string[] => {
    const r = q(req)['RegionId'];
    return r ? [requireKnownRegion(r).RegionId] : REGIONS.filter((x) => x.slbSupported).map((x) => x.RegionId);
  };

  const route = (method: OperatorMethod, url: string, h: OperatorHandler, write = true) => addOperatorRoute(app, o, method, url, h, { write });

  const vpcView = async (tx: Tx, acct: string, region: string, v: VpcDoc) => {
    const scope = { account: acct, region };
    const vsws = (await tx.query<VSwitchDoc>(KINDS.vswitch, scope, { where: { VpcId: v.VpcId } })).map((r) => r.doc);
    return { ...v, VSwitchIds: vsws.map((s) => s.VSwitchId) };
  };
  const vswView = async (tx: Tx, acct: string, s: VSwitchDoc) => ({ ...s, AvailableIpAddressCount: await vswitchAvailableIps(tx, { account: acct, region: s.RegionId }, s) });

  // -- whole world
  route('GET', '/world', async (req, tx) => {
    const acct = await account(tx, req);
    const Vpcs = [];
    const Instances = [];
    for (const region of regionsOf(req)) {
      const scope = { account: acct, region };
      for (const v of await tx.list<VpcDoc>(KINDS.vpc, scope)) {
        const vs = (await tx.query<VSwitchDoc>(KINDS.vswitch, scope, { where: { VpcId: v.VpcId } })).map((r) => r.doc);
        Vpcs.push({ ...v, VSwitches: vs.map((s) => ({ VSwitchId: s.VSwitchId, ZoneId: s.ZoneId, CidrBlock: s.CidrBlock, VSwitchName: s.VSwitchName })) });
      }
      Instances.push(...(await tx.list<InstanceDoc>(KINDS.instance, scope)));
    }
    const s = await getSettings(tx);
    return { AccountId: acct, Vpcs, Instances, ResourceGroups: await listResourceGroups(tx, acct), ...s };
  });
  route('POST', '/world/load', async (req, tx) => applyWorld(tx, q(req)['AccountId'] ?? o.rootAccountId, body(req), now(), newId));

  // -- VPCs
  route('GET', '/world/vpcs', async (req, tx) => {
    const acct = await account(tx, req);
    const out = [];
    for (const region of regionsOf(req)) {
      const scope = { account: acct, region };
      if (q(req)['RegionId']) await ensureRegion(tx, scope, now());
      for (const v of await tx.list<VpcDoc>(KINDS.vpc, scope)) out.push(await vpcView(tx, acct, region, v));
    }
    return { Vpcs: out };
  });
  route('POST', '/world/vpcs', async (req, tx) => {
    const acct = await account(tx, req);
    const b = body(req);
    const vpc = await createVpc(tx, acct, b as never, now(), newId);
    return vpcView(tx, acct, vpc.RegionId, vpc);
  });
  route('PATCH', '/world/vpcs/:RegionId/:VpcId', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, VpcId } = req.params as Record<string, string>;
    const b = body(req);
    return setVpcStatus(tx, acct, requireKnownRegion(RegionId).RegionId, VpcId!, b['Status'] as VpcDoc['Status']);
  });
  route('DELETE', '/world/vpcs/:RegionId/:VpcId', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, VpcId } = req.params as Record<string, string>;
    await deleteVpc(tx, acct, requireKnownRegion(RegionId).RegionId, VpcId!, q(req)['purge'] === 'true');
    return {};
  });

  // -- vSwitches
  route('GET', '/world/vswitches', async (req, tx) => {
    const acct = await account(tx, req);
    const out = [];
    for (const region of regionsOf(req)) {
      const scope = { account: acct, region };
      if (q(req)['RegionId']) await ensureRegion(tx, scope, now());
      for (const s of await tx.list<VSwitchDoc>(KINDS.vswitch, scope)) if (!q(req)['VpcId'] || s.VpcId === q(req)['VpcId']) out.push(await vswView(tx, acct, s));
    }
    return { VSwitches: out };
  });
  route('POST', '/world/vswitches', async (req, tx) => {
    const acct = await account(tx, req);
    const b = body(req);
    const region = requireKnownRegion(b['RegionId'] as string).RegionId;
    return vswView(tx, acct, await createVSwitch(tx, acct, region, b as never, now(), newId));
  });
  route('DELETE', '/world/vswitches/:RegionId/:VSwitchId', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, VSwitchId } = req.params as Record<string, string>;
    await deleteVSwitch(tx, acct, requireKnownRegion(RegionId).RegionId, VSwitchId!);
    return {};
  });

  // -- instances
  route('GET', '/world/instances', async (req, tx) => {
    const acct = await account(tx, req);
    const out = [];
    for (const region of regionsOf(req)) out.push(...(await tx.list<InstanceDoc>(KINDS.instance, { account: acct, region })));
    return { Instances: out };
  });
  route('POST', '/world/instances', async (req, tx) => putInstance(tx, await account(tx, req), body(req) as never, now(), newId));
  route('PATCH', '/world/instances/:RegionId/:InstanceId', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, InstanceId } = req.params as Record<string, string>;
    const region = requireKnownRegion(RegionId).RegionId;
    const cur = await tx.get<InstanceDoc>(KINDS.instance, { account: acct, region }, InstanceId!);
    if (!cur) throw new WorldError(404, 'InstanceNotFound', `no instance ${InstanceId} in ${region}`);
    const b = body(req);
    return putInstance(tx, acct, { ...cur, ...b, InstanceId: cur.InstanceId, RegionId: region } as never, now(), newId, true);
  });
  route('DELETE', '/world/instances/:RegionId/:InstanceId', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, InstanceId } = req.params as Record<string, string>;
    const ok = await deleteInstance(tx, { account: acct, region: requireKnownRegion(RegionId).RegionId }, InstanceId!);
    if (!ok) throw new WorldError(404, 'InstanceNotFound', `no instance ${InstanceId} in ${RegionId}`);
    return {};
  });

  // -- resource groups
  route('GET', '/world/resource-groups', async (req, tx) => ({ ResourceGroups: await listResourceGroups(tx, await account(tx, req)) }));
  route('POST', '/world/resource-groups', async (req, tx) => {
    const acct = await account(tx, req);
    const b = body(req);
    const name = b['Name'];
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/.test(name)) throw new WorldError(400, 'InvalidName', 'Name: 1–50 letters, digits, ".", "_" or "-"');
    const id = typeof b['Id'] === 'string' ? b['Id'] : stableId('rg-', 'resource-group', acct, name);
    const scope = { account: acct, region: '' };
    if (await tx.get('resourceGroup', scope, id)) throw new WorldError(409, 'ResourceGroupExists', `resource group ${id} exists`);
    const doc: ResourceGroupDoc = { Id: id, Name: name, DisplayName: typeof b['DisplayName'] === 'string' ? b['DisplayName'] : name, AccountId: acct, Status: 'OK', IsDefault: false, CreateDate: now() };
    await tx.put('resourceGroup', scope, id, doc);
    return doc;
  });

  // -- pools, stock, quotas, settings
  const settingsRoute = (url: string, pick: (s: WorldSettings) => unknown, fields: (keyof WorldSettings)[]) => {
    route('GET', url, async (_req, tx) => pick(await getSettings(tx)), false);
    route('PUT', url, async (req, tx) => {
      const b = body(req);
      for (const k of Object.keys(b)) if (!fields.includes(k as keyof WorldSettings)) throw new WorldError(400, 'UnknownField', `unknown field ${k}; expected ${fields.join(', ')}`);
      const s = mergeSettings(await getSettings(tx), b);
      await putSettings(tx, s);
      return pick(s);
    });
  };
  settingsRoute('/world/pools', (s) => ({ Pools: s.Pools }), ['Pools']);
  settingsRoute('/world/stock', (s) => ({ Stock: s.Stock }), ['Stock']);
  settingsRoute('/world/quotas', (s) => ({ Quotas: s.Quotas, AccountQuotas: s.AccountQuotas }), ['Quotas', 'AccountQuotas']);
  settingsRoute(
    '/world/settings',
    (s) => ({ UniqueLoadBalancerNames: s.UniqueLoadBalancerNames, RegionSpecs: s.RegionSpecs, UnavailableZones: s.UnavailableZones, DefaultVpc: s.DefaultVpc, DefaultVpcCidrBlock: s.DefaultVpcCidrBlock }),
    ['UniqueLoadBalancerNames', 'RegionSpecs', 'UnavailableZones', 'DefaultVpc', 'DefaultVpcCidrBlock'],
  );
  route('GET', '/world/leases', async (_req, tx) => ({ Leases: await tx.list<AddressLease>('addressLease', GLOBAL) }), false);

  // -- Log Service projects and logstores (targets of access-log attributes and the HD monitor)
  const logStores = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof LogStoreRegistryError) throw new WorldError(400, 'InvalidLogStore', e.message);
      throw e;
    }
  };
  route('GET', '/world/log-projects', async (req, tx) => {
    const acct = await account(tx, req);
    const out = [];
    for (const region of regionsOf(req)) for (const d of await listLogProjects(tx, { account: acct, region })) out.push({ RegionId: region, ...d });
    return { LogProjects: out };
  }, false);
  route('POST', '/world/log-projects', async (req, tx) => {
    const acct = await account(tx, req);
    const b = body(req);
    const region = requireKnownRegion(b['RegionId'] as string).RegionId;
    const scope = { account: acct, region };
    const name = String(b['ProjectName'] ?? '');
    const stores = Array.isArray(b['LogStores']) ? b['LogStores'].map(String) : [];
    return logStores(async () => {
      await createLogProject(tx, scope, name, now(), typeof b['Description'] === 'string' ? b['Description'] : '');
      for (const st of stores) await createLogStore(tx, scope, name, st);
      return { RegionId: region, ...(await getLogProject(tx, scope, name)) };
    });
  });
  route('DELETE', '/world/log-projects/:RegionId/:ProjectName', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, ProjectName } = req.params as Record<string, string>;
    if (!(await deleteLogProject(tx, { account: acct, region: requireKnownRegion(RegionId).RegionId }, ProjectName!))) throw new WorldError(404, 'LogProjectNotFound', `no log project ${ProjectName} in ${RegionId}`);
    return {};
  });
  route('POST', '/world/log-projects/:RegionId/:ProjectName/logstores', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, ProjectName } = req.params as Record<string, string>;
    const region = requireKnownRegion(RegionId).RegionId;
    const scope = { account: acct, region };
    if (!(await getLogProject(tx, scope, ProjectName!))) throw new WorldError(404, 'LogProjectNotFound', `no log project ${ProjectName} in ${region}`);
    const d = await logStores(() => createLogStore(tx, scope, ProjectName!, String(body(req)['LogStoreName'] ?? '')));
    return { RegionId: region, ...d };
  });
  route('DELETE', '/world/log-projects/:RegionId/:ProjectName/logstores/:LogStoreName', async (req, tx) => {
    const acct = await account(tx, req);
    const { RegionId, ProjectName, LogStoreName } = req.params as Record<string, string>;
    if (!(await deleteLogStore(tx, { account: acct, region: requireKnownRegion(RegionId).RegionId }, ProjectName!, LogStoreName!))) throw new WorldError(404, 'LogStoreNotFound', `no logstore ${LogStoreName} in ${ProjectName}`);
    return {};
  });

  // -- load balancer test hooks
  route('PUT', '/load-balancers/:LoadBalancerId/lock', async (req, tx) => {
    const acct = await account(tx, req);
    const { LoadBalancerId } = req.params as Record<string, string>;
    const found = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, acct, LoadBalancerId!);
    if (!found) throw new WorldError(404, 'LoadBalancerNotFound', `no load balancer ${LoadBalancerId}`);
    const b = body(req);
    const lb = found.doc;
    if (b['Locked'] === true) {
      const reason = b['Reason'] ?? 'financial';
      if (reason !== 'financial' && reason !== 'security') throw new WorldError(400, 'InvalidReason', 'Reason must be financial or security');
      lb.LoadBalancerStatus = 'locked';
      lb.LockReason = reason;
    } else if (b['Locked'] === false) {
      lb.LoadBalancerStatus = 'active';
      delete lb.LockReason;
    } else throw new WorldError(400, 'InvalidLocked', 'Locked must be true or false');
    await tx.put(KINDS.loadBalancer, { account: acct, region: found.region }, lb.LoadBalancerId, lb);
    return { LoadBalancerId: lb.LoadBalancerId, LoadBalancerStatus: lb.LoadBalancerStatus, LockReason: lb.LockReason ?? '' };
  });

  // -- commerce (src/control/commerce-api.ts, docs/commerce.md)
  registerCommerceRoutes({ route, body, now: () => o.clock.now(), clock: o.clock, newId, rootAccountId: o.rootAccountId });

  app.all(`${OPERATOR_PREFIX}/*`, async (_req, reply) => reply.status(404).send({ Code: 'NotFound', Message: 'no such operator endpoint' }));
}

/** Loads a world file at start (as the root account unless the file names another). */
export async function loadWorldFile(store: Store, file: string, rootAccountId: string, clock: Clock, ids: IdGenerator): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--world ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    await store.write((tx) => applyWorld(tx, rootAccountId, raw, isoSeconds(clock.now()), (p) => ids.next(p, 20)));
  } catch (e) {
    if (e instanceof WorldError) throw new Error(`--world ${file}: ${e.message}`);
    throw e;
  }
}

