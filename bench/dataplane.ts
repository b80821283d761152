// npm run bench:dataplane — OpenSLB's data plane against nginx stream / HAProxy / a bare Node pipe,
// all in one bench/peers run over loopback, so the ratios come from the same rounds.
// Starts two OpenSLB data planes (1 process on ports 183xx, WORKERS_MULTI processes on 184xx),
// runs a writable copy of bench/peers/run.sh with them as EXTRA targets, prints ratios.
// Env: ROUNDS (2), DUR (10), WARM (2), IPERF_T (8), TESTS ("big iperf", + http when an HTTP
// handler exists), WORKERS_MULTI (2; 0 = skip), BENCH_HTTP=0 (no HTTP listener), KEEP=1 keeps the
// temp dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PEERS = resolve(ROOT, 'bench/peers');
const MULTI = Number(process.env.WORKERS_MULTI ?? 2);

function need(bin: string) {
  return spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
}
const missing = ['nginx', 'haproxy', 'wrk', 'iperf3', 'curl'].filter((b) => !need(b));
if (missing.length) {
  console.log(`installing ${missing.join(' ')} …`);
  const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-stream haproxy wrk iperf3 curl'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('could not install the benchmark tools (run as root, or install them yourself)');
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'openslb-bench-'));
cpSync(PEERS, work, { recursive: true, filter: (src) => !src.includes(`${PEERS}/results`) && !src.includes('node_modules') });
const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: work, stdio: 'inherit' });
if (ci.status !== 0) process.exit(1);

const started: ChildProcess[] = [];
function startPlane(workers: number, base: number): Promise<{ proc: ChildProcess; http: boolean }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/dataplane-runner.ts')], {
    cwd: ROOT,
    env: { ...process.env, WORKERS: String(workers), PORT_BASE: String(base) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(proc);
  return new Promise((res, rej) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /ready workers=\d+ http=(\d)/.exec(out);
      if (m) res({ proc, http: m[1] === '1' });
    });
    proc.once('exit', (c) => rej(new Error(`data plane exited with ${c}`)));
  });
}
const stopAll = () => {
  for (const p of started) if (p.exitCode === null) p.kill('SIGTERM');
};
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

const single = await startPlane(1, 18300);
const multi = MULTI > 1 ? await startPlane(MULTI, 18400) : undefined;
const tests = process.env.TESTS ?? (single.http ? 'http big iperf' : 'big iperf');
const w = (n: number) => `openslb-w${n}`;
const extraHttp = single.http ? [`${w(1)}=http://127.0.0.1:18301/hello`, ...(multi ? [`${w(MULTI)}=http://127.0.0.1:18401/hello`] : [])] : [];
const extraBig = [`${w(1)}=http://127.0.0.1:18300/big.bin`, ...(multi ? [`${w(MULTI)}=http://127.0.0.1:18400/big.bin`] : [])];
const extraIperf = [`${w(1)}=18310`, ...(multi ? [`${w(MULTI)}=18410`] : [])];
const pids = [`${w(1)}=${single.proc.pid}`, ...(multi ? [`${w(MULTI)}=${multi.proc.pid}`] : [])];
const out = join(work, 'results', 'openslb');
const run = spawnSync('bash', [join(work, 'run.sh')], {
  cwd: work,
  stdio: 'inherit',
  env: {
    ...process.env,
    TESTS: tests,
    ROUNDS: process.env.ROUNDS ?? '2',
    OUT: out,
    EXTRA_HTTP: extraHttp.join(' '),
    EXTRA_BIG: extraBig.join(' '),
    EXTRA_IPERF: extraIperf.join(' '),
    EXTRA_PIDS: pids.join(' '),
  },
});
stopAll();

const csv = existsSync(join(out, 'results.csv')) ? readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n').slice(1) : [];
type Row = { test: string; target: string; rps: number; p99: number; mbit: number; cpu: number; errors: number };
const rows: Row[] = csv.map((l) => {
  const c = l.split(',');
  return { test: c[0]!, target: c[1]!, rps: Number(c[3]) || 0, p99: Number(c[5]) || 0, mbit: Number(c[7]) || 0, errors: (Number(c[8]) || 0) + (Number(c[9]) || 0), cpu: Number(c[10]) || 0 };
});
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const lines: string[] = [];
const ref: Record<string, string> = { http: 'nginx', big: 'nginx-stream', iperf: 'nginx-stream' };
for (const t of tests.split(/\s+/)) {
  const sel = rows.filter((r) => r.test === t);
  const targets = [...new Set(sel.map((r) => r.target))];
  const metric = (r: Row) => (t === 'iperf' ? r.mbit : r.rps);
  const base = mean(sel.filter((r) => r.target === ref[t]).map(metric));
  const baseP99 = mean(sel.filter((r) => r.target === ref[t]).map((r) => r.p99));
  lines.push(`\n### ${t} (${t === 'iperf' ? 'Mbit/s, single stream' : t === 'big' ? '1 MiB responses through L4, req/s' : 'small responses, req/s'}; ratio vs ${ref[t]} in the same run)\n`);
  lines.push('| target | runs | mean | ratio | p99 ms | p99 ratio | proxy CPU % | errors |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const tg of targets) {
    const rs = sel.filter((r) => r.target === tg);
    const m = mean(rs.map(metric));
    const p99 = mean(rs.map((r) => r.p99));
    lines.push(
      `| ${tg} | ${rs.map((r) => Math.round(metric(r))).join(' / ')} | ${Math.round(m)} | ${base ? (m / base).toFixed(2) : '–'} | ${t === 'iperf' ? '–' : p99.toFixed(1)} | ${t !== 'iperf' && baseP99 ? (p99 / baseP99).toFixed(2) : '–'} | ${Math.round(mean(rs.map((r) => r.cpu)))} | ${rs.reduce((a, r) => a + r.errors, 0)} |`,
    );
  }
}
console.log(`\n## OpenSLB data plane vs nginx (${new Date().toISOString()})`);
console.log(lines.join('\n'));
if (process.env.KEEP !== '1') rmSync(work, { recursive: true, force: true });
else console.log(`\nraw results kept in ${out}`);
process.exit(run.status ?? 1);
