// Assembles OpenSLB: store, accounts, gateway and the HTTP(S) servers that carry the API.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { apiError } from './errors/catalog.js';
import './products/slb/actions/index.js';
import { ensureOperatorToken, loadWorldFile, registerOperatorApi } from './control/operator-api.js';
import { registerAccountsApi } from './control/accounts-api.js';
import { errorCenterHtml, errorCenterJson } from './control/error-center.js';
import { registerConsole } from './control/console-route.js';
import { Gateway, type GatewayResponse } from './gateway/gateway.js';
import { loadOrCreateKey, registerSecrets, SecretBox } from './state/secrets.js';
import { SqliteStore } from './state/sqlite-store.js';
import { openStore, sharedNonces } from './state/open-store.js';
import { GLOBAL, type Store } from './state/store.js';
import { PostgresStore } from './state/postgres-store.js';
import { isoSeconds, systemClock, type Clock } from './util/clock.js';
import { randomIds, type IdGenerator } from './util/ids.js';
import { createCA, issueLeaf } from './util/pki.js';
import { ACCOUNT, bootstrapRoot, KeyResolver, type Account } from './world/accounts.js';
import { backfillLoadBalancerTagSets } from './products/slb/services/tags.js';
import { commerceFromEnv, startCommerce } from './products/slb/services/commerce/index.js';
import { startDataPlane, type RunningDataPlane } from './compile/wiring.js';
import { registerDataPlaneApi } from './control/dataplane-api.js';
import { registerFaultsApi } from './control/faults-api.js';
import { registerMetricsRoute } from './control/metrics-api.js';
import { FaultRules } from './faults/rules.js';
import { Dependencies } from './faults/dependencies.js';
import { registerPostgresCounts, ServerMetrics } from './metrics/registry.js';
import { registerDataPlaneMetrics } from './metrics/dataplane.js';
import { openServerClock, registerClockApi } from './control/clock-api.js';
import { openSeededIds } from './util/seeded-ids.js';
import type { ServerClock } from './util/server-clock.js';
import { registerStateApi } from './control/state-api.js';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(s: string): HostPort {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(s.trim());
  if (!m || Number(m[2]) > 65535) throw new RangeError(`expected HOST:PORT, got "${s}"`);
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

export interface ServerConfig {
  // -- shared state (docs/storage.md) --
  /** postgres://… : keep state in PostgreSQL (several nodes may share it); default: SQLite in the data dir */
  storeUrl?: string;
  // --
  listen: HostPort;
  tlsListen?: HostPort;
  dataDir: string;
  accessKey?: { id: string; secret: string };
  /** the wall clock (default: the system's); resource time runs on a ServerClock over it (docs/determinism.md) */
  clock?: Clock;
  ids?: IdGenerator;
  /** reproducible resource ids and RequestIds (docs/determinism.md); ignored when `ids` is given */
  seed?: string;
  /** start with the server clock frozen: true = where it stands, else at this instant (ISO text or ms) */
  freezeClock?: true | string | number;
  logLevel?: string;
  userRateLimit?: number;
  apiRateLimit?: number;
  /** print the generated root key pair (CLI sets this) */
  onRootKeyGenerated?: (id: string, secret: string, accountId: string) => void;
  /** 32-byte key sealing secrets at rest (certificate private keys); default: DATA_DIR/secret.key, created on first start */
  secretKey?: Buffer;
  /** world file loaded at start (docs/world.md) */
  world?: string;
  /** operator API token; default: env OPENSLB_OPERATOR_TOKEN, else stored in the data dir (generated on first start) */
  operatorToken?: string;
  /** let the operator API answer non-loopback peers */
  operatorRemote?: boolean;
  /** print the generated operator token (CLI sets this) */
  onOperatorTokenGenerated?: (token: string, file: string) => void;
  /** commerce on/off (docs/commerce.md); default: env OPENSLB_COMMERCE ('on'/'off'), else what the data dir holds (on) */
  commerce?: boolean;
  /** how often expired subscriptions and past-due bills are locked (ms); 0 = only on POST /_openslb/commerce/sweep; default 60000 */
  commerceSweepMs?: number;
  /**
   * Run the data plane in this process (listeners that really move traffic; docs/dataplane.md).
   * The CLI turns it on unless `--no-dataplane`; embedders and the API tests leave it off.
   */
  dataPlane?: boolean;
  /**
   * Run the data plane in this many worker processes (docs/dataplane.md, "Worker processes"): this
   * process keeps the API, the store, the compiler and health checking. 0: no data plane. When
   * set, it wins over `dataPlane`. The CLI sets it (default: one per CPU).
   */
  dataPlaneWorkers?: number;
  /** layer-7 access logs (docs/access-logs.md), written under DATA_DIR/access-logs: rotation size (bytes), rotated files kept, flush delay (ms) */
  accessLogs?: { maxBytes?: number; keep?: number; flushMs?: number };
  /** fault rules added at start (docs/faults.md): a JSON file holding a list of rules (or {"Faults": [...]}) */
  faultsFile?: string;
  /** API calls handled at once before further ones are shed with 449 SystemBusy (0/unset: no limit) */
  maxInflight?: number;
}

export interface RunningServer {
  url: string;
  tlsUrl?: string;
  /** PEM of the CA that signed the HTTPS API certificate */
  caFile?: string;
  rootAccountId: string;
  rootKey: { id: string; secret: string };
  /** bearer token of the operator API (/_openslb/…) */
  operatorToken: string;
  store: Store;
  /** the server clock (docs/determinism.md) */
  clock: ServerClock;
  /** the data plane and its control loop, when `dataPlane` is on */
  dataPlane?: RunningDataPlane;
  /** fault rules and dependency states (also reachable through /_openslb/faults, /_openslb/dependencies) */
  faults: FaultRules;
  dependencies: Dependencies;
  metrics: ServerMetrics;
  close(): Promise<void>;
}

const MAX_HEADER = 256 * 1024; // certificate PEMs travel in the query string

// Keep idle client connections longer than the SDKs' pooled agents do: with Node's 5 s default a
// client that polls every few seconds races the server's close and sees ECONNRESET.
function withKeepAlive(server: http.Server): http.Server {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

function tlsMaterial(dataDir: string, host: string): { key: string; cert: string; caFile: string } {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const caCert = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  if (!existsSync(caCert) || !existsSync(caKey)) {
    const ca = createCA();
    writeFileSync(caKey, ca.keyPem, { mode: 0o600 });
    writeFileSync(caCert, ca.certPem);
  }
  const names = [...new Set(['localhost', '127.0.0.1', '::1', host].filter((h) => h && h !== '0.0.0.0' && h !== '::'))];
  const tag = names.join(',');
  const leafCert = join(dir, 'server.pem');
  const leafKey = join(dir, 'server-key.pem');
  const tagFile = join(dir, 'server.names');
  if (!existsSync(leafCert) || !existsSync(tagFile) || readFileSync(tagFile, 'utf8') !== tag) {
    const leaf = issueLeaf({ certPem: readFileSync(caCert, 'utf8'), keyPem: readFileSync(caKey, 'utf8') }, names);
    writeFileSync(leafKey, leaf.keyPem, { mode: 0o600 });
    writeFileSync(leafCert, leaf.certPem);
    writeFileSync(tagFile, tag);
  }
  return { key: readFileSync(leafKey, 'utf8'), cert: readFileSync(leafCert, 'utf8'), caFile: caCert };
}

function buildApp(gateway: Gateway, scheme: 'http' | 'https', factory: (h: http.RequestListener) => http.Server, logLevel: string): FastifyInstance {
  const app = Fastify({
    logger: { level: logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 8 * 1024 * 1024,
    serverFactory: (handler) => factory(handler),
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 1000 },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.get('/error-center.json', async () => errorCenterJson());
  app.get('/error-center', async (_req, reply) => reply.type('text/html; charset=utf-8').send(errorCenterHtml()));
  app.get('/healthz', async () => ({ status: 'ok' }));
  registerConsole(app);
  const send = (reply: FastifyReply, out: GatewayResponse) =>
    reply.status(out.status).header('content-type', out.contentType).header('x-acs-request-id', out.requestId).send(out.body);
  const api = async (req: FastifyRequest, reply: FastifyReply) =>
    send(
      reply,
      await gateway.handle({
        method: req.method,
        url: req.raw.url ?? '/',
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        scheme,
        remoteAddress: req.socket.remoteAddress,
      }),
    );
  app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url: '/', handler: api });
  // Any other path or method still gets an API envelope with a RequestId (InvalidAction.NotFound /
  // UnsupportedHTTPMethod), never fastify's own 404 body.
  app.setNotFoundHandler(api);
  // Requests fastify rejects before routing (bad Content-Length, body over the limit…).
  app.setErrorHandler((e: FastifyError, req, reply) => {
    const status = e.statusCode ?? 500;
    if (status >= 500) app.log.error({ err: e }, 'unexpected error in the HTTP layer');
    const err =
      status < 500
        ? apiError('InvalidParameter', 'Specified parameter is not valid.')
        : apiError('InternalError', 'The request processing has failed due to some unknown error.');
    return send(reply, gateway.failure({ headers: req.headers, scheme }, err));
  });
  return app;
}

export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const dataDir = resolve(cfg.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const wallClock = cfg.clock ?? systemClock;
  const freeze = cfg.freezeClock === undefined ? undefined : cfg.freezeClock === true ? 'now' : typeof cfg.freezeClock === 'number' ? cfg.freezeClock : Date.parse(cfg.freezeClock);
  if (typeof freeze === 'number' && !Number.isFinite(freeze)) throw new RangeError(`freezeClock: expected an ISO 8601 time, got "${String(cfg.freezeClock)}"`);
  // -- store: SQLite in the data dir, or PostgreSQL when cfg.storeUrl is set (docs/storage.md) --
  const store = cfg.storeUrl ? await openStore(cfg.storeUrl, dataDir) : new SqliteStore(join(dataDir, 'openslb.db'));
  registerSecrets(store, new SecretBox(cfg.secretKey ?? loadOrCreateKey(join(dataDir, 'secret.key'))));
  // -- determinism (docs/determinism.md): the server clock over the wall clock, seeded ids --
  const clock = await openServerClock(store, wallClock, freeze);
  const ids = cfg.ids ?? (cfg.seed !== undefined ? await openSeededIds(store, cfg.seed) : randomIds);
  // --
  const root = await bootstrapRoot(store, cfg.accessKey, isoSeconds(clock.now()), ids);
  // data dirs from before load balancer documents carried their tags (once)
  await store.write(async (tx) => backfillLoadBalancerTagSets(tx, (await tx.list<Account>(ACCOUNT, GLOBAL)).map((a) => a.AccountId)));
  if (root.generated) cfg.onRootKeyGenerated?.(root.key.AccessKeyId, root.key.AccessKeySecret, root.account.AccountId);
  const operator = ensureOperatorToken(dataDir, cfg.operatorToken ?? process.env['OPENSLB_OPERATOR_TOKEN']);
  if (operator.generated) cfg.onOperatorTokenGenerated?.(operator.token, operator.file);
  if (cfg.world) await loadWorldFile(store, cfg.world, root.account.AccountId, clock, ids).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  const sweeper = await startCommerce(store, clock, cfg.commerce ?? commerceFromEnv(), cfg.commerceSweepMs ?? 60_000);
  const keys = new KeyResolver(store);
  const logLevel = cfg.logLevel ?? 'info';
  const apps: FastifyInstance[] = [];
  const metrics = new ServerMetrics();
  if (store instanceof SqliteStore || store instanceof PostgresStore) {
    const kind = store.storeKind;
    store.observeWrites((wait, hold) => {
      metrics.storeWriteWait.observe({ store: kind }, wait);
      metrics.storeWriteHold.observe({ store: kind }, hold);
    });
  }
  if (store instanceof PostgresStore) registerPostgresCounts(metrics.registry, store);
  // data-plane rules reach the data plane once it runs (it starts after the gateway exists)
  const dp: { running?: RunningDataPlane } = {};
  registerDataPlaneMetrics(metrics.registry, () => dp.running?.plane, () => dp.running?.workers);
  // probability draws follow the seed too (docs/determinism.md)
  const draw = (stream: string) => (ids.random ? () => ids.random!(stream) : Math.random);
  const faults = new FaultRules({
    ids,
    random: draw('fault'),
    onFired: (kind) => metrics.faultsFired.inc({ kind }),
    onDataPlaneRules: (rules) => dp.running?.plane.faults.set(rules),
    dataPlaneFired: () => dp.running?.plane.faults.fired() ?? new Map(),
  });
  const dependencies = new Dependencies(draw('dependency'), (name) => metrics.dependencyFailures.inc({ dependency: name }));
  if (cfg.faultsFile) {
    try {
      loadFaultsFile(faults, cfg.faultsFile);
    } catch (e) {
      sweeper.stop();
      await store.close();
      throw e;
    }
  }
  const gateway = new Gateway({
    store,
    keys,
    clock,
    // signature timestamps, nonces and throttling: real time, whatever the server clock says
    wallClock,
    ids,
    userRateLimit: cfg.userRateLimit,
    apiRateLimit: cfg.apiRateLimit,
    log: (obj, msg) => apps[0]?.log.error(obj, msg),
    // replay protection shared through the database when nodes share one (PostgreSQL store)
    nonces: sharedNonces(store, wallClock),
    faults,
    dependencies,
    maxInflight: cfg.maxInflight,
    metrics,
  });

  const plain = buildApp(gateway, 'http', (h) => withKeepAlive(http.createServer({ maxHeaderSize: MAX_HEADER }, h)), logLevel);
  apps.push(plain);
  let tlsUrl: string | undefined;
  let caFile: string | undefined;
  let dataPlane: RunningDataPlane | undefined;
  try {
    // The data plane: compiles the store into snapshots and applies them (src/compile/wiring.ts).
    const workers = cfg.dataPlaneWorkers;
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) throw new RangeError(`dataPlaneWorkers: expected an integer ≥ 0, got ${workers}`);
    if (workers !== undefined ? workers > 0 : cfg.dataPlane) {
      dataPlane = dp.running = await startDataPlane(store, plain.log, { clock, accessLogs: { ...cfg.accessLogs, dir: join(dataDir, 'access-logs') }, ...(workers ? { workers } : {}) });
      if (faults.size) faults.resync();
    }
    // The operator API and /metrics answer on every API address (same token and loopback rule), so the
    // console's operator pages and traffic charts work over HTTPS too.
    const operatorRoutes = (app: FastifyInstance) => {
      registerOperatorApi(app, { store, clock, ids, token: operator.token, rootAccountId: root.account.AccountId, allowRemote: cfg.operatorRemote });
      registerAccountsApi(app, { store, clock, ids, token: operator.token, allowRemote: cfg.operatorRemote });
      registerClockApi(app, { store, clock, token: operator.token, allowRemote: cfg.operatorRemote, log: (obj, msg) => app.log.error(obj, msg) });
      registerFaultsApi(app, { token: operator.token, allowRemote: cfg.operatorRemote, faults, dependencies, gateway, refresh: async () => dp.running?.workers?.refresh() });
      registerMetricsRoute(app, { token: operator.token, render: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }) });
      registerDataPlaneApi(app, { token: operator.token, allowRemote: cfg.operatorRemote, dataPlane });
      registerStateApi(app, { store, token: operator.token, allowRemote: cfg.operatorRemote, dataPlane, rootAccountId: root.account.AccountId, clock, ids, world: cfg.world, commerce: cfg.commerce ?? commerceFromEnv() });
    };
    operatorRoutes(plain);
    const url = await bind(plain, cfg.listen, 'http');
    if (cfg.tlsListen) {
      const m = tlsMaterial(dataDir, cfg.tlsListen.host);
      caFile = m.caFile;
      const secure = buildApp(gateway, 'https', (h) => withKeepAlive(https.createServer({ key: m.key, cert: m.cert, maxHeaderSize: MAX_HEADER }, h) as unknown as http.Server), logLevel);
      apps.push(secure);
      operatorRoutes(secure);
      tlsUrl = await bind(secure, cfg.tlsListen, 'https');
    }
    // The one ready line: printed once every listener accepts connections.
    plain.log.info({ url, console: `${url}/console/`, ...(tlsUrl ? { tlsUrl, caFile } : {}) }, `OpenSLB API listening on ${url}${tlsUrl ? ` and ${tlsUrl} (CA: ${caFile})` : ''}`);
    return running(url);
  } catch (e) {
    sweeper.stop();
    await Promise.all(apps.map((a) => unbind(a)));
    await dataPlane?.close();
    await store.close();
    throw e;
  }

  function running(url: string): RunningServer {
    let closed = false;
    return {
      url,
      tlsUrl,
      caFile,
      rootAccountId: root.account.AccountId,
      rootKey: { id: root.key.AccessKeyId, secret: root.key.AccessKeySecret },
      operatorToken: operator.token,
      store,
      clock,
      dataPlane,
      faults,
      dependencies,
      metrics,
      async close() {
        if (closed) return;
        closed = true;
        sweeper.stop();
        faults.clear(); // calls waiting on delay rules answer now
        await Promise.all(apps.map((a) => unbind(a)));
        // after the API stops changing desired state; established connections drain
        await dataPlane?.close();
        await store.close();
      },
    };
  }
}

/** `--faults FILE`: a JSON list of rules, or {"Faults": [...]}; every rule must be valid. */
function loadFaultsFile(faults: FaultRules, file: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`--faults ${file}: ${(e as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { Faults?: unknown } | null)?.Faults;
  if (!Array.isArray(list)) throw new Error(`--faults ${file}: expected a JSON list of fault rules or {"Faults": [...]}`);
  list.forEach((r, i) => {
    try {
      faults.add(r);
    } catch (e) {
      throw new Error(`--faults ${file}: rule ${i + 1}: ${(e as Error).message}`);
    }
  });
}

const fmtAddress = (a: AddressInfo) => (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`);

/** Binds an app's server (fastify's own listen would log one line per interface, without TLS scheme). */
async function bind(app: FastifyInstance, at: HostPort, scheme: 'http' | 'https'): Promise<string> {
  await app.ready();
  await new Promise<void>((resolveListen, reject) => {
    const onError = (e: Error) => reject(e);
    app.server.once('error', onError);
    app.server.listen({ host: at.host, port: at.port }, () => {
      app.server.off('error', onError);
      resolveListen();
    });
  });
  return `${scheme}://${fmtAddress(app.server.address() as AddressInfo)}`;
}

/** Stops accepting, lets in-flight requests finish, drops idle keep-alive connections. */
async function unbind(app: FastifyInstance): Promise<void> {
  const srv = app.server;
  if (srv.listening) {
    const done = new Promise<void>((r) => srv.close(() => r()));
    srv.closeIdleConnections();
    await done;
  }
  await app.close();
}
