// Data-plane fault injection (issue 14, part 4): rules that make a listener, or one backend behind
// it, slow (Latency), reset client connections (Reset), behave as if the backend refused the
// connection (Refuse) or lose UDP datagrams (Drop), each with a probability and an optional budget
// of firings. The operator API (`/_openslb/faults`) owns the rule registry and calls `set()` with
// the whole rule set; the protocol handlers ask `forListener()` once per new connection (TCP),
// request (HTTP/HTTPS) or datagram (UDP) and `decide()` once they know the backend.
//
// Cost when nothing is injected: `forListener` checks one map's size. With rules somewhere, it is
// two map lookups (load balancer, then port); `decide` only runs on a listener that has rules.
// Health-check probes never come here (health/probers.ts opens its own sockets), so a fault never
// changes a backend's health.
// The semantics per protocol are in docs/dataplane.md, "Fault injection".
import type { ListenerProtocol } from './snapshot.js';

export type DataPlaneFaultKind = 'Latency' | 'Reset' | 'Refuse' | 'Drop';

export interface DataPlaneFaultRule {
  faultId: string;
  loadBalancerId: string;
  listenerPort: number;
  /** a backend as the listener's members name it (ServerId of the backend / group member);
   *  undefined: the whole listener */
  serverId?: string;
  kind: DataPlaneFaultKind;
  /** Latency only: added delay in ms */
  delayMs?: number;
  /** 0..1, default 1 (undefined counts as 1) */
  probability: number;
  /** times the rule may still fire; undefined = unlimited */
  count?: number;
}

/** What happens to one connection / request / datagram. */
export interface FaultVerdict {
  /** added delay before anything else happens (ms; 0 = none): the sum of the Latency rules that fired */
  readonly delayMs: number;
  /** after the delay: reset the client connection, refuse as the backend would, drop the datagram; null = forward */
  readonly action: 'Reset' | 'Refuse' | 'Drop' | null;
}

/** Which kinds mean something on which protocol (the others never fire there). */
const APPLIES: Record<DataPlaneFaultKind, ReadonlySet<ListenerProtocol>> = {
  Latency: new Set(['tcp', 'udp', 'http', 'https']),
  Reset: new Set(['tcp', 'http', 'https']),
  Refuse: new Set(['tcp', 'udp', 'http', 'https']),
  Drop: new Set(['udp']),
};

/** Whether rules of `kind` can fire on a `protocol` listener (Drop: UDP only; Reset: not UDP). */
export function faultAppliesTo(kind: DataPlaneFaultKind, protocol: ListenerProtocol): boolean {
  return APPLIES[kind].has(protocol);
}

interface Entry {
  readonly rule: Readonly<DataPlaneFaultRule>;
  /** firings left (Infinity: unlimited) */
  left: number;
  fired: number;
}

/** The rules of one listener (load balancer + port), in the order `set()` got them. */
export class ListenerFaults {
  /** @internal */
  constructor(
    private readonly entries: readonly Entry[],
    private readonly random: () => number,
  ) {}

  /**
   * Draws every rule of this listener that applies to `protocol` and to the chosen backend
   * `serverId`, in order: each Latency rule that fires adds its delay; the first Reset / Refuse /
   * Drop that fires ends the draw. undefined: nothing fired (forward as usual).
   */
  decide(protocol: ListenerProtocol, serverId: string | undefined): FaultVerdict | undefined {
    let delayMs = 0;
    let action: FaultVerdict['action'] = null;
    let any = false;
    for (const e of this.entries) {
      const r = e.rule;
      if (e.left <= 0 || (r.serverId !== undefined && r.serverId !== serverId) || !APPLIES[r.kind].has(protocol)) continue;
      if (r.probability < 1 && !(r.probability > 0 && this.random() < r.probability)) continue;
      e.left--;
      e.fired++;
      any = true;
      if (r.kind === 'Latency') delayMs += r.delayMs ?? 0;
      else {
        action = r.kind;
        break;
      }
    }
    return any ? { delayMs: Math.min(delayMs, MAX_DELAY_MS), action } : undefined;
  }
}

export interface DataPlaneFaultsOptions {
  /** uniform in [0, 1): the probability draws (tests inject a sequence) */
  random?: () => number;
}

export class DataPlaneFaults {
  private byListener = new Map<string, Map<number, ListenerFaults>>();
  private entries = new Map<string, Entry>();
  private readonly random: () => number;

  constructor(opts: DataPlaneFaultsOptions = {}) {
    this.random = opts.random ?? Math.random;
  }

  /**
   * Replaces the whole rule set; new connections / requests / datagrams see it at once (what is
   * already delayed or forwarded is not touched). Throws a TypeError, keeping the previous set,
   * when a rule is malformed or two rules share a faultId.
   *
   * A faultId already present keeps what it fired; it also keeps its remaining budget when its
   * `count` is the same value as last time (so the caller may pass the whole registry again
   * after adding or removing another rule); a different `count` starts a new budget.
   */
  set(rules: readonly DataPlaneFaultRule[]): void {
    const entries = new Map<string, Entry>();
    const byListener = new Map<string, Map<number, Entry[]>>();
    for (const r of rules) {
      checkRule(r);
      if (entries.has(r.faultId)) throw new TypeError(`fault ${r.faultId}: duplicate faultId`);
      const rule: DataPlaneFaultRule = Object.freeze({ ...r, probability: r.probability ?? 1 });
      const old = this.entries.get(r.faultId);
      const budget = r.count ?? Infinity;
      const e: Entry = { rule, left: old && old.rule.count === r.count ? old.left : budget, fired: old?.fired ?? 0 };
      entries.set(r.faultId, e);
      let ports = byListener.get(r.loadBalancerId);
      if (!ports) byListener.set(r.loadBalancerId, (ports = new Map()));
      let list = ports.get(r.listenerPort);
      if (!list) ports.set(r.listenerPort, (list = []));
      list.push(e);
    }
    const next = new Map<string, Map<number, ListenerFaults>>();
    for (const [lbId, ports] of byListener) {
      const m = new Map<number, ListenerFaults>();
      for (const [port, list] of ports) m.set(port, new ListenerFaults(list, this.random));
      next.set(lbId, m);
    }
    this.entries = entries;
    this.byListener = next;
  }

  /** The rules of a listener, or undefined when it has none (the hot path: no rule anywhere = one size check). */
  forListener(loadBalancerId: string, listenerPort: number): ListenerFaults | undefined {
    if (this.byListener.size === 0) return undefined;
    return this.byListener.get(loadBalancerId)?.get(listenerPort);
  }

  /** how often each rule fired so far, by faultId (rules of the current set only) */
  fired(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, e] of this.entries) out.set(id, e.fired);
    return out;
  }

  /** firings left per faultId (Infinity: unlimited), rules of the current set only */
  remaining(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, e] of this.entries) out.set(id, e.left);
    return out;
  }

  /** the current rules, in the order they were set */
  rules(): DataPlaneFaultRule[] {
    return [...this.entries.values()].map((e) => e.rule);
  }
}

/** the longest delay one rule may add (a timer's limit, about 24.8 days) */
export const MAX_DELAY_MS = 2 ** 31 - 1;

function checkRule(r: DataPlaneFaultRule): void {
  const bad = (why: string) => new TypeError(`fault ${String(r.faultId)}: ${why}`);
  if (typeof r.faultId !== 'string' || r.faultId === '') throw bad('faultId must be a non-empty string');
  if (typeof r.loadBalancerId !== 'string' || r.loadBalancerId === '') throw bad('loadBalancerId must be a non-empty string');
  if (!Number.isInteger(r.listenerPort) || r.listenerPort < 1 || r.listenerPort > 65535) throw bad('listenerPort must be an integer 1-65535');
  if (r.serverId !== undefined && (typeof r.serverId !== 'string' || r.serverId === '')) throw bad('serverId must be a non-empty string when given');
  if (!Object.hasOwn(APPLIES, r.kind)) throw bad(`unknown kind ${String(r.kind)}`);
  const p = r.probability as number | undefined;
  if (p !== undefined && (typeof p !== 'number' || !(p >= 0 && p <= 1))) throw bad('probability must be a number in [0, 1]');
  if (r.count !== undefined && (!Number.isInteger(r.count) || r.count < 0)) throw bad('count must be a non-negative integer when given');
  if (r.kind === 'Latency') {
    if (typeof r.delayMs !== 'number' || !(r.delayMs >= 0 && r.delayMs <= MAX_DELAY_MS)) throw bad(`Latency needs delayMs in [0, ${MAX_DELAY_MS}]`);
  } else if (r.delayMs !== undefined) throw bad('delayMs is for Latency only');
}
