// Operator API for the whole state (docs/state.md): POST /_openslb/reset (optionally
// {"AccountId"}), GET /_openslb/state (export, streamed), PUT /_openslb/state (import). Same
// authentication as the rest of /_openslb/. Reset and import answer once the data plane has
// applied the result: listeners of a reset state are closed, those of an imported one bound.
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RunningDataPlane } from '../compile/wiring.js';
import { checkStateFits, exportState, importState, parseState, resetState } from '../products/slb/services/state-admin.js';
import { secretsFor } from '../state/secrets.js';
import type { Store } from '../state/store.js';
import { isoSeconds, type Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import { WorldError } from '../world/world.js';
import { jsonObjectBody, OPERATOR_PREFIX, refuseOperatorRequest } from './operator-http.js';

export interface StateApiOptions {
  store: Store;
  token: string;
  allowRemote?: boolean;
  dataPlane: RunningDataPlane | undefined;
  rootAccountId: string;
  clock: Clock;
  ids: IdGenerator;
  /** the --world file the server started with (read again at each reset) */
  world?: string;
  /** the --commerce / OPENSLB_COMMERCE setting the server started with */
  commerce?: boolean;
}

/** Largest state document PUT /_openslb/state accepts. */
export const STATE_BODY_LIMIT = 1024 * 1024 * 1024;

export function registerStateApi(app: FastifyInstance, o: StateApiOptions): void {
  const fail = (reply: FastifyReply, e: unknown) => {
    if (e instanceof WorldError) return reply.status(e.status).send({ Code: e.code, Message: e.message });
    throw e;
  };
  const readWorld = (): unknown => {
    if (!o.world) return undefined;
    try {
      return JSON.parse(readFileSync(o.world, 'utf8'));
    } catch (e) {
      throw new WorldError(409, 'WorldFileUnreadable', `the world file ${o.world} the server started with cannot be read again: ${e instanceof Error ? e.message : String(e)}; nothing was reset`);
    }
  };

  app.post(`${OPERATOR_PREFIX}/reset`, async (req: FastifyRequest, reply: FastifyReply) => {
    if (refuseOperatorRequest(o, req, reply)) return reply;
    try {
      const t0 = performance.now();
      const b = jsonObjectBody(req);
      for (const k of Object.keys(b)) if (k !== 'AccountId') throw new WorldError(400, 'UnknownField', `unknown field ${k}; expected AccountId`);
      if (b['AccountId'] !== undefined && (typeof b['AccountId'] !== 'string' || !b['AccountId'])) throw new WorldError(400, 'InvalidAccountId', 'AccountId must be a non-empty string');
      const world = readWorld();
      const summary = await o.store.write((tx) =>
        resetState(tx, {
          account: b['AccountId'] as string | undefined,
          rootAccountId: o.rootAccountId,
          world,
          commerce: o.commerce,
          now: isoSeconds(o.clock.now()),
          newId: (p) => o.ids.next(p, 20),
        }),
      );
      // the data plane drops the listeners that are gone before the answer
      await o.dataPlane?.settle();
      return reply.send({ ...summary, ElapsedMs: Math.round((performance.now() - t0) * 10) / 10 });
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get(`${OPERATOR_PREFIX}/state`, async (req: FastifyRequest, reply: FastifyReply) => {
    if (refuseOperatorRequest(o, req, reply)) return reply;
    const out = new PassThrough();
    out.on('error', () => undefined); // a failed export ends the response early; nothing else to tell
    // back-pressure: wait for the client to take what was written; a client that goes away ends the export
    const write = (chunk: string) =>
      out.destroyed
        ? Promise.reject(new Error('the client went away'))
        : out.write(chunk)
        ? undefined
        : new Promise<void>((resolve, reject) => {
            const done = (e?: Error) => {
              out.off('drain', ok);
              out.off('close', gone);
              if (e) reject(e);
              else resolve();
            };
            const ok = () => done();
            const gone = () => done(new Error('the client went away'));
            out.once('drain', ok);
            out.once('close', gone);
          });
    o.store
      .read((tx) => exportState(tx, { ExportedAt: isoSeconds(o.clock.now()), RootAccountId: o.rootAccountId }, write))
      .then(
        () => out.end(),
        (e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))),
      );
    return reply.status(200).type('application/json').header('content-disposition', 'attachment; filename="openslb-state.json"').send(out);
  });

  app.route({
    method: 'PUT',
    url: `${OPERATOR_PREFIX}/state`,
    bodyLimit: STATE_BODY_LIMIT,
    handler: async (req: FastifyRequest, reply: FastifyReply) => {
      if (refuseOperatorRequest(o, req, reply)) return reply;
      try {
        const t0 = performance.now();
        const body = req.body;
        const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
        const parsed = parseState(text);
        checkStateFits(parsed, o.rootAccountId, secretsFor(o.store));
        const summary = await o.store.write((tx) => importState(tx, parsed));
        // the listeners of the imported state are bound (or have failed to bind) before the answer
        await o.dataPlane?.settle();
        return reply.send({ ...summary, ElapsedMs: Math.round((performance.now() - t0) * 10) / 10 });
      } catch (e) {
        return fail(reply, e);
      }
    },
  });
}
