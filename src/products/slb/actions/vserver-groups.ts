// vServer groups: CreateVServerGroup, DeleteVServerGroup, DescribeVServerGroups,
// DescribeVServerGroupAttribute, SetVServerGroupAttribute, Add/Remove/ModifyVServerGroupBackendServers.
// Rules in src/products/slb/services/server-groups.ts; decisions in docs/server-groups.md.
import { ApiError, fail } from '../../../errors/catalog.js';
import { KINDS, requireLoadBalancer, type BackendServerDoc, type LoadBalancerDoc, type VServerGroupDoc } from '../services/model.js';
import { scopeOf } from '../services/scope.js';
import {
  assertUnlocked,
  backendServersMalformed,
  groupBusy,
  listenersOf,
  notAMember,
  readServers,
  resolveForAttach,
  rulesOf,
  toDoc,
  tooManyInCall,
  vServerGroupNotFound,
  vServerGroupsOf,
  type ServerInput,
} from '../services/server-groups.js';
import { dropTags, getTags, hasAllTags, putTags, validateTagSet } from '../services/tags.js';
import type { Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import type { JsonList } from '../../../util/json-param.js';
import { defineAction, type Ctx } from '../registry.js';

const serversParam = { malformed: backendServersMalformed, tooMany: tooManyInCall };

type EntryKey = { ServerId: string; Port?: number; Type?: string; ServerIp?: string };
/**
 * Whether a stored entry is the one an input names: same server and port, and for an ENI also the
 * same address when the input gives one (the CCM's ENI mode puts several pods of one ENI, each
 * with its own secondary address, on the same port).
 */
const sameEntry = (stored: EntryKey, input: EntryKey) =>
  stored.ServerId === input.ServerId && stored.Port === input.Port && (stored.Type !== 'eni' || !input.ServerIp || stored.ServerIp === input.ServerIp);

/** A group entry as the mutation responses list it. */
function entry(s: BackendServerDoc, withIp = false) {
  return {
    ServerId: s.ServerId,
    Port: s.Port,
    Weight: s.Weight,
    Type: s.Type,
    ...(withIp && s.ServerIp !== undefined ? { ServerIp: s.ServerIp } : {}),
    ...(s.Description !== undefined ? { Description: s.Description } : {}),
  };
}
const listed = (servers: BackendServerDoc[], withIp = false) => ({ BackendServer: servers.map((s) => entry(s, withIp)) });
const tagList = (tags: { Key: string; Value: string }[]) => ({ Tag: tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value })) });

/** The group a call names, in the region it names, with its load balancer. */
async function requireGroup(tx: Tx, ctx: Ctx, region: string | undefined, id: string): Promise<{ scope: Scope; group: VServerGroupDoc; lb: LoadBalancerDoc }> {
  const scope = scopeOf(ctx, region ?? '');
  const group = await tx.get<VServerGroupDoc>(KINDS.vServerGroup, scope, id);
  if (!group) vServerGroupNotFound();
  const lb = await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scope, group!.LoadBalancerId);
  if (!lb) vServerGroupNotFound();
  return { scope, group: group!, lb: lb! };
}

/**
 * Adds or replaces entries (key: ServerId + Port); an entry already there keeps what the input
 * leaves out (Weight, Description). `previous(s, n)` names the entry a replacement inherits from.
 */
function upsert(current: BackendServerDoc[], input: ServerInput[], ips: Map<string, string>, previous: (s: ServerInput, n: number) => BackendServerDoc | undefined = () => undefined): BackendServerDoc[] {
  const next = current.map((b) => ({ ...b }));
  for (const [n, s] of input.entries()) {
    const i = next.findIndex((b) => sameEntry(b, s));
    const prev = i >= 0 ? next[i] : previous(s, n);
    const doc = toDoc(s, ips.get(s.ServerId)!, prev);
    if (i >= 0) next[i] = doc;
    else next.push(doc);
  }
  return next;
}

defineAction({
  name: 'CreateVServerGroup',
  errors: { BackendServers: serversParam },
  async handler(ctx, p) {
    const input = p.BackendServers ? readServers(p.BackendServers, 'vserver') : [];
    const tags = validateTagSet((p.Tag ?? []).filter((t) => t.Key !== undefined || t.Value !== undefined));
    return ctx.store.write(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      assertUnlocked(lb);
      const ips = input.length ? await resolveForAttach(tx, scope, lb, input) : new Map<string, string>();
      const group: VServerGroupDoc = {
        VServerGroupId: ctx.ids.next('rsp-', 10),
        VServerGroupName: p.VServerGroupName ?? '',
        LoadBalancerId: lb.LoadBalancerId,
        CreateTime: isoSeconds(ctx.clock.now()),
        BackendServers: upsert([], input, ips),
      };
      await tx.put(KINDS.vServerGroup, scope, group.VServerGroupId, group);
      if (tags.length) await putTags(tx, scope, 'vservergroup', group.VServerGroupId, tags);
      return { VServerGroupId: group.VServerGroupId, BackendServers: listed(group.BackendServers) };
    });
  },
});

defineAction({
  name: 'DeleteVServerGroup',
  async handler(ctx, p) {
    return ctx.store.write(async (tx) => {
      const { scope, group, lb } = await requireGroup(tx, ctx, p.RegionId, p.VServerGroupId);
      assertUnlocked(lb);
      const listeners = await listenersOf(tx, scope, lb.LoadBalancerId);
      if (listeners.some((l) => l.VServerGroupId === group.VServerGroupId)) fail('RspoolVipExist');
      const rules = await rulesOf(tx, scope, lb.LoadBalancerId);
      if (rules.some((r) => r.VServerGroupId === group.VServerGroupId)) fail('RspoolRuleExist');
      await tx.delete(KINDS.vServerGroup, scope, group.VServerGroupId);
      await dropTags(tx, scope, 'vservergroup', group.VServerGroupId);
      return {};
    });
  },
});

defineAction({
  name: 'DescribeVServerGroups',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      const filter = (p.Tag ?? []).filter((t): t is { Key: string; Value?: string } => !!t.Key);
      const listeners = p.IncludeListener ? await listenersOf(tx, scope, lb.LoadBalancerId) : [];
      const rules = p.IncludeRule ? await rulesOf(tx, scope, lb.LoadBalancerId) : [];
      const out = [];
      for (const g of await vServerGroupsOf(tx, scope, lb.LoadBalancerId)) {
        const tags = await getTags(tx, scope, 'vservergroup', g.VServerGroupId);
        if (filter.length && !hasAllTags(tags, filter)) continue;
        out.push({
          VServerGroupId: g.VServerGroupId,
          VServerGroupName: g.VServerGroupName,
          ServerCount: g.BackendServers.length,
          CreateTime: g.CreateTime,
          AssociatedObjects: {
            Listeners: {
              Listener: listeners
                .filter((l) => l.VServerGroupId === g.VServerGroupId)
                .sort((a, b) => a.ListenerPort - b.ListenerPort)
                .map((l) => ({ Port: l.ListenerPort, Protocol: l.ListenerProtocol })),
            },
            Rules: {
              Rule: rules
                .filter((r) => r.VServerGroupId === g.VServerGroupId)
                .map((r) => ({ RuleId: r.RuleId, RuleName: r.RuleName ?? '', Domain: r.Domain ?? '', Url: r.Url ?? '' })),
            },
          },
          Tags: tagList(tags),
        });
      }
      return { VServerGroups: { VServerGroup: out } };
    });
  },
});

defineAction({
  name: 'DescribeVServerGroupAttribute',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const { scope, group } = await requireGroup(tx, ctx, p.RegionId, p.VServerGroupId);
      return {
        VServerGroupId: group.VServerGroupId,
        VServerGroupName: group.VServerGroupName,
        LoadBalancerId: group.LoadBalancerId,
        CreateTime: group.CreateTime,
        BackendServers: listed(group.BackendServers, true),
        Tags: tagList(await getTags(tx, scope, 'vservergroup', group.VServerGroupId)),
      };
    });
  },
});

/** Runs a change of a group's servers in one transaction (locked and busy checks first). */
async function changeServers(ctx: Ctx, region: string | undefined, id: string, change: (group: VServerGroupDoc, lb: LoadBalancerDoc, tx: Tx, scope: Scope) => Promise<BackendServerDoc[]>) {
  const out = await ctx.store.write(async (tx) => {
    const { scope, group, lb } = await requireGroup(tx, ctx, region, id);
    assertUnlocked(lb);
    // returned, not thrown, so that the listeners' observation is committed (see groupBusy)
    const busy = await groupBusy(tx, scope, lb, { vServerGroupId: group.VServerGroupId }, ctx.clock.now());
    if (busy) return busy;
    const next = await change(group, lb, tx, scope);
    await tx.put(KINDS.vServerGroup, scope, group.VServerGroupId, { ...group, BackendServers: next });
    return { VServerGroupId: group.VServerGroupId, BackendServers: listed(next) };
  });
  if (out instanceof ApiError) throw out;
  return out;
}

function requireMembers(group: VServerGroupDoc, input: { ServerId: string; Port?: number }[]): void {
  if (group.BackendServers.length === 0) fail('VServerGroupEmpty');
  for (const s of input) if (!group.BackendServers.some((b) => sameEntry(b, s))) notAMember();
}

/** An absent or empty BackendServers (Terraform's trailing chunk) changes nothing. */
async function unchanged(ctx: Ctx, region: string | undefined, id: string) {
  return ctx.store.read(async (tx) => {
    const { group } = await requireGroup(tx, ctx, region, id);
    return { VServerGroupId: group.VServerGroupId, BackendServers: listed(group.BackendServers) };
  });
}

const isEmpty = (l: JsonList | undefined) => !l || l.length === 0;

defineAction({
  name: 'AddVServerGroupBackendServers',
  errors: { BackendServers: { ...serversParam, absentOk: true } },
  async handler(ctx, p) {
    if (isEmpty(p.BackendServers)) return unchanged(ctx, p.RegionId, p.VServerGroupId);
    const input = readServers(p.BackendServers, 'vserver');
    return changeServers(ctx, p.RegionId, p.VServerGroupId, async (group, lb, tx, scope) => {
      const ips = await resolveForAttach(tx, scope, lb, input);
      return upsert(group.BackendServers, input, ips);
    });
  },
});

defineAction({
  name: 'RemoveVServerGroupBackendServers',
  errors: { BackendServers: { ...serversParam, absentOk: true } },
  async handler(ctx, p) {
    if (isEmpty(p.BackendServers)) return unchanged(ctx, p.RegionId, p.VServerGroupId);
    const input = readServers(p.BackendServers, 'vserver');
    return changeServers(ctx, p.RegionId, p.VServerGroupId, async (group) => {
      requireMembers(group, input);
      return group.BackendServers.filter((b) => !input.some((s) => sameEntry(b, s)));
    });
  },
});

defineAction({
  name: 'ModifyVServerGroupBackendServers',
  errors: { OldBackendServers: serversParam, NewBackendServers: serversParam },
  async handler(ctx, p) {
    if (isEmpty(p.OldBackendServers)) fail('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name: 'OldBackendServers' });
    if (isEmpty(p.NewBackendServers)) fail('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name: 'NewBackendServers' });
    const oldOnes = readServers(p.OldBackendServers!, 'vserver');
    const newOnes = readServers(p.NewBackendServers!, 'vserver');
    return changeServers(ctx, p.RegionId, p.VServerGroupId, async (group, lb, tx, scope) => {
      requireMembers(group, oldOnes);
      const removed = oldOnes.map((o) => group.BackendServers.find((b) => sameEntry(b, o))!);
      const kept = group.BackendServers.filter((b) => !oldOnes.some((s) => sameEntry(b, s)));
      const ips = await resolveForAttach(tx, scope, lb, newOnes);
      // A new server inherits what it leaves out from the old one it replaces: the same server and
      // port, else the same server at the same position of equally long lists (a port move).
      const paired = (s: ServerInput, n: number) =>
        removed.find((b) => sameEntry(b, s)) ?? (oldOnes.length === newOnes.length && removed[n]?.ServerId === s.ServerId ? removed[n] : undefined);
      return upsert(kept, newOnes, ips, paired);
    });
  },
});

defineAction({
  name: 'SetVServerGroupAttribute',
  errors: { BackendServers: serversParam },
  async handler(ctx, p) {
    const name = p.VServerGroupName;
    if (name !== undefined && name !== '' && [...name].length > 80) fail('InvalidParameterLength', 'The specified parameter length is not valid.');
    const input = isEmpty(p.BackendServers) ? [] : readServers(p.BackendServers!, 'vserver');
    const out = await ctx.store.write(async (tx) => {
      const { scope, group, lb } = await requireGroup(tx, ctx, p.RegionId, p.VServerGroupId);
      const next: VServerGroupDoc = { ...group, BackendServers: group.BackendServers.map((b) => ({ ...b })) };
      if (name) next.VServerGroupName = name;
      if (input.length || name) assertUnlocked(lb);
      if (input.length) {
        const busy = await groupBusy(tx, scope, lb, { vServerGroupId: group.VServerGroupId }, ctx.clock.now());
        if (busy) return busy;
        requireMembers(group, input);
        for (const s of input) {
          const cur = next.BackendServers.find((b) => sameEntry(b, s))!;
          if (s.Weight !== undefined) cur.Weight = s.Weight;
          if (s.Description !== undefined) cur.Description = s.Description;
        }
      }
      await tx.put(KINDS.vServerGroup, scope, group.VServerGroupId, next);
      return { VServerGroupId: next.VServerGroupId, VServerGroupName: next.VServerGroupName, BackendServers: listed(next.BackendServers) };
    });
    if (out instanceof ApiError) throw out;
    return out;
  },
});
