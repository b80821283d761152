// The signature timestamp window and the replay-protection contract, shared by the gateway's
// in-memory guard (src/gateway/guards.ts) and the PostgreSQL store's shared one (src/state/open-store.ts).
import { createHash } from 'node:crypto';

export const WINDOW_MS = 15 * 60 * 1000;

/**
 * Replay protection: `use` answers false when the (AccessKeyId, nonce) pair was used inside the
 * window. NonceCache is one process's memory; several API nodes on one PostgreSQL database share
 * one in the database instead (src/state/open-store.ts).
 */
export interface NonceGuard {
  use(accessKeyId: string, nonce: string): boolean | Promise<boolean>;
}

/**
 * What a guard remembers of an (AccessKeyId, nonce) pair: a SHA-256 of the two, base64 (44
 * characters). Never the nonce itself: a nonce parsed from a request is usually a slice of the
 * request's body, and a kept slice keeps the whole body alive for the 15-minute window (in
 * bench:scale, 2.2 KB per load balancer set up, 22 MB at 10 000, all of it copied by every young
 * collection on its way to the old generation). The digest is also the same size whatever the
 * client sent as a nonce. The PostgreSQL store keeps the same digest (column `h`), so nodes of
 * any version agree on it.
 */
export function nonceKey(accessKeyId: string, nonce: string): string {
  return createHash('sha256').update(`${accessKeyId}\u0000${nonce}`).digest('base64');
}
