// CreateRules, DeleteRules, SetRule, DescribeRules, DescribeRuleAttribute: forwarding rules of
// HTTP/HTTPS listeners. Domain rules live in src/products/slb/services/rules.ts; docs/rules-and-extensions.md.
import { apiError, fail } from '../../../errors/catalog.js';
import { KINDS, listenerId, requireLoadBalancer, type ListenerDoc } from '../services/model.js';
import {
  MAX_RULES_PER_LISTENER,
  OVERRIDE_FIELDS,
  assertWritable,
  findListener,
  isValidRuleName,
  parseRuleItem,
  requireVServerGroup,
  ruleKey,
  ruleView,
  observeListener,
  writeKeepingBusy,
  rulesOfListener,
  type RuleDoc,
} from '../services/rules.js';
import { scopeOf } from '../services/scope.js';
import type { Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { defineAction } from '../registry.js';
import { requireRegion } from './regions.js';

const ruleListMalformed = () => apiError('RuleListMalformed', 'the specified parameter RuleList is unavailable.');
const badValue = () => apiError('InvalidParameter', 'The specified parameter is not valid.');

/** A listener whose traffic is redirected to another listener (ListenerForward) takes no rule changes. */
function assertNotForwarded(l: ListenerDoc): void {
  if (l.ListenerForward === 'on') fail('OperationFailed.ListenerConflict', 'The rule does not support this operation because of same port listener.');
}

async function requireRule(tx: Tx, scope: Scope, id: string): Promise<RuleDoc> {
  const r = await tx.get<RuleDoc>(KINDS.rule, scope, id.trim());
  if (!r) fail('InvalidRuleId.NotFound', 'Rule does not exist.');
  return r;
}

async function listenerOf(tx: Tx, scope: Scope, r: RuleDoc): Promise<ListenerDoc | undefined> {
  return tx.get<ListenerDoc>(KINDS.listener, scope, listenerId(r.LoadBalancerId, r.ListenerProtocol, r.ListenerPort));
}

defineAction({
  name: 'CreateRules',
  errors: { RuleList: { malformed: ruleListMalformed, tooMany: ruleListMalformed } },
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    // The whole list is checked before anything is looked up or stored.
    const items = p.RuleList.map(parseRuleItem);
    if (items.length === 0) throw ruleListMalformed();
    const now = ctx.clock.now();
    return writeKeepingBusy(ctx.store, async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      assertWritable(lb);
      const l = await findListener(tx, scope, lb.LoadBalancerId, p.ListenerPort, p.ListenerProtocol);
      if (l.ListenerProtocol !== 'http' && l.ListenerProtocol !== 'https') fail('RuleNotSupport', 'Rule is not support in the tcp type listener.');
      assertNotForwarded(l);
      const busy = await observeListener(tx, scope, l, now);
      if (busy) return busy;
      for (const g of new Set(items.map((i) => i.VServerGroupId))) await requireVServerGroup(tx, scope, lb.LoadBalancerId, g);
      const existing = await rulesOfListener(tx, scope, lb.LoadBalancerId, l.ListenerPort, l.ListenerProtocol);
      const keys = new Set(existing.map((r) => ruleKey(r.Domain, r.Url)));
      const names = new Set(existing.map((r) => r.RuleName));
      for (const i of items) {
        const k = ruleKey(i.Domain, i.Url);
        if (keys.has(k)) fail('DomainExist', 'rule with same domain and url already exists in specified vip');
        if (names.has(i.RuleName)) fail('InvalidParameter', 'The resource already exists.');
        keys.add(k);
        names.add(i.RuleName);
      }
      if (existing.length + items.length > MAX_RULES_PER_LISTENER) fail('TooManyRules', 'the number of rules under specified vip is beyond maximum limit.');
      const created: RuleDoc[] = [];
      for (const i of items) {
        const doc: RuleDoc = {
          RuleId: ctx.ids.next('rule-', 13),
          RuleName: i.RuleName,
          LoadBalancerId: lb.LoadBalancerId,
          ListenerPort: l.ListenerPort,
          ListenerProtocol: l.ListenerProtocol as 'http' | 'https',
          ...(i.Domain !== undefined ? { Domain: i.Domain } : {}),
          ...(i.Url !== undefined ? { Url: i.Url } : {}),
          VServerGroupId: i.VServerGroupId,
          ListenerSync: i.ListenerSync,
          ...(i.overrides as Partial<RuleDoc>),
          CreateTime: isoSeconds(now),
        };
        await tx.put(KINDS.rule, scope, doc.RuleId, doc);
        created.push(doc);
      }
      // CreateRules answers only the ids and names (the v1 SDK's merged Rule struct lists more).
      return { Rules: { Rule: created.map((r) => ({ RuleId: r.RuleId, RuleName: r.RuleName })) } };
    });
  },
});

defineAction({
  name: 'DeleteRules',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const ids = [...new Set(p.RuleIds.map((x) => String(x).trim()).filter((x) => x !== ''))];
    if (ids.length === 0) throw badValue();
    const scope = scopeOf(ctx, p.RegionId!);
    const now = ctx.clock.now();
    return writeKeepingBusy(ctx.store, async (tx) => {
      const rules: RuleDoc[] = [];
      for (const id of ids) rules.push(await requireRule(tx, scope, id));
      const first = rules[0]!;
      const same = (r: RuleDoc) => r.LoadBalancerId === first.LoadBalancerId && r.ListenerPort === first.ListenerPort && r.ListenerProtocol === first.ListenerProtocol;
      if (!rules.every(same)) fail('Operation.NotAllowed', 'The specified rules must be in the same listener.');
      const { lb } = await requireLoadBalancer(tx, ctx.caller.accountId, first.LoadBalancerId, scope.region);
      assertWritable(lb);
      const l = await listenerOf(tx, scope, first);
      if (l) {
        assertNotForwarded(l);
        const busy = await observeListener(tx, scope, l, now);
        if (busy) return busy;
      }
      for (const r of rules) await tx.delete(KINDS.rule, scope, r.RuleId);
      return {};
    });
  },
});

/** Cookie names: no ',', ';' or blanks, not starting with '$' (cookie-name rules of RFC 6265). */
const validCookie = (c: string) => !/[,;\s]/.test(c) && !c.startsWith('$');
const validHealthCheckDomain = (d: string) => d === '$_ip' || /^[A-Za-z0-9.-]{1,80}$/.test(d);
// Same character set the listener family accepts for its HealthCheckURI (`_` and `=` included).
const validHealthCheckUri = (u: string) => /^\/[A-Za-z0-9\-/.%?#&_=]{0,79}$/.test(u);

defineAction({
  name: 'SetRule',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const given = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
    const name = given(p.RuleName);
    if (name !== undefined && !isValidRuleName(name)) throw badValue();
    if (given(p.Cookie) !== undefined && !validCookie(p.Cookie!)) throw badValue();
    if (given(p.HealthCheckDomain) !== undefined && !validHealthCheckDomain(p.HealthCheckDomain!)) throw badValue();
    if (given(p.HealthCheckURI) !== undefined && !validHealthCheckUri(p.HealthCheckURI!)) throw badValue();
    const scope = scopeOf(ctx, p.RegionId!);
    const now = ctx.clock.now();
    return writeKeepingBusy(ctx.store, async (tx) => {
      const rule = await requireRule(tx, scope, p.RuleId);
      const { lb } = await requireLoadBalancer(tx, ctx.caller.accountId, rule.LoadBalancerId, scope.region);
      assertWritable(lb);
      const l = await listenerOf(tx, scope, rule);
      if (!l) fail('ListenerNotFound', 'You have not created a listener for the specified port of the load balancer.');
      assertNotForwarded(l);
      const busy = await observeListener(tx, scope, l, now);
      if (busy) return busy;
      const group = given(p.VServerGroupId);
      if (group !== undefined) await requireVServerGroup(tx, scope, rule.LoadBalancerId, group);
      if (name !== undefined && name !== rule.RuleName) {
        const others = await rulesOfListener(tx, scope, rule.LoadBalancerId, rule.ListenerPort, rule.ListenerProtocol);
        if (others.some((r) => r.RuleId !== rule.RuleId && r.RuleName === name)) fail('InvalidParameter', 'The resource already exists.');
      }
      const next: RuleDoc = { ...rule };
      if (name !== undefined) next.RuleName = name;
      if (group !== undefined) next.VServerGroupId = group;
      const sync = given(p.ListenerSync);
      if (sync !== undefined) next.ListenerSync = sync as 'on' | 'off';
      const src = p as unknown as Record<string, unknown>;
      const out = next as unknown as Record<string, unknown>;
      for (const f of OVERRIDE_FIELDS) {
        const v = src[f];
        if (v !== undefined && v !== '') out[f] = v;
      }
      await tx.put(KINDS.rule, scope, next.RuleId, next);
      return {};
    });
  },
});

defineAction({
  name: 'DescribeRules',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    return ctx.store.read(async (tx) => {
      const { scope, lb } = await requireLoadBalancer(tx, ctx.caller.accountId, p.LoadBalancerId, p.RegionId);
      const l = await findListener(tx, scope, lb.LoadBalancerId, p.ListenerPort, p.ListenerProtocol);
      const rules = await rulesOfListener(tx, scope, lb.LoadBalancerId, l.ListenerPort, l.ListenerProtocol);
      return { Rules: { Rule: rules.map((r) => ruleView(r, l)) } };
    });
  },
});

defineAction({
  name: 'DescribeRuleAttribute',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const scope = scopeOf(ctx, p.RegionId!);
    return ctx.store.read(async (tx) => {
      const rule = await requireRule(tx, scope, p.RuleId);
      const l = await listenerOf(tx, scope, rule);
      // Terraform's read compares the echoed RuleId with the one it asked for.
      return { ...ruleView(rule, l), LoadBalancerId: rule.LoadBalancerId, ListenerPort: String(rule.ListenerPort) };
    });
  },
});
