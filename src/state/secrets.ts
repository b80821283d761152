// Encryption at rest for secrets kept in the store (certificate private keys). AES-256-GCM with one
// 32-byte key per data dir, in DATA_DIR/secret.key (mode 0600), created on first start. The server
// registers the box for its store; handlers and the data plane find it with `secretsFor(store)`,
// so no request context or gateway change is needed to reach it.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store } from './store.js';

const VERSION = 'v1';

export class SecretBox {
  readonly #key: Buffer;
  constructor(key: Buffer) {
    if (key.length !== 32) throw new RangeError('a SecretBox key is 32 bytes');
    this.#key = Buffer.from(key);
  }

  /** `v1:<iv>:<tag>:<ciphertext>`, base64 parts; `aad` binds the text to its owner (e.g. a resource id). */
  seal(plain: string, aad = ''): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [VERSION, iv.toString('base64'), c.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
  }

  /** Throws when the text was not sealed with this key and `aad`. */
  open(sealed: string, aad = ''): string {
    const [v, iv, tag, ct] = sealed.split(':');
    if (v !== VERSION || iv === undefined || tag === undefined || ct === undefined) throw new Error('not a sealed secret');
    const d = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]).toString('utf8');
  }
}

/** Reads the data dir's key file, creating it (0600) on first use. */
export function loadOrCreateKey(file: string): Buffer {
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    const key = Buffer.from(text, 'base64');
    if (key.length !== 32) throw new Error(`${file}: expected a base64 32-byte key`);
    return key;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}

const boxes = new WeakMap<Store, SecretBox>();
let fallback: SecretBox | undefined;

export function registerSecrets(store: Store, box: SecretBox): void {
  boxes.set(store, box);
}

/**
 * The box of a store. A store nobody registered (a harness that builds its own store) gets a
 * process-wide key that lives only as long as the process: its secrets do not survive a restart.
 */
export function secretsFor(store: Store): SecretBox {
  const b = boxes.get(store);
  if (b) return b;
  fallback ??= new SecretBox(randomBytes(32));
  return fallback;
}
