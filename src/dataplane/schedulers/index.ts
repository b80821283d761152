// The scheduler table: wrr, rr, wlc, sch, tch, qch.
import type { SchedulerName } from '../snapshot.js';
import type { Candidate, PickContext, Scheduler } from './types.js';
import { rendezvous } from './hash.js';
import { quicConnectionId } from './quic.js';

export type { Candidate, PickContext, Scheduler } from './types.js';

/**
 * Smooth weighted round-robin (the nginx algorithm): every pick adds each member's weight to its
 * current score, takes the highest and subtracts the total. Over one cycle of Σweights picks each
 * member is chosen exactly `weight` times, interleaved rather than in bursts.
 */
export class WeightedRoundRobin implements Scheduler {
  readonly name: string = 'wrr';
  private current = new Map<string, number>();
  pick<T extends Candidate>(candidates: readonly T[]): T | undefined {
    let total = 0;
    let best: T | undefined;
    let bestScore = -Infinity;
    for (const c of candidates) {
      const w = this.weightOf(c);
      if (!(w > 0)) continue;
      const score = (this.current.get(c.id) ?? 0) + w;
      this.current.set(c.id, score);
      total += w;
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    if (!best) return undefined;
    this.current.set(best.id, bestScore - total);
    // forget members that left so the map cannot grow without bound
    if (this.current.size > candidates.length * 2 + 8) {
      const live = new Set(candidates.map((c) => c.id));
      for (const k of this.current.keys()) if (!live.has(k)) this.current.delete(k);
    }
    return best;
  }
  protected weightOf(c: Candidate): number {
    return c.weight;
  }
}

/** Plain round-robin: smooth WRR with every weight treated as 1 (weight 0 still excluded). */
export class RoundRobin extends WeightedRoundRobin {
  override readonly name = 'rr';
  protected override weightOf(c: Candidate): number {
    return c.weight > 0 ? 1 : 0;
  }
}

/** Weighted least connections: min(active / weight); ties go round-robin among the tied. */
export class WeightedLeastConnections implements Scheduler {
  readonly name = 'wlc';
  private tie = 0;
  pick<T extends Candidate>(candidates: readonly T[]): T | undefined {
    let bestRatio = Infinity;
    const tied: T[] = [];
    for (const c of candidates) {
      if (!(c.weight > 0)) continue;
      const r = c.active / c.weight;
      if (r < bestRatio) {
        bestRatio = r;
        tied.length = 0;
        tied.push(c);
      } else if (r === bestRatio) tied.push(c);
    }
    if (!tied.length) return undefined;
    return tied[this.tie++ % tied.length];
  }
}

/** sch: consistent hash of the source IP. */
export class SourceIpHash implements Scheduler {
  readonly name = 'sch';
  pick<T extends Candidate>(candidates: readonly T[], ctx: PickContext): T | undefined {
    return rendezvous(candidates, ctx.srcIp);
  }
}

/** tch: consistent hash of the 4-tuple (source IP/port, destination IP/port). */
export class FourTupleHash implements Scheduler {
  readonly name = 'tch';
  pick<T extends Candidate>(candidates: readonly T[], ctx: PickContext): T | undefined {
    return rendezvous(candidates, `${ctx.srcIp}|${ctx.srcPort}|${ctx.dstIp}|${ctx.dstPort}`);
  }
}

/**
 * qch: consistent hash of the QUIC destination connection id of the flow's first datagram.
 * Approximation (see docs/dataplane.md): real CLB routes every packet by connection id so a
 * migrated client (new address/port) reaches the same server. We pick per flow (client
 * addr:port); the UDP listener also learns the ids servers choose (the SCID of their long-header
 * replies, QuicIdTable) and sends a new flow whose destination id is known to that server. Short
 * headers are read with the learned id lengths (8 bytes when nothing is learned). Non-QUIC
 * datagrams (or a missing datagram) fall back to the 4-tuple hash.
 */
export class QuicConnectionIdHash implements Scheduler {
  readonly name = 'qch';
  private fallback = new FourTupleHash();
  pick<T extends Candidate>(candidates: readonly T[], ctx: PickContext): T | undefined {
    const cid = ctx.datagram ? quicConnectionId(ctx.datagram) : undefined;
    if (!cid) return this.fallback.pick(candidates, ctx);
    return rendezvous(candidates, `quic:${cid.toString('hex')}`);
  }
}

export function createScheduler(name: SchedulerName): Scheduler {
  switch (name) {
    case 'wrr':
      return new WeightedRoundRobin();
    case 'rr':
      return new RoundRobin();
    case 'wlc':
      return new WeightedLeastConnections();
    case 'sch':
      return new SourceIpHash();
    case 'tch':
      return new FourTupleHash();
    case 'qch':
      return new QuicConnectionIdHash();
  }
}

export const SCHEDULER_NAMES: readonly SchedulerName[] = ['wrr', 'rr', 'wlc', 'sch', 'tch', 'qch'];
