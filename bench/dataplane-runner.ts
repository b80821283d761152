// A standalone OpenSLB data plane for benchmarks, built as `openslb serve` runs it: a control
// process (this one) and WORKERS data-plane worker processes (src/dataplane/worker/pool.ts; they
// share each listening socket, SCHED_NONE) fed through the same IPC path. It applies one snapshot
// with TCP listeners in front of the bench/peers backends (and an HTTP listener), then runs until
// SIGTERM. WORKERS=0 runs the data plane inside this process instead (the embedders' mode).
//   PORT_BASE=18300 WORKERS=1 node --import tsx bench/dataplane-runner.ts
// listeners: PORT_BASE → 127.0.0.1:18081/18082 (tcp, wrr), PORT_BASE+10 → 127.0.0.1:15201 (tcp,
// iperf3), PORT_BASE+1 → 18081/18082 (http, XFF on, one rule, ACL on) when an HTTP handler is
// available (BENCH_HTTP=0 leaves it out), PORT_BASE+2 → 18081/18082 (https, same settings, the
// certificate in BENCH_TLS_CERT/BENCH_TLS_KEY, policy BENCH_TLS_POLICY) when both files are given.
// RECONFIG=N: once health checks are on, applies N configuration changes, one every RECONFIG_MS
// (default 5) while the HTTP listener is carrying load (≥ 20 requests since the last tick), so
// they land during the HTTP wrk run: weights, members added and removed, scheduler, XFF headers,
// timeouts, the rule on and off, and the HTTPS listener's certificate switched between two ids.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { DataPlane } from '../src/dataplane/reconciler.js';
import { WorkerPool } from '../src/dataplane/worker/pool.js';
import type { ProtocolHandler } from '../src/dataplane/handler.js';
import type { HealthCheckSnapshot, ListenerSnapshot, Snapshot, TcpListenerSnapshot } from '../src/dataplane/snapshot.js';

const WORKERS = Number(process.env.WORKERS ?? 1);
const BASE = Number(process.env.PORT_BASE ?? 18300);
const HOST = '127.0.0.1';
const TLS_CERT = process.env.BENCH_TLS_CERT;
const TLS_KEY = process.env.BENCH_TLS_KEY;
const WITH_TLS = !!(TLS_CERT && TLS_KEY);
const TLS_POLICY = process.env.BENCH_TLS_POLICY ?? 'tls_cipher_policy_1_2_strict_with_1_3';

async function findHttpHandler(): Promise<ProtocolHandler | undefined> {
  if (process.env.BENCH_HTTP === '0') return undefined;
  for (const p of ['../src/dataplane/http/index.js', '../src/dataplane/http/listener.js']) {
    try {
      const mod = (await import(p)) as Record<string, unknown>;
      for (const v of Object.values(mod)) {
        const h = v as ProtocolHandler;
        if (h && typeof h === 'object' && h.protocol === 'http' && typeof h.create === 'function') return h;
      }
    } catch {
      /* not built yet */
    }
  }
  return undefined;
}

const tcpHealth: HealthCheckSnapshot = { enabled: true, type: 'tcp', connectPort: null, intervalMs: 2000, timeoutMs: 5000, healthyThreshold: 3, unhealthyThreshold: 3 };

function tcp(port: number, group: string): TcpListenerSnapshot {
  return {
    listenerId: `lb-bench_tcp_${port}`,
    protocol: 'tcp',
    port,
    status: 'running',
    scheduler: 'wrr',
    bandwidth: -1,
    acl: null,
    healthCheck: tcpHealth,
    serverGroupId: group,
    backendServerPort: null,
    persistenceTimeoutMs: 0,
    establishedTimeoutMs: 900_000,
    proxyProtocolV2: false,
    connectionDrain: { enabled: false, timeoutMs: 0 },
  };
}

// run.sh starts the backends after the data plane: health checks are switched on (snapshot v2) only
// once every backend accepts connections, so probes failing before that cannot mark them abnormal
// and fail run.sh's sanity check with 502s.
function buildSnapshot(withHttp: boolean, checks = true, change = -1): Snapshot {
  const listeners: ListenerSnapshot[] = [tcp(BASE, 'rsp-web'), tcp(BASE + 10, 'rsp-iperf')];
  if (withHttp) {
    const httpL = {
      listenerId: `lb-bench_http_${BASE + 1}`,
      protocol: 'http',
      port: BASE + 1,
      status: 'running',
      scheduler: 'wrr',
      bandwidth: -1,
      acl: { type: 'white', aclIds: ['acl-bench'] },
      healthCheck: { ...tcpHealth, type: 'http', http: { method: 'head', uri: '/hello', domain: null, httpCodes: ['http_2xx', 'http_3xx'] } },
      serverGroupId: 'rsp-web',
      backendServerPort: null,
      stickySession: null,
      forwardedHeaders: { xForwardedFor: true, xForwardedProto: false, slbIp: false, slbId: false, xForwardedPort: false, xForwardedClientSrcPort: false },
      gzip: false,
      idleTimeoutMs: 15_000,
      requestTimeoutMs: 60_000,
      rules: [{ ruleId: 'rule-bench', ruleName: 'bench', domain: null, url: '/hello', serverGroupId: 'rsp-web', override: null }],
      redirect: null,
    } as const;
    listeners.push(httpL);
    if (WITH_TLS) {
      const { redirect: _r, ...rest } = httpL;
      listeners.push({
        ...rest,
        listenerId: `lb-bench_https_${BASE + 2}`,
        protocol: 'https',
        port: BASE + 2,
        serverCertificateId: 'cert-bench',
        caCertificateId: null,
        domainExtensions: [],
        tlsCipherPolicy: TLS_POLICY,
        enableHttp2: false,
      });
    }
  }
  const web = (id: string, port: number, weight = 100) => ({ serverId: id, ip: HOST, port, weight, type: 'ecs' as const });
  let webServers = [web('a', 18081), web('b', 18082)];
  let certId = 'cert-bench';
  if (change >= 0) {
    // RECONFIG: configuration number `change` of a cycle touching every kind of change
    const k = change % 6;
    webServers = [web('a', 18081, 100), web('b', 18082, [100, 30, 70, 100, 50, 100][k]!)];
    if (k === 1 || k === 4) webServers.push(web('a2', 18081, 60)); // a member added, removed next change
    if (k === 3) webServers = [web('a', 18081)]; // b removed while its requests are in flight
    certId = change % 2 ? 'cert-bench-2' : 'cert-bench';
    for (const [i, l] of listeners.entries()) {
      if (l.protocol !== 'http' && l.protocol !== 'https') continue;
      listeners[i] = {
        ...l,
        scheduler: (['wrr', 'rr', 'wlc'] as const)[change % 3]!,
        forwardedHeaders: { ...l.forwardedHeaders, xForwardedProto: k % 2 === 0, slbIp: k > 2 },
        idleTimeoutMs: k % 2 ? 15_000 : 30_000,
        requestTimeoutMs: k % 2 ? 60_000 : 30_000,
        rules: change % 4 < 2 ? l.rules : [],
        ...(l.protocol === 'https' ? { serverCertificateId: certId } : {}),
      };
    }
  }
  if (!checks) for (const [i, l] of listeners.entries()) listeners[i] = { ...l, healthCheck: { ...l.healthCheck, enabled: false } };
  return {
    version: change >= 0 ? 3 + change : checks ? 2 : 1,
    loadBalancers: [
      {
        loadBalancerId: 'lb-bench',
        address: HOST,
        addressIPVersion: 'ipv4',
        status: 'active',
        serverGroups: {
          'rsp-web': { serverGroupId: 'rsp-web', kind: 'vserver', servers: webServers },
          'rsp-iperf': { serverGroupId: 'rsp-iperf', kind: 'vserver', servers: [web('iperf', 15201)] },
        },
        listeners,
      },
    ],
    acls: { 'acl-bench': { aclId: 'acl-bench', addressIPVersion: 'ipv4', entries: ['127.0.0.0/8'] } },
    serverCertificates: WITH_TLS ? { [certId]: { serverCertificateId: certId, certificate: readFileSync(TLS_CERT!, 'utf8'), privateKey: readFileSync(TLS_KEY!, 'utf8') } } : {},
    caCertificates: {},
    tlsCipherPolicies: {},
  };
}

const RECONFIG = Number(process.env.RECONFIG ?? 0);
const RECONFIG_MS = Number(process.env.RECONFIG_MS ?? 5);

/** RECONFIG: N changes, one per tick while the HTTP listener carries load (the wrk run). */
async function reconfigure(dp: DataPlane | WorkerPool) {
  const requests = async () => {
    if (dp instanceof WorkerPool) await dp.refresh();
    return dp.counters.all().find((c) => c.listenerId === `lb-bench_http_${BASE + 1}`)?.requests ?? 0;
  };
  let seen = await requests();
  let first = 0;
  for (let i = 0; i < RECONFIG; ) {
    await new Promise((r) => setTimeout(r, RECONFIG_MS));
    const now = await requests();
    if (now - seen >= 20) {
      if (!first) first = Date.now();
      const r = await dp.apply(buildSnapshot(true, true, i++));
      if (r.failed.length) console.error('reconfig: bind failed', r.failed);
    }
    seen = now;
  }
  console.error(`openslb reconfig: ${RECONFIG} changes applied under HTTP load in ${((Date.now() - first) / 1000).toFixed(1)} s (pid ${process.pid})`);
}

async function runPlane() {
  const http = await findHttpHandler();
  const handlers = http ? [http] : [];
  if (http && WITH_TLS) handlers.push((await import('../src/dataplane/https/listener.js')).httpsHandler);
  let dp: DataPlane | WorkerPool;
  if (WORKERS > 0) {
    const pool = new WorkerPool({ workers: WORKERS, closeGraceMs: 1000, log: { info() {}, warn: (o, m) => console.error(m), error: (o, m) => console.error(m) } });
    // HELD=1: no start() first, as `openslb serve` restarts: the first apply forks the workers with
    // the listening sockets bound for them (src/dataplane/worker/held.ts) instead of passing them over IPC
    if (process.env['HELD'] !== '1') await pool.start();
    dp = pool;
  } else dp = new DataPlane({ handlers });
  const r = await dp.apply(buildSnapshot(!!http, false));
  if (r.failed.length) {
    console.error('bind failed', r.failed);
    process.exit(1);
  }
  void (async () => {
    const up = (port: number) =>
      new Promise<boolean>((res) => {
        const s = net.connect(port, HOST, () => (s.destroy(), res(true)));
        s.on('error', () => res(false));
      });
    while (!((await up(18081)) && (await up(18082)) && (await up(15201)))) await new Promise((r) => setTimeout(r, 200));
    await dp.apply(buildSnapshot(!!http, true));
    if (RECONFIG > 0 && http) await reconfigure(dp);
  })();
  const stop = () => {
    if (dp instanceof WorkerPool) void dp.close().finally(() => process.exit(0));
    else {
      dp.destroy();
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return { http: !!http, bound: r.bound };
}

const info = await runPlane();
console.log(`openslb dataplane ready workers=${WORKERS} http=${info.http ? 1 : 0} base=${BASE}`);
