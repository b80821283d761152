// `npm run bench:api`: DescribeRegions throughput and latency with concurrent signed clients.
// Starts `openslb serve` as a child process (BENCH_INPROCESS=1: in this process instead) on a
// fresh data dir, warms up, then drives it with BENCH_CLIENTS (32) closed-loop clients for
// BENCH_SECONDS (10). Every request is a V1-signed GET with a fresh nonce and timestamp, as
// pop-core sends it. Prints a table: requests/s, p50, p99, max, errors. BENCH_STORE_URL=postgres://…
// runs the server on that PostgreSQL database (each signed request then checks its nonce there;
// give a fresh schema with `?options=-c%20search_path%3D<schema>`) instead of SQLite.
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formEncode, pct, signedParams, startChild as startServerChild } from './lib.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 32);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 300);
const INPROCESS = process.env['BENCH_INPROCESS'] === '1';
const KEY = { id: 'LTAIbenchAccessKey01', secret: 'benchSecretValue01' };
const STORE_URL = process.env['BENCH_STORE_URL'] || undefined;

async function startChild(dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const s = await startServerChild({ dataDir, key: KEY, args: STORE_URL ? ['--store', STORE_URL] : [] });
  return { url: s.url, stop: async () => void (await s.stop()) };
}

async function startInProcess(dataDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const { startServer } = await import('../src/server.js');
  const s = await startServer({ listen: { host: '127.0.0.1', port: 0 }, dataDir, accessKey: KEY, logLevel: 'silent', ...(STORE_URL ? { storeUrl: STORE_URL } : {}) });
  return { url: s.url, stop: () => s.close() };
}

function signedPath(): string {
  return `/?${formEncode(signedParams(KEY, 'GET', 'DescribeRegions', { RegionId: 'cn-hangzhou' }))}`;
}

function once(agent: http.Agent, u: URL): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: signedPath(), method: 'GET', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(false);
        try {
          const b = JSON.parse(Buffer.concat(chunks).toString()) as { Regions?: unknown; Code?: string };
          resolve(!b.Code && b.Regions !== undefined);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'openslb-bench-'));
  const server = INPROCESS ? await startInProcess(dataDir) : await startChild(dataDir);
  const u = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    for (let i = 0; i < WARMUP; i += CLIENTS) await Promise.all(Array.from({ length: CLIENTS }, () => once(agent, u)));
    const latencies: number[] = [];
    let errors = 0;
    const t0 = performance.now();
    const end = t0 + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end) {
          const s = performance.now();
          const ok = await once(agent, u);
          latencies.push(performance.now() - s);
          if (!ok) errors++;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const ms = (x: number) => x.toFixed(2);
    const rows: [string, string][] = [
      ['action', 'DescribeRegions (V1, GET, fresh nonce)'],
      ['server', INPROCESS ? 'in-process' : 'child process (openslb serve)'],
      ['store', STORE_URL ? 'PostgreSQL' : 'SQLite'],
      ['clients', String(CLIENTS)],
      ['duration s', elapsed.toFixed(1)],
      ['requests', String(latencies.length)],
      ['requests/s', (latencies.length / elapsed).toFixed(0)],
      ['p50 ms', ms(pct(latencies, 50))],
      ['p99 ms', ms(pct(latencies, 99))],
      ['max ms', ms(latencies[latencies.length - 1] ?? NaN)],
      ['errors', String(errors)],
      ['machine', `${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, node ${process.version}`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`| ${'metric'.padEnd(w)} | value |\n|${'-'.repeat(w + 2)}|-------|`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v} |`);
    if (errors) process.exitCode = 1;
  } finally {
    agent.destroy();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
