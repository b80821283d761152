// The HTTP plumbing every operator endpoint under /_openslb/ shares: only loopback peers unless
// `allowRemote`, the operator token as `Authorization: Bearer …`, JSON object bodies, and routes that
// run their handler in one store transaction and turn a WorldError into { Code, Message }.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store, Tx } from '../state/store.js';
import { WorldError } from '../world/world.js';

export const OPERATOR_PREFIX = '/_openslb';

export interface OperatorAccess {
  token: string;
  /** answer non-loopback peers too (default false) */
  allowRemote?: boolean;
}

export const isLoopbackPeer = (a: string | undefined) => !!a && (a.startsWith('127.') || a === '::1' || a.startsWith('::ffff:127.'));

/** Compares in time independent of where the strings differ. */
function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** Sends 403 (remote peer) or 401 (missing or wrong token) and returns true when the request may not go on. */
export function refuseOperatorRequest(o: OperatorAccess, req: FastifyRequest, reply: FastifyReply): boolean {
  if (!o.allowRemote && !isLoopbackPeer(req.socket.remoteAddress)) {
    void reply.status(403).send({ Code: 'Forbidden', Message: 'the operator API answers loopback clients only' });
    return true;
  }
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m || !sameToken(m[1]!, o.token)) {
    void reply.status(401).header('www-authenticate', 'Bearer').send({ Code: 'Unauthorized', Message: 'missing or wrong operator token' });
    return true;
  }
  return false;
}

/** The request body as a JSON object ({} when empty); anything else is a 400 MalformedJson. */
export function jsonObjectBody(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  const text = Buffer.isBuffer(b) ? b.toString('utf8') : typeof b === 'string' ? b : '';
  if (!text.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new WorldError(400, 'MalformedJson', 'the request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new WorldError(400, 'MalformedJson', 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

export type OperatorMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type OperatorHandler = (req: FastifyRequest, tx: Tx) => Promise<unknown>;

/**
 * Registers an authenticated operator route at OPERATOR_PREFIX + url: the handler's result is sent
 * with `status` (default 201 for POST, else 200), a WorldError as its status with { Code, Message }.
 */
export function addOperatorHandler(app: FastifyInstance, o: OperatorAccess, method: OperatorMethod, url: string, h: (req: FastifyRequest) => unknown, status?: number): void {
  app.route({
    method,
    url: `${OPERATOR_PREFIX}${url}`,
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      if (refuseOperatorRequest(o, req, reply)) return reply;
      try {
        const out = await h(req);
        return reply.status(status ?? (method === 'POST' ? 201 : 200)).send(out ?? {});
      } catch (e) {
        if (e instanceof WorldError) return reply.status(e.status).send({ Code: e.code, Message: e.message });
        throw e;
      }
    },
  });
}

/**
 * Registers an authenticated operator route whose handler runs in a write (or, with write: false, a
 * read) transaction (see addOperatorHandler for statuses and errors).
 */
export function addOperatorRoute(app: FastifyInstance, o: OperatorAccess & { store: Store }, method: OperatorMethod, url: string, h: OperatorHandler, opts: { write: boolean; status?: number }): void {
  addOperatorHandler(app, o, method, url, (req) => (opts.write ? o.store.write((tx) => h(req, tx)) : o.store.read((tx) => h(req, tx))), opts.status);
}
