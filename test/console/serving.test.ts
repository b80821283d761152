// The console's static files on the API address: redirect, content types, the CSP and nosniff on
// every answer, plain 404s for unknown names and traversal attempts, and the API at `/` unchanged.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { CONSOLE_CSP } from '../../src/control/console-route.js';
import { send } from '../helpers/signer.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer({ tlsListen: { host: '127.0.0.1', port: 0 } });
});
after(async () => {
  await s?.stop();
});

const get = (path: string) => send(s.url, { method: 'GET', path });

test('/console redirects to /console/, which is the page with its module script and no inline code', async () => {
  const r = await get('/console');
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, '/console/');
  const page = await get('/console/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.equal(page.headers['content-security-policy'], CONSOLE_CSP);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.match(page.text, /<script type="module" src="js\/main\.js"><\/script>/);
  assert.doesNotMatch(page.text, /<script>|<style|\sstyle=|\son[a-z]+=/i, 'no inline script, style or handler');
});

test('scripts and styles have their content types; every built module is served', async () => {
  const js = await get('/console/js/main.js');
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.equal(js.headers['content-security-policy'], CONSOLE_CSP);
  const css = await get('/console/console.css');
  assert.match(String(css.headers['content-type']), /^text\/css/);
  for (const f of readdirSync(new URL('../../console/dist/pages/', import.meta.url))) {
    assert.equal((await get(`/console/js/pages/${f}`)).status, 200, f);
  }
});

test('unknown names and traversal attempts are 404s and never reach another file', async () => {
  for (const p of ['/console/nope.js', '/console/tsconfig.json', '/console/src/main.ts', '/console/js/', '/console/..%5c..%5cpackage.json', '/console/js/%2e%2e%2f%2e%2e%2fsrc%2fserver.ts']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.equal(r.text, 'Not Found\n', p);
    assert.equal(r.headers['content-security-policy'], CONSOLE_CSP, p);
  }
  // paths that leave /console/ once the router normalizes them are no console paths at all: the
  // API's not-found envelope
  for (const p of ['/console/js/../../package.json', '/console/%2e%2e/package.json', '/console/%2e%2e/%2e%2e/src/server.ts']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.equal(r.json?.['Code'], 'InvalidAction.NotFound', p);
  }
});

test('the API envelope at / and at other paths is unchanged', async () => {
  const r = await get('/');
  assert.equal(r.status, 400);
  assert.equal(r.json?.['Code'], 'MissingParameter');
  const other = await send(s.url, { method: 'POST', path: '/console/x' });
  assert.equal(other.json?.['Code'], 'InvalidAction.NotFound');
});

/** GET over the HTTPS API address, trusting the server's CA. */
async function tlsGet(path: string, headers: Record<string, string> = {}): Promise<{ status?: number; headers: Record<string, unknown>; text: string }> {
  const { request } = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const u = new URL(path, s.tlsUrl);
  return new Promise((resolve, reject) => {
    request({ host: u.hostname, port: u.port, path: u.pathname, headers, ca: readFileSync(s.caFile!), servername: 'localhost' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    })
      .on('error', reject)
      .end();
  });
}

test('the HTTPS API address serves the console too', async () => {
  const r = await tlsGet('/console/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-security-policy'], CONSOLE_CSP);
});

test('the HTTPS API address carries /metrics and the operator API for the console (same token rule)', async () => {
  const metrics = await tlsGet('/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /^# HELP openslb_/m);
  assert.equal((await tlsGet('/_openslb/dataplane')).status, 401);
  const dp = await tlsGet('/_openslb/dataplane', { authorization: `Bearer ${s.operatorToken}` });
  assert.equal(dp.status, 200);
  assert.equal(typeof JSON.parse(dp.text).Enabled, 'boolean');
});
