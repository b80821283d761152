// The snapshot contract: validateSnapshot catches every broken reference; ACL semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freezeSnapshot, validateSnapshot, type Snapshot, type HttpsListenerSnapshot, type HttpListenerSnapshot } from '../../src/dataplane/snapshot.js';
import { compileAcl } from '../../src/dataplane/acl.js';
import { proxyV2Header, parseProxyV2 } from '../../src/dataplane/proxy-protocol.js';
import { noHealth, snapshot, tcpListener, udpListener } from './helpers.js';

const server = { serverId: 'i-1', ip: '10.0.0.1', port: 80, weight: 100, type: 'ecs' as const };

function httpListener(port: number, over: Partial<HttpListenerSnapshot> = {}): HttpListenerSnapshot {
  return {
    listenerId: `lb-test_http_${port}`, protocol: 'http', port, status: 'running', scheduler: 'wrr', bandwidth: -1, acl: null, healthCheck: noHealth,
    serverGroupId: 'rsp-a', backendServerPort: null, stickySession: null,
    forwardedHeaders: { xForwardedFor: true, xForwardedProto: false, slbIp: false, slbId: false, xForwardedPort: false, xForwardedClientSrcPort: false },
    gzip: true, idleTimeoutMs: 15_000, requestTimeoutMs: 60_000, rules: [], redirect: null, ...over,
  };
}

test('a well-formed snapshot has no problems, and freezing makes it immutable', () => {
  const s = snapshot({ address: '127.0.0.1', listeners: [tcpListener(80), udpListener(80)], servers: [server] });
  assert.deepEqual(validateSnapshot(s), []);
  freezeSnapshot(s);
  assert.throws(() => ((s.loadBalancers[0]!.listeners as unknown as unknown[]).length = 0));
});

test('every reference is checked', () => {
  const { redirect: _r, ...base } = httpListener(443);
  const https: HttpsListenerSnapshot = {
    ...base, listenerId: 'lb-test_https_443', protocol: 'https',
    serverCertificateId: 'cert-x', caCertificateId: 'ca-x', domainExtensions: [{ domainExtensionId: 'de-1', domain: '*.a.com', serverCertificateId: 'cert-y' }],
    tlsCipherPolicy: 'tls-nope', enableHttp2: true,
  };
  const s: Snapshot = snapshot({
    address: 'not-an-ip',
    listeners: [
      tcpListener(80, { serverGroupId: 'rsp-missing', acl: { type: 'white', aclIds: ['acl-missing'] } }),
      tcpListener(81, { scheduler: 'qch', serverGroupId: 'rsp-a' }),
      httpListener(80, { listenerId: 'lb-test_http_80b', scheduler: 'sch', redirect: { forwardPort: 8443 }, rules: [{ ruleId: 'rule-1', ruleName: 'r', domain: null, url: 'abc', serverGroupId: 'rsp-ms', override: null }] }),
      https,
    ],
    servers: [{ ...server, weight: 101 }, { ...server, serverId: 'i-2', port: null }],
    groups: { 'rsp-ms': { serverGroupId: 'rsp-ms', kind: 'masterSlave', servers: [server] } },
  });
  const paths = validateSnapshot(s).map((p) => `${p.path}: ${p.message}`);
  const expect = [
    /address: not an IP address/,
    /weight: must be 0-100/,
    /servers\[1\]\.port: only default-group members may omit the port/,
    /rsp-ms: a master-slave group has exactly one Master and one Slave/,
    /tcp:80\)\.acl: unknown ACL acl-missing/,
    /tcp:80\)\.serverGroupId: unknown server group rsp-missing/,
    /tcp:81\)\.scheduler: qch is UDP-only/,
    /http:80\): port already used by lb-test_tcp_80/,
    /http:80\)\.scheduler: sch is L4-only/,
    /url: must start with \//,
    /rules\[0\]\(rule-1\)\.serverGroupId: rules forward to vServer groups only/,
    /redirect\.forwardPort: no HTTPS listener on port 8443/,
    /serverCertificateId: unknown certificate cert-x/,
    /caCertificateId: unknown CA certificate ca-x/,
    /domainExtensions\(de-1\): unknown certificate cert-y/,
    /tlsCipherPolicy: unknown TLS cipher policy tls-nope/,
  ];
  for (const e of expect) assert.ok(paths.some((p) => e.test(p)), `missing ${e}; got:\n${paths.join('\n')}`);
});

test('TCP and UDP may share a port number; the default group needs backendServerPort', () => {
  const s = snapshot({ address: '127.0.0.1', listeners: [tcpListener(53, { serverGroupId: 'lb-test/default' }), udpListener(53)], groups: { 'lb-test/default': { serverGroupId: 'lb-test/default', kind: 'default', servers: [{ ...server, port: null }] } } });
  assert.deepEqual(validateSnapshot(s).map((p) => p.message), ['required with the default server group']);
});

test('ACL: white/black, IPv4 and IPv6 CIDRs, bare addresses, IPv4-mapped sources, empty = no filtering', () => {
  const acls = {
    v4: { aclId: 'v4', addressIPVersion: 'ipv4' as const, entries: ['192.168.0.0/16', '10.1.2.3'] },
    v6: { aclId: 'v6', addressIPVersion: 'ipv6' as const, entries: ['2001:db8::/32'] },
    empty: { aclId: 'empty', addressIPVersion: 'ipv4' as const, entries: [] },
  };
  const w = compileAcl({ type: 'white', aclIds: ['v4', 'v6'] }, acls);
  assert.equal(w.allows('192.168.44.1'), true);
  assert.equal(w.allows('::ffff:192.168.44.1'), true);
  assert.equal(w.allows('10.1.2.3'), true);
  assert.equal(w.allows('10.1.2.4'), false);
  assert.equal(w.allows('2001:db8::1'), true);
  assert.equal(w.allows('2001:db9::1'), false);
  const b = compileAcl({ type: 'black', aclIds: ['v4'] }, acls);
  assert.equal(b.allows('192.168.1.1'), false);
  assert.equal(b.allows('8.8.8.8'), true);
  assert.equal(compileAcl({ type: 'white', aclIds: ['empty'] }, acls).allows('8.8.8.8'), true);
  assert.equal(compileAcl({ type: 'black', aclIds: ['empty'] }, acls).allows('8.8.8.8'), true);
  assert.equal(compileAcl(null, acls).allows('8.8.8.8'), true);
  assert.equal(compileAcl({ type: 'white', aclIds: ['v4'] }, acls).allows('0.0.0.0'), false);
  assert.equal(compileAcl({ type: 'white', aclIds: ['v4'] }, { v4: { ...acls.v4, entries: ['0.0.0.0/0'] } }).allows('1.2.3.4'), true);
});

test('PROXY v2: IPv6 and mixed families', () => {
  const h = proxyV2Header('tcp', '2001:db8::1', 1234, '2001:db8::2', 80);
  assert.equal(h.length, 52);
  assert.equal(h[13], 0x21);
  assert.deepEqual(parseProxyV2(h), { transport: 'tcp', src: '2001:db8::1', srcPort: 1234, dst: '2001:db8::2', dstPort: 80, length: 52 });
  const m = proxyV2Header('udp', '::ffff:10.0.0.1', 1, '10.0.0.2', 2);
  assert.equal(m[13], 0x12);
  assert.equal(m.length, 28);
  const mixed = proxyV2Header('tcp', '10.0.0.1', 1, '2001:db8::2', 2);
  assert.equal(mixed[13], 0x21);
  assert.equal(parseProxyV2(mixed)!.src, '::ffff:a00:1');
});

test('TCP fast-path buffer size follows the memory budget (1 MiB … 16 KiB, powers of two)', async () => {
  const { bufferSize } = await import('../../src/dataplane/tcp/buffers.js');
  assert.equal(bufferSize(1), 1024 * 1024);
  assert.equal(bufferSize(64), 1024 * 1024);
  assert.equal(bufferSize(65), 512 * 1024);
  assert.equal(bufferSize(256), 256 * 1024);
  assert.equal(bufferSize(4096), 16 * 1024);
  assert.equal(bufferSize(100_000), 16 * 1024);
});
