// One interface for every scheduling algorithm. The pool hands a scheduler the members that may
// take new traffic right now (healthy, weight > 0) and the connection's identity; the scheduler
// returns one of them. Schedulers keep only soft state (round-robin positions), so a pool swap
// never needs to migrate anything.

export interface Candidate {
  /** stable identity of a member (serverId@ip:port): hashing and round-robin state key on it */
  readonly id: string;
  /** 1–100 (the pool filters weight 0 out; schedulers also ignore it) */
  readonly weight: number;
  /** live connections (TCP) / flows (UDP) / in-flight requests (HTTP): used by wlc */
  readonly active: number;
}

export interface PickContext {
  readonly srcIp: string;
  readonly srcPort: number;
  readonly dstIp: string;
  readonly dstPort: number;
  /** UDP: the first datagram of the flow (qch reads the QUIC connection id from it) */
  readonly datagram?: Buffer;
}

export interface Scheduler {
  readonly name: string;
  pick<T extends Candidate>(candidates: readonly T[], ctx: PickContext): T | undefined;
}
