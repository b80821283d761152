// Layer-7 access logs (docs/access-logs.md): for a load balancer with an access-log configuration
// (SetAccessLogsDownloadAttribute: a Log Service project and logstore), every HTTP/HTTPS request
// becomes one JSON line with the field names of CLB's layer-7 access logs, appended to
// DATA_DIR/access-logs/<project>/<logstore>.log.
//
// Cost on the request path: one string built by hand (no JSON.stringify of an object, no Date per
// request: the time string is cached per second), encoded straight into a 64 KiB batch buffer.
// The batch goes to the file in one asynchronous write (libuv's thread pool: the event loop never waits for the
// disk) when it reaches 64 KiB or flushMs after its first line, and when the data plane closes. A
// disk slower than the traffic loses lines (MAX_QUEUED batches waiting at most), never memory.
// When the file would grow past maxBytes it is rotated first:
// <logstore>.log → <logstore>.log.1 → … → <logstore>.log.<keep> (the oldest is dropped).
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, write } from 'node:fs';
import { join } from 'node:path';

export interface AccessLogOptions {
  /** DATA_DIR/access-logs */
  dir: string;
  /** rotate before a file grows past this many bytes (default 64 MiB) */
  maxBytes?: number;
  /** rotated files kept besides the live one (default 4) */
  keep?: number;
  /** longest time a line waits in memory (default 1000 ms) */
  flushMs?: number;
  /**
   * Several processes append to the same files (data-plane workers): this one never rotates; it
   * writes whole lines per write() on an O_APPEND descriptor and reopens the path when it no
   * longer names the open file. AccessLogRotator (in one process) rotates by size.
   */
  shared?: boolean;
}

export const DEFAULT_ACCESS_LOG_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_ACCESS_LOG_KEEP = 4;
const FLUSH_BYTES = 64 * 1024;
/** batches waiting for the disk before new ones are dropped (~16 MiB) */
const MAX_QUEUED = 256;

/** One request, as the request path knows it. Strings may be undefined (written as "-"). */
export interface AccessLogEntry {
  clientIp: string;
  clientPort: number;
  method: string;
  uri: string;
  /** HTTP/1.0, HTTP/1.1, HTTP/2.0 */
  serverProtocol: string;
  host: string | undefined;
  referer: string | undefined;
  userAgent: string | undefined;
  xForwardedFor: string | undefined;
  status: number;
  bodyBytesSent: number;
  /** seconds from the request head to the end of the answer */
  requestTime: number;
  /** ip:port of the backend, undefined when the load balancer answered itself */
  upstreamAddr: string | undefined;
  upstreamStatus: number;
  /** seconds from sending to the backend to its last byte (-1: none) */
  upstreamResponseTime: number;
  sslProtocol: string | undefined;
  sslCipher: string | undefined;
}

/** JSON string literal; the common all-printable-ASCII case without JSON.stringify. */
function q(s: string | undefined): string {
  if (s === undefined || s === '') return '"-"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || c > 126) return JSON.stringify(s);
  }
  return `"${s}"`;
}

let cachedSecond = -1;
let cachedTime = '';
/** ISO 8601 with an offset, as CLB writes `time` ($time_iso8601): 2026-12-07T07:46:13+00:00 */
function isoNow(): string {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  if (sec !== cachedSecond) {
    cachedSecond = sec;
    cachedTime = `${new Date(sec * 1000).toISOString().slice(0, 19)}+00:00`;
  }
  return cachedTime;
}

/**
 * Buffer#utf8Write: what Buffer#write(s, offset, 'utf8') ends in, without its argument checks
 * (a CPU profile of a logging run put those at 1 % of the event loop, more than the encoding).
 * Not in Node's typings; Buffer#write where it is missing.
 */
type Utf8Writable = Buffer & { utf8Write?: (s: string, offset: number) => number };
const utf8Write =
  typeof (Buffer.prototype as Utf8Writable).utf8Write === 'function'
    ? (b: Buffer, s: string, at: number) => (b as Utf8Writable).utf8Write!(s, at)
    : (b: Buffer, s: string, at: number) => b.write(s, at, 'utf8');

const secs = (s: number) => (s < 0 ? '"-"' : `"${s.toFixed(3)}"`);

/** One logstore's file: buffered appends with size rotation, written off the event loop. */
export class AccessLogFile {
  /** the batch being filled: lines are encoded straight into it (no list of strings, no join) */
  private chunk: Buffer | null = null;
  private used = 0;
  /** lines in `chunk` (for `dropped`) */
  private lines = 0;
  private fd: number | undefined;
  /** bytes of the current file, counting what is queued for it (-1: not looked at yet) */
  private size = -1;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** batches and rotations waiting for the write in flight, in order */
  private queue: (Buffer | 'rotate')[] = [];
  private writing = false;
  private idle: (() => void)[] = [];
  /** lines dropped because the disk did not keep up */
  dropped = 0;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly keep: number,
    private readonly flushMs: number,
    private readonly shared = false,
  ) {}

  /**
   * Adds one line (without its newline) to the batch. A line never straddles two files: when it
   * would take the file past maxBytes, the batch so far is queued, then a rotation, and the line
   * starts the next file (a file exceeds maxBytes only when a single line does).
   */
  append(line: string): void {
    if (this.closed) return;
    // UTF-8 takes at most 3 bytes per UTF-16 unit; the newline one more
    const worst = line.length * 3 + 1;
    if (this.chunk && this.used + worst > this.chunk.length) this.batch();
    if (!this.chunk) {
      this.chunk = Buffer.allocUnsafe(Math.max(FLUSH_BYTES, worst));
      this.used = 0;
      this.lines = 0;
      if (this.size < 0) this.size = existsSync(this.path) ? statSync(this.path).size : 0;
    }
    const at = this.used;
    const n = utf8Write(this.chunk, line, at) + 1;
    this.chunk[at + n - 1] = 10;
    if (!this.shared && this.size + at + n > this.maxBytes && this.size + at > 0) {
      // rotate before this line: what precedes it goes to the current file
      const rest = Buffer.from(this.chunk.subarray(at, at + n));
      this.used = at;
      this.batch();
      this.rotateNext();
      this.chunk = Buffer.allocUnsafe(Math.max(FLUSH_BYTES, n));
      rest.copy(this.chunk, 0);
      this.used = n;
      this.lines = 1;
    } else {
      this.used = at + n;
      this.lines++;
    }
    if (this.used >= FLUSH_BYTES) this.batch();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.batch();
      }, this.flushMs);
      this.timer.unref();
    }
  }

  /** Hands the batch being filled to the writer. */
  private batch(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const c = this.chunk;
    if (!c || this.used === 0) return;
    this.chunk = null;
    if (this.queue.length >= MAX_QUEUED) {
      this.dropped += this.lines;
      return;
    }
    this.queue.push(c.subarray(0, this.used));
    this.size += this.used;
    this.pump();
  }

  /** Queues a rotation: later batches go to a fresh file. */
  private rotateNext(): void {
    this.queue.push('rotate');
    this.size = 0;
    this.pump();
  }

  /** One write at a time on libuv's thread pool; rotations (rare) in between, synchronously. */
  private pump(): void {
    if (this.writing) return;
    for (;;) {
      const op = this.queue.shift();
      if (op === undefined) {
        for (const f of this.idle.splice(0)) f();
        if (this.closed) this.closeFd();
        return;
      }
      try {
        if (op === 'rotate') {
          this.rotate();
          continue;
        }
        if (this.fd !== undefined && this.shared && this.moved()) this.closeFd();
        if (this.fd === undefined) this.open();
      } catch {
        // a full disk or a removed directory loses these lines, never the request path
        this.closeFd();
        continue;
      }
      this.writing = true;
      this.writeAll(op, () => {
        this.writing = false;
        this.pump();
      });
      return;
    }
  }

  private writeAll(data: Buffer, done: () => void): void {
    write(this.fd!, data, 0, data.length, null, (err, n) => {
      if (err) {
        this.closeFd();
        return done();
      }
      if (n < data.length) return this.writeAll(data.subarray(n), done);
      done();
    });
  }

  /** Resolves once every line appended so far is in the file. */
  flush(): Promise<void> {
    this.batch();
    if (!this.writing && !this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Shared files: whether the path no longer names the open file (another process rotated it). */
  private moved(): boolean {
    try {
      return statSync(this.path).ino !== fstatSync(this.fd!).ino;
    } catch {
      return true;
    }
  }

  private open() {
    mkdirSync(join(this.path, '..'), { recursive: true });
    this.fd = openSync(this.path, 'a');
  }

  private rotate() {
    this.closeFd();
    if (!existsSync(this.path)) return;
    if (this.keep <= 0) rmSync(this.path, { force: true });
    else {
      rotateFiles(this.path, this.keep);
    }
  }

  private closeFd() {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      /* already gone */
    }
    this.fd = undefined;
  }

  /** Writes what is buffered, then closes the file; resolves when it is written. Later lines are dropped. */
  close(): Promise<void> {
    const done = this.flush();
    this.closed = true;
    if (!this.writing && !this.queue.length) this.closeFd();
    return done;
  }
}

/** What a listener writes through: its load balancer's file plus the fields fixed per listener. */
export class AccessLogSink {
  /** `"slb_vport":"80","slbid":"lb-…","vip_addr":"…","scheme":"http"` */
  private readonly fixed: string;
  constructor(
    readonly file: AccessLogFile,
    loadBalancerId: string,
    vip: string,
    port: number,
    scheme: 'http' | 'https',
  ) {
    this.fixed = `"slb_vport":"${port}","slbid":${q(loadBalancerId)},"vip_addr":${q(vip)},"scheme":"${scheme}"`;
  }

  write(e: AccessLogEntry): void {
    const up = e.upstreamAddr !== undefined;
    this.file.append(
      `{"__topic__":"slb_layer7_access_log","time":"${isoNow()}","client_ip":${q(e.clientIp)},"client_port":"${e.clientPort}",` +
        `"request_method":${q(e.method)},"request_uri":${q(e.uri)},"server_protocol":${q(e.serverProtocol)},` +
        `"host":${q(e.host)},"http_host":${q(e.host)},"http_referer":${q(e.referer)},"http_user_agent":${q(e.userAgent)},` +
        `"http_x_forwarded_for":${q(e.xForwardedFor)},"http_x_real_ip":${q(e.clientIp)},` +
        `"status":"${e.status}","body_bytes_sent":"${e.bodyBytesSent}","request_time":${secs(e.requestTime)},` +
        `"upstream_addr":${q(e.upstreamAddr)},"upstream_status":${up && e.upstreamStatus ? `"${e.upstreamStatus}"` : '"-"'},` +
        `"upstream_response_time":${up ? secs(e.upstreamResponseTime) : '"-"'},` +
        `"ssl_protocol":${q(e.sslProtocol)},"ssl_cipher":${q(e.sslCipher)},${this.fixed}}`,
    );
  }
}

/** The data plane's access-log files, one per (project, logstore), shared by every listener writing there. */
export class AccessLogs {
  private files = new Map<string, AccessLogFile>();
  private readonly maxBytes: number;
  private readonly keep: number;
  private readonly flushMs: number;
  constructor(readonly opts: AccessLogOptions) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_ACCESS_LOG_MAX_BYTES;
    this.keep = opts.keep ?? DEFAULT_ACCESS_LOG_KEEP;
    this.flushMs = opts.flushMs ?? 1000;
  }

  /** The file of one logstore: DATA_DIR/access-logs/<project>/<logstore>.log */
  file(project: string, logstore: string): AccessLogFile {
    const key = `${project}/${logstore}`;
    let f = this.files.get(key);
    if (!f) {
      // project and logstore names are [a-z0-9_-] in Log Service; anything else is neutralised
      const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^\.+/, '_');
      f = new AccessLogFile(join(this.opts.dir, safe(project), `${safe(logstore)}.log`), this.maxBytes, this.keep, this.flushMs, this.opts.shared);
      this.files.set(key, f);
    }
    return f;
  }

  /** Writes every buffered line now; resolves once they are in their files. */
  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => f.flush()));
  }

  /** Flushes and closes every file (the data plane's close). */
  async close(): Promise<void> {
    const files = [...this.files.values()];
    this.files.clear();
    await Promise.all(files.map((f) => f.close()));
  }
}

/** <path> → <path>.1 → … → <path>.<keep>; the oldest is dropped. */
function rotateFiles(path: string, keep: number): void {
  rmSync(`${path}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
  renameSync(path, `${path}.1`);
}

/**
 * Size rotation of files written by several processes (AccessLogOptions.shared): one process (the
 * control process) looks at DIR/<project>/<logstore>.log every `everyMs` and rotates the ones at or
 * past maxBytes. Writers notice the rename at their next batch and reopen the path, so a file may
 * pass maxBytes by what the writers append within one period, and a batch written in the instant
 * between a writer's check and the rename lands, whole, at the end of <logstore>.log.1.
 */
export class AccessLogRotator {
  private timer: NodeJS.Timeout;
  private readonly maxBytes: number;
  private readonly keep: number;
  constructor(
    private readonly opts: AccessLogOptions,
    everyMs = 1000,
  ) {
    this.maxBytes = opts.maxBytes ?? DEFAULT_ACCESS_LOG_MAX_BYTES;
    this.keep = opts.keep ?? DEFAULT_ACCESS_LOG_KEEP;
    this.timer = setInterval(() => this.check(), everyMs);
    this.timer.unref();
  }

  /** One look at every live file (also what the timer runs). */
  check(): void {
    let projects: string[];
    try {
      projects = readdirSync(this.opts.dir);
    } catch {
      return; // no access log written yet
    }
    for (const p of projects) {
      let files: string[];
      try {
        files = readdirSync(join(this.opts.dir, p));
      } catch {
        continue;
      }
      for (const f of files) {
        if (!f.endsWith('.log')) continue;
        const path = join(this.opts.dir, p, f);
        try {
          if (statSync(path).size < this.maxBytes) continue;
          if (this.keep <= 0) rmSync(path, { force: true });
          else rotateFiles(path, this.keep);
        } catch {
          /* removed meanwhile; a full disk: tried again next period */
        }
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** `ip:port` of a backend as upstream_addr shows it. */
export const upstreamAddr = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
