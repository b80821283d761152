// Percent-encoding and parameter collection per reference/protocol.md §1–3.

/** RFC 3986 encoding used by both signature versions: only A–Z a–z 0–9 - _ . ~ stay raw. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Decodes an application/x-www-form-urlencoded string (`+` is a space); first value of a name wins. */
export function parseForm(s: string, into: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of new URLSearchParams(s)) {
    if (!(k in into)) into[k] = v;
  }
  return into;
}
