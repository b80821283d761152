// Weighted rendezvous (highest-random-weight) hashing: score(member) = -weight / ln(u) with u a
// uniform hash of (key, member id). Properties the consistent-hash schedulers need:
// - deterministic for a key and a member set, whatever the candidates' order;
// - a key moves only when its own member leaves (the others keep their keys);
// - the share of keys follows the weights.
// O(members) per pick, fine for CLB-sized pools (≤ 200 servers).

/** 53-bit hash of a string (two FNV-1a style lanes with a murmur finaliser) */
export function hash53(s: string): number {
  let h1 = 0xdeadbeef ^ s.length;
  let h2 = 0x41c6ce57 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export function rendezvous<T extends { id: string; weight: number }>(candidates: readonly T[], key: string): T | undefined {
  let best: T | undefined;
  let bestScore = -Infinity;
  for (const c of candidates) {
    if (!(c.weight > 0)) continue;
    // u in (0, 1): never 0 or 1 so ln(u) is finite and negative
    const u = (hash53(`${key}\u0000${c.id}`) + 1) / (2 ** 53 + 2);
    const score = -c.weight / Math.log(u);
    if (score > bestScore || (score === bestScore && best && c.id < best.id)) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}
