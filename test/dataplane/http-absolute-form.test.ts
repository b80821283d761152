// Absolute-form request targets (`GET http://host:port/path HTTP/1.1`, RFC 9112 §3.2.2) on an
// HTTP listener, fast path and general path: routed by the target's authority as the Host (it
// wins over a Host header), forwarded in origin form with `Host: <authority>`.
// HTTPS (HTTP/1.1 over TLS) runs the same general-path code: checked too, with the 505 for an
// HTTP/1 request line announcing HTTP/2.0 (that request used to take the process down).
// LB 127.0.0.185, backends .186 (listener default) and .187 (rule on example.com).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { httpHandler, type HttpListenerRuntime } from '../../src/dataplane/http/listener.js';
import { httpsHandler } from '../../src/dataplane/https/listener.js';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { freePort, snapshot, waitFor } from './helpers.js';
import { HttpBackend, httpListener, httpsListener, type Echo } from './http-fixtures.js';

const LB = '127.0.0.185';
const closers: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

/** One raw request on its own connection (TLS when `ca` is given); the status and (for 200) the backend's echo. */
async function send(port: number, text: string, ca?: string): Promise<{ status: number; echo?: Echo }> {
  const s = ca ? tls.connect({ host: LB, port, servername: 'app.example.com', ca }) : net.connect(port, LB);
  let data = '';
  s.on('data', (d: Buffer) => (data += d.toString('latin1')));
  s.on('error', () => {});
  let closed = false;
  s.on('close', () => (closed = true));
  await new Promise((r) => s.once(ca ? 'secureConnect' : 'connect', r));
  s.write(Buffer.from(text, 'latin1'));
  const complete = () => {
    const end = data.indexOf('\r\n\r\n');
    if (closed) return true; // (node's own 400 for an unparseable head has no Content-Length)
    if (end < 0) return false;
    const cl = /\r\ncontent-length: *(\d+)/i.exec(data.slice(0, end));
    return cl !== null && data.length >= end + 4 + Number(cl[1]);
  };
  await waitFor(complete, 10_000, `answer to ${JSON.stringify(text.slice(0, 50))}`);
  s.destroy();
  const status = Number(data.slice(9, 12));
  const body = data.slice(data.indexOf('\r\n\r\n') + 4);
  return { status, echo: status === 200 ? (JSON.parse(body) as Echo) : undefined };
}

test('absolute-form targets are routed by their authority and forwarded in origin form, on both paths', { timeout: 30_000 }, async () => {
  const a = await new HttpBackend('127.0.0.186', 'a').start();
  const b = await new HttpBackend('127.0.0.187', 'b').start();
  closers.push(() => a.stop(), () => b.stop());
  const fastPort = await freePort(LB);
  const generalPort = await freePort(LB);
  const groups = { 'rsp-b': { serverGroupId: 'rsp-b', kind: 'vserver' as const, servers: [b.member()] } };
  const rules = [{ ruleId: 'r-b', ruleName: 'b', domain: 'example.com', url: null, serverGroupId: 'rsp-b', override: null }];
  const dp = new DataPlane({ handlers: [httpHandler] });
  closers.push(() => dp.destroy());
  const l = (port: number) => httpListener(port, { rules, gzip: false });
  await dp.apply(snapshot({ address: LB, listeners: [l(fastPort), l(generalPort)], servers: [a.member()], groups }));
  (dp.runtime(`lb-test_http_${generalPort}`) as HttpListenerRuntime).useFastPath = false;

  for (const [path, port] of [
    ['fast', fastPort],
    ['general', generalPort],
  ] as const) {
    const at = `on the ${path} path`;
    // authority wins over a conflicting Host header; the backend gets the origin form and Host = authority
    let r = await send(port, 'GET http://example.com:8080/path?q HTTP/1.1\r\nX-First: 1\r\nHost: other.test\r\n\r\n');
    assert.equal(r.status, 200, at);
    assert.equal(r.echo!.name, 'b', `routed by the authority ${at}`);
    assert.equal(r.echo!.url, '/path?q', at);
    assert.equal(r.echo!.headers.host, 'example.com:8080', at);
    assert.equal(r.echo!.headers['x-first'], '1', at);
    // which path served it: undici (general path) adds `connection: keep-alive`, the fast path adds no Connection header
    assert.equal(r.echo!.headers.connection !== undefined, path === 'general', `served by the ${path} path`);
    // and the other way round: the authority sends it away from the domain a Host header names
    r = await send(port, 'GET http://other.test/x HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.equal(r.echo!.name, 'a', at);
    assert.equal(r.echo!.headers.host, 'other.test', at);
    // scheme and host case-insensitive; no path → "/"; query only → "/?..."
    r = await send(port, 'GET HTTP://EXAMPLE.com HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.equal(r.echo!.name, 'b', at);
    assert.equal(r.echo!.url, '/', at);
    r = await send(port, 'GET http://example.com?x=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(r.echo!.url, '/?x=1', at);
    // a body goes along
    r = await send(port, 'POST http://example.com/up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    assert.equal(r.echo!.name, 'b', at);
    assert.equal(r.echo!.body, 'hello', at);
    // origin form still routes by Host
    r = await send(port, 'GET /plain HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.equal(r.echo!.name, 'b', at);
    // userinfo, other schemes, an empty authority: 400, never forwarded
    const before = a.requests + b.requests;
    for (const bad of ['http://user@example.com/', 'ftp://example.com/', 'http:///p', 'example.com:80', '*']) {
      r = await send(port, `GET ${bad} HTTP/1.1\r\nHost: example.com\r\n\r\n`);
      assert.equal(r.status, 400, `${bad} ${at}`);
    }
    assert.equal(a.requests + b.requests, before, `nothing forwarded ${at}`);
  }
});

test('HTTPS: absolute form routed by its authority; HTTP/2.0 on an HTTP/1 connection answered 505', { timeout: 30_000 }, async () => {
  const a = await new HttpBackend('127.0.0.186', 'a').start();
  const b = await new HttpBackend('127.0.0.187', 'b').start();
  closers.push(() => a.stop(), () => b.stop());
  const ca = createCA('Absolute-form CA');
  const leaf = issueLeaf(ca, ['app.example.com']);
  const port = await freePort(LB);
  const groups = { 'rsp-b': { serverGroupId: 'rsp-b', kind: 'vserver' as const, servers: [b.member()] } };
  const rules = [{ ruleId: 'r-b', ruleName: 'b', domain: 'example.com', url: null, serverGroupId: 'rsp-b', override: null }];
  const dp = new DataPlane({ handlers: [httpHandler, httpsHandler] });
  closers.push(() => dp.destroy());
  const s = snapshot({ address: LB, listeners: [httpsListener(port, { rules, gzip: false })], servers: [a.member()], groups });
  await dp.apply({ ...s, serverCertificates: { 'cert-a': { serverCertificateId: 'cert-a', certificate: leaf.certPem, privateKey: leaf.keyPem } } });
  let r = await send(port, 'GET https://example.com/secure?x HTTP/1.1\r\nHost: app.example.com\r\n\r\n', ca.certPem);
  assert.equal(r.echo!.name, 'b');
  assert.equal(r.echo!.url, '/secure?x');
  assert.equal(r.echo!.headers.host, 'example.com');
  r = await send(port, 'GET / HTTP/2.0\r\nHost: app.example.com\r\n\r\n', ca.certPem);
  assert.equal(r.status, 505);
  // and the listener still serves
  r = await send(port, 'GET /after HTTP/1.1\r\nHost: app.example.com\r\n\r\n', ca.certPem);
  assert.equal(r.echo!.url, '/after');
});
