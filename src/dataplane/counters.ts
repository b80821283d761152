// Per-listener counters: the operator view later metrics build on. Plain numbers, updated on the
// hot path without allocation; `read()` copies them out. Bytes are added when a connection ends
// (from the sockets' own bytesRead/bytesWritten, free on the zero-copy path) and, for long-lived
// connections, whenever `read()` is called (live connections are sampled).

export interface CountersView {
  listenerId: string;
  /** connections (TCP/HTTP) or flows (UDP) open right now */
  activeConnections: number;
  /** connections / flows accepted since the listener was first bound (monotonic) */
  newConnections: number;
  /** refused by the ACL */
  aclDenied: number;
  /** no healthy backend with weight > 0 */
  noBackend: number;
  /** backend connect failures */
  backendErrors: number;
  /** HTTP requests (L7) / datagrams from clients (UDP) */
  requests: number;
  /** bytes from clients / to clients */
  bytesIn: number;
  bytesOut: number;
  /** HTTP responses by status class (L7 only) */
  status: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** responses received from backends by status class (L7 only) */
  upstreamStatus: { '1xx': number; '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** request durations (L7 only): cumulative counts per DURATION_BUCKETS bound, sum (s), count */
  duration: { buckets: number[]; sum: number; count: number };
}

/** Upper bounds (seconds) of the request-duration histogram; the last bucket is +Inf. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface LiveBytes {
  bytesIn(): number;
  bytesOut(): number;
}

export class ListenerCounters {
  activeConnections = 0;
  newConnections = 0;
  aclDenied = 0;
  noBackend = 0;
  backendErrors = 0;
  requests = 0;
  bytesIn = 0;
  bytesOut = 0;
  status = { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  /** backend responses by class: index 1..5 (1xx..5xx); a fixed array, no key building per response */
  readonly upstream = [0, 0, 0, 0, 0, 0];
  /** request-duration histogram: per-bucket (not cumulative) counts, the last one for > 10 s */
  readonly durationCounts = new Array<number>(DURATION_BUCKETS.length + 1).fill(0);
  durationSum = 0;
  /** open connections whose bytes are not yet folded in */
  readonly live = new Set<LiveBytes>();
  constructor(readonly listenerId: string) {}

  countStatus(code: number): void {
    const k = `${Math.min(5, Math.max(1, Math.floor(code / 100)))}xx` as keyof ListenerCounters['status'];
    this.status[k]++;
  }

  /** A response received from a backend (its status line). */
  countUpstream(code: number): void {
    this.upstream[code >= 500 ? 5 : code < 200 ? 1 : (code / 100) | 0]!++;
  }

  /** One request answered, `seconds` after its head arrived. A linear scan of 13 bounds: no allocation. */
  observeDuration(seconds: number): void {
    let i = 0;
    const n = DURATION_BUCKETS.length;
    while (i < n && seconds > DURATION_BUCKETS[i]!) i++;
    this.durationCounts[i]!++;
    this.durationSum += seconds;
  }

  read(): CountersView {
    let liveIn = 0;
    let liveOut = 0;
    for (const l of this.live) {
      liveIn += l.bytesIn();
      liveOut += l.bytesOut();
    }
    return {
      listenerId: this.listenerId,
      activeConnections: this.activeConnections,
      newConnections: this.newConnections,
      aclDenied: this.aclDenied,
      noBackend: this.noBackend,
      backendErrors: this.backendErrors,
      requests: this.requests,
      bytesIn: this.bytesIn + liveIn,
      bytesOut: this.bytesOut + liveOut,
      status: { ...this.status },
      upstreamStatus: { '1xx': this.upstream[1]!, '2xx': this.upstream[2]!, '3xx': this.upstream[3]!, '4xx': this.upstream[4]!, '5xx': this.upstream[5]! },
      duration: this.readDuration(),
    };
  }

  private readDuration(): CountersView['duration'] {
    const buckets: number[] = [];
    let acc = 0;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) buckets.push((acc += this.durationCounts[i]!));
    return { buckets, sum: this.durationSum, count: acc + this.durationCounts[DURATION_BUCKETS.length]! };
  }
}

/** Counters survive listener restarts and config changes (keyed by listenerId). */
export class CounterRegistry {
  private map = new Map<string, ListenerCounters>();
  get(listenerId: string): ListenerCounters {
    let c = this.map.get(listenerId);
    if (!c) this.map.set(listenerId, (c = new ListenerCounters(listenerId)));
    return c;
  }
  read(listenerId: string): CountersView | undefined {
    return this.map.get(listenerId)?.read();
  }
  all(): CountersView[] {
    return [...this.map.values()].map((c) => c.read());
  }
}
