// TLS for HTTPS listeners: CLB's TLS cipher policies mapped onto Node's TLS options, server
// certificates (listener default + SNI domain extensions) and the CA for mutual TLS.
//
// Where Node 20 / OpenSSL 3 cannot do what a policy says (docs/dataplane-l7.md lists them):
// - DES-CBC3-SHA is not built into this OpenSSL: silently dropped from every policy.
// - TLS 1.0/1.1 need OpenSSL security level 0 (`:@SECLEVEL=0`), added when a policy allows them.
// - A version set with a hole (custom policy TLSv1.0 + TLSv1.2) becomes the range min..max.
// - A custom policy allowing TLS 1.3 without naming a TLS 1.3 suite gets OpenSSL's default 1.3 suites.
// - Unknown suite names in a custom policy are dropped; if nothing usable remains the OpenSSL
//   defaults for the version range apply (the API refuses such policies anyway).
// - Every ECDHE-RSA suite of a policy also offers its ECDHE-ECDSA counterpart, so ECC (ECDSA)
//   certificates handshake under every policy; RSA certificates never select those.
import { createPrivateKey } from 'node:crypto';
import tls from 'node:tls';
import { BUILTIN_TLS_POLICIES, isBuiltinTlsPolicy, TLS13_SUITES, TLS_VERSIONS, withEcdsaCounterparts, type TlsPolicyTable, type TlsVersion } from '../../util/tls-suites.js';
import type { HttpsListenerSnapshot, Snapshot } from '../snapshot.js';

const SUITES_13 = new Set(TLS13_SUITES);
const NODE_NAME: Record<TlsVersion, tls.SecureVersion> = { 'TLSv1.0': 'TLSv1', 'TLSv1.1': 'TLSv1.1', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' };

export interface PolicyOptions {
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  ciphers?: string;
  /** suites of the policy this Node cannot offer */
  dropped: string[];
}

const usable = new Map<string, boolean>();
function cipherUsable(name: string): boolean {
  let ok = usable.get(name);
  if (ok === undefined) {
    try {
      // TLS 1.3 suites only make sense with a 1.3 context; test the classic ones at level 0
      tls.createSecureContext(SUITES_13.has(name) ? { ciphers: name, minVersion: 'TLSv1.3' } : { ciphers: `${name}:@SECLEVEL=0`, minVersion: 'TLSv1' });
      ok = true;
    } catch {
      ok = false;
    }
    usable.set(name, ok);
  }
  return ok;
}

/** Node TLS options for a built-in policy name or a custom policy of the snapshot. */
export function policyOptions(name: string, custom?: Snapshot['tlsCipherPolicies'][string]): PolicyOptions {
  const p: TlsPolicyTable = isBuiltinTlsPolicy(name) ? BUILTIN_TLS_POLICIES[name] : custom ? { versions: custom.tlsVersions, ciphers: custom.ciphers } : BUILTIN_TLS_POLICIES.tls_cipher_policy_1_0;
  const idx = p.versions.map((v) => TLS_VERSIONS.indexOf(v)).filter((i) => i >= 0);
  const min = TLS_VERSIONS[idx.length ? Math.min(...idx) : 2]!;
  const max = TLS_VERSIONS[idx.length ? Math.max(...idx) : 2]!;
  const keep: string[] = [];
  const dropped: string[] = [];
  // ECC certificates: every ECDHE-RSA suite brings its ECDHE-ECDSA counterpart (tls-suites.ts)
  for (const c of withEcdsaCounterparts(p.ciphers)) (cipherUsable(c) ? keep : dropped).push(c);
  const legacy = min === 'TLSv1.0' || min === 'TLSv1.1';
  let ciphers = keep.length ? keep.join(':') : undefined;
  if (legacy) ciphers = `${ciphers ?? 'DEFAULT'}:@SECLEVEL=0`;
  return { minVersion: NODE_NAME[min], maxVersion: NODE_NAME[max], ciphers, dropped };
}

type KeyKind = 'rsa' | 'ec';
function keyKind(pem: string): KeyKind {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'ec' ? 'ec' : 'rsa';
  } catch {
    return 'rsa'; // unusable PEMs fail later, in createSecureContext
  }
}

const SIGALGS: Record<KeyKind, string> = {
  ec: 'ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512',
  rsa: 'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512',
};

/**
 * Node gives an SNI context's certificate to the connection *next to* the default one (one slot
 * per key type), and OpenSSL then picks by suite (TLS 1.2) or signature algorithm (TLS 1.3)
 * preference. When domain extensions use the other key type than the listener's certificate,
 * suites and signature algorithms of that other type go first: they can only be chosen when the
 * SNI context brought such a certificate, and then they must win.
 */
function preferOther(ciphers: string | undefined, other: KeyKind): { ciphers?: string; sigalgs: string } {
  const sigalgs = `${SIGALGS[other]}:${SIGALGS[other === 'ec' ? 'rsa' : 'ec']}`;
  if (!ciphers) return { sigalgs };
  const parts = ciphers.split(':');
  const isOther = (c: string) => !c.startsWith('@') && !SUITES_13.has(c) && c.includes('-ECDSA-') === (other === 'ec');
  return { ciphers: [...parts.filter((c) => SUITES_13.has(c)), ...parts.filter(isOther), ...parts.filter((c) => !SUITES_13.has(c) && !isOther(c))].join(':'), sigalgs };
}

export interface TlsConfig {
  /** options for the default secure context (listener certificate) */
  base: tls.SecureContextOptions;
  /** SNI: exact names and `*.` wildcards (longest suffix first) → context */
  exact: Map<string, tls.SecureContext>;
  wildcards: [string, tls.SecureContext][];
  mutual: boolean;
  policy: PolicyOptions;
}

/** Compiles the TLS side of an HTTPS listener from the snapshot. Throws on unusable PEM. */
export function compileTls(s: Snapshot, l: HttpsListenerSnapshot): TlsConfig {
  const policy = policyOptions(l.tlsCipherPolicy, s.tlsCipherPolicies[l.tlsCipherPolicy]);
  const ca = l.caCertificateId ? s.caCertificates[l.caCertificateId]?.certificate : undefined;
  const common: tls.SecureContextOptions = {
    minVersion: policy.minVersion,
    maxVersion: policy.maxVersion,
    ...(policy.ciphers ? { ciphers: policy.ciphers } : {}),
    honorCipherOrder: true,
    ...(ca ? { ca } : {}),
    sessionTimeout: 300,
  };
  const cert = s.serverCertificates[l.serverCertificateId]!;
  const kind = keyKind(cert.privateKey);
  const mixed = l.domainExtensions.some((d) => {
    const c = s.serverCertificates[d.serverCertificateId];
    return c !== undefined && keyKind(c.privateKey) !== kind;
  });
  if (mixed) Object.assign(common, preferOther(policy.ciphers, kind === 'ec' ? 'rsa' : 'ec'));
  const base = { ...common, cert: cert.certificate, key: cert.privateKey };
  const exact = new Map<string, tls.SecureContext>();
  const wild = new Map<string, tls.SecureContext>();
  for (const d of l.domainExtensions) {
    const c = s.serverCertificates[d.serverCertificateId];
    if (!c) continue;
    const ctx = tls.createSecureContext({ ...common, cert: c.certificate, key: c.privateKey });
    const name = d.domain.toLowerCase();
    if (name.startsWith('*.')) wild.set(name.slice(1), ctx);
    else exact.set(name, ctx);
  }
  return { base, exact, wildcards: [...wild.entries()].sort((a, b) => b[0].length - a[0].length), mutual: !!ca, policy };
}

/** The SNI context for `servername`, or undefined for the listener's default certificate. */
export function sniContext(cfg: TlsConfig, servername: string): tls.SecureContext | undefined {
  const n = servername.toLowerCase();
  const e = cfg.exact.get(n);
  if (e) return e;
  for (const [suffix, ctx] of cfg.wildcards) if (n.length > suffix.length && n.endsWith(suffix)) return ctx;
  return undefined;
}
