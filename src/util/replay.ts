// The signature timestamp window and the replay-protection contract, shared by the gateway's
// in-memory guard (src/gateway/guards.ts) and the PostgreSQL store's shared one (src/state/open-store.ts).
export const WINDOW_MS = 15 * 60 * 1000;

/**
 * Replay protection: `use` answers false when the (AccessKeyId, nonce) pair was used inside the
 * window. NonceCache is one process's memory; several API nodes on one PostgreSQL database share
 * one in the database instead (src/state/open-store.ts).
 */
export interface NonceGuard {
  use(accessKeyId: string, nonce: string): boolean | Promise<boolean>;
}
