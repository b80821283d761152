// Who is calling and what a handler gets besides its parameters: shared by every product's actions
// (src/api, src/products), the services below them and the RAM evaluation in src/gateway/authorize.ts.
import type { Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import type { Store } from '../state/store.js';

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


/** What an action answers, shaped by its response tree. */
export type Result = Record<string, unknown>;
