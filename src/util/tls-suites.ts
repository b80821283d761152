// TLS versions and cipher suites of CLB, as data only (no Node TLS, no store): the suites each TLS
// version allows in a custom policy (the CreateTLSCipherPolicy API reference) and the built-in
// tls_cipher_policy_* policies (the CLB TLS security policy table). The API checks custom policies
// against it (src/products/slb/services/tls-cipher-policies.ts); the data plane turns policies into Node TLS
// options (src/dataplane/https/tls.ts). Suite names are OpenSSL's; list order is preference order.

/** In protocol order. */
export const TLS_VERSIONS = ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

export const TLS13_SUITES: readonly string[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'];

const TLS10_SUITES: readonly string[] = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA'];
/** ECDHE suites with SHA-2 (TLS 1.2 only), ECDSA before RSA. */
const ECDHE_SHA2_SUITES: readonly string[] = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-RSA-AES256-SHA384',
];
const TLS12_SUITES: readonly string[] = [
  ...TLS10_SUITES,
  ...ECDHE_SHA2_SUITES,
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA256',
  'AES256-SHA256',
];

/** The suites a custom policy may name for each version. */
export const SUITES_BY_VERSION: Record<TlsVersion, readonly string[]> = {
  'TLSv1.0': TLS10_SUITES,
  'TLSv1.1': TLS10_SUITES,
  'TLSv1.2': TLS12_SUITES,
  'TLSv1.3': TLS13_SUITES,
};

/** The suites of the built-in policies tls_cipher_policy_1_0, 1_1 and 1_2. */
const BUILTIN_LEGACY: readonly string[] = [
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-RSA-AES256-SHA384',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA256',
  'AES256-SHA256',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-RSA-AES256-SHA',
  'AES128-SHA',
  'AES256-SHA',
  'DES-CBC3-SHA',
];

export const BUILTIN_TLS_POLICY_NAMES = ['tls_cipher_policy_1_0', 'tls_cipher_policy_1_1', 'tls_cipher_policy_1_2', 'tls_cipher_policy_1_2_strict', 'tls_cipher_policy_1_2_strict_with_1_3'] as const;
export type BuiltinTlsPolicyName = (typeof BUILTIN_TLS_POLICY_NAMES)[number];

export interface TlsPolicyTable {
  readonly versions: readonly TlsVersion[];
  readonly ciphers: readonly string[];
}

/** The built-in policies (docs: TLS security policies of CLB; dataplane.md §8). */
export const BUILTIN_TLS_POLICIES: Record<BuiltinTlsPolicyName, TlsPolicyTable> = {
  tls_cipher_policy_1_0: { versions: ['TLSv1.0', 'TLSv1.1', 'TLSv1.2'], ciphers: BUILTIN_LEGACY },
  tls_cipher_policy_1_1: { versions: ['TLSv1.1', 'TLSv1.2'], ciphers: BUILTIN_LEGACY },
  tls_cipher_policy_1_2: { versions: ['TLSv1.2'], ciphers: BUILTIN_LEGACY },
  tls_cipher_policy_1_2_strict: {
    versions: ['TLSv1.2'],
    ciphers: ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA'],
  },
  tls_cipher_policy_1_2_strict_with_1_3: {
    versions: ['TLSv1.2', 'TLSv1.3'],
    ciphers: [
      ...TLS13_SUITES,
      ...ECDHE_SHA2_SUITES,
      'ECDHE-ECDSA-AES128-SHA',
      'ECDHE-ECDSA-AES256-SHA',
      'ECDHE-RSA-AES128-SHA',
      'ECDHE-RSA-AES256-SHA',
    ],
  },
};

export const isBuiltinTlsPolicy = (name: string): name is BuiltinTlsPolicyName => Object.hasOwn(BUILTIN_TLS_POLICIES, name);

/**
 * The ECDSA counterpart of an ECDHE-RSA suite (same key exchange, cipher and MAC, ECDSA
 * authentication), or undefined. Static-RSA suites (AES128-SHA …) have none.
 */
export function ecdsaCounterpart(suite: string): string | undefined {
  return suite.startsWith('ECDHE-RSA-') ? `ECDHE-ECDSA-${suite.slice(10)}` : undefined;
}

/**
 * What a policy offers on the wire: its suites, each ECDHE-RSA suite followed by its ECDSA
 * counterpart unless the policy names it already. The CLB tables name RSA suites only; an ECC
 * certificate can negotiate none of them, so the data plane offers the counterparts (an RSA
 * certificate never negotiates an ECDSA suite, so RSA listeners see no difference).
 */
export function withEcdsaCounterparts(ciphers: readonly string[]): string[] {
  const named = new Set(ciphers);
  const out: string[] = [];
  for (const c of ciphers) {
    out.push(c);
    const e = ecdsaCounterpart(c);
    if (e && !named.has(e)) {
      out.push(e);
      named.add(e);
    }
  }
  return out;
}
