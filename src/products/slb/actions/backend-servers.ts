// The default server group of a load balancer (AddBackendServers, RemoveBackendServers,
// SetBackendServers) and DescribeHealthStatus. Rules in src/products/slb/services/server-groups.ts; decisions
// in docs/server-groups.md.
import { ApiError } from '../../../errors/catalog.js';
import { healthView, reportedHealth } from '../services/health-view.js';
import { displayStatus } from '../services/listener-lifecycle.js';
import { requireHealthCheckedListener, type Protocol } from '../services/listeners.js';
import { KINDS, requireLoadBalancer, type BackendServerDoc, type ListenerDoc, type LoadBalancerDoc, type MasterSlaveServerGroupDoc, type VServerGroupDoc } from '../services/model.js';
import {
  assertUnlocked,
  backendServersMalformed,
  defaultGroupReads,
  groupBusy,
  listenersOf,
  notAMember,
  readServers,
  resolveForAttach,
  rulesOf,
  toDoc,
  tooManyInCall,
} from '../services/server-groups.js';
import type { Scope, Tx } from '../../../state/store.js';
import type { JsonList } from '../../../util/json-param.js';
import { defineAction, type Ctx } from '../registry.js';

const serversParam = { malformed: backendServersMalformed, tooMany: tooManyInCall, absentOk: true };

/** The default group as the Add/Remove/Set responses list it. */
function listed(servers: BackendServerDoc[]) {
  return {
    BackendServer: servers.map((s) => ({
      ServerId: s.ServerId,
      Weight: s.Weight,
      Type: s.Type,
      ...(s.Description !== undefined ? { Description: s.Description } : {}),
    })),
  };
}

/**
 * Runs a change of the default group in one transaction; an absent or empty list changes nothing.
 * `change` only reads and computes (it writes nothing): it runs beside the listeners' busy check,
 * so their reads travel together (one round trip on PostgreSQL), and the busy answer still comes
 * first.
 */
async function changeDefaultGroup(
  ctx: Ctx,
  p: { LoadBalancerId: string; RegionId?: string; BackendServers?: JsonList },
  change: (lb: LoadBalancerDoc, tx: Tx, scope: Scope) => Promise<BackendServerDoc[]>,
  attaching: readonly string[] = [],
) {
  const out = await ctx.store.write(async (tx) => {
    // with the region given, what the change reads next is asked for with the load balancer (one
    // round trip on PostgreSQL); a load balancer found is then in that scope
    if (p.RegionId && p.LoadBalancerId && p.BackendServers?.length) {
      tx.prefetch(defaultGroupReads({ account: ctx.caller.accountId, region: p.RegionId }, p.LoadBalancerId, attaching)).catch(() => undefined);
    }
    const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
    const current = lb.BackendServers ?? [];
    if (!p.BackendServers || p.BackendServers.length === 0) return { LoadBalancerId: lb.LoadBalancerId, BackendServers: listed(current) };
    assertUnlocked(lb);
    const [busy, changed] = await Promise.allSettled([groupBusy(tx, scope, lb, {}, ctx.clock.now()), change(lb, tx, scope)]);
    if (busy.status === 'rejected') throw busy.reason;
    // returned, not thrown, so that the listeners' observation is committed (see groupBusy)
    if (busy.value) return busy.value;
    if (changed.status === 'rejected') throw changed.reason;
    const next = changed.value;
    await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, { ...lb, BackendServers: next });
    return { LoadBalancerId: lb.LoadBalancerId, BackendServers: listed(next) };
  });
  if (out instanceof ApiError) throw out;
  return out;
}

defineAction({
  name: 'AddBackendServers',
  errors: { BackendServers: serversParam },
  async handler(ctx, p) {
    const input = p.BackendServers ? readServers(p.BackendServers, 'default') : [];
    return changeDefaultGroup(ctx, p, async (lb, tx, scope) => {
      const current = lb.BackendServers ?? [];
      const ips = await resolveForAttach(tx, scope, lb, input);
      const next = current.map((b) => ({ ...b }));
      for (const s of input) {
        const i = next.findIndex((b) => b.ServerId === s.ServerId);
        const doc = toDoc(s, ips.get(s.ServerId)!, i >= 0 ? next[i] : undefined);
        if (i >= 0) next[i] = doc;
        else next.push(doc);
      }
      return next;
    }, input.map((s) => s.ServerId));
  },
});

defineAction({
  name: 'RemoveBackendServers',
  errors: { BackendServers: serversParam },
  async handler(ctx, p) {
    const input = p.BackendServers ? readServers(p.BackendServers, 'default') : [];
    return changeDefaultGroup(ctx, p, async (lb) => {
      const current = lb.BackendServers ?? [];
      for (const s of input) if (!current.some((b) => b.ServerId === s.ServerId)) notAMember();
      const gone = new Set(input.map((s) => s.ServerId));
      return current.filter((b) => !gone.has(b.ServerId));
    });
  },
});

defineAction({
  name: 'SetBackendServers',
  errors: { BackendServers: serversParam },
  async handler(ctx, p) {
    const input = p.BackendServers ? readServers(p.BackendServers, 'default') : [];
    return changeDefaultGroup(ctx, p, async (lb) => {
      const next = (lb.BackendServers ?? []).map((b) => ({ ...b }));
      for (const s of input) {
        const cur = next.find((b) => b.ServerId === s.ServerId);
        if (!cur) notAMember();
        if (s.Weight !== undefined) cur!.Weight = s.Weight;
        if (s.Description !== undefined) cur!.Description = s.Description;
      }
      return next;
    });
  },
});

// ---------------------------------------------------------------------------------------------

interface HealthRow {
  ListenerPort: number;
  Protocol: string;
  ServerId: string;
  Port: number;
  ServerIp: string;
  ServerHealthStatus: string;
}

const healthCheckOn = (l: ListenerDoc) => l['HealthCheck'] !== 'off' && l['HealthCheckSwitch'] !== 'off';
// A running listener being reconfigured keeps serving (and probing); starting and stopping ones do not.
const serving = (l: ListenerDoc) => {
  const st = displayStatus(l);
  return st === 'running' || st === 'configuring';
};

defineAction({
  name: 'DescribeHealthStatus',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      const protocol = p.ListenerProtocol?.toLowerCase();
      // a port (and protocol) with no listener to report on: CheckedListenerNotFound (404), seed row 176
      if (p.ListenerPort !== undefined) await requireHealthCheckedListener(tx, scope, lb.LoadBalancerId, p.ListenerPort, protocol as Protocol | undefined);
      const listeners = (await listenersOf(tx, scope, lb.LoadBalancerId))
        .filter((l) => p.ListenerPort === undefined || l.ListenerPort === p.ListenerPort)
        .filter((l) => !protocol || l.ListenerProtocol === protocol)
        .sort((a, b) => a.ListenerPort - b.ListenerPort || a.ListenerProtocol.localeCompare(b.ListenerProtocol));
      const rules = await rulesOf(tx, scope, lb.LoadBalancerId);
      const groups = new Map<string, VServerGroupDoc | undefined>();
      const group = async (id: string) => {
        if (!groups.has(id)) groups.set(id, await tx.get<VServerGroupDoc>(KINDS.vServerGroup, scope, id));
        return groups.get(id);
      };
      const view = healthView();
      const rows: HealthRow[] = [];
      for (const l of listeners) {
        const members: { ServerId: string; Port: number; ServerIp?: string }[] = [];
        if (l.MasterSlaveServerGroupId) {
          const ms = await tx.get<MasterSlaveServerGroupDoc>(KINDS.masterSlaveServerGroup, scope, l.MasterSlaveServerGroupId);
          members.push(...(ms?.MasterSlaveBackendServers ?? []));
        } else if (l.VServerGroupId) {
          members.push(...((await group(l.VServerGroupId))?.BackendServers ?? []).map((b) => ({ ...b, Port: b.Port ?? l.ListenerPort })));
        } else {
          const port = l.BackendServerPort ?? l.ListenerPort;
          members.push(...(lb.BackendServers ?? []).map((b) => ({ ...b, Port: port })));
        }
        for (const r of rules) {
          if (r.ListenerPort !== l.ListenerPort || !r.VServerGroupId) continue;
          if (r.ListenerProtocol && r.ListenerProtocol.toLowerCase() !== l.ListenerProtocol) continue;
          members.push(...((await group(r.VServerGroupId))?.BackendServers ?? []).map((b) => ({ ...b, Port: b.Port ?? l.ListenerPort })));
        }
        const seen = new Set<string>();
        for (const m of members) {
          const k = `${m.ServerId}:${m.Port}`;
          if (seen.has(k)) continue;
          seen.add(k);
          const key = { loadBalancerId: lb.LoadBalancerId, listenerPort: l.ListenerPort, protocol: l.ListenerProtocol, serverId: m.ServerId, port: m.Port };
          rows.push({
            ListenerPort: l.ListenerPort,
            Protocol: l.ListenerProtocol,
            ServerId: m.ServerId,
            Port: m.Port,
            ServerIp: m.ServerIp ?? '',
            ServerHealthStatus: reportedHealth(key, { running: serving(l), healthCheckOn: healthCheckOn(l) }, view),
          });
        }
      }
      return { BackendServers: { BackendServer: rows } };
    });
  },
});
