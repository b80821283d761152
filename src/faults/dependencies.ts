// Dependency outages (docs/faults.md): the services the real SLB control plane depends on, each
// switchable up / down / flaky through the operator API. An API call fails only when it needs a
// dependency that is not up, and then answers what the real service answers in that situation
// (one seed row per failure; docs/errors.md maps them):
//  * vpc              — VPC and vSwitch records (the call reads a `vpc` or `vswitch` document);
//  * ecs              — instance records (backend validation and lookups read `instance` documents);
//  * order            — the commerce/order system (the call reads a commerce document);
//  * service-registry — resolving the SLB service itself: every SLB action;
//  * internal-invoke  — the internal call that pushes a configuration change to the load
//                       balancer's backend: every action that changes something;
//  * store            — the database: every action.
// Authentication and authorization never depend on these (they run first, on the store directly),
// and the data plane keeps serving: an outage is a control-plane event, as in the real service.
import { apiError, type ApiError } from '../errors/catalog.js';
import type { Change, DocRef, DocSelector, QueryRef, Query, QueryScope, Scope, Store, StoredDocument, Tx } from '../state/store.js';
import { FaultInputError } from './rules.js';

export const DEPENDENCIES = ['vpc', 'ecs', 'order', 'service-registry', 'internal-invoke', 'store'] as const;
export type DependencyName = (typeof DEPENDENCIES)[number];
export type DependencyState = 'up' | 'down' | 'flaky';

/** How a dependency fails: `Failure` names one of these; the first is the default. */
export const FAILURES: Record<DependencyName, Record<string, () => ApiError>> = {
  vpc: {
    error: () => apiError('ServiceUnavailable', 'Vpc Service error.'),
    'region-unsupported': () => apiError('ServiceUnavailable', 'The specified region not support VPC.'),
  },
  ecs: {
    error: () => apiError('InternalError', 'Query ecs info fail.'),
    'invalid-instance': () => apiError('ServiceUnavailable', 'The cloud instance id is invaild.'),
    'instance-unavailable': () => apiError('InvalidParameter', 'The Instance is Not Available.'),
  },
  order: {
    error: () => apiError('InvalidParameter', 'The request has failed due to a temporary failure of the server.'),
  },
  'service-registry': {
    error: () => apiError('ServiceUnavailable', 'Illegal Service.'),
    exception: () => apiError('ServiceUnavailable', 'System exception.'),
  },
  // The internal call carries its own signature, timestamp, format and credential ("idkp"); the
  // receiving side also checks the configuration it is handed against the network stack
  // (tunnels, VGW addresses, LVS gateways, service units). Each check has its answer.
  'internal-invoke': {
    error: () => apiError('InternalInvokeError', 'The internal invoking has failed.'),
    unknown: () => apiError('InternalInvokeError', 'The internal invoking has failed due to unknow error.'),
    sign: () => apiError('InternalError', 'Illegal sign.'),
    timestamp: () => apiError('InternalError', 'Illegal timestamp.'),
    format: () => apiError('InternalError', 'Illegal format.'),
    'sign-type': () => apiError('InternalError', 'Illegal sign type.'),
    idkp: () => apiError('InternalError', 'Illegal aliyun idkp.'),
    'field-check': () => apiError('PARAMETER_FIELD_ERROR', 'The specified param is invalid.'),
    'invalid-parameter': () => apiError('InvalidParameter', 'Invalid parameter in the request.'),
    'user-id': () => apiError('InvalidParameter', 'User ID is null'),
    'lb-type': () => apiError('InvalidParameter', 'The specified parameter: lb_type is not valid.'),
    mode: () => apiError('InvalidParameter', 'The specified parameter: mode is not valid..'),
    'rs-list': () => apiError('InvalidParameter', 'The RsList is illegal.'),
    type: () => apiError('InvalidParameter', 'The type is invalid.'),
    'resource-status': () => apiError('InvalidParameter', 'The resource status is invalid.'),
    tunnel: () => apiError('InvalidParameter', 'The Tunnel id is invalid.'),
    'app-id': () => apiError('InvalidParameter', 'The App id is invalid.'),
    'vgw-ip-empty': () => apiError('InvalidParameter', 'The Vgw ip is empty.'),
    'vgw-ip-unsupported': () => apiError('InvalidParameter', 'The vgw ip is not support.'),
    'service-unit': () => apiError('InvalidParameter', 'The serviceUnit and eip is not match.'),
    'lvsgw-vip': () => apiError('InvalidParameter', 'The lvsgw vip is same.'),
    unsupported: () => apiError('UnsupportedOperation', "The Loadbalancer doesn't support this function."),
  },
  store: {
    error: () => apiError('InternalError', 'The request processing has failed due to backend service exception.'),
    temporary: () => apiError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server now.'),
    busy: () => apiError('OperationBusy', 'A previous operation is pending.'),
  },
};

/** Which dependency a store document kind belongs to (kinds not listed belong to SLB itself). */
const KIND_DEPENDENCY: Record<string, DependencyName> = {
  vpc: 'vpc',
  vswitch: 'vpc',
  instance: 'ecs',
  securityGroup: 'ecs',
  eip: 'vpc',
  commerceAccount: 'order',
  commerceBill: 'order',
  commerceOrder: 'order',
  commercePricing: 'order',
  commerceSettings: 'order',
  commerceSubscription: 'order',
};

export interface DependencyView {
  Name: DependencyName;
  State: DependencyState;
  /** flaky: the chance that one use fails */
  Probability?: number;
  Failure: string;
  /** the answer a failing use gives */
  Answer: { HttpStatus: number; Code: string; Message: string };
  /** how many uses failed since the state was set */
  Failed: number;
}

interface Entry {
  state: DependencyState;
  probability: number;
  failure: string;
  failed: number;
}

const bad = (message: string) => new FaultInputError(400, 'InvalidDependencyState', message);

export class Dependencies {
  private map = new Map<DependencyName, Entry>();
  /** true while any dependency is not up (the fast path skips everything otherwise) */
  private anyDown = false;

  constructor(
    private random: () => number = Math.random,
    private onFailed?: (name: DependencyName) => void,
  ) {
    for (const n of DEPENDENCIES) this.map.set(n, { state: 'up', probability: 1, failure: Object.keys(FAILURES[n])[0]!, failed: 0 });
  }

  static isName(n: string): n is DependencyName {
    return (DEPENDENCIES as readonly string[]).includes(n);
  }

  /** PUT /_openslb/dependencies/{name}: {"State", "Probability"?, "Failure"?}. Nothing changes on error. */
  set(name: string, input: unknown): DependencyView {
    if (!Dependencies.isName(name)) throw new FaultInputError(404, 'DependencyNotFound', `no dependency ${name}; they are ${DEPENDENCIES.join(', ')}`);
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad('the body is a JSON object {"State": "up" | "down" | "flaky", "Probability"?, "Failure"?}');
    const o = input as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['State', 'Probability', 'Failure'].includes(k)) throw bad(`unknown field ${k}`);
    const state = o['State'];
    if (state !== 'up' && state !== 'down' && state !== 'flaky') throw bad('State must be "up", "down" or "flaky"');
    const p = o['Probability'];
    if (p !== undefined && (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 1)) throw bad('Probability must be a number from 0 to 1');
    if (p !== undefined && state !== 'flaky') throw bad('Probability belongs to the flaky state');
    const failures = Object.keys(FAILURES[name]);
    const f = o['Failure'];
    if (f !== undefined && (typeof f !== 'string' || !failures.includes(f))) throw bad(`Failure of ${name} must be one of ${failures.join(', ')}`);
    this.map.set(name, { state, probability: state === 'flaky' ? ((p as number | undefined) ?? 0.5) : state === 'down' ? 1 : 0, failure: (f as string | undefined) ?? failures[0]!, failed: 0 });
    this.anyDown = [...this.map.values()].some((e) => e.state !== 'up');
    return this.view(name);
  }

  /** Every dependency back up. */
  reset(): void {
    for (const n of DEPENDENCIES) this.set(n, { State: 'up' });
  }

  view(name: DependencyName): DependencyView {
    const e = this.map.get(name)!;
    const err = FAILURES[name][e.failure]!();
    return {
      Name: name,
      State: e.state,
      ...(e.state === 'flaky' ? { Probability: e.probability } : {}),
      Failure: e.failure,
      Answer: { HttpStatus: err.http, Code: err.code, Message: err.text },
      Failed: e.failed,
    };
  }

  list(): DependencyView[] {
    return DEPENDENCIES.map((n) => this.view(n));
  }

  get healthy(): boolean {
    return !this.anyDown;
  }

  /**
   * A call to a product that is itself a dependency (the VPC and ECS APIs this server also serves):
   * when that dependency is down, the product's own actions fail as the real product does when
   * unavailable — `answer` is the product's entry for it. Counted like any failed use.
   */
  useProduct(code: string, answer: () => ApiError): void {
    if (this.anyDown && Dependencies.isName(code) && this.failsNow(code)) throw answer();
  }

  /** Throws the dependency's answer when this use of it fails. */
  use(name: DependencyName): void {
    if (this.anyDown && this.failsNow(name)) throw FAILURES[name][this.map.get(name)!.failure]!();
  }

  /** Whether this use of a dependency fails (down, or flaky and the draw says so); counts it. */
  private failsNow(name: DependencyName): boolean {
    const e = this.map.get(name)!;
    if (e.state === 'up') return false;
    if (e.state === 'flaky' && this.random() >= e.probability) return false;
    e.failed++;
    this.onFailed?.(name);
    return true;
  }

  /**
   * The store as an action sees it: every transaction uses `store`, and each document kind that
   * belongs to a dependency uses that dependency when the action touches it. The same object when
   * everything is up, so the common path costs nothing.
   */
  storeFor(store: Store): Store {
    if (!this.anyDown) return store;
    const guardTx = (tx: Tx): Tx => {
      const need = (kind: string) => {
        const d = KIND_DEPENDENCY[kind];
        if (d) this.use(d);
      };
      return {
        get: <T>(kind: string, scope: Scope, id: string) => (need(kind), tx.get<T>(kind, scope, id)),
        // only a hint: documents of a kind behind a dependency are left to their get(), which decides
        prefetch: (refs: readonly (DocRef | QueryRef)[]) => tx.prefetch(refs.filter((r) => !KIND_DEPENDENCY[r.kind])),
        list: <T>(kind: string, scope: Scope) => (need(kind), tx.list<T>(kind, scope)),
        query: <T>(kind: string, scope: QueryScope, q?: Query) => (need(kind), tx.query<T>(kind, scope, q)),
        count: (kind: string, scope: QueryScope, q?: Query) => (need(kind), tx.count(kind, scope, q)),
        listAccount: <T>(kind: string, account: string) => (need(kind), tx.listAccount<T>(kind, account)),
        find: <T>(kind: string, account: string, id: string) => (need(kind), tx.find<T>(kind, account, id)),
        put: <T>(kind: string, scope: Scope, id: string, doc: T) => (need(kind), tx.put<T>(kind, scope, id, doc)),
        delete: (kind: string, scope: Scope, id: string) => (need(kind), tx.delete(kind, scope, id)),
        // bulk operations (reset, export, import): the kinds they name
        deleteWhere: (sel: DocSelector) => (sel.kinds?.forEach(need), tx.deleteWhere(sel)),
        insertMany: (docs: readonly StoredDocument[]) => (new Set(docs.map((d) => d.kind)).forEach(need), tx.insertMany(docs)),
        forEach: (sel: DocSelector, fn: (d: StoredDocument) => void | Promise<void>) => (sel.kinds?.forEach(need), tx.forEach(sel, fn)),
      };
    };
    return {
      read: <T>(fn: (tx: Tx) => Promise<T>) => {
        this.use('store');
        return store.read((tx) => fn(guardTx(tx)));
      },
      write: <T>(fn: (tx: Tx) => Promise<T>) => {
        this.use('store');
        return store.write((tx) => fn(guardTx(tx)));
      },
      onChange: (l: (c: Change) => void) => store.onChange(l),
      close: () => store.close(),
    };
  }
}
