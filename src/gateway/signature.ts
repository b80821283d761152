import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { percentEncode } from './encoding.js';

/** Signature V1 (HMAC-SHA1) string to sign over every parameter except Signature. */
export function v1StringToSign(method: string, params: Record<string, string>): string {
  const names = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = names.map((k) => `${percentEncode(k)}=${percentEncode(params[k]!)}`).join('&');
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

export function v1Sign(secret: string, stringToSign: string): string {
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface V3Authorization {
  algorithm: string;
  credential: string;
  signedHeaders: string[];
  signature: string;
}

export function parseV3Authorization(h: string): V3Authorization | undefined {
  const m = /^(\S+)\s+(.*)$/.exec(h.trim());
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const part of m[2]!.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) return undefined;
    fields[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  const { Credential, SignedHeaders, Signature } = fields;
  if (!Credential || !SignedHeaders || !Signature) return undefined;
  return { algorithm: m[1]!, credential: Credential, signedHeaders: SignedHeaders.split(';').map((s) => s.trim().toLowerCase()), signature: Signature };
}

export const sha256hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Signature V3 (ACS3-HMAC-SHA256) string to sign. */
export function v3StringToSign(
  method: string,
  path: string,
  query: Record<string, string>,
  headers: Record<string, string | string[] | undefined>,
  signedHeaders: string[],
  body: Buffer,
): string {
  const canonicalQuery = Object.keys(query)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${percentEncode(k)}=${percentEncode(query[k]!)}`)
    .join('&');
  const sorted = [...signedHeaders].sort();
  const canonicalHeaders = sorted
    .map((h) => {
      const v = headers[h];
      return `${h}:${(Array.isArray(v) ? v.join(',') : (v ?? '')).trim()}\n`;
    })
    .join('');
  const canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, sorted.join(';'), sha256hex(body)].join('\n');
  return `ACS3-HMAC-SHA256\n${sha256hex(canonicalRequest)}`;
}

export function v3Sign(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}
