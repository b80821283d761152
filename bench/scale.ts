// `npm run bench:scale`: how OpenSLB's API and configuration changes scale with the number of load
// balancers, on SQLite and on PostgreSQL. Prints one markdown table (figures × stores × sizes, with
// the scaling targets and a verdict each) and writes it with the raw numbers to
// bench/results/scale-<timestamp>.{md,json}. A benchmark: it measures and judges, it asserts
// nothing.
//
//   npm run bench:scale                                   # --sizes 500,50000 --stores sqlite,postgres
//   npm run bench:scale -- --sizes 200,2000 --stores sqlite
//
// For each store and each size N, on a fresh data dir (and a fresh PostgreSQL schema):
//  1. `openslb serve --no-dataplane` as a child process; through the operator API: a bench VPC
//     (127.211.0.0/16, one vSwitch) with 10 backend instances, an internet pool 127.210.0.0/16
//     (own blocks, so nothing collides with other servers on this host), quotas raised above N;
//  2. warm-up on --warmup throwaway LBs (created with the same calls, then deleted), so a small N
//     does not pay more JIT warm-up per call than a big one; then the setup with --writers
//     closed-loop writers: per LB CreateLoadBalancer (even: intranet in the
//     bench vSwitch = a VPC LB; odd: internet), AddBackendServers (the 10 instances),
//     CreateLoadBalancerTCPListener (port 80, health check off); 1 % tagged env=bench, at least 200
//     so that the by-tag page of 100 is full at every size (TagResources);
//  3. idle reads (--reads calls each, --readers concurrent): DescribeLoadBalancers page of 100,
//     by name / address / VpcId / tag; DescribeLoadBalancerAttribute; the TCP listener attribute
//     (sent and timed by bench/read-client.ts, a process of its own, after untimed warm-up calls);
//  4. DescribeLoadBalancerAttribute again during a write storm (--storm-writers writers looping
//     SetLoadBalancerName / SetLoadBalancerTCPListenerAttribute);
//  5. min(N, --running) listeners started, then restart to ready: API only (spawn → ready line →
//     first DescribeLoadBalancers answer), and with the data plane (→ every running listener bound
//     in GET /_openslb/dataplane);
//  6. a listener change visible to traffic: Stop → the port refuses a TCP connect, Start → it
//     accepts (--changes times each, after a first pair reported on its own rows: the first change
//     after the restart runs cold code);
//  7. RSS of the server after setup (API only) and with the data plane serving the listeners (the
//     server process alone, and with its worker processes).
//
// PostgreSQL: env OPENSLB_BENCH_PG_URL or OPENSLB_TEST_PG_URL names a database the bench may create
// schemas in; without either, the bench re-runs itself under scripts/with-postgres.sh (a throwaway
// cluster, reached through its Unix socket). Every phase is bounded in count and time; children are stopped and temp dirs removed on
// exit and on SIGINT.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  installInterruptHandlers,
  isInterrupted,
  onInterruptCleanup,
  operator,
  ROOT,
  RpcClient,
  rssBytes,
  rssTreeBytes,
  sleep,
  startChild,
  summarize,
  trackTempDir,
  type ChildServer,
  type RpcResult,
  type Summary,
} from './lib.js';

// -- options ------------------------------------------------------------------------------------

const HELP = `usage: npm run bench:scale -- [options]
  --sizes LIST           load balancer counts, ascending (default 500,50000)
  --stores LIST          sqlite,postgres (default both)
  --writers N            concurrent writers during setup (16)
  --readers N            concurrent readers (1: the latency targets are per call; more readers on a
                         2-core host measure queueing, as the DescribeRegions control row shows)
  --reads N              calls per read figure (2000)
  --storm-writers N      writers during the write storm (8)
  --running N            cap on running listeners for the data-plane figures (5000)
  --changes N            listener stop/start samples (30)
  --listener-port P      listener port (80 when root, else 10080)
  --warmup N             throwaway load balancers set up and deleted before the setup (64; 0 = none)
  --setup-minutes M      setup deadline per size (120); past it the size is measured as far as it got
  --phase-seconds S      time cap of every read phase (120)
  --commerce on|off      pass --commerce to the server (default: the server's default, on)
  --out DIR              results directory (bench/results)`;

const { values: opt } = parseArgs({
  options: {
    sizes: { type: 'string', default: '500,50000' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    writers: { type: 'string', default: '16' },
    readers: { type: 'string', default: '1' },
    reads: { type: 'string', default: '2000' },
    'storm-writers': { type: 'string', default: '8' },
    running: { type: 'string', default: '5000' },
    changes: { type: 'string', default: '30' },
    'listener-port': { type: 'string' },
    'setup-minutes': { type: 'string', default: '120' },
    warmup: { type: 'string', default: '64' },
    'phase-seconds': { type: 'string', default: '120' },
    commerce: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench', 'results') },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (opt.help) {
  console.log(HELP);
  process.exit(0);
}
function die(msg: string): never {
  console.error(`${msg}\n${HELP}`);
  process.exit(2);
}
const int = (name: string, v: string | undefined, min = 1): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name}: expected an integer ≥ ${min}, got ${v}\n${HELP}`);
    process.exit(2);
  }
  return n;
};
const SIZES = opt.sizes.split(',').map((s) => int('sizes', s.trim()));
const STORES = opt.stores.split(',').map((s) => s.trim()) as ('sqlite' | 'postgres')[];
for (const s of STORES) if (s !== 'sqlite' && s !== 'postgres') die(`--stores: unknown store ${s}`);
if (SIZES.some((n, i) => i > 0 && n <= SIZES[i - 1]!)) die('--sizes: ascending, distinct');
if (SIZES.at(-1)! > 120_000) die('--sizes: at most 120000 (two /16 address blocks)');
const WRITERS = int('writers', opt.writers);
const READERS = int('readers', opt.readers);
const READS = int('reads', opt.reads);
const STORM_WRITERS = int('storm-writers', opt['storm-writers']);
const RUNNING_CAP = int('running', opt.running);
const CHANGES = int('changes', opt.changes);
const IS_ROOT = process.getuid?.() === 0;
const LISTENER_PORT = int('listener-port', opt['listener-port'] ?? (IS_ROOT ? '80' : '10080'));
const WARMUP = int('warmup', opt.warmup, 0);
const SETUP_MS = int('setup-minutes', opt['setup-minutes']) * 60_000;
const PHASE_MS = int('phase-seconds', opt['phase-seconds']) * 1000;
if (opt.commerce !== undefined && opt.commerce !== 'on' && opt.commerce !== 'off') die('--commerce: on or off');

// -- PostgreSQL: a URL, or re-run under scripts/with-postgres.sh ----------------------------------

// Under the wrapper the server reaches its co-located cluster through the Unix socket, as a
// PostgreSQL on the same machine is best reached (a round trip costs less than over loopback TCP).
const PG_URL =
  process.env['OPENSLB_BENCH_PG_URL'] ||
  (process.env['OPENSLB_BENCH_REEXEC'] === '1' ? process.env['OPENSLB_TEST_PG_SOCKET_URL'] : undefined) ||
  process.env['OPENSLB_TEST_PG_URL'] ||
  undefined;
const pgTransport = (url: string) => (new URL(url).searchParams.get('host')?.startsWith('/') ? 'a Unix socket' : `TCP (${new URL(url).hostname})`);
// -- the scenario -------------------------------------------------------------------------------

const KEY = { id: 'LTAIbenchScaleKey0001', secret: 'benchScaleSecret0001' };
const REGION = 'cn-hangzhou';
const VPC_ID = 'vpc-openslbbench';
const VSW_ID = 'vsw-openslbbench';
const ZONE = 'cn-hangzhou-b';
const VPC_BLOCK = '127.211.0.0/16';
const INTERNET_BLOCK = '127.210.0.0/16';
const INSTANCES = Array.from({ length: 10 }, (_, k) => ({ InstanceId: `i-openslbbench${String(k).padStart(2, '0')}`, PrivateIpAddress: `127.211.255.${200 + k}` }));

interface Lb {
  id: string;
  name: string;
  address: string;
  vpc: boolean;
}

interface PhaseErrors {
  count: number;
  codes: Record<string, number>;
  samples: string[];
}

interface SizeRun {
  store: string;
  n: number;
  /** HEAD and a hash of the uncommitted src/ changes when this size started (src/ may move during a run) */
  src: string;
  /** load balancers actually set up (n unless the setup deadline hit) */
  created: number;
  running: number;
  figures: Record<string, number>;
  summaries: Record<string, Summary>;
  errors: Record<string, PhaseErrors>;
  server: { warnings: number; errors: number; problems: string[] };
  notes: string[];
  seconds: number;
}

const log = (s: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

// deterministic choices (mulberry32)
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function errorsOf(errs: Record<string, PhaseErrors>, phase: string): (r: { code?: string; message?: string }, what?: string) => void {
  const e = (errs[phase] ??= { count: 0, codes: {}, samples: [] });
  return (r, what) => {
    e.count++;
    const code = r.code ?? 'unknown';
    e.codes[code] = (e.codes[code] ?? 0) + 1;
    if (e.samples.length < 5) e.samples.push(`${what ? `${what}: ` : ''}${code}${r.message ? ` ${r.message}` : ''}`);
  };
}

/** the server the phases talk to: a phase stops when it exits unasked */
let current: ChildServer | undefined;
const crashed = () => current?.crashed() ?? false;

/** `count` tasks over `concurrency` closed-loop workers, until done or the deadline. */
async function pool(concurrency: number, count: number, deadline: number, task: (i: number, worker: number) => Promise<void>): Promise<number> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async (_, w) => {
      while (!isInterrupted() && !crashed()) {
        const i = next++;
        if (i >= count || performance.now() > deadline) return;
        await task(i, w);
        done++;
      }
    }),
  );
  if (isInterrupted()) throw new Error('interrupted');
  if (crashed()) throw new Error(`openslb exited unexpectedly (${current!.child.exitCode ?? current!.child.signalCode}); last problems: ${current!.problems.slice(-3).join(' | ')}`);
  return done;
}

/** Runs one read phase's calls in bench/read-client.ts (see readPhase) and returns its answer. */
async function readClient(url: string, calls: [string, Record<string, string | number>][], deadlineMs: number): Promise<{ ms: number[]; results: { ok: boolean; status: number; code?: string; message?: string; total?: number; listed?: number }[]; cpuMs: number; wallMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-bench-reads-'));
  const done = trackTempDir(dir);
  try {
    const file = join(dir, 'job.json');
    writeFileSync(file, JSON.stringify({ url, key: KEY, readers: READERS, deadlineMs, calls }));
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'read-client.ts'), file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => (text += c));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`bench/read-client.ts exited with ${code}`);
    return JSON.parse(text) as Awaited<ReturnType<typeof readClient>>;
  } finally {
    done();
  }
}

function tcpProbe(host: string, port: number, timeoutMs = 1000): Promise<'open' | 'refused' | string> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve('open');
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(t);
      // ECONNRESET: the handshake completed (the port accepted) and the proxy reset the connection
      // at once (its backend refused) before the connect callback ran
      resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code === 'ECONNRESET' ? 'open' : (e.code ?? 'error'));
    });
  });
}

async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

async function runSize(run: SizeRun): Promise<void> {
  const { store, n } = run;
  const tag = `[${store} N=${n}]`;
  const t0 = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'openslb-bench-scale-'));
  const removeDir = trackTempDir(dataDir);
  let schema: string | undefined;
  let dropSchema: (() => Promise<void>) | undefined;
  let unregisterDrop: (() => void) | undefined;
  const storeArgs: string[] = [];
  if (store === 'postgres') {
    schema = `openslb_bench_${randomBytes(6).toString('hex')}`;
    await pgAdmin(`CREATE SCHEMA "${schema}"`);
    const drop = (dropSchema = () => pgAdmin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch((e: unknown) => log(`${tag} could not drop schema ${schema}: ${String(e)}`)));
    unregisterDrop = onInterruptCleanup(drop);
    storeArgs.push('--store', urlWithSchema(PG_URL!, schema));
  }
  const commerceArgs = opt.commerce ? ['--commerce', opt.commerce] : [];
  const apiArgs = ['--no-dataplane', ...storeArgs, ...commerceArgs];
  const F = run.figures;
  const S = run.summaries;
  const servers: ChildServer[] = [];
  const started = async (args: string[]) => {
    const s = await startChild({ dataDir, key: KEY, args, readyTimeoutMs: 300_000 });
    servers.push(s);
    current = s;
    return s;
  };
  const random = rng(n * 7919 + (store === 'postgres' ? 1 : 0));
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  try {
    // -- 1. server and world
    log(`${tag} starting openslb serve ${apiArgs.filter((a) => !a.startsWith('postgres')).join(' ')}`);
    let srv = await started(apiArgs);
    F['firstStartReadyLineMs'] = srv.readyAt - srv.spawnedAt;
    let token = srv.operatorToken();
    await operator(srv.url, token, 'POST', '/world/vpcs', {
      RegionId: REGION,
      VpcId: VPC_ID,
      VpcName: 'bench',
      CidrBlock: VPC_BLOCK,
      VSwitches: [{ VSwitchId: VSW_ID, ZoneId: ZONE, CidrBlock: VPC_BLOCK, VSwitchName: 'bench' }],
    });
    for (const inst of INSTANCES) await operator(srv.url, token, 'POST', '/world/instances', { RegionId: REGION, VpcId: VPC_ID, VSwitchId: VSW_ID, ...inst });
    const pools = ((await operator(srv.url, token, 'GET', '/world/pools'))['Pools'] as { Kind: string }[]).filter((p) => p.Kind !== 'internet');
    await operator(srv.url, token, 'PUT', '/world/pools', { Pools: [{ Name: 'bench-internet', Kind: 'internet', CidrBlock: INTERNET_BLOCK, RegionId: REGION, Interface: 'lo' }, ...pools] });
    const quota = SIZES.at(-1)! + 1000;
    await operator(srv.url, token, 'PUT', '/world/quotas', { Quotas: { LoadBalancersPerRegion: quota, LoadBalancersPerAccount: quota } });
    let api = new RpcClient(srv.url, KEY, Math.max(WRITERS, READERS) + STORM_WRITERS + 4);

    // -- 2. setup
    const lbs: (Lb | undefined)[] = new Array<Lb | undefined>(n);
    const createMs: number[] = new Array<number>(n).fill(NaN);
    const addMs: number[] = new Array<number>(n).fill(NaN);
    const listenerMs: number[] = new Array<number>(n).fill(NaN);
    const setupErr = errorsOf(run.errors, 'setup');
    const servers10 = JSON.stringify(INSTANCES.map((i) => ({ ServerId: i.InstanceId, Weight: '100', Type: 'ecs' })));
    const attempt = async (what: string, action: string, params: Record<string, string | number>): Promise<RpcResult | undefined> => {
      for (let k = 0; k < 3; k++) {
        const r = await api.call(action, params);
        if (r.ok) return r;
        setupErr(r, what);
        await sleep(50);
      }
      return undefined;
    };
    const listenerParams = (id: string) => ({ RegionId: REGION, LoadBalancerId: id, ListenerPort: LISTENER_PORT, BackendServerPort: 8080, Bandwidth: -1, HealthCheckSwitch: 'off' });

    // warm-up: the same calls on throwaway load balancers (deleted again), so the server's JIT is
    // as warm for a small N as for a big one
    if (WARMUP > 0) {
      const werr = errorsOf(run.errors, 'warmup');
      const ids: string[] = [];
      await pool(WRITERS, WARMUP, performance.now() + PHASE_MS, async (i) => {
        const c = await api.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: `warmup-${i}`, ...(i % 2 === 0 ? { AddressType: 'intranet', VSwitchId: VSW_ID } : {}) });
        if (!c.ok) return werr(c, 'CreateLoadBalancer');
        const id = String(c.body['LoadBalancerId']);
        ids.push(id);
        for (const [action, p] of [
          ['AddBackendServers', { RegionId: REGION, LoadBalancerId: id, BackendServers: servers10 }],
          ['CreateLoadBalancerTCPListener', listenerParams(id)],
          ['DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: id }],
          ['DescribeLoadBalancerTCPListenerAttribute', { RegionId: REGION, LoadBalancerId: id, ListenerPort: LISTENER_PORT }],
          ['DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, LoadBalancerName: `warmup-${i}` }],
        ] as const) {
          const r = await api.call(action, p);
          if (!r.ok) werr(r, action);
        }
      });
      await pool(WRITERS, ids.length, performance.now() + PHASE_MS, async (i) => {
        const r = await api.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: ids[i]! });
        if (!r.ok) werr(r, 'DeleteLoadBalancer');
      });
      log(`${tag} warm-up: ${ids.length} throwaway load balancers created and deleted`);
    }

    let completed = 0;
    let nextMark = 1;
    const setupStart = performance.now();
    log(`${tag} setup: ${n} load balancers × (CreateLoadBalancer, AddBackendServers, CreateLoadBalancerTCPListener), ${WRITERS} writers`);
    await pool(WRITERS, n, setupStart + SETUP_MS, async (i) => {
      const name = `lb-${String(i).padStart(6, '0')}`;
      const vpc = i % 2 === 0;
      const c = await attempt(`create ${name}`, 'CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: name, ...(vpc ? { AddressType: 'intranet', VSwitchId: VSW_ID } : { AddressType: 'internet' }) });
      if (!c) return;
      createMs[i] = c.ms;
      const id = String(c.body['LoadBalancerId']);
      const a = await attempt(`add ${id}`, 'AddBackendServers', { RegionId: REGION, LoadBalancerId: id, BackendServers: servers10 });
      if (a) addMs[i] = a.ms;
      const l = await attempt(`listener ${id}`, 'CreateLoadBalancerTCPListener', listenerParams(id));
      if (!l) return;
      listenerMs[i] = l.ms;
      lbs[i] = { id, name, address: String(c.body['Address']), vpc };
      completed++;
      if (completed >= (nextMark * n) / 10) {
        const el = (performance.now() - setupStart) / 1000;
        const recent = createMs.slice(Math.max(0, i - Math.ceil(n / 10)), i + 1).filter((x) => !Number.isNaN(x));
        log(`${tag} setup ${nextMark * 10}% (${completed}/${n}) ${el.toFixed(1)} s, ${((el * 1000) / completed).toFixed(1)} ms/LB, recent CreateLoadBalancer p99 ${summarize(recent).p99.toFixed(1)} ms`);
        nextMark = Math.floor((completed * 10) / n) + 1;
      }
    });
    const setupWall = performance.now() - setupStart;
    const all = lbs.filter((x): x is Lb => x !== undefined);
    run.created = all.length;
    if (all.length < n) run.notes.push(`${store} N=${n}: only ${all.length} of ${n} load balancers set up (${run.errors['setup']?.count ?? 0} errors${setupWall >= SETUP_MS ? ', setup deadline reached' : ''})`);
    if (all.length === 0) throw new Error(`${tag} no load balancer could be set up: ${JSON.stringify(run.errors['setup'])}`);
    F['setupPerLb'] = setupWall / all.length;
    F['setupSeconds'] = setupWall / 1000;
    const last10 = (xs: number[]) => xs.slice(Math.floor(xs.length * 0.9)).filter((x) => !Number.isNaN(x));
    S['create.last10'] = summarize(last10(createMs));
    S['create.all'] = summarize(createMs.filter((x) => !Number.isNaN(x)));
    S['addBackends.last10'] = summarize(last10(addMs));
    S['createListener.last10'] = summarize(last10(listenerMs));
    F['createP99'] = S['create.last10'].p99;
    F['createP50'] = S['create.last10'].p50;
    F['addBackendsP99'] = S['addBackends.last10'].p99;
    F['addBackendsP50'] = S['addBackends.last10'].p50;
    F['createListenerP99'] = S['createListener.last10'].p99;
    F['createListenerP50'] = S['createListener.last10'].p50;
    log(`${tag} setup done: ${(setupWall / 1000).toFixed(1)} s, ${F['setupPerLb'].toFixed(2)} ms/LB, CreateLoadBalancer p99 (last 10%) ${F['createP99'].toFixed(1)} ms`);

    // 1 % tagged env=bench, but at least 200, evenly spread, 20 per TagResources call: the by-tag
    // page of 100 is full at every size, so the figure compares the same work (with 1 % of 500 the
    // page held 5 results against 100 at 50 000, and the cost per result on the page dominated)
    const want = Math.min(all.length, Math.max(Math.ceil(all.length / 100), 200));
    const step = Math.max(1, Math.floor(all.length / want));
    const tagged = all.filter((_, k) => k % step === 0).slice(0, want);
    const tagErr = errorsOf(run.errors, 'tag');
    for (let k = 0; k < tagged.length; k += 20) {
      const chunk = tagged.slice(k, k + 20);
      const p: Record<string, string> = { RegionId: REGION, ResourceType: 'instance', 'Tag.1.Key': 'env', 'Tag.1.Value': 'bench' };
      chunk.forEach((lb, j) => (p[`ResourceId.${j + 1}`] = lb.id));
      const r = await api.call('TagResources', p);
      if (!r.ok) tagErr(r, 'TagResources');
    }
    const vpcCount = all.filter((l) => l.vpc).length;

    await sleep(1000);
    F['rssApiMiB'] = rssBytes(srv.pid) / 2 ** 20;

    // -- 3. idle reads
    // The calls of a read phase are drawn here and sent by bench/read-client.ts, a process of its
    // own: this one's heap (every load balancer, the earlier figures) and its collections stay out
    // of the read latencies. A check sees the answer's TotalCount and the length of its
    // LoadBalancers list.
    const readPhase = async (key: string, label: string, params: () => [string, Record<string, string | number>], check?: (r: RpcResult) => string | undefined, count = READS): Promise<Summary> => {
      const err = errorsOf(run.errors, key);
      const calls = Array.from({ length: count }, () => params());
      const out = await readClient(srv.url, calls, PHASE_MS);
      if (crashed()) throw new Error(`openslb exited unexpectedly during ${label}`);
      const ms = out.ms;
      out.results.forEach((x, i) => {
        const action = calls[i]![0];
        if (!x.ok) return err(x, action);
        const r: RpcResult = { ok: true, ms: ms[i]!, status: x.status, body: { TotalCount: x.total, LoadBalancers: { LoadBalancer: new Array<unknown>(x.listed ?? 0) } } };
        const bad = check?.(r);
        if (bad) err({ code: 'WrongAnswer', message: bad }, action);
      });
      const s = summarize(ms);
      S[key] = s;
      F[`${key}P99`] = s.p99;
      F[`${key}P50`] = s.p50;
      F[`${key}ClientCpu`] = (out.cpuMs / out.wallMs) * 100;
      log(`${tag} ${label}: ${s.count} calls, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, client CPU ${F[`${key}ClientCpu`]!.toFixed(0)} %${run.errors[key]?.count ? `, ${run.errors[key].count} errors` : ''}`);
      return s;
    };
    const total = (r: RpcResult) => Number(r.body['TotalCount']);
    const listed = (r: RpcResult) => ((r.body['LoadBalancers'] as { LoadBalancer?: { LoadBalancerId: string; LoadBalancerName: string; Address: string }[] } | undefined)?.LoadBalancer ?? []);
    await readPhase('regions', 'DescribeRegions (control)', () => ['DescribeRegions', { RegionId: REGION }], undefined, Math.min(READS, 1000));
    await readPhase('page', 'DescribeLoadBalancers page of 100', () => ['DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, PageNumber: 1 }], (r) =>
      listed(r).length === Math.min(100, all.length) && total(r) === all.length ? undefined : `page of ${listed(r).length}, TotalCount ${total(r)}`,
    );
    await readPhase('byName', 'DescribeLoadBalancers by LoadBalancerName', () => ['DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, LoadBalancerName: pick(all).name }], (r) => (total(r) === 1 ? undefined : `TotalCount ${total(r)}`));
    await readPhase('byAddress', 'DescribeLoadBalancers by Address', () => ['DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, Address: pick(all).address }], (r) => (total(r) === 1 ? undefined : `TotalCount ${total(r)}`));
    // the VpcId as the API reports it for a VPC load balancer
    const vpcLb = all.find((l) => l.vpc);
    let vpcId = VPC_ID;
    if (vpcLb) {
      const a = await api.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: vpcLb.id });
      if (a.ok && typeof a.body['VpcId'] === 'string') vpcId = a.body['VpcId'];
      else run.notes.push(`${store} N=${n}: DescribeLoadBalancerAttribute of a VPC LB reported VpcId ${JSON.stringify(a.body['VpcId'])}`);
    }
    await readPhase('byVpc', 'DescribeLoadBalancers by VpcId', () => ['DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, VpcId: vpcId }], (r) => (total(r) === vpcCount ? undefined : `TotalCount ${total(r)}, expected ${vpcCount}`));
    await readPhase('byTag', 'DescribeLoadBalancers by tag', () => ['DescribeLoadBalancers', { RegionId: REGION, PageSize: 100, 'Tag.1.Key': 'env', 'Tag.1.Value': 'bench' }], (r) =>
      total(r) === tagged.length ? undefined : `TotalCount ${total(r)}, expected ${tagged.length}`,
    );
    await readPhase('attr', 'DescribeLoadBalancerAttribute', () => ['DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: pick(all).id }]);
    await readPhase('listenerAttr', 'DescribeLoadBalancerTCPListenerAttribute', () => ['DescribeLoadBalancerTCPListenerAttribute', { RegionId: REGION, LoadBalancerId: pick(all).id, ListenerPort: LISTENER_PORT }]);

    // -- 4. reads during a write storm
    {
      let stop = false;
      const writeMs: number[] = [];
      const werr = errorsOf(run.errors, 'storm.writes');
      const parts = Array.from({ length: STORM_WRITERS }, (_, w) => all.filter((_, k) => k % STORM_WRITERS === w));
      const w0 = performance.now();
      const writers = parts.map(async (part, w) => {
        let it = 0;
        while (!stop && !isInterrupted() && !crashed() && part.length) {
          const lb = pick(part);
          const r =
            it % 2 === 0
              ? await api.call('SetLoadBalancerName', { RegionId: REGION, LoadBalancerId: lb.id, LoadBalancerName: `${lb.name}-s${it % 100}` })
              : await api.call('SetLoadBalancerTCPListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: LISTENER_PORT, Scheduler: it % 4 === 1 ? 'rr' : 'wrr' });
          writeMs.push(r.ms);
          if (!r.ok) werr(r, `writer ${w}`);
          it++;
        }
      });
      await readPhase('storm', `DescribeLoadBalancerAttribute during a write storm (${STORM_WRITERS} writers)`, () => ['DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: pick(all).id }]);
      stop = true;
      await Promise.all(writers);
      S['storm.writes'] = summarize(writeMs);
      F['stormWritesPerSec'] = writeMs.length / ((performance.now() - w0) / 1000);
      F['stormWriteP99'] = S['storm.writes'].p99;
      F['stormRatio'] = F['stormP99']! / F['attrP99']!;
      log(`${tag} storm writes: ${writeMs.length} (${F['stormWritesPerSec'].toFixed(0)}/s), p99 ${F['stormWriteP99'].toFixed(1)} ms; read p99 ${F['stormRatio'].toFixed(2)}× idle`);
    }

    // -- 5. start min(N, cap) listeners, then restarts
    const runningLbs = all.slice(0, Math.min(all.length, RUNNING_CAP));
    {
      const serr = errorsOf(run.errors, 'startListeners');
      const s0 = performance.now();
      let ok = 0;
      await pool(WRITERS, runningLbs.length, s0 + SETUP_MS, async (i) => {
        const lb = runningLbs[i]!;
        const r = await api.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: LISTENER_PORT });
        if (!r.ok) return serr(r, 'StartLoadBalancerListener');
        // without a data plane the transition completes at the next look (docs/listeners.md)
        for (let k = 0; k < 5; k++) {
          const d = await api.call('DescribeLoadBalancerTCPListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: LISTENER_PORT });
          if (d.ok && d.body['Status'] === 'running') return void ok++;
          if (!d.ok) serr(d, 'DescribeLoadBalancerTCPListenerAttribute');
        }
        serr({ code: 'NotRunning', message: `${lb.id} not running after Start` });
      });
      run.running = ok;
      F['startListenersSeconds'] = (performance.now() - s0) / 1000;
      log(`${tag} ${ok}/${runningLbs.length} listeners running (${F['startListenersSeconds'].toFixed(1)} s)`);
    }
    api.close();

    const firstAnswer = async (s: ChildServer): Promise<{ ms: number; total: number }> => {
      const c = new RpcClient(s.url, KEY, 1, 30_000);
      try {
        const deadline = performance.now() + 60_000;
        for (;;) {
          const r = await c.call('DescribeLoadBalancers', { RegionId: REGION, PageSize: 10 });
          if (r.ok) return { ms: performance.now() - s.spawnedAt, total: total(r) };
          if (performance.now() > deadline) throw new Error(`no DescribeLoadBalancers answer within 60 s: ${r.code} ${r.message ?? ''}`);
          await sleep(10);
        }
      } finally {
        c.close();
      }
    };

    // API only
    F['stopApiMs'] = await srv.stop();
    srv = await started(apiArgs);
    F['restartApiReadyLineMs'] = srv.readyAt - srv.spawnedAt;
    {
      const fa = await firstAnswer(srv);
      F['restartApiFirstAnswerMs'] = fa.ms;
      if (fa.total !== all.length) run.notes.push(`${store} N=${n}: after the restart DescribeLoadBalancers reported TotalCount ${fa.total}, expected ${all.length}`);
    }
    log(`${tag} restart (API): ready line ${F['restartApiReadyLineMs'].toFixed(0)} ms, first answer ${F['restartApiFirstAnswerMs'].toFixed(0)} ms after spawn`);
    F['stopApi2Ms'] = await srv.stop();

    // with the data plane
    srv = await started([...storeArgs, ...commerceArgs]);
    token = srv.operatorToken();
    F['restartDpReadyLineMs'] = srv.readyAt - srv.spawnedAt;
    F['restartDpFirstAnswerMs'] = (await firstAnswer(srv)).ms;
    {
      const deadline = performance.now() + PHASE_MS;
      let bound = 0;
      let failed: { listenerId: string; error?: string }[] = [];
      for (;;) {
        const dp = await operator(srv.url, token, 'GET', '/dataplane');
        const rows = (dp['Listeners'] as { listenerId: string; state: string; error?: string }[] | undefined) ?? [];
        bound = rows.filter((r) => r.state === 'bound').length;
        failed = rows.filter((r) => r.state === 'failed');
        if (bound >= run.running) {
          F['restartDpAllBoundMs'] = performance.now() - srv.spawnedAt;
          break;
        }
        if (performance.now() > deadline) {
          run.notes.push(`${store} N=${n}: only ${bound}/${run.running} listeners bound ${(PHASE_MS / 1000).toFixed(0)} s after the ready line${failed.length ? `; failed: ${failed.length} (${failed[0]!.error})` : ''}`);
          F['restartDpAllBoundMs'] = NaN;
          break;
        }
        await sleep(25);
      }
      if (failed.length) errorsOf(run.errors, 'dataplane')({ code: failed[0]!.error ?? 'failed', message: `${failed.length} listeners failed to bind` });
      F['boundListeners'] = bound;
    }
    log(`${tag} restart (data plane, ${run.running} running listeners): ready line ${F['restartDpReadyLineMs'].toFixed(0)} ms, first answer ${F['restartDpFirstAnswerMs'].toFixed(0)} ms, all bound ${F['restartDpAllBoundMs'].toFixed(0)} ms`);
    await sleep(1000);
    F['rssDpMiB'] = rssBytes(srv.pid) / 2 ** 20;
    F['rssDpTreeMiB'] = rssTreeBytes(srv.pid) / 2 ** 20;

    // -- 6. a listener change visible to traffic
    {
      api = new RpcClient(srv.url, KEY, 4);
      const cerr = errorsOf(run.errors, 'change');
      const stopVisible: number[] = [];
      const startVisible: number[] = [];
      const stopApi: number[] = [];
      const startApi: number[] = [];
      const status = async (lb: Lb) => (await api.call('DescribeLoadBalancerTCPListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: LISTENER_PORT })).body['Status'];
      const waitStatus = async (lb: Lb, want: string) => {
        const d = performance.now() + 10_000;
        while (performance.now() < d) {
          if ((await status(lb)) === want) return true;
          await sleep(5);
        }
        return false;
      };
      /** from before the API call until a TCP connect sees `want` */
      const visible = async (lb: Lb, action: string, want: 'open' | 'refused'): Promise<number | undefined> => {
        const t = performance.now();
        const r = await api.call(action, { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: LISTENER_PORT });
        (action === 'StopLoadBalancerListener' ? stopApi : startApi).push(r.ms);
        if (!r.ok) return void cerr(r, action);
        const d = t + 10_000;
        let last = '';
        while (performance.now() < d) {
          last = await tcpProbe(lb.address, LISTENER_PORT);
          if (last === want) return performance.now() - t;
          await sleep(1); // a probe per ms: enough resolution, and it leaves the CPU to the server
        }
        cerr({ code: 'NotVisible', message: `${action} ${lb.id}: still ${last} after 10 s` });
        return undefined;
      };
      const candidates = runningLbs.slice();
      // k = -1: the first change after the restart, reported on its own row: it runs the compile
      // and apply paths cold (not yet optimized by the JIT; at 50 000 load balancers their
      // per-snapshot walks too), as the setup's warm-up keeps such first calls out of the others
      for (let k = -1; k < CHANGES && candidates.length && !isInterrupted() && !crashed(); k++) {
        const lb = candidates.splice(Math.floor(random() * candidates.length), 1)[0]!;
        const before = await tcpProbe(lb.address, LISTENER_PORT);
        if (before !== 'open') {
          cerr({ code: 'NotOpen', message: `${lb.id} ${lb.address}:${LISTENER_PORT} is ${before} before the change` });
          continue;
        }
        const a = await visible(lb, 'StopLoadBalancerListener', 'refused');
        if (a !== undefined && k < 0) F['changeFirstStop'] = a;
        else if (a !== undefined) stopVisible.push(a);
        if (!(await waitStatus(lb, 'stopped'))) cerr({ code: 'NotStopped', message: lb.id });
        const b = await visible(lb, 'StartLoadBalancerListener', 'open');
        if (b !== undefined && k < 0) F['changeFirstStart'] = b;
        else if (b !== undefined) startVisible.push(b);
        if (!(await waitStatus(lb, 'running'))) cerr({ code: 'NotRunning', message: lb.id });
      }
      S['change.stop'] = summarize(stopVisible);
      S['change.start'] = summarize(startVisible);
      S['change.stopApi'] = summarize(stopApi);
      S['change.startApi'] = summarize(startApi);
      F['changeStopP99'] = S['change.stop'].p99;
      F['changeStopP50'] = S['change.stop'].p50;
      F['changeStartP99'] = S['change.start'].p99;
      F['changeStartP50'] = S['change.start'].p50;
      log(`${tag} listener change visible: stop p50 ${F['changeStopP50'].toFixed(1)} / p99 ${F['changeStopP99'].toFixed(1)} ms, start p50 ${F['changeStartP50'].toFixed(1)} / p99 ${F['changeStartP99'].toFixed(1)} ms`);
      api.close();
    }
    F['stopDpMs'] = await srv.stop();
  } finally {
    for (const s of servers) {
      await s.stop(10_000);
      for (const [lv, c] of Object.entries(s.levels)) {
        if (Number(lv) === 40) run.server.warnings += c;
        if (Number(lv) >= 50) run.server.errors += c;
      }
      for (const p of s.problems) if (run.server.problems.length < 20) run.server.problems.push(p);
    }
    removeDir();
    if (dropSchema) {
      await dropSchema();
      unregisterDrop?.();
    }
    run.seconds = (performance.now() - t0) / 1000;
    run.figures['apiErrors'] = Object.entries(run.errors).reduce((a, [, e]) => a + e.count, 0);
    run.figures['serverWarnings'] = run.server.warnings;
    run.figures['serverErrors'] = run.server.errors;
  }
  log(`${tag} done in ${run.seconds.toFixed(0)} s`);
}

// -- the table ----------------------------------------------------------------------------------

interface Row {
  label: string;
  key: string;
  /** shown in parentheses after the value */
  p50?: string;
  /** absolute target at the biggest N */
  max?: number;
  target: string;
  /** the figure must stay within 1.3× from the smallest to the biggest N */
  scale: boolean;
  digits?: number;
  /** per store, not per size (RSS per LB) */
  perStore?: boolean;
  /** no big/small ratio (counts) */
  noRatio?: boolean;
}

const ROWS: Row[] = [
  { label: 'setup per LB, amortised (wall / N), ms', key: 'setupPerLb', max: 5, target: '≤ 5 ms', scale: true },
  { label: 'CreateLoadBalancer p99 (p50), last 10 % of creates, ms', key: 'createP99', p50: 'createP50', max: 25, target: '≤ 25 ms', scale: true },
  { label: 'AddBackendServers p99 (p50), last 10 %, ms', key: 'addBackendsP99', p50: 'addBackendsP50', target: '—', scale: true },
  { label: 'CreateLoadBalancerTCPListener p99 (p50), last 10 %, ms', key: 'createListenerP99', p50: 'createListenerP50', target: '—', scale: true },
  { label: 'DescribeRegions p99 (p50), control, ms', key: 'regionsP99', p50: 'regionsP50', target: '—', scale: false },
  { label: 'DescribeLoadBalancers page of 100 p99 (p50), ms', key: 'pageP99', p50: 'pageP50', max: 10, target: '≤ 10 ms', scale: true },
  { label: 'DescribeLoadBalancers by LoadBalancerName p99 (p50), ms', key: 'byNameP99', p50: 'byNameP50', max: 10, target: '≤ 10 ms', scale: true },
  { label: 'DescribeLoadBalancers by Address p99 (p50), ms', key: 'byAddressP99', p50: 'byAddressP50', max: 10, target: '≤ 10 ms', scale: true },
  { label: 'DescribeLoadBalancers by VpcId p99 (p50), ms', key: 'byVpcP99', p50: 'byVpcP50', max: 10, target: '≤ 10 ms', scale: true },
  { label: 'DescribeLoadBalancers by tag p99 (p50), ms', key: 'byTagP99', p50: 'byTagP50', max: 10, target: '≤ 10 ms', scale: true },
  { label: 'DescribeLoadBalancerAttribute p99 (p50), ms', key: 'attrP99', p50: 'attrP50', max: 5, target: '≤ 5 ms', scale: true },
  { label: 'DescribeLoadBalancerTCPListenerAttribute p99 (p50), ms', key: 'listenerAttrP99', p50: 'listenerAttrP50', max: 5, target: '≤ 5 ms', scale: true },
  { label: 'DescribeLoadBalancerAttribute p99 (p50) during a write storm, ms', key: 'stormP99', p50: 'stormP50', target: '—', scale: true },
  { label: 'write storm: read p99 / idle read p99', key: 'stormRatio', max: 2, target: '≤ 2×', scale: false, digits: 2 },
  { label: 'write storm: writes/s (write p99 ms)', key: 'stormWritesPerSec', p50: 'stormWriteP99', target: '—', scale: false, digits: 0 },
  { label: 'first start on an empty data dir: spawn → ready line, ms (the floor)', key: 'firstStartReadyLineMs', target: '—', scale: false, digits: 0 },
  { label: 'restart, API only: spawn → ready line, ms', key: 'restartApiReadyLineMs', target: '—', scale: true, digits: 0 },
  { label: 'restart, API only: spawn → first DescribeLoadBalancers answer, ms', key: 'restartApiFirstAnswerMs', max: 2000, target: '≤ 2 s', scale: true, digits: 0 },
  // the data-plane restart binds min(N, 5000) listeners: the sizes bind different numbers, so only the absolute target applies
  { label: 'restart, data plane: spawn → ready line, ms', key: 'restartDpReadyLineMs', target: '—', scale: false, digits: 0 },
  { label: 'restart, data plane: spawn → every running listener bound, ms', key: 'restartDpAllBoundMs', max: 5000, target: '≤ 5 s (5 000 listeners)', scale: false, digits: 0 },
  { label: 'running listeners bound (data-plane figures)', key: 'boundListeners', target: '—', scale: false, digits: 0, noRatio: true },
  { label: 'StopLoadBalancerListener → port refuses, p99 (p50), ms', key: 'changeStopP99', p50: 'changeStopP50', max: 50, target: '≤ 50 ms', scale: true },
  { label: 'StartLoadBalancerListener → port accepts, p99 (p50), ms', key: 'changeStartP99', p50: 'changeStartP50', max: 50, target: '≤ 50 ms', scale: true },
  { label: 'the first change after the restart (cold code): stop → refuses, ms', key: 'changeFirstStop', target: '—', scale: false, digits: 0 },
  { label: 'the first change after the restart (cold code): start → accepts, ms', key: 'changeFirstStart', target: '—', scale: false, digits: 0 },
  { label: 'RSS after setup, API only, MiB', key: 'rssApiMiB', target: 'stated', scale: false, digits: 0 },
  { label: 'RSS with the data plane, server process, MiB', key: 'rssDpMiB', target: 'stated', scale: false, digits: 0 },
  { label: 'RSS with the data plane, server and its worker processes, MiB', key: 'rssDpTreeMiB', target: 'stated', scale: false, digits: 0 },
  { label: 'RSS per LB, API only, KiB (Δ RSS / Δ N)', key: 'rssPerLbApiKiB', target: 'stated', scale: false, perStore: true },
  { label: 'RSS per LB, data plane, server process, KiB (Δ RSS / Δ N)', key: 'rssPerLbDpKiB', target: 'stated', scale: false, perStore: true },
  { label: 'RSS per LB, data plane, server and workers, KiB (Δ RSS / Δ N)', key: 'rssPerLbDpTreeKiB', target: 'stated', scale: false, perStore: true },
  { label: 'API errors (all phases)', key: 'apiErrors', target: '0', max: 0, scale: false, digits: 0, noRatio: true },
  { label: 'server log lines at warn (error)', key: 'serverWarnings', p50: 'serverErrors', target: '—', scale: false, digits: 0, noRatio: true },
];

function fmt(v: number | undefined, digits?: number): string {
  if (v === undefined || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return '∞';
  const d = digits ?? (Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2);
  return v.toFixed(d);
}

function table(runs: SizeRun[]): string {
  const stores = [...new Set(runs.map((r) => r.store))];
  const get = (store: string, n: number) => runs.find((r) => r.store === store && r.n === n);
  const perStore: Record<string, Record<string, number>> = {};
  for (const s of stores) {
    const a = get(s, SIZES[0]!);
    const b = get(s, SIZES.at(-1)!);
    perStore[s] = {};
    if (a && b && b.created !== a.created) {
      perStore[s]['rssPerLbApiKiB'] = ((b.figures['rssApiMiB']! - a.figures['rssApiMiB']!) * 1024) / (b.created - a.created);
      perStore[s]['rssPerLbDpKiB'] = ((b.figures['rssDpMiB']! - a.figures['rssDpMiB']!) * 1024) / (b.created - a.created);
      perStore[s]['rssPerLbDpTreeKiB'] = ((b.figures['rssDpTreeMiB']! - a.figures['rssDpTreeMiB']!) * 1024) / (b.created - a.created);
    }
  }
  const head = ['figure', 'target'];
  for (const s of stores) {
    for (const n of SIZES) head.push(`${s} N=${n}${get(s, n) && get(s, n)!.created !== n ? ` (${get(s, n)!.created} set up)` : ''}`);
    head.push(`${s} ratio`, `${s} verdict`);
  }
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '--:')).join('|')}|`];
  for (const row of ROWS) {
    const cells = [row.label, row.scale && row.target !== '—' ? `${row.target}, ≤ 1.3× N` : row.scale ? '≤ 1.3× N' : row.target];
    for (const s of stores) {
      if (row.perStore) {
        for (let k = 0; k < SIZES.length - 1; k++) cells.push('');
        cells.push(fmt(perStore[s]![row.key], 1), '', '');
        continue;
      }
      const vals = SIZES.map((n) => get(s, n)?.figures[row.key]);
      SIZES.forEach((n, k) => {
        const p50 = row.p50 ? get(s, n)?.figures[row.p50] : undefined;
        cells.push(`${fmt(vals[k], row.digits)}${row.p50 ? ` (${fmt(p50, row.digits)})` : ''}`);
      });
      const small = vals[0];
      const big = vals.at(-1);
      const ratio = small !== undefined && big !== undefined && small > 0 ? big / small : NaN;
      cells.push(SIZES.length > 1 && !row.noRatio && Number.isFinite(ratio) ? `${fmt(ratio, 2)}×` : '');
      const checks: [boolean, string][] = [];
      if (row.max !== undefined) checks.push([big !== undefined && big <= row.max, 'target']);
      if (row.scale && SIZES.length > 1) checks.push([ratio <= 1.3, '1.3×']);
      if (!checks.length) cells.push('—');
      else if (big === undefined || Number.isNaN(big)) cells.push('? (not measured)');
      else {
        const failed = checks.filter(([ok]) => !ok).map(([, w]) => w);
        cells.push(failed.length ? `✗ (${failed.join(', ')})` : '✓');
      }
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** `abc1234`, or `abc1234+<hash of the uncommitted src/ diff>` */
function srcState(): string {
  try {
    const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const diff = execFileSync('git', ['-C', ROOT, 'diff', 'HEAD', '--', 'src'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    const untracked = execFileSync('git', ['-C', ROOT, 'ls-files', '--others', '--exclude-standard', '--', 'src'], { encoding: 'utf8' });
    return diff || untracked ? `${head}+${createHash('sha1').update(diff).update(untracked).digest('hex').slice(0, 8)}` : head;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const began = new Date();
  const t0 = performance.now();
  const startSrc = srcState();
  const commit = startSrc.includes('+') ? `${startSrc.split('+')[0]} + uncommitted src/ changes` : startSrc;
  log(`bench:scale sizes ${SIZES.join(',')} stores ${STORES.join(',')} writers ${WRITERS} readers ${READERS} reads ${READS} listener port ${LISTENER_PORT}${PG_URL ? ' (PostgreSQL available)' : ''}`);
  const runs: SizeRun[] = [];
  for (const store of STORES) {
    for (const n of SIZES) {
      if (isInterrupted()) return;
      const run: SizeRun = { store, n, src: srcState(), created: 0, running: 0, figures: {}, summaries: {}, errors: {}, server: { warnings: 0, errors: 0, problems: [] }, notes: [], seconds: 0 };
      runs.push(run);
      try {
        await runSize(run);
      } catch (e) {
        if (isInterrupted()) return;
        log(`[${store} N=${n}] failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        run.notes.push(`${store} N=${n}: the run failed (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); figures after that point are missing`);
      }
    }
  }
  const minutes = (performance.now() - t0) / 60_000;
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at the end`;
  const notes = runs.flatMap((r) => r.notes);
  const srcs = [...new Set([startSrc, ...runs.map((r) => r.src), srcState()])];
  if (srcs.length > 1) notes.unshift(`src/ changed during the run (${srcs.join(' → ')}): ${runs.map((r) => `${r.store} N=${r.n} ran on ${r.src}`).join(', ')}`);
  const errs = runs.flatMap((r) =>
    Object.entries(r.errors)
      .filter(([, e]) => e.count)
      .map(([phase, e]) => `${r.store} N=${r.n} ${phase}: ${e.count} (${Object.entries(e.codes).map(([c, k]) => `${c}×${k}`).join(', ')}); e.g. ${e.samples[0]}`),
  );
  for (const r of runs) {
    const msgs = [...new Set(r.server.problems.map((l) => /"msg":"([^"]{0,200})/.exec(l)?.[1] ?? /"message":"([^"]{0,200})/.exec(l)?.[1] ?? l.slice(0, 200)))];
    if (msgs.length) errs.push(`${r.store} N=${r.n} server log (${r.server.warnings} warn, ${r.server.errors} error lines): ${msgs.slice(0, 3).join(' | ')}`);
  }
  const cpuNote = runs
    .map((r) => `${r.store} N=${r.n} ${fmt(Math.max(...['page', 'byName', 'byAddress', 'byVpc', 'byTag', 'attr', 'listenerAttr', 'storm'].map((k) => r.figures[`${k}ClientCpu`] ?? 0)), 0)} %`)
    .join(', ');
  const md = [
    `## OpenSLB scale benchmark (${began.toISOString().slice(0, 16)}Z, ${commit})`,
    '',
    table(runs),
    '',
    `Setup (after a warm-up on ${WARMUP} throwaway LBs): ${WRITERS} closed-loop writers, 3 calls per LB (CreateLoadBalancer — half VPC intranet, half internet —, AddBackendServers ×10 instances, CreateLoadBalancerTCPListener port ${LISTENER_PORT}, health check off), 1 % tagged env=bench (at least 200: the by-tag page of 100 is full at every size). ` +
      `Reads: ${READS} calls per figure, ${READERS} concurrent, random LBs; write storm: ${STORM_WRITERS} writers (SetLoadBalancerName / SetLoadBalancerTCPListenerAttribute). ` +
      `Data plane: min(N, ${RUNNING_CAP}) running listeners; listener change: ${CHANGES} stop/start pairs after a first one (reported on its own rows: the first change after the restart runs cold code), from the API call to a loopback TCP connect seeing it. ` +
      `Latencies are client-side (V1-signed POSTs over keep-alive) and include queueing behind the other concurrent calls: the DescribeRegions row (no state) is the floor on this machine. The read figures are timed by a reader process of their own (bench/read-client.ts, after 2 000 untimed DescribeRegions and 200 of its own calls), so the harness's heap and collections stay out of them. `+
      `Verdicts: the absolute target at the biggest N and ≤ 1.3× from the smallest N. Commerce ${opt.commerce ?? 'as the server defaults (on)'}. Quotas raised to ${SIZES.at(-1)! + 1000} LBs per region/account.` +
      (STORES.includes('postgres') && PG_URL ? ` The server reached PostgreSQL through ${pgTransport(PG_URL)}.` : ''),
    '',
    `Machine: ${machine}. Run: ${minutes.toFixed(1)} min. Bench client CPU during reads (max per size): ${cpuNote} of one core.`,
    ...(notes.length ? ['', 'Notes:', ...notes.map((n) => `- ${n}`)] : []),
    ...(errs.length ? ['', 'Errors:', ...errs.map((n) => `- ${n}`)] : []),
  ].join('\n');
  console.log(md);
  mkdirSync(opt.out, { recursive: true });
  const stamp = began.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const base = join(opt.out, `scale-${stamp}`);
  writeFileSync(`${base}.md`, `${md}\n`);
  writeFileSync(
    `${base}.json`,
    `${JSON.stringify({ began: began.toISOString(), minutes, commit, machine, options: { sizes: SIZES, stores: STORES, writers: WRITERS, readers: READERS, reads: READS, stormWriters: STORM_WRITERS, running: RUNNING_CAP, changes: CHANGES, listenerPort: LISTENER_PORT, commerce: opt.commerce ?? null }, runs }, null, 2)}\n`,
  );
  log(`results: ${base}.md, ${base}.json`);
}

// -- run (here, or re-run under scripts/with-postgres.sh) -------------------------------------

if (STORES.includes('postgres') && !PG_URL) {
  if (process.env['OPENSLB_BENCH_REEXEC'] === '1') {
    console.error('bench:scale: still no PostgreSQL URL under scripts/with-postgres.sh');
    process.exit(1);
  }
  process.stderr.write('bench:scale: no OPENSLB_BENCH_PG_URL / OPENSLB_TEST_PG_URL: re-running under scripts/with-postgres.sh\n');
  // own process group, so an interrupt reaches the wrapper, the inner bench and its servers at once
  const wrapper = spawn('bash', [join(ROOT, 'scripts', 'with-postgres.sh'), process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, OPENSLB_BENCH_REEXEC: '1' },
  });
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(-wrapper.pid!, sig);
    } catch {
      /* gone */
    }
  };
  process.on('SIGINT', () => forward('SIGINT'));
  process.on('SIGTERM', () => forward('SIGTERM'));
  process.on('exit', () => {
    if (wrapper.exitCode === null) forward('SIGTERM');
  });
  wrapper.on('exit', (code, sig) => process.exit(code ?? (sig ? 1 : 0)));
} else {
  installInterruptHandlers();
  await main();
}
