// The three real probers. Each resolves (never rejects) within the check's timeout.
import net from 'node:net';
import http from 'node:http';
import dgram from 'node:dgram';
import type { HealthCheckSnapshot, HttpCodeClass } from '../snapshot.js';
import type { Prober, ProbeResult } from './types.js';

/** TCP: a completed three-way handshake is healthy. The socket is reset right after. */
export const tcpProber: Prober = {
  type: 'tcp',
  probe(t, cfg) {
    return new Promise<ProbeResult>((resolve) => {
      const s = net.connect({ host: t.ip, port: t.port });
      const done = (r: ProbeResult) => {
        clearTimeout(timer);
        s.removeAllListeners();
        s.on('error', () => {});
        s.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => done({ ok: false, reason: 'timeout' }), cfg.timeoutMs);
      s.once('connect', () => done({ ok: true }));
      s.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, reason: e.code ?? e.message }));
    });
  },
};

const classOf = (code: number): HttpCodeClass | undefined => (code >= 200 && code < 600 ? (`http_${Math.floor(code / 100)}xx` as HttpCodeClass) : undefined);

/** HTTP: a response whose status class is in httpCodes within the timeout is healthy. */
export const httpProber: Prober = {
  type: 'http',
  probe(t, cfg) {
    const h = cfg.http ?? { method: 'head', uri: '/', domain: null, httpCodes: ['http_2xx', 'http_3xx'] as HttpCodeClass[] };
    return new Promise<ProbeResult>((resolve) => {
      let settled = false;
      const done = (r: ProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        resolve(r);
      };
      const hostHeader = h.domain ?? (t.ip.includes(':') ? `[${t.ip}]` : t.ip);
      const req = http.request({
        host: t.ip,
        port: t.port,
        method: h.method.toUpperCase(),
        path: h.uri || '/',
        headers: { host: hostHeader, 'user-agent': 'OpenSLB-HealthCheck', connection: 'close' },
        agent: false,
      });
      const timer = setTimeout(() => done({ ok: false, reason: 'timeout' }), cfg.timeoutMs);
      req.on('response', (res) => {
        const cls = classOf(res.statusCode ?? 0);
        res.resume();
        done(cls && h.httpCodes.includes(cls) ? { ok: true } : { ok: false, reason: `status ${res.statusCode}` });
      });
      req.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, reason: e.code ?? e.message }));
      req.end();
    });
  },
};

/**
 * UDP: sends healthCheckReq (or one empty datagram). With healthCheckExp set, a reply containing
 * it is healthy. Without it, silence within the timeout is healthy and an ICMP port-unreachable
 * (ECONNREFUSED on the connected socket) or a reply is judged as in real CLB: unreachable →
 * abnormal, any reply → healthy.
 */
export const udpProber: Prober = {
  type: 'udp',
  probe(t, cfg) {
    const req = Buffer.from(cfg.udp?.request ?? '');
    const exp = cfg.udp?.expect ?? '';
    return new Promise<ProbeResult>((resolve) => {
      const s = dgram.createSocket(t.ip.includes(':') ? 'udp6' : 'udp4');
      let settled = false;
      const done = (r: ProbeResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          s.close();
        } catch {
          /* already closed */
        }
        resolve(r);
      };
      const timer = setTimeout(() => done(exp ? { ok: false, reason: 'timeout' } : { ok: true }), cfg.timeoutMs);
      s.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, reason: e.code ?? e.message }));
      s.on('message', (m) => {
        if (!exp) return done({ ok: true });
        if (m.toString('utf8').includes(exp)) done({ ok: true });
        // other replies: keep waiting until the timeout
      });
      s.connect(t.port, t.ip, () => {
        s.send(req, (e) => {
          if (e) done({ ok: false, reason: (e as NodeJS.ErrnoException).code ?? e.message });
        });
      });
    });
  },
};

export const defaultProbers: Record<HealthCheckSnapshot['type'], Prober> = { tcp: tcpProber, http: httpProber, udp: udpProber };

/** Sweep the table of recent probes every this many probes (entries older than SHARED_MAX_AGE_MS go). */
const SHARED_SWEEP_EVERY = 1024;
const SHARED_MAX_AGE_MS = 5 * 60_000;

/**
 * One probe per target for every pool that checks it the same way: the listeners of a machine
 * often share backends (5 000 listeners over the same 10 servers probe 10 servers, not 50 000).
 * A probe of the same target (address, port) with the same check (type, timeout, HTTP / UDP
 * settings) that started less than the caller's interval ago, finished or in flight, answers for
 * this one; each pool still runs its own state machine (thresholds) over the results it gets.
 */
export function sharedProbers(probers: Record<HealthCheckSnapshot['type'], Prober>, now: () => number): Record<HealthCheckSnapshot['type'], Prober> {
  const recent = new Map<string, { at: number; result: Promise<ProbeResult> }>();
  let sets = 0;
  const wrap = (p: Prober): Prober => ({
    type: p.type,
    probe(t, cfg) {
      const key = `${cfg.type}|${t.ip}|${t.port}|${cfg.timeoutMs}|${cfg.type === 'http' ? JSON.stringify(cfg.http ?? null) : cfg.type === 'udp' ? JSON.stringify(cfg.udp ?? null) : ''}`;
      const at = now();
      const hit = recent.get(key);
      if (hit && at - hit.at < cfg.intervalMs) return hit.result;
      const result = p.probe(t, cfg);
      recent.set(key, { at, result });
      if (++sets % SHARED_SWEEP_EVERY === 0) for (const [k, v] of recent) if (at - v.at > SHARED_MAX_AGE_MS) recent.delete(k);
      return result;
    },
  });
  return { tcp: wrap(probers.tcp), http: wrap(probers.http), udp: wrap(probers.udp) };
}
