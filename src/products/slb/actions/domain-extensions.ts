// CreateDomainExtension, DeleteDomainExtension, SetDomainExtensionAttribute, DescribeDomainExtensions,
// DescribeDomainExtensionAttribute: additional (SNI) certificates of HTTPS listeners.
// Decisions where the real service is unknown: docs/rules-and-extensions.md.
import { fail } from '../../../errors/catalog.js';
import { KINDS, listenerId, requireLoadBalancer, type ListenerDoc } from '../services/model.js';
import { assertWritable, domainExtensionsOfListener, findListener, isValidDomain, observeListener, writeKeepingBusy, type DomainExtensionDoc } from '../services/rules.js';
import type { ApiError } from '../../../errors/catalog.js';
import { scopeOf } from '../services/scope.js';
import type { Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { defineAction } from '../registry.js';
import { requireRegion } from './regions.js';

/** Additional domains per HTTPS listener: the CLB default quota (adjustable up to 10 on request). */
export const MAX_DOMAIN_EXTENSIONS_PER_LISTENER = 3;

const missing = (name: string): never => fail('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name });

async function requireDomainExtension(tx: Tx, scope: Scope, id: string): Promise<DomainExtensionDoc> {
  const d = await tx.get<DomainExtensionDoc>(KINDS.domainExtension, scope, id.trim());
  if (!d) fail('InvalidParameter.DomainExtensionId', 'The specified DomainExtensionId does not exist.');
  return d;
}

async function requireServerCertificate(tx: Tx, scope: Scope, id: string): Promise<void> {
  if (!(await tx.get(KINDS.serverCertificate, scope, id.trim()))) fail('InvalidParameter.ServerCertificateId', 'The specified ServerCertificateId does not exist.');
}

function assertNotProcessing(d: DomainExtensionDoc): void {
  if (d.Status === 'configuring') fail('DomainExtensionProcessing', 'A previous configuration of the DomainExtension is pending, please try again later.');
}

/** The HTTPS listener of an extension, observed: its busy error while it is in the middle of a change. */
async function listenerBusy(tx: Tx, scope: Scope, d: DomainExtensionDoc, now: number): Promise<ApiError | undefined> {
  const l = await tx.get<ListenerDoc>(KINDS.listener, scope, listenerId(d.LoadBalancerId, 'https', d.ListenerPort));
  return l ? observeListener(tx, scope, l, now) : undefined;
}

const view = (d: DomainExtensionDoc) => ({ DomainExtensionId: d.DomainExtensionId, Domain: d.Domain, ServerCertificateId: d.ServerCertificateId });

defineAction({
  name: 'CreateDomainExtension',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const certId = p.ServerCertificateId?.trim() || missing('ServerCertificateId');
    const domain = p.Domain.trim();
    if (!isValidDomain(domain)) fail('InvalidParameter', 'The specified parameter is not valid.');
    const now = ctx.clock.now();
    return writeKeepingBusy(ctx.store, async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      assertWritable(lb);
      const l = await findListener(tx, scope, lb.LoadBalancerId, p.ListenerPort);
      if (l.ListenerProtocol !== 'https') fail('UnsupportedOperationonfixedprotocalport', 'The operation is not supported by the protocol of the specified port.');
      const busy = await observeListener(tx, scope, l, now);
      if (busy) return busy;
      const existing = await domainExtensionsOfListener(tx, scope, lb.LoadBalancerId, l.ListenerPort);
      existing.forEach(assertNotProcessing);
      await requireServerCertificate(tx, scope, certId);
      if (existing.some((d) => d.Domain.toLowerCase() === domain.toLowerCase())) fail('InvalidParameter.Domain', 'The specified Domain exists.');
      if (existing.length >= MAX_DOMAIN_EXTENSIONS_PER_LISTENER) fail('OverQuota', 'The Total is over the quota.');
      const doc: DomainExtensionDoc = {
        DomainExtensionId: ctx.ids.next('de-', 13),
        LoadBalancerId: lb.LoadBalancerId,
        ListenerPort: l.ListenerPort,
        Domain: domain,
        ServerCertificateId: certId,
        Status: 'normal',
        CreateTime: isoSeconds(now),
      };
      await tx.put(KINDS.domainExtension, scope, doc.DomainExtensionId, doc);
      return { ListenerPort: doc.ListenerPort, DomainExtensionId: doc.DomainExtensionId };
    });
  },
});

defineAction({
  name: 'DeleteDomainExtension',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const scope = scopeOf(ctx, p.RegionId!);
    const now = ctx.clock.now();
    return writeKeepingBusy(ctx.store, async (tx) => {
      const d = await requireDomainExtension(tx, scope, p.DomainExtensionId);
      assertNotProcessing(d);
      const { lb } = await requireLoadBalancer(tx, ctx.caller.accountId, d.LoadBalancerId, scope.region);
      assertWritable(lb);
      const busy = await listenerBusy(tx, scope, d, now);
      if (busy) return busy;
      await tx.delete(KINDS.domainExtension, scope, d.DomainExtensionId);
      return {};
    });
  },
});

defineAction({
  name: 'SetDomainExtensionAttribute',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const certId = p.ServerCertificateId?.trim() || missing('ServerCertificateId');
    const scope = scopeOf(ctx, p.RegionId!);
    const now = ctx.clock.now();
    return writeKeepingBusy(ctx.store, async (tx) => {
      const d = await requireDomainExtension(tx, scope, p.DomainExtensionId);
      assertNotProcessing(d);
      const { lb } = await requireLoadBalancer(tx, ctx.caller.accountId, d.LoadBalancerId, scope.region);
      assertWritable(lb);
      const busy = await listenerBusy(tx, scope, d, now);
      if (busy) return busy;
      await requireServerCertificate(tx, scope, certId);
      if (d.ServerCertificateId !== certId) await tx.put(KINDS.domainExtension, scope, d.DomainExtensionId, { ...d, ServerCertificateId: certId });
      return {};
    });
  },
});

defineAction({
  name: 'DescribeDomainExtensions',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    return ctx.store.read(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      const want = p.DomainExtensionId?.trim();
      const list = (await domainExtensionsOfListener(tx, scope, lb.LoadBalancerId, p.ListenerPort)).filter((d) => !want || d.DomainExtensionId === want);
      return { DomainExtensions: { DomainExtension: list.map(view) } };
    });
  },
});

defineAction({
  name: 'DescribeDomainExtensionAttribute',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const scope = scopeOf(ctx, p.RegionId!);
    return ctx.store.read(async (tx) => {
      const d = await requireDomainExtension(tx, scope, p.DomainExtensionId);
      return { ...view(d), LoadBalancerId: d.LoadBalancerId, ListenerPort: d.ListenerPort };
    });
  },
});
