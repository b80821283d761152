// Issue 4 "Done when": a complete HTTPS load balancer (VPC instance, server + CA certificates,
// ACL, vServer group, master-slave group for a TCP listener, TLS cipher policy, HTTPS listener
// with http2, an HTTP listener forwarding to it, forwarding rules, a domain extension with a
// second certificate, tags on everything) built, read back field-exact and torn down in
// Terraform's order — once through pop-core (V1, GET and POST mixed) and once through
// openapi-client (V3). Every answer is also checked against its response tree.
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';
import { shapeProblems } from '../helpers/response-shape.js';
import { defaultVSwitches, opOk } from '../helpers/operator.js';
import { createCA, issueLeaf } from '../../src/util/pki.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;
type Call = (action: string, params: Body) => Promise<Body>;

const tags = (kv: Record<string, string>) => Object.fromEntries(Object.entries(kv).flatMap(([k, v], i) => [[`Tag.${i + 1}.Key`, k], [`Tag.${i + 1}.Value`, v]]));
const repeat = (name: string, values: string[]) => Object.fromEntries(values.map((v, i) => [`${name}.${i + 1}`, v]));
/** The body without RequestId, its CreateTime checked for the ISO second format. */
const exact = (b: Body): Body => {
  const { RequestId: _r, ...rest } = b;
  if ('CreateTime' in rest) {
    assert.match(String(rest['CreateTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    delete rest['CreateTime'];
  }
  return rest;
};
const get = (o: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], o);
const fingerprintOf = (pem: string) => {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return createHash('sha1').update(der).digest('hex').match(/../g)!.join(':');
};

async function scenario(s: TestServer, label: string, call: Call): Promise<void> {
  // Every call's answer is checked against its tree, and never carries a Code.
  const c: Call = async (action, params) => {
    const body = JSON.parse(JSON.stringify(await call(action, params))) as Body;
    assert.deepEqual(shapeProblems(action, body, ['RequestId']), [], `${label} ${action} shape`);
    assert.ok(!('Code' in body), `${label} ${action}: no Code in a success`);
    return body;
  };
  const refused = async (action: string, params: Body) => {
    const e = await rejects(() => call(action, params));
    return `${e.code}|${String(e.data['Message'] ?? e.message)}`;
  };

  // Keys first: RSA key generation blocks this process (server and clients alike) for seconds on
  // a busy machine, long enough for the server to drop the clients' idle keep-alive sockets.
  const ca = createCA(`${label} root CA`);
  const leaf = issueLeaf(ca, ['www.example.com', 'example.com']);
  const leaf2 = issueLeaf(ca, ['api.example.com']);
  const clientCa = createCA(`${label} client CA`);

  // ---- world: three backends in the default VPC ----
  const vsw = (await defaultVSwitches(s, R))[0]!;
  const ipBase = vsw.CidrBlock.split('.').slice(0, 2).join('.');
  const suffix = label === 'pop-core' ? 10 : 20;
  const backends: { InstanceId: string; PrivateIpAddress: string }[] = [];
  for (let i = 0; i < 3; i++) {
    const inst = await opOk(s, 'POST', '/world/instances', { RegionId: R, PrivateIpAddress: `${ipBase}.1.${suffix + i}`, VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId, ZoneId: vsw.ZoneId });
    backends.push(inst as { InstanceId: string; PrivateIpAddress: string });
  }
  const [b1, b2, b3] = backends as [typeof backends[0], typeof backends[0], typeof backends[0]];

  // ---- load balancer ----
  const lbName = `${label}-https-lb`;
  const lbc = await c('CreateLoadBalancer', { RegionId: R, LoadBalancerName: lbName, VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId, AddressType: 'intranet', LoadBalancerSpec: 'slb.s2.small', ...tags({ env: label, tier: 'edge' }) });
  const lb = String(lbc['LoadBalancerId']);
  assert.match(lb, /^lb-/);
  assert.equal(lbc['VpcId'], vsw.VpcId);
  assert.equal(lbc['VSwitchId'], vsw.VSwitchId);
  assert.equal(lbc['NetworkType'], 'vpc');
  assert.equal(lbc['AddressIPVersion'], 'ipv4');
  assert.equal(lbc['LoadBalancerName'], lbName);
  const address = String(lbc['Address']);
  assert.ok(address.startsWith(`${ipBase}.`), `address ${address} in the vSwitch`);

  // ---- certificates ----
  const sc1 = await c('UploadServerCertificate', { RegionId: R, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: `${label}-main`, ...tags({ env: label }) });
  const cert1 = String(sc1['ServerCertificateId']);
  assert.equal(sc1['ServerCertificateName'], `${label}-main`);
  assert.equal(sc1['CommonName'], 'www.example.com');
  assert.equal(sc1['Fingerprint'], fingerprintOf(leaf.certPem));
  assert.equal(typeof sc1['ExpireTimeStamp'], 'number');
  assert.deepEqual(get(sc1, 'SubjectAlternativeNames', 'SubjectAlternativeName'), ['www.example.com', 'example.com']);
  const sc2 = await c('UploadServerCertificate', { RegionId: R, ServerCertificate: leaf2.certPem, PrivateKey: leaf2.keyPem, ServerCertificateName: `${label}-api` });
  const cert2 = String(sc2['ServerCertificateId']);
  const cac = await c('UploadCACertificate', { RegionId: R, CACertificate: clientCa.certPem, CACertificateName: `${label}-ca`, ...tags({ env: label }) });
  const caId = String(cac['CACertificateId']);
  assert.equal(cac['CommonName'], `${label} client CA`);
  assert.equal(cac['Fingerprint'], fingerprintOf(clientCa.certPem));

  // ---- ACL ----
  const aclc = await c('CreateAccessControlList', { RegionId: R, AclName: `${label}-acl`, AddressIPVersion: 'ipv4', ...tags({ env: label }) });
  const acl = String(aclc['AclId']);
  await c('AddAccessControlListEntry', { RegionId: R, AclId: acl, AclEntrys: JSON.stringify([{ entry: '10.0.0.0/8', comment: 'office' }, { entry: '192.168.1.1/32', comment: 'vpn' }]) });

  // ---- server groups ----
  const vg = await c('CreateVServerGroup', { RegionId: R, LoadBalancerId: lb, VServerGroupName: `${label}-web`, BackendServers: JSON.stringify([{ ServerId: b1.InstanceId, Port: 8080, Weight: 100, Description: 'web-1' }]), ...tags({ env: label }) });
  const vgId = String(vg['VServerGroupId']);
  const vgAdd = await c('AddVServerGroupBackendServers', { RegionId: R, VServerGroupId: vgId, BackendServers: `[{'ServerId':'${b2.InstanceId}','Port':'8080','Weight':'50','Type':'ecs'}]` });
  assert.equal(vgAdd['VServerGroupId'], vgId);
  const vgApi = String((await c('CreateVServerGroup', { RegionId: R, LoadBalancerId: lb, VServerGroupName: `${label}-api`, BackendServers: JSON.stringify([{ ServerId: b3.InstanceId, Port: 9090, Weight: 30 }]) }))['VServerGroupId']);
  const ms = await c('CreateMasterSlaveServerGroup', {
    RegionId: R,
    LoadBalancerId: lb,
    MasterSlaveServerGroupName: `${label}-ms`,
    MasterSlaveBackendServers: JSON.stringify([
      { ServerId: b1.InstanceId, Port: 5432, Weight: 100, ServerType: 'Master' },
      { ServerId: b2.InstanceId, Port: 5432, Weight: 100, ServerType: 'Slave' },
    ]),
    ...tags({ env: label }),
  });
  const msId = String(ms['MasterSlaveServerGroupId']);

  // ---- TLS policy ----
  const tls = String((await c('CreateTLSCipherPolicy', { RegionId: R, Name: `${label}-tls`, ...repeat('TLSVersions', ['TLSv1.2', 'TLSv1.3']), ...repeat('Ciphers', ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256']) }))['TLSCipherPolicyId']);

  // ---- listeners ----
  await c('CreateLoadBalancerHTTPSListener', {
    RegionId: R,
    LoadBalancerId: lb,
    ListenerPort: 443,
    BackendServerPort: 8080,
    Bandwidth: -1,
    StickySession: 'on',
    StickySessionType: 'insert',
    CookieTimeout: 3600,
    HealthCheck: 'on',
    HealthCheckURI: '/healthz',
    HealthCheckDomain: 'www.example.com',
    HealthCheckHttpCode: 'http_2xx,http_3xx',
    HealthyThreshold: 3,
    UnhealthyThreshold: 4,
    HealthCheckTimeout: 5,
    HealthCheckInterval: 2,
    Scheduler: 'wrr',
    ServerCertificateId: cert1,
    CACertificateId: caId,
    AclStatus: 'on',
    AclType: 'white',
    AclId: acl,
    TLSCipherPolicy: tls,
    EnableHttp2: 'on',
    VServerGroupId: vgId,
    XForwardedFor_proto: 'on',
    Description: `${label}-https`,
    ...tags({ env: label }),
  });
  await c('CreateLoadBalancerHTTPListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80, BackendServerPort: 8080, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', ListenerForward: 'on', ForwardPort: 443, Description: `${label}-redirect` });
  await c('CreateLoadBalancerTCPListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 5432, BackendServerPort: 5432, Bandwidth: -1, MasterSlaveServerGroupId: msId, Scheduler: 'rr', PersistenceTimeout: 0, Description: `${label}-pg` });

  // ---- rules and domain extension ----
  const rules = await c('CreateRules', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, RuleList: JSON.stringify([{ RuleName: 'api', Domain: 'api.example.com', Url: '/v1', VServerGroupId: vgApi }]) });
  const ruleList = get(rules, 'Rules', 'Rule') as Body[];
  assert.equal(ruleList.length, 1);
  const ruleId = String(ruleList[0]!['RuleId']);
  assert.equal(ruleList[0]!['RuleName'], 'api');
  const de = await c('CreateDomainExtension', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, Domain: 'api.example.com', ServerCertificateId: cert2 });
  assert.equal(de['ListenerPort'], 443);
  const deId = String(de['DomainExtensionId']);

  // ---- tags on the rest (TagResources on listeners, vServer groups, certificates already tagged at creation) ----
  await c('TagResources', { RegionId: R, ResourceType: 'vservergroup', 'ResourceId.1': vgApi, ...tags({ env: label }) });
  await c('TagResources', { RegionId: R, ResourceType: 'certificate', 'ResourceId.1': cert2, ...tags({ env: label }) });
  await c('AddTags', { RegionId: R, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: 'owner', TagValue: label }]) });

  // ---- start ----
  for (const [port, proto] of [[443, 'https'], [80, 'http'], [5432, 'tcp']] as const) await c('StartLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: port, ListenerProtocol: proto });

  // Terraform polls until the listeners run (the first look after Start sees 'starting').
  const first = await c('DescribeLoadBalancerListeners', { RegionId: R, 'LoadBalancerId.1': lb });
  assert.deepEqual((first['Listeners'] as Body[]).map((l) => l['Status']), ['starting', 'starting', 'starting']);
  for (let i = 0; ; i++) {
    const l = await c('DescribeLoadBalancerListeners', { RegionId: R, 'LoadBalancerId.1': lb });
    if ((l['Listeners'] as Body[]).every((x) => x['Status'] === 'running')) break;
    assert.ok(i < 50, `${label}: listeners never reached running`);
    await new Promise((r) => setImmediate(r));
  }

  // ============== read back ==============
  const lbs = await c('DescribeLoadBalancers', { RegionId: R, LoadBalancerId: lb });
  assert.equal(lbs['TotalCount'], 1);
  const lbRow = (get(lbs, 'LoadBalancers', 'LoadBalancer') as Body[])[0]!;
  assert.equal(lbRow['LoadBalancerId'], lb);
  assert.equal(lbRow['LoadBalancerName'], lbName);
  assert.equal(lbRow['Address'], address);
  assert.equal(lbRow['AddressType'], 'intranet');
  assert.equal(lbRow['NetworkType'], 'vpc');
  assert.equal(lbRow['VpcId'], vsw.VpcId);
  assert.equal(lbRow['VSwitchId'], vsw.VSwitchId);
  assert.equal(lbRow['LoadBalancerStatus'], 'active');
  assert.equal(lbRow['RegionId'], R);
  assert.deepEqual(get(lbRow, 'Tags', 'Tag'), [{ TagKey: 'env', TagValue: label }, { TagKey: 'tier', TagValue: 'edge' }, { TagKey: 'owner', TagValue: label }]);

  const attr = await c('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: lb });
  assert.equal(attr['LoadBalancerSpec'], 'slb.s2.small');
  assert.equal(attr['Address'], address);
  assert.deepEqual(get(attr, 'ListenerPorts', 'ListenerPort'), [80, 443, 5432]);
  assert.deepEqual(get(attr, 'ListenerPortsAndProtocol', 'ListenerPortAndProtocol'), [
    { ListenerPort: 80, ListenerProtocol: 'http', ListenerForward: 'on', ForwardPort: 443, Description: `${label}-redirect` },
    { ListenerPort: 443, ListenerProtocol: 'https', Description: `${label}-https` },
    { ListenerPort: 5432, ListenerProtocol: 'tcp', Description: `${label}-pg` },
  ]);
  assert.deepEqual(get(attr, 'ListenerPortsAndProtocal', 'ListenerPortAndProtocal'), [
    { ListenerPort: 80, ListenerProtocal: 'http' },
    { ListenerPort: 443, ListenerProtocal: 'https' },
    { ListenerPort: 5432, ListenerProtocal: 'tcp' },
  ]);
  assert.deepEqual(
    (get(attr, 'BackendServers', 'BackendServer') as unknown[]) ?? [],
    [],
    'no default-group backends',
  );

  const https = await c('DescribeLoadBalancerHTTPSListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443 });
  const expectHttps: Body = {
    ListenerPort: 443,
    BackendServerPort: 8080,
    Bandwidth: -1,
    Status: 'running',
    StickySession: 'on',
    StickySessionType: 'insert',
    CookieTimeout: 3600,
    HealthCheck: 'on',
    HealthCheckURI: '/healthz',
    HealthCheckDomain: 'www.example.com',
    HealthCheckHttpCode: 'http_2xx,http_3xx',
    HealthyThreshold: 3,
    UnhealthyThreshold: 4,
    HealthCheckTimeout: 5,
    HealthCheckInterval: 2,
    Scheduler: 'wrr',
    ServerCertificateId: cert1,
    CACertificateId: caId,
    AclStatus: 'on',
    AclType: 'white',
    AclId: acl,
    TLSCipherPolicy: tls,
    EnableHttp2: 'on',
    VServerGroupId: vgId,
    XForwardedFor_proto: 'on',
    Description: `${label}-https`,
  };
  for (const [k, v] of Object.entries(expectHttps)) assert.deepEqual(https[k], v, `${label} HTTPS ${k}`);
  assert.deepEqual(get(https, 'Rules', 'Rule'), [{ RuleId: ruleId, RuleName: 'api', Domain: 'api.example.com', Url: '/v1', VServerGroupId: vgApi }]);
  assert.deepEqual(get(https, 'DomainExtensions', 'DomainExtension'), [{ DomainExtensionId: deId, Domain: 'api.example.com', ServerCertificateId: cert2 }]);
  assert.deepEqual(get(https, 'AclIds', 'AclId'), [acl]);

  const http = await c('DescribeLoadBalancerHTTPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80 });
  for (const [k, v] of Object.entries({ ListenerPort: 80, ListenerForward: 'on', ForwardPort: 443, Status: 'running', Description: `${label}-redirect`, Bandwidth: -1 })) assert.deepEqual(http[k], v, `${label} HTTP ${k}`);

  const tcp = await c('DescribeLoadBalancerTCPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 5432 });
  for (const [k, v] of Object.entries({ ListenerPort: 5432, BackendServerPort: 5432, MasterSlaveServerGroupId: msId, Scheduler: 'rr', Status: 'running', Description: `${label}-pg`, PersistenceTimeout: 0, Bandwidth: -1 })) assert.deepEqual(tcp[k], v, `${label} TCP ${k}`);

  const lst = await c('DescribeLoadBalancerListeners', { RegionId: R, 'LoadBalancerId.1': lb });
  const listeners = lst['Listeners'] as Body[];
  assert.ok(Array.isArray(listeners), 'Listeners is a bare array');
  assert.equal(lst['TotalCount'], 3);
  assert.deepEqual(listeners.map((l) => [l['ListenerPort'], l['ListenerProtocol'], l['Status']]), [[80, 'http', 'running'], [443, 'https', 'running'], [5432, 'tcp', 'running']]);
  const lHttps = listeners[1]!;
  assert.equal(lHttps['VServerGroupId'], vgId);
  assert.equal(lHttps['AclId'], acl);
  assert.deepEqual(lHttps['AclIds'], [acl]);
  assert.equal(get(lHttps, 'HTTPSListenerConfig', 'ServerCertificateId'), cert1);
  assert.equal(get(lHttps, 'HTTPSListenerConfig', 'CACertificateId'), caId);
  assert.equal(get(lHttps, 'HTTPSListenerConfig', 'TLSCipherPolicy'), tls);
  assert.equal(get(lHttps, 'HTTPSListenerConfig', 'EnableHttp2'), 'on');
  assert.equal(get(lHttps, 'HTTPSListenerConfig', 'CookieTimeout'), 3600);
  assert.equal(get(listeners[0], 'HTTPListenerConfig', 'ListenerForward'), 'on');
  assert.equal(get(listeners[0], 'HTTPListenerConfig', 'ForwardPort'), 443);
  assert.equal(get(listeners[2], 'TCPListenerConfig', 'MasterSlaveServerGroupId'), msId);

  // server groups
  const vga = await c('DescribeVServerGroupAttribute', { RegionId: R, VServerGroupId: vgId });
  assert.equal(vga['VServerGroupName'], `${label}-web`);
  assert.equal(vga['LoadBalancerId'], lb);
  assert.deepEqual(exact(vga), {
    VServerGroupId: vgId,
    VServerGroupName: `${label}-web`,
    LoadBalancerId: lb,
    BackendServers: {
      BackendServer: [
        { ServerId: b1.InstanceId, Port: 8080, Weight: 100, Type: 'ecs', ServerIp: b1.PrivateIpAddress, Description: 'web-1' },
        { ServerId: b2.InstanceId, Port: 8080, Weight: 50, Type: 'ecs', ServerIp: b2.PrivateIpAddress },
      ],
    },
    Tags: { Tag: [{ TagKey: 'env', TagValue: label }] },
  });

  const vgs = await c('DescribeVServerGroups', { RegionId: R, LoadBalancerId: lb, IncludeRule: true, IncludeListener: true });
  const groups = get(vgs, 'VServerGroups', 'VServerGroup') as Body[];
  const web = groups.find((g) => g['VServerGroupId'] === vgId)!;
  const apiG = groups.find((g) => g['VServerGroupId'] === vgApi)!;
  assert.equal(web['ServerCount'], 2);
  assert.equal(apiG['ServerCount'], 1);
  assert.deepEqual((get(web, 'AssociatedObjects', 'Listeners', 'Listener') as Body[]).map((l) => [l['Port'], l['Protocol']]), [[443, 'https']]);
  assert.deepEqual(get(web, 'AssociatedObjects', 'Rules', 'Rule'), []);
  assert.deepEqual((get(apiG, 'AssociatedObjects', 'Rules', 'Rule') as Body[]).map((r) => [r['RuleId'], r['RuleName'], r['Domain'], r['Url']]), [[ruleId, 'api', 'api.example.com', '/v1']]);
  assert.deepEqual(get(apiG, 'AssociatedObjects', 'Listeners', 'Listener'), []);

  const msa = await c('DescribeMasterSlaveServerGroupAttribute', { RegionId: R, MasterSlaveServerGroupId: msId });
  assert.deepEqual(exact(msa), {
    MasterSlaveServerGroupId: msId,
    MasterSlaveServerGroupName: `${label}-ms`,
    LoadBalancerId: lb,
    MasterSlaveBackendServers: {
      MasterSlaveBackendServer: [
        { ServerId: b1.InstanceId, Port: 5432, Weight: 100, Type: 'ecs', ServerType: 'Master' },
        { ServerId: b2.InstanceId, Port: 5432, Weight: 100, Type: 'ecs', ServerType: 'Slave' },
      ],
    },
    Tags: { Tag: [{ TagKey: 'env', TagValue: label }] },
  });
  const mss = await c('DescribeMasterSlaveServerGroups', { RegionId: R, LoadBalancerId: lb, IncludeListener: true });
  const msRow = (get(mss, 'MasterSlaveServerGroups', 'MasterSlaveServerGroup') as Body[])[0]!;
  assert.equal(msRow['MasterSlaveServerGroupId'], msId);
  assert.deepEqual((get(msRow, 'AssociatedObjects', 'Listeners', 'Listener') as Body[]).map((l) => [l['Port'], l['Protocol']]), [[5432, 'tcp']]);

  // rules, domain extensions
  const ra = await c('DescribeRuleAttribute', { RegionId: R, RuleId: ruleId });
  // ListenerSync on: the rule shows the listener's scheduler, session and health-check settings
  assert.deepEqual(exact(ra), {
    RuleId: ruleId,
    RuleName: 'api',
    Domain: 'api.example.com',
    Url: '/v1',
    VServerGroupId: vgApi,
    ListenerSync: 'on',
    Scheduler: 'wrr',
    StickySession: 'on',
    StickySessionType: 'insert',
    CookieTimeout: 3600,
    HealthCheck: 'on',
    HealthCheckDomain: 'www.example.com',
    HealthCheckURI: '/healthz',
    HealthyThreshold: 3,
    UnhealthyThreshold: 4,
    HealthCheckTimeout: 5,
    HealthCheckInterval: 2,
    HealthCheckHttpCode: 'http_2xx,http_3xx',
    LoadBalancerId: lb,
    ListenerPort: 443,
  });
  const rl = await c('DescribeRules', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443 });
  assert.deepEqual((get(rl, 'Rules', 'Rule') as Body[]).map((r) => r['RuleId']), [ruleId]);
  const des = await c('DescribeDomainExtensions', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443 });
  const deRow = (get(des, 'DomainExtensions', 'DomainExtension') as Body[])[0]!;
  assert.equal(deRow['DomainExtensionId'], deId);
  assert.equal(deRow['Domain'], 'api.example.com');
  assert.equal(deRow['ServerCertificateId'], cert2);
  const dea = await c('DescribeDomainExtensionAttribute', { RegionId: R, DomainExtensionId: deId });
  assert.deepEqual(exact(dea), { DomainExtensionId: deId, Domain: 'api.example.com', ServerCertificateId: cert2, LoadBalancerId: lb, ListenerPort: 443 });

  // ACL
  const acla = await c('DescribeAccessControlListAttribute', { RegionId: R, AclId: acl });
  assert.deepEqual(exact(acla), {
    AclId: acl,
    AclName: `${label}-acl`,
    AddressIPVersion: 'ipv4',
    ResourceGroupId: lbRow['ResourceGroupId'],
    ServiceManagedMode: 'Unmanaged',
    TotalAclEntry: 2,
    AclEntrys: {
      AclEntry: [
        { AclEntryIP: '10.0.0.0/8', AclEntryComment: 'office' },
        { AclEntryIP: '192.168.1.1/32', AclEntryComment: 'vpn' },
      ],
    },
    RelatedListeners: { RelatedListener: [{ LoadBalancerId: lb, ListenerPort: 443, Protocol: 'https', AclType: 'white' }] },
    Tags: { Tag: [{ TagKey: 'env', TagValue: label }] },
  });
  const acls = await c('DescribeAccessControlLists', { RegionId: R, AclName: `${label}-acl` });
  assert.deepEqual((get(acls, 'Acls', 'Acl') as Body[]).map((a) => a['AclId']), [acl]);

  // certificates
  const scs = await c('DescribeServerCertificates', { RegionId: R });
  const scRows = get(scs, 'ServerCertificates', 'ServerCertificate') as Body[];
  const main = scRows.find((r) => r['ServerCertificateId'] === cert1)!;
  for (const [k, v] of Object.entries({ ServerCertificateName: `${label}-main`, CommonName: 'www.example.com', Fingerprint: fingerprintOf(leaf.certPem), ExpireTimeStamp: sc1['ExpireTimeStamp'], RegionId: R, IsAliCloudCertificate: 0 })) assert.deepEqual(main[k], v, `${label} server certificate ${k}`);
  assert.deepEqual(get(main, 'SubjectAlternativeNames', 'SubjectAlternativeName'), ['www.example.com', 'example.com']);
  assert.deepEqual(get(main, 'Tags', 'Tag'), [{ TagKey: 'env', TagValue: label }]);
  assert.equal(main['ResourceGroupId'], lbRow['ResourceGroupId'], 'one default resource group for every resource');
  assert.ok(!JSON.stringify(scs).includes('PRIVATE KEY'), 'no private key in any answer');
  const cas = await c('DescribeCACertificates', { RegionId: R, CACertificateId: caId });
  const caRow = (get(cas, 'CACertificates', 'CACertificate') as Body[])[0]!;
  for (const [k, v] of Object.entries({ CACertificateId: caId, CACertificateName: `${label}-ca`, CommonName: `${label} client CA`, Fingerprint: fingerprintOf(clientCa.certPem), RegionId: R, ResourceGroupId: lbRow['ResourceGroupId'] })) assert.deepEqual(caRow[k], v, `${label} CA ${k}`);

  // TLS policy
  const tl = await c('ListTLSCipherPolicies', { RegionId: R, TLSCipherPolicyId: tls, IncludeListener: true });
  const pol = (tl['TLSCipherPolicies'] as Body[])[0]!;
  assert.deepEqual(pol['TLSVersions'], ['TLSv1.2', 'TLSv1.3']);
  assert.deepEqual(pol['Ciphers'], ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256']);
  assert.deepEqual(pol['RelateListeners'], [{ LoadBalancerId: lb, Port: 443, Protocol: 'HTTPS' }]);

  // tags
  const tr = await c('ListTagResources', { RegionId: R, ResourceType: 'vservergroup', 'ResourceId.1': vgId, 'ResourceId.2': vgApi });
  assert.deepEqual((get(tr, 'TagResources', 'TagResource') as Body[]).map((x) => [x['ResourceId'], x['TagKey'], x['TagValue'], x['ResourceType']]).sort(), [
    [vgApi, 'env', label, 'vservergroup'],
    [vgId, 'env', label, 'vservergroup'],
  ].sort());
  const tlTags = await c('ListTagResources', { RegionId: R, ResourceType: 'listener', ...tags({ env: label }) });
  assert.deepEqual((get(tlTags, 'TagResources', 'TagResource') as Body[]).map((x) => x['ResourceId']), [`${lb}_https_443`]);

  // ============== teardown (Terraform's order), with the dependency errors on the way ==============
  assert.match(await refused('DeleteServerCertificate', { RegionId: R, ServerCertificateId: cert1 }), /^CertificateAndPrivateKeyIsRefered\|/);
  assert.match(await refused('DeleteServerCertificate', { RegionId: R, ServerCertificateId: cert2 }), /^CertificateAndPrivateKeyIsRefered\|/);
  assert.match(await refused('DeleteCACertificate', { RegionId: R, CACertificateId: caId }), /^CertificateAndPrivateKeyIsRefered\|/);
  assert.match(await refused('DeleteAccessControlList', { RegionId: R, AclId: acl }), /^OperationFailed.AclBindedWithVip\|/);
  assert.match(await refused('DeleteVServerGroup', { RegionId: R, VServerGroupId: vgId }), /^RspoolVipExist\|/);
  assert.match(await refused('DeleteVServerGroup', { RegionId: R, VServerGroupId: vgApi }), /^RspoolRuleExist\|/);
  assert.match(await refused('DeleteMasterSlaveServerGroup', { RegionId: R, MasterSlaveServerGroupId: msId }), /^RspoolVipExist\|/);
  assert.match(await refused('DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: tls }), /^TLSPolicyBeingUsed\|/);
  assert.match(await refused('DeleteLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, ListenerProtocol: 'https' }), /^ListenerForwardExist\|/);

  await c('DeleteDomainExtension', { RegionId: R, DomainExtensionId: deId });
  await c('DeleteRules', { RegionId: R, RuleIds: JSON.stringify([ruleId]) });
  await c('DeleteLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80, ListenerProtocol: 'http' });
  await c('DeleteLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, ListenerProtocol: 'https' });
  await c('DeleteLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 5432 });
  // Terraform's listener read treats this text as "gone" (client-behaviours.md)
  for (const [action, port] of [['DescribeLoadBalancerHTTPListenerAttribute', 80], ['DescribeLoadBalancerHTTPSListenerAttribute', 443], ['DescribeLoadBalancerTCPListenerAttribute', 5432]] as const) {
    assert.match(await refused(action, { RegionId: R, LoadBalancerId: lb, ListenerPort: port }), /^InvalidParameter\|The specified resource does not exist\.$/, `${label} ${action} after delete`);
  }
  assert.equal((await c('DescribeLoadBalancerListeners', { RegionId: R, 'LoadBalancerId.1': lb }))['TotalCount'], 0);
  await c('DeleteVServerGroup', { RegionId: R, VServerGroupId: vgApi });
  await c('DeleteVServerGroup', { RegionId: R, VServerGroupId: vgId });
  await c('DeleteMasterSlaveServerGroup', { RegionId: R, MasterSlaveServerGroupId: msId });
  await c('DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: tls });
  await c('DeleteAccessControlList', { RegionId: R, AclId: acl });
  await c('DeleteServerCertificate', { RegionId: R, ServerCertificateId: cert2 });
  await c('DeleteServerCertificate', { RegionId: R, ServerCertificateId: cert1 });
  await c('DeleteCACertificate', { RegionId: R, CACertificateId: caId });
  await c('DeleteLoadBalancer', { RegionId: R, LoadBalancerId: lb });

  // everything is gone, each id with its not-found code
  const gone = await c('DescribeLoadBalancers', { RegionId: R, LoadBalancerId: lb });
  assert.equal(gone['TotalCount'], 0);
  assert.deepEqual(get(gone, 'LoadBalancers', 'LoadBalancer'), []);
  const notFound: [string, Body, RegExp][] = [
    ['DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: lb }, /^InvalidLoadBalancerId.NotFound\|/],
    ['DescribeVServerGroupAttribute', { RegionId: R, VServerGroupId: vgId }, /^InvalidParameter\|/],
    ['DescribeVServerGroupAttribute', { RegionId: R, VServerGroupId: vgApi }, /^InvalidParameter\|/],
    ['DescribeMasterSlaveServerGroupAttribute', { RegionId: R, MasterSlaveServerGroupId: msId }, /^InvalidParameter\|/],
    ['DescribeRuleAttribute', { RegionId: R, RuleId: ruleId }, /^InvalidRuleId.NotFound\|/],
    ['DescribeDomainExtensionAttribute', { RegionId: R, DomainExtensionId: deId }, /^InvalidParameter.DomainExtensionId\|/],
    ['DescribeAccessControlListAttribute', { RegionId: R, AclId: acl }, /^AclNotExist\|/],
    ['DeleteServerCertificate', { RegionId: R, ServerCertificateId: cert1 }, /^ServerCertificateId.NotFound\|/],
    ['DeleteCACertificate', { RegionId: R, CACertificateId: caId }, /^CACertificateId.NotFound\|/],
    ['DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: tls }, /^InvalidTLSPolicyId.NotExist\|/],
  ];
  for (const [action, params, code] of notFound) assert.match(await refused(action, params), code, `${label} ${action} after teardown`);
  assert.deepEqual(get(await c('DescribeServerCertificates', { RegionId: R, ServerCertificateId: cert2 }), 'ServerCertificates', 'ServerCertificate'), []);
  assert.deepEqual(get(await c('DescribeCACertificates', { RegionId: R, CACertificateId: caId }), 'CACertificates', 'CACertificate'), []);
  assert.deepEqual(get(await c('DescribeAccessControlLists', { RegionId: R, AclName: `${label}-acl` }), 'Acls', 'Acl'), []);
  assert.deepEqual((await c('ListTLSCipherPolicies', { RegionId: R, TLSCipherPolicyId: tls }))['TLSCipherPolicies'], []);
  assert.deepEqual(get(await c('ListTagResources', { RegionId: R, ResourceType: 'vservergroup', 'ResourceId.1': vgId }), 'TagResources', 'TagResource'), []);
}

test('a complete HTTPS load balancer: pop-core (V1, GET and POST mixed)', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  let n = 0;
  // Alternate GET and POST; certificate uploads are too long for a URL, so they always POST.
  await scenario(s, 'pop-core', (action, params) => s.call(action, params, { method: action.startsWith('Upload') || n++ % 2 ? 'POST' : 'GET' }));
});

test('a complete HTTPS load balancer: openapi-client (V3)', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  await scenario(s, 'openapi', async (action, params) => (await s.v3(action, params)).body);
});
