// Request-head generator shared by the HTTP fuzz tests: a seeded PRNG, a grammar of valid
// HTTP/1.1 request heads and the mutations applied to them (byte flips, inserted CR/LF/NUL/SP/
// HTAB/controls, case changes, duplicated/removed headers, odd methods/targets/versions, long lines,
// obs-fold, Content-Length and Transfer-Encoding variants, Connection and Host variants).

/** mulberry32 */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof rng>;


const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'];
const ODD_METHODS = ['get', 'FOO', 'G ET', 'GET\t', 'CONNECT', 'PRI', 'M-SEARCH', 'PROPFIND', 'QUERY', 'G\0T', 'GE', '', 'POST\x0b', 'GETT', 'TRACE', 'SOURCE'];
const TARGETS = ['/', '/index.html', '/a/b/c?x=1&y=2', '/api/v1/items/42', '/search?q=a%20b', '/static/app.js', '/a;p=1', "/~user/!$&'()*+,;=:@", '/%2e%2e/etc'];
const ODD_TARGETS = [
  '*', 'http://example.com/p?q', 'http://example.com', 'HTTP://Example.COM:8080/x', 'https://example.com/s', 'http://u@example.com/p', 'http:///p', 'ftp://example.com/p',
  'http://example.com?q', 'http://[::1]:81/v6', '//x', '/a b', '/a\tb', '/\x80', '/\xff', '/a#frag', '/a"{}|\\^`', '/\x7f', '/\x00', 'x', '', '/a\x0b', 'http://ex ample.com/', 'http://a:b/c',
];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/1.10', 'http/1.1', 'HTTP/2.0', 'HTTP/1.1 ', 'HTTP/01.1', 'HTTP/1.1\t', 'HTTP/1', 'HTTP/1.2', 'HTTP/0.9', 'HTTP/1.1x'];
const CL_VALUES = ['+5', '05', ' 5', '5,5', '5, 5', '5 5', '-5', '0x5', '5\t', '', '99999999999999999999', '5.0', '1e1', '\t5 ', '\x0b5', '5\x00', '0', '000000000000000000005', '5;', '٥'];
const TE_VALUES = ['chunked', 'chunked ', 'xchunked', 'chunked, identity', '\tchunked', 'identity', 'CHUNKED', 'identity, chunked', 'chunked\x0b', ' chunked', 'gzip, chunked', 'chunk', ','];
const TE_NAMES = ['Transfer-Encoding', 'transfer-encoding', 'TRANSFER-ENCODING', 'Transfer-Encoding ', 'Transfer_Encoding', 'Transfer-Encoding\t', ' Transfer-Encoding', 'Transfer-Encodin', 'X-Transfer-Encoding', 'Transfer\x00Encoding'];
const CONNECTION_VALUES = ['close', 'keep-alive', 'Close', 'close, x-hop', 'Upgrade', 'keep-alive, close', 'clo se', 'close,', ',close', 'CLOSE ', 'te', 'keep-alive\t', 'close\t,', '\tclose', 'keep-alive,\tclose', 'close ,'];
const HOST_VALUES = ['example.com', 'app.example.com:8080', '', 'a b', '[::1]:80', 'EXAMPLE.com.', 'x\x80y', 'a,b', 'h\x7f'];
const INTERESTING = ['\r', '\n', '\r\n', '\0', ' ', '\t', ':', ',', ';', '\x0b', '\x0c', '\x7f', '\x80', '\xa0', '\xff', '"', '\\', '\r\n ', '\r\n\t', '\n\n', '\r\r'];

function randomToken(r: Rng, n = 1 + r.int(10)): string {
  const a = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-';
  let s = '';
  for (let i = 0; i < n; i++) s += a[r.int(a.length)];
  return s.replace(/^-/, 'x');
}

function randomCase(r: Rng, s: string): string {
  if (r.chance(0.6)) return s;
  let o = '';
  for (const ch of s) o += r.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase();
  return o;
}

/** A valid request head (lines, without the final empty line) and its intended body length. */
export function validHead(r: Rng): { lines: string[]; bodyLen: number } {
  const method = r.pick(METHODS);
  const path = r.pick(TARGETS);
  const target = r.chance(0.1) ? `${r.pick(['http', 'HTTP', 'https'])}://${r.pick(['example.com', 'Other.Example:8080', '10.0.0.1:81', '[::1]'])}${r.chance(0.2) ? path.replace(/^\/[^?]*/, '') : path}` : path;
  const lines = [`${method} ${target} HTTP/1.1`];
  const headers: string[] = [`${randomCase(r, 'Host')}: ${r.pick(['example.com', 'app.example.com', 'localhost:8080', '127.0.0.1'])}`];
  let bodyLen = 0;
  if (method === 'POST' || method === 'PUT' || r.chance(0.1)) {
    bodyLen = r.int(20);
    headers.push(`${randomCase(r, 'Content-Length')}: ${bodyLen}`);
    headers.push('Content-Type: application/octet-stream');
  }
  const optional = [
    'User-Agent: fuzz/1.0 (x; y)',
    'Accept: */*',
    'Accept-Encoding: gzip, deflate',
    'Accept-Language: en;q=0.8',
    `Connection: ${r.pick(['keep-alive', 'close', 'Keep-Alive'])}`,
    `X-Forwarded-For: 10.0.0.${r.int(255)}`,
    'Cookie: a=1; b=2',
    'Cache-Control: no-cache',
    `X-${randomToken(r)}: ${randomToken(r, 1 + r.int(30))}`,
    'Keep-Alive: timeout=5',
    'Referer: http://example.com/',
    'X-Empty:',
    'X-Spaces:    padded value   ',
    'X-Tab:\tv\t',
    'X-Obs-Text: caf\xe9',
  ];
  for (const h of optional) if (r.chance(0.25)) headers.push(h);
  for (let i = headers.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    [headers[i], headers[j]] = [headers[j]!, headers[i]!];
  }
  lines.push(...headers);
  return { lines, bodyLen };
}

export function mutate(r: Rng, lines: string[]): string[] {
  const out = [...lines];
  const hdr = () => 1 + r.int(Math.max(1, out.length - 1));
  switch (r.int(16)) {
    case 0: {
      // flip one byte
      const i = r.int(out.length);
      const s = out[i]!;
      if (!s.length) break;
      const at = r.int(s.length);
      const ch = r.chance(0.5) ? r.pick(INTERESTING) : String.fromCharCode(r.int(256));
      out[i] = s.slice(0, at) + ch + s.slice(at + 1);
      break;
    }
    case 1: {
      // insert bytes
      const i = r.int(out.length);
      const s = out[i]!;
      const at = r.int(s.length + 1);
      out[i] = s.slice(0, at) + r.pick(INTERESTING) + s.slice(at);
      break;
    }
    case 2: {
      const i = r.int(out.length);
      const s = out[i]!;
      const at = r.int(s.length + 1);
      out[i] = s.slice(0, at) + s.slice(at + 1);
      break;
    }
    case 3:
      if (out.length > 1) out.splice(hdr(), 0, out[hdr()]!); // duplicate a header
      break;
    case 4:
      if (out.length > 1) out.splice(hdr(), 1); // remove one
      break;
    case 5: {
      const i = r.int(out.length);
      out[i] = randomCase(r, out[i]!).replace(/./, (c) => (r.chance(0.5) ? c.toLowerCase() : c));
      break;
    }
    case 6: {
      // request line parts
      const [m, t, v] = out[0]!.split(' ');
      const which = r.int(3);
      out[0] = [which === 0 ? r.pick(ODD_METHODS) : m, which === 1 ? r.pick(ODD_TARGETS) : t, which === 2 ? r.pick(VERSIONS) : v].join(r.chance(0.9) ? ' ' : r.pick(['  ', '\t', ' \t']));
      break;
    }
    case 7:
      out[0] = out[0]!.replace(/^\S+ \S+/, (s) => `${s.split(' ')[0]} ${r.pick(ODD_TARGETS)}`);
      break;
    case 8:
      // obs-fold continuation
      out.splice(hdr() + (out.length > 1 ? 0 : 1), 0, `${r.pick([' ', '\t', '  '])}${r.pick(['folded', 'Transfer-Encoding: chunked', 'Content-Length: 3', ''])}`);
      break;
    case 9: {
      const name = r.pick(['Content-Length', 'content-length', 'Content-Length ', ' Content-Length', 'Content_Length', 'Content-Length\t']);
      const v = r.pick(CL_VALUES);
      if (r.chance(0.5)) {
        const i = out.findIndex((l) => /^content-length:/i.test(l));
        if (i > 0) {
          out[i] = `${name}:${r.chance(0.5) ? ' ' : ''}${v}`;
          break;
        }
      }
      out.splice(hdr(), 0, `${name}:${r.chance(0.8) ? ' ' : ''}${v}`);
      break;
    }
    case 10:
      out.splice(hdr(), 0, `${r.pick(TE_NAMES)}:${r.chance(0.8) ? ' ' : ''}${r.pick(TE_VALUES)}`);
      break;
    case 11:
      out.splice(hdr(), 0, `${randomCase(r, 'Connection')}: ${r.pick(CONNECTION_VALUES)}`);
      break;
    case 12: {
      // Host variants: replaced, duplicated, removed
      const i = out.findIndex((l) => /^host:/i.test(l));
      const v = `${r.pick(['Host', 'host', 'HOST', 'Host ', ' Host'])}: ${r.pick(HOST_VALUES)}`;
      if (i > 0 && r.chance(0.3)) out.splice(i, 1);
      else if (i > 0 && r.chance(0.5)) out[i] = v;
      else out.splice(hdr(), 0, v);
      break;
    }
    case 13: {
      // long lines around node's 16 KiB header limit
      const n = r.pick([100, 4000, 8000, 8180, 16_000, 16_370, 16_384, 20_000]);
      if (r.chance(0.5)) out.splice(hdr(), 0, `X-Long: ${'a'.repeat(n)}`);
      else out[0] = out[0]!.replace(' /', ` /${'p'.repeat(n)}`);
      break;
    }
    case 14:
      out.splice(hdr(), 0, `${r.pick(['Expect: 100-continue', 'Upgrade: websocket', 'TE: trailers', 'Trailer: x', 'Proxy-Connection: keep-alive', 'HTTP2-Settings: AA', 'SLB-IP: 1.2.3.4', 'X-Forwarded-Proto: https'])}`);
      break;
    default: {
      // a random header with random bytes
      let v = '';
      for (let i = 0, n = r.int(12); i < n; i++) v += String.fromCharCode(r.chance(0.8) ? 32 + r.int(95) : r.int(256));
      out.splice(hdr(), 0, `${r.chance(0.9) ? randomToken(r) : r.pick(['', ' ', 'a b', 'a\x00', '(x)', 'é', 'a:b'])}:${v}`);
    }
  }
  return out;
}
