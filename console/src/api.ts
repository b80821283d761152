// Calls to the public API at `/`, signed in the browser (sign.ts), and to the operator endpoints
// with the operator token. Credentials live in sessionStorage only and are dropped on sign-out.
import { formBody, signV3, type Credentials } from './sign.js';

const SLB = '2014-05-15';
export const ECS = '2014-05-26';

const CRED = 'openslb.credentials';
const OPERATOR = 'openslb.operatorToken';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly requestId?: string,
    readonly recommend?: string,
  ) {
    super(message);
  }
}

export const credentials = (): Credentials | undefined => {
  const raw = sessionStorage.getItem(CRED);
  return raw ? (JSON.parse(raw) as Credentials) : undefined;
};
export const operatorToken = () => sessionStorage.getItem(OPERATOR) ?? undefined;

export function signIn(c: Credentials): void {
  sessionStorage.setItem(CRED, JSON.stringify(c));
}
export function signInOperator(token: string): void {
  sessionStorage.setItem(OPERATOR, token);
}
export function signOut(): void {
  sessionStorage.removeItem(CRED);
  sessionStorage.removeItem(OPERATOR);
}

export type Json = Record<string, any>;

/** One API call: parameters travel in the signed form body; an error answer becomes an ApiError. */
export async function call(action: string, params: Record<string, string | number | undefined> = {}, version = SLB): Promise<Json> {
  const cred = credentials();
  if (!cred) throw new ApiError('NotSignedIn', 'Sign in first.', 0);
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') clean[k] = String(v);
  const body = formBody(clean);
  const headers = await signV3({ method: 'POST', host: location.host, action, version, body }, cred);
  const res = await fetch('/', { method: 'POST', headers, body, credentials: 'omit', cache: 'no-store' });
  const json = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok || json['Code']) {
    throw new ApiError(String(json['Code'] ?? `HTTP${res.status}`), String(json['Message'] ?? res.statusText), res.status, json['RequestId'], json['Recommend']);
  }
  return json;
}

/** Every page of a paged Describe… call, concatenated. */
export async function callAll<T>(action: string, params: Record<string, string | number | undefined>, pick: (r: Json) => T[], version = SLB): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const r = await call(action, { ...params, PageNumber: page, PageSize: 50 }, version);
    const items = pick(r);
    out.push(...items);
    if (items.length < 50 || out.length >= Number(r['TotalCount'] ?? 0)) return out;
  }
}

/** The operator API (/_openslb/…) with the operator token as bearer. */
export async function operator(method: string, path: string, body?: unknown): Promise<Json> {
  const token = operatorToken();
  if (!token) throw new ApiError('NotSignedIn', 'Sign in first.', 0);
  const res = await fetch(`/_openslb${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
  });
  const json = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) throw new ApiError(String(json['Code'] ?? `HTTP${res.status}`), String(json['Message'] ?? res.statusText), res.status);
  return json;
}

/** Prometheus text from /metrics (loopback peers need no token; others send the operator token). */
export async function metricsText(): Promise<string | undefined> {
  const token = operatorToken();
  const res = await fetch('/metrics', { headers: token ? { authorization: `Bearer ${token}` } : {}, credentials: 'omit', cache: 'no-store' });
  return res.ok ? res.text() : undefined;
}

let zhCatalog: Promise<Map<string, string>> | undefined;
/** The error center's Chinese descriptions, by entry anchor and by code (the first entry of a code). */
function chineseCatalog(): Promise<Map<string, string>> {
  zhCatalog ??= fetch('/error-center.json', { credentials: 'omit' })
    .then((r) => r.json() as Promise<{ entries: { anchor: string; code: string; descriptionZh: string }[] }>)
    .then((j) => {
      const m = new Map<string, string>();
      for (const e of j.entries) {
        if (!e.descriptionZh) continue;
        m.set(`#${e.anchor}`, e.descriptionZh);
        if (!m.has(e.code)) m.set(e.code, e.descriptionZh);
      }
      return m;
    })
    .catch(() => new Map<string, string>());
  return zhCatalog;
}

/**
 * The Chinese description of an error: the entry its Recommend link points at (a code can have
 * several entries, e.g. one per signature version), else the code's first entry.
 */
export async function chineseDescription(e: ApiError): Promise<string | undefined> {
  const m = await chineseCatalog();
  const anchor = e.recommend ? decodeURIComponent(new URL(e.recommend, location.href).hash) : '';
  return (anchor && m.get(anchor)) || m.get(e.code);
}
