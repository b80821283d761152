// The reader of bench:scale's read phases, in a process of its own: it only sends the calls it is
// given and times them, so the harness's heap (every load balancer of the setup, the figures of the
// earlier phases) and its collections stay out of the read latencies. Traced at 50 000 load
// balancers, the harness collected its old generation after nearly every scavenge during a read
// phase (34 mark-compacts in 5 s, 125 ms in all), and those pauses were in the measured calls.
//
//   node --import tsx bench/read-client.ts JOB.json   → one JSON line on stdout
//
// JOB: { url, key: { id, secret }, readers, deadlineMs, calls: [[action, params], …] }
// Answer: { ms: [...], results: [{ ok, status, code?, message?, total?, listed? }], cpuMs, wallMs }
// (cpuMs and wallMs: this process's CPU time and the wall time of the calls)
import { readFileSync } from 'node:fs';
import { RpcClient, type AccessKey } from './lib.js';

interface Job {
  url: string;
  key: AccessKey;
  readers: number;
  deadlineMs: number;
  calls: [string, Record<string, string | number>][];
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job;
const api = new RpcClient(job.url, job.key, Math.max(1, job.readers) + 1);
const deadline = performance.now() + job.deadlineMs;
const ms: number[] = [];
const results: { ok: boolean; status: number; code?: string; message?: string; total?: number; listed?: number }[] = [];
// warm-up, untimed, so that this new process's own code (signing, HTTP, JSON) is optimized before
// the timed calls, as it is in a long-running client: 2 000 DescribeRegions (measured: after 200
// calls the next thousand still ran a fifth slower than the thousand after them), then the first
// 200 calls of the list
for (let i = 0; i < 2000; i++) await api.call('DescribeRegions', { RegionId: 'cn-hangzhou' });
for (const [action, params] of job.calls.slice(0, Math.min(200, job.calls.length))) await api.call(action, params);
const cpu0 = process.cpuUsage();
const w0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(job.readers, job.calls.length) }, async () => {
    for (;;) {
      const i = next++;
      if (i >= job.calls.length || performance.now() > deadline) return;
      const [action, params] = job.calls[i]!;
      const r = await api.call(action, params);
      ms.push(r.ms);
      const lbs = (r.body['LoadBalancers'] as { LoadBalancer?: unknown[] } | undefined)?.LoadBalancer;
      results.push({
        ok: r.ok,
        status: r.status,
        ...(r.code !== undefined ? { code: r.code } : {}),
        ...(r.message !== undefined ? { message: r.message } : {}),
        ...(r.body['TotalCount'] !== undefined ? { total: Number(r.body['TotalCount']) } : {}),
        ...(lbs ? { listed: lbs.length } : {}),
      });
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
api.close();
process.stdout.write(`${JSON.stringify({ ms, results, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - w0 })}\n`);
