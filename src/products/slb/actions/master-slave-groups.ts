// Master-slave (primary/secondary) server groups: CreateMasterSlaveServerGroup,
// DeleteMasterSlaveServerGroup, DescribeMasterSlaveServerGroups,
// DescribeMasterSlaveServerGroupAttribute. Exactly one Master and one Slave, fixed at creation.
import { fail } from '../../../errors/catalog.js';
import { intField, strField, type JsonList, type JsonScalar } from '../../../util/json-param.js';
import { KINDS, requireLoadBalancer, type LoadBalancerDoc, type MasterSlaveServerGroupDoc } from '../services/model.js';
import { scopeOf } from '../services/scope.js';
import {
  assertUnlocked,
  backendServersMalformed,
  listenersOf,
  masterSlaveGroupNotFound,
  masterSlaveGroupsOf,
  resolveForAttach,
  SERVER_TYPES,
  toDoc,
  type ServerInput,
  type ServerType,
} from '../services/server-groups.js';
import { dropTags, getTags, hasAllTags, putTags, validateTagSet } from '../services/tags.js';
import type { Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { defineAction, type Ctx } from '../registry.js';
import { apiError } from '../../../errors/catalog.js';

type Member = MasterSlaveServerGroupDoc['MasterSlaveBackendServers'][number];

/**
 * The checks of the documented action codes, in this order: two servers, ids and ports present,
 * ports in range, valid server types, one Master and one Slave, no (server, port) twice, weights.
 */
function readMasterSlave(list: JsonList | undefined): (ServerInput & { Port: number; ServerType: 'Master' | 'Slave' })[] {
  if (!list || list.length !== 2) fail('BACKEND_SERVERS_NUM_MUST_BE_TWO');
  const items = list.map((raw) => (typeof raw === 'object' && raw !== null ? raw : fail('BackendServersMalformed')) as Record<string, JsonScalar>);
  for (const it of items) if (!strField(it, 'ServerId')?.trim()) fail('BACKEND_SERVER_ID_CAN_NOT_EMPTY');
  for (const it of items) if (intField(it, 'Port') === undefined) fail('BACKEND_SERVER_PORT_CAN_NOT_EMPTY');
  for (const it of items) {
    const port = intField(it, 'Port');
    if (port === null || port === undefined || port < 1 || port > 65535) fail('RealServerPortNotSupport');
  }
  const out = items.map((it) => {
    const st = strField(it, 'ServerType') ?? '';
    const serverType = st.toLowerCase() === 'master' ? 'Master' : st.toLowerCase() === 'slave' ? 'Slave' : undefined;
    const t = (strField(it, 'Type') || 'ecs').toLowerCase();
    if (!serverType || !(SERVER_TYPES as readonly string[]).includes(t)) fail('INVALID_SERVER_TYPE');
    const weight = intField(it, 'Weight');
    const description = strField(it, 'Description');
    const ip = strField(it, 'ServerIp')?.trim();
    return {
      ServerId: strField(it, 'ServerId')!.trim(),
      Port: intField(it, 'Port') as number,
      Type: t as ServerType,
      ServerType: serverType!,
      Weight: weight,
      Description: description,
      ServerIp: ip || undefined,
    };
  });
  if (out[0]!.ServerType === out[1]!.ServerType) fail('BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE');
  if (out[0]!.ServerId === out[1]!.ServerId && out[0]!.Port === out[1]!.Port) fail('BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID');
  for (const s of out) {
    if (s.Weight === null || (s.Weight !== undefined && (s.Weight < 0 || s.Weight > 100))) fail('InvalidWeight.Malformed');
    if (s.Description !== undefined && [...s.Description].length > 80) fail('InvalidParameter', 'The specified BackendServers is invalid.');
  }
  return out as (ServerInput & { Port: number; ServerType: 'Master' | 'Slave' })[];
}

// ServerIp is a field of the v1 SDK's merged struct only (slb-api.json inV2Model: false): not listed.
const member = (m: Member) => ({
  ServerId: m.ServerId,
  Port: m.Port,
  Weight: m.Weight,
  Type: m.Type,
  ServerType: m.ServerType,
  ...(m.Description !== undefined ? { Description: m.Description } : {}),
});
const tagList = (tags: { Key: string; Value: string }[]) => ({ Tag: tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value })) });

async function requireGroup(tx: Tx, ctx: Ctx, region: string | undefined, id: string): Promise<{ scope: Scope; group: MasterSlaveServerGroupDoc; lb: LoadBalancerDoc }> {
  const scope = scopeOf(ctx, region ?? '');
  const group = await tx.get<MasterSlaveServerGroupDoc>(KINDS.masterSlaveServerGroup, scope, id);
  if (!group) masterSlaveGroupNotFound();
  const lb = await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scope, group!.LoadBalancerId);
  if (!lb) masterSlaveGroupNotFound();
  return { scope, group: group!, lb: lb! };
}

defineAction({
  name: 'CreateMasterSlaveServerGroup',
  errors: {
    MasterSlaveBackendServers: { malformed: backendServersMalformed, tooMany: () => apiError('BACKEND_SERVERS_NUM_MUST_BE_TWO') },
  },
  async handler(ctx, p) {
    const input = readMasterSlave(p.MasterSlaveBackendServers);
    const tags = validateTagSet((p.Tag ?? []).filter((t) => t.Key !== undefined || t.Value !== undefined));
    return ctx.store.write(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      assertUnlocked(lb);
      const ips = await resolveForAttach(tx, scope, lb, input);
      const group: MasterSlaveServerGroupDoc = {
        MasterSlaveServerGroupId: ctx.ids.next('rsp-', 10),
        MasterSlaveServerGroupName: p.MasterSlaveServerGroupName ?? '',
        LoadBalancerId: lb.LoadBalancerId,
        CreateTime: isoSeconds(ctx.clock.now()),
        MasterSlaveBackendServers: input.map((s) => ({ ...toDoc(s, ips.get(s.ServerId)!), Port: s.Port, ServerType: s.ServerType })),
      };
      await tx.put(KINDS.masterSlaveServerGroup, scope, group.MasterSlaveServerGroupId, group);
      if (tags.length) await putTags(tx, scope, 'masterslaveservergroup', group.MasterSlaveServerGroupId, tags);
      return {
        MasterSlaveServerGroupId: group.MasterSlaveServerGroupId,
        MasterSlaveBackendServers: { MasterSlaveBackendServer: group.MasterSlaveBackendServers.map((m) => member(m)) },
      };
    });
  },
});

defineAction({
  name: 'DeleteMasterSlaveServerGroup',
  async handler(ctx, p) {
    return ctx.store.write(async (tx) => {
      const { scope, group, lb } = await requireGroup(tx, ctx, p.RegionId, p.MasterSlaveServerGroupId);
      assertUnlocked(lb);
      const listeners = await listenersOf(tx, scope, lb.LoadBalancerId);
      if (listeners.some((l) => l.MasterSlaveServerGroupId === group.MasterSlaveServerGroupId)) fail('RspoolVipExist');
      await tx.delete(KINDS.masterSlaveServerGroup, scope, group.MasterSlaveServerGroupId);
      await dropTags(tx, scope, 'masterslaveservergroup', group.MasterSlaveServerGroupId);
      return {};
    });
  },
});

defineAction({
  name: 'DescribeMasterSlaveServerGroups',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      const filter = (p.Tag ?? []).filter((t): t is { Key: string; Value?: string } => !!t.Key);
      const listeners = p.IncludeListener ? await listenersOf(tx, scope, lb.LoadBalancerId) : [];
      const out = [];
      for (const g of await masterSlaveGroupsOf(tx, scope, lb.LoadBalancerId)) {
        const tags = await getTags(tx, scope, 'masterslaveservergroup', g.MasterSlaveServerGroupId);
        if (filter.length && !hasAllTags(tags, filter)) continue;
        out.push({
          MasterSlaveServerGroupId: g.MasterSlaveServerGroupId,
          MasterSlaveServerGroupName: g.MasterSlaveServerGroupName,
          CreateTime: g.CreateTime,
          AssociatedObjects: {
            Listeners: {
              Listener: listeners
                .filter((l) => l.MasterSlaveServerGroupId === g.MasterSlaveServerGroupId)
                .sort((a, b) => a.ListenerPort - b.ListenerPort)
                .map((l) => ({ Port: l.ListenerPort, Protocol: l.ListenerProtocol })),
            },
          },
          Tags: tagList(tags),
        });
      }
      return { MasterSlaveServerGroups: { MasterSlaveServerGroup: out } };
    });
  },
});

defineAction({
  name: 'DescribeMasterSlaveServerGroupAttribute',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const { scope, group } = await requireGroup(tx, ctx, p.RegionId, p.MasterSlaveServerGroupId);
      return {
        MasterSlaveServerGroupId: group.MasterSlaveServerGroupId,
        MasterSlaveServerGroupName: group.MasterSlaveServerGroupName,
        LoadBalancerId: group.LoadBalancerId,
        CreateTime: group.CreateTime,
        MasterSlaveBackendServers: { MasterSlaveBackendServer: group.MasterSlaveBackendServers.map((m) => member(m)) },
        Tags: tagList(await getTags(tx, scope, 'masterslaveservergroup', group.MasterSlaveServerGroupId)),
      };
    });
  },
});
