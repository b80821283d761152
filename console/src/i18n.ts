// English and Simplified Chinese: `?lang=zh-CN|en` wins (and is remembered), else the remembered
// choice, else the browser's language.
import { en, zh, type MessageKey } from './messages.js';

export type Lang = 'en' | 'zh-CN';
const STORE = 'openslb.lang';

const normalize = (s: string | null | undefined): Lang | undefined => (!s ? undefined : /^zh/i.test(s) ? 'zh-CN' : /^en/i.test(s) ? 'en' : undefined);

function initial(): Lang {
  const fromUrl = normalize(new URLSearchParams(location.search).get('lang'));
  if (fromUrl) {
    localStorage.setItem(STORE, fromUrl);
    return fromUrl;
  }
  return normalize(localStorage.getItem(STORE)) ?? normalize(navigator.language) ?? 'en';
}

let current: Lang = initial();
document.documentElement.lang = current;

export const lang = () => current;

export function setLang(l: Lang): void {
  current = l;
  localStorage.setItem(STORE, l);
  document.documentElement.lang = l;
  const u = new URL(location.href);
  u.searchParams.set('lang', l);
  history.replaceState(null, '', u);
}

/** The message for `key`, with {name} placeholders filled from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = (current === 'zh-CN' ? zh : en)[key];
  return text.replace(/\{(\w+)\}/g, (m, n: string) => (n in vars ? String(vars[n]) : m));
}

/** The translation of an API value through `keys`, or the value itself when it has none. */
export function tValue(keys: Record<string, MessageKey>, value: string): string {
  const key = keys[value];
  return key ? t(key) : value;
}
