// GET /metrics on the API address (Prometheus text; docs/metrics.md): loopback clients without a
// token, other clients only with the operator token (whether or not the operator API answers them).
import type { FastifyInstance } from 'fastify';
import { isLoopbackPeer, refuseOperatorRequest } from './operator-http.js';

export function registerMetricsRoute(app: FastifyInstance, o: { token: string; render: () => Promise<{ contentType: string; body: string }> }): void {
  app.get('/metrics', async (req, reply) => {
    if (!isLoopbackPeer(req.socket.remoteAddress) && refuseOperatorRequest({ token: o.token, allowRemote: true }, req, reply)) return reply;
    const m = await o.render();
    return reply.type(m.contentType).send(m.body);
  });
}
