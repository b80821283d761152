// Instance statuses on the server clock (docs/products.md "ECS 2014-05-26"). A call that changes
// an instance's status stores where it stands now and the statuses still to come with their times
// (InstanceDoc.Transition). Two things move it along: every ECS call settles the instances it
// reads (so a restarted server, whose timers are gone, still answers right), and a timer on the
// server clock per step writes the change when it falls due (so SLB, which reads the stored
// Status, sees Running without an ECS call in between; on a frozen clock `POST
// /_openslb/clock/advance` runs these timers).
import type { Ctx } from '../../world/request.js';
import { KINDS, type InstanceDoc } from '../slb/services/model.js';
import type { Scope, Store, Tx } from '../../state/store.js';
import type { Clock } from '../../util/clock.js';

export type InstanceStatus = InstanceDoc['Status'];

/** How long each transitional status lasts (ms): `OPENSLB_ECS_TRANSITION_MS`, default 1000. */
export function stepMs(): number {
  const v = process.env['OPENSLB_ECS_TRANSITION_MS'];
  return v !== undefined && /^\d{1,7}$/.test(v.trim()) ? Number(v) : 1000;
}

/** The path of each operation: the status it shows at once, then the steps, one step apart. */
export const PATHS: Record<'run' | 'create' | 'start' | 'stop' | 'reboot', InstanceStatus[]> = {
  run: ['Pending', 'Starting', 'Running'],
  create: ['Pending', 'Stopped'],
  start: ['Starting', 'Running'],
  stop: ['Stopping', 'Stopped'],
  reboot: ['Stopping', 'Starting', 'Running'],
};

/** Puts `doc` on a path now: the first status at once, the rest later. */
export function begin(doc: InstanceDoc, path: InstanceStatus[], now: number): void {
  const step = stepMs();
  const [first, ...rest] = path;
  doc.Status = first!;
  if (rest.length === 0 || step === 0) {
    doc.Status = path[path.length - 1]!;
    delete doc.Transition;
    if (doc.Status === 'Running') doc.StartTime = isoMinutes(now);
  } else doc.Transition = rest.map((Status, i) => ({ Status, At: now + step * (i + 1) }));
}

/** Applies the steps that are due; true when the document changed. */
export function settle(doc: InstanceDoc, now: number): boolean {
  if (!doc.Transition?.length) return false;
  let changed = false;
  while (doc.Transition.length && doc.Transition[0]!.At <= now) {
    const s = doc.Transition.shift()!;
    doc.Status = s.Status;
    if (s.Status === 'Running') doc.StartTime = isoMinutes(s.At);
    changed = true;
  }
  if (!doc.Transition.length) delete doc.Transition;
  return changed;
}

/** A settled copy, for read-only calls. */
export function settledView(doc: InstanceDoc, now: number): InstanceDoc {
  if (!doc.Transition?.length) return doc;
  const copy = structuredClone(doc);
  settle(copy, now);
  return copy;
}

/** Settles the stored instance and stores it when a step was due. */
export async function settleStored(tx: Tx, scope: Scope, doc: InstanceDoc, now: number): Promise<InstanceDoc> {
  if (settle(doc, now)) await tx.put(KINDS.instance, scope, doc.InstanceId, doc);
  return doc;
}

type TimerClock = Clock & { setTimeout?: (fn: () => unknown, ms: number) => unknown };

/**
 * After the write that began transitions committed: one timer per step on the server clock, each
 * writing the instance's due steps (harmless when an ECS call settled it first or it is gone).
 */
export function armTimers(ctx: Pick<Ctx, 'clock' | 'store'>, scope: Scope, docs: InstanceDoc[]): void {
  const clock = ctx.clock as TimerClock;
  if (typeof clock.setTimeout !== 'function') return;
  for (const d of docs) {
    for (const step of d.Transition ?? []) {
      // the clock awaits the returned write during an advance, so the advance answers after it
      clock.setTimeout(() => settleLater(ctx.store, clock, scope, d.InstanceId), Math.max(0, step.At - clock.now()));
    }
  }
}

async function settleLater(store: Store, clock: Clock, scope: Scope, id: string): Promise<void> {
  await store
    .write(async (tx) => {
      const doc = await tx.get<InstanceDoc>(KINDS.instance, scope, id);
      if (doc) await settleStored(tx, scope, doc, clock.now());
    })
    .catch(() => undefined); // the store closed under it (server stopping): the next ECS call settles
}

/** `2017-12-10T04:04Z`: the minutes form ECS uses for instance times (aliyungo parses it). */
export function isoMinutes(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
}

/**
 * Read calls: the documents as they stand now, and the due steps written back (so that SLB, which
 * reads the stored Status, agrees with what ECS answered even when the timer was lost).
 */
export async function settleDue(ctx: Pick<Ctx, 'clock' | 'store'>, scope: Scope, docs: InstanceDoc[]): Promise<InstanceDoc[]> {
  const now = ctx.clock.now();
  const due = docs.filter((d) => d.Transition?.length && d.Transition[0]!.At <= now).map((d) => d.InstanceId);
  if (due.length) {
    await ctx.store.write(async (tx) => {
      for (const id of due) {
        const d = await tx.get<InstanceDoc>(KINDS.instance, scope, id);
        if (d) await settleStored(tx, scope, d, now);
      }
    });
  }
  return docs.map((d) => settledView(d, now));
}

const caughtUp = new WeakMap<object, Set<string>>();

/**
 * The first ECS call of this process in an (account, region): transitions that fell due while no
 * timer was armed (the server restarted) are written, and timers are armed for the rest.
 */
export async function catchUp(ctx: Pick<Ctx, 'clock' | 'store'>, scope: Scope): Promise<void> {
  let seen = caughtUp.get(ctx.store);
  if (!seen) caughtUp.set(ctx.store, (seen = new Set()));
  const key = `${scope.account}\u0000${scope.region}`;
  if (seen.has(key)) return;
  seen.add(key);
  const now = ctx.clock.now();
  const pending = await ctx.store.write(async (tx) => {
    const out: InstanceDoc[] = [];
    for (const d of await tx.list<InstanceDoc>(KINDS.instance, scope)) {
      if (!d.Transition) continue;
      await settleStored(tx, scope, d, now);
      if (d.Transition) out.push(d);
    }
    return out;
  });
  armTimers(ctx, scope, pending);
}
