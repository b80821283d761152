// The web console (docs/console.md): static files under /console/ on every API address. The files
// served are the ones found at start (console/static and the built console/dist), read once and
// looked up by exact name, so no request path can reach anything else and no request touches the disk. Every answer carries a strict
// Content-Security-Policy: the console's own scripts and styles only, and calls to this origin only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const ROOT = fileURLToPath(new URL('../../console/', import.meta.url));

export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

interface ConsoleFile {
  type: string;
  body: Buffer;
}

/** Every servable file of `dir` (recursively) under URL names `prefix` + its relative path. */
function collect(dir: string, prefix: string, into: Map<string, ConsoleFile>): void {
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const type = TYPES[extname(p)];
      if (statSync(p).isDirectory()) walk(p);
      else if (type) into.set(prefix + relative(dir, p).split(sep).join('/'), { type, body: readFileSync(p) });
    }
  };
  try {
    walk(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function consoleFiles(root = ROOT): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  collect(join(root, 'static'), '', files);
  collect(join(root, 'dist'), 'js/', files);
  return files;
}

let loaded: Map<string, ConsoleFile> | undefined;

const secure = (reply: FastifyReply) =>
  reply.header('content-security-policy', CONSOLE_CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-cache');

/** Serves the console on `app`; the files are read on the first call and shared by every address. */
export function registerConsole(app: FastifyInstance, files = (loaded ??= consoleFiles())): void {
  app.get('/console', async (_req, reply) => secure(reply).redirect('/console/', 301));
  app.get('/console/*', async (req, reply) => {
    const name = (req.params as { '*': string })['*'] || 'index.html';
    const file = files.get(name);
    secure(reply);
    if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('Not Found\n');
    return reply.type(file.type).send(file.body);
  });
}
