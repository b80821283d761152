// Issue 11 item 1, end to end: the data plane in worker processes (docs/dataplane.md, "Worker
// processes"). A real server with dataPlaneWorkers: 2, load balancers made through the API, real
// traffic on loopback: both workers serve, the control process health-checks once, a cookie minted
// by one worker is honoured by the other, /metrics sums the workers, and a worker killed under
// keep-alive load costs only its own connections and comes back with the current snapshot. UDP
// stays on one worker, fault rules reach every worker, access logs from both share one file, and
// a SIGKILLed control process leaves no worker behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { putLogStores } from '../helpers/fixtures-rules.js';
import { opOk } from '../helpers/operator.js';
import { isAlive } from '../helpers/serve-process.js';
import { freePort, healthOf, HttpBackend, IPS, listenerStatus, REGION, registerInstances, runningHttpLb, TcpBackend, udpAsk, UdpBackend, waitFor } from './helpers.js';

interface WorkerRow {
  Id: number;
  Pid: number | null;
  State: string;
  SnapshotVersion: number;
  Restarts: number;
  StartedAt: string | null;
  Connections: number;
  Udp: boolean;
}

let s: TestServer;
let instances: string[];
const a = new HttpBackend(IPS[0], 'a');
const b = new HttpBackend(IPS[1], 'b');

before(async () => {
  s = await startTestServer({ dataPlaneWorkers: 2, accessLogs: { maxBytes: 8192, keep: 100, flushMs: 20 } });
  instances = await registerInstances(s, 'workers');
  await a.start();
  await b.start();
});
after(async () => {
  await Promise.allSettled([a.stop(), b.stop()]);
  await s?.stop();
});

async function dataplane(): Promise<{ Version: number; Workers: WorkerRow[]; WorkerRestarts: number; Listeners: { listenerId: string; state: string }[] }> {
  const r = await fetch(`${s.url}/_openslb/dataplane`, { headers: { authorization: `Bearer ${s.operatorToken}` } });
  assert.equal(r.status, 200);
  return (await r.json()) as never;
}

const httpLb = (name: string, extra: Record<string, unknown> = {}) => runningHttpLb(s, { name, instances, backends: [a, b], extra });

/** One request on its own connection; the answer and which worker (pid) served it. */
function fresh(host: string, port: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; setCookie?: string[] }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] }));
    });
    req.on('error', reject);
  });
}

describe('data-plane workers', () => {
  test('both workers run the current snapshot; the listener is running; traffic flows', async () => {
    const lb = await httpLb('w-basic');
    const dp = await dataplane();
    assert.equal(dp.Workers.length, 2);
    for (const w of dp.Workers) {
      assert.equal(w.State, 'running');
      assert.ok(w.Pid && w.Pid !== process.pid);
      assert.equal(w.Restarts, 0);
      assert.ok(w.SnapshotVersion >= 1);
    }
    assert.notEqual(dp.Workers[0]!.Pid, dp.Workers[1]!.Pid);
    assert.ok(dp.Listeners.some((l) => l.listenerId === `${lb.id}_http_${lb.port}` && l.state === 'bound'));
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await fresh(lb.address, lb.port);
      assert.equal(r.status, 200);
      seen.add(r.body);
    }
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    // health: checked by the control process, reported as before
    await waitFor(async () => Object.values(await healthOf(s, lb.id, lb.port, 'http')).every((x) => x === 'normal'), 15_000, 'both backends normal');
  });

  test('a cookie inserted by one worker is honoured by the other', async () => {
    const lb = await httpLb('w-sticky', { StickySession: 'on', StickySessionType: 'insert', CookieTimeout: 600 });
    const first = await fresh(lb.address, lb.port);
    const cookie = first.setCookie?.find((c) => c.startsWith('SERVERID='))?.split(';')[0];
    assert.ok(cookie, 'a SERVERID cookie');
    // fresh connections land on either worker (the kernel picks); every one must follow the cookie,
    // until both workers have served some
    const served = async () => (await dataplane()).Workers.map((w) => w.Connections);
    let n = 1;
    for (;;) {
      for (let i = 0; i < 10; i++, n++) {
        const r = await fresh(lb.address, lb.port, { cookie });
        assert.equal(r.body, first.body);
      }
      const per = await served();
      if (per.every((c) => c > 0)) break;
      assert.ok(n < 2000, `one worker took every connection: ${per.join(', ')}`);
    }
    const m = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.operatorToken}` } })).text();
    const line = m.split('\n').find((x) => x.startsWith('openslb_listener_requests_total{') && x.includes(lb.id));
    assert.ok(line, `requests counted: ${m.split('\n').filter((x) => x.includes('requests_total')).join('\n')}`);
    assert.equal(Number(line.slice(line.lastIndexOf(' ') + 1)), n, 'the two workers\' counters summed');
  });

  test('a TLS session ticket issued by one worker resumes on the other (ticket keys shared)', async () => {
    const ca = createCA('workers CA');
    const leaf = issueLeaf(ca, ['shop.example.com']);
    const cert = (await s.call('UploadServerCertificate', { RegionId: REGION, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'w-tls' }, { method: 'POST' })) as {
      ServerCertificateId: string;
    };
    const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'w-tls' })) as { LoadBalancerId: string; Address: string };
    const port = await freePort(lb.Address);
    await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: instances[0], Weight: 100 }]) });
    await s.call('CreateLoadBalancerHTTPSListener', {
      RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, BackendServerPort: a.port, Bandwidth: -1,
      StickySession: 'off', HealthCheck: 'off', ServerCertificateId: cert.ServerCertificateId,
    });
    await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'https' });
    await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, 'https')) === 'running', 15_000, 'running');
    /** one request on its own TLS connection (offering `session`): was it resumed, and the newest ticket */
    const once = (session?: Buffer) =>
      new Promise<{ reused: boolean; session?: Buffer; body: string }>((resolve, reject) => {
        let ticket: Buffer | undefined;
        let reused = false;
        let body = '';
        const sock = tls.connect({ host: lb.Address, port, ca: ca.certPem, servername: 'shop.example.com', session, ALPNProtocols: ['http/1.1'] }, () => {
          reused = sock.isSessionReused();
          sock.write(`GET / HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n`);
        });
        sock.on('session', (t: Buffer) => (ticket = t));
        sock.setEncoding('utf8');
        sock.on('data', (d: string) => (body += d));
        sock.on('end', () => resolve({ reused, session: ticket, body }));
        sock.on('error', reject);
      });
    const first = await once();
    assert.match(first.body, /^HTTP\/1\.1 200/);
    assert.ok(first.session, 'a session ticket');
    const base = (await dataplane()).Workers.map((w) => w.Connections);
    let n = 0;
    for (;;) {
      for (let i = 0; i < 10; i++, n++) {
        const r = await once(first.session);
        assert.match(r.body, /^HTTP\/1\.1 200/);
        assert.ok(r.reused, `connection ${n + 1} was not resumed`);
      }
      const per = (await dataplane()).Workers.map((w, i) => w.Connections - (base[i] ?? 0));
      if (per.every((c) => c > 0)) break;
      assert.ok(n < 2000, `one worker took every connection: ${per.join(', ')}`);
    }
  });

  test('SIGKILL of a worker under keep-alive load: only its connections fail; it comes back with the snapshot', async () => {
    const lb = await httpLb('w-kill');
    const before = await dataplane();
    const victim = before.Workers[0]!;
    // keep-alive clients: each holds one connection and sends requests back to back
    const CLIENTS = 16;
    let stop = false;
    const stats = { ok: 0, failed: 0, failedConnections: 0, newConnectionsOk: 0 };
    const clients: Promise<void>[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      clients.push(
        (async () => {
          while (!stop) {
            // one keep-alive connection until it fails; then a new one
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            let failedHere = false;
            while (!stop && !failedHere) {
              await new Promise<void>((resolve) => {
                const req = http.get({ host: lb.address, port: lb.port, path: '/', agent }, (res) => {
                  res.resume();
                  res.on('end', () => {
                    if (res.statusCode === 200) stats.ok++;
                    else stats.failed++;
                    resolve();
                  });
                });
                req.on('error', () => {
                  stats.failed++;
                  failedHere = true;
                  resolve();
                });
              });
            }
            if (failedHere) stats.failedConnections++;
            agent.destroy();
          }
        })(),
      );
    }
    await waitFor(() => stats.ok > 500, 20_000, 'load running');
    const okBefore = stats.ok;
    process.kill(victim.Pid!, 'SIGKILL');
    // the pool notices, restarts it (new pid, Restarts 1) with the current snapshot
    await waitFor(
      async () => {
        const w = (await dataplane()).Workers[0]!;
        return w.State === 'running' && w.Pid !== victim.Pid && w.Restarts === 1 && w.SnapshotVersion >= victim.SnapshotVersion;
      },
      20_000,
      'the worker restarted',
    );
    // traffic kept flowing throughout, and new connections succeed
    const okAtRestart = stats.ok;
    await waitFor(() => stats.ok > okAtRestart + 500, 20_000, 'load continues after the restart');
    stop = true;
    await Promise.all(clients);
    for (let i = 0; i < 10; i++) assert.equal((await fresh(lb.address, lb.port)).status, 200);
    assert.ok(stats.ok > okBefore);
    console.log(`# kill under load: ${stats.ok} requests ok, ${stats.failed} failed (${stats.failedConnections} connections lost)`);
    // a failure is a request on a connection of the killed worker: at most one per client connection it held
    assert.ok(stats.failed <= CLIENTS, `failures (${stats.failed}) limited to the killed worker's connections (≤ ${CLIENTS})`);
    assert.equal(stats.failed, stats.failedConnections);
    const after = await dataplane();
    assert.equal(after.WorkerRestarts, 1);
    assert.equal(after.Workers[1]!.Pid, before.Workers[1]!.Pid, 'the other worker was left alone');
    assert.ok(after.Listeners.some((l) => l.listenerId === `${lb.id}_http_${lb.port}` && l.state === 'bound'));
    const metrics = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${s.operatorToken}` } })).text();
    assert.match(metrics, /^openslb_dataplane_worker_restarts_total 1$/m);
  });

  test('UDP listeners are served by one worker (a flow stays on one process); health is probed once per machine', async () => {
    const u = await new UdpBackend(IPS[0], 'u').start();
    const t = await new TcpBackend(IPS[1], 't').start();
    try {
      const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'w-udp' })) as { LoadBalancerId: string; Address: string };
      const gu = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 'u', BackendServers: JSON.stringify([{ ServerId: instances[0], Port: u.port, Weight: 100 }]) })) as { VServerGroupId: string };
      const gt = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 't', BackendServers: JSON.stringify([{ ServerId: instances[1], Port: t.port, Weight: 100 }]) })) as { VServerGroupId: string };
      const up = await freePort(lb.Address, 'udp');
      await s.call('CreateLoadBalancerUDPListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: up, VServerGroupId: gu.VServerGroupId, Bandwidth: -1, HealthCheckSwitch: 'off' });
      const tp = await freePort(lb.Address);
      await s.call('CreateLoadBalancerTCPListener', {
        RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: tp, VServerGroupId: gt.VServerGroupId, Bandwidth: -1,
        HealthCheckType: 'tcp', HealthCheckInterval: 1, HealthyThreshold: 2, UnhealthyThreshold: 2, HealthCheckConnectTimeout: 1,
      });
      const before = (await dataplane()).Workers.map((w) => w.Connections);
      await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: up, ListenerProtocol: 'udp' });
      const started = Date.now();
      await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: tp, ListenerProtocol: 'tcp' });
      await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, up, 'udp')) === 'running', 15_000, 'udp running');
      const flows = 20;
      for (let i = 0; i < flows; i++) assert.equal(await udpAsk(lb.Address, up, `m${i}`), `u:m${i}`);
      const now = (await dataplane()).Workers;
      const after = now.map((w) => w.Connections);
      // one worker serves UDP (worker 0 unless it died earlier in this file: then the other took over)
      const home = now.findIndex((w) => w.Udp);
      assert.equal(now.filter((w) => w.Udp).length, 1);
      assert.equal(after[home]! - before[home]!, flows, 'the UDP worker took every flow');
      assert.equal(after[1 - home]! - before[1 - home]!, 0, 'the other serves no UDP');
      // the TCP health check: the backend sees one probe per interval (the control process's), not one per worker
      await waitFor(() => t.accepted >= 5, 20_000, 'five probes');
      const elapsed = Date.now() - started;
      assert.ok(elapsed > 3500, `5 probes took ${elapsed} ms: one prober, every 1 s`);
      await waitFor(async () => Object.values(await healthOf(s, lb.LoadBalancerId, tp, 'tcp')).every((x) => x === 'normal'), 15_000, 'tcp backend normal');
    } finally {
      await Promise.allSettled([u.stop(), t.stop()]);
    }
  });

  test('fault rules reach every worker; firings are summed', async () => {
    const lb = await httpLb('w-faults');
    const { FaultId } = (await opOk(s, 'POST', '/faults', { Target: { LoadBalancerId: lb.id, ListenerPort: lb.port }, Fault: 'Reset' })) as { FaultId: string };
    const seenBy = (await dataplane()).Workers.map((w) => w.Connections);
    let resets = 0;
    // until both workers have reset some connection: the rule is on both
    for (let n = 0; ; n++) {
      assert.ok(n < 2000, 'both workers reset connections');
      const r = await fresh(lb.address, lb.port).then(
        () => 'answered',
        () => 'reset',
      );
      assert.equal(r, 'reset');
      resets++;
      if (n % 10 === 9) {
        const now = (await dataplane()).Workers.map((w) => w.Connections);
        if (now.every((c, i) => c > seenBy[i]!)) break;
      }
    }
    const view = (await opOk(s, 'GET', `/faults/${FaultId}`)) as { Fired: number };
    assert.equal(view.Fired, resets);
    await opOk(s, 'DELETE', `/faults/${FaultId}`);
    assert.equal((await fresh(lb.address, lb.port)).status, 200);
  });

  test('access logs: both workers append to one logstore file, the control process rotates it; every request is one whole line', async () => {
    await putLogStores(s, 'w-project', ['w-store']);
    const lb = await httpLb('w-logs');
    await s.call('SetAccessLogsDownloadAttribute', {
      RegionId: REGION,
      LoadBalancerId: lb.id,
      LogsDownloadAttributes: JSON.stringify([{ LoadBalancerId: lb.id, LogProject: 'w-project', LogStore: 'w-store', LogType: 'layer7' }]),
    });
    await s.dataPlane!.settle();
    await waitFor(async () => (await dataplane()).Workers.every((w) => w.SnapshotVersion >= (s.dataPlane!.plane.version ?? 0)), 10_000, 'workers have the configuration');
    const dir = join(s.dataDir, 'access-logs', 'w-project');
    const lines = () =>
      existsSync(dir)
        ? readdirSync(dir).flatMap((f) =>
            readFileSync(join(dir, f), 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => JSON.parse(l) as { slbid: string; status: string }),
          )
        : [];
    const start = (await dataplane()).Workers.map((w) => w.Connections);
    let sent = 0;
    // fresh connections until both workers served some and the file was rotated at least once
    await waitFor(
      async () => {
        for (let i = 0; i < 20; i++, sent++) assert.equal((await fresh(lb.address, lb.port)).status, 200);
        const now = (await dataplane()).Workers.map((w) => w.Connections);
        return now.every((c, i) => c > start[i]!) && existsSync(join(dir, 'w-store.log.1'));
      },
      20_000,
      'both workers logged and the file rotated',
    );
    // every line whole and parseable, none lost, none twice (rotation included)
    await waitFor(() => lines().length >= sent, 10_000, `${sent} lines`);
    const all = lines();
    assert.equal(all.length, sent);
    assert.ok(all.every((l) => l.slbid === lb.id && l.status === '200'));
  });

  test('a crashed control process leaves no worker behind', async () => {
    // the workers exit when their IPC channel closes: checked on a child control process
    const dir = mkdtempSync(join(tmpdir(), 'openslb-workers-'));
    const apiPort = await freePort('127.0.0.1');
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/openslb.mjs', import.meta.url)), 'serve', '--listen', `127.0.0.1:${apiPort}`, '--data-dir', dir, '--dataplane-workers', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OPENSLB_OPERATOR_TOKEN: 'test-token-workers' },
    });
    try {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      await waitFor(() => out.includes('OpenSLB API listening'), 30_000, 'the server is up');
      const dp = (await (await fetch(`http://127.0.0.1:${apiPort}/_openslb/dataplane`, { headers: { authorization: 'Bearer test-token-workers' } })).json()) as { Workers: WorkerRow[] };
      const pids = dp.Workers.map((w) => w.Pid!);
      assert.equal(pids.length, 2);
      child.kill('SIGKILL');
      await waitFor(() => !pids.some(isAlive), 10_000, 'the workers exited');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});


