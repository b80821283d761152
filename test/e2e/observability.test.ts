// Issue 11 parts 3 and 4, end to end: a real server with the data plane, a load balancer made
// through pop-core, real traffic to real backends on loopback. GET /metrics shows the per-listener
// counters with their labels and the per-backend health; an access-log configuration made through
// the API turns on one JSON line per request in DATA_DIR/access-logs/<project>/<logstore>.log,
// rotated by size, and stops when the configuration is deleted.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { putLogStores, putServerCertificate } from '../helpers/fixtures-rules.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { PostgresStore } from '../../src/state/postgres-store.js';
import { get, healthOf, HttpBackend, IPS, REGION, registerInstances, runningHttpLb, waitFor } from './helpers.js';

const WINDOW_MS = 15_000;
/** tiny rotation size so a few dozen requests rotate */
const MAX_BYTES = 8192;

let s: TestServer;
let instances: string[];
const a = new HttpBackend(IPS[0], 'a');
const b = new HttpBackend(IPS[1], 'b');

before(async () => {
  s = await startTestServer({ dataPlane: true, accessLogs: { maxBytes: MAX_BYTES, keep: 2, flushMs: 20 } });
  instances = await registerInstances(s, 'obs');
  await a.start();
  await b.start();
});
after(async () => {
  await Promise.allSettled([a.stop(), b.stop()]);
  await s?.stop();
});

/** An HTTP (or HTTPS) listener on a new load balancer over backends a and b, running. */
const httpLb = (name: string, extra: Record<string, unknown> = {}, protocol: 'http' | 'https' = 'http') =>
  runningHttpLb(s, { name, instances, backends: [a, b], extra, protocol });

async function scrape(): Promise<string> {
  const r = await fetch(`${s.url}/metrics`);
  assert.equal(r.status, 200);
  return r.text();
}

/** The value of one sample: `name{labels}` with the labels in any order. */
function sample(text: string, name: string, labels: Record<string, string | number>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const got = new Map([...line.slice(name.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (Object.entries(labels).every(([k, v]) => got.get(k) === String(v))) return Number(line.slice(close + 2));
  }
  return undefined;
}

describe('GET /metrics', () => {
  test('per-listener counters with their labels; per-backend health turns 0 when a backend stops', async () => {
    const lb = await httpLb('metrics');
    const L = { load_balancer_id: lb.id, listener_port: lb.port, protocol: 'http' };
    for (let i = 0; i < 6; i++) assert.equal((await get(lb.url)).status, 200);
    assert.equal((await get(`${lb.url}x`, { method: 'HEAD' })).status, 200);
    const m = await scrape();
    assert.equal(sample(m, 'openslb_listener_requests_total', L), 7);
    assert.equal(sample(m, 'openslb_listener_new_connections_total', L), 7, 'one fresh connection per request');
    assert.equal(sample(m, 'openslb_listener_responses_total', { ...L, status_class: '2xx' }), 7);
    assert.equal(sample(m, 'openslb_listener_responses_total', { ...L, status_class: '5xx' }), 0);
    assert.equal(sample(m, 'openslb_listener_upstream_responses_total', { ...L, status_class: '2xx' }), 7);
    assert.equal(sample(m, 'openslb_listener_request_duration_seconds_count', L), 7);
    assert.equal(sample(m, 'openslb_listener_request_duration_seconds_bucket', { ...L, le: '+Inf' }), 7);
    assert.ok(sample(m, 'openslb_listener_request_duration_seconds_sum', L)! > 0);
    assert.equal(sample(m, 'openslb_listener_dropped_connections_total', L), 0);
    assert.ok(sample(m, 'openslb_listener_bytes_in_total', L)! > 7 * 30, 'request heads counted');
    assert.ok(sample(m, 'openslb_listener_bytes_out_total', L)! > 7 * 30, 'answers counted');
    await waitFor(async () => sample(await scrape(), 'openslb_listener_active_connections', L) === 0, 5000, 'connections closed');
    // API calls by action and code (already there before the data plane's)
    assert.ok(sample(m, 'openslb_api_requests_total', { action: 'CreateLoadBalancerHTTPListener', code: 'Success' })! >= 1);
    // the store's writes: how long each waited for its turn and then ran (the setup above wrote)
    const store = { store: s.store instanceof PostgresStore ? 'postgres' : 'sqlite' };
    const writes = sample(m, 'openslb_store_write_seconds_count', store)!;
    assert.ok(writes >= 5, `${writes} writes observed`);
    assert.equal(sample(m, 'openslb_store_write_wait_seconds_count', store), writes);
    assert.equal(sample(m, 'openslb_store_write_seconds_bucket', { ...store, le: '+Inf' }), writes);
    assert.ok(sample(m, 'openslb_store_write_seconds_sum', store)! > 0);
    const trips = /^openslb_store_round_trips_total (\d+)$/m.exec(m)?.[1];
    const nonces = /^openslb_store_nonce_uses_total (\d+)$/m.exec(m)?.[1];
    const nonceStatements = /^openslb_store_nonce_statements_total (\d+)$/m.exec(m)?.[1];
    if (s.store instanceof PostgresStore) {
      assert.ok(Number(trips) >= writes && Number(trips) <= s.store.roundTrips, `${trips} round trips`);
      // every signed call checked its nonce with the database, in at most one statement each
      assert.ok(Number(nonces) >= 5 && Number(nonceStatements) >= 1 && Number(nonceStatements) <= Number(nonces), `${nonces} nonces in ${nonceStatements} statements`);
    } else {
      assert.equal(trips, undefined, 'PostgreSQL only');
      assert.equal(nonces, undefined, 'PostgreSQL only');
      assert.equal(nonceStatements, undefined, 'PostgreSQL only');
    }

    await waitFor(async () => Object.values(await healthOf(s, lb.id, lb.port, 'http')).every((x) => x === 'normal'), WINDOW_MS, 'both normal');
    const up = await scrape();
    assert.equal(sample(up, 'openslb_listener_healthy_servers', L), 2);
    assert.equal(sample(up, 'openslb_listener_unhealthy_servers', L), 0);
    const backendA = { ...L, server_id: instances[0]!, server_ip: IPS[0], server_port: a.port };
    assert.equal(sample(up, 'openslb_backend_healthy', backendA), 1);

    await a.stop();
    try {
      await waitFor(async () => sample(await scrape(), 'openslb_backend_healthy', backendA) === 0, WINDOW_MS, 'a unhealthy in /metrics');
      const down = await scrape();
      assert.equal(sample(down, 'openslb_listener_healthy_servers', L), 1);
      assert.equal(sample(down, 'openslb_listener_unhealthy_servers', L), 1);
      assert.equal(sample(down, 'openslb_backend_healthy', { ...L, server_id: instances[1]!, server_port: b.port }), 1);
    } finally {
      await a.start(a.port);
    }
    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
  });
});

describe('access logs', () => {
  const file = () => join(s.dataDir, 'access-logs', 'obs-project', 'obs-store.log');
  const lines = (f = file()): Record<string, string>[] =>
    existsSync(f)
      ? readFileSync(f, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, string>)
      : [];
  const flush = () => s.dataPlane!.plane.accessLogs!.flush();

  test('configured through the API: one JSON line per request with the CLB field names; rotation; off once deleted', async () => {
    await putLogStores(s, 'obs-project', ['obs-store']);
    const lb = await httpLb('logs', { XForwardedFor_SLBID: 'on' });
    // not configured: nothing written
    assert.equal((await get(lb.url)).status, 200);
    await s.dataPlane!.settle();
    await flush();
    assert.equal(existsSync(file()), false);

    await s.call('SetAccessLogsDownloadAttribute', {
      RegionId: REGION,
      LoadBalancerId: lb.id,
      LogsDownloadAttributes: JSON.stringify([{ LoadBalancerId: lb.id, LogProject: 'obs-project', LogStore: 'obs-store', LogType: 'layer7' }]),
    });
    await s.dataPlane!.settle();
    // the fast path (plain GET) …
    assert.equal((await get(`${lb.url}fast?q=1`, { headers: { 'user-agent': 'obs-test/1', 'x-forwarded-for': '10.9.8.7', referer: 'http://ref.example/' } })).status, 200);
    // … and the general path (a chunked request body hands the connection over to node:http)
    const posted = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${lb.url}general`, { method: 'POST', agent: false, headers: { 'transfer-encoding': 'chunked', 'user-agent': 'obs-test/2' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
      req.end('hello');
    });
    assert.equal(posted, 200);
    await waitFor(() => lines().length >= 2, 5000, 'two lines flushed');
    const [fast, general] = lines();
    for (const l of [fast!, general!]) {
      for (const k of ['time', 'client_ip', 'request_method', 'request_uri', 'status', 'upstream_addr', 'upstream_status', 'request_time', 'upstream_response_time', 'body_bytes_sent', 'host', 'http_user_agent', 'http_x_forwarded_for', 'slb_vport', 'slbid', 'ssl_protocol', 'ssl_cipher', 'scheme', 'server_protocol', 'vip_addr']) {
        assert.ok(k in l, `${k} in ${JSON.stringify(l)}`);
      }
      assert.equal(l['slbid'], lb.id);
      assert.equal(l['slb_vport'], String(lb.port));
      assert.equal(l['status'], '200');
      assert.equal(l['upstream_status'], '200');
      assert.equal(l['scheme'], 'http');
      assert.equal(l['ssl_protocol'], '-');
      assert.match(l['time']!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      assert.match(l['request_time']!, /^\d+\.\d{3}$/);
      assert.match(l['upstream_addr']!, /^127\.0\.0\.[23]:\d+$/);
      assert.equal(l['client_ip'], '127.0.0.1');
      assert.equal(l['body_bytes_sent'], '1', 'the backend answers its one-letter name');
    }
    assert.equal(fast!['request_method'], 'GET');
    assert.equal(fast!['request_uri'], '/fast?q=1');
    assert.equal(fast!['http_user_agent'], 'obs-test/1');
    assert.equal(fast!['http_x_forwarded_for'], '10.9.8.7');
    assert.equal(fast!['http_referer'], 'http://ref.example/');
    assert.equal(fast!['host'], `${lb.address}:${lb.port}`);
    assert.equal(general!['request_method'], 'POST');
    assert.equal(general!['request_uri'], '/general');
    assert.equal(general!['http_user_agent'], 'obs-test/2');
    assert.equal(general!['http_x_forwarded_for'], '-');

    // rotation: ~600-byte lines, 8 KiB files, 2 rotated files kept
    for (let i = 0; i < 60; i++) assert.equal((await get(`${lb.url}r${i}`)).status, 200);
    await flush();
    assert.ok(existsSync(`${file()}.1`) && existsSync(`${file()}.2`), 'rotated twice at least');
    assert.equal(existsSync(`${file()}.3`), false, 'only `keep` rotated files');
    for (const f of [file(), `${file()}.1`, `${file()}.2`]) {
      assert.ok(statSync(f).size <= MAX_BYTES, `${f} within the size limit`);
      assert.ok(lines(f).length > 0);
    }
    const last = lines().at(-1)!;
    assert.equal(last['request_uri'], '/r59');

    // deleted: requests are no longer logged
    await s.call('DeleteAccessLogsDownloadAttribute', {
      RegionId: REGION,
      LoadBalancerId: lb.id,
      LogsDownloadAttributes: JSON.stringify([{ LoadBalancerId: lb.id, LogProject: 'obs-project', LogStore: 'obs-store' }]),
    });
    await s.dataPlane!.settle();
    const before = lines().length;
    const size = statSync(file()).size;
    assert.equal((await get(`${lb.url}after`)).status, 200);
    await flush();
    assert.equal(lines().length, before);
    assert.equal(statSync(file()).size, size);
    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
  });

  test('HTTPS: the TLS version and cipher of the connection', async () => {
    await putLogStores(s, 'tls-project', ['tls-store']);
    const cert = await putServerCertificate(s);
    const lb = await httpLb('logs-https', { ServerCertificateId: cert }, 'https');
    await s.call('SetAccessLogsDownloadAttribute', {
      RegionId: REGION,
      LoadBalancerId: lb.id,
      LogsDownloadAttributes: JSON.stringify([{ LogProject: 'tls-project', LogStore: 'tls-store' }]),
    });
    await s.dataPlane!.settle();
    const tls = { servername: 'www.example.com', rejectUnauthorized: false, headers: { 'user-agent': 'obs-tls' } };
    assert.equal((await get(`${lb.url}secure`, tls)).status, 200);
    const f = join(s.dataDir, 'access-logs', 'tls-project', 'tls-store.log');
    await waitFor(() => lines(f).length >= 1, 5000, 'one line');
    const [l] = lines(f);
    assert.equal(l!['scheme'], 'https');
    assert.equal(l!['request_uri'], '/secure');
    assert.equal(l!['http_user_agent'], 'obs-tls');
    assert.equal(l!['status'], '200');
    assert.equal(l!['upstream_status'], '200');
    assert.match(l!['ssl_protocol']!, /^TLSv1\.[23]$/);
    assert.match(l!['ssl_cipher']!, /^[A-Z0-9_-]+$/);
    assert.notEqual(l!['ssl_cipher'], '-');
    assert.equal(l!['body_bytes_sent'], '1');
    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
  });
});
