// Cipher policies × certificate types through real TLS clients (issue 11): an RSA, an ECDSA P-256
// and an ECDSA P-384 certificate under every built-in policy (and a custom one). Each handshake
// must pick a suite of the policy (ECDSA suites for ECC certificates), a protocol version the
// policy allows, and a version or suite outside the policy must be refused. node:tls clients
// always; `openssl s_client` as well when it is installed.
// LB address 127.0.0.176, backend 127.0.0.177.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { httpsHandler } from '../../src/dataplane/https/listener.js';
import type { HttpsListenerSnapshot, Snapshot } from '../../src/dataplane/snapshot.js';
import { createCA, type Issued } from '../../src/util/pki.js';
import { createEcCA, issueEcLeaf } from '../../src/util/pki-ec.js';
import { issueLeaf } from '../../src/util/pki.js';
import { BUILTIN_TLS_POLICIES, BUILTIN_TLS_POLICY_NAMES, TLS13_SUITES, withEcdsaCounterparts, type TlsVersion } from '../../src/util/tls-suites.js';
import { freePort, snapshot } from './helpers.js';
import { HttpBackend, httpsListener } from './http-fixtures.js';

const LB = '127.0.0.176';
const T = { timeout: 60_000 };
const NAME = 'app.example.com';
const HAS_OPENSSL = spawnSync('sh', ['-c', 'command -v openssl']).status === 0;
const NODE_VER: Record<TlsVersion, tls.SecureVersion> = { 'TLSv1.0': 'TLSv1', 'TLSv1.1': 'TLSv1.1', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' };
const S_CLIENT_FLAG: Record<TlsVersion, string> = { 'TLSv1.0': '-tls1', 'TLSv1.1': '-tls1_1', 'TLSv1.2': '-tls1_2', 'TLSv1.3': '-tls1_3' };

type Kind = 'rsa' | 'ecc-p256' | 'ecc-p384';
const KINDS: Kind[] = ['rsa', 'ecc-p256', 'ecc-p384'];
let rsaCa: Issued, ecCa: Issued;
const certs = {} as Record<Kind, Issued>;
let backend: HttpBackend;
let dir: string;
const planes: DataPlane[] = [];

before(async () => {
  rsaCa = createCA('RSA Test CA');
  ecCa = createEcCA('EC Test CA', 'P-384');
  certs.rsa = issueLeaf(rsaCa, [NAME]);
  certs['ecc-p256'] = issueEcLeaf(rsaCa, [NAME]);
  certs['ecc-p384'] = issueEcLeaf(ecCa, [NAME], { curve: 'P-384' });
  backend = await new HttpBackend('127.0.0.177', 'a').start();
  dir = mkdtempSync(join(tmpdir(), 'openslb-ecc-'));
  writeFileSync(join(dir, 'ca.pem'), rsaCa.certPem + ecCa.certPem);
});
after(async () => {
  for (const p of planes) p.destroy();
  await backend.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

/** One plane with a listener per certificate kind, all on `policy`. */
async function listeners(policy: string, custom?: Snapshot['tlsCipherPolicies']): Promise<Record<Kind, number>> {
  const ports = {} as Record<Kind, number>;
  const ls: HttpsListenerSnapshot[] = [];
  for (const k of KINDS) {
    ports[k] = await freePort(LB);
    ls.push(httpsListener(ports[k], { serverCertificateId: `cert-${k}`, tlsCipherPolicy: policy, gzip: false }));
  }
  const s = snapshot({ address: LB, listeners: ls, servers: [backend.member()] });
  const dp = new DataPlane({ handlers: [httpsHandler] });
  planes.push(dp);
  const r = await dp.apply({
    ...s,
    serverCertificates: Object.fromEntries(KINDS.map((k) => [`cert-${k}`, { serverCertificateId: `cert-${k}`, certificate: certs[k].certPem, privateKey: certs[k].keyPem }])),
    tlsCipherPolicies: custom ?? {},
  });
  assert.equal(r.failed.length, 0, JSON.stringify(r.failed));
  return ports;
}

interface Hs {
  protocol: string | null;
  cipher: string;
  status: string;
}

/** A TLS handshake and one HTTP/1.1 request; resolves with the negotiated version and suite. */
function handshake(port: number, o: tls.ConnectionOptions = {}): Promise<Hs> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: LB, port, servername: NAME, ca: [rsaCa.certPem, ecCa.certPem], ...o }, () => {
      s.write(`GET /x HTTP/1.1\r\nHost: ${NAME}\r\nConnection: close\r\n\r\n`);
    });
    let got = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => (got += d));
    s.on('end', () => resolve({ protocol: s.getProtocol(), cipher: s.getCipher().name, status: got.slice(0, 12) }));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error('client timeout')));
  });
}

/** OpenSSL's client: `-brief` prints the protocol and suite on stderr; one request on stdin. */
function sClient(port: number, args: string[]): Promise<{ ok: boolean; protocol?: string; cipher?: string; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', '-connect', `${LB}:${port}`, '-servername', NAME, '-CAfile', join(dir, 'ca.pem'), '-verify_return_error', '-brief', '-ign_eof', ...args]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.stdin.end(`GET / HTTP/1.1\r\nHost: ${NAME}\r\nConnection: close\r\n\r\n`);
    const t = setTimeout(() => p.kill(), 15_000);
    p.on('close', () => {
      clearTimeout(t);
      const protocol = /Protocol version: (\S+)/.exec(out)?.[1];
      const cipher = /Ciphersuite: (\S+)/.exec(out)?.[1];
      resolve({ ok: !!protocol && /HTTP\/1\.1 200/.test(out), protocol, cipher, out });
    });
  });
}

const legacy = (v: TlsVersion) => v === 'TLSv1.0' || v === 'TLSv1.1';

for (const name of BUILTIN_TLS_POLICY_NAMES) {
  test(`${name}: RSA, ECC P-256 and ECC P-384 certificates handshake within the policy; outside it they are refused`, T, async () => {
    const pol = BUILTIN_TLS_POLICIES[name];
    const offered = new Set(withEcdsaCounterparts(pol.ciphers));
    const ports = await listeners(name);
    const lowest = pol.versions[0]!;
    const highest = pol.versions[pol.versions.length - 1]!;
    for (const k of KINDS) {
      const ecc = k !== 'rsa';
      // every version of the policy, each with the client's defaults otherwise
      for (const v of pol.versions) {
        const h = await handshake(ports[k], { minVersion: NODE_VER[v], maxVersion: NODE_VER[v], ...(legacy(v) ? { ciphers: 'DEFAULT:@SECLEVEL=0' } : {}) });
        assert.equal(h.status, 'HTTP/1.1 200', `${k} ${v}`);
        assert.equal(h.protocol, NODE_VER[v], `${k} ${v}`);
        assert.ok(offered.has(h.cipher), `${k} ${v}: ${h.cipher} is a suite of ${name}`);
        if (v !== 'TLSv1.3') assert.equal(h.cipher.includes('-ECDSA-'), ecc, `${k} ${v}: ${h.cipher}`);
        else assert.ok(TLS13_SUITES.includes(h.cipher));
      }
      // a client with its defaults gets the policy's highest version
      const d = await handshake(ports[k]);
      assert.equal(d.protocol, NODE_VER[highest], `${k} default`);
      // versions outside the policy
      if (highest !== 'TLSv1.3') await assert.rejects(handshake(ports[k], { minVersion: 'TLSv1.3' }), /version|alert|ECONNRESET|hang up|disconnected/i, `${k} TLSv1.3 refused`);
      if (lowest === 'TLSv1.2') await assert.rejects(handshake(ports[k], { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }), /version|alert|ECONNRESET|hang up|disconnected/i, `${k} TLSv1.1 refused`);
      // a suite outside every built-in policy
      const chacha = ecc ? 'ECDHE-ECDSA-CHACHA20-POLY1305' : 'ECDHE-RSA-CHACHA20-POLY1305';
      await assert.rejects(handshake(ports[k], { maxVersion: 'TLSv1.2', ciphers: chacha }), /handshake|alert|ECONNRESET|hang up|cipher|disconnected/i, `${k} ${chacha} refused`);
      if (!HAS_OPENSSL) continue;
      const o = await sClient(ports[k], []);
      assert.ok(o.ok, `${k} s_client: ${o.out}`);
      assert.equal(o.protocol, highest === 'TLSv1.0' ? 'TLSv1' : highest);
      assert.ok(offered.has(o.cipher!), `${k} s_client suite ${o.cipher}`);
      const lo = await sClient(ports[k], [S_CLIENT_FLAG[lowest], ...(legacy(lowest) ? ['-cipher', 'DEFAULT:@SECLEVEL=0'] : [])]);
      assert.ok(lo.ok, `${k} s_client ${lowest}: ${lo.out}`);
      const bad = await sClient(ports[k], ['-tls1_2', '-cipher', chacha]);
      assert.equal(bad.ok, false, `${k} s_client ${chacha} refused`);
    }
  });
}

test('a custom policy (TLS 1.2 + 1.3, ECDHE-RSA GCM suites named) serves an ECC certificate the ECDSA counterparts and TLS 1.3', T, async () => {
  const id = 'tls-cp-ecc';
  const ports = await listeners(id, { [id]: { tlsCipherPolicyId: id, tlsVersions: ['TLSv1.2', 'TLSv1.3'], ciphers: ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_AES_256_GCM_SHA384'] } });
  for (const k of KINDS) {
    const h12 = await handshake(ports[k], { maxVersion: 'TLSv1.2' });
    assert.equal(h12.cipher, k === 'rsa' ? 'ECDHE-RSA-AES256-GCM-SHA384' : 'ECDHE-ECDSA-AES256-GCM-SHA384');
    const h13 = await handshake(ports[k]);
    assert.deepEqual([h13.protocol, h13.cipher], ['TLSv1.3', 'TLS_AES_256_GCM_SHA384']);
    await assert.rejects(handshake(ports[k], { maxVersion: 'TLSv1.2', ciphers: k === 'rsa' ? 'ECDHE-RSA-AES128-GCM-SHA256' : 'ECDHE-ECDSA-AES128-GCM-SHA256' }), /handshake|alert|ECONNRESET|hang up|cipher|disconnected/i);
  }
});
