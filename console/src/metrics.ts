// Reading the data plane's per-listener series out of Prometheus text (GET /metrics) and turning
// two successive scrapes into rates. Pure functions: the tests feed them text.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

export interface ListenerKey {
  lbId: string;
  protocol: string;
  port: number;
}

/** The listener's counters and gauges at one scrape; undefined when the data plane has none for it. */
export interface Point {
  at: number;
  active: number;
  newConnections: number;
  requests: number;
  bytesIn: number;
  bytesOut: number;
  byClass: Record<string, number>;
  durationSum: number;
  durationCount: number;
}

export function pointOf(samples: Sample[], k: ListenerKey, at: number): Point | undefined {
  const mine = samples.filter((s) => s.labels['load_balancer_id'] === k.lbId && s.labels['protocol'] === k.protocol && s.labels['listener_port'] === String(k.port));
  if (!mine.some((s) => s.name === 'openslb_listener_new_connections_total')) return undefined;
  const one = (name: string) => mine.find((s) => s.name === name && !('status_class' in s.labels))?.value ?? 0;
  const byClass: Record<string, number> = {};
  for (const s of mine) if (s.name === 'openslb_listener_responses_total' && s.labels['status_class']) byClass[s.labels['status_class']] = s.value;
  return {
    at,
    active: one('openslb_listener_active_connections'),
    newConnections: one('openslb_listener_new_connections_total'),
    requests: one('openslb_listener_requests_total'),
    bytesIn: one('openslb_listener_bytes_in_total'),
    bytesOut: one('openslb_listener_bytes_out_total'),
    byClass,
    durationSum: one('openslb_listener_request_duration_seconds_sum'),
    durationCount: one('openslb_listener_request_duration_seconds_count'),
  };
}

/** Rates between two scrapes (per second); latency is the mean over the requests in between (ms), or null without any. */
export interface Rates {
  at: number;
  active: number;
  newConnections: number;
  byClass: Record<string, number>;
  bytesIn: number;
  bytesOut: number;
  latencyMs: number | null;
}

export function ratesBetween(a: Point, b: Point): Rates {
  const dt = Math.max((b.at - a.at) / 1000, 0.001);
  // a counter that went down was reset (the listener was re-created): count from zero
  const rate = (x: number, y: number) => (y >= x ? y - x : y) / dt;
  const byClass: Record<string, number> = {};
  for (const k of Object.keys(b.byClass)) byClass[k] = rate(a.byClass[k] ?? 0, b.byClass[k]!);
  const n = b.durationCount - a.durationCount;
  return {
    at: b.at,
    active: b.active,
    newConnections: rate(a.newConnections, b.newConnections),
    byClass,
    bytesIn: rate(a.bytesIn, b.bytesIn),
    bytesOut: rate(a.bytesOut, b.bytesOut),
    latencyMs: n > 0 ? ((b.durationSum - a.durationSum) / n) * 1000 : null,
  };
}
