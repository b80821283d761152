import { en, zh } from './messages.js';
const STORE = 'openslb.lang';
const normalize = (s) => (!s ? undefined : /^zh/i.test(s) ? 'zh-CN' : /^en/i.test(s) ? 'en' : undefined);
function initial() {
    const fromUrl = normalize(new URLSearchParams(location.search).get('lang'));
    if (fromUrl) {
        localStorage.setItem(STORE, fromUrl);
        return fromUrl;
    }
    return normalize(localStorage.getItem(STORE)) ?? normalize(navigator.language) ?? 'en';
}
let current = initial();
document.documentElement.lang = current;
export const lang = () => current;
export function setLang(l) {
    current = l;
    localStorage.setItem(STORE, l);
    document.documentElement.lang = l;
    const u = new URL(location.href);
    u.searchParams.set('lang', l);
    history.replaceState(null, '', u);
}
export function t(key, vars = {}) {
    const text = (current === 'zh-CN' ? zh : en)[key];
    return text.replace(/\{(\w+)\}/g, (m, n) => (n in vars ? String(vars[n]) : m));
}
export function tValue(keys, value) {
    const key = keys[value];
    return key ? t(key) : value;
}
