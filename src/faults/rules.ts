// Fault rules (docs/faults.md): errors and delays injected into API calls on purpose, and faults
// injected into the data plane's traffic. Rules live in this process's memory (a test suite adds
// them, runs, removes them); `--faults FILE` loads a list at start. An API rule answers a catalog
// entry exactly as the code that owns it would (status, code, message, Recommend), after the
// request was authenticated and authorized and before the action runs, so nothing is stored.
import { ApiError, CATALOG, type CatalogRecord } from '../errors/catalog.js';
import type { IdGenerator } from '../util/ids.js';
import { WorldError } from '../world/world.js';
import type { DataPlaneFaultKind, DataPlaneFaultRule } from '../dataplane/faults.js';

import { productByCode, products } from '../products/product.js';

/** A fault rule's input was not acceptable (HTTP status + Code for the operator API). */
export class FaultInputError extends WorldError {}

export interface ApiFaultView {
  FaultId: string;
  Product?: string;
  Action?: string;
  AccountId?: string;
  RegionId?: string;
  Code?: string;
  Message?: string;
  HttpStatus?: number;
  Probability: number;
  /** times it may still fire; absent: unlimited */
  Count?: number;
  DelayMs?: number;
  Fired: number;
  /** Count − Fired, when Count is set */
  Remaining?: number;
}

export interface DataPlaneFaultView {
  FaultId: string;
  Target: { LoadBalancerId: string; ListenerPort: number; ServerId?: string };
  Fault: DataPlaneFaultKind;
  DelayMs?: number;
  Probability: number;
  Count?: number;
  Fired: number;
  Remaining?: number;
}

export type FaultView = ApiFaultView | DataPlaneFaultView;

interface ApiRule {
  view: ApiFaultView;
  entry?: CatalogRecord;
  /** Count as given (the view's Count goes down as the rule fires) */
  limit?: number;
}

/** What the gateway knows about a call when it consults the rules. */
export interface CallFacts {
  product: string;
  action: string;
  accountId: string;
  regionId?: string;
}

const API_KEYS = new Set(['Product', 'Action', 'AccountId', 'RegionId', 'Code', 'Message', 'Probability', 'Count', 'DelayMs']);
const DP_KEYS = new Set(['Target', 'Fault', 'DelayMs', 'Probability', 'Count']);
const DP_KINDS: readonly DataPlaneFaultKind[] = ['Latency', 'Reset', 'Refuse', 'Drop'];
const MAX_DELAY_MS = 600_000;

const bad = (message: string) => new FaultInputError(400, 'InvalidFault', message);

function optString(o: Record<string, unknown>, k: string, re?: RegExp): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v || v.length > 256 || (re && !re.test(v))) throw bad(`${k} must be a non-empty string${re ? ` matching ${re}` : ''}`);
  return v;
}

function probability(o: Record<string, unknown>): number {
  const v = o['Probability'];
  if (v === undefined) return 1;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) throw bad('Probability must be a number from 0 to 1');
  return v;
}

function count(o: Record<string, unknown>): number | undefined {
  const v = o['Count'];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw bad('Count must be a whole number ≥ 1 (leave it out for unlimited)');
  return v;
}

function delay(o: Record<string, unknown>): number | undefined {
  const v = o['DelayMs'];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_DELAY_MS) throw bad(`DelayMs must be a whole number from 0 to ${MAX_DELAY_MS}`);
  return v;
}

/** Every catalog entry answerable by `product`: its own, and the gateway's (kept in the SLB catalog). */
export function entriesOf(product: string): readonly CatalogRecord[] {
  const own = productByCode(product)?.catalog ?? [];
  if (product === 'slb') return own;
  const gateway = (CATALOG as readonly CatalogRecord[]).filter((e) => e.source === 'gateway');
  return [...own, ...gateway];
}

/** The catalog entry a rule names: Code alone when the code has one message, else Code + Message. */
export function entryFor(product: string, code: string, message: string | undefined): CatalogRecord {
  const all = entriesOf(product).filter((e) => e.code === code);
  if (!all.length) throw bad(`no catalog entry of ${product} has the code ${code}`);
  if (message === undefined) {
    if (all.length > 1) throw new FaultInputError(400, 'AmbiguousCode', `${code} has ${all.length} messages; give Message, one of: ${all.map((e) => JSON.stringify(e.message)).join(', ')}`);
    return all[0]!;
  }
  const e = all.find((x) => x.message === message);
  if (!e) throw bad(`${code} has no message ${JSON.stringify(message)}; its messages: ${all.map((x) => JSON.stringify(x.message)).join(', ')}`);
  return e;
}

export interface FaultRulesOptions {
  ids: IdGenerator;
  /** uniform [0, 1); default Math.random */
  random?: () => number;
  /** waits `ms` (tests inject a clock-driven sleep); default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** the data plane's rule set is replaced through this whenever data-plane rules change */
  onDataPlaneRules?: (rules: DataPlaneFaultRule[]) => void;
  /** how often each data-plane rule fired, as the data plane counts it */
  dataPlaneFired?: () => Map<string, number>;
  /** called for every firing of an API rule (metrics) */
  onFired?: (kind: 'api' | 'delay') => void;
}

export class FaultRules {
  private api = new Map<string, ApiRule>();
  private dp = new Map<string, DataPlaneFaultView>();
  private random: () => number;
  private sleep: (ms: number) => Promise<void>;
  /** calls waiting on delay rules, by rule id: removing the rule releases them */
  private waiting = new Map<string, Set<() => void>>();

  constructor(private o: FaultRulesOptions) {
    this.random = o.random ?? Math.random;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Validates a rule (a JSON object) and adds it; returns its id. Nothing changes on error. */
  add(input: unknown): string {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('a fault rule is a JSON object');
    const o = input as Record<string, unknown>;
    if ('Target' in o) return this.addDataPlane(o);
    for (const k of Object.keys(o)) if (!API_KEYS.has(k)) throw bad(`unknown field ${k} (an API rule takes ${[...API_KEYS].join(', ')}; a data-plane rule takes Target)`);
    const product = (optString(o, 'Product') ?? 'slb').toLowerCase();
    if (!productByCode(product)) throw bad(`unknown Product ${product}; this server answers ${products().map((p) => p.code).join(', ')}`);
    const code = optString(o, 'Code');
    const message = optString(o, 'Message');
    const delayMs = delay(o);
    if (code === undefined && message !== undefined) throw bad('Message needs Code');
    if (code === undefined && delayMs === undefined) throw bad('give Code (an error to answer), DelayMs (a delay), or both');
    const entry = code !== undefined ? entryFor(product, code, message) : undefined;
    const limit = count(o);
    const id = this.o.ids.next('fault-', 16);
    const view: ApiFaultView = {
      FaultId: id,
      Product: product,
      ...(o['Action'] !== undefined ? { Action: optString(o, 'Action', /^[A-Za-z0-9]+$/) } : {}),
      ...(o['AccountId'] !== undefined ? { AccountId: optString(o, 'AccountId') } : {}),
      ...(o['RegionId'] !== undefined ? { RegionId: optString(o, 'RegionId') } : {}),
      ...(entry ? { Code: entry.code, Message: entry.message, HttpStatus: entry.http } : {}),
      Probability: probability(o),
      ...(limit !== undefined ? { Count: limit } : {}),
      ...(delayMs !== undefined ? { DelayMs: delayMs } : {}),
      Fired: 0,
    };
    this.api.set(id, { view, entry, limit });
    return id;
  }

  private addDataPlane(o: Record<string, unknown>): string {
    for (const k of Object.keys(o)) if (!DP_KEYS.has(k)) throw bad(`unknown field ${k} in a data-plane rule (it takes ${[...DP_KEYS].join(', ')})`);
    const t = o['Target'];
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw bad('Target must be an object {LoadBalancerId, ListenerPort, ServerId?}');
    const tt = t as Record<string, unknown>;
    for (const k of Object.keys(tt)) if (!['LoadBalancerId', 'ListenerPort', 'ServerId'].includes(k)) throw bad(`unknown field Target.${k}`);
    const lb = optString(tt, 'LoadBalancerId');
    if (!lb) throw bad('Target.LoadBalancerId is required');
    const port = tt['ListenerPort'];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw bad('Target.ListenerPort must be a port number (1-65535)');
    const serverId = optString(tt, 'ServerId');
    const kind = o['Fault'];
    if (typeof kind !== 'string' || !(DP_KINDS as readonly string[]).includes(kind)) throw bad(`Fault must be one of ${DP_KINDS.join(', ')}`);
    const delayMs = delay(o);
    if (kind === 'Latency' && delayMs === undefined) throw bad('a Latency fault needs DelayMs');
    if (kind !== 'Latency' && delayMs !== undefined) throw bad('DelayMs belongs to Latency faults only');
    if (kind === 'Drop' && serverId !== undefined) throw bad('Drop applies to a whole UDP listener (no ServerId)');
    const limit = count(o);
    const id = this.o.ids.next('fault-', 16);
    this.dp.set(id, {
      FaultId: id,
      Target: { LoadBalancerId: lb, ListenerPort: port, ...(serverId !== undefined ? { ServerId: serverId } : {}) },
      Fault: kind as DataPlaneFaultKind,
      ...(delayMs !== undefined ? { DelayMs: delayMs } : {}),
      Probability: probability(o),
      ...(limit !== undefined ? { Count: limit } : {}),
      Fired: 0,
    });
    this.pushDataPlane();
    return id;
  }

  /** Hands the data-plane rules to the data plane again (after it started). */
  resync(): void {
    this.pushDataPlane();
  }

  /** The data-plane rules as the data plane takes them (remaining counts). */
  private pushDataPlane(): void {
    const fired = this.o.dataPlaneFired?.() ?? new Map<string, number>();
    const rules: DataPlaneFaultRule[] = [...this.dp.values()].map((v) => {
      const left = v.Count === undefined ? undefined : Math.max(0, v.Count - (fired.get(v.FaultId) ?? 0));
      return {
        faultId: v.FaultId,
        loadBalancerId: v.Target.LoadBalancerId,
        listenerPort: v.Target.ListenerPort,
        ...(v.Target.ServerId !== undefined ? { serverId: v.Target.ServerId } : {}),
        kind: v.Fault,
        ...(v.DelayMs !== undefined ? { delayMs: v.DelayMs } : {}),
        probability: v.Probability,
        ...(left !== undefined ? { count: left } : {}),
      };
    });
    this.o.onDataPlaneRules?.(rules);
  }

  list(): FaultView[] {
    const fired = this.o.dataPlaneFired?.() ?? new Map<string, number>();
    return [
      ...[...this.api.values()].map((r): FaultView => ({ ...r.view, ...(r.limit !== undefined ? { Remaining: r.limit - r.view.Fired } : {}) })),
      ...[...this.dp.values()].map((v): FaultView => {
        const n = fired.get(v.FaultId) ?? 0;
        return { ...v, Fired: n, ...(v.Count !== undefined ? { Remaining: Math.max(0, v.Count - n) } : {}) };
      }),
    ];
  }

  get(id: string): FaultView | undefined {
    return this.list().find((f) => f.FaultId === id);
  }

  remove(id: string): boolean {
    if (this.api.delete(id)) {
      this.release(id);
      return true;
    }
    if (this.dp.delete(id)) {
      this.pushDataPlane();
      return true;
    }
    return false;
  }

  clear(): number {
    const n = this.api.size + this.dp.size;
    this.api.clear();
    for (const id of [...this.waiting.keys()]) this.release(id);
    const hadDp = this.dp.size > 0;
    this.dp.clear();
    if (hadDp) this.pushDataPlane();
    return n;
  }

  get size(): number {
    return this.api.size + this.dp.size;
  }

  /**
   * Consulted by the gateway after authorization, before the action: waits for every matching
   * delay rule that fires, then throws the first matching error rule that fires. Rules are tried
   * in the order they were added; a rule whose Count is used up no longer matches.
   */
  async beforeAction(c: CallFacts): Promise<void> {
    if (this.api.size === 0) return;
    let wait = 0;
    let waitFor: string | undefined;
    let error: ApiError | undefined;
    for (const r of this.api.values()) {
      const v = r.view;
      if (v.Product !== undefined && v.Product !== c.product) continue;
      if (v.Action !== undefined && v.Action !== c.action) continue;
      if (v.AccountId !== undefined && v.AccountId !== c.accountId) continue;
      if (v.RegionId !== undefined && v.RegionId !== c.regionId) continue;
      if (r.limit !== undefined && v.Fired >= r.limit) continue;
      if (r.entry && error) continue; // one error per call: later error rules do not fire
      if (v.Probability < 1 && this.random() >= v.Probability) continue;
      v.Fired++;
      this.o.onFired?.(r.entry ? 'api' : 'delay');
      if (v.DelayMs && v.DelayMs > wait) {
        wait = v.DelayMs;
        waitFor = v.FaultId;
      }
      if (r.entry) error = new ApiError(r.entry);
    }
    if (wait > 0 && waitFor) await this.delay(waitFor, wait);
    if (error) throw error;
  }

  /** Waits `ms`, or less if the rule is removed meanwhile (so a suite's cleanup never hangs). */
  private async delay(id: string, ms: number): Promise<void> {
    let done!: () => void;
    const released = new Promise<void>((r) => (done = r));
    const set = this.waiting.get(id) ?? new Set();
    this.waiting.set(id, set.add(done));
    try {
      await Promise.race([this.sleep(ms), released]);
    } finally {
      set.delete(done);
      if (!set.size) this.waiting.delete(id);
    }
  }

  private release(id: string): void {
    for (const r of this.waiting.get(id) ?? []) r();
    this.waiting.delete(id);
  }
}
