// Operator API routes of the commerce world (docs/commerce.md): per account wallet/standing/faults,
// orders (pay), bills, subscriptions (renew), and server-wide pricing, on/off switch and sweep.
// Registered by src/control/operator-api.ts with its authenticated route helper.
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../errors/catalog.js';
import { getCommerceAccount, getCommerceSettings, patchCommerceAccount, putCommerceAccount, putCommerceSettings, defaultCommerceAccount } from '../products/slb/services/commerce/account.js';
import { addBill, cancelOrder, listBills, listOrders, payOrder, renew, sweep, topUp } from '../products/slb/services/commerce/orders.js';
import { getPricing, putPricing, validatePricing } from '../products/slb/services/commerce/pricing.js';
import { GLOBAL, type Tx } from '../state/store.js';
import { ServerClock } from '../util/server-clock.js';
import type { Clock } from '../util/clock.js';
import type { Account } from '../world/accounts.js';
import { WorldError } from '../world/world.js';
import type { OperatorHandler, OperatorMethod } from './operator-http.js';

type Route = (method: OperatorMethod, url: string, h: OperatorHandler, write?: boolean) => void;

export interface CommerceRouteDeps {
  route: Route;
  body: (req: FastifyRequest) => Record<string, unknown>;
  now: () => number;
  /** the server clock: its offset is the commerce clock's (POST /commerce/advance lives in clock-api.ts) */
  clock?: Clock;
  newId: (prefix: string) => string;
  rootAccountId: string;
}

/** Catalog errors (a payment refused…) and lookups become operator answers with the same code. */
async function guarded<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError) throw new WorldError(400, e.code, e.text);
    const x = e as { status?: number; code?: string; message?: string };
    if (e instanceof Error && typeof x.status === 'number' && typeof x.code === 'string') throw new WorldError(x.status, x.code, e.message);
    throw e;
  }
}

export function registerCommerceRoutes(d: CommerceRouteDeps): void {
  const { route, body } = d;
  const accountOf = async (req: FastifyRequest, tx: Tx): Promise<string> => {
    const given = (req.params as Record<string, string>)['AccountId'] ?? '';
    // 'root' names the root account (the CLI's default)
    const id = given === 'root' ? d.rootAccountId : given;
    if (id !== d.rootAccountId && !(await tx.get<Account>('account', GLOBAL, id))) throw new WorldError(404, 'AccountNotFound', `no account ${id}`);
    return id;
  };
  const num = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1e12) throw new WorldError(400, 'InvalidAmount', `${what}: a number 0…1e12`);
    return v;
  };
  const base = '/accounts/:AccountId/commerce';

  route('GET', base, async (req, tx) => getCommerceAccount(tx, await accountOf(req, tx)), false);
  route('PATCH', base, async (req, tx) => {
    const id = await accountOf(req, tx);
    const a = patchCommerceAccount(await getCommerceAccount(tx, id), body(req));
    await putCommerceAccount(tx, a);
    return a;
  });
  route('DELETE', base, async (req, tx) => {
    const id = await accountOf(req, tx);
    const a = defaultCommerceAccount(id);
    await putCommerceAccount(tx, a);
    return a;
  });
  route('POST', `${base}/topup`, async (req, tx) => {
    const id = await accountOf(req, tx);
    return topUp(tx, id, num(body(req)['Amount'], 'Amount'), d.now());
  });
  route('GET', `${base}/orders`, async (req, tx) => ({ Orders: await listOrders(tx, await accountOf(req, tx)) }), false);
  route('POST', `${base}/orders/:OrderId/pay`, async (req, tx) => {
    const id = await accountOf(req, tx);
    return guarded(() => payOrder(tx, id, (req.params as Record<string, string>)['OrderId']!, d.now()));
  });
  route('POST', `${base}/orders/:OrderId/cancel`, async (req, tx) => {
    const id = await accountOf(req, tx);
    return guarded(() => cancelOrder(tx, id, (req.params as Record<string, string>)['OrderId']!, d.now()));
  });
  route('GET', `${base}/bills`, async (req, tx) => ({ Bills: await listBills(tx, await accountOf(req, tx)) }), false);
  route('POST', `${base}/bills`, async (req, tx) => {
    const id = await accountOf(req, tx);
    const b = body(req);
    if (typeof b['LoadBalancerId'] !== 'string') throw new WorldError(400, 'InvalidLoadBalancerId', 'LoadBalancerId: a load balancer of the account');
    const hours = b['DueInHours'] === undefined ? 24 : num(b['DueInHours'], 'DueInHours');
    const now = d.now();
    return guarded(() => addBill(tx, id, b['LoadBalancerId'] as string, num(b['Amount'], 'Amount'), now + hours * 3600 * 1000, now, d.newId('bill-')));
  });
  route('GET', `${base}/subscriptions`, async (req, tx) => ({ Subscriptions: (await tx.listAccount('commerceSubscription', await accountOf(req, tx))).map((x) => x.doc) }), false);
  route('POST', `${base}/subscriptions/:LoadBalancerId/renew`, async (req, tx) => {
    const id = await accountOf(req, tx);
    const b = body(req);
    const cycle = b['PricingCycle'] ?? 'month';
    if (cycle !== 'month' && cycle !== 'year') throw new WorldError(400, 'InvalidPricingCycle', 'PricingCycle: month | year');
    const duration = b['Duration'] ?? 1;
    if (!Number.isInteger(duration) || (duration as number) < 1 || (duration as number) > 60) throw new WorldError(400, 'InvalidDuration', 'Duration: an integer 1…60');
    return guarded(() => renew(tx, id, (req.params as Record<string, string>)['LoadBalancerId']!, cycle, duration as number, d.now()));
  });

  route('GET', '/commerce/pricing', async (_req, tx) => getPricing(tx), false);
  route('PUT', '/commerce/pricing', async (req, tx) => {
    const p = validatePricing(body(req));
    await putPricing(tx, p);
    return p;
  });
  route('GET', '/commerce/settings', async (_req, tx) => {
    const s = await getCommerceSettings(tx);
    return { Enabled: s.Enabled, TimeOffsetMs: s.TimeOffsetMs + (d.clock instanceof ServerClock ? d.clock.state().OffsetMs : 0) };
  }, false);
  route('PUT', '/commerce/settings', async (req, tx) => {
    const b = body(req);
    for (const k of Object.keys(b)) if (k !== 'Enabled') throw new WorldError(400, 'UnknownField', `unknown field ${k}; expected Enabled`);
    if (typeof b['Enabled'] !== 'boolean') throw new WorldError(400, 'InvalidEnabled', 'Enabled: true or false');
    const s = await getCommerceSettings(tx);
    s.Enabled = b['Enabled'];
    await putCommerceSettings(tx, s);
    return { Enabled: s.Enabled };
  });
  route('POST', '/commerce/sweep', async (_req, tx) => sweep(tx, d.now()));
  // POST /commerce/advance moves the server clock: src/control/clock-api.ts (docs/determinism.md)
}
