// HTTPS listeners with real sockets on loopback: certificates generated here (src/util/pki.ts).
// LB address 127.0.0.150, backends 127.0.0.151+.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import http2 from 'node:http2';
import tls from 'node:tls';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { httpHandler } from '../../src/dataplane/http/listener.js';
import { httpsHandler } from '../../src/dataplane/https/listener.js';
import { policyOptions } from '../../src/dataplane/https/tls.js';
import type { HttpsListenerSnapshot, Snapshot } from '../../src/dataplane/snapshot.js';
import { createCA, issueLeaf, type Issued } from '../../src/util/pki.js';
import { freePort, snapshot, waitFor } from './helpers.js';
import { HttpBackend, httpsListener, type Echo } from './http-fixtures.js';

const LB = '127.0.0.150';
const T = { timeout: 30_000 };
const planes: DataPlane[] = [];
const backends: HttpBackend[] = [];
let ca: Issued, caB: Issued, leaf: Issued, leaf2: Issued, ext: Issued, clientCa: Issued, client: Issued, strangerCert: Issued;
let backend: HttpBackend;

before(async () => {
  ca = createCA('Test CA');
  caB = createCA('Second CA');
  leaf = issueLeaf(ca, ['app.example.com']);
  leaf2 = issueLeaf(caB, ['app.example.com']);
  ext = issueLeaf(ca, ['*.ext.example.com']);
  clientCa = createCA('Client CA');
  client = issueLeaf(clientCa, ['client-1'], { client: true });
  strangerCert = issueLeaf(createCA('Stranger CA'), ['client-2'], { client: true });
  backend = await new HttpBackend('127.0.0.151', 'a').start();
  backends.push(backend);
});
after(async () => {
  for (const p of planes) p.destroy();
  for (const b of backends) await b.stop().catch(() => {});
});

function plane() {
  const p = new DataPlane({ handlers: [httpHandler, httpsHandler] });
  planes.push(p);
  return p;
}

function tlsSnapshot(l: HttpsListenerSnapshot, certs: Record<string, Issued> = { 'cert-a': leaf, 'cert-ext': ext }): Snapshot {
  const s = snapshot({ address: LB, listeners: [l], servers: [backend.member()] });
  return {
    ...s,
    serverCertificates: Object.fromEntries(Object.entries(certs).map(([id, c]) => [id, { serverCertificateId: id, certificate: c.certPem, privateKey: c.keyPem }])),
    caCertificates: { 'ca-client': { caCertificateId: 'ca-client', certificate: clientCa.certPem } },
  };
}

interface TlsGot {
  status: number;
  echo?: Echo;
  subject: string;
  protocol: string | null;
  cipher: string;
}

function hget(port: number, o: { servername?: string; ca?: string | string[]; cert?: Issued; agent?: https.Agent; tls?: tls.ConnectionOptions; path?: string } = {}): Promise<TlsGot> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: LB,
        port,
        path: o.path ?? '/',
        servername: o.servername ?? 'app.example.com',
        headers: { host: o.servername ?? 'app.example.com' },
        ca: o.ca ?? [ca.certPem, caB.certPem],
        ...(o.cert ? { cert: o.cert.certPem, key: o.cert.keyPem } : {}),
        agent: o.agent ?? false,
        ...o.tls,
      },
      (res) => {
        const sock = res.socket as tls.TLSSocket;
        const peer = sock.getPeerCertificate();
        const meta = { subject: String(peer.subject?.CN), protocol: sock.getProtocol(), cipher: sock.getCipher().name };
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => {
          let echo: Echo | undefined;
          try {
            echo = JSON.parse(body) as Echo;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, echo, ...meta });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS: default certificate, backend gets plain HTTP with X-Forwarded-Proto https', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  const fw = { xForwardedFor: true, xForwardedProto: true, slbIp: false, slbId: false, xForwardedPort: true, xForwardedClientSrcPort: false };
  await dp.apply(tlsSnapshot(httpsListener(port, { forwardedHeaders: fw })));
  const r = await hget(port);
  assert.equal(r.status, 200);
  assert.equal(r.subject, 'app.example.com');
  assert.equal(r.echo!.headers['x-forwarded-proto'], 'https');
  assert.equal(r.echo!.headers['x-forwarded-port'], String(port));
  assert.equal(r.echo!.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(dp.counters.read(`lb-test_https_${port}`)!.status['2xx'], 1);
});

test('SNI: domain extensions (exact and wildcard) pick their certificate; unknown names get the default', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  const exact = issueLeaf(ca, ['shop.example.org']);
  const l = httpsListener(port, {
    domainExtensions: [
      { domainExtensionId: 'de-1', domain: '*.ext.example.com', serverCertificateId: 'cert-ext' },
      { domainExtensionId: 'de-2', domain: 'shop.example.org', serverCertificateId: 'cert-shop' },
    ],
  });
  await dp.apply(tlsSnapshot(l, { 'cert-a': leaf, 'cert-ext': ext, 'cert-shop': exact }));
  assert.equal((await hget(port, { servername: 'a.ext.example.com' })).subject, '*.ext.example.com');
  assert.equal((await hget(port, { servername: 'shop.example.org' })).subject, 'shop.example.org');
  assert.equal((await hget(port, { servername: 'app.example.com' })).subject, 'app.example.com');
});

test('mutual TLS: a client certificate from the CA is required; none or a stranger’s fails the handshake', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(tlsSnapshot(httpsListener(port, { caCertificateId: 'ca-client' })));
  assert.equal((await hget(port, { cert: client })).status, 200);
  await assert.rejects(hget(port), /certificate|ECONNRESET|socket hang up|alert|disconnected/i);
  await assert.rejects(hget(port, { cert: strangerCert }), /certificate|ECONNRESET|socket hang up|alert|unknown ca|disconnected/i);
  // CA removed → one-way TLS again for new handshakes
  await dp.apply(tlsSnapshot(httpsListener(port)));
  assert.equal((await hget(port)).status, 200);
});

test('TLS cipher policies: versions and suites as Node allows', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(tlsSnapshot(httpsListener(port, { tlsCipherPolicy: 'tls_cipher_policy_1_2_strict' })));
  const ok = await hget(port, { tls: { maxVersion: 'TLSv1.2' } });
  assert.equal(ok.protocol, 'TLSv1.2');
  assert.match(ok.cipher, /^ECDHE-RSA-/);
  await assert.rejects(hget(port, { tls: { minVersion: 'TLSv1.3' } }), /version|alert|ECONNRESET|hang up/i);
  await assert.rejects(hget(port, { tls: { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' } }), /handshake|alert|ECONNRESET|hang up|cipher/i);
  // 1_0 allows TLS 1.0 (OpenSSL needs security level 0 on both ends for it)
  await dp.apply(tlsSnapshot(httpsListener(port, { tlsCipherPolicy: 'tls_cipher_policy_1_0' })));
  const old = await hget(port, { tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'AES128-SHA:@SECLEVEL=0' } });
  assert.equal(old.protocol, 'TLSv1');
  // with 1.3
  await dp.apply(tlsSnapshot(httpsListener(port, { tlsCipherPolicy: 'tls_cipher_policy_1_2_strict_with_1_3' })));
  assert.equal((await hget(port)).protocol, 'TLSv1.3');
  // mapping facts
  const p10 = policyOptions('tls_cipher_policy_1_0');
  assert.deepEqual(p10.dropped, ['DES-CBC3-SHA']);
  assert.equal(p10.minVersion, 'TLSv1');
  assert.match(p10.ciphers!, /@SECLEVEL=0$/);
  const custom = policyOptions('tls-cp-x', { tlsCipherPolicyId: 'tls-cp-x', tlsVersions: ['TLSv1.2', 'TLSv1.3'], ciphers: ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256', 'NOT-A-CIPHER'] });
  assert.deepEqual([custom.minVersion, custom.maxVersion, custom.dropped], ['TLSv1.2', 'TLSv1.3', ['NOT-A-CIPHER']]);
});

test('HTTP/2 via ALPN when EnableHttp2 is on (HTTP/1.1 still served); off → HTTP/1.1 only', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(tlsSnapshot(httpsListener(port, { enableHttp2: true })));
  const session = http2.connect(`https://${LB}:${port}`, { ca: ca.certPem, servername: 'app.example.com' });
  session.on('error', () => {});
  const body = await new Promise<string>((resolve, reject) => {
    const st = session.request({ ':path': '/h2?x=1', ':authority': 'app.example.com' });
    let b = '';
    st.on('response', (h) => assert.equal(h[':status'], 200));
    st.on('data', (d) => (b += d));
    st.on('end', () => resolve(b));
    st.on('error', reject);
    st.end();
  });
  const echo = JSON.parse(body) as Echo;
  assert.equal(echo.url, '/h2?x=1');
  assert.equal(echo.headers.host, 'app.example.com');
  assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(session.alpnProtocol, 'h2');
  // a POST body over HTTP/2
  const posted = await new Promise<string>((resolve, reject) => {
    const st = session.request({ ':path': '/p', ':method': 'POST', 'content-type': 'text/plain' });
    let b = '';
    st.on('data', (d) => (b += d));
    st.on('end', () => resolve(b));
    st.on('error', reject);
    st.end('h2-body');
  });
  assert.equal((JSON.parse(posted) as Echo).body, 'h2-body');
  session.close();
  assert.equal((await hget(port)).status, 200, 'HTTP/1.1 fallback');
  await dp.apply(tlsSnapshot(httpsListener(port, { enableHttp2: false })));
  const alpn = await new Promise<string | false | null>((resolve, reject) => {
    const s = tls.connect({ host: LB, port, servername: 'app.example.com', ca: ca.certPem, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      resolve(s.alpnProtocol);
      s.destroy();
    });
    s.on('error', reject);
  });
  assert.notEqual(alpn, 'h2');
});

test('certificate swap: new handshakes get the new certificate, an open connection keeps going', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(tlsSnapshot(httpsListener(port)));
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  let sockets = 0;
  const first = await hget(port, { agent });
  assert.equal(first.status, 200);
  const openSocket = Object.values(agent.freeSockets)[0]![0]!;
  openSocket.on('close', () => sockets++);
  // same id, new certificate from another CA
  await dp.apply(tlsSnapshot(httpsListener(port), { 'cert-a': leaf2, 'cert-ext': ext }));
  const fresh = await hget(port, { ca: caB.certPem });
  assert.equal(fresh.status, 200);
  await assert.rejects(hget(port, { ca: ca.certPem }), /certificate|self.signed|unable to verify/i);
  // the kept-alive connection (handshake made with the old certificate) is reused and still works
  const again = await hget(port, { agent });
  assert.equal(again.status, 200);
  assert.equal(sockets, 0, 'the open connection was not dropped');
  agent.destroy();
  await waitFor(() => sockets === 1, 5000, 'socket closed by the client');
});

test('WebSocket over TLS (HTTP/1.1 upgrade) on an HTTP/2-enabled listener', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  await dp.apply(tlsSnapshot(httpsListener(port, { enableHttp2: true })));
  const s = tls.connect({ host: LB, port, servername: 'app.example.com', ca: ca.certPem, ALPNProtocols: ['http/1.1'] });
  let data = '';
  s.on('data', (d) => (data += d));
  await new Promise((r) => s.once('secureConnect', r));
  s.write('GET /ws HTTP/1.1\r\nHost: app.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await waitFor(() => data.includes('\r\n\r\n'), 5000, 'handshake');
  assert.match(data, /^HTTP\/1.1 101 /);
  s.write('hi');
  await waitFor(() => data.endsWith('a:hi'), 5000, 'echo');
  s.destroy();
});

test('ACL on HTTPS (HTTP/1.1 and HTTP/2): refused sources get 403 after the handshake', T, async () => {
  const port = await freePort(LB);
  const dp = plane();
  const s = tlsSnapshot(httpsListener(port, { enableHttp2: true, acl: { type: 'black', aclIds: ['acl-lo'] } }));
  await dp.apply({ ...s, acls: { 'acl-lo': { aclId: 'acl-lo', addressIPVersion: 'ipv4', entries: ['127.0.0.1/32'] } } });
  assert.equal((await hget(port)).status, 403);
  const session = http2.connect(`https://${LB}:${port}`, { ca: ca.certPem, servername: 'app.example.com' });
  session.on('error', () => {});
  const status = await new Promise<number>((resolve, reject) => {
    const st = session.request({ ':path': '/' });
    st.on('response', (h) => resolve(Number(h[':status'])));
    st.on('error', reject);
    st.end();
  });
  assert.equal(status, 403);
  session.close();
  assert.equal(dp.counters.read(`lb-test_https_${port}`)!.aclDenied, 2);
});

test('an unusable certificate fails that listener’s bind (reported), other listeners still bind', T, async () => {
  const [p1, p2] = [await freePort(LB), await freePort(LB)];
  const dp = plane();
  const good = tlsSnapshot(httpsListener(p1));
  const bad = httpsListener(p2, { serverCertificateId: 'cert-bad' });
  const s: Snapshot = {
    ...good,
    loadBalancers: [{ ...good.loadBalancers[0]!, listeners: [good.loadBalancers[0]!.listeners[0]!, bad] }],
    serverCertificates: { ...good.serverCertificates, 'cert-bad': { serverCertificateId: 'cert-bad', certificate: 'not a pem', privateKey: 'nope' } },
  };
  const r = await dp.apply(s);
  assert.deepEqual(r.bound, [`lb-test_https_${p1}`]);
  assert.equal(r.failed.length, 1);
  assert.equal(r.failed[0]!.listenerId, `lb-test_https_${p2}`);
  assert.equal((await hget(p1)).status, 200);
});
