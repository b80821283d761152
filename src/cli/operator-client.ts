// The client side of the operator API (/_openslb/…) shared by `openslb world`, `openslb lb`,
// `openslb account`, `openslb ram`, `openslb sts` and `openslb commerce`. Connection: --url (env
// OPENSLB_URL, default http://127.0.0.1:8080) and the operator token from --token, env
// OPENSLB_OPERATOR_TOKEN, or DATA_DIR/operator-token.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

export interface Conn {
  url?: string;
  token?: string;
  dataDir?: string;
  account?: string;
}

/** Adds --url, --token and --data-dir to a command (its subcommands read them with optsWithGlobals). */
export function connectionOptions(c: Command): Command {
  return c
    .option('--url <url>', 'server URL (env OPENSLB_URL; default http://127.0.0.1:8080)')
    .option('--token <token>', 'operator token (env OPENSLB_OPERATOR_TOKEN; default: read from --data-dir)')
    .option('--data-dir <dir>', 'server data dir holding operator-token', './data');
}

/** The server URL (no trailing slash) and the operator token of a command, plus its other options. */
export function connection(cmd: Command): Required<Pick<Conn, 'url' | 'token'>> & Conn {
  const o = cmd.optsWithGlobals<Conn>();
  const url = (o.url ?? process.env['OPENSLB_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  let token = o.token ?? process.env['OPENSLB_OPERATOR_TOKEN'];
  if (!token) {
    const file = join(o.dataDir ?? './data', 'operator-token');
    if (existsSync(file)) token = readFileSync(file, 'utf8').trim();
  }
  if (!token) throw new Error('no operator token: pass --token, set OPENSLB_OPERATOR_TOKEN, or point --data-dir at the server data dir');
  return { ...o, url, token };
}

/**
 * Calls the operator API and prints the JSON answer; an HTTP error becomes a thrown Error carrying
 * the answer's Code and Message. Query entries whose value is undefined are left out.
 */
export async function operatorCall(cmd: Command, method: string, path: string, body?: unknown, query: Record<string, string | undefined> = {}): Promise<void> {
  const c = connection(cmd);
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, v);
  const res = await fetch(`${c.url}/_openslb${path}${qs.size ? `?${qs}` : ''}`, {
    method,
    headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    try {
      const j = JSON.parse(text) as { Code?: string; Message?: string };
      msg = `${j.Code ?? res.status}: ${j.Message ?? text}`;
    } catch {
      // not JSON: print as is
    }
    throw new Error(`${method} ${path} → HTTP ${res.status} ${msg}`);
  }
  process.stdout.write(`${JSON.stringify(JSON.parse(text || '{}'), null, 2)}\n`);
}

/** Parses JSON text, naming `what` in the error when it is not JSON. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

/** A JSON document given inline or as @file. */
export function jsonDocument(v: string, what: string): unknown {
  return parseJson(v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v, what);
}
