// ACLs, certificates and a TLS policy used by a real HTTPS listener and a domain extension, all
// made through the API: the references the listener family stores are the ones these families
// read, so deletes are refused while in use and succeed once the listener is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { createLbFixture, REGION } from '../helpers/fixtures.js';
import { rejects, startTestServer } from '../helpers/server.js';

type Body = Record<string, unknown>;
const ca = createCA('In-use CA');
const leaf = issueLeaf(ca, ['www.example.com']);
const sni = issueLeaf(ca, ['sni.example.com']);

test('resources in use by an HTTPS listener and a domain extension', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const call = async (action: string, params: Body = {}) => JSON.parse(JSON.stringify(await s.call(action, { RegionId: REGION, ...params }, { method: 'POST' }))) as Body;
  const err = async (action: string, params: Body) => {
    const e = await rejects(() => s.v3(action, { RegionId: REGION, ...params }));
    return `${e.code}|${String(e.data['Message'])}|${e.statusCode}`;
  };

  const lb = await createLbFixture(s);
  const certId = (await call('UploadServerCertificate', { ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'main' }))['ServerCertificateId'] as string;
  const sniId = (await call('UploadServerCertificate', { ServerCertificate: sni.certPem, PrivateKey: sni.keyPem, ServerCertificateName: 'sni' }))['ServerCertificateId'] as string;
  const caId = (await call('UploadCACertificate', { CACertificate: ca.certPem, CACertificateName: 'client-ca' }))['CACertificateId'] as string;
  const aclId = (await call('CreateAccessControlList', { AclName: 'in-use-acl' }))['AclId'] as string;
  await call('AddAccessControlListEntry', { AclId: aclId, AclEntrys: JSON.stringify([{ entry: '10.0.0.0/8', comment: 'office' }]) });
  const tlsId = (await call('CreateTLSCipherPolicy', { Name: 'in-use-tls', 'TLSVersions.1': 'TLSv1.2', 'Ciphers.1': 'ECDHE-RSA-AES128-GCM-SHA256' }))['TLSCipherPolicyId'] as string;

  await call('CreateLoadBalancerHTTPSListener', {
    LoadBalancerId: lb.LoadBalancerId,
    ListenerPort: 443,
    BackendServerPort: 80,
    Bandwidth: -1,
    HealthCheck: 'off',
    StickySession: 'off',
    ServerCertificateId: certId,
    CACertificateId: caId,
    TLSCipherPolicy: tlsId,
    AclStatus: 'on',
    AclType: 'white',
    AclId: aclId,
  });
  await call('CreateDomainExtension', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'sni.example.com', ServerCertificateId: sniId });

  await t.test('every delete is refused with its code while the listener exists', async () => {
    assert.equal(await err('DeleteServerCertificate', { ServerCertificateId: certId }), 'CertificateAndPrivateKeyIsRefered|The specified certificate is bound to listeners. You cannot delete it.|400');
    assert.equal(await err('DeleteServerCertificate', { ServerCertificateId: sniId }), 'CertificateAndPrivateKeyIsRefered|Certificate and PrivateKey Is Refered.|400');
    assert.equal(await err('DeleteCACertificate', { CACertificateId: caId }), 'CertificateAndPrivateKeyIsRefered|The specified certificate is bound to listeners. You cannot delete it.|400');
    assert.equal(await err('DeleteAccessControlList', { AclId: aclId }), 'OperationFailed.AclBindedWithVip|The ACL has binded with vip.|400');
    assert.equal(await err('DeleteTLSCipherPolicy', { TLSCipherPolicyId: tlsId }), 'TLSPolicyRelated|The specified TLS cipher policy is related with listeners.|400');
    const attr = await call('DescribeAccessControlListAttribute', { AclId: aclId });
    assert.deepEqual(attr['RelatedListeners'], { RelatedListener: [{ LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Protocol: 'https', AclType: 'white' }] });
    const listed = (await s.v3('ListTLSCipherPolicies', { RegionId: REGION, TLSCipherPolicyId: tlsId, IncludeListener: true })).body as { TLSCipherPolicies: { RelateListeners: unknown[] }[] };
    assert.deepEqual(listed.TLSCipherPolicies[0]!.RelateListeners, [{ LoadBalancerId: lb.LoadBalancerId, Port: 443, Protocol: 'HTTPS' }]);
  });

  // Terraform polls the listener after Start/Stop; the lifecycle completes on observation
  const settle = async (status: string) => {
    for (let i = 0; i < 50; i++) {
      const a = await call('DescribeLoadBalancerHTTPSListenerAttribute', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443 });
      if (a['Status'] === status) return;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`listener never reached ${status}`);
  };

  await t.test('once the listener is started the policy is "being used"; after deleting it, everything can go', async () => {
    await call('StartLoadBalancerListener', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, ListenerProtocol: 'https' });
    assert.equal(await err('DeleteTLSCipherPolicy', { TLSCipherPolicyId: tlsId }), 'TLSPolicyBeingUsed|The specified TLS cipher policy is being used.|400');
    await settle('running');
    assert.equal(await err('DeleteTLSCipherPolicy', { TLSCipherPolicyId: tlsId }), 'TLSPolicyBeingUsed|The specified TLS cipher policy is being used.|400');
    await call('StopLoadBalancerListener', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, ListenerProtocol: 'https' });
    await settle('stopped');
    await call('DeleteLoadBalancerListener', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, ListenerProtocol: 'https' });
    await call('DeleteServerCertificate', { ServerCertificateId: certId });
    await call('DeleteServerCertificate', { ServerCertificateId: sniId });
    await call('DeleteCACertificate', { CACertificateId: caId });
    await call('DeleteAccessControlList', { AclId: aclId });
    await call('DeleteTLSCipherPolicy', { TLSCipherPolicyId: tlsId });
    assert.deepEqual((await call('DescribeServerCertificates', {}))['ServerCertificates'], { ServerCertificate: [] });
  });
});
