// The action table: one entry per SLB action, with its parameter error choices and its handler.
import type { ApiError } from '../../errors/catalog.js';
import type { ActionName, ActionParams } from './params.generated.js';
import type { ParamErrors } from '../../api/spec.js';

export type { Caller, Ctx } from '../../world/request.js';
import type { Ctx } from '../../world/request.js';

export type { Result } from '../../world/request.js';
import type { Result } from '../../world/request.js';

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
