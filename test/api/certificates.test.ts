import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { openKey, type ServerCertificateDoc } from '../../src/products/slb/services/certificates.js';
import { rejects, startTestServer } from '../helpers/server.js';
import { shapeProblems } from '../helpers/response-shape.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;
interface ServerCert {
  ServerCertificateId: string;
  ServerCertificateName: string;
  Fingerprint: string;
  CommonName: string;
  SubjectAlternativeNames: { SubjectAlternativeName: string[] };
  ExpireTime: string;
  ExpireTimeStamp: number;
  CreateTime: string;
  CreateTimeStamp: number;
  RegionId: string;
  ResourceGroupId: string;
  IsAliCloudCertificate: number;
  Tags?: { Tag: { TagKey: string; TagValue: string }[] };
}

const ca = createCA('OpenSLB Test CA');
const leaf = issueLeaf(ca, ['www.example.com', 'api.example.com', '10.1.2.3']);
const other = issueLeaf(ca, ['other.example.com']);
// a certificate of more than 4 KB (many names), to travel in the query string of a GET
const big = issueLeaf(ca, ['big.example.com', ...Array.from({ length: 90 }, (_, i) => `host-${i}.a-rather-long-subdomain-name.example.com`)]);
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint.toLowerCase();

test('server and CA certificates through pop-core and openapi-client', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const scope = { account: s.rootAccountId, region: R };
  const call = async (action: string, params: Body = {}, o?: { method?: 'GET' | 'POST' }) => JSON.parse(JSON.stringify(await s.call(action, params, o))) as Body;
  const upload = (p: Body, method: 'GET' | 'POST' = 'GET') => call('UploadServerCertificate', { RegionId: R, ...p }, { method });
  const describe = async (p: Body = {}) => ((await call('DescribeServerCertificates', { RegionId: R, ...p })) as { ServerCertificates: { ServerCertificate: ServerCert[] } }).ServerCertificates.ServerCertificate;
  const err = async (fn: () => Promise<unknown>) => {
    const e = await rejects(fn);
    return `${e.code}|${String(e.data['Message'])}`;
  };

  await t.test('Terraform alicloud_slb_server_certificate: upload (PEMs in the query), tag, read, rename, delete, poll until gone', async () => {
    assert.ok(big.certPem.length > 4096, `big certificate is ${big.certPem.length} bytes`);
    const up = (await upload({ ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'tf-testAccSlbServerCertificate' })) as unknown as ServerCert;
    assert.deepEqual(shapeProblems('UploadServerCertificate', up as unknown as Body), []);
    assert.match(up.ServerCertificateId, new RegExp(`^${s.rootAccountId}_[0-9a-f]+_-?\\d+_-?\\d+$`));
    assert.equal(up.ServerCertificateName, 'tf-testAccSlbServerCertificate');
    assert.equal(up.Fingerprint, fingerprint(leaf.certPem));
    assert.match(up.Fingerprint, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    assert.equal(up.CommonName, 'www.example.com');
    assert.deepEqual(up.SubjectAlternativeNames, { SubjectAlternativeName: ['www.example.com', 'api.example.com', '10.1.2.3'] });
    const notAfter = new Date(new X509Certificate(leaf.certPem).validTo).getTime();
    assert.equal(up.ExpireTimeStamp, notAfter);
    assert.equal(up.ExpireTime, new Date(notAfter).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.ok(Math.abs(up.CreateTimeStamp - Date.now()) < 60_000);
    assert.equal(up.RegionId, R);
    assert.equal(up.IsAliCloudCertificate, 0);
    assert.match(up.ResourceGroupId, /^rg-/);
    assert.ok(!JSON.stringify(up).includes('PRIVATE KEY') && !JSON.stringify(up).includes('BEGIN'), 'no PEM material in the answer');
    const id = up.ServerCertificateId;
    await call('TagResources', { RegionId: R, ResourceType: 'certificate', 'ResourceId.1': id, 'Tag.1.Key': 'owner', 'Tag.1.Value': 'tf' });
    const read = await describe({ ServerCertificateId: id });
    assert.equal(read.length, 1);
    const full = await call('DescribeServerCertificates', { RegionId: R, ServerCertificateId: id });
    assert.deepEqual(shapeProblems('DescribeServerCertificates', full), []);
    assert.equal(read[0]!.ServerCertificateId, id);
    assert.deepEqual(read[0]!.Tags, { Tag: [{ TagKey: 'owner', TagValue: 'tf' }] });
    assert.ok(!JSON.stringify(full).includes('PRIVATE KEY'));
    await call('SetServerCertificateName', { RegionId: R, ServerCertificateId: id, ServerCertificateName: 'renamed/*.example.com' });
    assert.equal((await describe({ ServerCertificateId: id }))[0]!.ServerCertificateName, 'renamed/*.example.com');
    assert.deepEqual(Object.keys(await call('DeleteServerCertificate', { RegionId: R, ServerCertificateId: id })), ['RequestId']);
    assert.deepEqual(await describe({ ServerCertificateId: id }), [], 'unknown ids: an empty list, not an error');
    assert.equal(await err(() => call('DeleteServerCertificate', { RegionId: R, ServerCertificateId: id })), 'ServerCertificateId.NotFound|The specified ServerCertificateId does not exist.');
    const v3 = await rejects(() => s.v3('DeleteServerCertificate', { ServerCertificateId: id }));
    assert.equal(v3.statusCode, 404);
  });

  await t.test('a 4 KB certificate with its chain via GET and POST, both clients; keys sealed at rest', async () => {
    const chain = `${big.certPem}${ca.certPem}`;
    const viaGet = (await upload({ ServerCertificate: chain, PrivateKey: big.keyPem, ServerCertificateName: 'big-get' }, 'GET')) as unknown as ServerCert;
    const viaPost = (await upload({ ServerCertificate: chain, PrivateKey: big.keyPem, ServerCertificateName: 'big-post' }, 'POST')) as unknown as ServerCert;
    const viaV3 = (await s.v3('UploadServerCertificate', { RegionId: R, ServerCertificate: chain, PrivateKey: big.keyPem, ServerCertificateName: 'big-v3' })).body as unknown as ServerCert;
    for (const c of [viaGet, viaPost, viaV3]) {
      assert.equal(c.Fingerprint, fingerprint(big.certPem));
      assert.equal(c.CommonName, 'big.example.com');
      assert.equal(c.SubjectAlternativeNames.SubjectAlternativeName.length, 91);
    }
    // CRLF line ends are fine too
    const crlf = (await upload({ ServerCertificate: leaf.certPem.replace(/\n/g, '\r\n'), PrivateKey: leaf.keyPem.replace(/\n/g, '\r\n') }, 'POST')) as unknown as ServerCert;
    assert.equal(crlf.Fingerprint, fingerprint(leaf.certPem));
    assert.equal(crlf.ServerCertificateName, '');
    // stored sealed: the database never holds the key in clear, the data plane can open it
    const doc = await s.store.read((tx) => tx.get<ServerCertificateDoc>('serverCertificate', scope, viaPost.ServerCertificateId));
    assert.ok(doc);
    assert.match(doc.PrivateKeySealed, /^v1:/);
    assert.ok(!JSON.stringify(doc).includes('PRIVATE KEY'));
    assert.equal(openKey(s.store, doc).trim(), big.keyPem.trim());
    assert.ok(doc.CertificatePem.includes(ca.certPem.trim().split(/\r?\n/)[1]!), 'the chain is kept');
    const keyBody = big.keyPem.split('\n').slice(1, 4).join('');
    const files = readdirSync(s.dataDir).filter((f) => f.startsWith('openslb.db'));
    for (const f of files) assert.ok(!readFileSync(join(s.dataDir, f)).includes(keyBody), `${f} holds no clear key`);
  });

  await t.test('certificate and key checks map to their catalog rows', async () => {
    const before = (await describe()).length;
    const noPem = 'MIIB-this-is-not-a-pem';
    const brokenBody = '-----BEGIN CERTIFICATE-----\nMIIBnotvalidDER\n-----END CERTIFICATE-----\n';
    const badChars = '-----BEGIN CERTIFICATE-----\n$$$$\n-----END CERTIFICATE-----\n';
    const pkcs8Enc = createPrivateKey(leaf.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    const pkcs1Enc = createPrivateKey(leaf.keyPem).export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cases: [Body, string][] = [
      [{ PrivateKey: leaf.keyPem }, 'InvalidParameter|The specified parameter ServerCertificate or Key is empty.'],
      [{ ServerCertificate: leaf.certPem }, 'InvalidParameter|The specified parameter ServerCertificate or Key is empty.'],
      [{ ServerCertificate: '   ', PrivateKey: leaf.keyPem }, 'InvalidParameter|The specified parameter ServerCertificate or Key is empty.'],
      [{ ServerCertificate: noPem, PrivateKey: leaf.keyPem }, 'InvalidParameter|The specified parameter ServerCertificate format is error.'],
      [{ ServerCertificate: brokenBody, PrivateKey: leaf.keyPem }, 'KeyFormatError|The specified ServerCertificate is incorrectly formatted.'],
      [{ ServerCertificate: badChars, PrivateKey: leaf.keyPem }, 'KeyFormatError|The specified ServerCertificate is incorrectly formatted.'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: 'not a key' }, 'InvalidParameter|The specified parameter key format is error.'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n' }, 'InvalidParameter|The specified parameter key format is error.'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: ed }, 'InvalidParameter|The specified parameter key format is error.'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: pkcs8Enc }, 'PrivateKeyEncryption|Key has Encrypted .'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: pkcs1Enc }, 'PrivateKeyEncryption|Key has Encrypted .'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: other.keyPem }, 'CertificateNotMatchPrivateKey|Certificate and key does not match.'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: '1starts-with-digit' }, 'InvalidParameter|The specified parameter is not valid.'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'x'.repeat(81) }, 'InvalidParameterLength|The specified parameter length is not valid.'],
      [{ AliCloudCertificateId: '123', AliCloudCertificateName: 'cas-cert', AliCloudCertificateRegionId: R }, 'UnsupportedParameter|The specified parameter is not unsupported.'],
      [{ ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, 'Tag.1.Key': 'acs:x' }, 'InvalidParameter.TagKey|The specified tag key is invalid.'],
    ];
    for (const [p, want] of cases) assert.equal(await err(() => upload(p, 'POST')), want, JSON.stringify(Object.keys(p)));
    // a megabyte of unterminated PEM headers is read in linear time and refused like any non-PEM
    const junk = '-----BEGIN CERTIFICATE-----\n'.repeat(40_000);
    assert.equal(await err(() => upload({ ServerCertificate: junk, PrivateKey: leaf.keyPem }, 'POST')), 'InvalidParameter|The specified parameter ServerCertificate format is error.');
    // the same through openapi-client: status 400
    const v3 = await rejects(() => s.v3('UploadServerCertificate', { RegionId: R, ServerCertificate: leaf.certPem, PrivateKey: pkcs8Enc }));
    assert.equal(v3.code, 'PrivateKeyEncryption');
    assert.equal(v3.statusCode, 400);
    assert.equal((await describe()).length, before, 'nothing stored by a refused upload');
  });

  await t.test('ids: blank, a CA id, unknown; RegionId optional on delete and describe', async () => {
    const up = (await upload({ ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'ids' }, 'POST')) as unknown as ServerCert;
    const caUp = (await call('UploadCACertificate', { RegionId: R, CACertificate: ca.certPem, CACertificateName: 'ca-ids' })) as { CACertificateId: string };
    assert.equal(await err(() => call('DeleteServerCertificate', { RegionId: R, ServerCertificateId: '  ' })), 'InvalidParameter|The specified parameter ServerCertificateId is empty.');
    assert.equal(await err(() => call('SetServerCertificateName', { RegionId: R, ServerCertificateId: caUp.CACertificateId, ServerCertificateName: 'x' })), 'InvalidParameter|The specified parameter ServerCertificateId is not Support.');
    assert.equal(await err(() => call('DeleteServerCertificate', { ServerCertificateId: caUp.CACertificateId })), 'InvalidParameter|The specified parameter ServerCertificateId is not Support.');
    assert.equal(await err(() => call('SetServerCertificateName', { RegionId: R, ServerCertificateId: '1_ffff_1_1', ServerCertificateName: 'x' })), 'ServerCertificateId.NotFound|The specified ServerCertificateId does not exist.');
    assert.equal(await err(() => call('DeleteServerCertificate', { RegionId: 'cn-shanghai', ServerCertificateId: up.ServerCertificateId })), 'ServerCertificateId.NotFound|The specified ServerCertificateId does not exist.');
    // several ids, unknown ones ignored; no RegionId: every region
    const two = await describe({ ServerCertificateId: `${up.ServerCertificateId},nope_1_2_3` });
    assert.deepEqual(two.map((c) => c.ServerCertificateId), [up.ServerCertificateId]);
    const sh = (await upload({ RegionId: 'cn-shanghai', ServerCertificate: other.certPem, PrivateKey: other.keyPem, ResourceGroupId: 'rg-acfmshanghai' }, 'POST')) as unknown as ServerCert;
    const everywhere = ((await call('DescribeServerCertificates', {})) as { ServerCertificates: { ServerCertificate: ServerCert[] } }).ServerCertificates.ServerCertificate;
    assert.ok(everywhere.some((c) => c.ServerCertificateId === sh.ServerCertificateId && c.RegionId === 'cn-shanghai'));
    assert.ok(everywhere.some((c) => c.ServerCertificateId === up.ServerCertificateId));
    assert.deepEqual((await describe({ RegionId: 'cn-shanghai', ResourceGroupId: 'rg-acfmshanghai' })).map((c) => c.ServerCertificateId), [sh.ServerCertificateId]);
    assert.deepEqual(await describe({ RegionId: 'cn-shanghai', ResourceGroupId: 'rg-other' }), []);
    assert.deepEqual(await describe({ 'Tag.1.Key': 'no-such-tag' }), []);
    assert.deepEqual(((await call('DescribeServerCertificates', { RegionId: 'ap-south-1' })) as Body)['ServerCertificates'], { ServerCertificate: [] });
    await call('DeleteServerCertificate', { ServerCertificateId: sh.ServerCertificateId }); // region found from the id
    await call('DeleteServerCertificate', { ServerCertificateId: up.ServerCertificateId });
    await call('DeleteCACertificate', { RegionId: R, CACertificateId: caUp.CACertificateId });
  });

  await t.test('certificates in use: listeners and domain extensions block the delete', async () => {
    const sc = ((await upload({ ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'used' }, 'POST')) as unknown as ServerCert).ServerCertificateId;
    const de = ((await upload({ ServerCertificate: other.certPem, PrivateKey: other.keyPem, ServerCertificateName: 'sni' }, 'POST')) as unknown as ServerCert).ServerCertificateId;
    const cc = ((await call('UploadCACertificate', { RegionId: R, CACertificate: ca.certPem })) as { CACertificateId: string }).CACertificateId;
    const lid = 'lb-test00000000000000002_https_443';
    await s.store.write(async (tx) => {
      await tx.put('listener', scope, lid, { LoadBalancerId: 'lb-test00000000000000002', ListenerPort: 443, ListenerProtocol: 'https', Status: 'running', ServerCertificateId: sc, CACertificateId: cc });
      await tx.put('domainExtension', scope, 'de-test0000001', { DomainExtensionId: 'de-test0000001', LoadBalancerId: 'lb-test00000000000000002', ListenerPort: 443, Domain: 'sni.example.com', ServerCertificateId: de });
    });
    assert.equal(await err(() => call('DeleteServerCertificate', { RegionId: R, ServerCertificateId: sc })), 'CertificateAndPrivateKeyIsRefered|The specified certificate is bound to listeners. You cannot delete it.');
    assert.equal(await err(() => call('DeleteServerCertificate', { RegionId: R, ServerCertificateId: de })), 'CertificateAndPrivateKeyIsRefered|Certificate and PrivateKey Is Refered.');
    const caErr = await rejects(() => s.v3('DeleteCACertificate', { RegionId: R, CACertificateId: cc }));
    assert.equal(caErr.code, 'CertificateAndPrivateKeyIsRefered');
    assert.equal(caErr.statusCode, 400);
    assert.equal(caErr.data['Message'], 'The specified certificate is bound to listeners. You cannot delete it.');
    assert.equal((await describe({ ServerCertificateId: `${sc},${de}` })).length, 2, 'still there');
    await s.store.write(async (tx) => {
      await tx.delete('listener', scope, lid);
      await tx.delete('domainExtension', scope, 'de-test0000001');
    });
    await call('DeleteServerCertificate', { RegionId: R, ServerCertificateId: sc });
    await call('DeleteServerCertificate', { RegionId: R, ServerCertificateId: de });
    await call('DeleteCACertificate', { RegionId: R, CACertificateId: cc });
  });

  await t.test('Terraform alicloud_slb_ca_certificate: upload, read by id, rename, delete; NotFound after', async () => {
    const upR = await s.v3('UploadCACertificate', { RegionId: R, CACertificate: ca.certPem, CACertificateName: 'tf-testAccSlbCACertificate', ResourceGroupId: 'rg-acfmca', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' });
    const up = upR.body as { CACertificateId: string; CACertificateName: string; Fingerprint: string; CommonName: string; ExpireTimeStamp: number; ResourceGroupId: string };
    assert.deepEqual(shapeProblems('UploadCACertificate', up as unknown as Body), []);
    assert.equal(up.Fingerprint, fingerprint(ca.certPem));
    assert.equal(up.CommonName, 'OpenSLB Test CA');
    assert.equal(up.CACertificateName, 'tf-testAccSlbCACertificate');
    assert.equal(up.ResourceGroupId, 'rg-acfmca');
    const id = up.CACertificateId;
    const read = await call('DescribeCACertificates', { RegionId: R, CACertificateId: id });
    assert.deepEqual(shapeProblems('DescribeCACertificates', read), []);
    const list = (read as { CACertificates: { CACertificate: Body[] } }).CACertificates.CACertificate;
    assert.equal(list.length, 1);
    assert.equal(list[0]!['CACertificateId'], id);
    assert.deepEqual(list[0]!['Tags'], { Tag: [{ TagKey: 'k', TagValue: 'v' }] });
    await s.v3('SetCACertificateName', { RegionId: R, CACertificateId: id, CACertificateName: 'renamed-ca' });
    const again = (await s.v3('DescribeCACertificates', { RegionId: R, CACertificateId: id })).body as { CACertificates: { CACertificate: Body[] } };
    assert.equal(again.CACertificates.CACertificate[0]!['CACertificateName'], 'renamed-ca');
    assert.equal(await err(() => call('SetCACertificateName', { RegionId: R, CACertificateId: id, CACertificateName: '-bad' })), 'InvalidParameter|The specified parameter is not valid.');
    await s.v3('DeleteCACertificate', { RegionId: R, CACertificateId: id });
    const gone = (await s.v3('DescribeCACertificates', { RegionId: R, CACertificateId: id })).body;
    assert.deepEqual(gone['CACertificates'], { CACertificate: [] }, 'the wrapper is there and empty');
    const e = await rejects(() => s.v3('DeleteCACertificate', { RegionId: R, CACertificateId: id }));
    assert.equal(e.code, 'CACertificateId.NotFound');
    assert.equal(e.statusCode, 404);
    assert.equal(e.data['Message'], 'The specified CACertificateId does not exist.');
    // a CA PEM of the wrong kind, a big one via GET
    assert.equal(await err(() => call('UploadCACertificate', { RegionId: R, CACertificate: 'nope' })), 'InvalidParameter|The specified parameter ServerCertificate format is error.');
    assert.equal(await err(() => call('UploadCACertificate', { RegionId: R })), 'MissingParameter|The input parameter "CACertificate" that is mandatory for processing this request is not supplied.');
    const bigCa = (await call('UploadCACertificate', { RegionId: R, CACertificate: big.certPem }, { method: 'GET' })) as { CACertificateId: string; CommonName: string };
    assert.equal(bigCa.CommonName, 'big.example.com');
    assert.equal(await err(() => call('DeleteCACertificate', { RegionId: 'cn-beijing', CACertificateId: bigCa.CACertificateId })), 'CACertificateId.NotFound|The specified CACertificateId does not exist.');
  });
});

test('private keys survive a restart (key in the data dir) and need that key', async (t) => {
  const s1 = await startTestServer({ keepDir: true });
  const dir = s1.dataDir;
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const up = (await s1.call('UploadServerCertificate', { RegionId: R, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem }, { method: 'POST' })) as unknown as ServerCert;
  await s1.stop();
  assert.equal(statSync(join(dir, 'secret.key')).mode & 0o777, 0o600);
  const s2 = await startTestServer({ dataDir: dir, keepDir: true });
  const scope = { account: s2.rootAccountId, region: R };
  const doc = await s2.store.read((tx) => tx.get<ServerCertificateDoc>('serverCertificate', scope, up.ServerCertificateId));
  assert.equal(openKey(s2.store, doc!).trim(), leaf.keyPem.trim());
  await s2.stop();
  const s3 = await startTestServer({ dataDir: dir, keepDir: true, secretKey: Buffer.alloc(32, 1) });
  const doc3 = await s3.store.read((tx) => tx.get<ServerCertificateDoc>('serverCertificate', scope, up.ServerCertificateId));
  assert.throws(() => openKey(s3.store, doc3!), 'another key cannot open it');
  await s3.stop();
});
