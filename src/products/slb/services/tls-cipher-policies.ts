// Custom TLS cipher policies: the checks on a policy against the suites each TLS version allows
// (src/util/tls-suites.ts), and the HTTPS listeners that use one (their `TLSCipherPolicy` field
// holds either a built-in policy name or a policy id).
import { fail } from '../../../errors/catalog.js';
import type { Scope, Tx } from '../../../state/store.js';
import { SUITES_BY_VERSION, TLS_VERSIONS, type TlsVersion } from '../../../util/tls-suites.js';
import { KINDS, type ListenerDoc } from './model.js';

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
  const allowed = v.map((x) => SUITES_BY_VERSION[x as TlsVersion]);
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
  return (await tx.query<ListenerDoc>(KINDS.listener, scope, { where: { TLSCipherPolicy: id } })).map((x) => x.doc);
}

export const relateOut = (l: ListenerDoc): RelateListener => ({ LoadBalancerId: l.LoadBalancerId, Port: l.ListenerPort, Protocol: String(l.ListenerProtocol).toUpperCase() });
