// Operator view of the data plane: GET /_openslb/dataplane (same token and loopback rule as the
// rest of the operator API). What is bound, what failed to bind and why, what the last compile
// left out, the per-listener counters, and how the control loop has been compiling (full vs
// incremental, load balancers recompiled) — the things the SLB API has no field for.
import type { FastifyInstance } from 'fastify';
import type { RunningDataPlane } from '../compile/wiring.js';
import { OPERATOR_PREFIX, refuseOperatorRequest } from './operator-http.js';

export function registerDataPlaneApi(app: FastifyInstance, o: { token: string; allowRemote?: boolean; dataPlane: RunningDataPlane | undefined }): void {
  app.get(`${OPERATOR_PREFIX}/dataplane`, async (req, reply) => {
    if (refuseOperatorRequest(o, req, reply)) return reply;
    const dp = o.dataPlane;
    if (!dp) return { Enabled: false };
    await dp.workers?.refresh();
    return {
      Enabled: true,
      Version: dp.plane.version ?? 0,
      Listeners: dp.plane.listenerStates(),
      LeftOut: dp.loop.lastProblems,
      Counters: dp.plane.counters.all(),
      // full vs incremental compiles and the load balancers they recompiled
      Compiles: dp.loop.compiles,
      // the worker processes (absent: the data plane runs in the API's process)
      ...(dp.workers ? { Workers: dp.workers.workers(), WorkerRestarts: dp.workers.restartsTotal, HeldSockets: dp.workers.heldSockets } : {}),
    };
  });
}
