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
}

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
  /** open connections whose bytes are not yet folded in */
  readonly live = new Set<LiveBytes>();
  constructor(readonly listenerId: string) {}

  countStatus(code: number): void {
    const k = `${Math.min(5, Math.max(1, Math.floor(code / 100)))}xx` as keyof ListenerCounters['status'];
    this.status[k]++;
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
    };
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
