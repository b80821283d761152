// The compiler: store documents → a validated, frozen, versioned snapshot. Dangling references
// leave the listener (or member, ACL, certificate) out with a reported problem, never a crash.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileGraph, compileStore, pendingKey, type ResourceGraph } from '../../src/compile/compiler.js';
import { defaultServerGroupId, validateSnapshot, type HttpsListenerSnapshot, type TcpListenerSnapshot, type UdpListenerSnapshot, type HttpListenerSnapshot } from '../../src/dataplane/snapshot.js';
import { sealKey, type ServerCertificateDoc } from '../../src/products/slb/services/certificates.js';
import type { InstanceDoc, ListenerDoc, LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { registerSecrets, SecretBox } from '../../src/state/secrets.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { GLOBAL } from '../../src/state/store.js';
import { createCA, issueLeaf } from '../../src/util/pki.js';

const LB = 'lb-compile0000000000001';

function lb(over: Partial<LoadBalancerDoc> = {}): LoadBalancerDoc {
  return {
    LoadBalancerId: LB, LoadBalancerName: 'x', RegionId: 'cn-hangzhou', Address: '127.1.0.9', AddressType: 'internet', AddressIPVersion: 'ipv4',
    NetworkType: 'classic', VpcId: '', VSwitchId: '', LoadBalancerStatus: 'active', LoadBalancerSpec: 'slb.s1.small', InstanceChargeType: 'PayBySpec',
    InternetChargeType: 'paybytraffic', Bandwidth: 5120, PayType: 'PayOnDemand', MasterZoneId: 'a', SlaveZoneId: 'b', DeleteProtection: 'off',
    ModificationProtectionStatus: 'NonProtection', ModificationProtectionReason: '', ResourceGroupId: 'rg', CreateTime: '', CreateTimeStamp: 0,
    BackendServers: [{ ServerId: 'i-a', Weight: 100, Type: 'ecs' }, { ServerId: 'i-b', Weight: 0, Type: 'ecs' }],
    ...over,
  };
}

const inst = (id: string, ip: string): InstanceDoc => ({ InstanceId: id, RegionId: 'cn-hangzhou', PrivateIpAddress: ip, NetworkType: 'classic', Status: 'Running', Type: 'ecs' });

function listener(protocol: ListenerDoc['ListenerProtocol'], port: number, over: Record<string, unknown> = {}): ListenerDoc {
  return { LoadBalancerId: LB, ListenerPort: port, ListenerProtocol: protocol, Status: 'running', Bandwidth: -1, BackendServerPort: 8080, ...over };
}

function graph(over: Partial<ResourceGraph['scopes'][number]> = {}, top: Partial<ResourceGraph> = {}): ResourceGraph {
  return {
    scopes: [
      {
        account: '1', region: 'cn-hangzhou', lbs: [lb()], listeners: [], vGroups: new Map(), msGroups: new Map(), rules: [], domainExtensions: [],
        instances: new Map([['i-a', inst('i-a', '127.0.0.2')], ['i-b', inst('i-b', '127.0.0.3')]]),
        ...over,
      },
    ],
    acls: [], serverCertificates: [], caCertificates: [], tlsCipherPolicies: [],
    ...top,
  };
}

test('a TCP listener on the default group: instance IPs resolved, seconds → ms, API defaults filled in', () => {
  const r = compileGraph(graph({ listeners: [listener('tcp', 80, { HealthCheckInterval: 1, HealthyThreshold: 2, PersistenceTimeout: 30, ConnectionDrain: 'on', ConnectionDrainTimeout: 10, ProxyProtocolV2Enabled: true })] }), 7);
  assert.deepEqual(r.problems, []);
  assert.equal(r.snapshot.version, 7);
  assert.deepEqual(validateSnapshot(r.snapshot), []);
  assert.ok(Object.isFrozen(r.snapshot) && Object.isFrozen(r.snapshot.loadBalancers[0]!.listeners[0]));
  const b = r.snapshot.loadBalancers[0]!;
  assert.deepEqual([b.address, b.status, b.bindAddress], ['127.1.0.9', 'active', undefined]);
  assert.deepEqual(b.serverGroups[defaultServerGroupId(LB)]!.servers.map((s) => [s.serverId, s.ip, s.port, s.weight]), [['i-a', '127.0.0.2', null, 100], ['i-b', '127.0.0.3', null, 0]]);
  const l = b.listeners[0] as TcpListenerSnapshot;
  assert.equal(l.listenerId, `${LB}_tcp_80`);
  assert.equal(l.backendServerPort, 8080);
  assert.equal(l.scheduler, 'wrr');
  assert.deepEqual(
    [l.healthCheck.enabled, l.healthCheck.type, l.healthCheck.intervalMs, l.healthCheck.timeoutMs, l.healthCheck.healthyThreshold, l.healthCheck.unhealthyThreshold],
    [true, 'tcp', 1000, 5000, 2, 3],
  );
  assert.deepEqual([l.persistenceTimeoutMs, l.establishedTimeoutMs, l.proxyProtocolV2, l.connectionDrain.enabled, l.connectionDrain.timeoutMs], [30_000, 900_000, true, true, 10_000]);
});

test('UDP health check request/expect; TCP listener with an HTTP health check', () => {
  const r = compileGraph(graph({
    listeners: [
      listener('udp', 53, { HealthCheckReq: 'ping', HealthCheckExp: 'pong' }),
      listener('tcp', 81, { HealthCheckType: 'http', HealthCheckURI: '/h', HealthCheckDomain: '$_ip', HealthCheckHttpCode: 'http_2xx,http_3xx', HealthCheckConnectPort: 9000 }),
    ],
  }), 1);
  const [u, t] = r.snapshot.loadBalancers[0]!.listeners as [UdpListenerSnapshot, TcpListenerSnapshot];
  assert.deepEqual(u.healthCheck.udp, { request: 'ping', expect: 'pong' });
  assert.equal(u.flowIdleTimeoutMs, 90_000);
  assert.deepEqual(t.healthCheck.http, { method: 'head', uri: '/h', domain: null, httpCodes: ['http_2xx', 'http_3xx'] });
  assert.equal(t.healthCheck.connectPort, 9000);
});

test('dangling references leave only the listener out, with the reason; the rest is published', () => {
  const r = compileGraph(graph({
    listeners: [
      listener('tcp', 80),
      listener('tcp', 81, { VServerGroupId: 'rsp-gone' }),
      listener('tcp', 82, { AclStatus: 'on', AclType: 'white', AclId: 'acl-gone' }),
      listener('https', 443, { ServerCertificateId: 'cert-gone' }),
      listener('http', 8000, { ListenerForward: 'on', ForwardPort: 443 }),
    ],
  }), 2);
  assert.deepEqual(validateSnapshot(r.snapshot), []);
  assert.deepEqual(r.snapshot.loadBalancers[0]!.listeners.map((l) => l.port), [80]);
  const ids = r.problems.filter((p) => p.kind === 'listener').map((p) => p.id).sort();
  assert.deepEqual(ids, [`${LB}_http_8000`, `${LB}_https_443`, `${LB}_tcp_81`, `${LB}_tcp_82`]);
  assert.match(r.problems.find((p) => p.id === `${LB}_tcp_81`)!.message, /rsp-gone/);
  assert.match(r.problems.find((p) => p.id === `${LB}_tcp_82`)!.message, /acl-gone/);
  assert.match(r.problems.find((p) => p.id === `${LB}_http_8000`)!.message, /no HTTPS listener on port 443/);
});

test('a member with no address is dropped and reported; the listener stays', () => {
  const r = compileGraph(graph({ lbs: [lb({ BackendServers: [{ ServerId: 'i-a', Weight: 50, Type: 'ecs' }, { ServerId: 'i-nowhere', Weight: 50, Type: 'ecs' }, { ServerId: 'eni-x', Weight: 10, Type: 'eni', ServerIp: '127.0.0.4' }] })], listeners: [listener('tcp', 80)] }), 3);
  assert.deepEqual(r.snapshot.loadBalancers[0]!.serverGroups[defaultServerGroupId(LB)]!.servers.map((s) => [s.serverId, s.ip]), [['i-a', '127.0.0.2'], ['eni-x', '127.0.0.4']]);
  assert.deepEqual(r.problems.map((p) => [p.kind, p.id]), [['member', `${LB}/i-nowhere`]]);
  assert.equal(r.snapshot.loadBalancers[0]!.listeners.length, 1);
});

test('HTTPS: certificate with its key, CA, domain extensions, ACLs, custom TLS policy, rules with overrides', () => {
  const r = compileGraph(
    graph({
      vGroups: new Map([['rsp-web', { VServerGroupId: 'rsp-web', VServerGroupName: 'w', LoadBalancerId: LB, CreateTime: '', BackendServers: [{ ServerId: 'i-b', Port: 9000, Weight: 100, Type: 'ecs' }] }]]),
      listeners: [
        listener('https', 443, {
          VServerGroupId: 'rsp-web', ServerCertificateId: 'c1', CACertificateId: 'ca1', TLSCipherPolicy: 'tls-1', EnableHttp2: 'off', AclStatus: 'on', AclType: 'black', AclIds: 'acl-1',
          StickySession: 'on', StickySessionType: 'insert', CookieTimeout: 100, XForwardedFor_SLBID: 'on', Gzip: 'off', IdleTimeout: 5, RequestTimeout: 7,
        }),
      ],
      rules: [
        { RuleId: 'rule-1', RuleName: 'r1', LoadBalancerId: LB, ListenerPort: 443, ListenerProtocol: 'https', Domain: 'WWW.Example.com', Url: '/api', VServerGroupId: 'rsp-web', ListenerSync: 'on', CreateTime: '' },
        { RuleId: 'rule-2', RuleName: 'r2', LoadBalancerId: LB, ListenerPort: 443, ListenerProtocol: 'https', Url: '/img', VServerGroupId: 'rsp-web', ListenerSync: 'off', Scheduler: 'rr', HealthCheck: 'on', HealthCheckInterval: 3, HealthCheckURI: '/ok', CreateTime: '' },
      ],
      domainExtensions: [{ DomainExtensionId: 'de-1', LoadBalancerId: LB, ListenerPort: 443, Domain: '*.Example.org', ServerCertificateId: 'c2', Status: 'normal', CreateTime: '' }],
    }, {}),
    4,
  );
  // certificates c1/c2, CA, ACL and policy are missing from the graph: everything that needs them goes
  assert.equal(r.snapshot.loadBalancers[0]!.listeners.length, 0);
  const full = compileGraph(
    {
      ...graph({
        vGroups: new Map([['rsp-web', { VServerGroupId: 'rsp-web', VServerGroupName: 'w', LoadBalancerId: LB, CreateTime: '', BackendServers: [{ ServerId: 'i-b', Port: 9000, Weight: 100, Type: 'ecs' }] }]]),
        listeners: [
          listener('https', 443, {
            VServerGroupId: 'rsp-web', ServerCertificateId: 'c1', CACertificateId: 'ca1', TLSCipherPolicy: 'tls-1', EnableHttp2: 'off', AclStatus: 'on', AclType: 'black', AclIds: 'acl-1',
            StickySession: 'on', StickySessionType: 'insert', CookieTimeout: 100, XForwardedFor_SLBID: 'on', Gzip: 'off', IdleTimeout: 5, RequestTimeout: 7,
          }),
        ],
        rules: [
          { RuleId: 'rule-1', RuleName: 'r1', LoadBalancerId: LB, ListenerPort: 443, ListenerProtocol: 'https', Domain: 'WWW.Example.com', Url: '/api', VServerGroupId: 'rsp-web', ListenerSync: 'on', CreateTime: '' },
          { RuleId: 'rule-2', RuleName: 'r2', LoadBalancerId: LB, ListenerPort: 443, ListenerProtocol: 'https', Url: '/img', VServerGroupId: 'rsp-web', ListenerSync: 'off', Scheduler: 'rr', HealthCheck: 'on', HealthCheckInterval: 3, HealthCheckURI: '/ok', CreateTime: '' },
        ],
        domainExtensions: [{ DomainExtensionId: 'de-1', LoadBalancerId: LB, ListenerPort: 443, Domain: '*.Example.org', ServerCertificateId: 'c2', Status: 'normal', CreateTime: '' }],
      }),
      acls: [{ AclId: 'acl-1', AclName: 'a', AddressIPVersion: 'ipv4', ResourceGroupId: '', CreateTime: '', Entries: [{ AclEntryIP: '10.0.0.0/8', AclEntryComment: '' }] }],
      serverCertificates: [
        { doc: { ServerCertificateId: 'c1', CertificatePem: 'CERT1' } as ServerCertificateDoc, privateKey: 'KEY1' },
        { doc: { ServerCertificateId: 'c2', CertificatePem: 'CERT2' } as ServerCertificateDoc, privateKey: 'KEY2' },
      ],
      caCertificates: [{ CACertificateId: 'ca1', CertificatePem: 'CA1' } as never],
      tlsCipherPolicies: [{ TLSCipherPolicyId: 'tls-1', Name: 'p', TLSVersions: ['TLSv1.2'], Ciphers: ['ECDHE-RSA-AES128-GCM-SHA256'], Status: 'normal', CreateTime: 0 }],
    },
    5,
  );
  assert.deepEqual(full.problems, []);
  const l = full.snapshot.loadBalancers[0]!.listeners[0] as HttpsListenerSnapshot;
  assert.equal(l.serverGroupId, 'rsp-web');
  assert.deepEqual([l.serverCertificateId, l.caCertificateId, l.tlsCipherPolicy, l.enableHttp2], ['c1', 'ca1', 'tls-1', false]);
  assert.deepEqual(full.snapshot.serverCertificates['c1'], { serverCertificateId: 'c1', certificate: 'CERT1', privateKey: 'KEY1' });
  assert.deepEqual(l.domainExtensions, [{ domainExtensionId: 'de-1', domain: '*.example.org', serverCertificateId: 'c2' }]);
  assert.deepEqual(l.acl, { type: 'black', aclIds: ['acl-1'] });
  assert.deepEqual(l.stickySession, { type: 'insert', cookieTimeoutMs: 100_000 });
  assert.deepEqual([l.forwardedHeaders.xForwardedFor, l.forwardedHeaders.slbId, l.forwardedHeaders.slbIp, l.gzip, l.idleTimeoutMs, l.requestTimeoutMs], [true, true, false, false, 5000, 7000]);
  assert.deepEqual(l.rules.map((x) => [x.ruleId, x.domain, x.url, x.override?.scheduler ?? null, x.override?.healthCheck.intervalMs ?? null, x.override?.healthCheck.http?.uri ?? null]), [
    ['rule-1', 'www.example.com', '/api', null, null, null],
    ['rule-2', null, '/img', 'rr', 3000, '/ok'],
  ]);
});

test('legacy whitelist becomes a private white ACL; IPv4-mapped addresses bind their IPv4 form; pending changes are listed', () => {
  const r = compileGraph(graph({
    lbs: [lb({ Address: '::ffff:127.3.0.1', AddressIPVersion: 'ipv6' })],
    listeners: [
      listener('http', 80, { AccessControlStatus: 'open_white_list', SourceItems: ['10.1.0.0/16,192.168.0.1'], Status: 'starting', Pending: { op: 'fp', target: 'running', since: 42, observed: 0 } }),
    ],
  }), 6);
  const b = r.snapshot.loadBalancers[0]!;
  assert.equal(b.bindAddress, '127.3.0.1');
  const l = b.listeners[0] as HttpListenerSnapshot;
  assert.equal(l.status, 'starting');
  assert.deepEqual(l.acl, { type: 'white', aclIds: [`whitelist:${LB}_http_80`] });
  assert.deepEqual(r.snapshot.acls[`whitelist:${LB}_http_80`]!.entries, ['10.1.0.0/16', '192.168.0.1']);
  assert.deepEqual(r.pending, [{ account: '1', region: 'cn-hangzhou', listenerId: `${LB}_http_80`, op: 'fp', since: 42 }]);
  assert.equal(pendingKey(r.pending[0]!.listenerId, r.pending[0]!), `${LB}_http_80|fp|42`);
});

test('an invalid master-slave group is left out, and so is every listener using it', () => {
  const r = compileGraph(graph({
    msGroups: new Map([['rsp-ms', { MasterSlaveServerGroupId: 'rsp-ms', MasterSlaveServerGroupName: 'm', LoadBalancerId: LB, CreateTime: '', MasterSlaveBackendServers: [{ ServerId: 'i-a', Port: 80, Weight: 100, Type: 'ecs', ServerType: 'Master' }] }]]),
    listeners: [listener('tcp', 80, { MasterSlaveServerGroupId: 'rsp-ms' }), listener('tcp', 81)],
  }), 8);
  assert.deepEqual(validateSnapshot(r.snapshot), []);
  assert.deepEqual(r.snapshot.loadBalancers[0]!.listeners.map((l) => l.port), [81]);
  assert.deepEqual(r.problems.map((p) => [p.kind, p.id]), [['serverGroup', 'rsp-ms'], ['listener', `${LB}_tcp_80`]]);
});

test('compileStore reads every account in one transaction and opens sealed private keys', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-compiler-'));
  const store = new SqliteStore(join(dir, 'db'));
  try {
    registerSecrets(store, new SecretBox(Buffer.alloc(32, 3)));
    const ca = createCA('c');
    const leaf = issueLeaf(ca, ['x.example.com']);
    await store.write(async (tx) => {
      for (const acc of ['111', '222']) {
        await tx.put('account', GLOBAL, acc, { AccountId: acc, Name: acc, Status: 'active', Root: false, CreatedAt: '' });
        const scope = { account: acc, region: 'cn-hangzhou' };
        const id = `lb-acct${acc}`;
        await tx.put('loadBalancer', scope, id, lb({ LoadBalancerId: id, Address: `127.1.0.${acc === '111' ? 1 : 2}`, BackendServers: [{ ServerId: `i-${acc}`, Weight: 100, Type: 'ecs' }] }));
        await tx.put('instance', scope, `i-${acc}`, inst(`i-${acc}`, '127.0.0.5'));
        await tx.put('serverCertificate', scope, `c-${acc}`, { ServerCertificateId: `c-${acc}`, CertificatePem: leaf.certPem, PrivateKeySealed: sealKey(store, `c-${acc}`, leaf.keyPem) });
        await tx.put('listener', scope, `${id}_https_443`, { ...listener('https', 443, { ServerCertificateId: `c-${acc}` }), LoadBalancerId: id });
      }
      // a key sealed for another certificate id cannot be opened: that certificate and its listener go
      await tx.put('serverCertificate', { account: '222', region: 'cn-hangzhou' }, 'c-222', { ServerCertificateId: 'c-222', CertificatePem: leaf.certPem, PrivateKeySealed: sealKey(store, 'c-other', leaf.keyPem) });
    });
    const r = await compileStore(store, 1);
    assert.deepEqual(r.snapshot.loadBalancers.map((b) => [b.loadBalancerId, b.listeners.length]), [['lb-acct111', 1], ['lb-acct222', 0]]);
    assert.equal(r.snapshot.serverCertificates['c-111']!.privateKey, leaf.keyPem);
    assert.deepEqual(r.problems.map((p) => [p.kind, p.id]), [['serverCertificate', 'c-222'], ['listener', 'lb-acct222_https_443']]);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
