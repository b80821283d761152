// Forwarding rules of an HTTP/HTTPS listener, compiled once per snapshot into a matcher.
// Selection (docs/dataplane.md, "L7"):
//  1. Domain rules: the request's Host (port removed, lower-case) matched exactly beats any
//     wildcard; among wildcards the more specific (longer suffix) wins. `*.example.com` matches
//     `a.example.com` and `a.b.example.com`, never `example.com`. Within the winning domain: the
//     longest URL string prefix among its rules, else its domain-only rule.
//  2. Otherwise (no domain matched, or the matched domain had neither a matching URL nor a
//     domain-only rule): the longest URL string prefix among URL-only rules.
//  3. Otherwise no rule: the listener's own pool.
// URLs are matched as plain string prefixes of the request target (path + query), so `/abcd`
// beats `/abc` for `/abcde` and `/ab` matches `/abc` — CLB's documented behaviour.
import type { RuleSnapshot } from '../snapshot.js';

interface DomainEntry {
  /** URL rules of this domain, longest URL first */
  urls: RuleSnapshot[];
  /** the domain-only rule, if any */
  bare: RuleSnapshot | null;
}

export interface RuleMatcher {
  readonly size: number;
  match(host: string | undefined, url: string): RuleSnapshot | null;
}

const EMPTY: RuleMatcher = { size: 0, match: () => null };

/** `Host` → lower-case name without port (IPv6 literals keep their brackets). */
export function hostName(host: string | undefined): string {
  if (!host) return '';
  let h = host;
  if (h.charCodeAt(0) === 91 /* [ */) {
    const end = h.indexOf(']');
    h = end > 0 ? h.slice(0, end + 1) : h;
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0) h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

const byUrlLengthDesc = (a: RuleSnapshot, b: RuleSnapshot) => b.url!.length - a.url!.length;

function longestPrefix(rules: readonly RuleSnapshot[], url: string): RuleSnapshot | null {
  for (const r of rules) if (url.startsWith(r.url!)) return r;
  return null;
}

export function compileRules(rules: readonly RuleSnapshot[]): RuleMatcher {
  if (rules.length === 0) return EMPTY;
  const exact = new Map<string, DomainEntry>();
  const wild = new Map<string, DomainEntry>(); // key: suffix including the leading dot
  const urlOnly: RuleSnapshot[] = [];
  for (const r of rules) {
    if (r.domain === null) {
      if (r.url !== null) urlOnly.push(r);
      continue;
    }
    const d = r.domain.toLowerCase();
    const isWild = d.startsWith('*.');
    const map = isWild ? wild : exact;
    const key = isWild ? d.slice(1) : d;
    let e = map.get(key);
    if (!e) map.set(key, (e = { urls: [], bare: null }));
    if (r.url === null) e.bare = r;
    else e.urls.push(r);
  }
  for (const e of [...exact.values(), ...wild.values()]) e.urls.sort(byUrlLengthDesc);
  urlOnly.sort(byUrlLengthDesc);
  const wildcards = [...wild.entries()].sort((a, b) => b[0].length - a[0].length);
  const hasDomains = exact.size + wildcards.length > 0;
  return {
    size: rules.length,
    match(host, url) {
      if (hasDomains) {
        const h = hostName(host);
        let e = exact.get(h);
        if (!e) {
          for (const [suffix, w] of wildcards) {
            if (h.length > suffix.length && h.endsWith(suffix)) {
              e = w;
              break;
            }
          }
        }
        if (e) {
          const r = longestPrefix(e.urls, url) ?? e.bare;
          if (r) return r;
        }
      }
      return longestPrefix(urlOnly, url);
    },
  };
}
