// src/metrics/dataplane.ts on its own: families are read from the data plane's counters at scrape
// time, labelled from the listener id, with per-protocol rules (dropped connections; L7-only
// families) — including listeners of every protocol, which the e2e test (HTTP) does not cover.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { DataPlane } from '../../src/dataplane/index.js';
import { registerDataPlaneMetrics } from '../../src/metrics/dataplane.js';

test('per-listener families from the live counters, labelled by load balancer, port and protocol', async () => {
  const dp = new DataPlane();
  const reg = new Registry();
  let plane: DataPlane | undefined = undefined;
  registerDataPlaneMetrics(reg, () => plane);
  // no data plane yet: families without samples
  assert.doesNotMatch(await reg.metrics(), /openslb_listener_requests_total\{/);
  plane = dp;
  const tcp = dp.counters.get('lb-a_tcp_80');
  tcp.newConnections = 5;
  tcp.activeConnections = 2;
  tcp.aclDenied = 1;
  tcp.noBackend = 2;
  tcp.backendErrors = 3;
  const udp = dp.counters.get('lb-a_udp_53');
  udp.noBackend = 4;
  udp.requests = 9;
  const http = dp.counters.get('lb-b_http_8080');
  http.requests = 3;
  http.aclDenied = 1;
  http.noBackend = 1;
  http.countStatus(200);
  http.countStatus(204);
  http.countStatus(503);
  http.countUpstream(200);
  http.countUpstream(200);
  http.observeDuration(0.0004);
  http.observeDuration(0.02);
  http.observeDuration(60);
  const text = await reg.metrics();
  const has = (line: string) => assert.ok(text.split('\n').includes(line), `${line}\n---\n${text}`);
  has('openslb_listener_new_connections_total{load_balancer_id="lb-a",listener_port="80",protocol="tcp"} 5');
  has('openslb_listener_active_connections{load_balancer_id="lb-a",listener_port="80",protocol="tcp"} 2');
  // TCP/UDP: every connection or flow ended without a backend; HTTP: refused by the ACL only
  has('openslb_listener_dropped_connections_total{load_balancer_id="lb-a",listener_port="80",protocol="tcp"} 6');
  has('openslb_listener_dropped_connections_total{load_balancer_id="lb-a",listener_port="53",protocol="udp"} 4');
  has('openslb_listener_dropped_connections_total{load_balancer_id="lb-b",listener_port="8080",protocol="http"} 1');
  has('openslb_listener_requests_total{load_balancer_id="lb-a",listener_port="53",protocol="udp"} 9');
  has('openslb_listener_responses_total{load_balancer_id="lb-b",listener_port="8080",protocol="http",status_class="2xx"} 2');
  has('openslb_listener_responses_total{load_balancer_id="lb-b",listener_port="8080",protocol="http",status_class="5xx"} 1');
  has('openslb_listener_upstream_responses_total{load_balancer_id="lb-b",listener_port="8080",protocol="http",status_class="2xx"} 2');
  has('openslb_listener_request_duration_seconds_bucket{load_balancer_id="lb-b",listener_port="8080",protocol="http",le="0.001"} 1');
  has('openslb_listener_request_duration_seconds_bucket{load_balancer_id="lb-b",listener_port="8080",protocol="http",le="0.025"} 2');
  has('openslb_listener_request_duration_seconds_bucket{load_balancer_id="lb-b",listener_port="8080",protocol="http",le="10"} 2');
  has('openslb_listener_request_duration_seconds_bucket{load_balancer_id="lb-b",listener_port="8080",protocol="http",le="+Inf"} 3');
  has('openslb_listener_request_duration_seconds_count{load_balancer_id="lb-b",listener_port="8080",protocol="http"} 3');
  assert.match(text, /# TYPE openslb_listener_request_duration_seconds histogram/);
  assert.match(text, /# TYPE openslb_listener_new_connections_total counter/);
  // L7-only families have no TCP/UDP series
  assert.doesNotMatch(text, /openslb_listener_responses_total\{[^}]*protocol="tcp"/);
  assert.doesNotMatch(text, /openslb_listener_request_duration_seconds_count\{[^}]*protocol="udp"/);
  // the counters are read live: a later scrape sees new values without anything pushed
  tcp.newConnections++;
  assert.ok((await reg.metrics()).includes('openslb_listener_new_connections_total{load_balancer_id="lb-a",listener_port="80",protocol="tcp"} 6'));
  dp.destroy();
});
