// Node's own HTTP/1.1 request parser (llhttp, the one node:http servers run) as a test oracle:
// strict (node's default) or lenient (`insecureHTTPParser`, every llhttp leniency on — the
// backend a smuggling attack hopes for). Used by the differential fuzz test and the smuggling
// corpus to say what a byte stream means to node.
import { createRequire } from 'node:module';

interface ParserCtor {
  new (): Parser;
  REQUEST: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kLenientAll: number;
}
interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(b: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [k: number]: unknown;
}

const require = createRequire(import.meta.url);
const common = require('_http_common') as { HTTPParser: ParserCtor; methods: string[] };
const { HTTPParser, methods } = common;

export interface ParsedRequest {
  method: string;
  url: string;
  versionMajor: number;
  versionMinor: number;
  /** [name as sent, value] pairs in order (node trims the value's surrounding whitespace) */
  headers: [string, string][];
  body: Buffer;
  keepAlive: boolean;
  upgrade: boolean;
}

export interface ParseResult {
  /** complete messages in order */
  messages: ParsedRequest[];
  /** the parser error (llhttp code), if it stopped on one */
  error: string | null;
  /** a message whose head was parsed but whose body did not end within the bytes */
  partial: ParsedRequest | null;
}

/** Parses `bytes` as a stream of requests on one connection. `maxHeaderSize` 0: node's default. */
export function nodeParse(bytes: Buffer, lenient = false, maxHeaderSize = 0): ParseResult {
  const p = new HTTPParser();
  p.initialize(HTTPParser.REQUEST, {}, maxHeaderSize, lenient ? HTTPParser.kLenientAll : 0);
  const messages: ParsedRequest[] = [];
  let cur: ParsedRequest | null = null;
  let bodyParts: Buffer[] = [];
  let pendingHeaders: string[] = [];
  let pendingUrl = '';
  p[HTTPParser.kOnHeaders] = (h: string[], url: string) => {
    pendingHeaders.push(...h);
    pendingUrl += url;
  };
  p[HTTPParser.kOnHeadersComplete] = (maj: number, min: number, h: string[] | undefined, method: number, url: string | undefined, _sc: unknown, _sm: unknown, upgrade: boolean, keepAlive: boolean) => {
    const flat = h ?? pendingHeaders;
    const headers: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) headers.push([flat[i]!, flat[i + 1]!]);
    // llhttp's QUERY (46) is missing from the `methods` table _http_common exports (node's server reads the internal `allMethods`)
    cur = { method: methods[method] ?? (method === 46 ? 'QUERY' : String(method)), url: url ?? pendingUrl, versionMajor: maj, versionMinor: min, headers, body: Buffer.alloc(0), keepAlive, upgrade };
    pendingHeaders = [];
    pendingUrl = '';
    bodyParts = [];
    return 0;
  };
  p[HTTPParser.kOnBody] = (b: Buffer) => {
    bodyParts.push(Buffer.from(b));
  };
  p[HTTPParser.kOnMessageComplete] = () => {
    if (cur) {
      cur.body = Buffer.concat(bodyParts);
      messages.push(cur);
    }
    cur = null;
  };
  let error: string | null = null;
  try {
    const r = p.execute(bytes);
    if (r instanceof Error) error = (r as Error & { code?: string }).code ?? r.message;
  } finally {
    p.close();
  }
  const partial = cur as ParsedRequest | null;
  if (partial) partial.body = Buffer.concat(bodyParts);
  return { messages, error, partial };
}
