// Certificates OpenSLB issues itself: the API's HTTPS CA and server certificate (and, in tests,
// listener certificates). Keys come from Node's crypto; node-forge only assembles X.509.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Issued {
  certPem: string;
  keyPem: string;
}

function newKey(): { pub: forge.pki.PublicKey; priv: forge.pki.PrivateKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const priv = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const pub = forge.pki.setRsaPublicKey(priv.n, priv.e);
  return { pub, priv, keyPem };
}

function base(cn: string, days: number, pub: forge.pki.PublicKey, notBefore = new Date()): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = pub;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(notBefore.getTime() - 60_000);
  cert.validity.notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  cert.setSubject([{ name: 'commonName', value: cn }]);
  return cert;
}

export function createCA(cn = 'OpenSLB Local CA', days = 3650): Issued {
  const k = newKey();
  const cert = base(cn, days, k.pub);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(k.priv as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.keyPem };
}

/** A leaf certificate for `names` (DNS names or IP addresses), signed by `ca`. */
export function issueLeaf(ca: Issued, names: string[], opts: { days?: number; client?: boolean; notBefore?: Date } = {}): Issued {
  const k = newKey();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey;
  const cert = base(names[0] ?? 'localhost', opts.days ?? 825, k.pub, opts.notBefore);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: !opts.client, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n })),
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.keyPem };
}
