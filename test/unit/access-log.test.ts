// AccessLogFile / AccessLogSink (src/dataplane/access-log.ts) on their own: every line lands once,
// in order, rotation never splits a line nor keeps more than `keep` old files, a line longer than
// the limit still goes out (alone), and the JSON is valid whatever the strings hold.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AccessLogs, AccessLogSink, type AccessLogEntry } from '../../src/dataplane/access-log.js';

const dir = mkdtempSync(join(tmpdir(), 'openslb-access-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : []);

test('rotation: lines whole and in order across files, at most `keep` old files, each within the limit', async () => {
  const logs = new AccessLogs({ dir, maxBytes: 1000, keep: 3, flushMs: 5 });
  const f = logs.file('p', 's');
  for (let i = 0; i < 60; i++) f.append(`{"n":${i},"pad":"${'x'.repeat(40 + (i % 7) * 10)}"}`);
  await logs.flush();
  const path = join(dir, 'p', 's.log');
  assert.equal(existsSync(`${path}.4`), false);
  const files = [`${path}.3`, `${path}.2`, `${path}.1`, path];
  const all = files.flatMap((p) => read(p)).map((l) => (JSON.parse(l) as { n: number }).n);
  for (const p of files) assert.ok(statSync(p).size <= 1000, `${p}: ${statSync(p).size} bytes`);
  // the newest lines, consecutive, ending with the last one
  assert.equal(all.at(-1), 59);
  for (let i = 1; i < all.length; i++) assert.equal(all[i], all[i - 1]! + 1);
  // a line longer than the limit goes out alone in a fresh file
  f.append(`{"big":"${'y'.repeat(2000)}"}`);
  f.append('{"after":1}');
  await logs.close();
  assert.equal(read(`${path}.1`).length, 1);
  assert.match(read(`${path}.1`)[0]!, /^\{"big"/);
  assert.deepEqual(read(path), ['{"after":1}']);
});

test('keep 0: the file is cut instead of renamed; closed files take no more lines', async () => {
  const logs = new AccessLogs({ dir, maxBytes: 100, keep: 0 });
  const f = logs.file('k0', 's');
  for (let i = 0; i < 5; i++) f.append(`{"n":${i},"pad":"${'z'.repeat(50)}"}`);
  await logs.close();
  const path = join(dir, 'k0', 's.log');
  assert.equal(existsSync(`${path}.1`), false);
  assert.deepEqual(
    read(path).map((l) => (JSON.parse(l) as { n: number }).n),
    [4],
  );
  f.append('{"late":1}');
  await f.flush();
  assert.equal(read(path).length, 1);
});

test('sink: CLB field names, "-" for what is missing, strings escaped into valid JSON', async () => {
  const logs = new AccessLogs({ dir });
  const sink = new AccessLogSink(logs.file('sink', 's'), 'lb-1', '10.0.0.1', 443, 'https');
  const e: AccessLogEntry = {
    clientIp: '192.0.2.7',
    clientPort: 50000,
    method: 'GET',
    uri: '/a?q="x"\\y',
    serverProtocol: 'HTTP/2.0',
    host: 'ünïcode.example',
    referer: undefined,
    userAgent: 'ua\twith\ncontrols',
    xForwardedFor: '',
    status: 502,
    bodyBytesSent: 157,
    requestTime: 0.0123456,
    upstreamAddr: undefined,
    upstreamStatus: 0,
    upstreamResponseTime: -1,
    sslProtocol: 'TLSv1.3',
    sslCipher: 'TLS_AES_128_GCM_SHA256',
  };
  sink.write(e);
  await logs.close();
  const [line] = read(join(dir, 'sink', 's.log'));
  const o = JSON.parse(line!) as Record<string, string>;
  assert.equal(o['__topic__'], 'slb_layer7_access_log');
  assert.equal(o['request_uri'], '/a?q="x"\\y');
  assert.equal(o['host'], 'ünïcode.example');
  assert.equal(o['http_user_agent'], 'ua\twith\ncontrols');
  assert.equal(o['http_referer'], '-');
  assert.equal(o['http_x_forwarded_for'], '-');
  assert.equal(o['status'], '502');
  assert.equal(o['request_time'], '0.012');
  assert.equal(o['upstream_addr'], '-');
  assert.equal(o['upstream_status'], '-');
  assert.equal(o['upstream_response_time'], '-');
  assert.equal(o['ssl_protocol'], 'TLSv1.3');
  assert.equal(o['slb_vport'], '443');
  assert.equal(o['slbid'], 'lb-1');
  assert.equal(o['vip_addr'], '10.0.0.1');
  assert.equal(o['scheme'], 'https');
  assert.equal(o['server_protocol'], 'HTTP/2.0');
  assert.ok(Object.values(o).every((v) => typeof v === 'string'));
});
