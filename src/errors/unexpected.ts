// What the API answers for a failure that is not a catalog error: the store could not serialize a
// write, or could not be reached. The real service answers these situations with seed rows of its
// own, so clients retry where they should (docs/errors.md):
//  * the store gave up on a write that kept conflicting with concurrent ones (PostgreSQL
//    serialization failure or deadlock after its retries, 40001 / 40P01 / lock not available
//    55P03; SQLite busy or locked past its busy timeout): OperationBusy "A previous operation is
//    pending." (seed row 3) — a code Terraform's SLB "busy" set retries;
//  * the store cannot be reached or refused the session (connection errors, PostgreSQL classes 08
//    connection exception, 53 insufficient resources, 57P operator intervention): InternalError
//    "The request processing has failed due to backend service exception." (seed row 131);
//  * anything else: InternalError "…due to some unknown error." (gateway).
import { apiError, type ApiError } from './catalog.js';

const BUSY_SQLSTATE = new Set(['40001', '40P01', '55P03']);
const NET_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// pg / pg-pool failures that carry no code
const NET_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i;

function codeOf(e: unknown): string {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : '';
}

/** Whether `e` (or its cause) is the store giving up on a conflicting write. */
export function isStoreBusy(e: unknown): boolean {
  const c = codeOf(e);
  if (BUSY_SQLSTATE.has(c) || /^SQLITE_(BUSY|LOCKED)/.test(c)) return true;
  const cause = (e as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== e ? isStoreBusy(cause) : false;
}

/** Whether `e` (or its cause) is the store being unreachable or refusing service. */
export function isStoreUnavailable(e: unknown): boolean {
  const c = codeOf(e);
  if (NET_ERRNO.has(c) || /^(08|53)[0-9A-Z]{3}$/.test(c) || /^57P0[1-4]$/.test(c)) return true;
  if (e instanceof Error && !c && NET_MESSAGE.test(e.message)) return true;
  const cause = (e as { cause?: unknown } | null)?.cause;
  return cause !== undefined && cause !== e ? isStoreUnavailable(cause) : false;
}

export function unexpectedError(e: unknown): ApiError {
  if (isStoreBusy(e)) return apiError('OperationBusy', 'A previous operation is pending.');
  if (isStoreUnavailable(e)) return apiError('InternalError', 'The request processing has failed due to backend service exception.');
  return apiError('InternalError', 'The request processing has failed due to some unknown error.');
}
