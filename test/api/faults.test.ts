// Fault rules, dependency outages and overload shedding (docs/faults.md), through pop-core and
// openapi-client against a real server, and the operator API that switches them.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { defaultVSwitches, op, opOk } from '../helpers/operator.js';
import { createSubUser, createTenant } from '../helpers/tenants.js';

const REGION = 'cn-hangzhou';

async function lbCount(s: TestServer): Promise<number> {
  const r = await s.call('DescribeLoadBalancers', { RegionId: REGION });
  return Number(r['TotalCount']);
}

async function newLb(s: TestServer, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'f', ...extra });
  return r['LoadBalancerId'] as string;
}

async function newInstance(s: TestServer): Promise<string> {
  const vsw = (await defaultVSwitches(s, REGION))[0]!;
  const base = vsw.CidrBlock.split('/')[0]!.split('.').slice(0, 3).join('.');
  const r = await opOk(s, 'POST', '/world/instances', { RegionId: REGION, PrivateIpAddress: `${base}.${10 + Math.floor(Math.random() * 200)}`, VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId });
  return r['InstanceId'] as string;
}

/** The answer a failed call carried: status (openapi-client reports it; pop-core does not), code, message, Recommend. */
async function failure(fn: () => Promise<unknown>) {
  const e = await rejects(fn);
  return { status: e.statusCode, code: e.code, message: String(e.data?.['Message'] ?? ''), recommend: String(e.data?.['Recommend'] ?? '') };
}

/** The same through openapi-client (V3 signature), which reports the HTTP status. */
const v3 = (s: TestServer, action: string, params: Record<string, unknown> = {}) => () => s.v3(action, params);

describe('fault rules on API calls', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s.stop());
  beforeEach(async () => {
    await opOk(s, 'DELETE', '/faults');
  });

  test('a rule answers its catalog entry exactly, to pop-core and openapi-client alike, and only for its action', async () => {
    const { FaultId } = (await opOk(s, 'POST', '/faults', { Action: 'DescribeLoadBalancers', Code: 'ServiceUnavailable', Message: 'System exception.' })) as { FaultId: string };
    assert.match(FaultId, /^fault-/);
    const f = await failure(v3(s, 'DescribeLoadBalancers', { RegionId: REGION }));
    assert.deepEqual([f.status, f.code, f.message], [503, 'ServiceUnavailable', 'System exception.']);
    assert.match(f.recommend, /\/error-center#ServiceUnavailable/);
    const pop = await rejects(() => s.call('DescribeLoadBalancers', { RegionId: REGION }));
    assert.equal(pop.code, 'ServiceUnavailable');
    assert.equal(pop.data['Message'], 'System exception.');
    assert.match(String(pop.data['Recommend']), /\/error-center#ServiceUnavailable/);
    // another action is untouched
    await s.call('DescribeRegions');
    const list = (await opOk(s, 'GET', '/faults'))['Faults'] as { FaultId: string; Fired: number; HttpStatus: number }[];
    assert.deepEqual(list.map((x) => [x.FaultId, x.Fired, x.HttpStatus]), [[FaultId, 2, 503]]);
  });

  test('a failing write stores nothing; Count limits the firings; Terraform-style retry on SystemBusy succeeds', async () => {
    const n = await lbCount(s);
    await opOk(s, 'POST', '/faults', { Action: 'CreateLoadBalancer', Code: 'OperationBusy', Message: 'A previous operation is pending.', Count: 1 });
    const f = await failure(v3(s, 'CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'f' }));
    assert.deepEqual([f.status, f.code, f.message], [400, 'OperationBusy', 'A previous operation is pending.']);
    assert.equal(await lbCount(s), n, 'nothing stored');
    const lb = await newLb(s); // the rule is used up
    assert.equal(await lbCount(s), n + 1);

    // Terraform retries AddBackendServers on SystemBusy (reference/slb-api.json terraformHandledErrors)
    const ecs = await newInstance(s);
    await opOk(s, 'POST', '/faults', { Action: 'AddBackendServers', Code: 'SystemBusy', Count: 1 });
    const retryable = new Set(['BackendServer.configuring', 'OperationBusy', 'ServiceIsConfiguring', 'ServiceIsStopping', 'SystemBusy']);
    const seen: string[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb, BackendServers: JSON.stringify([{ ServerId: ecs, Weight: 100 }]) });
        break;
      } catch (e) {
        const err = e as { code: string; data: Record<string, unknown> };
        seen.push(`${err.code} ${String(err.data['Message'])}`);
        if (!retryable.has(err.code) || attempt > 3) throw e;
      }
    }
    assert.deepEqual(seen, ['SystemBusy The system is busy.']);
    const attr = await s.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb });
    assert.equal((attr['BackendServers'] as { BackendServer: unknown[] }).BackendServer.length, 1);
  });

  test('authentication and authorization come first', async () => {
    await opOk(s, 'POST', '/faults', { Code: 'ServiceUnavailable', Message: 'Illegal Service.' });
    const wrong = await rejects(() => s.pop({ accessKeySecret: 'not-the-secret' }).request('DescribeRegions', {}, { method: 'GET' }));
    assert.equal(wrong.code, 'SignatureDoesNotMatch');
    const t = await createTenant(s);
    const user = await createSubUser(s, t.accountId, 'nobody');
    const denied = await rejects(() => user.call('DescribeLoadBalancers', { RegionId: REGION }));
    assert.notEqual(denied.code, 'ServiceUnavailable');
    const ok = await rejects(() => t.call('DescribeRegions'));
    assert.equal(ok.code, 'ServiceUnavailable');
  });

  test('AccountId and RegionId narrow a rule; Probability 0 never fires', async () => {
    const t = await createTenant(s);
    await opOk(s, 'POST', '/faults', { AccountId: t.accountId, RegionId: 'cn-beijing', Code: 'InternalError', Message: 'The request processing has failed due to some unknown error.' });
    await s.call('DescribeLoadBalancers', { RegionId: 'cn-beijing' });
    await t.call('DescribeLoadBalancers', { RegionId: REGION });
    assert.equal((await rejects(() => t.call('DescribeLoadBalancers', { RegionId: 'cn-beijing' }))).code, 'InternalError');
    await opOk(s, 'DELETE', '/faults');
    const { FaultId } = (await opOk(s, 'POST', '/faults', { Code: 'SystemBusy', Probability: 0 })) as { FaultId: string };
    for (let i = 0; i < 5; i++) await s.call('DescribeRegions');
    assert.equal(((await opOk(s, 'GET', `/faults/${FaultId}`)) as { Fired: number }).Fired, 0);
  });

  test('a rule with only DelayMs slows matching calls and lets them succeed', async () => {
    await opOk(s, 'POST', '/faults', { Action: 'DescribeRegions', DelayMs: 300 });
    const t0 = performance.now();
    await s.call('DescribeRegions');
    assert.ok(performance.now() - t0 >= 290, 'the call waited for the delay');
    const list = (await opOk(s, 'GET', '/faults'))['Faults'] as { Fired: number }[];
    assert.equal(list[0]!.Fired, 1);
  });

  test('rules are validated; removal by id and all at once', async () => {
    const bad = async (body: unknown, code: string) => {
      const r = await op(s, 'POST', '/faults', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body['Code'], code, JSON.stringify(r.body));
    };
    await bad({ Code: 'NoSuchCode' }, 'InvalidFault');
    await bad({ Code: 'InvalidParameter' }, 'AmbiguousCode');
    await bad({ Code: 'ServiceUnavailable', Message: 'not a message of it' }, 'InvalidFault');
    await bad({ Code: 'SystemBusy', Probability: 2 }, 'InvalidFault');
    await bad({ Code: 'SystemBusy', Count: 0 }, 'InvalidFault');
    await bad({ Code: 'SystemBusy', Surprise: 1 }, 'InvalidFault');
    await bad({ Product: 'rds', Code: 'SystemBusy' }, 'InvalidFault');
    await bad({}, 'InvalidFault');
    await bad('[1]', 'MalformedJson');
    await bad({ Target: { LoadBalancerId: 'lb-1', ListenerPort: 80 }, Fault: 'Explode' }, 'InvalidFault');
    await bad({ Target: { LoadBalancerId: 'lb-1', ListenerPort: 0 }, Fault: 'Reset' }, 'InvalidFault');
    await bad({ Target: { LoadBalancerId: 'lb-1', ListenerPort: 80 }, Fault: 'Latency' }, 'InvalidFault');
    assert.equal(((await opOk(s, 'GET', '/faults'))['Faults'] as unknown[]).length, 0, 'nothing was added');
    const a = (await opOk(s, 'POST', '/faults', { Code: 'SystemBusy', Action: 'DescribeZones' })) as { FaultId: string };
    await opOk(s, 'POST', '/faults', { Code: 'SystemBusy', Action: 'DescribeTags' });
    assert.equal((await op(s, 'DELETE', `/faults/${a.FaultId}`)).status, 200);
    assert.equal((await op(s, 'DELETE', `/faults/${a.FaultId}`)).status, 404);
    assert.equal((await opOk(s, 'DELETE', '/faults'))['Removed'], 1);
    assert.equal((await op(s, 'GET', '/faults', undefined, 'wrong-token')).status, 401);
  });

  // Rows of the seed table whose condition OpenSLB does not model (hybrid load balancers, protected
  // domains, the WAF switch, a garbled network-type text, a build without some action): a rule is
  // the only way to produce them, and it produces them exactly.
  test('rows without a modelled condition come out exactly through rules', async () => {
    const rows: [string, string, number][] = [
      ['TcpNotSupportForHybridLb', "Hybrid type loadbalancer doesn't support TCP type listener", 400],
      ['UnsupportedOperation', 'The specified action is not supported.', 400],
      ['IpNotAvailable', 'The specified network type load balancer load balancer .', 400],
      ['DomainAlreadyExists', 'Protected DomainName already exists.', 400],
      ['DomainNotExisted', "Don't delete or update not existed protected DomainName.", 400],
      ['SecurityNotSupport', 'security function not support on this listener.', 400],
    ];
    for (const [code, message, status] of rows) {
      await opOk(s, 'POST', '/faults', { Action: 'DescribeZones', Code: code, Message: message, Count: 1 });
      const f = await failure(v3(s, 'DescribeZones', { RegionId: REGION }));
      assert.deepEqual([f.status, f.code, f.message], [status, code, message]);
    }
  });
});

describe('dependency outages', () => {
  let s: TestServer;
  let lb: string;
  let ecs: string;
  before(async () => {
    s = await startTestServer();
    lb = await newLb(s);
    ecs = await newInstance(s);
  });
  after(async () => s.stop());
  beforeEach(async () => {
    await opOk(s, 'DELETE', '/dependencies');
  });

  const down = (name: string, extra: Record<string, unknown> = {}) => opOk(s, 'PUT', `/dependencies/${name}`, { State: 'down', ...extra });
  const lbName = async () => (await s.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb }))['LoadBalancerName'];

  test('vpc down: a call that looks up a vSwitch answers "Vpc Service error." and creates nothing', async () => {
    const vsw = (await defaultVSwitches(s, REGION))[0]!;
    const n = await lbCount(s);
    await down('vpc');
    const f = await failure(v3(s, 'CreateLoadBalancer', { RegionId: REGION, AddressType: 'intranet', VSwitchId: vsw.VSwitchId }));
    assert.deepEqual([f.status, f.code, f.message], [503, 'ServiceUnavailable', 'Vpc Service error.']);
    await down('vpc', { Failure: 'region-unsupported' });
    const g = await failure(v3(s, 'CreateLoadBalancer', { RegionId: REGION, AddressType: 'intranet', VSwitchId: vsw.VSwitchId }));
    assert.deepEqual([g.status, g.code, g.message], [503, 'ServiceUnavailable', 'The specified region not support VPC.']);
    await s.call('DescribeRegions'); // needs no VPC
    await opOk(s, 'PUT', '/dependencies/vpc', { State: 'up' });
    assert.equal(await lbCount(s), n);
    await newLb(s, { AddressType: 'intranet', VSwitchId: vsw.VSwitchId });
    assert.equal(await lbCount(s), n + 1);
  });

  test('ecs down: backend validation answers "Query ecs info fail." (and the other ECS failures)', async () => {
    const params = () => ({ RegionId: REGION, LoadBalancerId: lb, BackendServers: JSON.stringify([{ ServerId: ecs, Weight: 100 }]) });
    const add = v3(s, 'AddBackendServers', params());
    const cases: [string, number, string, string][] = [
      ['error', 500, 'InternalError', 'Query ecs info fail.'],
      ['invalid-instance', 503, 'ServiceUnavailable', 'The cloud instance id is invaild.'],
      ['instance-unavailable', 400, 'InvalidParameter', 'The Instance is Not Available.'],
    ];
    for (const [failureName, status, code, message] of cases) {
      await down('ecs', { Failure: failureName });
      const f = await failure(add);
      assert.deepEqual([f.status, f.code, f.message], [status, code, message]);
    }
    await opOk(s, 'PUT', '/dependencies/ecs', { State: 'up' });
    const attr = await s.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lb });
    assert.equal((attr['BackendServers'] as { BackendServer: unknown[] }).BackendServer.length, 0, 'nothing was added while ECS was down');
    await add();
  });

  test('order down: a purchase answers the temporary-failure row', async () => {
    const n = await lbCount(s);
    await down('order');
    const f = await failure(v3(s, 'CreateLoadBalancer', { RegionId: REGION, PayType: 'PrePay', PricingCycle: 'month', Duration: 1 }));
    assert.deepEqual([f.status, f.code, f.message], [503, 'InvalidParameter', 'The request has failed due to a temporary failure of the server.']);
    assert.equal(await lbCount(s), n);
  });

  test('service-registry down: every action answers "Illegal Service." (or "System exception.")', async () => {
    await down('service-registry');
    for (const call of [v3(s, 'DescribeRegions'), v3(s, 'SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb, LoadBalancerName: 'x' })]) {
      const f = await failure(call);
      assert.deepEqual([f.status, f.code, f.message], [503, 'ServiceUnavailable', 'Illegal Service.']);
    }
    await down('service-registry', { Failure: 'exception' });
    const f = await failure(v3(s, 'DescribeRegions'));
    assert.deepEqual([f.status, f.code, f.message], [503, 'ServiceUnavailable', 'System exception.']);
    await opOk(s, 'PUT', '/dependencies/service-registry', { State: 'up' });
    assert.equal(await lbName(), 'f');
  });

  test('internal-invoke down: every change fails with the failure chosen, reads still answer', async () => {
    const deps = (await opOk(s, 'GET', '/dependencies'))['Dependencies'] as { Name: string }[];
    assert.deepEqual(deps.map((d) => d.Name), ['vpc', 'ecs', 'order', 'service-registry', 'internal-invoke', 'store']);
    const failures: [string, number, string, string][] = [
      ['error', 500, 'InternalInvokeError', 'The internal invoking has failed.'],
      ['unknown', 500, 'InternalInvokeError', 'The internal invoking has failed due to unknow error.'],
      ['sign', 500, 'InternalError', 'Illegal sign.'],
      ['timestamp', 500, 'InternalError', 'Illegal timestamp.'],
      ['format', 500, 'InternalError', 'Illegal format.'],
      ['sign-type', 500, 'InternalError', 'Illegal sign type.'],
      ['idkp', 500, 'InternalError', 'Illegal aliyun idkp.'],
      ['field-check', 400, 'PARAMETER_FIELD_ERROR', 'The specified param is invalid.'],
      ['invalid-parameter', 400, 'InvalidParameter', 'Invalid parameter in the request.'],
      ['user-id', 400, 'InvalidParameter', 'User ID is null'],
      ['lb-type', 400, 'InvalidParameter', 'The specified parameter: lb_type is not valid.'],
      ['mode', 400, 'InvalidParameter', 'The specified parameter: mode is not valid..'],
      ['rs-list', 400, 'InvalidParameter', 'The RsList is illegal.'],
      ['type', 400, 'InvalidParameter', 'The type is invalid.'],
      ['resource-status', 400, 'InvalidParameter', 'The resource status is invalid.'],
      ['tunnel', 400, 'InvalidParameter', 'The Tunnel id is invalid.'],
      ['app-id', 400, 'InvalidParameter', 'The App id is invalid.'],
      ['vgw-ip-empty', 400, 'InvalidParameter', 'The Vgw ip is empty.'],
      ['vgw-ip-unsupported', 400, 'InvalidParameter', 'The vgw ip is not support.'],
      ['service-unit', 400, 'InvalidParameter', 'The serviceUnit and eip is not match.'],
      ['lvsgw-vip', 400, 'InvalidParameter', 'The lvsgw vip is same.'],
      ['unsupported', 400, 'UnsupportedOperation', "The Loadbalancer doesn't support this function."],
    ];
    for (const [name, status, code, message] of failures) {
      const view = await down('internal-invoke', { Failure: name });
      assert.deepEqual(view['Answer'], { HttpStatus: status, Code: code, Message: message });
      const f = await failure(v3(s, 'SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb, LoadBalancerName: `n-${name}` }));
      assert.deepEqual([f.status, f.code, f.message], [status, code, message], name);
      assert.equal(await lbName(), 'f', 'a read answers and nothing changed');
    }
  });

  test('store down, flaky and busy', async () => {
    await down('store');
    let f = await failure(v3(s, 'DescribeLoadBalancers', { RegionId: REGION }));
    assert.deepEqual([f.status, f.code, f.message], [500, 'InternalError', 'The request processing has failed due to backend service exception.']);
    await down('store', { Failure: 'temporary' });
    f = await failure(v3(s, 'DescribeLoadBalancers', { RegionId: REGION }));
    assert.deepEqual([f.status, f.code, f.message], [503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server now.']);
    await opOk(s, 'PUT', '/dependencies/store', { State: 'flaky', Probability: 0 });
    await s.call('DescribeLoadBalancers', { RegionId: REGION });
    await opOk(s, 'PUT', '/dependencies/store', { State: 'flaky', Probability: 1, Failure: 'busy' });
    f = await failure(v3(s, 'DescribeLoadBalancers', { RegionId: REGION }));
    assert.deepEqual([f.status, f.code, f.message], [400, 'OperationBusy', 'A previous operation is pending.']);
    const view = (await opOk(s, 'GET', '/dependencies'))['Dependencies'] as { Name: string; Failed: number; State: string }[];
    assert.deepEqual(view.find((d) => d.Name === 'store'), { Name: 'store', State: 'flaky', Probability: 1, Failure: 'busy', Answer: { HttpStatus: 400, Code: 'OperationBusy', Message: 'A previous operation is pending.' }, Failed: 1 });
  });

  test('vpc down: the VPC API served here fails its own actions as the real product does; SLB calls that need no VPC still answer', async () => {
    await down('vpc');
    const f = await failure(() => s.v3('DescribeVpcs', { RegionId: REGION }, { version: '2016-04-28' }));
    assert.deepEqual([f.status, f.code, f.message], [503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.']);
    await s.call('DescribeRegions');
    // the VPC actions the ECS API carries fail the same way
    const g = await failure(() => s.v3('DescribeVpcs', { RegionId: REGION }, { version: '2014-05-26' }));
    assert.deepEqual([g.status, g.code], [503, 'ServiceUnavailable']);
    await opOk(s, 'PUT', '/dependencies/vpc', { State: 'up' });
    await s.v3('DescribeVpcs', { RegionId: REGION }, { version: '2016-04-28' });
    await s.v3('DescribeVpcs', { RegionId: REGION }, { version: '2014-05-26' });
  });

  test('ecs down: the ECS API served here answers 503 for its own actions', async () => {
    await down('ecs');
    const f = await failure(() => s.v3('DescribeInstances', { RegionId: REGION }, { version: '2014-05-26' }));
    assert.deepEqual([f.status, f.code, f.message], [503, 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.']);
    await opOk(s, 'PUT', '/dependencies/ecs', { State: 'up' });
    await s.v3('DescribeInstances', { RegionId: REGION }, { version: '2014-05-26' });
  });

  test('bad dependency requests change nothing', async () => {
    assert.equal((await op(s, 'PUT', '/dependencies/dns', { State: 'down' })).status, 404);
    for (const body of [{ State: 'sideways' }, { State: 'down', Probability: 0.5 }, { State: 'flaky', Probability: -1 }, { State: 'down', Failure: 'nope' }, { State: 'down', Extra: 1 }]) {
      const r = await op(s, 'PUT', '/dependencies/vpc', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body['Code'], 'InvalidDependencyState');
    }
    const deps = (await opOk(s, 'GET', '/dependencies'))['Dependencies'] as { State: string }[];
    assert.ok(deps.every((d) => d.State === 'up'));
  });
});

describe('overload shedding', () => {
  test('beyond MaxInflight calls in flight, a call is shed at once with 449 SystemBusy; the metric counts it', async () => {
    const s = await startTestServer({ maxInflight: 1 });
    try {
      assert.deepEqual(await opOk(s, 'GET', '/limits'), { MaxInflight: 1, InFlight: 0 });
      // hold one call in flight with a delay rule
      await opOk(s, 'POST', '/faults', { Action: 'DescribeZones', DelayMs: 60_000, Count: 1 });
      const slow = s.call('DescribeZones', { RegionId: REGION });
      for (let i = 0; (await opOk(s, 'GET', '/limits'))['InFlight'] !== 1; i++) {
        assert.ok(i < 2000, 'the slow call never arrived');
        await new Promise((r) => setImmediate(r));
      }
      const f = await failure(v3(s, 'DescribeRegions'));
      assert.deepEqual([f.status, f.code, f.message], [449, 'SystemBusy', 'The system is busy.']);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      assert.match(metrics, /^openslb_api_shed_total 1$/m);
      assert.match(metrics, /^openslb_api_requests_total\{product="slb",action="DescribeRegions",code="SystemBusy"\} 1$/m);
      // raising the limit at run time lets calls through while the slow one still runs
      await opOk(s, 'PUT', '/limits', { MaxInflight: 0 });
      await s.call('DescribeRegions');
      assert.equal((await op(s, 'PUT', '/limits', { MaxInflight: -1 })).status, 400);
      // removing the delay rule releases the call waiting on it
      await opOk(s, 'DELETE', '/faults');
      await slow;
    } finally {
      await s.stop();
    }
  });
});

describe('faults from a file at start', () => {
  test('--faults FILE adds its rules; a bad file stops the start with a clear message', async () => {
    const s0 = await startTestServer();
    const dir = s0.dataDir;
    await s0.stop();
    const file = join(dir, '..', `faults-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ Faults: [{ Action: 'DescribeRegions', Code: 'SystemBusy' }] }));
    const s = await startTestServer({ faultsFile: file });
    try {
      assert.equal((await rejects(() => s.call('DescribeRegions'))).code, 'SystemBusy');
      assert.equal(((await opOk(s, 'GET', '/faults'))['Faults'] as unknown[]).length, 1);
    } finally {
      await s.stop();
    }
    writeFileSync(file, JSON.stringify([{ Code: 'NoSuchCode' }]));
    await assert.rejects(startTestServer({ faultsFile: file }), /--faults .*rule 1: no catalog entry of slb has the code NoSuchCode/);
  });
});
