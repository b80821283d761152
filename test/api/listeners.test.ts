// Listeners through the real clients: the Terraform alicloud_slb_listener flow (GET, all params in
// the query, polling), the CCM listener flow (DescribeLoadBalancerListeners paging, parallel
// changes on one load balancer), defaults, shapes, and every error by its condition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldTransitions, setLifecyclePolicy } from '../../src/products/slb/services/listener-lifecycle.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { shapeProblems } from '../helpers/response-shape.js';
import { aclFixture, caCertFixture, createLbFixture, masterSlaveGroupFixture, patchLbDoc, putLbDoc, REGION, serverCertFixture, vServerGroupFixture } from '../helpers/fixtures.js';

type Body = Record<string, unknown>;

/** Polls `fn` until `ok` holds (no sleeps beyond a yield; the lifecycle completes on observation). */
async function pollUntil<T>(fn: () => Promise<T>, ok: (v: T) => boolean, limit = 50): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < limit; i++) {
    last = await fn();
    if (ok(last)) return last;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`condition never held; last value ${JSON.stringify(last)}`);
}

async function errOf(fn: () => Promise<unknown>) {
  const e = await rejects(fn);
  return { code: e.code, message: (e.data?.['Message'] as string | undefined) ?? e.message, status: e.statusCode ?? (e.data?.['httpCode'] as number | undefined) };
}

/** openapi-client (V3) error: code, HTTP status and message. */
async function v3Err(s: TestServer, action: string, params: Body) {
  const e = await rejects(() => s.v3(action, params));
  return { code: e.code, status: e.statusCode, message: e.data?.['Message'] as string };
}

test('listeners', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  // pop-core parses into null-prototype objects; compare plain ones
  const call = async (action: string, params: Body = {}, opts?: { method?: 'GET' | 'POST' }): Promise<Body> => JSON.parse(JSON.stringify(await s.call(action, params, opts))) as Body;

  await t.test('Terraform alicloud_slb_listener flow (HTTP): create → stopped → start → running → set → delete → gone', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    // create: CommonRequest over GET, every parameter in the query
    await call('CreateLoadBalancerHTTPListener', {
      RegionId: REGION, LoadBalancerId: id, ListenerPort: '80', BackendServerPort: '8080', Bandwidth: '10', StickySession: 'on',
      StickySessionType: 'insert', CookieTimeout: '86400', HealthCheck: 'on', HealthCheckURI: '/health', HealthyThreshold: '3',
      UnhealthyThreshold: '3', HealthCheckTimeout: '5', HealthCheckInterval: '2', HealthCheckHttpCode: 'http_2xx,http_3xx',
      IdleTimeout: '30', RequestTimeout: '80', AclStatus: 'off',
    }, { method: 'GET' });
    const describe = () => call('DescribeLoadBalancerHTTPListenerAttribute', { RegionId: REGION, LoadBalancerId: id, ListenerPort: 80 }, { method: 'GET' });
    const stopped = await pollUntil(describe, (b) => String(b['Status']).toLowerCase() === 'stopped');
    assert.equal(stopped['Status'], 'stopped');
    await call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: id, ListenerPort: 80, ListenerProtocol: 'http' }, { method: 'POST' });
    const seen: string[] = [];
    await pollUntil(describe, (b) => (seen.push(String(b['Status'])), b['Status'] === 'running'));
    assert.deepEqual(seen, ['starting', 'running'], 'the first read after Start sees the transition');
    // the provider's read finds the listener in the LB's ListenerPortsAndProtocol first
    const inLb = async () => {
      const a = await call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: id }).catch((e: { code?: string }) => {
        if (e.code === 'UnsupportedOperation') return undefined;
        throw e;
      });
      if (!a) return undefined;
      const pairs = (a['ListenerPortsAndProtocol'] as { ListenerPortAndProtocol: Body[] }).ListenerPortAndProtocol;
      return pairs.some((x) => x['ListenerPort'] === 80 && x['ListenerProtocol'] === 'http');
    };
    assert.notEqual(await inLb(), false);
    await call('SetLoadBalancerHTTPListenerAttribute', {
      RegionId: REGION, LoadBalancerId: id, ListenerPort: '80', Bandwidth: '20', Scheduler: 'rr', StickySession: 'on', StickySessionType: 'insert',
      CookieTimeout: '3600', HealthCheck: 'on', Gzip: 'off', XForwardedFor_SLBIP: 'on', XForwardedFor_SLBID: 'on', XForwardedFor_proto: 'on',
    }, { method: 'GET' });
    const b = await pollUntil(describe, (x) => x['Status'] === 'running');
    // numbers are JSON numbers (the provider type-asserts float64)
    for (const k of ['ListenerPort', 'BackendServerPort', 'Bandwidth', 'CookieTimeout', 'HealthyThreshold', 'UnhealthyThreshold', 'HealthCheckTimeout', 'HealthCheckInterval', 'IdleTimeout', 'RequestTimeout']) {
      assert.equal(typeof b[k], 'number', `${k} is a number`);
    }
    assert.equal(b['Bandwidth'], 20);
    assert.equal(b['CookieTimeout'], 3600);
    assert.equal(b['IdleTimeout'], 30);
    assert.equal(b['RequestTimeout'], 80);
    assert.equal(b['Scheduler'], 'rr');
    assert.equal(b['Gzip'], 'off');
    assert.equal(b['XForwardedFor'], 'on');
    assert.equal(b['XForwardedFor_SLBIP'], 'on');
    assert.equal(b['HealthCheckHttpCode'], 'http_2xx,http_3xx');
    assert.equal(b['HealthCheckURI'], '/health');
    assert.equal(b['ListenerForward'], 'off');
    assert.deepEqual(b['AclIds'], { AclId: [] });
    assert.deepEqual(b['Rules'], { Rule: [] });
    assert.deepEqual(shapeProblems('DescribeLoadBalancerHTTPListenerAttribute', b), []);
    await call('DeleteLoadBalancerListener', { RegionId: REGION, LoadBalancerId: id, ListenerPort: 80, ListenerProtocol: 'http' }, { method: 'POST' });
    assert.notEqual(await inLb(), true);
    const gone = await errOf(describe);
    assert.equal(gone.code, 'InvalidParameter');
    assert.ok(gone.message.includes('The specified resource does not exist'));
  });

  await t.test('Terraform flow for TCP and UDP reads every documented default as the real service answers it', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 443, Bandwidth: -1 });
    const tcp = await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 443 });
    delete tcp['RequestId'];
    assert.deepEqual(tcp, {
      LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 443, Bandwidth: -1, Status: 'stopped', Scheduler: 'wrr', PersistenceTimeout: 0,
      EstablishedTimeout: 900, HealthCheck: 'on', HealthCheckType: 'tcp', HealthCheckConnectTimeout: 5, HealthCheckInterval: 2, HealthyThreshold: 3,
      UnhealthyThreshold: 3, HealthCheckHttpCode: 'http_2xx', HealthCheckURI: '', HealthCheckDomain: '', ConnectionDrain: 'off',
      ProxyProtocolV2Enabled: false, SynProxy: 'disable', AclStatus: 'off', AclIds: { AclId: [] }, Tags: { Tag: [] },
    });
    assert.deepEqual(shapeProblems('DescribeLoadBalancerTCPListenerAttribute', tcp), []);
    // the SDK's lower-camel healthCheckInterval and Terraform's HealthCheckInterval both land
    await call('CreateLoadBalancerUDPListener', { LoadBalancerId: id, ListenerPort: 53, BackendServerPort: 53, Bandwidth: 10, healthCheckInterval: 7, healthCheckReq: 'ping', healthCheckExp: 'pong', HealthCheckSwitch: 'on' });
    const udp = await call('DescribeLoadBalancerUDPListenerAttribute', { LoadBalancerId: id, ListenerPort: 53 });
    assert.equal(udp['HealthCheckInterval'], 7);
    assert.equal(udp['HealthCheckReq'], 'ping');
    assert.equal(udp['HealthCheckExp'], 'pong');
    assert.equal(udp['HealthCheck'], 'on');
    assert.equal(udp['ProxyProtocolV2Enabled'], false);
    assert.deepEqual(shapeProblems('DescribeLoadBalancerUDPListenerAttribute', udp), []);
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 53, BackendServerPort: 53, Bandwidth: 10, HealthCheckInterval: 9, HealthCheckSwitch: 'off', ProxyProtocolV2Enabled: true, ConnectionDrain: 'on', ConnectionDrainTimeout: 300, PersistenceTimeout: 60, EstablishedTimeout: 100 });
    const tcp53 = await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 53 });
    assert.equal(tcp53['HealthCheckInterval'], 9);
    assert.equal(tcp53['HealthCheck'], 'off');
    assert.equal(tcp53['ProxyProtocolV2Enabled'], true);
    assert.equal(tcp53['ConnectionDrainTimeout'], 300);
    assert.equal(tcp53['PersistenceTimeout'], 60);
    // TCP + UDP share 53: the protocol-less calls are ambiguous
    for (const action of ['StartLoadBalancerListener', 'StopLoadBalancerListener', 'DeleteLoadBalancerListener']) {
      const e = await errOf(() => call(action, { LoadBalancerId: id, ListenerPort: 53 }));
      assert.deepEqual(e, { code: 'TooManyListeners', message: 'More than 1 listener is found, please be more specified.', status: undefined });
    }
    const v3 = await v3Err(s, 'SetListenerAccessControlStatus', { LoadBalancerId: id, ListenerPort: 53, AccessControlStatus: 'close' });
    assert.deepEqual(v3, { code: 'TooManyListeners', status: 400, message: 'More than 1 listener is found, please be more specified' });
    await call('DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 53, ListenerProtocol: 'udp' });
    await call('DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 53 });
  });

  await t.test('HTTPS listener: certificate, CA, TLS policy, HTTP/2 defaults; HTTP → HTTPS redirect only at creation', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    const cert = await serverCertFixture(s);
    const ca = await caCertFixture(s);
    const noCert = await v3Err(s, 'CreateLoadBalancerHTTPSListener', { LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, HealthCheck: 'off' });
    assert.deepEqual(noCert, { code: 'InvalidParameter', status: 400, message: 'The specified parameter ServerCertificateId is empty.' });
    const badCert = await v3Err(s, 'CreateLoadBalancerHTTPSListener', { LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, HealthCheck: 'off', ServerCertificateId: 'nope' });
    assert.deepEqual({ code: badCert.code, status: badCert.status }, { code: 'ServerCertificateId.NotFound', status: 404 });
    const caAsServer = await v3Err(s, 'CreateLoadBalancerHTTPSListener', { LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, HealthCheck: 'off', ServerCertificateId: ca });
    assert.equal(caAsServer.message, 'The specified parameter ServerCertificateId is not Support.');
    const badCa = await v3Err(s, 'CreateLoadBalancerHTTPSListener', { LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, HealthCheck: 'off', ServerCertificateId: cert, CACertificateId: 'nope' });
    assert.equal(badCa.code, 'CACertificateId.NotFound');
    const badTls = await v3Err(s, 'CreateLoadBalancerHTTPSListener', { LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, HealthCheck: 'off', ServerCertificateId: cert, TLSCipherPolicy: 'tls-nope' });
    assert.equal(badTls.code, 'InvalidTLSPolicyId.NotExist');
    await s.v3('CreateLoadBalancerHTTPSListener', { LoadBalancerId: id, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, HealthCheck: 'off', ServerCertificateId: cert, CACertificateId: ca, TLSCipherPolicy: 'tls_cipher_policy_1_2' });
    const https = (await s.v3('DescribeLoadBalancerHTTPSListenerAttribute', { LoadBalancerId: id, ListenerPort: 443 })).body;
    assert.equal(https['EnableHttp2'], 'on');
    assert.equal(https['TLSCipherPolicy'], 'tls_cipher_policy_1_2');
    assert.equal(https['ServerCertificateId'], cert);
    assert.equal(https['CACertificateId'], ca);
    assert.equal(https['HealthCheck'], 'off');
    assert.equal(https['HealthCheckURI'], undefined, 'health-check details are hidden while HealthCheck=off');
    assert.deepEqual(https['DomainExtensions'], { DomainExtension: [] });
    assert.deepEqual(shapeProblems('DescribeLoadBalancerHTTPSListenerAttribute', https), []);
    // redirect: target must be an HTTPS listener of this LB
    const none = await errOf(() => call('CreateLoadBalancerHTTPListener', { LoadBalancerId: id, ListenerPort: 80, HealthCheck: 'off', ListenerForward: 'on', ForwardPort: 8443, BackendServerPort: 80 }));
    assert.deepEqual(none, { code: 'ListenerNotFound', message: 'You have not created a listener for the specified port of the load balancer.', status: undefined });
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 9000, BackendServerPort: 80, Bandwidth: -1 });
    const notHttps = await errOf(() => call('CreateLoadBalancerHTTPListener', { LoadBalancerId: id, ListenerPort: 80, HealthCheck: 'off', ListenerForward: 'on', ForwardPort: 9000, BackendServerPort: 80 }));
    assert.deepEqual([notHttps.code, notHttps.message], ['InvalidParameter', 'The Protocol is not Support']);
    // Terraform's forward request: StickySession/HealthCheck off, the backend port under an empty name
    await call('CreateLoadBalancerHTTPListener', { RegionId: REGION, LoadBalancerId: id, ListenerPort: 80, StickySession: 'off', HealthCheck: 'off', ListenerForward: 'on', '': '8080' }, { method: 'GET' });
    const http = await call('DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 });
    assert.equal(http['ListenerForward'], 'on');
    assert.equal(http['ForwardPort'], 443, 'ForwardPort defaults to 443');
    // ListenerForward is not a Set parameter: ignored
    await call('SetLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80, ListenerForward: 'off' });
    assert.equal((await call('DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 }))['ListenerForward'], 'on');
    const fwd = await errOf(() => call('DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 443, ListenerProtocol: 'https' }));
    assert.equal(fwd.code, 'ListenerForwardExist');
    await call('DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80, ListenerProtocol: 'http' });
    await call('DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 443, ListenerProtocol: 'https' });
  });

  await t.test('CCM flow: paged DescribeLoadBalancerListeners and parallel create/start/set/stop/delete on one LB', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    const ports = Array.from({ length: 12 }, (_, i) => 30000 + i);
    const listAll = async () => {
      const out: Body[] = [];
      let token: string | undefined;
      for (;;) {
        const r = await call('DescribeLoadBalancerListeners', { RegionId: REGION, 'LoadBalancerId.1': id, MaxResults: 5, ...(token ? { NextToken: token } : {}) }, { method: 'POST' });
        assert.ok(Array.isArray(r['Listeners']), 'Listeners is a bare array');
        assert.equal(typeof r['TotalCount'], 'number');
        assert.equal(r['MaxResults'], 5);
        out.push(...(r['Listeners'] as Body[]));
        token = r['NextToken'] as string | undefined;
        if (!token) {
          assert.ok(!('NextToken' in r), 'the last page omits NextToken');
          break;
        }
      }
      return out;
    };
    assert.deepEqual(await listAll(), []);
    await Promise.all(ports.map((port, i) => {
      const proto = ['TCP', 'UDP', 'HTTP', 'HTTPS'][i % 3]!;
      const extra = proto === 'HTTP' ? { HealthCheck: 'on', HealthCheckURI: '/' } : {};
      return call(`CreateLoadBalancer${proto}Listener`, { LoadBalancerId: id, ListenerPort: port, BackendServerPort: port, Bandwidth: -1, Description: `k8s/${port}/svc/ns/cluster`, ...extra }, { method: 'POST' });
    }));
    let listed = await listAll();
    assert.equal(listed.length, 12);
    assert.deepEqual(listed.map((l) => l['ListenerPort']), ports, 'ordered by port');
    for (const l of listed) {
      assert.equal(l['Status'], 'stopped');
      const cfg = { tcp: 'TCPListenerConfig', udp: 'UDPListenerConfig', http: 'HTTPListenerConfig', https: 'HTTPSListenerConfig' }[l['ListenerProtocol'] as string]!;
      assert.equal(typeof l[cfg], 'object', `${cfg} present`);
      assert.ok(Array.isArray(l['AclIds']));
    }
    const r = await call('DescribeLoadBalancerListeners', { RegionId: REGION, 'LoadBalancerId.1': id, MaxResults: 50 });
    assert.deepEqual(shapeProblems('DescribeLoadBalancerListeners', r), []);
    // start all in parallel, then set all in parallel once running
    await Promise.all(listed.map((l) => call('StartLoadBalancerListener', { LoadBalancerId: id, ListenerPort: l['ListenerPort'], ListenerProtocol: l['ListenerProtocol'] }, { method: 'POST' })));
    listed = await pollUntil(listAll, (ls) => ls.every((l) => l['Status'] === 'running'));
    await Promise.all(listed.map((l) => {
      const P = String(l['ListenerProtocol']).toUpperCase();
      return call(`SetLoadBalancer${P}ListenerAttribute`, { LoadBalancerId: id, ListenerPort: l['ListenerPort'], Bandwidth: 50, Description: 'changed' }, { method: 'POST' });
    }));
    listed = await pollUntil(listAll, (ls) => ls.every((l) => l['Status'] === 'running'));
    assert.ok(listed.every((l) => l['Bandwidth'] === 50 && l['Description'] === 'changed'), 'no lost update');
    // filters
    const onlyUdp = await call('DescribeLoadBalancerListeners', { 'LoadBalancerId.1': id, ListenerProtocol: 'udp' });
    assert.equal((onlyUdp['Listeners'] as Body[]).length, 4);
    const one = await call('DescribeLoadBalancerListeners', { 'LoadBalancerId.1': id, ListenerPort: 30001 });
    assert.deepEqual((one['Listeners'] as Body[]).map((l) => l['ListenerProtocol']), ['udp']);
    await Promise.all(listed.map((l) => call('StopLoadBalancerListener', { LoadBalancerId: id, ListenerPort: l['ListenerPort'], ListenerProtocol: l['ListenerProtocol'] })));
    await pollUntil(listAll, (ls) => ls.every((l) => l['Status'] === 'stopped'));
    await Promise.all(listed.map((l) => call('DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: l['ListenerPort'], ListenerProtocol: l['ListenerProtocol'] })));
    assert.deepEqual(await listAll(), []);
    // region-wide listing without LoadBalancerId.N; an unknown region is the real 404
    const other = await createLbFixture(s);
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: other.LoadBalancerId, ListenerPort: 1, BackendServerPort: 1, Bandwidth: -1 });
    const regionWide = await call('DescribeLoadBalancerListeners', { RegionId: REGION, MaxResults: 100 });
    assert.ok((regionWide['Listeners'] as Body[]).some((l) => l['LoadBalancerId'] === other.LoadBalancerId));
    const two = await call('DescribeLoadBalancerListeners', { 'LoadBalancerId.1': other.LoadBalancerId, 'LoadBalancerId.2': id });
    assert.deepEqual((two['Listeners'] as Body[]).map((l) => l['LoadBalancerId']), [other.LoadBalancerId]);
    assert.equal((await v3Err(s, 'DescribeLoadBalancerListeners', { RegionId: 'mars-north-1' })).code, 'InvalidRegionId.NotFound');
    // ListenerProtocol is read case-insensitively on the addressing actions
    await call('StartLoadBalancerListener', { LoadBalancerId: other.LoadBalancerId, ListenerPort: 1, ListenerProtocol: 'TCP' });
    const unknown = await call('DescribeLoadBalancerListeners', { 'LoadBalancerId.1': 'lb-doesnotexist' });
    assert.deepEqual(unknown['Listeners'], []);
    assert.equal(unknown['TotalCount'], 0);
  });

  await t.test('lifecycle: busy codes while a change is applied, held deterministically', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1 });
    const held = new HeldTransitions();
    const restore = setLifecyclePolicy(held);
    try {
      const fails = (a: string, extra: Body = {}) => errOf(() => call(a, { LoadBalancerId: id, ListenerPort: 80, ...extra }));
      await call('StartLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80 });
      assert.equal((await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 }))['Status'], 'starting');
      assert.deepEqual(await fails('StartLoadBalancerListener'), { code: 'ProcessingSameRequest', message: 'The same request is being processed. Please try later.', status: undefined });
      assert.deepEqual(await fails('StopLoadBalancerListener'), { code: 'ServiceIsConfiguring', message: 'A previous configuration is pending; please try again later.', status: undefined });
      assert.equal((await fails('AddListenerWhiteListItem', { SourceItems: '10.0.0.1' })).code, 'ServiceIsConfiguring');
      assert.deepEqual((await fails('DeleteLoadBalancerListener')).code, 'ServiceIsConfiguring');
      const set = await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80, Bandwidth: 5 });
      assert.deepEqual(set, { code: 'OperationFailed.ListenerStatusNotSupport', status: 400, message: 'The status of the listener does not support this operation. Please try again later.' });
      held.release();
      assert.equal((await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 }))['Status'], 'running');
      held.hold();
      // a change to a running listener shows `configuring`
      await call('SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80, Bandwidth: 5 });
      assert.equal((await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 }))['Status'], 'configuring');
      const deny = await fails('StartLoadBalancerListener');
      assert.deepEqual(deny, { code: 'Operation.Deny', message: 'The specified listener is configuring, please try again later.', status: undefined });
      const same = await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80, Bandwidth: 5 });
      assert.equal(same.code, 'ProcessingSameRequest');
      held.release();
      await call('StopLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80 });
      held.hold();
      const startWhileStopping = await v3Err(s, 'StartLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80 });
      assert.deepEqual(startWhileStopping, { code: 'ServiceIsStopping', status: 409, message: 'The specified Listener is stopping, please retry later.' });
      const st = (await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 }))['Status'];
      assert.equal(st, 'stopping');
      const stopping = await v3Err(s, 'DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80 });
      assert.deepEqual(stopping, { code: 'ServiceIsStopping', status: 409, message: 'The specified Listener is stopping, please retry later.' });
      assert.equal((await fails('StopLoadBalancerListener')).code, 'ProcessingSameRequest');
      assert.equal((await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80, Bandwidth: 6 })).code, 'ServiceIsStopping');
      held.release();
      assert.equal((await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 }))['Status'], 'stopped');
      // Start on running and Stop on stopped change nothing
      await call('StopLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80 });
      assert.equal((await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 }))['Status'], 'stopped');
    } finally {
      restore();
    }
    await call('DeleteLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80 });
  });

  await t.test('identity and existence errors', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1 });
    // TCP/HTTP/HTTPS share the TCP port
    const dup = await v3Err(s, 'CreateLoadBalancerHTTPListener', { LoadBalancerId: id, ListenerPort: 80, BackendServerPort: 80, HealthCheck: 'off' });
    assert.deepEqual(dup, { code: 'ListenerAlreadyExists', status: 400, message: 'A listener with the specified port already exists' });
    const dup2 = await v3Err(s, 'CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1 });
    assert.equal(dup2.code, 'ListenerAlreadyExists');
    // UDP may share it
    await s.v3('CreateLoadBalancerUDPListener', { LoadBalancerId: id, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1 });
    const wrongProto = await v3Err(s, 'DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 });
    assert.deepEqual(wrongProto, { code: 'UnsupportedOperationonfixedprotocalport', status: 400, message: 'The operation is not supported by the protocol of the specified port.' });
    const wrongSet = await v3Err(s, 'SetLoadBalancerHTTPSListenerAttribute', { LoadBalancerId: id, ListenerPort: 80 });
    assert.equal(wrongSet.code, 'UnsupportedOperationonfixedprotocalport');
    const nf = await v3Err(s, 'StartLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 81 });
    assert.deepEqual(nf, { code: 'ListenerNotFound', status: 404, message: 'You have not created a listener for the specified port of the load balancer.' });
    const nfSet = await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 81 });
    assert.equal(nfSet.code, 'ListenerNotFound');
    const gone = await v3Err(s, 'DescribeLoadBalancerUDPListenerAttribute', { LoadBalancerId: id, ListenerPort: 81 });
    assert.deepEqual(gone, { code: 'InvalidParameter', status: 400, message: 'The specified resource does not exist.' });
    const badProto = await v3Err(s, 'StopLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 80, ListenerProtocol: 'sctp' });
    assert.deepEqual(badProto, { code: 'InvalidParameter', status: 400, message: 'The specified protocol is not valid.' });
    const badProto2 = await v3Err(s, 'DescribeLoadBalancerListeners', { ListenerProtocol: 'TCP' });
    assert.equal(badProto2.message, 'The specified protocol is not valid.');
    const badPort = await v3Err(s, 'CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 65536, BackendServerPort: 80, Bandwidth: -1 });
    assert.deepEqual(badPort, { code: 'InvalidParameter', status: 400, message: 'The specified port is not valid.' });
    assert.equal((await v3Err(s, 'CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 82, BackendServerPort: 0, Bandwidth: -1 })).message, 'The specified port is not valid.');
    assert.equal((await v3Err(s, 'AddListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 0, SourceItems: '1.1.1.1' })).message, 'The specified port is not valid.');
    const noLb = await v3Err(s, 'CreateLoadBalancerTCPListener', { LoadBalancerId: 'lb-missing', ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1 });
    assert.deepEqual([noLb.code, noLb.status], ['InvalidLoadBalancerId.NotFound', 404]);
    const noPort = await v3Err(s, 'CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 90, Bandwidth: -1 });
    assert.deepEqual(noPort, { code: 'MissingParameter', status: 400, message: 'The input parameter "BackendServerPort" that is mandatory for processing this request is not supplied.' });
    const noBw = await v3Err(s, 'CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 90, BackendServerPort: 80 });
    assert.equal(noBw.code, 'MissingParameter');
    const tooMany = await v3Err(s, 'DescribeLoadBalancerListeners', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`LoadBalancerId.${i + 1}`, `lb-${i}`])));
    assert.deepEqual(tooMany, { code: 'VipTooManyListeners', status: 400, message: 'The total number of input listeners exceeds max supported number: 10' });
  });

  await t.test('parameters: ranges, enums, conditional requirements, schedulers per protocol', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    const tcp = (extra: Body) => v3Err(s, 'CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 100, BackendServerPort: 80, Bandwidth: -1, ...extra });
    const http = (extra: Body) => v3Err(s, 'CreateLoadBalancerHTTPListener', { LoadBalancerId: id, ListenerPort: 100, BackendServerPort: 80, HealthCheck: 'on', ...extra });
    const invalid = { code: 'InvalidParameter', status: 400, message: 'The specified parameter is not valid.' };
    assert.deepEqual(await tcp({ HealthyThreshold: 1 }), invalid, 'thresholds are 2–10');
    assert.deepEqual(await tcp({ UnhealthyThreshold: 11 }), invalid);
    assert.deepEqual(await tcp({ healthCheckInterval: 51 }), invalid);
    assert.deepEqual(await tcp({ Scheduler: 'qch' }), invalid, 'qch is UDP-only');
    assert.deepEqual(await http({ Scheduler: 'sch' }), invalid, 'L7 takes wrr/rr only');
    assert.deepEqual(await tcp({ EstablishedTimeout: 9 }), invalid);
    assert.deepEqual(await tcp({ PersistenceTimeout: 3601 }), invalid);
    assert.deepEqual(await http({ IdleTimeout: 61 }), invalid);
    assert.deepEqual(await http({ RequestTimeout: 181 }), invalid);
    assert.deepEqual(await http({ CookieTimeout: 86401, StickySession: 'on', StickySessionType: 'insert' }), invalid);
    assert.deepEqual(await http({ HealthCheckHttpCode: 'http_2xx,http_6xx' }), invalid);
    assert.deepEqual(await http({ HealthCheckURI: 'no-slash' }), invalid);
    assert.deepEqual(await http({ HealthCheckDomain: 'bad_domain!' }), invalid);
    assert.deepEqual(await http({ StickySession: 'on', StickySessionType: 'server', Cookie: '$bad' }), invalid);
    assert.deepEqual(await tcp({ Bandwidth: 0 }), { code: 'InvalidParameter', status: 400, message: 'The specified bandwidth is not valid.' });
    assert.deepEqual(await tcp({ Bandwidth: 5121 }), { code: 'InvalidParameter', status: 400, message: 'The specified bandwidth is not valid.' });
    assert.deepEqual(await http({ Bandwidth: -2 }), { code: 'InvalidParameter', status: 400, message: 'The specified bandwidth is not valid.' });
    const missing = (n: string) => ({ code: 'MissingParameter', status: 400, message: `The input parameter "${n}" that is mandatory for processing this request is not supplied.` });
    assert.deepEqual(await http({ StickySession: 'on' }), missing('StickySessionType'));
    assert.deepEqual(await http({ StickySession: 'on', StickySessionType: 'insert' }), missing('CookieTimeout'));
    assert.deepEqual(await http({ StickySession: 'on', StickySessionType: 'server' }), missing('Cookie'));
    assert.deepEqual(await tcp({ ConnectionDrain: 'on' }), missing('ConnectionDrainTimeout'));
    assert.deepEqual(await tcp({ AclStatus: 'on', AclType: 'white' }), missing('AclId'));
    assert.deepEqual(await v3Err(s, 'CreateLoadBalancerHTTPListener', { LoadBalancerId: id, ListenerPort: 100, BackendServerPort: 80 }), missing('HealthCheck'));
    // UDP health-check request/response strings
    const udp = (extra: Body) => v3Err(s, 'CreateLoadBalancerUDPListener', { LoadBalancerId: id, ListenerPort: 100, BackendServerPort: 80, Bandwidth: -1, ...extra });
    assert.deepEqual(await udp({ healthCheckReq: 'x'.repeat(65) }), { code: 'InvalidParamLength.HealthCheckReq', status: 400, message: 'The length of the parameter HealthCheckReq is invalid.' });
    assert.deepEqual(await udp({ healthCheckExp: 'x'.repeat(65) }), { code: 'InvalidParamLength.HealthCheckExp', status: 400, message: 'The length of the parameter HealthCheckExp is invalid.' });
    assert.deepEqual(await udp({ healthCheckReq: 'a b' }), invalid);
    const setUdp = await v3Err(s, 'SetLoadBalancerUDPListenerAttribute', { LoadBalancerId: id, ListenerPort: 100, healthCheckExp: 'y'.repeat(65) });
    assert.equal(setUdp.code, 'InvalidParamLength.HealthCheckExp');
    // nothing was stored by any refused call
    const r = await call('DescribeLoadBalancerListeners', { 'LoadBalancerId.1': id });
    assert.deepEqual(r['Listeners'], []);
  });

  await t.test('server groups, ACLs and bandwidth against the instance', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    const other = await putLbDoc(s);
    const vsg = await vServerGroupFixture(s, id);
    const msg = await masterSlaveGroupFixture(s, id);
    const foreign = await vServerGroupFixture(s, other.LoadBalancerId);
    const base = { LoadBalancerId: id, ListenerPort: 200, Bandwidth: -1 };
    const nf = await v3Err(s, 'CreateLoadBalancerTCPListener', { ...base, VServerGroupId: 'rsp-nope' });
    assert.deepEqual(nf, { code: 'InvalidParameter', status: 404, message: 'The specified VServerGroupId does not exist.' });
    const msnf = await v3Err(s, 'CreateLoadBalancerUDPListener', { ...base, BackendServerPort: 80, MasterSlaveServerGroupId: 'rsp-nope' });
    assert.deepEqual([msnf.code, msnf.status, msnf.message], ['InvalidParameter', 404, 'The specified MasterSlaveGroupId does not exist.']);
    assert.equal((await v3Err(s, 'CreateLoadBalancerTCPListener', { ...base, VServerGroupId: foreign })).code, 'VipNotMatchRspool');
    assert.deepEqual(await v3Err(s, 'CreateLoadBalancerTCPListener', { ...base, VServerGroupId: msg }), { code: 'VipNotMatchRspool', status: 400, message: 'The vip protocol is not match with Rspool.' });
    const both = await v3Err(s, 'CreateLoadBalancerTCPListener', { ...base, VServerGroupId: vsg, MasterSlaveServerGroupId: msg });
    assert.deepEqual(both, { code: 'Abs.VServerGroupIdAndMasterSlaveServerGroupId.MissMatch', status: 400, message: 'The parameters VServerGroupId or MasterSlaveServerGroupId miss match.' });
    const acl = await aclFixture(s);
    const noAcl = await v3Err(s, 'CreateLoadBalancerTCPListener', { ...base, VServerGroupId: vsg, AclStatus: 'on', AclType: 'white', AclId: 'acl-nope' });
    assert.equal(noAcl.code, 'AclNotExist');
    // VServerGroupId alone needs no BackendServerPort
    await s.v3('CreateLoadBalancerTCPListener', { ...base, VServerGroupId: vsg, AclStatus: 'on', AclType: 'black', AclId: acl });
    let d = (await s.v3('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 200 })).body;
    assert.equal(d['VServerGroupId'], vsg);
    assert.equal(d['BackendServerPort'], undefined);
    assert.deepEqual(d['AclIds'], { AclId: [acl] });
    assert.deepEqual([d['AclStatus'], d['AclType'], d['AclId']], ['on', 'black', acl]);
    // switch to the master-slave group (Terraform: MasterSlaveServerGroup=on + id)
    await s.v3('SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 200, MasterSlaveServerGroup: 'on', MasterSlaveServerGroupId: msg, AclStatus: 'off' });
    d = (await s.v3('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 200 })).body;
    assert.equal(d['MasterSlaveServerGroupId'], msg);
    assert.equal(d['VServerGroupId'], undefined);
    assert.equal(d['AclStatus'], 'off');
    assert.deepEqual(d['AclIds'], { AclId: [] });
    // without a backend port of its own the listener cannot fall back to the default server group
    const off = await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 200, MasterSlaveServerGroup: 'off' });
    assert.deepEqual(off, { code: 'MissingParameter', status: 400, message: 'The input parameter "VServerGroupId" that is mandatory for processing this request is not supplied.' });
    const bothOn = await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 200, MasterSlaveServerGroup: 'on', MasterSlaveServerGroupId: msg, VServerGroup: 'on', VServerGroupId: vsg });
    assert.equal(bothOn.code, 'Abs.VServerGroupIdAndMasterSlaveServerGroupId.MissMatch');
    const v6 = await aclFixture(s, 'ipv6');
    assert.equal((await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 200, AclStatus: 'on', AclType: 'white', AclId: v6 })).code, 'InvalidParameter');
    // a pay-by-bandwidth instance shares its bandwidth between listeners
    const paid = await putLbDoc(s, { InternetChargeType: 'paybybandwidth', Bandwidth: 100 });
    const p = { LoadBalancerId: paid.LoadBalancerId, BackendServerPort: 80 };
    assert.deepEqual(await v3Err(s, 'CreateLoadBalancerTCPListener', { ...p, ListenerPort: 1, Bandwidth: -1 }), { code: 'InvalidParameter', status: 400, message: 'The listen bandwidth is not Support' });
    await s.v3('CreateLoadBalancerTCPListener', { ...p, ListenerPort: 1, Bandwidth: 60 });
    const over = await v3Err(s, 'CreateLoadBalancerUDPListener', { ...p, ListenerPort: 2, Bandwidth: 41 });
    assert.deepEqual(over, { code: 'InvalidParameter', status: 400, message: 'The specified Bandwidth is invalid. It exceeds the maximum bandwidth available to the instance.' });
    await s.v3('CreateLoadBalancerUDPListener', { ...p, ListenerPort: 2, Bandwidth: 40 });
    await s.v3('SetLoadBalancerTCPListenerAttribute', { ...p, ListenerPort: 1, Bandwidth: 60 });
  });

  await t.test('locked instances and the listener quota', async () => {
    const lb = await putLbDoc(s);
    const id = lb.LoadBalancerId;
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 1, BackendServerPort: 80, Bandwidth: -1 });
    await patchLbDoc(s, id, { LoadBalancerStatus: 'locked', LockReason: 'financial' });
    const e = await v3Err(s, 'StartLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 1 });
    assert.deepEqual(e, { code: 'ActionNotAllowed', status: 400, message: 'Locked for any Business Reason.' });
    await patchLbDoc(s, id, { LockReason: 'security' });
    assert.equal((await v3Err(s, 'CreateLoadBalancerUDPListener', { LoadBalancerId: id, ListenerPort: 1, BackendServerPort: 80, Bandwidth: -1 })).message, 'Locked for any Operate Reason.');
    // reads still work on a locked instance
    assert.equal((await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 1 }))['Status'], 'stopped');
    await patchLbDoc(s, id, { LoadBalancerStatus: 'active' });
    for (let port = 2; port <= 50; port++) await call('CreateLoadBalancerUDPListener', { LoadBalancerId: id, ListenerPort: port, BackendServerPort: 80, Bandwidth: -1 });
    const quota = await v3Err(s, 'CreateLoadBalancerUDPListener', { LoadBalancerId: id, ListenerPort: 51, BackendServerPort: 80, Bandwidth: -1 });
    assert.deepEqual(quota, { code: 'ListenerNumberOverLimit', status: 400, message: 'The maximum number of listeners is exceeded.' });
    const all = await call('DescribeLoadBalancerListeners', { 'LoadBalancerId.1': id, MaxResults: 100 });
    assert.equal(all['TotalCount'], 50);
    assert.ok(!('NextToken' in all));
  });

  await t.test('legacy whitelist actions', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 22, BackendServerPort: 22, Bandwidth: -1 });
    const at = () => call('DescribeListenerAccessControlAttribute', { LoadBalancerId: id, ListenerPort: 22 });
    const first = await at();
    assert.equal(first['AccessControlStatus'], 'close');
    assert.equal(first['SourceItems'], '');
    assert.deepEqual(shapeProblems('DescribeListenerAccessControlAttribute', first), []);
    // items may be added while the whitelist is closed; they take effect when it opens
    await call('AddListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: '10.0.0.1,192.168.0.0/16' });
    assert.equal((await at())['SourceItems'], '10.0.0.1,192.168.0.0/16');
    await call('SetListenerAccessControlStatus', { LoadBalancerId: id, ListenerPort: 22, AccessControlStatus: 'open_white_list' });
    await call('AddListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: '10.0.0.1,192.168.0.0/16,2001:db8::/32' });
    await call('AddListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: '10.0.0.1' });
    assert.deepEqual(await at().then((r) => [r['AccessControlStatus'], r['SourceItems']]), ['open_white_list', '10.0.0.1,192.168.0.0/16,2001:db8::/32']);
    await call('RemoveListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: '192.168.0.0/16,1.1.1.1' });
    assert.equal((await at())['SourceItems'], '10.0.0.1,2001:db8::/32');
    for (const items of ['10.0.0.300', '0.0.0.0/0', '0.0.0.0', '10.0.0.1,', 'example.com']) {
      const bad = await v3Err(s, 'AddListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: items });
      assert.deepEqual(bad, { code: 'InvalidParameter', status: 400, message: 'The specified SourceItems is invalid.' }, items);
    }
    const many = Array.from({ length: 299 }, (_, i) => `10.1.${Math.floor(i / 250)}.${i % 250}`).join(',');
    const quota = await v3Err(s, 'AddListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: many });
    assert.deepEqual(quota, { code: 'SourceItemsQuotaOverLimit', status: 400, message: 'The maximum number of SourceItems is exceeded.' });
    // the newer ACL binding and the legacy whitelist exclude each other
    const acl = await aclFixture(s);
    const both = await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 22, AclStatus: 'on', AclType: 'white', AclId: acl });
    assert.deepEqual(both, { code: 'IncorrectListenerAccessControlStatusStatus', status: 500, message: 'Current listener access control status does not support this operation.' });
    await call('SetListenerAccessControlStatus', { LoadBalancerId: id, ListenerPort: 22, AccessControlStatus: 'close' });
    await call('SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 22, AclStatus: 'on', AclType: 'white', AclId: acl });
    const reopen = await v3Err(s, 'SetListenerAccessControlStatus', { LoadBalancerId: id, ListenerPort: 22, AccessControlStatus: 'open_white_list' });
    assert.equal(reopen.code, 'IncorrectListenerAccessControlStatusStatus');
    // while an ACL is bound, the legacy items cannot be changed
    const aclOn = await v3Err(s, 'AddListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: '10.0.0.2' });
    assert.deepEqual(aclOn, { code: 'ActionNotAllowed', status: 400, message: 'Listener AccessControl Status is Incorrect.' });
    assert.equal((await v3Err(s, 'RemoveListenerWhiteListItem', { LoadBalancerId: id, ListenerPort: 22, SourceItems: '10.0.0.1' })).code, 'ActionNotAllowed');
  });

  await t.test('parallel changes to one listener are serialized: every field lands, or the caller is told it is busy', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    await call('CreateLoadBalancerHTTPListener', { LoadBalancerId: id, ListenerPort: 8080, BackendServerPort: 80, HealthCheck: 'on' });
    const changes: Body[] = [
      { Scheduler: 'rr' }, { Gzip: 'off' }, { IdleTimeout: 33 }, { RequestTimeout: 99 }, { XForwardedFor_SLBIP: 'on' },
      { XForwardedFor_SLBID: 'on' }, { XForwardedFor_proto: 'on' }, { HealthyThreshold: 9 }, { UnhealthyThreshold: 8 }, { Description: 'parallel' },
    ];
    // a stopped listener applies each change at once
    await Promise.all(changes.map((c) => call('SetLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8080, ...c }, { method: 'POST' })));
    const d = await call('DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8080 });
    for (const c of changes) for (const [k, v] of Object.entries(c)) assert.equal(d[k], v, k);
    // a running one takes one change at a time; the others get the busy code Terraform retries
    await call('StartLoadBalancerListener', { LoadBalancerId: id, ListenerPort: 8080 });
    await pollUntil(() => call('DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8080 }), (b) => b['Status'] === 'running');
    const held = new HeldTransitions();
    const restore = setLifecyclePolicy(held);
    let results: PromiseSettledResult<unknown>[];
    try {
      results = await Promise.allSettled([10, 20, 30].map((bw) => s.v3('SetLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8080, Bandwidth: bw })));
    } finally {
      held.release();
      restore();
    }
    const won = results.findIndex((r) => r.status === 'fulfilled');
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one change at a time');
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'OperationFailed.ListenerStatusNotSupport');
    const after = await pollUntil(() => call('DescribeLoadBalancerHTTPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8080 }), (b) => b['Status'] === 'running');
    assert.equal(after['Bandwidth'], [10, 20, 30][won], 'the accepted change is the stored one');
    assert.equal(after['Description'], 'parallel', 'earlier changes are kept');
  });

  await t.test('IPv6 instances refuse the legacy whitelist', async () => {
    const lb = await putLbDoc(s, { AddressIPVersion: 'ipv6' });
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1 });
    const e = await v3Err(s, 'SetListenerAccessControlStatus', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, AccessControlStatus: 'open_white_list' });
    assert.deepEqual(e, { code: 'OperationFailed.ActionNotSupport', status: 400, message: 'The loadbalancer of ipv6 does not support such action.' });
  });

  await t.test('tags on creation and as a filter; refused calls leave state untouched', async () => {
    const lb = await createLbFixture(s);
    const id = lb.LoadBalancerId;
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 7, BackendServerPort: 7, Bandwidth: -1, 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' });
    await call('CreateLoadBalancerTCPListener', { LoadBalancerId: id, ListenerPort: 8, BackendServerPort: 8, Bandwidth: -1 });
    const d = await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 7 });
    assert.deepEqual(d['Tags'], { Tag: [{ TagKey: 'env', TagValue: 'prod' }] });
    const f = await call('DescribeLoadBalancerListeners', { 'LoadBalancerId.1': id, 'Tag.1.Key': 'env', 'Tag.1.Value': 'prod' });
    assert.deepEqual((f['Listeners'] as Body[]).map((l) => l['ListenerPort']), [7]);
    const badTok = await v3Err(s, 'DescribeLoadBalancerListeners', { 'LoadBalancerId.1': id, NextToken: '!!!' });
    assert.equal(badTok.code, 'InvalidParameter');
    const before = await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8 });
    await v3Err(s, 'SetLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8, Bandwidth: 10, VServerGroup: 'on', VServerGroupId: 'rsp-missing' });
    const after = await call('DescribeLoadBalancerTCPListenerAttribute', { LoadBalancerId: id, ListenerPort: 8 });
    delete before['RequestId'];
    delete after['RequestId'];
    assert.deepEqual(after, before);
  });
});
