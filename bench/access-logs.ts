// npm run bench:access-logs — what layer-7 access logs cost the HTTP fast path (docs/access-logs.md).
// One in-process data plane with one HTTP listener in front of a keep-alive Node backend (a child
// process); wrk drives it in alternating rounds with the load balancer's access log off and on
// (the same listener, reconfigured by a snapshot between rounds), so both see the same machine
// load. Prints req/s per round, the means and the on/off ratio, then a micro-benchmark of the
// per-request work (duration histogram + status classes; one access-log line).
// Env: ROUNDS (4 pairs), DUR (5 s), CONNS (32), KEEP=1 keeps the log directory, AA=1 runs both
// rounds of each pair without logs (the noise floor), MICRO=0 skips the micro-benchmarks.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AccessLogs, AccessLogSink } from '../src/dataplane/access-log.js';
import { ListenerCounters } from '../src/dataplane/counters.js';
import { l7Handlers } from '../src/dataplane/http/index.js';
import { DataPlane } from '../src/dataplane/reconciler.js';
import type { Snapshot } from '../src/dataplane/snapshot.js';

const ROUNDS = Number(process.env.ROUNDS ?? 4);
const DUR = Number(process.env.DUR ?? 5);
const CONNS = Number(process.env.CONNS ?? 32);
const HOST = '127.0.0.1';

if (spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) {
  console.error('wrk is needed (apt-get install wrk)');
  process.exit(1);
}

// the backend: a keep-alive HTTP server in its own process, answering "hello"
const backend = spawn(
  process.execPath,
  ['-e', `const s=require('http').createServer((q,r)=>{r.setHeader('content-type','text/plain');r.end('hello')});s.keepAliveTimeout=60000;s.listen(0,'${HOST}',()=>console.log(s.address().port))`],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const backendPort = await new Promise<number>((resolve) => backend.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
process.on('exit', () => backend.kill());

const dir = mkdtempSync(join(tmpdir(), 'openslb-access-bench-'));
const dp = new DataPlane({ handlers: [...l7Handlers], accessLogs: { dir } });
let version = 0;
let port = 0;
function snapshot(logs: boolean): Snapshot {
  return {
    version: ++version,
    loadBalancers: [
      {
        loadBalancerId: 'lb-bench',
        address: HOST,
        addressIPVersion: 'ipv4',
        status: 'active',
        serverGroups: { 'rsp-web': { serverGroupId: 'rsp-web', kind: 'vserver', servers: [{ serverId: 'a', ip: HOST, port: backendPort, weight: 100, type: 'ecs' }] } },
        listeners: [
          {
            listenerId: `lb-bench_http_${port}`,
            protocol: 'http',
            port,
            status: 'running',
            scheduler: 'wrr',
            bandwidth: -1,
            acl: null,
            healthCheck: { enabled: false, type: 'http', connectPort: null, intervalMs: 2000, timeoutMs: 5000, healthyThreshold: 3, unhealthyThreshold: 3, http: { method: 'head', uri: '/', domain: null, httpCodes: ['http_2xx'] } },
            serverGroupId: 'rsp-web',
            backendServerPort: null,
            stickySession: null,
            forwardedHeaders: { xForwardedFor: true, xForwardedProto: false, slbIp: false, slbId: false, xForwardedPort: false, xForwardedClientSrcPort: false },
            gzip: false,
            idleTimeoutMs: 15_000,
            requestTimeoutMs: 60_000,
            rules: [],
            redirect: null,
          },
        ],
        // AA=1: an A/A run (both rounds without logs), to see the noise of the machine
        ...(logs && process.env.AA !== '1' ? { accessLog: { project: 'bench', logstore: 'access' } } : {}),
      },
    ],
    acls: {},
    serverCertificates: {},
    caCertificates: {},
    tlsCipherPolicies: {},
  };
}

// a free port for the listener
{
  const net = await import('node:net');
  port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, HOST, () => {
      const p = (s.address() as import('node:net').AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function wrk(): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t1', `-c${CONNS}`, `-d${DUR}s`, '-H', 'User-Agent: bench/1.0', `http://${HOST}:${port}/hello?x=1`], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.once('exit', () => {
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (!m || /Non-2xx|Socket errors/.test(out)) reject(new Error(`wrk: ${out}`));
      else resolve(Number(m[1]));
    });
  });
}

const off: number[] = [];
const on: number[] = [];
// CPU time of this process (the data plane only: wrk and the backend run elsewhere) per request:
// what logging adds to each request, much less sensitive to other load on the machine than req/s
const cpuOff: number[] = [];
const cpuOn: number[] = [];
// event-loop busy time per request: the main thread's share (what bounds a worker's throughput);
// process CPU above also counts libuv's thread pool, where the log file writes run
const loopOff: number[] = [];
const loopOn: number[] = [];
const counters = () => dp.counters.read(`lb-bench_http_${port}`)?.requests ?? 0;
await dp.apply(snapshot(false));
await wrk(); // warm-up
for (let i = 0; i < ROUNDS; i++) {
  // alternate which one goes first, so a trend in the machine's load hits both alike
  for (const logs of i % 2 ? [true, false] : [false, true]) {
    await dp.apply(snapshot(logs));
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const n0 = counters();
    const rps = await wrk();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const n = counters() - n0;
    const us = (cpu.user + cpu.system) / n;
    const loopUs = (elu.active * 1000) / n;
    (logs ? loopOn : loopOff).push(loopUs);
    (logs ? on : off).push(rps);
    (logs ? cpuOn : cpuOff).push(us);
    console.log(
      `round ${i + 1} access logs ${logs ? 'on ' : 'off'}: ${Math.round(rps)} req/s, ${us.toFixed(2)} µs CPU per request ` +
        `(user ${(cpu.user / n).toFixed(2)}, system ${(cpu.system / n).toFixed(2)}), ${loopUs.toFixed(2)} µs event loop per request`,
    );
  }
}
await dp.accessLogs!.flush();
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const files = existsSync(join(dir, 'bench')) ? readdirSync(join(dir, 'bench')) : [];
const bytes = files.reduce((a, f) => a + statSync(join(dir, 'bench', f)).size, 0);
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
console.log(`\noff: ${Math.round(mean(off))} req/s, on: ${Math.round(mean(on))} req/s, on/off = ${(mean(on) / mean(off)).toFixed(3)} (${ROUNDS} rounds each, wrk -t1 -c${CONNS} -d${DUR}s)`);
console.log(
  `CPU per request (median): off ${med(cpuOff).toFixed(2)} µs, on ${med(cpuOn).toFixed(2)} µs: +${((med(cpuOn) / med(cpuOff) - 1) * 100).toFixed(1)} % ` +
    `(throughput of a CPU-bound data plane: ×${(med(cpuOff) / med(cpuOn)).toFixed(3)})`,
);
console.log(
  `event loop per request (median): off ${med(loopOff).toFixed(2)} µs, on ${med(loopOn).toFixed(2)} µs: +${((med(loopOn) / med(loopOff) - 1) * 100).toFixed(1)} % ` +
    `(throughput of a saturated event loop: ×${(med(loopOff) / med(loopOn)).toFixed(3)})`,
);
console.log(`log written: ${files.length} file(s), ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
await dp.close();

// micro-benchmarks of the per-request work, in ns per request (MICRO=0 skips them)
if (process.env.MICRO !== '0') await micro();
async function micro() {
  function perOp(n: number, f: (i: number) => void): number {
    for (let i = 0; i < 10_000; i++) f(i);
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f(i);
    return Number(process.hrtime.bigint() - t) / n;
  }
  const c = new ListenerCounters('lb-bench_http_80');
  const metricsNs = perOp(2_000_000, (i) => {
    const t0 = performance.now();
    c.countStatus(200);
    c.countUpstream(200);
    c.observeDuration((performance.now() - t0 + (i & 7)) / 1000);
  });
  const logs = new AccessLogs({ dir: join(dir, 'micro') });
  const sink = new AccessLogSink(logs.file('bench', 'micro'), 'lb-bench', HOST, 80, 'http');
  // 25 000 lines with the warm-up: below the writer's queue limit, so none is dropped
  const lineNs = perOp(15_000, (i) =>
    sink.write({
      clientIp: '127.0.0.1',
      clientPort: 40000 + (i & 1023),
      method: 'GET',
      uri: '/hello?x=1',
      serverProtocol: 'HTTP/1.1',
      host: '127.0.0.1:8080',
      referer: undefined,
      userAgent: 'bench/1.0',
      xForwardedFor: undefined,
      status: 200,
      bodyBytesSent: 5,
      requestTime: 0.000321,
      upstreamAddr: '127.0.0.1:18081',
      upstreamStatus: 200,
      upstreamResponseTime: 0.000301,
      sslProtocol: undefined,
      sslCipher: undefined,
    }),
  );
  await logs.close();
  console.log(
    `per request: counters + duration histogram ${metricsNs.toFixed(0)} ns; ` +
      `one access-log line (built and encoded into its batch; the write itself runs on the thread pool) ${lineNs.toFixed(0)} ns`,
  );
}
if (process.env.KEEP === '1') console.log(`logs kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
process.exit(0);
