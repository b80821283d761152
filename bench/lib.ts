// Shared by the benchmarks (bench/api.ts, bench/scale.ts): start `openslb serve` as a child
// process and wait for its ready line, sign SLB RPC requests (signature V1, as pop-core does), and
// send them over a keep-alive agent, plus small statistics helpers. Every child started here is
// stopped when the process exits (also on SIGINT/SIGTERM when the caller uses onInterrupt).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentEncode } from '../src/gateway/encoding.js';
import { v1Sign, v1StringToSign } from '../src/gateway/signature.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const API_VERSION = '2014-05-15';

export interface AccessKey {
  id: string;
  secret: string;
}

// -- child processes and temp dirs, cleaned up on exit ------------------------------------------

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const asyncCleanups = new Set<() => Promise<void>>();

/** Removes `dir` (recursively) when the process exits, unless released earlier. */
export function trackTempDir(dir: string): () => void {
  tempDirs.add(dir);
  return () => {
    tempDirs.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Runs `fn` on an interrupt (SIGINT/SIGTERM) before exiting; returns the unregister function. */
export function onInterruptCleanup(fn: () => Promise<void>): () => void {
  asyncCleanups.add(fn);
  return () => asyncCleanups.delete(fn);
}

function killAllSync(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}
process.on('exit', killAllSync);

let interrupted = false;
/** SIGINT/SIGTERM: stop the children (SIGTERM, then SIGKILL after 5 s), run the async cleanups, exit. */
export function installInterruptHandlers(): void {
  const handler = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${sig}: stopping child processes and cleaning up…\n`);
    const waits = [...children].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => stopChild(c, 5000));
    void Promise.allSettled(waits)
      .then(() => Promise.allSettled([...asyncCleanups].map((f) => withTimeout(f(), 10_000))))
      .finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
export const isInterrupted = () => interrupted;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// -- openslb serve as a child process -----------------------------------------------------------

export interface ChildServer {
  url: string;
  child: ChildProcess;
  pid: number;
  /** performance.now() just before spawn, and when the ready line was seen */
  spawnedAt: number;
  readyAt: number;
  /** the server's operator API token (DATA_DIR/operator-token) */
  operatorToken(): string;
  /** lines of the server's log at level warn (40) and above, most recent last (at most 200 kept) */
  problems: string[];
  /** counts of log lines by pino level */
  levels: Record<number, number>;
  /** SIGTERM and wait (SIGKILL after graceMs); resolves with the time it took in ms */
  stop(graceMs?: number): Promise<number>;
  /** the process exited without stop() being asked for */
  crashed(): boolean;
}

export interface StartChildOptions {
  dataDir: string;
  key: AccessKey;
  /** extra `serve` arguments, e.g. ['--no-dataplane', '--store', url] */
  args?: string[];
  listen?: string;
  logLevel?: string;
  /** how long to wait for the ready line (default 120 s) */
  readyTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

/**
 * Spawns `node bin/openslb.mjs serve` on `dataDir` with a fixed access key (env
 * OPENSLB_ACCESS_KEY_ID/SECRET) and resolves once it prints `OpenSLB API listening on http://…`.
 * The child's stdout is consumed (pino JSON lines; warnings and errors are kept in `problems`),
 * its stderr goes to ours.
 */
export async function startChild(o: StartChildOptions): Promise<ChildServer> {
  const args = [join(ROOT, 'bin', 'openslb.mjs'), 'serve', '--listen', o.listen ?? '127.0.0.1:0', '--data-dir', o.dataDir, '--log-level', o.logLevel ?? 'info', ...(o.args ?? [])];
  const env: Record<string, string | undefined> = { ...process.env, OPENSLB_ACCESS_KEY_ID: o.key.id, OPENSLB_ACCESS_KEY_SECRET: o.key.secret, OPENSLB_STORE_URL: undefined, ...(o.env ?? {}) };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const problems: string[] = [];
  const levels: Record<number, number> = {};
  let tail = '';
  let partial = '';
  let onLine: ((line: string) => void) | undefined;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-16_384);
    partial += chunk;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      const m = /"level":(\d+)/.exec(line);
      if (m) {
        const lv = Number(m[1]);
        levels[lv] = (levels[lv] ?? 0) + 1;
        if (lv >= 40) {
          problems.push(line.length > 600 ? `${line.slice(0, 600)}…` : line);
          if (problems.length > 200) problems.shift();
        }
      }
      onLine?.(line);
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`openslb was not ready within ${o.readyTimeoutMs ?? 120_000} ms:\n${tail}`));
    }, o.readyTimeoutMs ?? 120_000);
    const onExit = (code: number | null, sig: string | null) => {
      clearTimeout(timer);
      reject(new Error(`openslb exited (${code ?? sig}) before it was ready:\n${tail}`));
    };
    child.once('exit', onExit);
    onLine = (line) => {
      const m = /OpenSLB API listening on (http:\/\/[^\s"]+)/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      onLine = undefined;
      resolve(m[1]!);
    };
  });
  const readyAt = performance.now();
  let token: string | undefined;
  let stopping = false;
  return {
    url,
    child,
    pid: child.pid!,
    spawnedAt,
    readyAt,
    problems,
    levels,
    operatorToken: () => (token ??= readFileSync(join(o.dataDir, 'operator-token'), 'utf8').trim()),
    crashed: () => !stopping && (child.exitCode !== null || child.signalCode !== null),
    async stop(graceMs = 30_000) {
      stopping = true;
      const t0 = performance.now();
      await stopChild(child, graceMs);
      return performance.now() - t0;
    },
  };
}

/** VmRSS of a process in bytes (Linux /proc), NaN when unreadable. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * RSS of a process and every process below it (the data plane's worker processes are the server's
 * children), summed. Pages the processes share (the node binary, copy-on-write heap of a fork) are
 * counted once per process, so the sum is an upper bound; differences between two sizes cancel
 * that per-process part.
 */
export function rssTreeBytes(pid: number): number {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return NaN;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // the command name (field 2) is in parentheses and may hold spaces: the parent pid follows the last ')'
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    const r = rssBytes(p);
    if (Number.isNaN(r)) {
      if (p === pid) return NaN;
      continue;
    }
    total += r;
    todo.push(...(children.get(p) ?? []));
  }
  return total;
}

// -- signing ------------------------------------------------------------------------------------

const timestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The parameters of a V1-signed RPC call (what pop-core sends): common parameters with a fresh
 * nonce and timestamp, the action's own, and `Signature` over all of them for `method`.
 */
export function signedParams(key: AccessKey, method: 'GET' | 'POST', action: string, params: Record<string, string | number | boolean>): Record<string, string> {
  const p: Record<string, string> = {
    Action: action,
    Version: API_VERSION,
    Format: 'JSON',
    AccessKeyId: key.id,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomBytes(16).toString('hex'),
    Timestamp: timestamp(),
  };
  for (const [k, v] of Object.entries(params)) p[k] = String(v);
  p['Signature'] = v1Sign(key.secret, v1StringToSign(method, p));
  return p;
}

/** `k=v&…`, percent-encoded as the gateway expects (a query string or a form body). */
export const formEncode = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');

// -- a keep-alive RPC client --------------------------------------------------------------------

export interface RpcResult {
  ok: boolean;
  /** request sent → response fully read, ms (signing excluded) */
  ms: number;
  status: number;
  /** the API error code, or a transport error ('ECONNRESET', 'timeout'…) */
  code?: string;
  message?: string;
  body: Record<string, unknown>;
}

/**
 * Sends V1-signed POSTs (everything in the form body, like pop-core with `method: 'POST'`) over one
 * keep-alive agent, so the client side opens no connection per call.
 */
export class RpcClient {
  readonly agent: http.Agent;
  private readonly u: URL;
  constructor(
    url: string,
    private readonly key: AccessKey,
    maxSockets = 64,
    private readonly timeoutMs = 60_000,
  ) {
    this.u = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 });
  }

  call(action: string, params: Record<string, string | number | boolean> = {}): Promise<RpcResult> {
    const body = formEncode(signedParams(this.key, 'POST', action, params));
    return new Promise<RpcResult>((resolve) => {
      const t0 = performance.now();
      const fail = (code: string, message: string) => resolve({ ok: false, ms: performance.now() - t0, status: 0, code, message, body: {} });
      const req = http.request(
        {
          host: this.u.hostname,
          port: this.u.port,
          path: '/',
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? 'error', e.message));
          res.on('end', () => {
            const ms = performance.now() - t0;
            let b: Record<string, unknown> = {};
            try {
              b = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
            } catch {
              return resolve({ ok: false, ms, status: res.statusCode ?? 0, code: 'BadJSON', message: Buffer.concat(chunks).toString().slice(0, 200), body: {} });
            }
            const code = typeof b['Code'] === 'string' ? b['Code'] : undefined;
            const ok = res.statusCode === 200 && !code;
            resolve({ ok, ms, status: res.statusCode ?? 0, code: ok ? undefined : (code ?? `HTTP ${res.statusCode}`), message: typeof b['Message'] === 'string' ? b['Message'] : undefined, body: b });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })));
      req.on('error', (e) => fail((e as NodeJS.ErrnoException).code ?? 'error', e.message));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The operator API (/_openslb/…) of a running server, with its bearer token. */
export async function operator(url: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/_openslb${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} /_openslb${path} → ${res.status} ${text.slice(0, 500)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

// -- statistics ---------------------------------------------------------------------------------

/** Nearest-rank percentile of an ascending array. */
export const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]! : NaN);

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(xs: number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return { count: s.length, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1] ?? NaN, mean: s.length ? sum / s.length : NaN };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
