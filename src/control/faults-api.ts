// Operator endpoints for fault injection (docs/faults.md):
//   POST   /_openslb/faults               add a rule (API error/delay, or data-plane fault with Target) → {FaultId}
//   GET    /_openslb/faults               the rules, with how often each fired
//   GET    /_openslb/faults/{FaultId}
//   DELETE /_openslb/faults/{FaultId}     remove one;  DELETE /_openslb/faults  remove all
//   GET    /_openslb/dependencies         every dependency's state and the answer it gives when failing
//   PUT    /_openslb/dependencies/{name}  {"State": "up"|"down"|"flaky", "Probability"?, "Failure"?}
//   DELETE /_openslb/dependencies         every dependency back up
//   GET    /_openslb/limits, PUT /_openslb/limits {"MaxInflight": N}   overload shedding (0 = off)
// Same access rules as the rest of the operator API (loopback + operator token).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gateway } from '../gateway/gateway.js';
import type { Dependencies } from '../faults/dependencies.js';
import { FaultInputError, type FaultRules } from '../faults/rules.js';
import { addOperatorHandler, jsonObjectBody, type OperatorAccess } from './operator-http.js';

export interface FaultsApiOptions extends OperatorAccess {
  faults: FaultRules;
  dependencies: Dependencies;
  gateway: Gateway;
  /** data-plane workers: gather their firing counts before a rule is shown */
  refresh?: () => Promise<void>;
}

export function registerFaultsApi(app: FastifyInstance, o: FaultsApiOptions): void {
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, h: (req: FastifyRequest) => unknown, status = 200) => addOperatorHandler(app, o, method, url, h, status);
  const param = (req: FastifyRequest, k: string) => (req.params as Record<string, string>)[k] ?? '';

  route('POST', '/faults', (req) => ({ FaultId: o.faults.add(jsonObjectBody(req)) }), 201);
  route('GET', '/faults', async () => {
    await o.refresh?.();
    return { Faults: o.faults.list() };
  });
  route('GET', '/faults/:id', async (req) => {
    await o.refresh?.();
    const f = o.faults.get(param(req, 'id'));
    if (!f) throw new FaultInputError(404, 'FaultNotFound', `no fault rule ${param(req, 'id')}`);
    return f;
  });
  route('DELETE', '/faults/:id', (req) => {
    if (!o.faults.remove(param(req, 'id'))) throw new FaultInputError(404, 'FaultNotFound', `no fault rule ${param(req, 'id')}`);
    return {};
  });
  route('DELETE', '/faults', () => ({ Removed: o.faults.clear() }));

  route('GET', '/dependencies', () => ({ Dependencies: o.dependencies.list() }));
  route('PUT', '/dependencies/:name', (req) => o.dependencies.set(param(req, 'name'), jsonObjectBody(req)));
  route('DELETE', '/dependencies', () => {
    o.dependencies.reset();
    return { Dependencies: o.dependencies.list() };
  });

  route('GET', '/limits', () => ({ MaxInflight: o.gateway.maxInflight, InFlight: o.gateway.inFlight }));
  route('PUT', '/limits', (req) => {
    const b = jsonObjectBody(req);
    for (const k of Object.keys(b)) if (k !== 'MaxInflight') throw new FaultInputError(400, 'InvalidLimits', `unknown field ${k}`);
    const n = b['MaxInflight'];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new FaultInputError(400, 'InvalidLimits', 'MaxInflight must be a whole number ≥ 0 (0 = no limit)');
    o.gateway.maxInflight = n;
    return { MaxInflight: n, InFlight: o.gateway.inFlight };
  });
}
