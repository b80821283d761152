// Forwarding rules through both real clients: the Terraform alicloud_slb_rule flow
// (client-behaviours.md §2), field-by-field shapes and every error condition of docs/rules-and-extensions.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS } from '../../src/products/slb/services/model.js';
import { dropListenerChildren } from '../../src/products/slb/services/rules.js';
import { countKind, putLb, putListener, putServerCertificate, putVServerGroup, REGION, scopeIn, setListener } from '../helpers/fixtures-rules.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';

type Body = Record<string, unknown>;

/** pop-core parses JSON into null-prototype objects; compare plain data. */
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

async function fails(fn: () => Promise<unknown>): Promise<{ code: string; message: unknown; status?: number }> {
  const e = await rejects(fn);
  return { code: e.code, message: e.data?.['Message'], status: e.statusCode };
}

/** Terraform's RuleList: proper JSON with the four documented keys. */
const ruleList = (...rules: Record<string, string>[]) => JSON.stringify(rules);

async function setup(s: TestServer) {
  const lb = await putLb(s);
  const http = await putListener(s, lb, 'http', 80);
  const g1 = await putVServerGroup(s, lb);
  const g2 = await putVServerGroup(s, lb);
  return { lb, http, g1, g2 };
}

test('forwarding rules', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('Terraform alicloud_slb_rule: create, set, read by GET, delete with single quotes, poll until gone', async () => {
    const { lb, g1, g2 } = await setup(s);
    // CreateRules (tea-rpc POST; here openapi-client V3) with proper JSON.
    const created = await s.v3('CreateRules', {
      RegionId: REGION,
      LoadBalancerId: lb.LoadBalancerId,
      ListenerPort: 80,
      RuleList: ruleList({ Domain: 'www.example.com', Url: '/api', VServerGroupId: g1, RuleName: 'tf-slb-rule' }),
    });
    assert.equal(created.statusCode, 200);
    const body = created.body as { RequestId: string; Rules: { Rule: Body[] } };
    assert.deepEqual(Object.keys(body).sort(), ['RequestId', 'Rules']);
    assert.equal(body.Rules.Rule.length, 1);
    assert.deepEqual(Object.keys(body.Rules.Rule[0]!).sort(), ['RuleId', 'RuleName']);
    const id = body.Rules.Rule[0]!['RuleId'] as string;
    assert.match(id, /^rule-[a-z0-9]{13}$/);
    assert.equal(body.Rules.Rule[0]!['RuleName'], 'tf-slb-rule');

    // Create → Update: SetRule with ListenerSync=on (the schema default) and the name/group.
    const set = await s.call('SetRule', { RegionId: REGION, RuleId: id, ListenerSync: 'on', RuleName: 'tf-slb-rule', VServerGroupId: g1 }, { method: 'POST' });
    assert.deepEqual(Object.keys(set), ['RequestId']);

    // Read: DescribeRuleAttribute over GET must echo the RuleId; ListenerPort is a number, as everywhere (docs/wire-types.md).
    const attr = plain(await s.call('DescribeRuleAttribute', { RegionId: REGION, RuleId: id }));
    assert.deepEqual(attr, {
      RequestId: attr['RequestId'],
      RuleId: id,
      RuleName: 'tf-slb-rule',
      Domain: 'www.example.com',
      Url: '/api',
      VServerGroupId: g1,
      ListenerSync: 'on',
      // ListenerSync on: the listener's own settings show through.
      Scheduler: 'wrr',
      StickySession: 'off',
      HealthCheck: 'on',
      HealthCheckURI: '/ping',
      HealthyThreshold: 3,
      UnhealthyThreshold: 3,
      HealthCheckTimeout: 5,
      HealthCheckInterval: 2,
      HealthCheckHttpCode: 'http_2xx',
      LoadBalancerId: lb.LoadBalancerId,
      ListenerPort: 80,
    });

    // Update: server_group_id and rule-level overrides with listener_sync off.
    await s.v3('SetRule', {
      RegionId: REGION,
      RuleId: id,
      VServerGroupId: g2,
      ListenerSync: 'off',
      Scheduler: 'rr',
      StickySession: 'on',
      StickySessionType: 'insert',
      CookieTimeout: 300,
      HealthCheck: 'on',
      HealthCheckTimeout: 7,
      HealthCheckURI: '/health',
      HealthyThreshold: 4,
      UnhealthyThreshold: 5,
      HealthCheckInterval: 6,
      HealthCheckHttpCode: 'http_3xx',
      HealthCheckDomain: '$_ip',
      HealthCheckConnectPort: 8081,
    });
    const v3attr = (await s.v3('DescribeRuleAttribute', { RegionId: REGION, RuleId: id })).body;
    assert.deepEqual(v3attr, {
      RequestId: v3attr['RequestId'],
      RuleId: id,
      RuleName: 'tf-slb-rule',
      Domain: 'www.example.com',
      Url: '/api',
      VServerGroupId: g2,
      ListenerSync: 'off',
      Scheduler: 'rr',
      StickySession: 'on',
      StickySessionType: 'insert',
      CookieTimeout: 300,
      HealthCheck: 'on',
      HealthCheckDomain: '$_ip',
      HealthCheckURI: '/health',
      HealthCheckConnectPort: 8081,
      HealthyThreshold: 4,
      UnhealthyThreshold: 5,
      HealthCheckTimeout: 7,
      HealthCheckInterval: 6,
      HealthCheckHttpCode: 'http_3xx',
      LoadBalancerId: lb.LoadBalancerId,
      ListenerPort: 80,
    });

    // DescribeRules lists it with the same view.
    const list = (await s.call('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80 })) as { Rules: { Rule: Body[] } };
    assert.equal(list.Rules.Rule.length, 1);
    assert.equal(list.Rules.Rule[0]!['RuleId'], id);
    assert.equal(list.Rules.Rule[0]!['CookieTimeout'], 300);

    // Delete: RuleIds written with single quotes, then poll the attribute until it is gone.
    await s.call('DeleteRules', { RegionId: REGION, RuleIds: `['${id}']` }, { method: 'POST' });
    let gone: { code: string; message: unknown; status?: number } | undefined;
    for (let i = 0; i < 5 && !gone; i++) {
      try {
        await s.call('DescribeRuleAttribute', { RegionId: REGION, RuleId: id });
      } catch (e) {
        gone = { code: (e as { code: string }).code, message: (e as { data: Body }).data['Message'] };
      }
    }
    assert.deepEqual(gone, { code: 'InvalidRuleId.NotFound', message: 'Rule does not exist.' });
    const v3gone = await fails(() => s.v3('DescribeRuleAttribute', { RegionId: REGION, RuleId: id }));
    assert.deepEqual(v3gone, { code: 'InvalidRuleId.NotFound', message: 'Rule does not exist.', status: 404 });
    // A second delete is the same 404 (Terraform treats it as success).
    assert.equal((await fails(() => s.call('DeleteRules', { RegionId: REGION, RuleIds: `['${id}']` }))).code, 'InvalidRuleId.NotFound');
    const empty = (await s.call('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80 })) as { Rules: { Rule: Body[] } };
    assert.deepEqual(plain(empty.Rules), { Rule: [] });
  });

  await t.test('a batch is all or nothing; ten per call; HTTPS listeners too', async () => {
    const { lb, g1 } = await setup(s);
    await putListener(s, lb, 'https', 443, { ServerCertificateId: 'cert-x' });
    const ten = Array.from({ length: 10 }, (_, i) => ({ RuleName: `r${i}`, Url: `/p${i}`, VServerGroupId: g1 }));
    const r = (await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, RuleList: JSON.stringify(ten) })) as { Rules: { Rule: Body[] } };
    assert.deepEqual(r.Rules.Rule.map((x) => x['RuleName']), ten.map((x) => x.RuleName));
    const eleven = [...ten, { RuleName: 'r10', Url: '/p10', VServerGroupId: g1 }];
    const e = await fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: JSON.stringify(eleven) }));
    assert.deepEqual(e, { code: 'RuleListMalformed', message: 'the specified parameter RuleList is unavailable.', status: 400 });
    // The second element is bad: the first is not stored either.
    const before = await countKind(s, KINDS.rule);
    const bad = await fails(() =>
      s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'ok', Url: '/ok', VServerGroupId: g1 }, { RuleName: 'ko', Url: '/ok', VServerGroupId: g1 }) }),
    );
    assert.equal(bad.code, 'DomainExist');
    assert.equal(await countKind(s, KINDS.rule), before);
    // DeleteRules takes ten at a time too, single-quoted.
    const ids = r.Rules.Rule.map((x) => x['RuleId'] as string);
    await s.call('DeleteRules', { RegionId: REGION, RuleIds: `[${ids.map((i) => `'${i}'`).join(',')}]` });
    assert.equal(await countKind(s, KINDS.rule), before - 10);
  });

  await t.test('RuleList format errors', async () => {
    const { lb, g1 } = await setup(s);
    const create = (RuleList: string) => fails(() => s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList }));
    const malformed = { code: 'RuleListMalformed', message: 'the specified parameter RuleList is unavailable.', status: undefined };
    for (const bad of ['[{"RuleName":', '[]', '"text"', ruleList({ Url: '/a', VServerGroupId: g1 }), ruleList({ RuleName: 'a b', Url: '/a', VServerGroupId: g1 }), ruleList({ RuleName: 'x'.repeat(41), Url: '/a', VServerGroupId: g1 }), ruleList({ RuleName: 'n', VServerGroupId: g1 }), ruleList({ RuleName: 'n', Url: '/a' }), ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: g1, ListenerSync: 'maybe' })]) {
      assert.deepEqual({ ...(await create(bad)), status: undefined }, malformed, bad);
    }
    for (const d of ['bad_domain', '-a.com', '*', 'a..b', `${'a'.repeat(64)}.com`, 'www.exa mple.com']) {
      assert.deepEqual(await create(ruleList({ RuleName: 'n', Domain: d, VServerGroupId: g1 })), { code: 'DomainMalformed', message: 'the specified domain in RuleList parameter is unavailable.', status: undefined }, d);
    }
    for (const u of ['api', '/a b', '/<x>', `/${'a'.repeat(80)}`]) {
      assert.deepEqual(await create(ruleList({ RuleName: 'n', Url: u, VServerGroupId: g1 })), { code: 'UrlMalformed', message: 'the specified url in RuleList parameter is unavailable.', status: undefined }, u);
    }
    assert.deepEqual(await create(ruleList({ RuleName: 'n', Url: '/', VServerGroupId: g1 })), { code: 'URLNotSupport', message: 'the URL in the rule is invalid.', status: undefined });
    // Wildcard domains and every documented URL character are fine.
    const ok = (await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: `[{'RuleName':'w-1/._','Domain':'*.Example.com','Url':'/a-b/c.d%20?x&y#z','VServerGroupId':'${g1}'}]` })) as { Rules: { Rule: Body[] } };
    assert.equal(ok.Rules.Rule.length, 1);
    const m = await fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80 }));
    assert.deepEqual(m, { code: 'MissingParameter', message: 'The input parameter "RuleList" that is mandatory for processing this request is not supplied.', status: 400 });
  });

  await t.test('listener, group and uniqueness errors', async () => {
    const { lb, g1, g2 } = await setup(s);
    const tcp = 53;
    await putListener(s, lb, 'tcp', tcp);
    const other = await putLb(s);
    const foreign = await putVServerGroup(s, other);
    const create = (port: number, RuleList: string, extra: Body = {}) => fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, RuleList, ...extra }));

    assert.deepEqual(await create(tcp, ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: g1 })), { code: 'RuleNotSupport', message: 'Rule is not support in the tcp type listener.', status: 400 });
    assert.deepEqual(await create(8080, ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: g1 })), { code: 'ListenerNotFound', message: 'You have not created a listener for the specified port of the load balancer.', status: 404 });
    assert.deepEqual(await create(80, ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: g1 }), { ListenerProtocol: 'https' }), { code: 'ListenerNotFound', message: 'You have not created a listener for the specified port of the load balancer.', status: 404 });
    const notFound = { code: 'InvalidParameter', message: 'The specified VServerGroupId does not exist.', status: 404 };
    assert.deepEqual(await create(80, ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: foreign })), notFound);
    assert.deepEqual(await create(80, ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: 'rsp-nothere' })), notFound);
    const lbGone = await fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: 'lb-nothere', ListenerPort: 80, RuleList: ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: g1 }) }));
    assert.deepEqual(lbGone, { code: 'InvalidLoadBalancerId.NotFound', message: 'The specified LoadBalancerId does not exist.', status: 404 });

    await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'first', Domain: 'a.example.com', Url: '/x', VServerGroupId: g1 }) });
    // Same domain (any case) and url on the listener.
    assert.deepEqual(await create(80, ruleList({ RuleName: 'second', Domain: 'A.EXAMPLE.COM', Url: '/x', VServerGroupId: g2 })), { code: 'DomainExist', message: 'rule with same domain and url already exists in specified vip', status: 400 });
    assert.deepEqual(await create(80, ruleList({ RuleName: 'first', Domain: 'b.example.com', VServerGroupId: g2 })), { code: 'InvalidParameter', message: 'The resource already exists.', status: 400 });
    // Same url with a different domain, or no domain, is another rule.
    await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'third', Url: '/x', VServerGroupId: g2 }) });
  });

  await t.test('concurrent CreateRules on one listener: serialized, the quota holds, nothing lost', async () => {
    const { lb, g1 } = await setup(s);
    const batch = (b: number) => JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ RuleName: `c${b}-${i}`, Url: `/c${b}/${i}`, VServerGroupId: g1 })));
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, b) => s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: batch(b) }, { method: 'POST' })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 4);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'TooManyRules');
    const all = (await s.call('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80 })) as { Rules: { Rule: Body[] } };
    assert.equal(all.Rules.Rule.length, 40);
    assert.equal(new Set(all.Rules.Rule.map((r) => r['RuleId'])).size, 40);
    assert.deepEqual(await fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, ListenerProtocol: 'ftp', RuleList: batch(9) })), { code: 'InvalidParameter', message: 'The specified protocol is not valid.', status: 400 });
  });

  await t.test('TooManyRules at 40 per listener', async () => {
    const { lb, g1 } = await setup(s);
    for (let batch = 0; batch < 4; batch++) {
      const items = Array.from({ length: 10 }, (_, i) => ({ RuleName: `r${batch}-${i}`, Url: `/b${batch}/${i}`, VServerGroupId: g1 }));
      await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: JSON.stringify(items) });
    }
    const e = await fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'r41', Url: '/41', VServerGroupId: g1 }) }));
    assert.deepEqual(e, { code: 'TooManyRules', message: 'the number of rules under specified vip is beyond maximum limit.', status: 400 });
  });

  await t.test('listener state, forwarding and locks', async () => {
    const { lb, g1 } = await setup(s);
    const created = (await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: g1 }) })) as { Rules: { Rule: Body[] } };
    const id = created.Rules.Rule[0]!['RuleId'] as string;
    const busy = { code: 'OperationFailed.ListenerStatusNotSupport', message: 'The status of the listener does not support this operation. Please try again later.', status: 400 };
    for (const Status of ['starting', 'stopping', 'configuring'] as const) {
      await setListener(s, lb, 'http', 80, { Status });
      assert.deepEqual(await fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'm', Url: '/b', VServerGroupId: g1 }) })), busy);
      assert.deepEqual(await fails(() => s.v3('SetRule', { RegionId: REGION, RuleId: id, RuleName: 'x' })), busy);
      assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify([id]) })), busy);
    }
    await setListener(s, lb, 'http', 80, { Status: 'stopped' });
    await s.v3('SetRule', { RegionId: REGION, RuleId: id, RuleName: 'renamed' });
    await setListener(s, lb, 'http', 80, { ListenerForward: 'on', ForwardPort: 443 });
    const conflict = { code: 'OperationFailed.ListenerConflict', message: 'The rule does not support this operation because of same port listener.', status: 400 };
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify([id]) })), conflict);
    assert.deepEqual(await fails(() => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'm', Url: '/b', VServerGroupId: g1 }) })), conflict);
    await setListener(s, lb, 'http', 80, { ListenerForward: 'off' });
    await s.store.write((tx) => tx.put(KINDS.loadBalancer, scopeIn(s), lb.LoadBalancerId, { ...lb, LoadBalancerStatus: 'locked', LockReason: 'financial' }));
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify([id]) })), { code: 'ActionNotAllowed', message: 'Locked for any Business Reason.', status: 400 });
    // Reads still work on a locked instance.
    assert.equal((await s.call('DescribeRuleAttribute', { RegionId: REGION, RuleId: id }))['RuleName'], 'renamed');
  });

  await t.test('DeleteRules: same listener only, unknown ids, bad lists', async () => {
    const { lb, g1 } = await setup(s);
    await putListener(s, lb, 'https', 443);
    const one = (port: number) => s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, RuleList: ruleList({ RuleName: 'n', Url: '/a', VServerGroupId: g1 }) }) as Promise<{ Rules: { Rule: Body[] } }>;
    const a = (await one(80)).Rules.Rule[0]!['RuleId'] as string;
    const b = (await one(443)).Rules.Rule[0]!['RuleId'] as string;
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify([a, b]) })), { code: 'Operation.NotAllowed', message: 'The specified rules must be in the same listener.', status: 400 });
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify([a, 'rule-nothere']) })), { code: 'InvalidRuleId.NotFound', message: 'Rule does not exist.', status: 404 });
    // Another region does not see the rule.
    assert.equal((await fails(() => s.v3('DeleteRules', { RegionId: 'cn-shanghai', RuleIds: JSON.stringify([a]) }))).code, 'InvalidRuleId.NotFound');
    const invalid = { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 };
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: "['rule-a'" })), invalid);
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: '[]' })), invalid);
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify(Array.from({ length: 11 }, (_, i) => `rule-${i}`)) })), invalid);
    assert.deepEqual(await fails(() => s.v3('DeleteRules', { RegionId: 'mars-1', RuleIds: JSON.stringify([a]) })), { code: 'InvalidRegionId.NotFound', message: 'The specified RegionId does not exist.', status: 404 });
    // Both rules still there; the same id twice counts once.
    await s.call('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify([a, a]) });
    assert.equal((await s.call('DescribeRuleAttribute', { RegionId: REGION, RuleId: b }))['RuleId'], b);
  });

  await t.test('SetRule checks', async () => {
    const { lb, g1 } = await setup(s);
    const other = await putLb(s);
    const foreign = await putVServerGroup(s, other);
    const r = (await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'a', Url: '/a', VServerGroupId: g1 }, { RuleName: 'b', Url: '/b', VServerGroupId: g1 }) })) as { Rules: { Rule: Body[] } };
    const [a] = r.Rules.Rule.map((x) => x['RuleId'] as string);
    const set = (p: Body) => fails(() => s.v3('SetRule', { RegionId: REGION, RuleId: a, ...p }));
    assert.deepEqual(await fails(() => s.v3('SetRule', { RegionId: REGION, RuleId: 'rule-nothere' })), { code: 'InvalidRuleId.NotFound', message: 'Rule does not exist.', status: 404 });
    assert.deepEqual(await set({ VServerGroupId: foreign }), { code: 'InvalidParameter', message: 'The specified VServerGroupId does not exist.', status: 404 });
    assert.deepEqual(await set({ RuleName: 'b' }), { code: 'InvalidParameter', message: 'The resource already exists.', status: 400 });
    assert.deepEqual(await set({ RuleName: 'no spaces' }), { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 });
    // requiredWhen of the overrides.
    const need = (name: string) => ({ code: 'MissingParameter', message: `The input parameter "${name}" that is mandatory for processing this request is not supplied.`, status: 400 });
    assert.deepEqual(await set({ ListenerSync: 'off', StickySession: 'off', HealthCheck: 'off' }), need('Scheduler'));
    assert.deepEqual(await set({ ListenerSync: 'off', Scheduler: 'wrr', StickySession: 'on', HealthCheck: 'off' }), need('StickySessionType'));
    assert.deepEqual(await set({ ListenerSync: 'off', Scheduler: 'wrr', StickySession: 'on', StickySessionType: 'insert', HealthCheck: 'off' }), need('CookieTimeout'));
    assert.deepEqual(await set({ ListenerSync: 'off', Scheduler: 'wrr', StickySession: 'on', StickySessionType: 'server', HealthCheck: 'off' }), need('Cookie'));
    assert.deepEqual(await set({ ListenerSync: 'off', Scheduler: 'wrr', StickySession: 'off', HealthCheck: 'on' }), need('HealthCheckHttpCode'));
    const invalid = { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 };
    assert.deepEqual(await set({ Scheduler: 'wlc' }), invalid);
    assert.deepEqual(await set({ HealthyThreshold: 11 }), invalid);
    assert.deepEqual(await set({ ListenerSync: 'off', Scheduler: 'wrr', StickySession: 'on', StickySessionType: 'server', Cookie: 'a;b', HealthCheck: 'off' }), invalid);
    assert.deepEqual(await set({ HealthCheckURI: 'no-slash' }), invalid);
    // Health-check codes are a comma-separated list, as Terraform sends them.
    await s.v3('SetRule', { RegionId: REGION, RuleId: a, ListenerSync: 'off', Scheduler: 'wrr', StickySession: 'off', HealthCheck: 'on', HealthCheckHttpCode: 'http_2xx,http_3xx', HealthCheckInterval: 2, HealthCheckTimeout: 5, HealthCheckURI: '/', HealthyThreshold: 3, UnhealthyThreshold: 3 });
    assert.equal((await s.v3('DescribeRuleAttribute', { RegionId: REGION, RuleId: a })).body['HealthCheckHttpCode'], 'http_2xx,http_3xx');
    assert.deepEqual(await set({ HealthCheckHttpCode: 'http_2xx,http_6xx' }), invalid);
    // Server cookies are kept.
    await s.v3('SetRule', { RegionId: REGION, RuleId: a, ListenerSync: 'off', Scheduler: 'wrr', StickySession: 'on', StickySessionType: 'server', Cookie: 'SESSIONID', HealthCheck: 'off' });
    const attr = (await s.v3('DescribeRuleAttribute', { RegionId: REGION, RuleId: a })).body;
    assert.equal(attr['Cookie'], 'SESSIONID');
    assert.equal(attr['HealthCheck'], 'off');
    assert.equal(attr['ListenerSync'], 'off');
  });

  await t.test('deleting a listener drops its rules (dropListenerChildren)', async () => {
    const { lb, g1 } = await setup(s);
    await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, RuleList: ruleList({ RuleName: 'a', Url: '/a', VServerGroupId: g1 }, { RuleName: 'b', Url: '/b', VServerGroupId: g1 }) });
    const n = await s.store.write((tx) => dropListenerChildren(tx, scopeIn(s), lb.LoadBalancerId, 80, 'HTTP'));
    assert.deepEqual(n, { rules: 2, domainExtensions: 0 });
    const rest = (await s.call('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80 })) as { Rules: { Rule: Body[] } };
    assert.deepEqual(plain(rest.Rules.Rule), []);
  });

  await t.test('DescribeRules: missing listener, TCP listener, XML', async () => {
    const { lb } = await setup(s);
    await putListener(s, lb, 'udp', 53);
    await putListener(s, lb, 'tcp', 53);
    assert.deepEqual(await fails(() => s.v3('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 81 })), { code: 'ListenerNotFound', message: 'You have not created a listener for the specified port of the load balancer.', status: 404 });
    assert.deepEqual(await fails(() => s.v3('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 53 })), { code: 'TooManyListeners', message: 'More than 1 listener is found, please be more specified.', status: 400 });
    const tcp = (await s.call('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 53, ListenerProtocol: 'tcp' })) as { Rules: unknown };
    assert.deepEqual(plain(tcp.Rules), { Rule: [] });
    const xml = await s.v3('DescribeRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, Format: 'XML' }, { xml: true });
    assert.match(String(xml.body), /<DescribeRulesResponse>[\s\S]*<RequestId>/);
  });
});

test('rules and domain extensions with the real listener and server-group actions', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const lb = await putLb(s);
  const cert = await putServerCertificate(s);
  const cert2 = await putServerCertificate(s);
  const group = (await s.v3('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 'web' })).body['VServerGroupId'] as string;
  await s.v3('CreateLoadBalancerHTTPSListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, BackendServerPort: 8443, Bandwidth: -1, HealthCheck: 'off', StickySession: 'off', ServerCertificateId: cert });
  await s.v3('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443 });

  // The listener is still starting: the first rule change observes it and is refused with the
  // code Terraform retries; the retry finds it running.
  const create = () => s.v3('CreateRules', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, RuleList: ruleList({ Domain: 'api.example.com', VServerGroupId: group, RuleName: 'api' }) });
  assert.deepEqual(await fails(create), { code: 'OperationFailed.ListenerStatusNotSupport', message: 'The status of the listener does not support this operation. Please try again later.', status: 400 });
  const ruleId = ((await create()).body as { Rules: { Rule: Body[] } }).Rules.Rule[0]!['RuleId'] as string;
  const listener = (await s.v3('DescribeLoadBalancerHTTPSListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443 })).body;
  assert.equal(listener['Status'], 'running');

  const de = (await s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'www.example.org', ServerCertificateId: cert2 })).body['DomainExtensionId'] as string;
  // The server-group family reads the rule's VServerGroupId.
  assert.equal((await fails(() => s.v3('DeleteVServerGroup', { RegionId: REGION, VServerGroupId: group }))).code, 'RspoolRuleExist');

  // A listener change in progress (Set on a running listener) holds rule changes until observed.
  await s.v3('SetLoadBalancerHTTPSListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Description: 'changed' });
  assert.equal((await fails(() => s.v3('SetRule', { RegionId: REGION, RuleId: ruleId, RuleName: 'api2' }))).code, 'OperationFailed.ListenerStatusNotSupport');
  await s.v3('SetRule', { RegionId: REGION, RuleId: ruleId, RuleName: 'api2' });
  // ListenerSync on: the rule shows the listener's settings, filtered as the listener shows them.
  const attr = (await s.v3('DescribeRuleAttribute', { RegionId: REGION, RuleId: ruleId })).body;
  assert.deepEqual(attr, {
    RequestId: attr['RequestId'],
    RuleId: ruleId,
    RuleName: 'api2',
    Domain: 'api.example.com',
    VServerGroupId: group,
    ListenerSync: 'on',
    Scheduler: 'wrr',
    StickySession: 'off',
    HealthCheck: 'off',
    LoadBalancerId: lb.LoadBalancerId,
    ListenerPort: 443,
  });

  // Deleting the listener takes its rules and domain extensions with it.
  await s.v3('DeleteLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443 });
  assert.equal((await fails(() => s.v3('DescribeRuleAttribute', { RegionId: REGION, RuleId: ruleId }))).code, 'InvalidRuleId.NotFound');
  assert.equal((await fails(() => s.v3('DescribeDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: de }))).code, 'InvalidParameter.DomainExtensionId');
  await s.v3('DeleteVServerGroup', { RegionId: REGION, VServerGroupId: group });
});
