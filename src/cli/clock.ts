// `openslb clock show|freeze|unfreeze|advance`: the server clock (docs/determinism.md) through the
// operator API of a running server. Connection as for `openslb world`.
import { InvalidArgumentError, type Command } from 'commander';
import { connectionOptions, operatorCall as call } from './operator-client.js';

/** `90s`, `15m`, `2h`, `31d`, `500ms` or a bare number of seconds → an advance body. */
export function parseDuration(v: string): { Ms: number } {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 90s, 15m, 2h, 31d or 500ms');
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return { Ms: Math.round(Number(m[1]) * unit) };
}

export function addClockCommands(program: Command): void {
  const c = connectionOptions(program.command('clock').description('the server clock: resource times, expiry, health checks (docs/determinism.md)'));
  c.command('show').description('the time, whether it is frozen, its offset from the wall clock').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/clock'));
  c.command('freeze [time]')
    .description('stop the clock where it stands, or at TIME (ISO 8601); nothing falls due')
    .action(async (time: string | undefined, _o: unknown, cmd: Command) => call(cmd, 'PUT', '/clock', { Frozen: true, ...(time !== undefined ? { At: time } : {}) }));
  c.command('unfreeze').description('let the clock run again from where it stands').action(async (_o: unknown, cmd: Command) => call(cmd, 'PUT', '/clock', { Frozen: false }));
  c.command('advance')
    .argument('<duration>', '90s, 15m, 2h, 31d, 500ms, or seconds', parseDuration)
    .description('move the clock forward (90s, 15m, 2h, 31d…), running every timer that falls due, then the commerce sweep')
    .option('--no-sweep', 'skip the commerce sweep')
    .action(async (d: { Ms: number }, o: { sweep?: boolean }, cmd: Command) => call(cmd, 'POST', '/clock/advance', { ...d, ...(o.sweep === false ? { Sweep: false } : {}) }));
}
