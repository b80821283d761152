// The server clock through the operator API (docs/determinism.md): GET/PUT /_openslb/clock,
// POST /_openslb/clock/advance, and POST /_openslb/commerce/advance, the older commerce-only form
// of an advance (kept for its callers). Also where the clock's state is loaded and stored.
import type { FastifyInstance } from 'fastify';
import { getCommerceSettings, putCommerceSettings } from '../products/slb/services/commerce/account.js';
import { sweep } from '../products/slb/services/commerce/orders.js';
import { GLOBAL, type Store } from '../state/store.js';
import type { Clock } from '../util/clock.js';
import { ServerClock, type AdvanceResult, type ClockState } from '../util/server-clock.js';
import { WorldError } from '../world/world.js';
import { addOperatorHandler, jsonObjectBody, type OperatorAccess } from './operator-http.js';
import { DETERMINISM } from '../util/seeded-ids.js';

const CLOCK_ID = 'clock';

/**
 * The server clock of a store: the stored state (a commerce time offset from before the shared
 * clock is folded into it, once), then `freezeAt` when given ('now': where the clock stands).
 */
export async function openServerClock(store: Store, wall: Clock, freezeAt?: number | 'now'): Promise<ServerClock> {
  const state = await store.write(async (tx) => {
    const s = (await tx.get<ClockState>(DETERMINISM, GLOBAL, CLOCK_ID)) ?? { OffsetMs: 0 };
    const c = await getCommerceSettings(tx);
    if (c.TimeOffsetMs) {
      if (s.FrozenAt !== undefined) s.FrozenAt += c.TimeOffsetMs;
      else s.OffsetMs += c.TimeOffsetMs;
      await putCommerceSettings(tx, { ...c, TimeOffsetMs: 0 });
      await tx.put(DETERMINISM, GLOBAL, CLOCK_ID, s);
    }
    return s;
  });
  const clock = new ServerClock(wall, state, (s) => store.write((tx) => tx.put(DETERMINISM, GLOBAL, CLOCK_ID, s)));
  if (freezeAt !== undefined) await clock.freeze(freezeAt === 'now' ? undefined : freezeAt);
  return clock;
}

/** An instant: ISO 8601 text or ms since the epoch. */
export function parseInstant(v: unknown, what: string): number {
  const t = typeof v === 'number' ? v : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new WorldError(400, 'InvalidTime', `${what}: an ISO 8601 time such as 2030-01-01T00:00:00Z, or ms since the epoch`);
  return t;
}

const UNITS: Record<string, number> = { Ms: 1, Seconds: 1000, Minutes: 60_000, Hours: 3_600_000, Days: 86_400_000 };

/** How far an advance body moves the clock: exactly one of Ms, Seconds, Minutes, Hours, Days (≥ 0). */
export function advanceMs(b: Record<string, unknown>, allowed: string[] = Object.keys(UNITS)): number {
  const given = Object.keys(b).filter((k) => k in UNITS);
  if (given.length !== 1 || !allowed.includes(given[0]!)) throw new WorldError(400, 'InvalidAdvance', `give exactly one of ${allowed.join(', ')}`);
  const n = b[given[0]!];
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new WorldError(400, 'InvalidAdvance', `${given[0]}: a number ≥ 0`);
  return Math.round(n * UNITS[given[0]!]!);
}

export function clockView(clock: ServerClock) {
  const now = clock.now();
  const wall = clock.wall.now();
  return { Now: new Date(now).toISOString(), NowMs: now, Frozen: clock.frozen, OffsetMs: now - wall, WallTime: new Date(wall).toISOString(), PendingTimers: clock.pending() };
}

export function registerClockApi(app: FastifyInstance, o: OperatorAccess & { store: Store; clock: ServerClock; log?: (obj: Record<string, unknown>, msg: string) => void }): void {
  const { clock } = o;
  const handle = (method: 'GET' | 'PUT' | 'POST', url: string, h: (b: Record<string, unknown>) => Promise<unknown>) =>
    addOperatorHandler(app, o, method, url, (req) => h(method === 'GET' ? {} : jsonObjectBody(req)), 200);
  const unknownFields = (b: Record<string, unknown>, known: string[]) => {
    for (const k of Object.keys(b)) if (!known.includes(k)) throw new WorldError(400, 'UnknownField', `unknown field ${k}; expected ${known.join(', ')}`);
  };
  const advance = async (ms: number): Promise<AdvanceResult> => {
    const r = await clock.advance(ms);
    if (r.Failed) o.log?.({ failed: r.Failed }, 'timers failed during a clock advance');
    return r;
  };
  const commerceSweep = () => o.store.write((tx) => sweep(tx, clock.now()));

  handle('GET', '/clock', async () => clockView(clock));
  // { "Frozen": true [, "At": ISO | ms] } freezes (at `At`: the time is set, nothing falls due);
  // { "Frozen": false } lets it run again from where it stands
  handle('PUT', '/clock', async (b) => {
    unknownFields(b, ['Frozen', 'At']);
    if (typeof b['Frozen'] !== 'boolean') throw new WorldError(400, 'InvalidFrozen', 'Frozen: true or false');
    if (b['Frozen']) await clock.freeze(b['At'] === undefined ? undefined : parseInstant(b['At'], 'At'));
    else {
      if (b['At'] !== undefined) throw new WorldError(400, 'InvalidTime', 'At: only with "Frozen": true');
      await clock.unfreeze();
    }
    return clockView(clock);
  });
  // runs every timer that falls due (health checks…), then the commerce sweep (unless "Sweep": false)
  handle('POST', '/clock/advance', async (b) => {
    unknownFields(b, [...Object.keys(UNITS), 'Sweep']);
    const r = await advance(advanceMs(b));
    const swept = b['Sweep'] === false ? {} : await commerceSweep();
    return { ...clockView(clock), ...r, ...swept };
  });
  // the commerce form from before the shared clock: { Hours [, Sweep] } → TimeOffsetMs, Now, Locked
  handle('POST', '/commerce/advance', async (b) => {
    const h = b['Hours'];
    if (typeof h !== 'number' || !Number.isFinite(h) || h < 0 || h > 1e12) throw new WorldError(400, 'InvalidAmount', 'Hours: a number 0…1e12');
    await advance(Math.round(h * 3_600_000));
    const now = clock.now();
    return { TimeOffsetMs: clock.state().OffsetMs, Now: new Date(now).toISOString(), ...(b['Sweep'] === false ? {} : await commerceSweep()) };
  });
}
