// Issue 11: an ECDSA certificate uploaded through the API (pop-core UploadServerCertificate) is
// reported as ECC and serves HTTPS under a built-in policy whose CLB table names RSA suites only
// (the listener offers their ECDSA counterparts), and under the TLS 1.3 policy.
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { createCA } from '../../src/util/pki.js';
import { issueEcLeaf } from '../../src/util/pki-ec.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort, HttpBackend, IPS, listenerStatus, REGION, registerInstances, waitFor } from './helpers.js';

let s: TestServer;
let instances: string[];

before(async () => {
  s = await startTestServer({ dataPlane: true });
  instances = await registerInstances(s, 'ecc');
});
after(async () => {
  await s?.stop();
});

function handshake(host: string, port: number, ca: string, o: tls.ConnectionOptions = {}): Promise<{ protocol: string | null; cipher: string; body: string }> {
  return new Promise((resolve, reject) => {
    const c = tls.connect({ host, port, servername: 'ecc.example.com', ca, ...o }, () => c.write('GET / HTTP/1.1\r\nHost: ecc.example.com\r\nConnection: close\r\n\r\n'));
    let got = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (got += d));
    c.on('end', () => resolve({ protocol: c.getProtocol(), cipher: c.getCipher().name, body: got.slice(got.indexOf('\r\n\r\n') + 4) }));
    c.on('error', reject);
    c.setTimeout(10_000, () => c.destroy(new Error('client timeout')));
  });
}

test('an ECC (P-256) certificate uploaded through the API serves HTTPS under tls_cipher_policy_1_2_strict and the TLS 1.3 policy', async () => {
  const a = await new HttpBackend(IPS[0], 'ecc').start();
  try {
    const ca = createCA('e2e ECC CA');
    const leaf = issueEcLeaf(ca, ['ecc.example.com']);
    const up = (await s.call('UploadServerCertificate', { RegionId: REGION, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'ecc' }, { method: 'POST' })) as {
      ServerCertificateId: string;
    };
    const d = (await s.call('DescribeServerCertificates', { RegionId: REGION, ServerCertificateId: up.ServerCertificateId })) as {
      ServerCertificates: { ServerCertificate: { EncryptionAlgorithm: string; EncryptionKeyLength: number }[] };
    };
    const info = d.ServerCertificates.ServerCertificate[0]!;
    assert.deepEqual([info.EncryptionAlgorithm, info.EncryptionKeyLength], ['ECC', 256]);
    const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'e2e-ecc' })) as { LoadBalancerId: string; Address: string };
    const g = (await s.call('CreateVServerGroup', {
      RegionId: REGION,
      LoadBalancerId: lb.LoadBalancerId,
      VServerGroupName: 'ecc',
      BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }]),
    })) as { VServerGroupId: string };
    const port = await freePort(lb.Address);
    const R = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port };
    await s.call('CreateLoadBalancerHTTPSListener', {
      ...R,
      VServerGroupId: g.VServerGroupId,
      Bandwidth: -1,
      StickySession: 'off',
      HealthCheck: 'off',
      ServerCertificateId: up.ServerCertificateId,
      TLSCipherPolicy: 'tls_cipher_policy_1_2_strict',
    });
    await s.call('StartLoadBalancerListener', { ...R, ListenerProtocol: 'https' });
    await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, 'https')) === 'running', 10_000, 'https running');
    const h = await handshake(lb.Address, port, ca.certPem);
    assert.equal(h.body, 'ecc');
    assert.equal(h.protocol, 'TLSv1.2');
    assert.match(h.cipher, /^ECDHE-ECDSA-AES(128|256)-/);
    await s.call('SetLoadBalancerHTTPSListenerAttribute', { ...R, TLSCipherPolicy: 'tls_cipher_policy_1_2_strict_with_1_3', Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' });
    await waitFor(async () => (await handshake(lb.Address, port, ca.certPem).catch(() => null))?.protocol === 'TLSv1.3', 10_000, 'TLS 1.3 after the policy change');
    const h12 = await handshake(lb.Address, port, ca.certPem, { maxVersion: 'TLSv1.2' });
    assert.match(h12.cipher, /^ECDHE-ECDSA-/);
    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId });
  } finally {
    await a.stop();
  }
});
