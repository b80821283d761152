import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateKey, SecretBox } from '../../src/state/secrets.js';

const KEY = Buffer.alloc(32, 7);

test('SecretBox seals with AES-256-GCM: round trip, fresh IV, bound to key and associated data', () => {
  const box = new SecretBox(KEY);
  const a = box.seal('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n', 'serverCertificate:1');
  const b = box.seal('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n', 'serverCertificate:1');
  assert.match(a, /^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b, 'a new IV each time');
  assert.ok(!a.includes('PRIVATE'));
  assert.equal(box.open(a, 'serverCertificate:1'), '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
  assert.throws(() => box.open(a, 'serverCertificate:2'), 'another owner');
  assert.throws(() => new SecretBox(Buffer.alloc(32, 8)).open(a, 'serverCertificate:1'), 'another key');
  const parts = a.split(':');
  const ct = Buffer.from(parts[3]!, 'base64');
  ct[0] = ct[0]! ^ 1;
  assert.throws(() => box.open([parts[0], parts[1], parts[2], ct.toString('base64')].join(':'), 'serverCertificate:1'), 'tampered');
  assert.throws(() => box.open('garbage'));
  assert.throws(() => new SecretBox(Buffer.alloc(16)));
});

test('the key file is created once, 0600, and read back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-secrets-'));
  try {
    const file = join(dir, 'sub', 'secret.key');
    const k1 = loadOrCreateKey(file);
    assert.equal(k1.length, 32);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(loadOrCreateKey(file), k1);
    assert.equal(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').length, 32);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
