// Signature V3 (ACS3-HMAC-SHA256) with WebCrypto, as every Alibaba Cloud SDK signs: the browser
// signs each call itself with the AccessKey pair it holds; nothing but the signature leaves it.
// No DOM here, so Node (globalThis.crypto) runs the same code in the tests.

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface SignInput {
  method: string;
  /** the Host header the browser will send (location.host) */
  host: string;
  action: string;
  version: string;
  /** application/x-www-form-urlencoded body (the call's parameters) */
  body: string;
  /** ISO 8601 second precision, UTC; default now */
  date?: string;
  nonce?: string;
}

const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');

const sha256Hex = async (s: string) => hex(await crypto.subtle.digest('SHA-256', enc.encode(s)));

async function hmacHex(secret: string, s: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return hex(await crypto.subtle.sign('HMAC', key, enc.encode(s)));
}

/** RFC 3986: only A–Z a–z 0–9 - _ . ~ stay raw. */
const percentEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const formBody = (params: Record<string, string>) =>
  Object.entries(params)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');

const randomNonce = () => hex(crypto.getRandomValues(new Uint8Array(16)).buffer);
const isoSeconds = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The headers to send with a POST to `/` whose form body is `input.body`. The query string is empty,
 * so the canonical query is too; host, content type and every x-acs-* header are signed.
 */
export async function signV3(input: SignInput, cred: Credentials): Promise<Record<string, string>> {
  const headers: Record<string, string> = {
    host: input.host,
    'content-type': 'application/x-www-form-urlencoded',
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': input.date ?? isoSeconds(),
    'x-acs-signature-nonce': input.nonce ?? randomNonce(),
    'x-acs-content-sha256': await sha256Hex(input.body),
  };
  if (cred.securityToken) headers['x-acs-security-token'] = cred.securityToken;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim()}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [input.method, '/', '', canonicalHeaders, signedHeaders, headers['x-acs-content-sha256']].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${await sha256Hex(canonicalRequest)}`;
  const signature = await hmacHex(cred.accessKeySecret, stringToSign);
  headers['authorization'] = `ACS3-HMAC-SHA256 Credential=${cred.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  // the browser sets Host itself (it may not be set from script); it was signed as location.host
  delete headers['host'];
  return headers;
}
