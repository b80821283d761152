// Response shapes of all 93 actions against their response trees (src/products/slb/slb-api.data.json).
// One flow that calls every action successfully runs twice on two fresh servers:
//  - JSON: alternately through pop-core (V1) and openapi-client (V3); each body is checked with
//    shapeProblems (no field outside the tree, JSON types, `{X: {Y: []}}` wrappers and bare
//    arrays where the tree says), RequestId present, no Code.
//  - XML: the same calls with Format=XML (openapi-client, raw text) parsed with fast-xml-parser:
//    the root element is `<ActionResponse>`, every element is in the tree, a List is a container
//    whose children are all named by its item key, a bare array is repeated elements, scalar text
//    parses as the declared type; then the body read back through the tree passes shapeProblems.
// At the end both runs must have covered every action of the spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { shapeProblems } from '../helpers/response-shape.js';
import { defaultVSwitches, opOk } from '../helpers/operator.js';
import { putLogStores } from '../helpers/fixtures-rules.js';
import { type ResponseNode } from '../../src/api/spec.js';
import { SPECS } from '../../src/products/slb/specs.js';
import { createCA, issueLeaf } from '../../src/util/pki.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;
type Node = { type: string; fields?: ResponseNode[]; itemKey?: string; items?: ResponseNode['items'] };

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, ignoreDeclaration: false });
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

/** Reads an XML-parsed value back into JSON through the tree; problems go to `out`. */
function fromXml(node: Node, v: unknown, path: string, out: string[]): unknown {
  switch (node.type) {
    case 'String':
      if (typeof v !== 'string') out.push(`${path}: expected text, got ${JSON.stringify(v)}`);
      return String(v);
    case 'Integer':
    case 'Long':
    case 'Float': {
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) out.push(`${path}: expected a number, got ${JSON.stringify(v)}`);
      return n;
    }
    case 'Boolean':
      if (v !== 'true' && v !== 'false') out.push(`${path}: expected true/false, got ${JSON.stringify(v)}`);
      return v === 'true';
    case 'Object':
      return objFromXml(node.fields ?? [], v === '' ? {} : v, path, out);
    case 'List': {
      const key = node.itemKey ?? 'Item';
      if (v === '') return { [key]: [] };
      if (!v || typeof v !== 'object' || Array.isArray(v)) {
        out.push(`${path}: expected a container <${key}> list, got ${JSON.stringify(v)}`);
        return undefined;
      }
      const names = Object.keys(v);
      if (names.length !== 1 || names[0] !== key) out.push(`${path}: list children must all be <${key}>, got ${names.join(',')}`);
      return { [key]: arr((v as Body)[key]).map((x, i) => (node.items ? fromXml(node.items, x, `${path}.${key}[${i}]`, out) : x)) };
    }
    case 'Array':
      return arr(v).map((x, i) => (node.items ? fromXml(node.items, x, `${path}[${i}]`, out) : x));
    default:
      return v;
  }
}

function objFromXml(decl: ResponseNode[], v: unknown, path: string, out: string[]): Body {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    out.push(`${path}: expected an element with children, got ${JSON.stringify(v)}`);
    return {};
  }
  const res: Body = {};
  for (const [k, val] of Object.entries(v as Body)) {
    const f = decl.find((d) => d.name === k);
    if (!f) {
      out.push(`${path}.${k}: element not in the response tree`);
      continue;
    }
    if (Array.isArray(val) && f.type !== 'Array') out.push(`${path}.${k}: repeated, but the tree says ${f.type}`);
    res[k] = fromXml(f, val, `${path}.${k}`, out);
  }
  return res;
}

// Reads that move a listener along its lifecycle (the first look after Start/Stop completes it).
const STATEFUL_READS = new Set(['DescribeLoadBalancerListeners', 'DescribeLoadBalancerHTTPListenerAttribute']);
const withoutRequestId = (b: Body): Body => Object.fromEntries(Object.entries(b).filter(([k]) => k !== 'RequestId'));
function dropEmptyArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropEmptyArrays);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => !(Array.isArray(x) && x.length === 0)).map(([k, x]) => [k, dropEmptyArrays(x)]));
  return v;
}

type Mode = 'json' | 'xml';
type Call = (action: string, params: Body) => Promise<Body>;

function caller(s: TestServer, mode: Mode, covered: Set<string>): Call {
  let n = 0;
  return async (action, params) => {
    let body: Body;
    if (mode === 'json') {
      body =
        n++ % 2 === 0
          ? (JSON.parse(JSON.stringify(await s.call(action, params, { method: action.startsWith('Upload') || n % 4 === 1 ? 'POST' : 'GET' }))) as Body)
          : (await s.v3(action, params)).body;
      assert.deepEqual(shapeProblems(action, body, ['RequestId']), [], `${action} (JSON) shape`);
    } else {
      const raw = (await s.v3(action, params, { xml: true })).body as unknown;
      assert.equal(typeof raw, 'string', `${action}: XML comes back as text`);
      const text = raw as string;
      assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>'), `${action}: XML declaration`);
      const doc = parser.parse(text) as Body;
      const roots = Object.keys(doc).filter((k) => k !== '?xml');
      const root = SPECS[action]!.response.root ?? `${action}Response`;
      assert.deepEqual(roots, [root], `${action}: root element`);
      assert.equal(root, `${action}Response`);
      const problems: string[] = [];
      body = objFromXml(SPECS[action]!.response.fields, doc[root] === '' ? {} : doc[root], action, problems);
      assert.deepEqual(problems, [], `${action} (XML) elements`);
      assert.deepEqual(shapeProblems(action, body, ['RequestId']), [], `${action} (XML read back) shape`);
      // A read says the same in both formats (an empty bare array has no XML element).
      if (/^(Describe|List)/.test(action) && !STATEFUL_READS.has(action)) {
        const json = (await s.v3(action, params)).body;
        assert.deepEqual(dropEmptyArrays(withoutRequestId(body)), dropEmptyArrays(withoutRequestId(json)), `${action}: XML and JSON carry the same data`);
      }
    }
    assert.match(String(body['RequestId']), /^[0-9A-F-]{36}$/, `${action}: RequestId`);
    assert.ok(!('Code' in body), `${action}: no Code in a success`);
    covered.add(action);
    return body;
  };
}

const tags = (kv: Record<string, string>) => Object.fromEntries(Object.entries(kv).flatMap(([k, v], i) => [[`Tag.${i + 1}.Key`, k], [`Tag.${i + 1}.Value`, v]]));
const repeat = (name: string, values: string[]) => Object.fromEntries(values.map((v, i) => [`${name}.${i + 1}`, v]));
const list = (b: Body, wrapper: string, item: string) => ((b[wrapper] as Body | undefined)?.[item] ?? []) as Body[];

async function flow(s: TestServer, c: Call): Promise<void> {
  // Keys before the first call: RSA key generation blocks this process (server and clients) for
  // seconds on a busy machine, long enough for idle keep-alive sockets to be dropped under a client.
  const ca = createCA('shapes CA');
  const leaf = issueLeaf(ca, ['www.example.com', 'example.com']);
  const leaf2 = issueLeaf(ca, ['api.example.com']);
  const clientCa = createCA('client CA');
  const vsw = (await defaultVSwitches(s, R))[0]!;
  const ipBase = vsw.CidrBlock.split('.').slice(0, 2).join('.');
  const inst: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await opOk(s, 'POST', '/world/instances', { RegionId: R, PrivateIpAddress: `${ipBase}.1.${10 + i}`, VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId, ZoneId: vsw.ZoneId });
    inst.push(String(r['InstanceId']));
  }
  const [i1, i2, i3] = inst as [string, string, string];
  await putLogStores(s, 'shape-project', ['shape-store', 'shape-store-2']);
  const rg = String((await opOk(s, 'POST', '/world/resource-groups', { Name: 'shapes' }))['Id']);

  // regions
  await c('DescribeRegions', {});
  await c('DescribeZones', { RegionId: R });
  await c('DescribeAvailableResource', { RegionId: R });

  // load balancers
  const lb = String((await c('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'shapes', VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId, AddressType: 'intranet', LoadBalancerSpec: 'slb.s1.small', ...tags({ k1: 'v1' }) }))['LoadBalancerId']);
  const lb2 = String((await c('CreateLoadBalancer', { RegionId: R, LoadBalancerName: 'shapes-2' }))['LoadBalancerId']);
  await c('DescribeLoadBalancers', { RegionId: R });
  await c('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: lb });
  await c('SetLoadBalancerName', { RegionId: R, LoadBalancerId: lb2, LoadBalancerName: 'shapes-renamed' });
  await c('SetLoadBalancerStatus', { RegionId: R, LoadBalancerId: lb2, LoadBalancerStatus: 'inactive' });
  await c('SetLoadBalancerStatus', { RegionId: R, LoadBalancerId: lb2, LoadBalancerStatus: 'active' });
  await c('SetLoadBalancerDeleteProtection', { RegionId: R, LoadBalancerId: lb2, DeleteProtection: 'on' });
  await c('SetLoadBalancerDeleteProtection', { RegionId: R, LoadBalancerId: lb2, DeleteProtection: 'off' });
  await c('SetLoadBalancerModificationProtection', { RegionId: R, LoadBalancerId: lb2, ModificationProtectionStatus: 'ConsoleProtection', ModificationProtectionReason: 'shapes' });
  await c('SetLoadBalancerModificationProtection', { RegionId: R, LoadBalancerId: lb2, ModificationProtectionStatus: 'NonProtection' });
  await c('ModifyLoadBalancerInstanceSpec', { RegionId: R, LoadBalancerId: lb2, LoadBalancerSpec: 'slb.s2.small' });
  await c('ModifyLoadBalancerInternetSpec', { RegionId: R, LoadBalancerId: lb2, InternetChargeType: 'paybybandwidth', Bandwidth: 10 });
  await c('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: lb2, PayType: 'PayOnDemand' });
  await c('ModifyLoadBalancerInternetSpec', { RegionId: R, LoadBalancerId: lb2, InternetChargeType: 'paybytraffic' });
  await c('ModifyLoadBalancerInstanceChargeType', { RegionId: R, LoadBalancerId: lb2, InstanceChargeType: 'PayByCLCU' });
  await c('MoveResourceGroup', { RegionId: R, ResourceType: 'loadbalancer', ResourceId: lb2, NewResourceGroupId: rg });

  // tags
  await c('AddTags', { RegionId: R, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: 'k2', TagValue: 'v2' }]) });
  await c('DescribeTags', { RegionId: R, LoadBalancerId: lb });
  await c('RemoveTags', { RegionId: R, LoadBalancerId: lb, Tags: JSON.stringify([{ TagKey: 'k2', TagValue: 'v2' }]) });
  await c('TagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': lb2, ...tags({ k3: 'v3' }) });
  await c('ListTagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': lb, 'ResourceId.2': lb2 });
  await c('UntagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': lb2, 'TagKey.1': 'k3' });

  // certificates
  const cert = String((await c('UploadServerCertificate', { RegionId: R, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'main', ...tags({ k: 'v' }) }))['ServerCertificateId']);
  const cert2 = String((await c('UploadServerCertificate', { RegionId: R, ServerCertificate: leaf2.certPem, PrivateKey: leaf2.keyPem, ServerCertificateName: 'api' }))['ServerCertificateId']);
  await c('DescribeServerCertificates', { RegionId: R });
  await c('SetServerCertificateName', { RegionId: R, ServerCertificateId: cert, ServerCertificateName: 'main-renamed' });
  const caId = String((await c('UploadCACertificate', { RegionId: R, CACertificate: clientCa.certPem, CACertificateName: 'ca', ...tags({ k: 'v' }) }))['CACertificateId']);
  await c('DescribeCACertificates', { RegionId: R });
  await c('SetCACertificateName', { RegionId: R, CACertificateId: caId, CACertificateName: 'ca-renamed' });

  // ACL
  const acl = String((await c('CreateAccessControlList', { RegionId: R, AclName: 'shapes-acl', ...tags({ k: 'v' }) }))['AclId']);
  await c('AddAccessControlListEntry', { RegionId: R, AclId: acl, AclEntrys: JSON.stringify([{ entry: '10.0.0.0/8', comment: 'a' }, { entry: '172.16.0.0/12', comment: 'b' }]) });
  await c('RemoveAccessControlListEntry', { RegionId: R, AclId: acl, AclEntrys: JSON.stringify([{ entry: '172.16.0.0/12' }]) });
  await c('SetAccessControlListAttribute', { RegionId: R, AclId: acl, AclName: 'shapes-acl-2' });

  // TLS policy
  const tls = String((await c('CreateTLSCipherPolicy', { RegionId: R, Name: 'shapes-tls', ...repeat('TLSVersions', ['TLSv1.2']), ...repeat('Ciphers', ['ECDHE-RSA-AES128-GCM-SHA256']) }))['TLSCipherPolicyId']);
  await c('SetTLSCipherPolicyAttribute', { RegionId: R, TLSCipherPolicyId: tls, Name: 'shapes-tls-2', ...repeat('TLSVersions', ['TLSv1.2', 'TLSv1.3']), ...repeat('Ciphers', ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256']) });

  // default-group backends
  await c('AddBackendServers', { RegionId: R, LoadBalancerId: lb, BackendServers: JSON.stringify([{ ServerId: i1, Weight: '100' }, { ServerId: i2, Weight: '50' }]) });
  await c('SetBackendServers', { RegionId: R, LoadBalancerId: lb, BackendServers: JSON.stringify([{ ServerId: i2, Weight: '60' }]) });
  await c('RemoveBackendServers', { RegionId: R, LoadBalancerId: lb, BackendServers: JSON.stringify([{ ServerId: i2 }]) });

  // vServer groups
  const vg = String((await c('CreateVServerGroup', { RegionId: R, LoadBalancerId: lb, VServerGroupName: 'web', BackendServers: JSON.stringify([{ ServerId: i1, Port: 80, Weight: 100 }]), ...tags({ k: 'v' }) }))['VServerGroupId']);
  const vg2 = String((await c('CreateVServerGroup', { RegionId: R, LoadBalancerId: lb, VServerGroupName: 'api' }))['VServerGroupId']);
  await c('AddVServerGroupBackendServers', { RegionId: R, VServerGroupId: vg, BackendServers: JSON.stringify([{ ServerId: i2, Port: 80, Weight: 50 }, { ServerId: i3, Port: 80, Weight: 50 }]) });
  await c('ModifyVServerGroupBackendServers', { RegionId: R, VServerGroupId: vg, OldBackendServers: JSON.stringify([{ ServerId: i2, Port: 80 }]), NewBackendServers: JSON.stringify([{ ServerId: i2, Port: 81, Weight: 40 }]) });
  await c('RemoveVServerGroupBackendServers', { RegionId: R, VServerGroupId: vg, BackendServers: JSON.stringify([{ ServerId: i3, Port: 80 }]) });
  await c('SetVServerGroupAttribute', { RegionId: R, VServerGroupId: vg2, VServerGroupName: 'api-2', BackendServers: JSON.stringify([]) });
  await c('AddVServerGroupBackendServers', { RegionId: R, VServerGroupId: vg2, BackendServers: JSON.stringify([{ ServerId: i3, Port: 9000, Weight: 10 }]) });

  // master-slave group
  const ms = String(
    (
      await c('CreateMasterSlaveServerGroup', {
        RegionId: R,
        LoadBalancerId: lb,
        MasterSlaveServerGroupName: 'ms',
        MasterSlaveBackendServers: JSON.stringify([
          { ServerId: i1, Port: 3306, Weight: 100, ServerType: 'Master' },
          { ServerId: i2, Port: 3306, Weight: 100, ServerType: 'Slave' },
        ]),
      })
    )['MasterSlaveServerGroupId'],
  );

  // listeners of four protocols
  await c('CreateLoadBalancerTCPListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 3306, BackendServerPort: 3306, Bandwidth: -1, MasterSlaveServerGroupId: ms, ...tags({ k: 'v' }) });
  await c('CreateLoadBalancerUDPListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 53, BackendServerPort: 53, Bandwidth: -1 });
  await c('CreateLoadBalancerHTTPSListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, BackendServerPort: 80, Bandwidth: -1, StickySession: 'off', HealthCheck: 'on', ServerCertificateId: cert, CACertificateId: caId, VServerGroupId: vg, AclStatus: 'on', AclType: 'black', AclId: acl, TLSCipherPolicy: tls, EnableHttp2: 'on' });
  await c('CreateLoadBalancerHTTPListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80, BackendServerPort: 80, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' });
  await c('SetLoadBalancerTCPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 3306, Description: 'tcp', PersistenceTimeout: 10 });
  await c('SetLoadBalancerUDPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 53, Description: 'udp' });
  await c('SetLoadBalancerHTTPSListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, Description: 'https', IdleTimeout: 30 });
  await c('SetLoadBalancerHTTPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80, Description: 'http', Gzip: 'off' });
  await c('DescribeLoadBalancerTCPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 3306 });
  await c('DescribeLoadBalancerUDPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 53 });
  await c('StartLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80 });
  await c('DescribeLoadBalancerListeners', { RegionId: R, 'LoadBalancerId.1': lb }); // sees 'starting', which completes it
  await c('StopLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80 });
  await c('DescribeLoadBalancerHTTPListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80 }); // sees 'stopping'
  await c('DescribeHealthStatus', { RegionId: R, LoadBalancerId: lb });

  // legacy whitelist on the HTTP listener
  await c('SetListenerAccessControlStatus', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80, AccessControlStatus: 'open_white_list' });
  await c('AddListenerWhiteListItem', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80, SourceItems: '10.1.0.0/16,10.2.0.1' });
  await c('RemoveListenerWhiteListItem', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80, SourceItems: '10.2.0.1' });
  await c('DescribeListenerAccessControlAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 80 });

  // rules and domain extensions
  const rules = await c('CreateRules', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, RuleList: JSON.stringify([{ RuleName: 'r1', Domain: 'api.example.com', Url: '/v1', VServerGroupId: vg2 }, { RuleName: 'r2', Url: '/static', VServerGroupId: vg2 }]) });
  const ruleIds = list(rules, 'Rules', 'Rule').map((r) => String(r['RuleId']));
  assert.equal(ruleIds.length, 2);
  await c('SetRule', { RegionId: R, RuleId: ruleIds[0], RuleName: 'r1-renamed' });
  await c('DescribeRules', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443 });
  await c('DescribeRuleAttribute', { RegionId: R, RuleId: ruleIds[0] });
  const de = String((await c('CreateDomainExtension', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443, Domain: 'api.example.com', ServerCertificateId: cert2 }))['DomainExtensionId']);
  await c('SetDomainExtensionAttribute', { RegionId: R, DomainExtensionId: de, ServerCertificateId: cert2 });
  await c('DescribeDomainExtensions', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443 });
  await c('DescribeDomainExtensionAttribute', { RegionId: R, DomainExtensionId: de });

  // reads with everything in place
  await c('DescribeLoadBalancerHTTPSListenerAttribute', { RegionId: R, LoadBalancerId: lb, ListenerPort: 443 });
  await c('DescribeVServerGroups', { RegionId: R, LoadBalancerId: lb, IncludeRule: true, IncludeListener: true });
  await c('DescribeVServerGroupAttribute', { RegionId: R, VServerGroupId: vg });
  await c('DescribeMasterSlaveServerGroups', { RegionId: R, LoadBalancerId: lb, IncludeListener: true });
  await c('DescribeMasterSlaveServerGroupAttribute', { RegionId: R, MasterSlaveServerGroupId: ms });
  await c('DescribeAccessControlLists', { RegionId: R });
  await c('DescribeAccessControlListAttribute', { RegionId: R, AclId: acl });
  await c('ListTLSCipherPolicies', { RegionId: R, IncludeListener: true });

  // access logs and the high-definition monitor
  await c('SetAccessLogsDownloadAttribute', { RegionId: R, LogsDownloadAttributes: JSON.stringify([{ LogProject: 'shape-project', LogStore: 'shape-store', LoadBalancerId: lb }]) });
  await c('DescribeAccessLogsDownloadAttribute', { RegionId: R, LoadBalancerId: lb });
  await c('DeleteAccessLogsDownloadAttribute', { RegionId: R, LogsDownloadAttributes: JSON.stringify([{ LoadBalancerId: lb }]) });
  await c('EnableHighDefinationMonitor', { RegionId: R, LogProject: 'shape-project', LogStore: 'shape-store' });
  await c('ModifyHighDefinationMonitor', { RegionId: R, LogProject: 'shape-project', LogStore: 'shape-store-2' });
  await c('DescribeHighDefinationMonitor', { RegionId: R });

  // teardown
  await c('DeleteDomainExtension', { RegionId: R, DomainExtensionId: de });
  await c('DeleteRules', { RegionId: R, RuleIds: JSON.stringify(ruleIds) });
  for (const [port, proto] of [[80, 'http'], [443, 'https'], [53, 'udp'], [3306, 'tcp']] as const) await c('DeleteLoadBalancerListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: port, ListenerProtocol: proto });
  await c('DeleteVServerGroup', { RegionId: R, VServerGroupId: vg });
  await c('DeleteVServerGroup', { RegionId: R, VServerGroupId: vg2 });
  await c('DeleteMasterSlaveServerGroup', { RegionId: R, MasterSlaveServerGroupId: ms });
  await c('DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: tls });
  await c('DeleteAccessControlList', { RegionId: R, AclId: acl });
  await c('DeleteServerCertificate', { RegionId: R, ServerCertificateId: cert });
  await c('DeleteServerCertificate', { RegionId: R, ServerCertificateId: cert2 });
  await c('DeleteCACertificate', { RegionId: R, CACertificateId: caId });
  await c('DeleteLoadBalancer', { RegionId: R, LoadBalancerId: lb });
  await c('DeleteLoadBalancer', { RegionId: R, LoadBalancerId: lb2 });
  // empty lists keep their wrappers (JSON) / containers (XML)
  await c('DescribeLoadBalancers', { RegionId: R });
  await c('DescribeLoadBalancerListeners', { RegionId: R });
}

for (const mode of ['json', 'xml'] as const) {
  test(`every action answers the shape of its response tree (${mode === 'json' ? 'JSON through pop-core and openapi-client' : 'Format=XML through openapi-client'})`, async (t) => {
    const s = await startTestServer();
    t.after(() => s.stop());
    const covered = new Set<string>();
    await flow(s, caller(s, mode, covered));
    const missing = Object.keys(SPECS).filter((a) => !covered.has(a));
    assert.deepEqual(missing, [], 'every action was called successfully');
    assert.equal(covered.size, 93);
  });
}

test('XML rendering: list containers with repeated items, bare arrays as repeated elements, empty lists', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const vsw = (await defaultVSwitches(s, R))[0]!;
  const lb = String((await s.call('CreateLoadBalancer', { RegionId: R, VpcId: vsw.VpcId, VSwitchId: vsw.VSwitchId, AddressType: 'intranet' }))['LoadBalancerId']);
  for (const port of [80, 81]) await s.call('CreateLoadBalancerHTTPListener', { RegionId: R, LoadBalancerId: lb, ListenerPort: port, BackendServerPort: 80, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' });
  const xml = (await s.v3('DescribeLoadBalancerListeners', { RegionId: R, 'LoadBalancerId.1': lb }, { xml: true })).body as unknown as string;
  // a bare array is its element repeated, once per item, directly under the root
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?><DescribeLoadBalancerListenersResponse><RequestId>[0-9A-F-]{36}<\/RequestId>/);
  assert.equal(xml.match(/<Listeners>/g)?.length, 2);
  for (const port of [80, 81]) assert.match(xml, new RegExp(`<Listeners>(?:(?!</Listeners>).)*<ListenerPort>${port}</ListenerPort>`));
  assert.match(xml, /<TotalCount>2<\/TotalCount>/);
  // a List is a container of repeated items; an empty one is an empty container
  const attr = (await s.v3('DescribeLoadBalancerAttribute', { RegionId: R, LoadBalancerId: lb }, { xml: true })).body as unknown as string;
  assert.match(attr, /<ListenerPorts><ListenerPort>80<\/ListenerPort><ListenerPort>81<\/ListenerPort><\/ListenerPorts>/);
  assert.match(attr, /<BackendServers><\/BackendServers>/);
  // an empty bare array has no element at all (zero repetitions)
  const none = (await s.v3('DescribeLoadBalancerListeners', { RegionId: 'cn-shanghai' }, { xml: true })).body as unknown as string;
  assert.doesNotMatch(none, /<Listeners/);
});
