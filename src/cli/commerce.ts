// `openslb commerce …`: the commerce world of an account (wallet, standing, faults, orders, bills,
// subscriptions) and the server-wide pricing, on/off switch and commerce clock, through the
// operator API of a running server. Connection as for `openslb world`. Reference: docs/commerce.md.
import type { Command } from 'commander';
import { type Conn, connectionOptions, jsonDocument as doc, operatorCall as call } from './operator-client.js';

/** `Key=value` pairs: the value as JSON when it parses (numbers, booleans, null, lists), else a string. */
export function parseAssignments(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`expected Key=value, got "${p}"`);
    const raw = p.slice(i + 1);
    let v: unknown = raw;
    try {
      v = JSON.parse(raw);
    } catch {
      // a plain string
    }
    out[p.slice(0, i)] = v;
  }
  return out;
}

const amount = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`expected an amount ≥ 0, got "${v}"`);
  return n;
};

export function addCommerceCommands(program: Command): void {
  const c = connectionOptions(program.command('commerce').description('the commerce world: balances, standing, faults, orders, bills, subscriptions, pricing (docs/commerce.md)'));
  c.option('--account <id>', 'account id (default: the root account)', 'root');
  const base = (cmd: Command) => `/accounts/${encodeURIComponent(cmd.optsWithGlobals<Conn>().account ?? 'root')}/commerce`;

  c.command('show').description("print the account's commerce state").action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', base(cmd)));
  c.command('set <Key=value...>')
    .description('change fields, e.g. set RealNameAuthenticated=false Balance=0 \'Faults=["PAY.PAY_ORDER_FAILED"]\'')
    .action(async (pairs: string[], _o: unknown, cmd: Command) => call(cmd, 'PATCH', base(cmd), parseAssignments(pairs)));
  c.command('reset').description('back to good standing with the default balance').action(async (_o: unknown, cmd: Command) => call(cmd, 'DELETE', base(cmd)));
  c.command('fault [codes...]')
    .description('inject service failures (none given: clear them)')
    .action(async (codes: string[], _o: unknown, cmd: Command) => call(cmd, 'PATCH', base(cmd), { Faults: codes ?? [] }));
  c.command('topup <amount>').description('add money; it settles bills and arrears, and unlocks instances').action(async (a: string, _o: unknown, cmd: Command) => call(cmd, 'POST', `${base(cmd)}/topup`, { Amount: amount(a) }));
  c.command('orders').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', `${base(cmd)}/orders`));
  c.command('pay <orderId>').description('pay an unpaid order (as the console would)').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'POST', `${base(cmd)}/orders/${encodeURIComponent(id)}/pay`));
  c.command('cancel <orderId>').description('cancel an unpaid order (an unpaid purchase releases its instance)').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'POST', `${base(cmd)}/orders/${encodeURIComponent(id)}/cancel`));
  c.command('bills').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', `${base(cmd)}/bills`));
  c.command('bill <loadBalancerId> <amount>')
    .description('an unsettled bill on an instance: arrears now, a financial lock once due')
    .option('--due-in-hours <n>', 'hours until it locks the instance', '24')
    .action(async (id: string, a: string, o: { dueInHours: string }, cmd: Command) => call(cmd, 'POST', `${base(cmd)}/bills`, { LoadBalancerId: id, Amount: amount(a), DueInHours: amount(o.dueInHours) }));
  c.command('subscriptions').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', `${base(cmd)}/subscriptions`));
  c.command('renew <loadBalancerId>')
    .option('--cycle <cycle>', 'month | year', 'month')
    .option('--duration <n>', 'periods', '1')
    .action(async (id: string, o: { cycle: string; duration: string }, cmd: Command) => call(cmd, 'POST', `${base(cmd)}/subscriptions/${encodeURIComponent(id)}/renew`, { PricingCycle: o.cycle, Duration: Number(o.duration) }));

  const pricing = c.command('pricing').description('pricing plans (server-wide)');
  pricing.command('get').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/commerce/pricing'));
  pricing.command('set <json>').description('replace the pricing document (inline JSON or @file)').action(async (v: string, _o: unknown, cmd: Command) => call(cmd, 'PUT', '/commerce/pricing', doc(v, 'the pricing')));
  c.command('on').description('switch commerce on').action(async (_o: unknown, cmd: Command) => call(cmd, 'PUT', '/commerce/settings', { Enabled: true }));
  c.command('off').description('switch commerce off: everything free').action(async (_o: unknown, cmd: Command) => call(cmd, 'PUT', '/commerce/settings', { Enabled: false }));
  c.command('status').description('on/off and the commerce clock offset').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/commerce/settings'));
  c.command('advance <hours>')
    .description('move the commerce clock forward (subscriptions expire, bills fall due), then sweep')
    .action(async (h: string, _o: unknown, cmd: Command) => call(cmd, 'POST', '/commerce/advance', { Hours: amount(h) }));
  c.command('sweep').description('lock expired subscriptions and instances with past-due bills now').action(async (_o: unknown, cmd: Command) => call(cmd, 'POST', '/commerce/sweep'));
}
