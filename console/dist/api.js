import { formBody, signV3 } from './sign.js';
const SLB = '2014-05-15';
export const ECS = '2014-05-26';
const CRED = 'openslb.credentials';
const OPERATOR = 'openslb.operatorToken';
export class ApiError extends Error {
    code;
    status;
    requestId;
    recommend;
    constructor(code, message, status, requestId, recommend) {
        super(message);
        this.code = code;
        this.status = status;
        this.requestId = requestId;
        this.recommend = recommend;
    }
}
export const credentials = () => {
    const raw = sessionStorage.getItem(CRED);
    return raw ? JSON.parse(raw) : undefined;
};
export const operatorToken = () => sessionStorage.getItem(OPERATOR) ?? undefined;
export function signIn(c) {
    sessionStorage.setItem(CRED, JSON.stringify(c));
}
export function signInOperator(token) {
    sessionStorage.setItem(OPERATOR, token);
}
export function signOut() {
    sessionStorage.removeItem(CRED);
    sessionStorage.removeItem(OPERATOR);
}
export async function call(action, params = {}, version = SLB) {
    const cred = credentials();
    if (!cred)
        throw new ApiError('NotSignedIn', 'Sign in first.', 0);
    const clean = {};
    for (const [k, v] of Object.entries(params))
        if (v !== undefined && v !== '')
            clean[k] = String(v);
    const body = formBody(clean);
    const headers = await signV3({ method: 'POST', host: location.host, action, version, body }, cred);
    const res = await fetch('/', { method: 'POST', headers, body, credentials: 'omit', cache: 'no-store' });
    const json = (await res.json().catch(() => ({})));
    if (!res.ok || json['Code']) {
        throw new ApiError(String(json['Code'] ?? `HTTP${res.status}`), String(json['Message'] ?? res.statusText), res.status, json['RequestId'], json['Recommend']);
    }
    return json;
}
export async function callAll(action, params, pick, version = SLB) {
    const out = [];
    for (let page = 1;; page++) {
        const r = await call(action, { ...params, PageNumber: page, PageSize: 50 }, version);
        const items = pick(r);
        out.push(...items);
        if (items.length < 50 || out.length >= Number(r['TotalCount'] ?? 0))
            return out;
    }
}
export async function operator(method, path, body) {
    const token = operatorToken();
    if (!token)
        throw new ApiError('NotSignedIn', 'Sign in first.', 0);
    const res = await fetch(`/_openslb${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
    });
    const json = (await res.json().catch(() => ({})));
    if (!res.ok)
        throw new ApiError(String(json['Code'] ?? `HTTP${res.status}`), String(json['Message'] ?? res.statusText), res.status);
    return json;
}
export async function metricsText() {
    const token = operatorToken();
    const res = await fetch('/metrics', { headers: token ? { authorization: `Bearer ${token}` } : {}, credentials: 'omit', cache: 'no-store' });
    return res.ok ? res.text() : undefined;
}
let zhCatalog;
function chineseCatalog() {
    zhCatalog ??= fetch('/error-center.json', { credentials: 'omit' })
        .then((r) => r.json())
        .then((j) => {
        const m = new Map();
        for (const e of j.entries) {
            if (!e.descriptionZh)
                continue;
            m.set(`#${e.anchor}`, e.descriptionZh);
            if (!m.has(e.code))
                m.set(e.code, e.descriptionZh);
        }
        return m;
    })
        .catch(() => new Map());
    return zhCatalog;
}
export async function chineseDescription(e) {
    const m = await chineseCatalog();
    const anchor = e.recommend ? decodeURIComponent(new URL(e.recommend, location.href).hash) : '';
    return (anchor && m.get(anchor)) || m.get(e.code);
}
