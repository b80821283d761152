// Custom TLS cipher policies: which cipher suites each TLS version allows (the CreateTLSCipherPolicy
// API reference), the checks on a policy, and the HTTPS listeners that use one (their
// `TLSCipherPolicy` field holds either a built-in policy name or a policy id).
import { fail } from '../errors/catalog.js';
import type { Scope, Tx } from '../state/store.js';
import { KINDS, type ListenerDoc } from './model.js';

export const TLS_VERSIONS = ['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

const LEGACY = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-RSA-AES256-SHA', 'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA'];
const TLS12 = [
  ...LEGACY,
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-RSA-AES256-SHA384',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA256',
  'AES256-SHA256',
];
const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'];

export const CIPHERS_BY_VERSION: Record<(typeof TLS_VERSIONS)[number], readonly string[]> = {
  'TLSv1.0': LEGACY,
  'TLSv1.1': LEGACY,
  'TLSv1.2': TLS12,
  'TLSv1.3': TLS13,
};

/** kind 'tlsCipherPolicy', id = TLSCipherPolicyId (also answered as InstanceId) */
export interface TLSCipherPolicyDoc {
  TLSCipherPolicyId: string;
  Name: string;
  TLSVersions: string[];
  Ciphers: string[];
  Status: 'normal' | 'configuring';
  /** milliseconds, as ListTLSCipherPolicies answers it */
  CreateTime: number;
}

const bad = (): never => fail('InvalidParameter', 'The specified parameter is not valid.');

/**
 * Checks versions and suites: versions from the enum; every suite valid for at least one chosen
 * version; and every chosen version left with at least one suite it supports (so choosing TLSv1.3
 * requires a TLS 1.3 suite, as the API reference says). Duplicates are dropped, order kept.
 */
export function readPolicy(versions: string[], ciphers: string[]): { TLSVersions: string[]; Ciphers: string[] } {
  const v = [...new Set(versions.map((x) => x.trim()))];
  const c = [...new Set(ciphers.map((x) => x.trim()))];
  if (v.length === 0 || c.length === 0) bad();
  for (const x of v) if (!(TLS_VERSIONS as readonly string[]).includes(x)) bad();
  const allowed = v.map((x) => CIPHERS_BY_VERSION[x as (typeof TLS_VERSIONS)[number]]);
  for (const x of c) if (!allowed.some((set) => set.includes(x))) bad();
  for (const set of allowed) if (!c.some((x) => set.includes(x))) bad();
  const order = (x: string) => (TLS_VERSIONS as readonly string[]).indexOf(x);
  return { TLSVersions: v.sort((a, b) => order(a) - order(b)), Ciphers: c };
}

export interface RelateListener {
  LoadBalancerId: string;
  Port: number;
  Protocol: string;
}

/** HTTPS listeners of the scope whose TLSCipherPolicy is this policy. */
export async function listenersUsingPolicy(tx: Tx, scope: Scope, id: string): Promise<ListenerDoc[]> {
  return (await tx.list<ListenerDoc>(KINDS.listener, scope)).filter((l) => l['TLSCipherPolicy'] === id);
}

export const relateOut = (l: ListenerDoc): RelateListener => ({ LoadBalancerId: l.LoadBalancerId, Port: l.ListenerPort, Protocol: String(l.ListenerProtocol).toUpperCase() });
