// The console's reading of /metrics (console/src/metrics.ts): one listener's series out of the
// Prometheus text, and rates between two scrapes; nothing when the listener has no series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheus, pointOf, ratesBetween } from '../../console/src/metrics.ts';

const L = 'load_balancer_id="lb-1",listener_port="80",protocol="http"';
const scrape = (n: number) => `# HELP openslb_listener_active_connections x
# TYPE openslb_listener_active_connections gauge
openslb_listener_active_connections{${L}} 3
openslb_listener_active_connections{load_balancer_id="lb-2",listener_port="80",protocol="http"} 99
openslb_listener_new_connections_total{${L}} ${10 * n}
openslb_listener_requests_total{${L}} ${20 * n}
openslb_listener_bytes_in_total{${L}} ${1000 * n}
openslb_listener_bytes_out_total{${L}} ${4000 * n}
openslb_listener_responses_total{${L},status_class="2xx"} ${18 * n}
openslb_listener_responses_total{${L},status_class="5xx"} ${2 * n}
openslb_listener_request_duration_seconds_bucket{${L},le="0.005"} ${20 * n}
openslb_listener_request_duration_seconds_sum{${L}} ${0.1 * n}
openslb_listener_request_duration_seconds_count{${L}} ${20 * n}
`;

test('a listener point and the rates between two scrapes', () => {
  const key = { lbId: 'lb-1', protocol: 'http', port: 80 };
  const a = pointOf(parsePrometheus(scrape(1)), key, 0)!;
  const b = pointOf(parsePrometheus(scrape(3)), key, 2000)!;
  assert.equal(a.active, 3);
  const r = ratesBetween(a, b);
  assert.equal(r.newConnections, 10);
  assert.equal(r.bytesIn, 1000);
  assert.equal(r.bytesOut, 4000);
  assert.deepEqual(r.byClass, { '2xx': 18, '5xx': 2 });
  assert.ok(Math.abs(r.latencyMs! - 5) < 1e-9);
});

test('no series for the listener: no point; no requests in between: no latency', () => {
  assert.equal(pointOf(parsePrometheus(scrape(1)), { lbId: 'lb-3', protocol: 'http', port: 80 }, 0), undefined);
  const key = { lbId: 'lb-1', protocol: 'http', port: 80 };
  const a = pointOf(parsePrometheus(scrape(1)), key, 0)!;
  assert.equal(ratesBetween(a, { ...a, at: 1000 }).latencyMs, null);
});

test('label values with escapes are read as text', () => {
  const [s] = parsePrometheus('m{a="x\\"y\\\\z"} 1\n');
  assert.deepEqual(s!.labels, { a: 'x"y\\z' });
});
