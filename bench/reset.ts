// `npm run bench:reset`: how long POST /_openslb/reset takes on a state of N load balancers, each
// with a running TCP listener bound by the data plane (docs/state.md). A benchmark: it measures
// and prints, it asserts nothing.
//
//   npm run bench:reset                              # --lbs 1000 --rounds 3, SQLite
//   npm run bench:reset -- --lbs 200 --rounds 1
//   OPENSLB_BENCH_PG_URL=postgres://… npm run bench:reset    # SQLite, then PostgreSQL
//
// For each store, on a fresh data dir (and a fresh PostgreSQL schema when a URL is given: env
// OPENSLB_BENCH_PG_URL, OPENSLB_TEST_PG_URL or --pg-url):
//  1. `openslb serve` (data plane on) as a child process; an internet pool of its own
//     (127.212.0.0/16) and quotas above N;
//  2. N × (CreateLoadBalancer, CreateLoadBalancerTCPListener on port 10080 with the health check
//     off, StartLoadBalancerListener) with --writers closed-loop writers, until GET
//     /_openslb/dataplane shows N listeners bound;
//  3. GET /_openslb/state (the export, timed, with its size);
//  4. --rounds times: POST /_openslb/reset, timed from the request to the answer (the answer comes
//     once the data plane has closed every listener), checked: no listener left, a sample of the
//     addresses refuses connections; then PUT /_openslb/state with the export (timed: the answer
//     comes once every listener is bound again), checked: N listeners bound.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { installInterruptHandlers, onInterruptCleanup, operator, RpcClient, startChild, trackTempDir, type ChildServer } from './lib.js';

const { values: opt } = parseArgs({
  options: {
    lbs: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    writers: { type: 'string', default: '16' },
    'pg-url': { type: 'string' },
  },
});
const N = Number(opt.lbs);
const ROUNDS = Number(opt.rounds);
const WRITERS = Number(opt.writers);
const PG_URL = opt['pg-url'] ?? process.env['OPENSLB_BENCH_PG_URL'] ?? process.env['OPENSLB_TEST_PG_URL'];
const KEY = { id: 'LTAIbenchResetKey0001', secret: 'benchResetSecret0001' };
const REGION = 'cn-hangzhou';
const PORT = 10080;

const log = (s: string) => process.stderr.write(`${s}\n`);
const ms = (x: number) => `${x.toFixed(0)} ms`;

async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function refuses(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

async function boundCount(srv: ChildServer, token: string): Promise<number> {
  const dp = await operator(srv.url, token, 'GET', '/dataplane');
  return (dp['Listeners'] as { state: string }[]).filter((l) => l.state === 'bound').length;
}

async function waitBound(srv: ChildServer, token: string, want: number, timeoutMs = 600_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const n = await boundCount(srv, token);
    if (n === want) return;
    if (performance.now() > end) throw new Error(`${n} listeners bound, expected ${want}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Result {
  store: string;
  lbs: number;
  setupS: number;
  exportMs: number;
  exportMiB: number;
  reset: number[];
  resetServer: number[];
  importMs: number[];
}

async function run(store: 'sqlite' | 'postgres'): Promise<Result> {
  const tag = `[${store}]`;
  const dataDir = mkdtempSync(join(tmpdir(), 'openslb-bench-reset-'));
  const removeDir = trackTempDir(dataDir);
  const args: string[] = [];
  let dropSchema: (() => Promise<void>) | undefined;
  if (store === 'postgres') {
    const schema = `openslb_bench_${randomBytes(6).toString('hex')}`;
    await pgAdmin(`CREATE SCHEMA "${schema}"`);
    dropSchema = () => pgAdmin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    onInterruptCleanup(dropSchema);
    const u = new URL(PG_URL!);
    u.searchParams.set('options', `-c search_path=${schema}`);
    args.push('--store', u.toString());
  }
  const srv = await startChild({ dataDir, key: KEY, args, readyTimeoutMs: 300_000 });
  try {
    const token = srv.operatorToken();
    const pools = ((await operator(srv.url, token, 'GET', '/world/pools'))['Pools'] as { Kind: string }[]).filter((p) => p.Kind !== 'internet');
    await operator(srv.url, token, 'PUT', '/world/pools', { Pools: [{ Name: 'bench-reset', Kind: 'internet', CidrBlock: '127.212.0.0/16', RegionId: REGION }, ...pools] });
    await operator(srv.url, token, 'PUT', '/world/quotas', { Quotas: { LoadBalancersPerRegion: N + 100, LoadBalancersPerAccount: N + 100 } });
    const rpc = new RpcClient(srv.url, KEY, WRITERS);
    const addresses: string[] = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = next++; i < N; i = next++) {
          const lb = await rpc.call('CreateLoadBalancer', { RegionId: REGION, AddressType: 'internet', LoadBalancerName: `reset-${i}` });
          if (!lb.ok) throw new Error(`CreateLoadBalancer: ${lb.code} ${lb.message}`);
          const id = lb.body['LoadBalancerId'] as string;
          addresses.push(lb.body['Address'] as string);
          for (const [action, p] of [
            ['CreateLoadBalancerTCPListener', { ListenerPort: PORT, BackendServerPort: 80, Bandwidth: -1, HealthCheckSwitch: 'off' }],
            ['StartLoadBalancerListener', { ListenerPort: PORT, ListenerProtocol: 'tcp' }],
          ] as const) {
            const r = await rpc.call(action, { RegionId: REGION, LoadBalancerId: id, ...p });
            if (!r.ok) throw new Error(`${action}: ${r.code} ${r.message}`);
          }
        }
      }),
    );
    await waitBound(srv, token, N);
    const setupS = (performance.now() - t0) / 1000;
    log(`${tag} ${N} load balancers with a running TCP listener in ${setupS.toFixed(1)} s`);

    const e0 = performance.now();
    const res = await fetch(`${srv.url}/_openslb/state`, { headers: { authorization: `Bearer ${token}` } });
    const exported = await res.text();
    const exportMs = performance.now() - e0;
    log(`${tag} export: ${ms(exportMs)}, ${(exported.length / 2 ** 20).toFixed(1)} MiB`);

    const reset: number[] = [];
    const resetServer: number[] = [];
    const importMs: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const r0 = performance.now();
      const r = await operator(srv.url, token, 'POST', '/reset', {});
      reset.push(performance.now() - r0);
      resetServer.push(r['ElapsedMs'] as number);
      const left = await boundCount(srv, token);
      const sample = addresses.filter((_, i) => i % Math.max(1, Math.floor(N / 20)) === 0);
      const open = (await Promise.all(sample.map((a) => refuses(a, PORT)))).filter((x) => !x).length;
      if (left || open) throw new Error(`after reset: ${left} listeners bound, ${open}/${sample.length} sampled addresses accept`);
      log(`${tag} round ${round}: reset ${ms(reset.at(-1)!)} (server ${ms(resetServer.at(-1)!)}, ${String(r['Deleted'])} documents), every listener closed`);
      const i0 = performance.now();
      await operator(srv.url, token, 'PUT', '/state', JSON.parse(exported));
      importMs.push(performance.now() - i0);
      await waitBound(srv, token, N, 10_000);
      log(`${tag} round ${round}: import ${ms(importMs.at(-1)!)}, ${N} listeners bound again`);
    }
    rpc.close();
    return { store, lbs: N, setupS, exportMs, exportMiB: exported.length / 2 ** 20, reset, resetServer, importMs };
  } finally {
    await srv.stop();
    removeDir();
    await dropSchema?.().catch((e: unknown) => log(`${tag} could not drop the schema: ${String(e)}`));
  }
}

installInterruptHandlers();
const stores: ('sqlite' | 'postgres')[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
if (!PG_URL) log('(no OPENSLB_BENCH_PG_URL / OPENSLB_TEST_PG_URL / --pg-url: SQLite only)');
const results: Result[] = [];
for (const s of stores) results.push(await run(s));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
const lines = [
  `reset of ${N} load balancers with running TCP listeners (${cpus().length} CPUs, ${ROUNDS} rounds; median, [min–max]; target ≤ 500 ms)`,
  '',
  '| store | reset, answer after every listener closed | of it in the server | import, answer after every listener bound | export |',
  '|---|--:|--:|--:|--:|',
  ...results.map(
    (r) =>
      `| ${r.store} | ${ms(med(r.reset))} [${ms(Math.min(...r.reset))}–${ms(Math.max(...r.reset))}] ${med(r.reset) <= 500 ? '✓' : '✗'} | ${ms(med(r.resetServer))} | ${ms(med(r.importMs))} [${ms(Math.min(...r.importMs))}–${ms(Math.max(...r.importMs))}] | ${ms(r.exportMs)}, ${r.exportMiB.toFixed(1)} MiB |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
