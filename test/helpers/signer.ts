// An independent signer for raw HTTP requests: signature V1 (HMAC-SHA1) and V3
// (ACS3-HMAC-SHA256), written from reference/protocol.md §3–4 without importing the
// gateway's own code, so a bug in src/gateway/signature.ts cannot hide itself in the tests.
// Used where no real client can produce the case (bad timestamps, replays, odd methods…).
import { createHash, createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';

/** RFC 3986 percent-encoding over UTF-8 bytes: only A–Z a–z 0–9 - _ . ~ stay raw. */
export function rfc3986(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export function v1StringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort(byteOrder)
    .map((k) => `${rfc3986(k)}=${rfc3986(params[k]!)}`)
    .join('&');
  return [method, rfc3986('/'), rfc3986(canonical)].join('&');
}

export function v1Signature(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign, 'utf8').digest('base64');
}

export const nowTimestamp = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const nonce = () => randomBytes(16).toString('hex');

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** parsed JSON body, or undefined when the body is not JSON */
  json: Record<string, unknown> | undefined;
}

export function send(base: string, o: { method: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  const u = new URL(o.path ?? '/', base);
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = http.request(
      { host: u.hostname, port: u.port, method: o.method, path: `${u.pathname}${u.search}`, headers: o.headers, agent: false },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        // 'close' also covers a server that answers early and then drops the rest of a large upload
        res.on('close', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', (e) => {
      if (!responded) reject(e);
    });
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

const form = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');

export interface V1Options {
  id: string;
  secret: string;
  method?: string;
  /** where the parameters travel: the query (default) or a form body */
  where?: 'query' | 'body';
  /** replaces or removes (undefined) common parameters before signing */
  common?: Record<string, string | undefined>;
  /** overrides the computed signature */
  signature?: string;
  path?: string;
  headers?: Record<string, string>;
}

/** Sends a V1-signed RPC request built from `params` plus the common parameters. */
export async function v1Request(base: string, action: string, params: Record<string, string>, o: V1Options): Promise<RawResponse & { stringToSign: string; sent: Record<string, string> }> {
  const method = o.method ?? 'GET';
  const all: Record<string, string> = {
    Action: action,
    Version: '2014-05-15',
    Format: 'JSON',
    AccessKeyId: o.id,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: nonce(),
    Timestamp: nowTimestamp(),
    ...params,
  };
  for (const [k, v] of Object.entries(o.common ?? {})) {
    if (v === undefined) delete all[k];
    else all[k] = v;
  }
  const stringToSign = v1StringToSign(method, all);
  const sent = { ...all, Signature: o.signature ?? v1Signature(o.secret, stringToSign) };
  const where = o.where ?? 'query';
  const res = await send(base, {
    method,
    path: where === 'query' ? `${o.path ?? '/'}?${form(sent)}` : (o.path ?? '/'),
    headers: { ...(where === 'body' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...o.headers },
    body: where === 'body' ? form(sent) : undefined,
  });
  return { ...res, stringToSign, sent };
}

export const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

export interface V3Options {
  id: string;
  secret: string;
  method?: string;
  query?: Record<string, string>;
  body?: Record<string, string>;
  /** replaces or removes (undefined) headers before signing */
  headers?: Record<string, string | undefined>;
  /** replaces the Authorization header entirely */
  authorization?: string;
  algorithm?: string;
  signature?: string;
}

/** Sends a V3-signed (ACS3-HMAC-SHA256) RPC request. */
export async function v3Request(base: string, action: string, o: V3Options): Promise<RawResponse & { stringToSign: string }> {
  const method = o.method ?? 'POST';
  const u = new URL(base);
  const body = o.body ? form(o.body) : '';
  const h: Record<string, string> = {
    host: u.host,
    'x-acs-action': action,
    'x-acs-version': '2014-05-15',
    'x-acs-date': nowTimestamp(),
    'x-acs-signature-nonce': nonce(),
    'x-acs-content-sha256': sha256(body),
    ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
  };
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (v === undefined) delete h[k];
    else h[k] = v;
  }
  const query = o.query ?? {};
  const canonicalQuery = Object.keys(query)
    .sort(byteOrder)
    .map((k) => `${rfc3986(k)}=${rfc3986(query[k]!)}`)
    .join('&');
  const signed = Object.keys(h)
    .map((k) => k.toLowerCase())
    .filter((k) => k === 'host' || k === 'content-type' || k.startsWith('x-acs-'))
    .sort();
  const canonicalHeaders = signed.map((k) => `${k}:${h[k]!.trim()}\n`).join('');
  const canonicalRequest = `${method}\n/\n${canonicalQuery}\n${canonicalHeaders}\n${signed.join(';')}\n${sha256(body)}`;
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`;
  const sig = o.signature ?? createHmac('sha256', o.secret).update(stringToSign, 'utf8').digest('hex');
  const authorization = o.authorization ?? `${o.algorithm ?? 'ACS3-HMAC-SHA256'} Credential=${o.id},SignedHeaders=${signed.join(';')},Signature=${sig}`;
  const res = await send(base, {
    method,
    path: canonicalQuery ? `/?${canonicalQuery}` : '/',
    headers: { ...h, authorization },
    body: body || undefined,
  });
  return { ...res, stringToSign };
}
