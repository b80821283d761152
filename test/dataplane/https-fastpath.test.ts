// HTTP/1.1 over TLS on the fast path (issue 11): HTTPS listeners serve HTTP/1.1 connections (ALPN
// http/1.1 or none) with the plain-HTTP fast path (src/dataplane/http/fast.ts), hand over to the
// general path mid-connection like HTTP listeners do, keep HTTP/2 on node:http2, and resume TLS
// sessions (tickets) — also after a certificate change or an EnableHttp2 flip.
// Which path answered: the backend sets `X-CaSe: 1`; the fast path copies the head as sent, the
// general path (undici → node:http) sends header names in lower case.
// LB address 127.0.0.178, backends 127.0.0.179+.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { httpsHandler, HttpsListenerRuntime } from '../../src/dataplane/https/listener.js';
import type { ProtocolHandler } from '../../src/dataplane/handler.js';
import type { BackendServerSnapshot, HttpsListenerSnapshot, Snapshot } from '../../src/dataplane/snapshot.js';
import { createCA, issueLeaf, type Issued } from '../../src/util/pki.js';
import { issueEcLeaf } from '../../src/util/pki-ec.js';
import { freePort, snapshot, waitFor } from './helpers.js';
import { httpsListener } from './http-fixtures.js';

const LB = '127.0.0.178';
const NAME = 'app.example.com';
const T = { timeout: 30_000 };
const planes: DataPlane[] = [];
const closers: (() => Promise<void> | void)[] = [];
let ca: Issued, rsa: Issued, ecc: Issued, rsa2: Issued;
let backend: { member: BackendServerSnapshot; conns: () => number };

before(async () => {
  ca = createCA('Fast CA');
  rsa = issueLeaf(ca, [NAME]);
  rsa2 = issueLeaf(ca, [NAME]);
  ecc = issueEcLeaf(ca, [NAME]);
  let conns = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/big') return res.end(Buffer.alloc(5 * 1024 * 1024, 97));
      res.setHeader('X-CaSe', '1');
      res.setHeader('content-type', 'application/json');
      const json = JSON.stringify({ url: req.url, headers: req.headers, body, pad: req.url === '/json-big' ? 'x'.repeat(4096) : '' });
      res.end(json);
    });
  });
  server.on('connection', () => conns++);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.179', () => r()));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  backend = { member: { serverId: 'b', ip: '127.0.0.179', port: (server.address() as net.AddressInfo).port, weight: 100, type: 'ecs' }, conns: () => conns };
});
after(async () => {
  for (const p of planes) p.destroy();
  for (const c of closers) await c();
});

function tlsSnapshot(l: HttpsListenerSnapshot, cert: Issued = rsa): Snapshot {
  const s = snapshot({ address: LB, listeners: [l], servers: [backend.member] });
  return { ...s, serverCertificates: { 'cert-a': { serverCertificateId: 'cert-a', certificate: cert.certPem, privateKey: cert.keyPem } } };
}

/** the HTTPS handler with the fast path off (what OPENSLB_HTTP_FASTPATH=0 does) */
const generalOnly: ProtocolHandler = {
  protocol: 'https',
  create: (ctx) => {
    const r = new HttpsListenerRuntime(ctx);
    r.useFastPath = false;
    return r;
  },
};

async function listener(over: Partial<HttpsListenerSnapshot> = {}, cert: Issued = rsa, handler = httpsHandler): Promise<{ dp: DataPlane; port: number }> {
  const port = await freePort(LB);
  const dp = new DataPlane({ handlers: [handler] });
  planes.push(dp);
  const fw = { xForwardedFor: true, xForwardedProto: true, slbIp: false, slbId: false, xForwardedPort: true, xForwardedClientSrcPort: false };
  await dp.apply(tlsSnapshot(httpsListener(port, { forwardedHeaders: fw, ...over }), cert));
  return { dp, port };
}

/** A raw TLS connection: write `text`, collect until `until(data)`. */
async function rawTls(port: number, text: string, until: (d: string) => boolean, o: tls.ConnectionOptions = {}): Promise<{ data: string; socket: tls.TLSSocket }> {
  const socket = tls.connect({ host: LB, port, servername: NAME, ca: ca.certPem, ...o });
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
  socket.on('error', () => {});
  await new Promise((r) => socket.once('secureConnect', r));
  socket.write(text);
  await waitFor(() => until(data), 10_000, `response to ${JSON.stringify(text.slice(0, 40))}`);
  return { data, socket };
}

const fastMarks = (d: string) => d.match(/\r\nX-CaSe: 1\r\n/g)?.length ?? 0;
const generalMarks = (d: string) => d.match(/\r\nx-case: 1\r\n/g)?.length ?? 0;

test('HTTP/1.1 over TLS takes the fast path: pipelined requests in order, forwarded headers, one backend connection', T, async () => {
  const { dp, port } = await listener();
  const before = backend.conns();
  const text = 'GET /one HTTP/1.1\r\nHost: app.example.com\r\n\r\nGET /two HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-Proto: spoofed\r\n\r\nGET /three HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n';
  const { data, socket } = await rawTls(port, text, (d) => d.includes('"/three"'));
  assert.equal(fastMarks(data), 3, data);
  assert.ok(data.indexOf('"/one"') < data.indexOf('"/two"') && data.indexOf('"/two"') < data.indexOf('"/three"'));
  const bodies = data.split('\r\n\r\n').filter((b) => b.startsWith('{')).map((b) => JSON.parse(b.slice(0, b.lastIndexOf('}') + 1)) as { headers: Record<string, string> });
  for (const b of bodies) {
    assert.equal(b.headers['x-forwarded-proto'], 'https');
    assert.equal(b.headers['x-forwarded-port'], String(port));
    assert.equal(b.headers['x-forwarded-for'], '127.0.0.1');
  }
  await new Promise<void>((r) => (socket.destroyed ? r() : socket.once('close', () => r())));
  assert.equal(backend.conns() - before, 1, 'one kept-alive backend connection');
  const c = dp.counters.read(`lb-test_https_${port}`)!;
  assert.equal(c.requests, 3);
  assert.equal(c.status['2xx'], 3);
});

test('fast path over TLS: a 5 MiB response, then a hand-over to the general path for gzip on the same connection', T, async () => {
  const { dp, port } = await listener({ gzip: true });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.certPem, servername: NAME });
  const get = (path: string, headers: http.OutgoingHttpHeaders = {}) =>
    new Promise<{ headers: http.IncomingHttpHeaders; raw: Buffer }>((resolve, reject) => {
      const req = https.request({ host: LB, port, path, agent, headers: { host: NAME, ...headers } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ headers: res.headers, raw: Buffer.concat(parts) }));
      });
      req.on('error', reject);
      req.end();
    });
  const big = await get('/big');
  assert.equal(big.raw.length, 5 * 1024 * 1024);
  const first = await get('/first');
  assert.equal(first.headers['x-case'], '1');
  const gz = await get('/json-big', { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal((JSON.parse(zlib.gunzipSync(gz.raw).toString()) as { url: string }).url, '/json-big');
  assert.equal((JSON.parse((await get('/after')).raw.toString()) as { url: string }).url, '/after');
  const c = dp.counters.read(`lb-test_https_${port}`)!;
  assert.equal(c.newConnections, 1);
  assert.equal(c.requests, 4);
  agent.destroy();
});

test('EnableHttp2 on: ALPN h2 gets HTTP/2 (node:http2), ALPN http/1.1 and no ALPN get the fast path', T, async () => {
  const { port } = await listener({ enableHttp2: true });
  const session = http2.connect(`https://${LB}:${port}`, { ca: ca.certPem, servername: NAME });
  session.on('error', () => {});
  const h2 = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const st = session.request({ ':path': '/h2', ':authority': NAME });
    let status = 0;
    let body = '';
    st.on('response', (h) => (status = Number(h[':status'])));
    st.on('data', (d) => (body += d));
    st.on('end', () => resolve({ status, body }));
    st.on('error', reject);
    st.end();
  });
  assert.equal(h2.status, 200);
  assert.equal((JSON.parse(h2.body) as { headers: Record<string, string> }).headers['x-forwarded-proto'], 'https');
  assert.equal(session.alpnProtocol, 'h2');
  session.close();
  const req = 'GET /h1 HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n';
  for (const ALPNProtocols of [['http/1.1'], undefined]) {
    const { data, socket } = await rawTls(port, req, (d) => d.includes('"/h1"'), ALPNProtocols ? { ALPNProtocols } : {});
    assert.equal(socket.alpnProtocol, ALPNProtocols ? 'http/1.1' : false);
    assert.equal(fastMarks(data), 1, data);
    socket.destroy();
  }
});

test('with the fast path off (OPENSLB_HTTP_FASTPATH=0) HTTP/1.1 over TLS takes the general path', T, async () => {
  const { port } = await listener({}, rsa, generalOnly);
  const { data, socket } = await rawTls(port, 'GET /g HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n', (d) => d.includes('"/g"'));
  assert.equal(generalMarks(data), 1, data);
  socket.destroy();
});

/** Two handshakes, the second offering the first's session; whether the second resumed. */
async function resumes(port: number, o: tls.ConnectionOptions, between?: () => Promise<void>): Promise<boolean> {
  const connect = (session?: Buffer) =>
    new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
      let got: Buffer | undefined;
      let reused = false;
      const s = tls.connect({ host: LB, port, servername: NAME, ca: ca.certPem, ...o, ...(session ? { session } : {}) }, () => {
        reused = s.isSessionReused();
        s.write('GET /s HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n');
      });
      s.on('session', (b: Buffer) => (got = b));
      s.on('data', () => {});
      s.on('error', reject);
      s.on('close', () => resolve({ reused, session: got }));
    });
  const first = await connect();
  assert.ok(first.session, 'the server issued a session ticket');
  assert.equal(first.reused, false);
  await between?.();
  return (await connect(first.session)).reused;
}

test('TLS session resumption (tickets) for TLS 1.2 and 1.3, RSA and ECC, across a certificate change and an EnableHttp2 flip', T, async () => {
  for (const cert of [rsa, ecc]) {
    const { dp, port } = await listener({ tlsCipherPolicy: 'tls_cipher_policy_1_2_strict_with_1_3' }, cert);
    assert.equal(await resumes(port, { maxVersion: 'TLSv1.2' }), true, 'TLS 1.2');
    assert.equal(await resumes(port, {}), true, 'TLS 1.3');
    const l = (over: Partial<HttpsListenerSnapshot>) =>
      httpsListener(port, { tlsCipherPolicy: 'tls_cipher_policy_1_2_strict_with_1_3', forwardedHeaders: { xForwardedFor: true, xForwardedProto: true, slbIp: false, slbId: false, xForwardedPort: true, xForwardedClientSrcPort: false }, ...over });
    // a ticket issued before a certificate change still resumes (same listener key)
    assert.equal(await resumes(port, { maxVersion: 'TLSv1.2' }, () => dp.apply(tlsSnapshot(l({}), cert === rsa ? rsa2 : cert)).then(() => {})), true, 'after a certificate change');
    assert.equal(await resumes(port, {}, () => dp.apply(tlsSnapshot(l({ enableHttp2: true }), cert)).then(() => {})), true, 'after EnableHttp2 on');
  }
});

test('a domain extension added to a running listener (and removed again) applies to new handshakes', T, async () => {
  const { dp, port } = await listener();
  const shop = issueEcLeaf(ca, ['shop.example.org']);
  const subject = (servername: string) =>
    new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: LB, port, servername, ca: ca.certPem, checkServerIdentity: () => undefined }, () => {
        resolve(String(s.getPeerCertificate().subject?.CN));
        s.destroy();
      });
      s.on('error', reject);
    });
  assert.equal(await subject('shop.example.org'), NAME);
  const withExt = (exts: HttpsListenerSnapshot['domainExtensions']) => {
    const s = tlsSnapshot(httpsListener(port, { domainExtensions: exts }));
    return { ...s, serverCertificates: { ...s.serverCertificates, 'cert-shop': { serverCertificateId: 'cert-shop', certificate: shop.certPem, privateKey: shop.keyPem } } };
  };
  await dp.apply(withExt([{ domainExtensionId: 'de-1', domain: 'shop.example.org', serverCertificateId: 'cert-shop' }]));
  assert.equal(await subject('shop.example.org'), 'shop.example.org');
  assert.equal(await subject(NAME), NAME);
  await dp.apply(withExt([]));
  assert.equal(await subject('shop.example.org'), NAME);
});

test('domain extensions with the other key type (RSA listener + ECC extension, ECC listener + RSA extension) serve their own certificate, TLS 1.2 and 1.3', T, async () => {
  for (const [def, extCert] of [
    [rsa, issueEcLeaf(ca, ['shop.example.org'])],
    [ecc, issueLeaf(ca, ['shop.example.org'])],
  ] as const) {
    const port = await freePort(LB);
    const dp = new DataPlane({ handlers: [httpsHandler] });
    planes.push(dp);
    const s = tlsSnapshot(httpsListener(port, { tlsCipherPolicy: 'tls_cipher_policy_1_2_strict_with_1_3', domainExtensions: [{ domainExtensionId: 'de-1', domain: 'shop.example.org', serverCertificateId: 'cert-shop' }] }), def);
    await dp.apply({ ...s, serverCertificates: { ...s.serverCertificates, 'cert-shop': { serverCertificateId: 'cert-shop', certificate: extCert.certPem, privateKey: extCert.keyPem } } });
    for (const maxVersion of ['TLSv1.2', 'TLSv1.3'] as const) {
      for (const [servername, cn] of [
        ['shop.example.org', 'shop.example.org'],
        [NAME, NAME],
      ]) {
        const got = await new Promise<string>((resolve, reject) => {
          const c = tls.connect({ host: LB, port, servername, ca: ca.certPem, maxVersion }, () => {
            resolve(String(c.getPeerCertificate().subject?.CN));
            c.destroy();
          });
          c.on('error', reject);
        });
        assert.equal(got, cn, `${def === rsa ? 'RSA' : 'ECC'} listener, ${servername}, ${maxVersion}`);
      }
    }
  }
});
