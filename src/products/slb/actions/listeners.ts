// Listeners: Create/Set/Describe{TCP,UDP,HTTP,HTTPS}Listener(Attribute), Start/Stop/Delete,
// DescribeLoadBalancerListeners and the legacy whitelist actions. Rules in src/products/slb/services/listeners.ts,
// the state machine in src/products/slb/services/listener-lifecycle.ts; decisions in docs/listeners.md.
import { ApiError, apiError, fail } from '../../../errors/catalog.js';
import { matchesTags, readCreateTags, tagsOut } from '../services/create-tags.js';
import { begin, busyError, type ListenerOp } from '../services/listener-lifecycle.js';
import {
  applyParams, attributeView, badBandwidth, badPort, badProtocol, badValue, byIdentity, checkAcl, checkBandwidth,
  checkCACertificate, checkCookie, checkHealthStrings, checkMasterSlaveGroup, checkPortFree, checkServerCertificate,
  checkSticky, checkTlsPolicy, checkVServerGroup, listenerOfProtocol, listenersOf, listenersRead, listItemView, loadBalancerFor, missing,
  newListener, observeAll, parseProtocol, parseSourceItems, resolveListener, saveListener, SOURCE_ITEMS_QUOTA, type Protocol,
} from '../services/listeners.js';
import { KINDS, listenerId, type ListenerDoc, type LoadBalancerDoc } from '../services/model.js';
import { domainExtensionsOfListener, dropListenerChildren, rulesOfListener } from '../services/rules.js';
import { dropTags, getTags, putTags, type Tag } from '../services/tags.js';
import type { Scope, Tx } from '../../../state/store.js';
import { defineAction, type Ctx, type Result } from '../registry.js';
import { type ParamErrors, type ResponseNode } from '../../../api/spec.js';
import { SPECS } from '../specs.js';
import { requireRegion } from './regions.js';

type P = Record<string, unknown> & { LoadBalancerId: string; ListenerPort: number; RegionId?: string };

const PORT: ParamErrors = { invalid: badPort };
const lengthOf = (code: 'InvalidParamLength.HealthCheckReq' | 'InvalidParamLength.HealthCheckExp'): ParamErrors => ({ length: () => apiError(code) });

/** Per-parameter error choices shared by the create and set actions. */
const LISTENER_ERRORS: Record<string, ParamErrors> = {
  ListenerPort: PORT,
  BackendServerPort: { invalid: badPort, absentOk: true },
  HealthCheckConnectPort: PORT,
  ForwardPort: PORT,
  Bandwidth: { invalid: badBandwidth },
  healthCheckReq: lengthOf('InvalidParamLength.HealthCheckReq'),
  healthCheckExp: lengthOf('InvalidParamLength.HealthCheckExp'),
};
const ADDRESS_ERRORS: Record<string, ParamErrors> = { ListenerPort: PORT, ListenerProtocol: { invalid: badProtocol } };

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/** Identifies a request for ProcessingSameRequest: the same action with the same parameters. */
function fingerprint(action: string, p: Record<string, unknown>): string {
  return `${action}:${JSON.stringify(Object.keys(p).sort().map((k) => [k, p[k]]))}`;
}

/** Stateless checks both create and set make. */
function checkShape(p: P): void {
  checkHealthStrings(p as never);
  checkCookie(str(p['Cookie']));
  const bw = num(p['Bandwidth']);
  if (bw !== undefined && bw !== -1 && (bw < 1 || bw > 5120)) throw badBandwidth();
  const fp = num(p['ForwardPort']);
  if (fp !== undefined && (fp < 1 || fp > 65535)) throw badPort();
}

async function checkRefs(tx: Tx, scope: Scope, lb: LoadBalancerDoc, protocol: Protocol, p: P, l: ListenerDoc): Promise<void> {
  const vsg = str(p['VServerGroupId']);
  const msg = str(p['MasterSlaveServerGroupId']);
  if (vsg && p['VServerGroup'] !== 'off') await checkVServerGroup(tx, scope, lb.LoadBalancerId, vsg);
  if (msg && p['MasterSlaveServerGroup'] !== 'off') await checkMasterSlaveGroup(tx, scope, lb.LoadBalancerId, msg);
  if (l.AclStatus === 'on' && l.AclId && (p['AclId'] !== undefined || p['AclStatus'] !== undefined)) await checkAcl(tx, scope, lb, l.AclId);
  if (protocol === 'https') {
    if (p['ServerCertificateId'] !== undefined || l.ServerCertificateId === undefined) await checkServerCertificate(tx, scope, str(p['ServerCertificateId']));
    const ca = str(p['CACertificateId']);
    if (ca) await checkCACertificate(tx, scope, ca);
    const tls = str(p['TLSCipherPolicy']);
    if (tls) await checkTlsPolicy(tx, scope, tls);
  }
}

/** AclStatus=on needs an ACL; AclType defaults to a whitelist; the legacy whitelist must be closed. */
function settleAcl(l: ListenerDoc): void {
  if (l.AclStatus !== 'on') return;
  if (!l.AclId) throw missing('AclId');
  if (!l.AclType) l.AclType = 'white';
  if (l.AccessControlStatus === 'open_white_list') fail('IncorrectListenerAccessControlStatusStatus');
}

async function createListener(ctx: Ctx, protocol: Protocol, p: P): Promise<Result> {
  checkShape(p);
  const vsg = str(p['VServerGroupId']);
  const msg = str(p['MasterSlaveServerGroupId']);
  if (vsg && msg) fail('Abs.VServerGroupIdAndMasterSlaveServerGroupId.MissMatch');
  // A redirecting HTTP listener forwards nothing to backends: Terraform's forward request can lose
  // BackendServerPort (it sends the value under an empty name), so it is not required there.
  const redirect = protocol === 'http' && p['ListenerForward'] === 'on';
  if (!vsg && !msg && p['BackendServerPort'] === undefined && !redirect) throw missing('BackendServerPort');
  const tags = readCreateTags(p['Tag'] as never);
  const now = ctx.clock.now();
  await ctx.store.write(async (tx) => {
    // with the region given, the load balancer's listeners are asked for with it (one round trip
    // on PostgreSQL): a load balancer found is then in that scope, and a missing one fails the call
    if (p.RegionId && p.LoadBalancerId) tx.prefetch([listenersRead({ account: ctx.caller.accountId, region: p.RegionId }, p.LoadBalancerId)]).catch(() => undefined);
    const { scope, lb } = await loadBalancerFor(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId, true);
    const siblings = await checkPortFree(tx, scope, lb.LoadBalancerId, p.ListenerPort, protocol);
    if (p['Bandwidth'] !== undefined) checkBandwidth(num(p['Bandwidth']), lb, siblings);
    const l = newListener(lb.LoadBalancerId, p.ListenerPort, protocol, now);
    const forward = protocol === 'http' && p['ListenerForward'] === 'on';
    const given = { ...p };
    if (!forward) delete given['ForwardPort'];
    applyParams(l, given);
    if (forward) {
      l.ForwardPort ??= 443;
      const target = await tx.get<ListenerDoc>(KINDS.listener, scope, listenerId(lb.LoadBalancerId, 'https', l.ForwardPort));
      if (!target) {
        const other = (await listenersOf(tx, scope, lb.LoadBalancerId)).find((o) => o.ListenerPort === l.ForwardPort && o.ListenerProtocol !== 'udp');
        if (other) fail('InvalidParameter', 'The Protocol is not Support');
        fail('ListenerNotFound');
      }
    }
    settleAcl(l);
    checkSticky(l);
    await checkRefs(tx, scope, lb, protocol, p, l);
    await saveListener(tx, scope, l);
    if (tags.length) await putTags(tx, scope, 'listener', listenerId(lb.LoadBalancerId, protocol, p.ListenerPort), tags);
  });
  return {};
}

async function setListener(ctx: Ctx, action: string, protocol: Protocol, p: P): Promise<Result> {
  checkShape(p);
  if (p['VServerGroup'] === 'on' && !p['VServerGroupId']) throw missing('VServerGroupId');
  if (p['MasterSlaveServerGroup'] === 'on' && !p['MasterSlaveServerGroupId']) throw missing('MasterSlaveServerGroupId');
  const useVsg = p['VServerGroup'] !== 'off' && !!p['VServerGroupId'];
  const useMsg = p['MasterSlaveServerGroup'] !== 'off' && !!p['MasterSlaveServerGroupId'];
  if (useVsg && useMsg) fail('Abs.VServerGroupIdAndMasterSlaveServerGroupId.MissMatch');
  const fp = fingerprint(action, p);
  const now = ctx.clock.now();
  const busy = await ctx.store.write(async (tx): Promise<ApiError | undefined> => {
    const { scope, lb } = await loadBalancerFor(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId, true);
    const l = await listenerOfProtocol(tx, scope, lb.LoadBalancerId, p.ListenerPort, protocol, true);
    await observeAll(tx, scope, [l], now);
    const b = busyError(l, 'set', fp);
    if (b) return b;
    const next = structuredClone(l);
    const given = { ...p };
    for (const k of ['VServerGroupId', 'MasterSlaveServerGroupId', 'ForwardPort', 'ListenerForward']) delete given[k];
    applyParams(next, given);
    if (useVsg) {
      next.VServerGroupId = str(p['VServerGroupId']);
      delete next.MasterSlaveServerGroupId;
    } else if (p['VServerGroup'] === 'off') delete next.VServerGroupId;
    if (useMsg) {
      next.MasterSlaveServerGroupId = str(p['MasterSlaveServerGroupId']);
      delete next.VServerGroupId;
    } else if (p['MasterSlaveServerGroup'] === 'off') delete next.MasterSlaveServerGroupId;
    // switching a group off falls back to the default server group, which needs a backend port
    const groupOff = p['VServerGroup'] === 'off' || p['MasterSlaveServerGroup'] === 'off';
    if (groupOff && !next.VServerGroupId && !next.MasterSlaveServerGroupId && next.BackendServerPort === undefined && next.ListenerForward !== 'on') throw missing('VServerGroupId');
    settleAcl(next);
    checkSticky(next);
    if (p['Bandwidth'] !== undefined) {
      const siblings = (await listenersOf(tx, scope, lb.LoadBalancerId)).filter((s) => s.ListenerProtocol !== protocol || s.ListenerPort !== p.ListenerPort);
      checkBandwidth(num(p['Bandwidth']), lb, siblings);
    }
    await checkRefs(tx, scope, lb, protocol, p, next);
    begin(next, 'set', now, fp);
    await saveListener(tx, scope, next);
    return undefined;
  });
  if (busy) throw busy;
  return {};
}

async function describeListener(ctx: Ctx, protocol: Protocol, p: P): Promise<Result> {
  const now = ctx.clock.now();
  return ctx.store.write(async (tx) => {
    const { scope, lb } = await loadBalancerFor(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId, false);
    const l = await listenerOfProtocol(tx, scope, lb.LoadBalancerId, p.ListenerPort, protocol, false);
    await observeAll(tx, scope, [l], now);
    const out: Result = attributeView(l);
    out['Tags'] = tagsOut(await getTags(tx, scope, 'listener', listenerId(l.LoadBalancerId, protocol, l.ListenerPort)));
    if (protocol === 'http' || protocol === 'https') {
      const rules = await rulesOfListener(tx, scope, l.LoadBalancerId, l.ListenerPort, protocol);
      out['Rules'] = { Rule: rules.map((r) => ({ RuleId: r.RuleId, RuleName: r.RuleName, Domain: r.Domain, Url: r.Url, VServerGroupId: r.VServerGroupId })) };
    }
    if (protocol === 'https') {
      const exts = await domainExtensionsOfListener(tx, scope, l.LoadBalancerId, l.ListenerPort);
      out['DomainExtensions'] = { DomainExtension: exts.map((d) => ({ DomainExtensionId: d.DomainExtensionId, Domain: d.Domain, ServerCertificateId: d.ServerCertificateId })) };
    }
    return out;
  });
}

/** Start, Stop, Delete and the whitelist actions: find the listener, observe it, refuse when busy. */
async function onListener(ctx: Ctx, p: P, op: ListenerOp, fp: string, fn: (tx: Tx, scope: Scope, lb: LoadBalancerDoc, l: ListenerDoc) => Promise<void>): Promise<Result> {
  const protocol = parseProtocol(str(p['ListenerProtocol']));
  const now = ctx.clock.now();
  const busy = await ctx.store.write(async (tx): Promise<ApiError | undefined> => {
    const { scope, lb } = await loadBalancerFor(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId, true);
    const l = await resolveListener(tx, scope, lb.LoadBalancerId, p.ListenerPort, protocol);
    await observeAll(tx, scope, [l], now);
    const b = busyError(l, op, fp);
    if (b) return b;
    await fn(tx, scope, lb, l);
    return undefined;
  });
  if (busy) throw busy;
  return {};
}

const PROTOCOL_OF = { TCP: 'tcp', UDP: 'udp', HTTP: 'http', HTTPS: 'https' } as const;

for (const [P_, protocol] of Object.entries(PROTOCOL_OF)) {
  const create = `CreateLoadBalancer${P_}Listener` as const;
  const set = `SetLoadBalancer${P_}ListenerAttribute` as const;
  const describe = `DescribeLoadBalancer${P_}ListenerAttribute` as const;
  defineAction({ name: create as 'CreateLoadBalancerTCPListener', errors: LISTENER_ERRORS, handler: (ctx, p) => createListener(ctx, protocol, p as unknown as P) });
  defineAction({ name: set as 'SetLoadBalancerTCPListenerAttribute', errors: LISTENER_ERRORS, handler: (ctx, p) => setListener(ctx, set, protocol, p as unknown as P) });
  defineAction({ name: describe as 'DescribeLoadBalancerTCPListenerAttribute', errors: { ListenerPort: PORT }, handler: (ctx, p) => describeListener(ctx, protocol, p as unknown as P) });
}

defineAction({
  name: 'StartLoadBalancerListener',
  errors: ADDRESS_ERRORS,
  handler: (ctx, p) =>
    onListener(ctx, p as P, 'start', 'start', async (tx, scope, _lb, l) => {
      begin(l, 'start', ctx.clock.now(), 'start');
      await saveListener(tx, scope, l);
    }),
});

defineAction({
  name: 'StopLoadBalancerListener',
  errors: ADDRESS_ERRORS,
  handler: (ctx, p) =>
    onListener(ctx, p as P, 'stop', 'stop', async (tx, scope, _lb, l) => {
      begin(l, 'stop', ctx.clock.now(), 'stop');
      await saveListener(tx, scope, l);
    }),
});

defineAction({
  name: 'DeleteLoadBalancerListener',
  errors: ADDRESS_ERRORS,
  handler: (ctx, p) =>
    onListener(ctx, p as P, 'delete', 'delete', async (tx, scope, lb, l) => {
      if (l.ListenerProtocol === 'https') {
        const forwarded = (await listenersOf(tx, scope, lb.LoadBalancerId)).some((o) => o.ListenerProtocol === 'http' && o.ListenerForward === 'on' && o.ForwardPort === l.ListenerPort);
        if (forwarded) fail('ListenerForwardExist');
      }
      const id = listenerId(l.LoadBalancerId, l.ListenerProtocol, l.ListenerPort);
      await tx.delete(KINDS.listener, scope, id);
      await dropTags(tx, scope, 'listener', id);
      // rules and domain extensions live and die with their listener
      await dropListenerChildren(tx, scope, l.LoadBalancerId, l.ListenerPort, l.ListenerProtocol);
    }),
});

// ---------------------------------------------------------------------------------------------
// The legacy whitelist (superseded by ACLs, still answered).

defineAction({
  name: 'SetListenerAccessControlStatus',
  errors: ADDRESS_ERRORS,
  handler: (ctx, p) =>
    onListener(ctx, p as unknown as P, 'whitelist', fingerprint('SetListenerAccessControlStatus', p), async (tx, scope, lb, l) => {
      if (lb.AddressIPVersion === 'ipv6') fail('OperationFailed.ActionNotSupport');
      if (p.AccessControlStatus === 'open_white_list' && l.AclStatus === 'on') fail('IncorrectListenerAccessControlStatusStatus');
      l.AccessControlStatus = p.AccessControlStatus as 'open_white_list' | 'close';
      await saveListener(tx, scope, l);
    }).catch((e: unknown) => {
      // this action's documented text has no final period
      if (e instanceof ApiError && e.code === 'TooManyListeners') fail('TooManyListeners', 'More than 1 listener is found, please be more specified');
      throw e;
    }),
});

function whitelistChange(action: 'AddListenerWhiteListItem' | 'RemoveListenerWhiteListItem') {
  return defineAction({
    name: action,
    errors: ADDRESS_ERRORS,
    handler: (ctx, p) => {
      if (p.ListenerPort < 1 || p.ListenerPort > 65535) throw badPort();
      const items = parseSourceItems(p.SourceItems);
      return onListener(ctx, p as unknown as P, 'whitelist', fingerprint(action, p), async (tx, scope, _lb, l) => {
        // the items take effect once the whitelist is open (API reference), so a closed whitelist
        // accepts them; a listener whose access control is an ACL binding does not
        if (l.AclStatus === 'on') fail('ActionNotAllowed', 'Listener AccessControl Status is Incorrect.');
        const have = l.SourceItems ?? [];
        const next = action === 'AddListenerWhiteListItem' ? [...new Set([...have, ...items])] : have.filter((x) => !items.includes(x));
        if (next.length > SOURCE_ITEMS_QUOTA) fail('SourceItemsQuotaOverLimit');
        l.SourceItems = next;
        await saveListener(tx, scope, l);
      });
    },
  });
}
whitelistChange('AddListenerWhiteListItem');
whitelistChange('RemoveListenerWhiteListItem');

defineAction({
  name: 'DescribeListenerAccessControlAttribute',
  errors: ADDRESS_ERRORS,
  async handler(ctx, p) {
    const protocol = parseProtocol(p.ListenerProtocol);
    const now = ctx.clock.now();
    return ctx.store.write(async (tx) => {
      const { scope, lb } = await loadBalancerFor(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId, false);
      const l = await resolveListener(tx, scope, lb.LoadBalancerId, p.ListenerPort, protocol);
      await observeAll(tx, scope, [l], now);
      return { AccessControlStatus: l.AccessControlStatus ?? 'close', SourceItems: (l.SourceItems ?? []).join(',') };
    });
  },
});

// ---------------------------------------------------------------------------------------------
// DescribeLoadBalancerListeners: a bare `Listeners` array with NextToken paging.

interface Found {
  scope: Scope;
  l: ListenerDoc;
}

const encodeToken = (l: ListenerDoc) => Buffer.from(JSON.stringify([l.LoadBalancerId, l.ListenerPort, l.ListenerProtocol])).toString('base64url');

function decodeToken(t: string): ListenerDoc {
  try {
    const v = JSON.parse(Buffer.from(t, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'string') {
      return { LoadBalancerId: v[0], ListenerPort: v[1], ListenerProtocol: v[2] as Protocol, Status: 'stopped' };
    }
  } catch {
    // falls through to the error
  }
  throw badValue();
}

// The nested *ListenerConfig objects carry only the fields their response tree declares (the
// attribute actions answer a few more, e.g. SynProxy, SecurityStatus).
const ITEM_FIELDS = SPECS['DescribeLoadBalancerListeners']!.response.fields.find((f) => f.name === 'Listeners')?.items?.fields ?? [];
function pruneConfigs(item: Record<string, unknown>): Record<string, unknown> {
  for (const node of ITEM_FIELDS as ResponseNode[]) {
    const v = item[node.name];
    if (node.type !== 'Object' || !v || typeof v !== 'object') continue;
    const allowed = new Set((node.fields ?? []).map((f) => f.name));
    for (const k of Object.keys(v)) if (!allowed.has(k)) delete (v as Record<string, unknown>)[k];
  }
  return item;
}

defineAction({
  name: 'DescribeLoadBalancerListeners',
  errors: {
    ListenerProtocol: { invalid: badProtocol },
    ListenerPort: PORT,
    LoadBalancerId: { tooMany: () => apiError('VipTooManyListeners') },
  },
  async handler(ctx, p) {
    if (p.RegionId) requireRegion(p.RegionId);
    const start = p.NextToken ? decodeToken(p.NextToken) : undefined;
    const max = p.MaxResults ?? 20;
    const now = ctx.clock.now();
    const account = ctx.caller.accountId;
    return ctx.store.write(async (tx) => {
      // the filters the database applies; Tag needs each listener's tags
      const match: Record<string, string | number> = {};
      if (p.ListenerProtocol) match['ListenerProtocol'] = p.ListenerProtocol;
      if (p.ListenerPort !== undefined) match['ListenerPort'] = p.ListenerPort;
      if (p.Description !== undefined && p.Description !== '') match['Description'] = p.Description;
      let found: Found[] = [];
      if (p.LoadBalancerId?.length) {
        for (const id of new Set(p.LoadBalancerId as string[])) {
          const lb = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, id);
          if (!lb || (p.RegionId && lb.region !== p.RegionId)) continue;
          const scope = { account, region: lb.region };
          for (const { doc } of await tx.query<ListenerDoc>(KINDS.listener, scope, { where: { LoadBalancerId: id }, match })) found.push({ scope, l: doc });
        }
      } else {
        // every listener of the region (or of the account) that passes the filters: pages follow
        // the listeners' identity, an order the store cannot page by
        const rows = await tx.query<ListenerDoc>(KINDS.listener, { account, region: p.RegionId || undefined }, { match });
        found = rows.map((x) => ({ scope: { account, region: x.region }, l: x.doc }));
      }
      const tagsOf = (f: Found) => getTags(tx, f.scope, 'listener', listenerId(f.l.LoadBalancerId, f.l.ListenerProtocol, f.l.ListenerPort));
      const tagged = new Map<Found, Tag[]>();
      let kept = found;
      if (p.Tag?.length) {
        kept = [];
        for (const f of found) {
          const tags = await tagsOf(f);
          if (!matchesTags(tags, p.Tag)) continue;
          tagged.set(f, tags);
          kept.push(f);
        }
      }
      kept.sort((a, b) => byIdentity(a.l, b.l));
      const from = start ? kept.findIndex((f) => byIdentity(f.l, start) >= 0) : 0;
      const page = from < 0 ? [] : kept.slice(from, from + max);
      const items: Record<string, unknown>[] = [];
      for (const f of page) {
        await observeAll(tx, f.scope, [f.l], now);
        items.push(pruneConfigs(listItemView(f.l, tagged.get(f) ?? (await tagsOf(f)))));
      }
      const next = from >= 0 ? kept[from + max] : undefined;
      const out: Result = { Listeners: items, TotalCount: kept.length, MaxResults: max };
      if (next) out['NextToken'] = encodeToken(next.l);
      return out;
    });
  },
});
