// Custom TLS cipher policies: CreateTLSCipherPolicy, DeleteTLSCipherPolicy, ListTLSCipherPolicies,
// SetTLSCipherPolicyAttribute. Rules in src/products/slb/services/tls-cipher-policies.ts.
import { apiError, fail } from '../../../errors/catalog.js';
import { KINDS } from '../services/model.js';
import { checkName, nameMatcher } from '../services/names.js';
import { scopeOf } from '../services/scope.js';
import { listenersUsingPolicy, readPolicy, relateOut, type TLSCipherPolicyDoc } from '../services/tls-cipher-policies.js';
import type { Scope, Tx } from '../../../state/store.js';
import { defineAction } from '../registry.js';
import { requireRegion } from './regions.js';

const NAME = nameMatcher(['letters', 'digits', '-', '_', '.'], true);
const badValue = () => apiError('InvalidParameter', 'The specified parameter is not valid.');

async function requirePolicy(tx: Tx, scope: Scope, id: string): Promise<TLSCipherPolicyDoc> {
  const p = await tx.get<TLSCipherPolicyDoc>(KINDS.tlsCipherPolicy, scope, id.trim());
  if (!p) fail('InvalidTLSPolicyId.NotExist', 'The specified TLS cipher policy does not exist.');
  return p;
}

defineAction({
  name: 'CreateTLSCipherPolicy',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, requireRegion(p.RegionId).RegionId);
    checkName(p.Name, NAME);
    const policy = readPolicy(p.TLSVersions, p.Ciphers);
    const doc: TLSCipherPolicyDoc = { TLSCipherPolicyId: ctx.ids.next('tls-', 24), Name: p.Name, ...policy, Status: 'normal', CreateTime: ctx.clock.now() };
    await ctx.store.write((tx) => tx.put(KINDS.tlsCipherPolicy, scope, doc.TLSCipherPolicyId, doc));
    return { TLSCipherPolicyId: doc.TLSCipherPolicyId };
  },
});

defineAction({
  name: 'SetTLSCipherPolicyAttribute',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, requireRegion(p.RegionId).RegionId);
    checkName(p.Name, NAME);
    const policy = readPolicy(p.TLSVersions, p.Ciphers);
    await ctx.store.write(async (tx) => {
      const cur = await requirePolicy(tx, scope, p.TLSCipherPolicyId);
      await tx.put(KINDS.tlsCipherPolicy, scope, cur.TLSCipherPolicyId, { ...cur, Name: p.Name, ...policy });
    });
    return { TaskId: ctx.ids.next('task-', 20) };
  },
});

defineAction({
  name: 'DeleteTLSCipherPolicy',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, requireRegion(p.RegionId).RegionId);
    await ctx.store.write(async (tx) => {
      const cur = await requirePolicy(tx, scope, p.TLSCipherPolicyId);
      const users = await listenersUsingPolicy(tx, scope, cur.TLSCipherPolicyId);
      if (users.some((l) => l.Status === 'running' || l.Status === 'starting' || l.Status === 'configuring')) {
        fail('TLSPolicyBeingUsed', 'The specified TLS cipher policy is being used.');
      }
      if (users.length) fail('TLSPolicyRelated', 'The specified TLS cipher policy is related with listeners.');
      await tx.delete(KINDS.tlsCipherPolicy, scope, cur.TLSCipherPolicyId);
    });
    return {};
  },
});

defineAction({
  name: 'ListTLSCipherPolicies',
  async handler(ctx, p) {
    const scope = scopeOf(ctx, requireRegion(p.RegionId).RegionId);
    const max = p.MaxItems ?? 20;
    return ctx.store.read(async (tx) => {
      const all = (await tx.list<TLSCipherPolicyDoc>(KINDS.tlsCipherPolicy, scope)).filter(
        (x) => (!p.TLSCipherPolicyId || x.TLSCipherPolicyId === p.TLSCipherPolicyId.trim()) && (!p.Name || x.Name === p.Name),
      );
      // NextToken is the id of the first policy of the next page.
      let start = 0;
      if (p.NextToken) {
        start = all.findIndex((x) => x.TLSCipherPolicyId === p.NextToken);
        if (start < 0) throw badValue();
      }
      const page = all.slice(start, start + max);
      const next = all[start + max];
      const items = [];
      for (const x of page) {
        const relate = p.IncludeListener ? (await listenersUsingPolicy(tx, scope, x.TLSCipherPolicyId)).map(relateOut) : [];
        items.push({
          InstanceId: x.TLSCipherPolicyId,
          Name: x.Name,
          Status: x.Status,
          CreateTime: x.CreateTime,
          TLSVersions: x.TLSVersions,
          Ciphers: x.Ciphers,
          RelateListeners: relate,
          ServiceManagedMode: 'Unmanaged',
        });
      }
      return {
        TLSCipherPolicies: items,
        TotalCount: all.length,
        IsTruncated: next !== undefined,
        ...(next ? { NextToken: next.TLSCipherPolicyId } : {}),
      };
    });
  },
});
