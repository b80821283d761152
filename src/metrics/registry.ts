// The server's Prometheus metrics (GET /metrics; docs/metrics.md). One registry per server, so
// several servers in one process (tests) do not share counters.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** seconds: a write's wait for its turn and its run, from under a millisecond to seconds */
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly apiRequests = new Counter({
    name: 'openslb_api_requests_total',
    help: 'API calls answered, by product, action and answer code (Success for a successful call)',
    labelNames: ['product', 'action', 'code'] as const,
    registers: [this.registry],
  });
  readonly apiDuration = new Histogram({
    name: 'openslb_api_request_duration_seconds',
    help: 'time from receiving an API call to its answer, by product and action',
    labelNames: ['product', 'action'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly apiInflight = new Gauge({
    name: 'openslb_api_inflight_requests',
    help: 'API calls being handled now',
    registers: [this.registry],
  });
  readonly apiShed = new Counter({
    name: 'openslb_api_shed_total',
    help: 'API calls refused at once with 449 SystemBusy because --max-inflight calls were in flight',
    registers: [this.registry],
  });
  readonly faultsFired = new Counter({
    name: 'openslb_faults_fired_total',
    help: 'fault rules that fired on API calls, by kind (api: an injected error; delay: an injected delay)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly storeWriteWait = new Histogram({
    name: 'openslb_store_write_wait_seconds',
    help: 'time a write transaction waited for its turn (one write at a time per process: the SQLite write lock, the PostgreSQL write gate), by store',
    labelNames: ['store'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });
  readonly storeWriteHold = new Histogram({
    name: 'openslb_store_write_seconds',
    help: 'time a write transaction ran once its turn came (its reads, its statements, the commit, retries included), by store',
    labelNames: ['store'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });
  readonly dependencyFailures = new Counter({
    name: 'openslb_dependency_failures_total',
    help: 'uses of a dependency that failed because it was set down or flaky',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
}

/** What the PostgreSQL store counts since it opened (round trips, retried write attempts, signature nonces). */
export interface PostgresCounts {
  readonly roundTrips: number;
  readonly retries: number;
  readonly nonceUses: number;
  readonly nonceStatements: number;
}

/** Counters read from the PostgreSQL store at each scrape. */
export function registerPostgresCounts(registry: Registry, store: PostgresCounts): void {
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('openslb_store_round_trips_total', "round trips of this process's transactions to PostgreSQL (a batch of statements sent together is one)", () => store.roundTrips);
  counter('openslb_store_write_retries_total', 'write attempts rolled back by a serialization failure or deadlock and run again', () => store.retries);
  counter('openslb_store_nonce_uses_total', 'signature nonces checked against the database (one per signed request)', () => store.nonceUses);
  counter('openslb_store_nonce_statements_total', 'statements that recorded them: nonces that queue while two statements are on their way share the next one', () => store.nonceStatements);
}
