// Rules shared by the three kinds of server group: the default group of a load balancer
// (LoadBalancerDoc.BackendServers), vServer groups and master-slave groups. Pure: no HTTP.
// Decisions where the real service is not documented are in docs/server-groups.md.
import { apiError, fail, type ApiError } from '../../../errors/catalog.js';
import { listenersRead, observeAll, ofLoadBalancer } from './listeners.js';
import { intField, strField, type JsonList, type JsonScalar } from '../../../util/json-param.js';
import type { QueryRef, Scope, Tx } from '../../../state/store.js';
import { parseAnyIp } from '../../../world/ipv4.js';
import {
  KINDS,
  type BackendServerDoc,
  type InstanceDoc,
  type ListenerDoc,
  type LoadBalancerDoc,
  type MasterSlaveServerGroupDoc,
  type VServerGroupDoc,
} from './model.js';

/** More than this many distinct backend servers on one load balancer: the second TooManyBackendServers. */
export const MAX_SERVERS_PER_LOAD_BALANCER = 200;
/** Servers per call (the spec's maxItems; the first TooManyBackendServers). */
export const MAX_SERVERS_PER_CALL = 20;

export const SERVER_TYPES = ['ecs', 'eni', 'eci'] as const;
export type ServerType = (typeof SERVER_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Parameter errors (used in the actions' `errors` tables)

export const backendServersMalformed = (): ApiError => apiError('BackendServersMalformed', 'the specified parameter BackendServers is unavailable.');
export const tooManyInCall = (): ApiError => apiError('TooManyBackendServers', 'The total number of input real servers exceeds max supported number: 20');
const invalidServers = (): never => fail('InvalidParameter', 'The specified BackendServers is invalid.');
const invalidPort = (): never => fail('InvalidParameter', 'The specified BackendServers is invalid, as the Port value should be in [1, 65535].');

/** A server as a caller wrote it, checked for form only (no store). */
export interface ServerInput {
  ServerId: string;
  Type: ServerType;
  /** undefined = not given */
  Weight?: number;
  Port?: number;
  Description?: string;
  ServerIp?: string;
}

export type InputMode =
  /** default group: Port is not used */
  | 'default'
  /** vServer group: Port required, 1–65535 */
  | 'vserver';

function itemOf(raw: JsonList[number]): Record<string, JsonScalar> {
  if (typeof raw !== 'object' || raw === null) invalidServers();
  return raw as Record<string, JsonScalar>;
}

function weightOf(item: Record<string, JsonScalar>): number | undefined {
  const w = intField(item, 'Weight');
  if (w === undefined) return undefined;
  if (w === null || w < 0 || w > 100) fail('InvalidWeight.Malformed');
  return w;
}

function typeOf(item: Record<string, JsonScalar>): ServerType {
  const t = strField(item, 'Type');
  if (t === undefined || t === '') return 'ecs';
  const lower = t.toLowerCase();
  if (!(SERVER_TYPES as readonly string[]).includes(lower)) invalidServers();
  return lower as ServerType;
}

function descriptionOf(item: Record<string, JsonScalar>): string | undefined {
  const d = strField(item, 'Description');
  if (d === undefined) return undefined;
  if ([...d].length > 80) invalidServers();
  return d;
}

/**
 * Checks the form of a BackendServers list: ServerId present, Type in ecs/eni/eci, Weight 0–100,
 * Port 1–65535 (vServer groups), Description ≤ 80 characters, an ENI's ServerIp an IP address,
 * no server (and port) twice.
 */
export function readServers(list: JsonList, mode: InputMode): ServerInput[] {
  const out: ServerInput[] = [];
  const seen = new Set<string>();
  for (const raw of list) {
    const item = itemOf(raw);
    const id = strField(item, 'ServerId')?.trim();
    if (!id) fail('InvalidParameter', 'The VmName is emtpy.');
    const Type = typeOf(item);
    const Weight = weightOf(item);
    let Port: number | undefined;
    if (mode === 'vserver') {
      const p = intField(item, 'Port');
      if (p === undefined || p === null || p < 1 || p > 65535) invalidPort();
      Port = p as number;
    }
    const Description = descriptionOf(item);
    const ip = strField(item, 'ServerIp')?.trim();
    // the address an ENI backend is reached at must be an IP address (seed row 111)
    if (Type === 'eni' && ip && !parseAnyIp(ip)) fail('InvalidParameter', 'The vm address is not Support.');
    const key = (mode === 'vserver' ? `${id}:${Port}` : id) + (Type === 'eni' && ip ? `:${ip}` : '');
    if (seen.has(key)) invalidServers();
    seen.add(key);
    out.push({ ServerId: id, Type, Weight, Port, Description, ServerIp: ip || undefined });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Load balancer state checks

/** A locked load balancer refuses every change, with the reason it is locked for. */
export function assertUnlocked(lb: LoadBalancerDoc): void {
  if (lb.LoadBalancerStatus !== 'locked') return;
  if (lb.LockReason === 'security') fail('ActionNotAllowed', 'Locked for any Operate Reason.');
  fail('ActionNotAllowed', 'Locked for any Business Reason.');
}

interface RuleLike {
  RuleId: string;
  RuleName?: string;
  Domain?: string;
  Url?: string;
  LoadBalancerId: string;
  ListenerPort?: number;
  ListenerProtocol?: string;
  VServerGroupId?: string;
}

export async function listenersOf(tx: Tx, scope: Scope, lbId: string): Promise<ListenerDoc[]> {
  const r = listenersRead(scope, lbId);
  return (await tx.query<ListenerDoc>(r.kind, scope, r.query)).map((x) => x.doc);
}

export async function rulesOf(tx: Tx, scope: Scope, lbId: string): Promise<RuleLike[]> {
  return (await tx.query<RuleLike>(KINDS.rule, scope, ofLoadBalancer(lbId))).map((x) => x.doc);
}

const usesDefaultGroup = (l: ListenerDoc) => !l.VServerGroupId && !l.MasterSlaveServerGroupId;

/**
 * The busy error for a change to a group while a listener that forwards to it is itself changing
 * (the codes Terraform retries on), or undefined. Changes through the API are serialized by the
 * store, so concurrent calls never lose an update; these codes only appear while a listener's own
 * transition (starting / stopping / configuring, src/products/slb/services/listener-lifecycle.ts) is pending.
 * The listeners are observed first, as every call that looks at them does, and the observation
 * must be committed even when the call is refused: callers return the error out of their write
 * transaction and throw it afterwards.
 */
export async function groupBusy(tx: Tx, scope: Scope, lb: LoadBalancerDoc, group: { vServerGroupId?: string }, now: number): Promise<ApiError | undefined> {
  const listeners = await listenersOf(tx, scope, lb.LoadBalancerId);
  let users: ListenerDoc[];
  if (group.vServerGroupId) {
    const id = group.vServerGroupId;
    const rules = await rulesOf(tx, scope, lb.LoadBalancerId);
    const viaRule = new Set(rules.filter((r) => r.VServerGroupId === id).map((r) => `${r.ListenerPort}`));
    users = listeners.filter((l) => l.VServerGroupId === id || viaRule.has(`${l.ListenerPort}`));
  } else {
    users = listeners.filter(usesDefaultGroup);
  }
  await observeAll(tx, scope, users, now);
  if (users.some((l) => l.Status === 'stopping')) return apiError('ServiceIsStopping');
  if (group.vServerGroupId) {
    if (users.some((l) => l.Status === 'configuring' || l.Status === 'starting')) return apiError('VServerGroupProcessing');
    return undefined;
  }
  if (users.some((l) => l.Status === 'configuring')) return apiError('BackendServer.configuring');
  if (users.some((l) => l.Status === 'starting')) return apiError('ServiceIsConfiguring', 'A previous configuration is pending; please try again later.');
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What a load balancer already has attached, across its groups

export interface AttachedServer {
  ServerId: string;
}

export async function vServerGroupsOf(tx: Tx, scope: Scope, lbId: string): Promise<VServerGroupDoc[]> {
  return (await tx.query<VServerGroupDoc>(KINDS.vServerGroup, scope, ofLoadBalancer(lbId))).map((x) => x.doc);
}

export async function masterSlaveGroupsOf(tx: Tx, scope: Scope, lbId: string): Promise<MasterSlaveServerGroupDoc[]> {
  return (await tx.query<MasterSlaveServerGroupDoc>(KINDS.masterSlaveServerGroup, scope, ofLoadBalancer(lbId))).map((x) => x.doc);
}

/** Every backend entry of a load balancer (default group, vServer groups, master-slave groups). */
export async function attachedServers(tx: Tx, scope: Scope, lb: LoadBalancerDoc): Promise<AttachedServer[]> {
  const out: AttachedServer[] = [...(lb.BackendServers ?? [])];
  const [vsgs, msgs] = await Promise.all([vServerGroupsOf(tx, scope, lb.LoadBalancerId), masterSlaveGroupsOf(tx, scope, lb.LoadBalancerId)]);
  for (const g of vsgs) out.push(...g.BackendServers);
  for (const g of msgs) out.push(...g.MasterSlaveBackendServers);
  return out;
}

/**
 * The instances with these ids, by id, in one lookup (one statement, one round trip on
 * PostgreSQL, instead of one per id); ids that name no instance are absent.
 */
export async function instancesById(tx: Tx, scope: Scope, ids: readonly string[]): Promise<Map<string, InstanceDoc>> {
  const out = new Map<string, InstanceDoc>();
  if (!ids.length) return out;
  for (const { doc } of await tx.query<InstanceDoc>(KINDS.instance, scope, { ids })) out.set(doc.InstanceId, doc);
  return out;
}

/**
 * What a change of a load balancer's default group reads once it has the load balancer (for
 * Tx.prefetch, beside its get): the listeners (groupBusy) and, for servers to attach, the
 * instances and the groups (resolveForAttach).
 */
export function defaultGroupReads(scope: Scope, lbId: string, attaching: readonly string[]): QueryRef[] {
  const out = [listenersRead(scope, lbId)];
  if (attaching.length) {
    out.push(
      { kind: KINDS.instance, scope, query: { ids: attaching } },
      { kind: KINDS.vServerGroup, scope, query: ofLoadBalancer(lbId) },
      { kind: KINDS.masterSlaveServerGroup, scope, query: ofLoadBalancer(lbId) },
    );
  }
  return out;
}

const networkKey = (i: InstanceDoc) => (i.NetworkType === 'vpc' ? `vpc:${i.VpcId ?? ''}` : 'classic');

/**
 * Resolves servers to be attached against the world's instances and checks that the load
 * balancer can reach them. Returns each server's address. Order of checks: the instance exists
 * (404 InvalidServerId.NotFound), has the requested type, is running (ObtainIpFail) with an
 * address (InvalidParameter "The Rs IP is empty."), suits the load balancer's network (InvalidParameter … network type), and keeps
 * every backend of the load balancer in one VPC or all classic (InvalidBackendServers.Inconsistent);
 * finally the load balancer's server count (TooManyBackendServers).
 */
export async function resolveForAttach(
  tx: Tx,
  scope: Scope,
  lb: LoadBalancerDoc,
  servers: ServerInput[],
  /** entries the change removes first (Modify's old servers), not counted as attached */
  leaving: { ServerId: string }[] = [],
): Promise<Map<string, string>> {
  const ips = new Map<string, string>();
  // the instances and what the load balancer has attached, read at once (one round trip on
  // PostgreSQL); the checks below keep their order
  const [found, attachedAll] = await Promise.all([instancesById(tx, scope, servers.map((s) => s.ServerId)), attachedServers(tx, scope, lb)]);
  const instances = new Map<string, InstanceDoc>();
  for (const s of servers) {
    const inst = found.get(s.ServerId);
    if (!inst || inst.Type !== s.Type) fail('InvalidServerId.NotFound', 'The specified ServerId does not exist.');
    instances.set(s.ServerId, inst);
  }
  for (const s of servers) {
    const inst = instances.get(s.ServerId)!;
    if (inst.Status !== 'Running') fail('ObtainIpFail');
    // running but with no private address: the backend's IP cannot be obtained (seed row 107)
    if (!inst.PrivateIpAddress) fail('InvalidParameter', 'The Rs IP is empty.');
    // Secondary addresses of an ENI are not modelled: an ENI server may name any address.
    ips.set(s.ServerId, s.Type === 'eni' && s.ServerIp ? s.ServerIp : inst.PrivateIpAddress);
  }
  for (const inst of instances.values()) {
    if (lb.NetworkType === 'vpc' && inst.NetworkType !== 'vpc') fail('InvalidParameter', 'The specified load balancer does not support the network type of the ECS instance.');
    if (lb.NetworkType === 'classic' && lb.AddressType === 'intranet' && inst.NetworkType !== 'classic') {
      fail('InvalidParameter', 'The specified load balancer does not support the network type of the ECS instance.');
    }
  }
  // One network for every backend of the load balancer: its own VPC for a VPC instance.
  const leavingIds = new Set(leaving.map((l) => l.ServerId));
  const attached = attachedAll.filter((a) => !leavingIds.has(a.ServerId));
  const keys = new Set<string>();
  if (lb.NetworkType === 'vpc') keys.add(`vpc:${lb.VpcId}`);
  for (const inst of instances.values()) keys.add(networkKey(inst));
  const others = [...new Set(attached.map((a) => a.ServerId))].filter((id) => !instances.has(id));
  for (const inst of (await instancesById(tx, scope, others)).values()) keys.add(networkKey(inst));
  if (keys.size > 1) fail('InvalidBackendServers.Inconsistent');
  const distinct = new Set([...attached.map((a) => a.ServerId), ...servers.map((s) => s.ServerId)]);
  if (distinct.size > MAX_SERVERS_PER_LOAD_BALANCER) fail('TooManyBackendServers', 'The backend server parameter has too many entries.');
  return ips;
}

/** The stored form of an attached server. */
export function toDoc(s: ServerInput, ip: string, prev?: BackendServerDoc): BackendServerDoc {
  // an ENI entry keeps the address it names (several per ENI); others use the instance's
  const address = s.Type === 'eni' && s.ServerIp ? s.ServerIp : ip;
  const doc: BackendServerDoc = { ServerId: s.ServerId, Weight: s.Weight ?? prev?.Weight ?? 100, Type: s.Type, ServerIp: address };
  if (s.Port !== undefined) doc.Port = s.Port;
  const d = s.Description ?? prev?.Description;
  if (d !== undefined) doc.Description = d;
  return doc;
}

/** A member that is not there: the 400 form of InvalidServerId.NotFound. */
export function notAMember(): never {
  fail('InvalidServerId.NotFound', 'The specified server is not found.');
}

export const vServerGroupNotFound = (): never => fail('InvalidParameter', 'The specified VServerGroupId does not exist.');
export const masterSlaveGroupNotFound = (): never => fail('InvalidParameter', 'The specified MasterSlaveGroupId does not exist.');

// ---------------------------------------------------------------------------------------------
// Hooks for other families

/** Drops every server group of a load balancer (DeleteLoadBalancer). */
export async function dropServerGroupsOf(tx: Tx, scope: Scope, lbId: string): Promise<void> {
  for (const g of await vServerGroupsOf(tx, scope, lbId)) {
    await tx.delete(KINDS.vServerGroup, scope, g.VServerGroupId);
    await tx.delete('tags', scope, `vservergroup:${g.VServerGroupId}`);
  }
  for (const g of await masterSlaveGroupsOf(tx, scope, lbId)) {
    await tx.delete(KINDS.masterSlaveServerGroup, scope, g.MasterSlaveServerGroupId);
    await tx.delete('tags', scope, `masterslaveservergroup:${g.MasterSlaveServerGroupId}`);
  }
}

/** Removes a released instance from every default and vServer group in its scope (the world). */
export async function detachInstance(tx: Tx, scope: Scope, instanceId: string): Promise<void> {
  for (const { doc: lb } of await tx.query<LoadBalancerDoc>(KINDS.loadBalancer, scope, { where: { ServerId: instanceId } })) {
    await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, { ...lb, BackendServers: lb.BackendServers.filter((b) => b.ServerId !== instanceId) });
  }
  for (const { doc: g } of await tx.query<VServerGroupDoc>(KINDS.vServerGroup, scope, { where: { ServerId: instanceId } })) {
    await tx.put(KINDS.vServerGroup, scope, g.VServerGroupId, { ...g, BackendServers: g.BackendServers.filter((b) => b.ServerId !== instanceId) });
  }
}

/** A VServerGroupId a listener or rule wants to use: must exist on that load balancer. */
export async function requireVServerGroupOf(tx: Tx, scope: Scope, lbId: string, id: string): Promise<VServerGroupDoc> {
  const g = await tx.get<VServerGroupDoc>(KINDS.vServerGroup, scope, id);
  if (!g || g.LoadBalancerId !== lbId) vServerGroupNotFound();
  return g!;
}
