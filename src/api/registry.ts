// The action table: one entry per SLB action, with its parameter error choices and its handler.
import type { ApiError } from '../errors/catalog.js';
import type { Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import type { Store } from '../state/store.js';
import type { ActionName, ActionParams } from './params.generated.js';
import type { ParamErrors } from './spec.js';

export interface Caller {
  /** the account the action runs in (every resource is scoped by it) */
  accountId: string;
  accessKeyId: string;
  /** set when the AccessKey is a RAM user's (docs/accounts-and-ram.md) */
  userName?: string;
  /** set for STS credentials of an assumed role */
  role?: { roleName: string; sessionName: string; principal: string; policy?: string };
  /** set when a reseller acts for an account it manages (ResourceOwnerId/ResourceOwnerAccount) */
  actingFor?: string;
}

/** What a handler gets besides its parameters. No HTTP, no sockets. */
export interface Ctx {
  caller: Caller;
  requestId: string;
  clock: Clock;
  ids: IdGenerator;
  store: Store;
  /** Accept-Language style preference for localized names, from AcceptLanguage. */
  language?: string;
  /** how the client reached this server (the Location product answers it as the endpoint) */
  endpoint?: { scheme: 'http' | 'https'; host: string };
}

export type Result = Record<string, unknown>;

export interface ActionDef<N extends ActionName = ActionName> {
  name: N;
  errors?: Partial<Record<keyof ActionParams[N] & string, ParamErrors>> & Record<string, ParamErrors>;
  handler(ctx: Ctx, p: ActionParams[N]): Promise<Result>;
}

const table = new Map<string, ActionDef>();

export function defineAction<N extends ActionName>(def: ActionDef<N>): ActionDef<N> {
  table.set(def.name, def as unknown as ActionDef);
  return def;
}

export function getAction(name: string): ActionDef | undefined {
  return table.get(name);
}

export function implementedActions(): string[] {
  return [...table.keys()].sort();
}

export type { ApiError };
