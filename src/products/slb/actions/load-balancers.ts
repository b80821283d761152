// The load balancer instance family: create, find, change and delete instances.
// Rules live in src/products/slb/services/load-balancers.ts and the world in src/world/world.ts.
import { apiError, fail } from '../../../errors/catalog.js';
import { KINDS, requireLoadBalancer, type InstanceDoc, type ListenerDoc, type LoadBalancerDoc } from '../services/model.js';
import {
  baseView,
  checkBandwidth,
  checkLoadBalancerName,
  checkProtectionReason,
  CLCU_SPEC,
  commerceHooks,
  createLoadBalancer,
  deleteLoadBalancerCascade,
  lbTags,
  ON_DEMAND_END,
  optionalRegion,
  placePrePayOrder,
  requireUnlocked,
  tagView,
} from '../services/load-balancers.js';
import { scopeOf } from '../services/scope.js';
import type { Scope, Tx } from '../../../state/store.js';
import { idsWithTag, tagCondition } from '../services/tags.js';
import { instancesById } from '../services/server-groups.js';
import { findRegion } from '../../../world/regions.js';
import { checkStock, findResourceGroup, getSettings, moveStock, putSettings, releaseLease, SPECS } from '../../../world/world.js';
import { defineAction, type Ctx } from '../registry.js';
import { SPECS as ACTION_SPECS } from '../specs.js';

// The reference data lists PayType PayOnDemand only (the international site's documentation); the
// China site also sells subscriptions (PrePay). Accept the value so that it reaches the commerce
// plug (src/products/slb/services/load-balancers.ts setPrePayHandler) instead of failing enum validation.
for (const action of ['CreateLoadBalancer', 'ModifyLoadBalancerPayType']) {
  const p = ACTION_SPECS[action]?.params.find((x) => x.name === 'PayType');
  if (p?.enum && !p.enum.includes('PrePay')) p.enum.push('PrePay');
}

const bandwidthInvalid = { invalid: () => apiError('InvalidParameter', 'The specified Bandwidth is invalid.') };
const nameInvalid = { length: () => apiError('InvalidParameter', 'The Lb Name is Not supported.') };

/** Loads an LB of the caller for a change: present, region cross-checked, not locked. */
async function lbForChange(ctx: Ctx, tx: Parameters<typeof requireLoadBalancer>[0], id: string, region: string | undefined) {
  const found = await requireLoadBalancer(tx, ctx.caller.accountId, id, optionalRegion(region));
  requireUnlocked(found.lb);
  return found;
}

defineAction({
  name: 'CreateLoadBalancer',
  errors: { Bandwidth: bandwidthInvalid, LoadBalancerName: nameInvalid },
  async handler(ctx, p) {
    return ctx.store.write((tx) =>
      createLoadBalancer(
        tx,
        { account: ctx.caller.accountId, now: ctx.clock.now(), newId: () => ctx.ids.next('lb-', 23) },
        { ...p, RegionId: p.RegionId ?? '' } as Parameters<typeof createLoadBalancer>[2],
      ),
    );
  },
});

defineAction({
  name: 'DeleteLoadBalancer',
  async handler(ctx, p) {
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      if (lb.DeleteProtection === 'on') fail('OperationDenied.DeleteProtectionIsOn', "The loadbalancer can't be deleted due to DeleteProtection is enabled.");
      if (lb.PayType === 'PrePay') await commerceHooks.release(tx, lb, ctx.caller.accountId, ctx.clock.now());
      await deleteLoadBalancerCascade(tx, scope, lb);
      await releaseLease(tx, lb.Address, lb.LoadBalancerId, lb.HostAddress);
    });
    return {};
  },
});

const splitList = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

defineAction({
  name: 'DescribeLoadBalancers',
  async handler(ctx, p) {
    const region = findRegion(p.RegionId);
    if (!region) fail('InvalidRegionId.NotFound');
    const scope = scopeOf(ctx, region.RegionId);
    const want: { Key: string; Value?: string }[] = [];
    for (const t of p.Tag ?? []) if (t.Key) want.push({ Key: t.Key, ...(t.Value !== undefined ? { Value: t.Value } : {}) });
    for (const t of p.Tags ?? []) {
      if (typeof t !== 'object' || t.TagKey === undefined || t.TagKey === null || t.TagKey === '') continue;
      want.push({ Key: String(t.TagKey), ...(t.TagValue !== undefined && t.TagValue !== null ? { Value: String(t.TagValue) } : {}) });
    }
    const ids = splitList(p.LoadBalancerId);
    const names = splitList(p.LoadBalancerName);
    const serverIps = splitList(p.ServerIntranetAddress);
    const pageNumber = p.PageNumber ?? 1;
    const pageSize = p.PageSize ?? 10;
    return ctx.store.read(async (tx) => {
      // Every filter is done by the store: indexed fields drive the lookup, the rest are compared
      // in the database; filters that reach other documents (tags, servers in groups) become a
      // set of candidate ids first. Newest first, as the console and the real API list them.
      let only: Set<string> | undefined = ids.length ? new Set(ids) : undefined;
      const narrow = (found: Iterable<string>) => {
        const next = new Set(found);
        only = only ? new Set([...only].filter((id) => next.has(id))) : next;
      };
      // the first tag through the load balancers' own index (their TagSet), further ones as candidate ids
      const [firstTag, ...moreTags] = want;
      for (const t of moreTags) narrow(await idsWithTag(tx, scope, 'instance', t));
      if (p.ServerId) narrow(await lbsWithServer(tx, scope, { ServerId: p.ServerId }));
      if (serverIps.length) {
        const insts = await tx.query<InstanceDoc>(KINDS.instance, scope, { where: { PrivateIpAddress: serverIps } });
        const byInstance = insts.length ? await lbsWithServer(tx, scope, { ServerId: insts.map((i) => i.doc.InstanceId) }) : [];
        const byIp = (await tx.query<LoadBalancerDoc>(KINDS.loadBalancer, scope, { where: { ServerIp: serverIps } })).map((r) => r.doc.LoadBalancerId);
        narrow([...byInstance, ...byIp]);
      }
      const where: Record<string, string | string[]> = {};
      if (names.length) where['LoadBalancerName'] = names;
      if (p.Address) where['Address'] = p.Address;
      if (p.VpcId) where['VpcId'] = p.VpcId;
      if (p.VSwitchId) where['VSwitchId'] = p.VSwitchId;
      if (p.ResourceGroupId) where['ResourceGroupId'] = p.ResourceGroupId;
      if (firstTag) Object.assign(where, tagCondition(firstTag));
      const match: Record<string, string> = {};
      const exact = { AddressIPVersion: p.AddressIPVersion, AddressType: p.AddressType, InternetChargeType: p.InternetChargeType, LoadBalancerStatus: p.LoadBalancerStatus, MasterZoneId: p.MasterZoneId, SlaveZoneId: p.SlaveZoneId, NetworkType: p.NetworkType?.toLowerCase(), PayType: p.PayType };
      for (const [k, v] of Object.entries(exact)) if (v) match[k] = v;
      const q = { where, match, ...(only ? { ids: [...(only as Set<string>)] } : {}) };
      const [total, page] = await Promise.all([
        tx.count(KINDS.loadBalancer, scope, q),
        tx.query<LoadBalancerDoc>(KINDS.loadBalancer, scope, { ...q, order: 'desc', limit: pageSize, offset: (pageNumber - 1) * pageSize }),
      ]);
      // the tags from the documents' own copy (TagSet, kept by putTags): no second lookup
      const LoadBalancer = page.map(({ doc: lb }) => {
        const view = baseView(lb); // (a fresh object: extended, not copied)
        view['InternetChargeTypeAlias'] = lb.InternetChargeType;
        view['Tags'] = tagView(lb.TagSet ?? []);
        return view;
      });
      return { PageNumber: pageNumber, PageSize: pageSize, TotalCount: total, LoadBalancers: { LoadBalancer } };
    });
  },
});

/** Load balancers that have one of the servers in their default group, a vServer group or a master-slave group. */
async function lbsWithServer(tx: Tx, scope: Scope, where: { ServerId: string | string[] }): Promise<string[]> {
  const out = new Set<string>();
  for (const kind of [KINDS.loadBalancer, KINDS.vServerGroup, KINDS.masterSlaveServerGroup]) {
    for (const { doc } of await tx.query<{ LoadBalancerId: string }>(kind, scope, { where })) out.add(doc.LoadBalancerId);
  }
  return [...out];
}

defineAction({
  name: 'DescribeLoadBalancerAttribute',
  async handler(ctx, p) {
    return ctx.store.read(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, optionalRegion(p.RegionId));
      // everything else the answer needs, asked for at once (one round trip on PostgreSQL)
      const [found, instances, commerce, tags] = await Promise.all([
        tx.query<ListenerDoc>(KINDS.listener, scope, { where: { LoadBalancerId: lb.LoadBalancerId } }),
        instancesById(tx, scope, lb.BackendServers.map((s) => s.ServerId)),
        lb.PayType === 'PayOnDemand' ? ON_DEMAND_END : commerceHooks.view(tx, lb, ctx.caller.accountId),
        lbTags(tx, scope, lb.LoadBalancerId),
      ]);
      const listeners = found.map((r) => r.doc).sort((a, b) => a.ListenerPort - b.ListenerPort || (a.ListenerProtocol < b.ListenerProtocol ? -1 : 1));
      return {
        ...baseView(lb),
        ...commerce,
        ListenerPorts: { ListenerPort: [...new Set(listeners.map((l) => l.ListenerPort))] },
        ListenerPortsAndProtocal: { ListenerPortAndProtocal: listeners.map((l) => ({ ListenerPort: l.ListenerPort, ListenerProtocal: l.ListenerProtocol })) },
        ListenerPortsAndProtocol: {
          ListenerPortAndProtocol: listeners.map((l) => ({
            ListenerPort: l.ListenerPort,
            ListenerProtocol: l.ListenerProtocol,
            ...(l.ListenerForward ? { ListenerForward: l.ListenerForward } : {}),
            ...(l.ForwardPort !== undefined ? { ForwardPort: l.ForwardPort } : {}),
            ...(l.Description !== undefined ? { Description: l.Description } : {}),
          })),
        },
        BackendServers: {
          BackendServer: lb.BackendServers.map((s) => {
            const inst = instances.get(s.ServerId);
            return {
              ServerId: s.ServerId,
              Weight: s.Weight,
              Type: s.Type,
              ...(s.ServerIp ? { ServerIp: s.ServerIp } : {}),
              ...(inst?.VpcId ? { VpcId: inst.VpcId } : {}),
              Description: s.Description ?? '',
            };
          }),
        },
        Tags: tagView(tags),
      };
    });
  },
});

defineAction({
  name: 'SetLoadBalancerName',
  errors: { LoadBalancerName: nameInvalid },
  async handler(ctx, p) {
    checkLoadBalancerName(p.LoadBalancerName);
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      const settings = await getSettings(tx);
      if (settings.UniqueLoadBalancerNames && lb.LoadBalancerName !== p.LoadBalancerName) {
        const taken = (await tx.count(KINDS.loadBalancer, scope, { where: { LoadBalancerName: p.LoadBalancerName } })) > 0;
        if (taken) fail('ServiceUnavailable', 'The specified loadbalancer name has been used.');
      }
      lb.LoadBalancerName = p.LoadBalancerName;
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
    });
    return {};
  },
});

defineAction({
  name: 'SetLoadBalancerStatus',
  async handler(ctx, p) {
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      lb.LoadBalancerStatus = p.LoadBalancerStatus as 'active' | 'inactive';
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
    });
    return {};
  },
});

defineAction({
  name: 'SetLoadBalancerDeleteProtection',
  async handler(ctx, p) {
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      if (lb.PayType === 'PrePay' && p.DeleteProtection === 'on') fail('OperationUnsupported.DeleteProtectionForPrePayInstance', 'The operation failed because prepay instance does not support delete protection.');
      lb.DeleteProtection = p.DeleteProtection as 'on' | 'off';
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
    });
    return {};
  },
});

defineAction({
  name: 'SetLoadBalancerModificationProtection',
  async handler(ctx, p) {
    const status = p.ModificationProtectionStatus as 'NonProtection' | 'ConsoleProtection';
    const reason = status === 'ConsoleProtection' ? (p.ModificationProtectionReason ?? '') : '';
    if (reason) checkProtectionReason(reason);
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      lb.ModificationProtectionStatus = status;
      lb.ModificationProtectionReason = reason;
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
    });
    return {};
  },
});

defineAction({
  name: 'ModifyLoadBalancerInternetSpec',
  errors: { Bandwidth: bandwidthInvalid },
  async handler(ctx, p) {
    let orderId: number | undefined;
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      const before = { ...lb };
      if (lb.AddressType === 'intranet') {
        if (p.InternetChargeType === 'paybybandwidth') fail('ActionNotAllowed', "The Intranet LB's InternetChargeType is not allowed change to paybybandwidth.");
        if (p.Bandwidth !== undefined) fail('InvalidParameter', 'The specified bandwidth is not valid.');
        return;
      }
      const type = p.InternetChargeType ?? lb.InternetChargeType;
      if (type === 'paybybandwidth') {
        if (lb.InstanceChargeType === 'PayByCLCU') fail('ActionNotAllowed', 'The action is not allowed.');
        const bw = p.Bandwidth ?? (lb.InternetChargeType === 'paybybandwidth' ? lb.Bandwidth : undefined);
        if (bw === undefined) fail('InvalidParameter', 'The specified Bandwidth is invalid.');
        checkBandwidth(await getSettings(tx), ctx.caller.accountId, bw);
        lb.Bandwidth = bw;
      } else {
        lb.Bandwidth = 5120;
      }
      lb.InternetChargeType = type as LoadBalancerDoc['InternetChargeType'];
      if (before.PayType === 'PrePay') {
        // a subscription's change is an order; unpaid, it waits (commerce applies it when paid)
        const o = await commerceHooks.change(tx, before, { account: ctx.caller.accountId, action: 'ModifyLoadBalancerInternetSpec', LoadBalancerSpec: lb.LoadBalancerSpec, InternetChargeType: lb.InternetChargeType, Bandwidth: lb.Bandwidth, AutoPay: p.AutoPay ?? true, now: ctx.clock.now() });
        orderId = o.OrderId;
        if (!o.apply) return;
      } else await commerceHooks.payAsYouGoChange(tx, before, ctx.caller.accountId, 'ModifyLoadBalancerInternetSpec');
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
    });
    return orderId !== undefined ? { OrderId: orderId } : {};
  },
});

defineAction({
  name: 'ModifyLoadBalancerInstanceSpec',
  async handler(ctx, p) {
    let orderId: number | undefined;
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      if (lb.InstanceChargeType === 'PayByCLCU') fail('ActionNotAllowed', 'The load balancer instance does not allow to be upgrade.');
      if (lb.LoadBalancerSpec === p.LoadBalancerSpec) return;
      const settings = await getSettings(tx);
      const sold = settings.RegionSpecs[scope.region] ?? [...SPECS];
      if (!sold.includes(p.LoadBalancerSpec)) fail('PRODUCT.INSTANCE_TYPE_NOT_EXIST', "The Instance type doesn't exist.");
      const stock = checkStock(settings, scope.region, lb.MasterZoneId, p.LoadBalancerSpec);
      if (stock === 'zone') fail('InsufficientCapacity', 'There is insufficient capacity available for the requested');
      if (stock === 'spec') fail('PRODUCT.INSUFFICIENT_STOCK', 'The product stock is insufficient.');
      if (lb.PayType === 'PrePay') {
        // a subscription's change is an order; unpaid, it waits (commerce applies it when paid)
        const o = await commerceHooks.change(tx, lb, { account: ctx.caller.accountId, action: 'ModifyLoadBalancerInstanceSpec', LoadBalancerSpec: p.LoadBalancerSpec, InternetChargeType: lb.InternetChargeType, Bandwidth: lb.Bandwidth, AutoPay: p.AutoPay ?? false, now: ctx.clock.now() });
        orderId = o.OrderId;
        if (!o.apply) return;
      } else await commerceHooks.payAsYouGoChange(tx, lb, ctx.caller.accountId, 'ModifyLoadBalancerInstanceSpec');
      if (settings.Stock.length) {
        moveStock(settings, scope.region, lb.MasterZoneId, lb.LoadBalancerSpec, +1);
        moveStock(settings, scope.region, lb.MasterZoneId, p.LoadBalancerSpec, -1);
        await putSettings(tx, settings);
      }
      lb.LoadBalancerSpec = p.LoadBalancerSpec;
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
    });
    return orderId !== undefined ? { OrderId: orderId } : {};
  },
});

defineAction({
  name: 'ModifyLoadBalancerPayType',
  async handler(ctx, p) {
    return ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      const target = p.PayType ?? 'PayOnDemand';
      if (target === lb.PayType) return {};
      if (target === 'PrePay') {
        const order = await placePrePayOrder(tx, {
          account: ctx.caller.accountId,
          region: scope.region,
          action: 'ModifyLoadBalancerPayType',
          LoadBalancerId: lb.LoadBalancerId,
          LoadBalancerSpec: lb.LoadBalancerSpec,
          AddressType: lb.AddressType,
          InternetChargeType: lb.InternetChargeType,
          Bandwidth: lb.Bandwidth,
          PricingCycle: p.PricingCycle,
          Duration: p.Duration,
          AutoPay: p.AutoPay ?? false,
          now: ctx.clock.now(),
        });
        // an unpaid conversion takes effect when the order is paid (commerce applies it then)
        if (!order.paid) return { OrderId: order.OrderId };
        lb.PayType = 'PrePay';
        await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
        return { OrderId: order.OrderId };
      }
      // subscription → pay-as-you-go takes effect at the end of the paid period (commerce issue)
      fail('ActionNotAllowed', 'The action is not allowed.');
    });
  },
});

defineAction({
  name: 'ModifyLoadBalancerInstanceChargeType',
  async handler(ctx, p) {
    await ctx.store.write(async (tx) => {
      const { scope, lb } = await lbForChange(ctx, tx, p.LoadBalancerId, p.RegionId);
      if (lb.InstanceChargeType === 'PayByCLCU' || lb.PayType === 'PrePay') fail('ActionNotAllowed', 'The action is not allowed.');
      // pay-by-LCU instances are billed by traffic: a bandwidth-billed one must say so explicitly
      if (lb.AddressType === 'internet' && lb.InternetChargeType === 'paybybandwidth' && p.InternetChargeType !== 'paybytraffic') fail('ActionNotAllowed', 'The action is not allowed.');
      lb.InstanceChargeType = 'PayByCLCU';
      lb.LoadBalancerSpec = CLCU_SPEC;
      lb.InternetChargeType = 'paybytraffic';
      lb.Bandwidth = 5120;
      await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
    });
    return {};
  },
});

defineAction({
  name: 'MoveResourceGroup',
  async handler(ctx, p) {
    const region = findRegion(p.RegionId);
    if (!region) fail('InvalidRegionId.NotFound');
    const scope = scopeOf(ctx, region.RegionId);
    await ctx.store.write(async (tx) => {
      if (!(await findResourceGroup(tx, ctx.caller.accountId, p.NewResourceGroupId))) fail('InvalidParameter', 'The specified resource does not exist.');
      if (p.ResourceType === 'loadbalancer') {
        const { lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.ResourceId, scope.region);
        requireUnlocked(lb);
        lb.ResourceGroupId = p.NewResourceGroupId;
        await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
        return;
      }
      if (p.ResourceType === 'acl') {
        const acl = await tx.get<Record<string, unknown>>(KINDS.acl, scope, p.ResourceId);
        if (!acl) fail('AclNotExist', 'The specified acl does not exist.');
        acl['ResourceGroupId'] = p.NewResourceGroupId;
        await tx.put(KINDS.acl, scope, p.ResourceId, acl);
        return;
      }
      for (const kind of [KINDS.serverCertificate, KINDS.caCertificate]) {
        const cert = await tx.get<Record<string, unknown>>(kind, scope, p.ResourceId);
        if (!cert) continue;
        cert['ResourceGroupId'] = p.NewResourceGroupId;
        await tx.put(kind, scope, p.ResourceId, cert);
        return;
      }
      fail('ServerCertificateId.NotFound', 'The specified ServerCertificateId does not exist.');
    });
    return {};
  },
});
