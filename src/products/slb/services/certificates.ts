// Server and CA certificates: parsing with Node's X509Certificate, the checks UploadServerCertificate
// and UploadCACertificate make, the stored documents (private keys sealed with the data dir's key)
// and the listener / domain-extension references that block a delete.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { fail } from '../../../errors/catalog.js';
import { secretsFor } from '../../../state/secrets.js';
import type { Scope, Store, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { KINDS, type ListenerDoc } from './model.js';

/** What every certificate document carries (kinds 'serverCertificate' and 'caCertificate'). */
export interface CertInfo {
  Fingerprint: string;
  CommonName: string;
  SubjectAlternativeNames: string[];
  ExpireTime: string;
  ExpireTimeStamp: number;
  EncryptionAlgorithm: string;
  EncryptionKeyLength: number;
}

/** kind 'serverCertificate', id = ServerCertificateId */
export interface ServerCertificateDoc extends CertInfo {
  ServerCertificateId: string;
  ServerCertificateName: string;
  RegionId: string;
  ResourceGroupId: string;
  CreateTime: string;
  CreateTimeStamp: number;
  /** the PEM as uploaded (leaf first, then any chain) */
  CertificatePem: string;
  /** the private key PEM, sealed by src/state/secrets.ts with the certificate id as associated data */
  PrivateKeySealed: string;
}

/** kind 'caCertificate', id = CACertificateId */
export interface CACertificateDoc extends CertInfo {
  CACertificateId: string;
  CACertificateName: string;
  RegionId: string;
  ResourceGroupId: string;
  CreateTime: string;
  CreateTimeStamp: number;
  CertificatePem: string;
}

/**
 * PEM blocks of a text, read line by line (linear in the input, whatever it holds); `whole` is
 * re-wrapped (64 columns, LF) so stray blank lines or CRLF do not matter. Header lines inside a
 * block (`Proc-Type: …`) are kept in `body`.
 */
function blocks(text: string): { label: string; body: string; whole: string }[] {
  const out: { label: string; body: string; whole: string }[] = [];
  let label: string | undefined;
  let lines: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    const begin = /^-----BEGIN ([A-Z0-9 ]{1,40})-----$/.exec(line);
    if (begin) {
      label = begin[1]!;
      lines = [];
      continue;
    }
    if (label === undefined) continue;
    if (line === `-----END ${label}-----`) {
      const body = lines.join('\n');
      const b64 = lines.filter((l) => !l.includes(':')).join('').replace(/\s+/g, '');
      out.push({ label, body, whole: `-----BEGIN ${label}-----\n${(b64.match(/.{1,64}/g) ?? []).join('\n')}\n-----END ${label}-----` });
      label = undefined;
      continue;
    }
    lines.push(line);
  }
  return out;
}

/**
 * Parses a certificate PEM (one certificate, optionally followed by its chain). Text without a
 * CERTIFICATE block is "format is error" (seed row 134); a CERTIFICATE block that does not decode
 * as X.509 is KeyFormatError (row 77).
 */
export function parseCertificatePem(text: string): { leaf: X509Certificate; chain: X509Certificate[]; pem: string } {
  const certs = blocks(text).filter((b) => b.label === 'CERTIFICATE');
  if (certs.length === 0) fail('InvalidParameter', 'The specified parameter ServerCertificate format is error.');
  const parsed: X509Certificate[] = [];
  for (const b of certs) {
    if (!/^[\sA-Za-z0-9+/=]*$/.test(b.body)) fail('KeyFormatError', 'The specified ServerCertificate is incorrectly formatted.');
    try {
      parsed.push(new X509Certificate(b.whole));
    } catch {
      fail('KeyFormatError', 'The specified ServerCertificate is incorrectly formatted.');
    }
  }
  return { leaf: parsed[0]!, chain: parsed.slice(1), pem: `${certs.map((b) => b.whole).join('\n')}\n` };
}

/**
 * Parses a private key PEM: an encrypted key is PrivateKeyEncryption (row 132); anything that is
 * not a readable RSA/EC private key is "key format is error" (row 139).
 */
export function parsePrivateKeyPem(text: string): { key: KeyObject; pem: string } {
  const b = blocks(text).find((x) => /PRIVATE KEY$/.test(x.label));
  if (!b) fail('InvalidParameter', 'The specified parameter key format is error.');
  if (b.label === 'ENCRYPTED PRIVATE KEY' || /Proc-Type:\s*4,\s*ENCRYPTED/i.test(b.body)) fail('PrivateKeyEncryption', 'Key has Encrypted .');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: b.whole, format: 'pem' });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') fail('PrivateKeyEncryption', 'Key has Encrypted .');
    fail('InvalidParameter', 'The specified parameter key format is error.');
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ec') fail('InvalidParameter', 'The specified parameter key format is error.');
  return { key, pem: `${b.whole}\n` };
}

/** Certificate and key must hold the same public key (row 133). */
export function checkKeyMatches(cert: X509Certificate, key: KeyObject): void {
  const a = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const b = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!a.equals(b)) fail('CertificateNotMatchPrivateKey', 'Certificate and key does not match.');
}

/** SAN values of a certificate (DNS names and IP addresses), in certificate order. */
export function subjectAltNames(cert: X509Certificate): string[] {
  const s = cert.subjectAltName;
  if (!s) return [];
  const out: string[] = [];
  for (const m of s.matchAll(/(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    let v = m[2]!.trim();
    if (v.startsWith('"')) {
      try {
        v = JSON.parse(v) as string;
      } catch {
        continue;
      }
    }
    if (v) out.push(v);
  }
  return out;
}

function commonName(cert: X509Certificate): string {
  for (const line of cert.subject.split('\n')) {
    const m = /^CN=(.*)$/.exec(line);
    if (m) return m[1]!.replace(/^"(.*)"$/, '$1');
  }
  return '';
}

export function certInfo(cert: X509Certificate): CertInfo {
  const expire = new Date(cert.validTo).getTime();
  const pub = cert.publicKey;
  const alg = pub.asymmetricKeyType === 'ec' ? 'ECC' : 'RSA';
  let bits = 0;
  const d = pub.asymmetricKeyDetails;
  if (d?.modulusLength) bits = d.modulusLength;
  else if (d?.namedCurve) bits = ({ prime256v1: 256, secp384r1: 384, secp521r1: 521 } as Record<string, number>)[d.namedCurve] ?? 0;
  return {
    // SHA-1 over the DER, lower-case hex pairs joined by ':' (the format the API answers)
    Fingerprint: cert.fingerprint.toLowerCase(),
    CommonName: commonName(cert),
    SubjectAlternativeNames: subjectAltNames(cert),
    ExpireTime: isoSeconds(expire),
    ExpireTimeStamp: expire,
    EncryptionAlgorithm: alg,
    EncryptionKeyLength: bits,
  };
}

/** Certificate ids look like the real ones: `<account>_<hex time>_<int32>_<int32>`. */
export function certificateId(accountId: string, now: number, rand: () => number): string {
  const i32 = () => ((rand() * 0x100000000) | 0).toString();
  return `${accountId}_${now.toString(16)}_${i32()}_${i32()}`;
}

/** Seals a private key for storage, bound to its certificate id. */
export function sealKey(store: Store, certificateId: string, pem: string): string {
  return secretsFor(store).seal(pem, `serverCertificate:${certificateId}`);
}

/** The private key PEM of a stored server certificate (for the data plane). Never sent by the API. */
export function openKey(store: Store, doc: ServerCertificateDoc): string {
  return secretsFor(store).open(doc.PrivateKeySealed, `serverCertificate:${doc.ServerCertificateId}`);
}

export interface CertUse {
  listeners: ListenerDoc[];
  domainExtensions: number;
}

/** Where a certificate id is used in a scope: HTTPS listeners (server or CA slot) and domain extensions. */
export async function certificateUses(tx: Tx, scope: Scope, id: string, slot: 'ServerCertificateId' | 'CACertificateId'): Promise<CertUse> {
  const listeners = (await tx.query<ListenerDoc>(KINDS.listener, scope, { where: { [slot]: id } })).map((x) => x.doc);
  const des = slot === 'ServerCertificateId' ? await tx.count(KINDS.domainExtension, scope, { where: { ServerCertificateId: id } }) : 0;
  return { listeners, domainExtensions: des };
}
