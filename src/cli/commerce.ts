// `openslb commerce …`: the commerce world of an account (wallet, standing, faults, orders, bills,
// subscriptions) and the server-wide pricing, on/off switch and commerce clock, through the
// operator API of a running server. Connection as for `openslb world`. Reference: docs/commerce.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';

interface Conn {
  url?: string;
  token?: string;
  dataDir?: string;
  account?: string;
}

async function call(cmd: Command, method: string, path: string, body?: unknown): Promise<void> {
  const o = cmd.optsWithGlobals<Conn>();
  const url = (o.url ?? process.env['OPENSLB_URL'] ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  let token = o.token ?? process.env['OPENSLB_OPERATOR_TOKEN'];
  if (!token) {
    const file = join(o.dataDir ?? './data', 'operator-token');
    if (existsSync(file)) token = readFileSync(file, 'utf8').trim();
  }
  if (!token) throw new Error('no operator token: pass --token, set OPENSLB_OPERATOR_TOKEN, or point --data-dir at the server data dir');
  const res = await fetch(`${url}/_openslb${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
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

function doc(v: string, what: string): unknown {
  const text = v.startsWith('@') ? readFileSync(v.slice(1), 'utf8') : v;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

const amount = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`expected an amount ≥ 0, got "${v}"`);
  return n;
};

export function addCommerceCommands(program: Command): void {
  const c = program
    .command('commerce')
    .description('the commerce world: balances, standing, faults, orders, bills, subscriptions, pricing (docs/commerce.md)')
    .option('--url <url>', 'server URL (env OPENSLB_URL; default http://127.0.0.1:8080)')
    .option('--token <token>', 'operator token (env OPENSLB_OPERATOR_TOKEN; default: read from --data-dir)')
    .option('--data-dir <dir>', 'server data dir holding operator-token', './data')
    .option('--account <id>', 'account id (default: the root account)', 'root');
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
