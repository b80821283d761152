// Fixtures for HTTP/HTTPS listener tests: backends that echo what they received as JSON, listener
// snapshot builders, and a small client.
import http from 'node:http';
import type net from 'node:net';
import zlib from 'node:zlib';
import type { BackendServerSnapshot, HttpListenerSnapshot, HttpsListenerSnapshot } from '../../src/dataplane/snapshot.js';
import { listenerBase } from './helpers.js';

export interface Echo {
  name: string;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * GET/POST anything → 200 JSON Echo (`X-Backend: name`). Special paths:
 * `/slow?ms=N` answers after N ms; `/json-big` ≥ 2 KiB of JSON; `/html-big` ≥ 2 KiB of text/html;
 * `/setcookie` sets `SESSIONID=backend-<name>`; `/status/N` answers N.
 * Upgrade requests get `101` and then every byte echoed back prefixed by the name.
 */
export class HttpBackend {
  server!: http.Server;
  port = 0;
  requests = 0;
  readonly sockets = new Set<net.Socket>();
  constructor(
    readonly ip: string,
    readonly name: string,
  ) {}
  async start(port = this.port): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.requests++;
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const echo: Echo = { name: this.name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        const send = () => {
          res.setHeader('x-backend', this.name);
          if (u.pathname === '/json-big') {
            res.setHeader('content-type', 'application/json; charset=utf-8');
            return res.end(JSON.stringify({ ...echo, pad: 'x'.repeat(4096) }));
          }
          if (u.pathname === '/html-big') {
            res.setHeader('content-type', 'text/html');
            return res.end(`<p>${'y'.repeat(4096)}</p>`);
          }
          if (u.pathname === '/setcookie') res.setHeader('set-cookie', [`SESSIONID=backend-${this.name}; Path=/; HttpOnly`, 'other=1']);
          if (u.pathname.startsWith('/status/')) res.statusCode = Number(u.pathname.slice(8));
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(echo));
        };
        const ms = Number(u.searchParams.get('ms') ?? 0);
        if (u.pathname === '/slow' && ms > 0) setTimeout(send, ms).unref();
        else send();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
      this.requests++;
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\nX-Backend: ${this.name}\r\nX-Seen-XFF: ${req.headers['x-forwarded-for'] ?? ''}\r\n\r\n`);
      socket.on('data', (d) => socket.write(`${this.name}:${d}`));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.ip, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
  member(serverId = this.name, weight = 100, extra: Partial<BackendServerSnapshot> = {}): BackendServerSnapshot {
    return { serverId, ip: this.ip, port: this.port, weight, type: 'ecs', ...extra };
  }
}

const fw = { xForwardedFor: true, xForwardedProto: false, slbIp: false, slbId: false, xForwardedPort: false, xForwardedClientSrcPort: false };

export function httpListener(port: number, over: Partial<HttpListenerSnapshot> = {}, lbId = 'lb-test'): HttpListenerSnapshot {
  return {
    ...listenerBase('http', port, lbId),
    stickySession: null,
    forwardedHeaders: fw,
    gzip: true,
    idleTimeoutMs: 15_000,
    requestTimeoutMs: 60_000,
    rules: [],
    redirect: null,
    ...over,
  };
}

export function httpsListener(port: number, over: Partial<HttpsListenerSnapshot> = {}, lbId = 'lb-test'): HttpsListenerSnapshot {
  return {
    ...listenerBase('https', port, lbId),
    stickySession: null,
    forwardedHeaders: fw,
    gzip: true,
    idleTimeoutMs: 15_000,
    requestTimeoutMs: 60_000,
    rules: [],
    serverCertificateId: 'cert-a',
    caCertificateId: null,
    domainExtensions: [],
    tlsCipherPolicy: 'tls_cipher_policy_1_0',
    enableHttp2: false,
    ...over,
  };
}

export interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  raw: Buffer;
  echo?: Echo;
}

export interface GetOpts {
  host?: string;
  headers?: http.OutgoingHttpHeaders;
  method?: string;
  body?: string;
  localAddress?: string;
  agent?: http.Agent | false;
  timeoutMs?: number;
}

/** One request; resolves with status/headers/body (gunzipped when gzip-encoded) or rejects on a socket error. */
export function get(lbIp: string, port: number, path: string, o: GetOpts = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: lbIp, port, path, method: o.method ?? 'GET', headers: { host: o.host ?? 'app.example.com', ...o.headers }, localAddress: o.localAddress, agent: o.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const body = res.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw).toString() : raw.toString();
          let echo: Echo | undefined;
          try {
            echo = JSON.parse(body) as Echo;
          } catch {
            /* not an echo */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, raw, echo });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(o.body);
  });
}
