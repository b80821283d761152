import type { Ctx } from '../../../world/request.js';
import type { Scope } from '../../../state/store.js';

/** The (account, region) a call acts in. */
export function scopeOf(ctx: Ctx, region: string): Scope {
  return { account: ctx.caller.accountId, region };
}
