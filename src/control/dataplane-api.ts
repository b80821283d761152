// Operator view of the data plane: GET /_openslb/dataplane (same token and loopback rule as the
// rest of the operator API). What is bound, what failed to bind and why, what the last compile
// left out, and the per-listener counters — the things the SLB API has no field for.
import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { RunningDataPlane } from '../compile/wiring.js';

const isLoopbackPeer = (a: string | undefined) => !!a && (a.startsWith('127.') || a === '::1' || a.startsWith('::ffff:127.'));
const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function registerDataPlaneApi(app: FastifyInstance, o: { token: string; allowRemote?: boolean; dataPlane: RunningDataPlane | undefined }): void {
  app.get('/_openslb/dataplane', async (req, reply) => {
    if (!o.allowRemote && !isLoopbackPeer(req.socket.remoteAddress)) return reply.status(403).send({ Code: 'Forbidden', Message: 'the operator API answers loopback clients only' });
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m || !same(m[1]!, o.token)) return reply.status(401).header('www-authenticate', 'Bearer').send({ Code: 'Unauthorized', Message: 'missing or wrong operator token' });
    const dp = o.dataPlane;
    if (!dp) return { Enabled: false };
    return {
      Enabled: true,
      Version: dp.plane.version ?? 0,
      Listeners: dp.plane.listenerStates(),
      LeftOut: dp.loop.lastProblems,
      Counters: dp.plane.counters.all(),
    };
  });
}
