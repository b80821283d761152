import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer } from '../helpers/server.js';
import { shapeProblems } from '../helpers/response-shape.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;
interface Policy {
  InstanceId: string;
  Name: string;
  Status: string;
  CreateTime: number;
  TLSVersions: string[];
  Ciphers: string[];
  RelateListeners: { LoadBalancerId: string; Port: number; Protocol: string }[];
}
interface ListAnswer {
  TLSCipherPolicies: Policy[];
  TotalCount: number;
  IsTruncated: boolean;
  NextToken?: string;
}

const repeat = (name: string, values: string[]) => Object.fromEntries(values.map((v, i) => [`${name}.${i + 1}`, v]));

test('TLS cipher policies through pop-core and openapi-client', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const scope = { account: s.rootAccountId, region: R };
  const call = async (action: string, params: Body = {}, o?: { method?: 'GET' | 'POST' }) => JSON.parse(JSON.stringify(await s.call(action, params, o))) as Body;
  const create = async (name: string, versions: string[], ciphers: string[], region = R) =>
    ((await call('CreateTLSCipherPolicy', { RegionId: region, Name: name, ...repeat('TLSVersions', versions), ...repeat('Ciphers', ciphers) }, { method: 'POST' })) as { TLSCipherPolicyId: string }).TLSCipherPolicyId;
  const list = async (p: Body = {}) => (await s.v3('ListTLSCipherPolicies', { RegionId: R, ...p })).body as unknown as ListAnswer;
  const err = async (fn: () => Promise<unknown>) => {
    const e = await rejects(fn);
    return `${e.code}|${String(e.data['Message'])}`;
  };

  await t.test('Terraform alicloud_slb_tls_cipher_policy: create, read by id, update, delete; the shapes', async () => {
    const created = await call('CreateTLSCipherPolicy', { RegionId: R, Name: 'tf-testAccSlbTlsCipherPolicy', ...repeat('TLSVersions', ['TLSv1.1', 'TLSv1.2']), ...repeat('Ciphers', ['AES256-SHA256', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA']) });
    assert.deepEqual(shapeProblems('CreateTLSCipherPolicy', created, ['TLSCipherPolicyId', 'RequestId']), []);
    const id = (created as { TLSCipherPolicyId: string }).TLSCipherPolicyId;
    assert.match(id, /^tls-[a-z0-9]{24}$/);
    const read = await list({ TLSCipherPolicyId: id });
    assert.deepEqual(shapeProblems('ListTLSCipherPolicies', read as unknown as Body), []);
    assert.equal(read.TotalCount, 1);
    assert.equal(read.IsTruncated, false);
    assert.ok(!('NextToken' in read), 'no NextToken on the last page');
    const p = read.TLSCipherPolicies[0]!;
    assert.equal(p.InstanceId, id);
    assert.equal(p.Name, 'tf-testAccSlbTlsCipherPolicy');
    assert.equal(p.Status, 'normal');
    assert.ok(Math.abs(p.CreateTime - Date.now()) < 60_000, 'CreateTime is a millisecond number');
    assert.deepEqual(p.TLSVersions, ['TLSv1.1', 'TLSv1.2']);
    assert.deepEqual(p.Ciphers, ['AES256-SHA256', 'AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA']);
    assert.deepEqual(p.RelateListeners, []);
    // update: Terraform sends every field
    const set = (await s.v3('SetTLSCipherPolicyAttribute', { RegionId: R, TLSCipherPolicyId: id, Name: 'tf-updated', ...repeat('TLSVersions', ['TLSv1.2', 'TLSv1.3']), ...repeat('Ciphers', ['TLS_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256']) })).body;
    assert.deepEqual(shapeProblems('SetTLSCipherPolicyAttribute', set, ['TaskId', 'RequestId']), []);
    const after = (await list({ TLSCipherPolicyId: id })).TLSCipherPolicies[0]!;
    assert.deepEqual([after.Name, after.TLSVersions, after.Ciphers, after.Status], ['tf-updated', ['TLSv1.2', 'TLSv1.3'], ['TLS_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'], 'normal']);
    assert.deepEqual(Object.keys(await call('DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: id })), ['RequestId']);
    const gone = await list({ TLSCipherPolicyId: id });
    assert.deepEqual([gone.TLSCipherPolicies, gone.TotalCount, gone.IsTruncated], [[], 0, false], 'unknown id: empty array, not an error');
    assert.equal(await err(() => call('DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: id })), 'InvalidTLSPolicyId.NotExist|The specified TLS cipher policy does not exist.');
    assert.equal(await err(() => call('SetTLSCipherPolicyAttribute', { RegionId: R, TLSCipherPolicyId: id, Name: 'xx', 'TLSVersions.1': 'TLSv1.2', 'Ciphers.1': 'AES128-SHA' })), 'InvalidTLSPolicyId.NotExist|The specified TLS cipher policy does not exist.');
  });

  await t.test('ciphers per TLS version, counts, names', async () => {
    const bad = 'InvalidParameter|The specified parameter is not valid.';
    const tryCreate = (versions: string[], ciphers: string[], name = 'policy-x') => err(() => create(name, versions, ciphers));
    assert.equal(await tryCreate(['TLSv1.0'], ['AES128-GCM-SHA256']), bad, 'a TLS 1.2 suite alone under TLS 1.0');
    assert.equal(await tryCreate(['TLSv1.2'], ['TLS_AES_128_GCM_SHA256']), bad, 'a TLS 1.3 suite under TLS 1.2 only');
    assert.equal(await tryCreate(['TLSv1.2', 'TLSv1.3'], ['AES128-SHA']), bad, 'TLSv1.3 chosen without a TLS 1.3 suite');
    assert.equal(await tryCreate(['TLSv1.3'], ['TLS_AES_128_GCM_SHA256', 'AES128-SHA']), bad, 'AES128-SHA is valid for no chosen version');
    assert.equal(await tryCreate(['TLSv1.4'], ['AES128-SHA']), bad);
    assert.equal(await tryCreate(['TLSv1.2'], ['NOT-A-CIPHER']), bad);
    assert.equal(await tryCreate(['TLSv1.2'], ['AES128-SHA'], '1bad'), bad, 'name must start with a letter');
    assert.equal(await tryCreate(['TLSv1.2'], ['AES128-SHA'], 'x'), 'InvalidParameterLength|The specified parameter length is not valid.', 'too short');
    assert.equal(await tryCreate(['TLSv1.2'], ['AES128-SHA'], `a${'b'.repeat(200)}`), 'InvalidParameterLength|The specified parameter length is not valid.', 'too long');
    const tls12 = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA256', 'AES256-SHA256'];
    const tls13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'];
    const all = await create('every-suite', ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], [...tls12, ...tls13]);
    const p = (await list({ TLSCipherPolicyId: all })).TLSCipherPolicies[0]!;
    assert.equal(p.Ciphers.length, 24);
    assert.deepEqual(p.TLSVersions, ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
    // versions come back in order; duplicates dropped
    const dup = await create('dups', ['TLSv1.2', 'TLSv1.0', 'TLSv1.2'], ['AES128-SHA', 'AES128-SHA']);
    const d = (await list({ TLSCipherPolicyId: dup })).TLSCipherPolicies[0]!;
    assert.deepEqual([d.TLSVersions, d.Ciphers], [['TLSv1.0', 'TLSv1.2'], ['AES128-SHA']]);
    // more than 32 suites, more than 4 versions
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`Ciphers.${i + 1}`, 'AES128-SHA']));
    assert.equal(await err(() => call('CreateTLSCipherPolicy', { RegionId: R, Name: 'many', 'TLSVersions.1': 'TLSv1.2', ...many })), bad);
    assert.equal(await err(() => call('CreateTLSCipherPolicy', { RegionId: R, Name: 'many', ...repeat('TLSVersions', ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3', 'TLSv1.2']), 'Ciphers.1': 'AES128-SHA' })), bad);
    // missing lists
    assert.equal(await err(() => call('CreateTLSCipherPolicy', { RegionId: R, Name: 'nolist', 'TLSVersions.1': 'TLSv1.2' })), 'MissingParameter|The input parameter "Ciphers.1" that is mandatory for processing this request is not supplied.');
    assert.equal(await err(() => call('CreateTLSCipherPolicy', { RegionId: R, Name: 'nolist', 'Ciphers.1': 'AES128-SHA' })), 'MissingParameter|The input parameter "TLSVersions.1" that is mandatory for processing this request is not supplied.');
    // a rejected update leaves the policy as it was
    assert.equal(await err(() => call('SetTLSCipherPolicyAttribute', { RegionId: R, TLSCipherPolicyId: dup, Name: 'changed', 'TLSVersions.1': 'TLSv1.3', 'Ciphers.1': 'AES128-SHA' })), bad);
    assert.equal((await list({ TLSCipherPolicyId: dup })).TLSCipherPolicies[0]!.Name, 'dups');
    await call('DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: all });
    await call('DeleteTLSCipherPolicy', { RegionId: R, TLSCipherPolicyId: dup });
  });

  await t.test('ListTLSCipherPolicies: NextToken/MaxItems paging, Name filter, IncludeListener, delete refused while in use', async () => {
    const region = 'cn-shenzhen';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await create(`page-${i}`, ['TLSv1.2'], ['AES128-SHA'], region));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = (await s.v3('ListTLSCipherPolicies', { RegionId: region, MaxItems: 2, ...(token ? { NextToken: token } : {}) })).body as unknown as ListAnswer;
      assert.equal(page.TotalCount, 5);
      seen.push(...page.TLSCipherPolicies.map((x) => x.InstanceId));
      assert.equal(page.IsTruncated, page.NextToken !== undefined);
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ids);
    const byName = (await s.v3('ListTLSCipherPolicies', { RegionId: region, Name: 'page-3' })).body as unknown as ListAnswer;
    assert.deepEqual(byName.TLSCipherPolicies.map((x) => x.InstanceId), [ids[3]]);
    assert.equal((await rejects(() => s.v3('ListTLSCipherPolicies', { RegionId: region, NextToken: 'tls-bogus' }))).code, 'InvalidParameter');
    assert.equal((await rejects(() => s.v3('ListTLSCipherPolicies', { RegionId: region, MaxItems: 101 }))).code, 'InvalidParameter');
    // listeners using policy ids[0]: one running, one stopped; ids[1]: a stopped one only
    const sc = { account: scope.account, region };
    await s.store.write(async (tx) => {
      await tx.put('listener', sc, 'lb-test00000000000000003_https_443', { LoadBalancerId: 'lb-test00000000000000003', ListenerPort: 443, ListenerProtocol: 'https', Status: 'running', TLSCipherPolicy: ids[0] });
      await tx.put('listener', sc, 'lb-test00000000000000003_https_8443', { LoadBalancerId: 'lb-test00000000000000003', ListenerPort: 8443, ListenerProtocol: 'https', Status: 'stopped', TLSCipherPolicy: ids[1] });
    });
    const withL = (await s.v3('ListTLSCipherPolicies', { RegionId: region, TLSCipherPolicyId: ids[0], IncludeListener: true })).body as unknown as ListAnswer;
    assert.deepEqual(shapeProblems('ListTLSCipherPolicies', withL as unknown as Body), []);
    assert.deepEqual(withL.TLSCipherPolicies[0]!.RelateListeners, [{ LoadBalancerId: 'lb-test00000000000000003', Port: 443, Protocol: 'HTTPS' }]);
    const without = (await s.v3('ListTLSCipherPolicies', { RegionId: region, TLSCipherPolicyId: ids[0] })).body as unknown as ListAnswer;
    assert.deepEqual(without.TLSCipherPolicies[0]!.RelateListeners, []);
    const used = await rejects(() => s.v3('DeleteTLSCipherPolicy', { RegionId: region, TLSCipherPolicyId: ids[0] }));
    assert.equal(`${used.code}|${String(used.data['Message'])}|${used.statusCode}`, 'TLSPolicyBeingUsed|The specified TLS cipher policy is being used.|400');
    assert.equal(await err(() => call('DeleteTLSCipherPolicy', { RegionId: region, TLSCipherPolicyId: ids[1] })), 'TLSPolicyRelated|The specified TLS cipher policy is related with listeners.');
    // other regions see nothing
    const hz = await list();
    assert.ok(!hz.TLSCipherPolicies.some((x) => ids.includes(x.InstanceId)));
    await s.store.write(async (tx) => {
      await tx.delete('listener', sc, 'lb-test00000000000000003_https_443');
      await tx.delete('listener', sc, 'lb-test00000000000000003_https_8443');
    });
    for (const id of ids) await call('DeleteTLSCipherPolicy', { RegionId: region, TLSCipherPolicyId: id });
    assert.deepEqual((await s.v3('ListTLSCipherPolicies', { RegionId: region })).body['TLSCipherPolicies'], []);
  });
});
