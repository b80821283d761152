// The RPC wire: parameters, signatures, replay and time checks, AccessKey → account, envelopes.
// It knows nothing about load balancers: it hands typed parameters to the action table.
import { ApiError, anchorOf, apiError, recordEmitted } from '../errors/catalog.js';
import { unexpectedError } from '../errors/unexpected.js';
import type { Caller, Ctx } from '../world/request.js';
import { parseParams } from '../api/spec.js';
import { shapeResponse } from '../api/shape.js';
import type { Clock } from '../util/clock.js';
import { requestIdOf, type IdGenerator } from '../util/ids.js';
import type { Store } from '../state/store.js';
import type { Account, KeyResolver } from '../world/accounts.js';
import { admit, authorizeAction } from './authorize.js';
import { parseForm } from './encoding.js';
import { renderError, renderSuccess, type Format, type Rendered } from './envelope.js';
import { NonceCache, TokenBuckets, WINDOW_MS, type NonceGuard } from './guards.js';
import { parseV3Authorization, safeEqual, v1Sign, v1StringToSign, v3Sign, v3StringToSign } from './signature.js';
import type { FaultRules } from '../faults/rules.js';
import { productByVersion } from '../products/index.js';
import type { Dependencies } from '../faults/dependencies.js';
import type { ServerMetrics } from '../metrics/registry.js';
import { WriteTurns } from './turns.js';

export const API_VERSION = '2014-05-15';

export interface GatewayOptions {
  store: Store;
  keys: KeyResolver;
  clock: Clock;
  /**
   * Time of the wire checks: the signature timestamp window, nonces and throttling. Default: clock.
   * The server gives it the real time while `clock` may be frozen or moved (docs/determinism.md).
   */
  wallClock?: Clock;
  ids: IdGenerator;
  /** requests per second per account (Throttling.User); unset = no limit */
  userRateLimit?: number;
  /** requests per second per action and account (Throttling.Api); unset = no limit */
  apiRateLimit?: number;
  log?: (obj: Record<string, unknown>, msg: string) => void;
  /** replay protection; default: this process's memory (NonceCache) */
  nonces?: NonceGuard;
  /** injected errors and delays (docs/faults.md) */
  faults?: FaultRules;
  /** dependency outages (docs/faults.md) */
  dependencies?: Dependencies;
  /** calls handled at once before further ones are shed with 449 SystemBusy; unset/0 = no limit */
  maxInflight?: number;
  metrics?: ServerMetrics;
}

export interface RawRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  scheme: 'http' | 'https';
  /** the peer's address (acs:SourceIp in RAM conditions) */
  remoteAddress?: string;
}

export interface GatewayResponse extends Rendered {
  requestId: string;
  action?: string;
  /** the product the call went to, once its version was known */
  product?: string;
  code?: string;
}

const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;

export function parseTimestamp(s: string): number | undefined {
  const m = TIMESTAMP_RE.exec(s);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  if (Number.isNaN(t)) return undefined;
  // reject values Date.parse silently rolls over (e.g. 2024-02-31)
  const d = new Date(t);
  if (d.getUTCDate() !== Number(m[3]) || d.getUTCHours() !== Number(m[4])) return undefined;
  return t;
}

interface Identity {
  secret: string;
  account: Account | undefined;
  caller: Caller;
}

/** Describe… and List… actions change nothing (every product here) */
const isRead = (action: string): boolean => action.startsWith('Describe') || action.startsWith('List');

const header = (h: RawRequest['headers'], n: string): string | undefined => {
  const v = h[n];
  return Array.isArray(v) ? v[0] : v;
};

export class Gateway {
  private nonces: NonceGuard;
  private userBuckets?: TokenBuckets;
  private apiBuckets?: TokenBuckets;
  private inflight = 0;
  /** writes are admitted one per event-loop turn: reads never queue behind them (turns.ts) */
  private writeTurns = new WriteTurns();
  /** see GatewayOptions.maxInflight; changed at run time by the operator API */
  maxInflight: number;

  constructor(private o: GatewayOptions) {
    this.maxInflight = o.maxInflight ?? 0;
    const wall = o.wallClock ?? o.clock;
    this.nonces = o.nonces ?? new NonceCache(wall);
    if (o.userRateLimit) this.userBuckets = new TokenBuckets(o.userRateLimit, wall);
    if (o.apiRateLimit) this.apiBuckets = new TokenBuckets(o.apiRateLimit, wall);
  }

  /** calls being handled now */
  get inFlight(): number {
    return this.inflight;
  }

  async handle(req: RawRequest): Promise<GatewayResponse> {
    const m = this.o.metrics;
    const started = m ? performance.now() : 0;
    this.inflight++;
    m?.apiInflight.inc();
    let out: GatewayResponse | undefined;
    try {
      out = await this.handleCall(req);
      return out;
    } finally {
      this.inflight--;
      if (m) {
        m.apiInflight.dec();
        const product = out?.product ?? 'unknown';
        const action = out?.product && out.action ? out.action : 'unknown';
        m.apiRequests.inc({ product, action, code: out?.code ?? 'Success' });
        m.apiDuration.observe({ product, action }, (performance.now() - started) / 1000);
      }
    }
  }

  private async handleCall(req: RawRequest): Promise<GatewayResponse> {
    const requestId = requestIdOf(this.o.ids);
    let format: Format = 'JSON';
    let action: string | undefined;
    let productCode: string | undefined;
    try {
      const qIndex = req.url.indexOf('?');
      const path = qIndex >= 0 ? req.url.slice(0, qIndex) : req.url;
      const query = qIndex >= 0 ? parseForm(req.url.slice(qIndex + 1)) : {};
      const params: Record<string, string> = { ...query };
      const ctype = (header(req.headers, 'content-type') ?? '').toLowerCase();
      if (req.body.length && ctype.startsWith('application/x-www-form-urlencoded')) {
        parseForm(req.body.toString('utf8'), params);
      }
      const auth = header(req.headers, 'authorization');
      const isV3 = auth !== undefined && /^ACS3-/i.test(auth.trim());
      action = isV3 ? (header(req.headers, 'x-acs-action') ?? params['Action']) : params['Action'];
      const version = isV3 ? (header(req.headers, 'x-acs-version') ?? params['Version']) : params['Version'];

      const fmt = params['Format'];
      if (fmt !== undefined) {
        const f = fmt.toUpperCase();
        if (f === 'JSON' || f === 'XML') format = f;
      } else if (isV3 && /xml/i.test(header(req.headers, 'accept') ?? '')) {
        format = 'XML';
      }

      // Check order (docs/protocol.md §2): method → path → Action/Version → Format → signature
      // material → method/version of the signature → timestamp → STS token → AccessKey → signature →
      // nonce → throttling → action implemented → parameters.
      if (req.method !== 'GET' && req.method !== 'POST') throw apiError('UnsupportedHTTPMethod');
      if (path !== '/') throw apiError('InvalidAction.NotFound');
      if (!action) throw this.missing('Action');
      if (!version) throw this.missing('Version');
      // the product is chosen by the version (docs/products.md)
      const product = productByVersion(version);
      if (!product) throw apiError('InvalidVersion');
      const spec = product.specs[action];
      if (!spec) throw apiError('InvalidAction.NotFound');
      productCode = product.code;
      if (fmt !== undefined && !/^(json|xml)$/i.test(fmt)) throw apiError('InvalidParameter.Format');
      // Overload: shed at once, before any work that costs (signature, store), instead of queueing.
      if (this.maxInflight > 0 && this.inflight > this.maxInflight) {
        this.o.metrics?.apiShed.inc();
        throw apiError('SystemBusy', 'The system is busy.');
      }

      const who = isV3 ? await this.verifyV3(req, auth!, path, query) : await this.verifyV1(req, params);

      if (this.userBuckets && !this.userBuckets.take(who.caller.accountId)) throw apiError('Throttling.User');
      if (this.apiBuckets && !this.apiBuckets.take(`${who.caller.accountId}\u0000${action}`)) throw apiError('Throttling.Api');

      const def = product.action(action);
      if (!def) throw apiError('UnsupportedOperation', 'The specified action is not supported.');
      // identity parameters, UserNotAllowed, the RAM identity's state (docs/accounts-and-ram.md)
      const admitted = await admit(this.o.store, who.caller, who.account, action, params);
      const typed = parseParams(action, params, def.errors ?? {}, spec);
      if (admitted.grant) {
        await authorizeAction(
          this.o.store,
          admitted.caller,
          admitted.grant,
          action,
          typed,
          { sourceIp: req.remoteAddress, secureTransport: req.scheme === 'https', now: this.o.clock.now() },
          product.code,
        );
      }
      // Injected faults and dependency outages (docs/faults.md): after authentication and
      // authorization, before the action, so nothing is stored.
      await this.o.faults?.beforeAction({ product: product.code, action, accountId: admitted.caller.accountId, regionId: params['RegionId'] });
      const deps = this.o.dependencies;
      if (deps && !deps.healthy) {
        if (product.unavailable) deps.useProduct(product.code, product.unavailable);
        if (product.code === 'slb') {
          deps.use('service-registry');
          if (!isRead(action)) deps.use('internal-invoke');
        }
      }
      if (!isRead(action)) await this.writeTurns.next();
      const ctx: Ctx = {
        caller: admitted.caller,
        requestId,
        clock: this.o.clock,
        ids: this.o.ids,
        store: deps ? deps.storeFor(this.o.store) : this.o.store,
        language: params['AcceptLanguage'],
        endpoint: { scheme: req.scheme, host: header(req.headers, 'host') ?? '' },
      };
      const result = await def.handler(ctx, typed);
      const shaped = shapeResponse(spec.response.fields, result);
      return { ...renderSuccess(action, requestId, shaped, format), requestId, action, product: product.code };
    } catch (e) {
      let err: ApiError;
      if (e instanceof ApiError) err = e;
      else {
        this.o.log?.({ err: e, requestId, action }, 'unexpected error while handling a request');
        // store busy → OperationBusy, store unreachable → InternalError (backend), else unknown error
        err = unexpectedError(e);
      }
      return { ...this.failure(req, err, { requestId, format, action }), product: productCode };
    }
  }

  /** The error envelope for `err` (also used by the HTTP layer for requests it rejects itself). */
  failure(req: Pick<RawRequest, 'headers' | 'scheme'>, err: ApiError, o: { requestId?: string; format?: Format; action?: string } = {}): GatewayResponse {
    const requestId = o.requestId ?? requestIdOf(this.o.ids);
    const host = header(req.headers, 'host') ?? 'localhost';
    const hostId = host.replace(/:\d+$/, '');
    recordEmitted(err.entry);
    const recommend = `${req.scheme}://${host}/error-center#${encodeURIComponent(anchorOf(err.entry))}`;
    return { ...renderError(err, requestId, hostId, recommend, o.format ?? 'JSON'), requestId, action: o.action, code: err.code };
  }

  private missing(name: string): ApiError {
    return apiError('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name });
  }

  private checkTime(ts: string): void {
    const t = parseTimestamp(ts);
    if (t === undefined) throw apiError('InvalidTimeStamp.Format');
    if (Math.abs((this.o.wallClock ?? this.o.clock).now() - t) > WINDOW_MS) throw apiError('InvalidTimeStamp.Expired');
  }

  /** The signing secret and the caller an AccessKeyId (+ STS SecurityToken) stands for. */
  private async credential(accessKeyId: string, securityToken: string | undefined): Promise<Identity> {
    if (securityToken) {
      // (an empty SecurityToken= is treated as absent, as SDKs that always send the field expect)
      // Tokens are issued by the operator API's AssumeRole (docs/accounts-and-ram.md §5).
      const s = await this.o.keys.resolveSession(accessKeyId, securityToken);
      if (!s.ok) throw apiError(s.reason === 'Malformed' ? 'InvalidSecurityToken.Malformed' : 'InvalidSecurityToken.MismatchWithAccessKey');
      if (this.o.clock.now() >= s.cred.Expiration) throw apiError('InvalidSecurityToken.Expired');
      if (!s.account || s.account.Status !== 'active') throw apiError('InvalidAccessKeyId.Inactive');
      const c = s.cred;
      return {
        secret: c.AccessKeySecret,
        account: s.account,
        caller: { accountId: c.AccountId, accessKeyId: c.AccessKeyId, role: { roleName: c.RoleName, sessionName: c.RoleSessionName, principal: c.Principal, ...(c.Policy ? { policy: c.Policy } : {}) } },
      };
    }
    const found = await this.o.keys.resolve(accessKeyId);
    if (!found) throw apiError('InvalidAccessKeyId.NotFound');
    if (found.key.Status !== 'Active' || !found.account || found.account.Status !== 'active') throw apiError('InvalidAccessKeyId.Inactive');
    const k = found.key;
    return { secret: k.AccessKeySecret, account: found.account, caller: { accountId: k.AccountId, accessKeyId: k.AccessKeyId, ...(k.UserName !== undefined ? { userName: k.UserName } : {}) } };
  }

  private async verifyV1(req: RawRequest, params: Record<string, string>) {
    for (const n of ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureNonce', 'Timestamp'] as const) {
      if (!params[n]) throw this.missing(n);
    }
    if (params['SignatureMethod'] !== 'HMAC-SHA1') throw apiError('InvalidSignatureMethod');
    if (params['SignatureVersion'] !== undefined && params['SignatureVersion'] !== '1.0') throw apiError('UnsupportedSignatureVersion');
    this.checkTime(params['Timestamp']!);
    const key = await this.credential(params['AccessKeyId']!, params['SecurityToken']);
    const sts = v1StringToSign(req.method, params);
    // base64 never holds a space: a raw `+` on the wire was decoded as one by form decoding
    if (!safeEqual(v1Sign(key.secret, sts), params['Signature']!.replace(/ /g, '+'))) {
      throw apiError('SignatureDoesNotMatch', 'Specified signature is not matched with our calculation. server string to sign is:{stringToSign}', { stringToSign: sts });
    }
    if (!(await this.nonces.use(key.caller.accessKeyId, params['SignatureNonce']!))) throw apiError('SignatureNonceUsed');
    return key;
  }

  private async verifyV3(req: RawRequest, auth: string, path: string, query: Record<string, string>) {
    const a = parseV3Authorization(auth);
    if (!a) throw apiError('IncompleteSignature');
    if (a.algorithm !== 'ACS3-HMAC-SHA256') throw apiError('InvalidSignatureMethod');
    const date = header(req.headers, 'x-acs-date');
    const nonce = header(req.headers, 'x-acs-signature-nonce');
    if (!date) throw this.missing('x-acs-date');
    if (!nonce) throw this.missing('x-acs-signature-nonce');
    // host and the x-acs-* headers that carry the request's identity must be signed; clients may
    // sign further headers (the list they declare is what is verified).
    const mustSign = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-security-token'];
    if (mustSign.some((h) => header(req.headers, h) !== undefined && !a.signedHeaders.includes(h)) || !a.signedHeaders.includes('host')) {
      throw apiError('IncompleteSignature');
    }
    this.checkTime(date);
    const key = await this.credential(a.credential, header(req.headers, 'x-acs-security-token'));
    const sts = v3StringToSign(req.method, path, query, req.headers, a.signedHeaders, req.body);
    if (!safeEqual(v3Sign(key.secret, sts), a.signature.toLowerCase())) {
      throw apiError('SignatureDoesNotMatch', 'Specified signature does not match our calculation. server StringToSign is [{stringToSign}]', { stringToSign: sts });
    }
    if (!(await this.nonces.use(key.caller.accessKeyId, nonce))) throw apiError('SignatureNonceUsed');
    return key;
  }
}

