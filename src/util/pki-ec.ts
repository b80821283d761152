// ECDSA certificates (P-256, P-384) for tests and benchmarks. node-forge builds only RSA
// certificates, so the certificate is assembled with forge's X.509 builder around a placeholder
// key, then the SubjectPublicKeyInfo is replaced by the EC key's and the TBS part is signed with
// node:crypto (ECDSA or RSA, whichever the issuer's key is).
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import type { Issued } from './pki.js';

export type EcCurve = 'P-256' | 'P-384';

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_ECDSA_SHA384 = '1.2.840.10045.4.3.3';
const OID_RSA_SHA256 = '1.2.840.113549.1.1.11';

let placeholder: forge.pki.rsa.PublicKey | undefined;
function placeholderKey(): forge.pki.rsa.PublicKey {
  // any RSA public key: forge needs one to encode the certificate; it is replaced before signing
  placeholder ??= forge.pki.rsa.generateKeyPair({ bits: 512, e: 0x10001 }).publicKey;
  return placeholder;
}

function algId(oid: string, nullParams: boolean): forge.asn1.Asn1 {
  const a = forge.asn1;
  const parts = [a.create(a.Class.UNIVERSAL, a.Type.OID, false, a.oidToDer(oid).getBytes())];
  if (nullParams) parts.push(a.create(a.Class.UNIVERSAL, a.Type.NULL, false, ''));
  return a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, parts);
}

function buildAndSign(cert: forge.pki.Certificate, spkiDer: Buffer, issuerKey: KeyObject, issuerName?: forge.asn1.Asn1): string {
  const a = forge.asn1;
  const ec = issuerKey.asymmetricKeyType === 'ec';
  const p384 = ec && issuerKey.asymmetricKeyDetails?.namedCurve === 'secp384r1';
  const sigAlg = ec ? algId(p384 ? OID_ECDSA_SHA384 : OID_ECDSA_SHA256, false) : algId(OID_RSA_SHA256, true);
  // forge encodes the signature algorithm from siginfo (set by its own sign()); replaced below
  (cert as unknown as { siginfo: { algorithmOid: string } }).siginfo.algorithmOid = OID_RSA_SHA256;
  const tbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, …
  fields[2] = sigAlg;
  if (issuerName) fields[3] = issuerName;
  fields[6] = a.fromDer(forge.util.createBuffer(spkiDer.toString('binary')));
  const tbsDer = Buffer.from(a.toDer(tbs).getBytes(), 'binary');
  const sig = sign(ec ? (p384 ? 'sha384' : 'sha256') : 'sha256', tbsDer, issuerKey);
  const whole = a.create(a.Class.UNIVERSAL, a.Type.SEQUENCE, true, [
    tbs,
    ec ? algId(p384 ? OID_ECDSA_SHA384 : OID_ECDSA_SHA256, false) : algId(OID_RSA_SHA256, true),
    a.create(a.Class.UNIVERSAL, a.Type.BITSTRING, false, `\0${sig.toString('binary')}`),
  ]);
  const der = Buffer.from(a.toDer(whole).getBytes(), 'binary');
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** The subject Name of a PEM certificate, as ASN.1 (works for RSA and EC certificates). */
function subjectOf(pem: string): forge.asn1.Asn1 {
  const der = forge.pem.decode(pem)[0]!.body;
  const tbs = (forge.asn1.fromDer(der).value as forge.asn1.Asn1[])[0]!.value as forge.asn1.Asn1[];
  const hasVersion = tbs[0]!.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC;
  return tbs[hasVersion ? 5 : 4]!;
}

function newEcKey(curve: EcCurve) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve === 'P-384' ? 'secp384r1' : 'prime256v1' });
  return { keyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(), spki: publicKey.export({ type: 'spki', format: 'der' }) };
}

function skeleton(cn: string, days: number, notBefore = new Date()): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = placeholderKey();
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(notBefore.getTime() - 60_000);
  cert.validity.notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  return cert;
}

/** A self-signed ECDSA CA. */
export function createEcCA(cn = 'OpenSLB EC CA', curve: EcCurve = 'P-256', days = 3650): Issued {
  const k = newEcKey(curve);
  const cert = skeleton(cn, days);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  return { certPem: buildAndSign(cert, k.spki, createPrivateKey(k.keyPem)), keyPem: k.keyPem };
}

/** An ECDSA leaf for `names` (DNS names or IP addresses), signed by `ca` (an RSA or EC CA). */
export function issueEcLeaf(ca: Issued, names: string[], opts: { curve?: EcCurve; days?: number; client?: boolean } = {}): Issued {
  const k = newEcKey(opts.curve ?? 'P-256');
  const cert = skeleton(names[0] ?? 'localhost', opts.days ?? 825);
  cert.setIssuer(cert.subject.attributes); // replaced by the CA's subject, copied as DER (forge cannot parse EC certificates)
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', serverAuth: !opts.client, clientAuth: true },
    { name: 'subjectAltName', altNames: names.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n })) },
  ]);
  return { certPem: buildAndSign(cert, k.spki, createPrivateKey(ca.keyPem), subjectOf(ca.certPem)), keyPem: k.keyPem };
}
