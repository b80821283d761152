// `openslb fault …`, `openslb dependency …`, `openslb limits …`: fault injection on a running
// server through the operator API (docs/faults.md). Connection as for `openslb world`.
import type { Command } from 'commander';
import { connectionOptions, jsonDocument, operatorCall as call } from './operator-client.js';

const num = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${what}: expected a number, got "${v}"`);
  return n;
};

interface AddOptions {
  product?: string;
  action?: string;
  account?: string;
  region?: string;
  code?: string;
  message?: string;
  probability?: number;
  count?: number;
  delayMs?: number;
  target?: string;
  fault?: string;
  json?: string;
}

/** `LB:PORT` or `LB:PORT:SERVER` → Target. */
function target(v: string): Record<string, unknown> {
  const [lb, port, server, ...rest] = v.split(':');
  if (!lb || !port || rest.length) throw new Error(`--target: expected LoadBalancerId:ListenerPort[:ServerId], got "${v}"`);
  return { LoadBalancerId: lb, ListenerPort: Number(port), ...(server ? { ServerId: server } : {}) };
}

export function addFaultCommands(program: Command): void {
  const f = connectionOptions(program.command('fault').description('fault rules: injected API errors and delays, data-plane faults (docs/faults.md)'));
  f.command('add')
    .description('add a rule; prints its FaultId. An API rule: --code [--message] and/or --delay-ms; a data-plane rule: --target and --fault')
    .option('--product <product>', 'product whose calls it matches (slb)')
    .option('--action <action>', 'only this action')
    .option('--account <id>', 'only calls of this account')
    .option('--region <id>', 'only calls with this RegionId')
    .option('--code <code>', 'answer this catalog error')
    .option('--message <text>', 'the message, where the code has several')
    .option('--probability <p>', 'chance that a matching call fires (0-1, default 1)', num('--probability'))
    .option('--count <n>', 'fire at most n times (default: unlimited)', num('--count'))
    .option('--delay-ms <ms>', 'delay each matching call (API) or connection/request/datagram (Latency)', num('--delay-ms'))
    .option('--target <lb:port[:server]>', 'data-plane rule: the listener (and backend) it applies to')
    .option('--fault <kind>', 'data-plane rule: Latency | Reset | Refuse | Drop')
    .option('--json <rule>', 'the whole rule as JSON (inline or @file) instead of the options')
    .action(async (o: AddOptions, cmd: Command) => {
      const rule: Record<string, unknown> = o.json
        ? (jsonDocument(o.json, 'the rule') as Record<string, unknown>)
        : {
            ...(o.target ? { Target: target(o.target) } : {}),
            ...(o.fault !== undefined ? { Fault: o.fault } : {}),
            ...(o.product !== undefined ? { Product: o.product } : {}),
            ...(o.action !== undefined ? { Action: o.action } : {}),
            ...(o.account !== undefined ? { AccountId: o.account } : {}),
            ...(o.region !== undefined ? { RegionId: o.region } : {}),
            ...(o.code !== undefined ? { Code: o.code } : {}),
            ...(o.message !== undefined ? { Message: o.message } : {}),
            ...(o.probability !== undefined ? { Probability: o.probability } : {}),
            ...(o.count !== undefined ? { Count: o.count } : {}),
            ...(o.delayMs !== undefined ? { DelayMs: o.delayMs } : {}),
          };
      await call(cmd, 'POST', '/faults', rule);
    });
  f.command('list').description('the rules, with how often each fired').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/faults'));
  f.command('remove <faultId>').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'DELETE', `/faults/${encodeURIComponent(id)}`));
  f.command('clear').description('remove every rule').action(async (_o: unknown, cmd: Command) => call(cmd, 'DELETE', '/faults'));

  const d = connectionOptions(program.command('dependency').description('outages of the services SLB depends on: vpc, ecs, order, service-registry, internal-invoke, store (docs/faults.md)'));
  d.command('list').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/dependencies'));
  d.command('set <name> <state>')
    .description('state: up | down | flaky')
    .option('--probability <p>', 'flaky: chance that one use fails (default 0.5)', num('--probability'))
    .option('--failure <failure>', 'how it fails (see `dependency list`; default: its first failure)')
    .action(async (name: string, state: string, o: { probability?: number; failure?: string }, cmd: Command) =>
      call(cmd, 'PUT', `/dependencies/${encodeURIComponent(name)}`, { State: state, ...(o.probability !== undefined ? { Probability: o.probability } : {}), ...(o.failure ? { Failure: o.failure } : {}) }),
    );
  d.command('reset').description('every dependency back up').action(async (_o: unknown, cmd: Command) => call(cmd, 'DELETE', '/dependencies'));

  const l = connectionOptions(program.command('limits').description('overload shedding (449 SystemBusy beyond --max-inflight calls in flight)'));
  l.command('show').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/limits'));
  l.command('set')
    .requiredOption('--max-inflight <n>', 'calls handled at once (0 = no limit)', num('--max-inflight'))
    .action(async (o: { maxInflight: number }, cmd: Command) => call(cmd, 'PUT', '/limits', { MaxInflight: o.maxInflight }));
}
