// npm run bench:dataplane — OpenSLB's data plane against nginx stream / HAProxy / a bare Node pipe,
// all in one bench/peers run over loopback, so the ratios come from the same rounds.
// Runs a writable copy of bench/peers/run.sh once per size: OpenSLB as a control process + 1 worker
// (ports 183xx) against the peers with 1 process / thread, then + WORKERS_MULTI workers (184xx)
// against the peers with WORKERS_MULTI, and prints ratios per size.
// Env: ROUNDS (2), DUR (10), WARM (2), IPERF_T (8), TESTS ("big iperf", + http when an HTTP
// handler exists), WORKERS_MULTI (2; 0 = skip), BENCH_HTTP=0 (no HTTP listener), KEEP=1 keeps the
// temp dir, HELD=1 starts the worker pool as `openslb serve` restarts (sockets inherited at fork).
// HTTPS round (tests `https` and `tlshs`, in the default TESTS): one certificate made here
// (TLS_CERT_KIND=rsa (2048-bit, default) or ecc (P-256)) serves both nginx (18110) and OpenSLB's
// HTTPS listener (PORT_BASE+2), with the suites and versions of TLS_POLICY
// (tls_cipher_policy_1_2_strict_with_1_3 by default) given to nginx as OpenSSL lists. Run only
// this round: `TESTS="https tlshs" WORKERS_MULTI=0 npm run bench:dataplane`.
// RECONFIG=N: each OpenSLB data plane applies N configuration changes while its HTTP listener is
// under wrk load (see bench/dataplane-runner.ts); TESTS defaults to `http` and ROUNDS to 1, and the
// summary prints the socket errors and non-2xx responses wrk reported against OpenSLB.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyOptions } from '../src/dataplane/https/tls.js';
import { createCA, issueLeaf } from '../src/util/pki.js';
import { issueEcLeaf } from '../src/util/pki-ec.js';
import { TLS13_SUITES } from '../src/util/tls-suites.js';

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

// the HTTPS round's certificate and suites, the same for nginx and OpenSLB
const TLS_KIND = process.env.TLS_CERT_KIND === 'ecc' ? 'ecc' : 'rsa';
const TLS_POLICY = process.env.TLS_POLICY ?? 'tls_cipher_policy_1_2_strict_with_1_3';
const tlsDir = join(work, 'tls');
mkdirSync(tlsDir);
const benchCa = createCA('OpenSLB bench CA');
const leaf = TLS_KIND === 'ecc' ? issueEcLeaf(benchCa, ['127.0.0.1', 'localhost']) : issueLeaf(benchCa, ['127.0.0.1', 'localhost']);
writeFileSync(join(tlsDir, 'cert.pem'), leaf.certPem + benchCa.certPem);
writeFileSync(join(tlsDir, 'key.pem'), leaf.keyPem);
const pol = policyOptions(TLS_POLICY);
const suites = (pol.ciphers ?? '').split(':').filter((c) => c && !c.startsWith('@'));
const tls13 = suites.filter((c) => TLS13_SUITES.includes(c));
const nodeToNginx: Record<string, string> = { TLSv1: 'TLSv1', 'TLSv1.1': 'TLSv1.1', 'TLSv1.2': 'TLSv1.2', 'TLSv1.3': 'TLSv1.3' };
const versions = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const tlsEnv = {
  TLS_CERT: join(tlsDir, 'cert.pem'),
  TLS_KEY: join(tlsDir, 'key.pem'),
  TLS_PROTOCOLS: versions.slice(versions.indexOf(pol.minVersion), versions.indexOf(pol.maxVersion) + 1).map((v) => nodeToNginx[v]).join(' '),
  TLS_CIPHERS: suites.filter((c) => !TLS13_SUITES.includes(c)).join(':') + ((pol.ciphers ?? '').includes('@SECLEVEL=0') ? ':@SECLEVEL=0' : ''),
  TLS13_SUITES: tls13.length ? tls13.join(':') : TLS13_SUITES.slice(0, 3).join(':'),
};
console.log(`HTTPS round: ${TLS_KIND} certificate, ${TLS_POLICY} (${tlsEnv.TLS_PROTOCOLS})`);

const started: ChildProcess[] = [];
function startPlane(workers: number, base: number): Promise<{ proc: ChildProcess; http: boolean }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/dataplane-runner.ts')], {
    cwd: ROOT,
    env: { ...process.env, WORKERS: String(workers), PORT_BASE: String(base), BENCH_TLS_CERT: tlsEnv.TLS_CERT, BENCH_TLS_KEY: tlsEnv.TLS_KEY, BENCH_TLS_POLICY: TLS_POLICY },
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

// Each OpenSLB size runs against nginx/HAProxy with as many processes/threads (run.sh WORKERS):
// 1 worker vs worker_processes 1, then WORKERS_MULTI workers vs worker_processes WORKERS_MULTI.
// OpenSLB's CPU column counts the control process and its workers (run.sh: a PID and its children).
const RECONFIG = Number(process.env.RECONFIG ?? 0);
const sizes = [1, ...(MULTI > 1 ? [MULTI] : [])];
const w = (n: number) => `openslb-w${n}`;
let tests = process.env.TESTS ?? '';
let status = 0;
const outs: { n: number; out: string }[] = [];
for (const [i, n] of sizes.entries()) {
  const base = 18300 + 100 * i;
  const plane = await startPlane(n, base);
  tests ||= RECONFIG > 0 ? 'http' : plane.http ? 'http https tlshs big iperf' : 'big iperf';
  const out = join(work, 'results', `openslb-w${n}`);
  const run = spawnSync('bash', [join(work, 'run.sh')], {
    cwd: work,
    stdio: 'inherit',
    env: {
      ...process.env,
      WORKERS: String(n),
      TESTS: tests,
      ROUNDS: process.env.ROUNDS ?? (RECONFIG > 0 ? '1' : '2'),
      OUT: out,
      ...tlsEnv,
      EXTRA_HTTP: plane.http ? `${w(n)}=http://127.0.0.1:${base + 1}/hello` : '',
      EXTRA_HTTPS: plane.http ? `${w(n)}=https://127.0.0.1:${base + 2}/hello` : '',
      EXTRA_BIG: `${w(n)}=http://127.0.0.1:${base}/big.bin`,
      EXTRA_IPERF: `${w(n)}=${base + 10}`,
      EXTRA_PIDS: `${w(n)}=${plane.proc.pid}`,
    },
  });
  status ||= run.status ?? 1;
  await new Promise<void>((r) => {
    plane.proc.once('exit', () => r());
    plane.proc.kill('SIGTERM');
  });
  outs.push({ n, out });
}
stopAll();

const csv = outs.flatMap(({ n, out }) => (existsSync(join(out, 'results.csv')) ? readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n').slice(1) : []).map((l) => ({ n, l })));
type Row = { test: string; target: string; rps: number; p99: number; mbit: number; cpu: number; errors: number };
const rows: (Row & { socketErrors: number; non2xx: number })[] = csv.map(({ n, l }) => {
  const c = l.split(',');
  // the peers ran with n processes / threads: name them so
  if (!c[1]!.startsWith('openslb')) c[1] = `${c[1]} ×${n}`;
  const socketErrors = Number(c[8]) || 0;
  const non2xx = Number(c[9]) || 0;
  return { test: c[0]!, target: c[1]!, rps: Number(c[3]) || 0, p99: Number(c[5]) || 0, mbit: Number(c[7]) || 0, errors: socketErrors + non2xx, socketErrors, non2xx, cpu: Number(c[10]) || 0 };
});
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const lines: string[] = [];
const ref: Record<string, string> = { http: 'nginx', big: 'nginx-stream', iperf: 'nginx-stream', https: 'nginx-tls', tlshs: 'nginx-tls' };
const titles: Record<string, string> = {
  iperf: 'Mbit/s, single stream',
  big: '1 MiB responses through L4, req/s',
  http: 'small responses, req/s',
  https: `small responses over kept-alive TLS, req/s; ${TLS_KIND} certificate, ${TLS_POLICY}`,
  tlshs: `one request per TLS connection (Connection: close), handshakes/s; ${TLS_KIND} certificate, ${TLS_POLICY}`,
};
for (const t of tests.split(/\s+/)) {
  for (const n of sizes) {
    // this size's run: the peers with n processes / threads, OpenSLB with n workers
    const sel = rows.filter((r) => r.test === t && (r.target === w(n) || r.target.endsWith(` ×${n}`)));
    const targets = [...new Set(sel.map((r) => r.target))];
    const metric = (r: Row) => (t === 'iperf' ? r.mbit : r.rps);
    const refName = `${ref[t]} ×${n}`;
    const base = mean(sel.filter((r) => r.target === refName).map(metric));
    const baseP99 = mean(sel.filter((r) => r.target === refName).map((r) => r.p99));
    lines.push(`\n### ${t}, ${n} worker${n > 1 ? 's' : ''} (${titles[t] ?? t}; ratio vs ${refName} in the same run)\n`);
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
}
console.log(`\n## OpenSLB data plane vs nginx (${new Date().toISOString()})`);
console.log(lines.join('\n'));
if (RECONFIG > 0) {
  console.log(`\n### RECONFIG=${RECONFIG}: ${RECONFIG} configuration changes per data plane during its HTTP wrk run\n`);
  for (const r of rows.filter((x) => x.test === 'http' && x.target.startsWith('openslb'))) {
    console.log(`- ${r.target}: ${Math.round(r.rps)} req/s, wrk socket errors ${r.socketErrors}, non-2xx ${r.non2xx}`);
  }
}
if (process.env.KEEP !== '1') rmSync(work, { recursive: true, force: true });
else console.log(`\nraw results kept in ${outs.map((o) => o.out).join(', ')}`);
process.exit(status);
