// Starts a real OpenSLB server on 127.0.0.1:0 with a fresh data dir, and builds the two real npm
// clients pointed at it. Every API test goes through these.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import RPCClient from '@alicloud/pop-core';
import OpenApi, { Config, OpenApiRequest, Params } from '@alicloud/openapi-client';
import OpenApiUtil from '@alicloud/openapi-util';
import { RuntimeOptions } from '@alicloud/tea-util';
import { startServer, type RunningServer, type ServerConfig } from '../../src/server.js';
import { createSchema, dropSchema, PG_URL, schemaFor, urlWithSchema } from './postgres.js';

export const AK = { id: 'LTAItestAccessKey0001', secret: 'testSecretValue0001' };

export interface TestServer extends RunningServer {
  dataDir: string;
  port: number;
  /** pop-core (signature V1). `method: 'POST'` puts everything in the form body. */
  pop(opts?: { accessKeyId?: string; accessKeySecret?: string }): RPCClient;
  /** openapi-client callApi (signature V3 by default, V1 with signatureAlgorithm 'v2'). */
  v3(action: string, params?: Record<string, unknown>, opts?: { accessKeyId?: string; accessKeySecret?: string; signatureAlgorithm?: string; /** raw XML text in `body` (sends Format=XML) */ xml?: boolean; /** the product's API version (default SLB's 2014-05-15) */ version?: string }): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  /** pop-core request, JSON, GET by default. */
  call(action: string, params?: Record<string, unknown>, opts?: { method?: 'GET' | 'POST' }): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startTestServer(cfg: Partial<ServerConfig> & { dataDir?: string; keepDir?: boolean } = {}): Promise<TestServer> {
  const dataDir = cfg.dataDir ?? mkdtempSync(join(tmpdir(), 'openslb-test-'));
  // OPENSLB_TEST_ALL_ON_PG=1 (with OPENSLB_TEST_PG_URL): every test server on PostgreSQL, in a schema
  // named after its data dir, so a restart on the same dir finds its state (docs/storage.md)
  const pgSchema = process.env['OPENSLB_TEST_ALL_ON_PG'] === '1' && PG_URL && !cfg.storeUrl ? schemaFor(dataDir) : undefined;
  if (pgSchema) await createSchema(pgSchema);
  const storeUrl = pgSchema ? urlWithSchema(PG_URL!, pgSchema) : cfg.storeUrl;
  let s: RunningServer;
  try {
    s = await startServer({ listen: { host: '127.0.0.1', port: 0 }, accessKey: AK, logLevel: 'silent', ...cfg, storeUrl, dataDir });
  } catch (e) {
    // a server that failed to start (tests of refused configurations) leaves no temp dir behind
    if (!cfg.keepDir && !cfg.dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (pgSchema && !cfg.keepDir) await dropSchema(pgSchema).catch(() => undefined);
    throw e;
  }
  const port = Number(new URL(s.url).port);
  const pop = (o: { accessKeyId?: string; accessKeySecret?: string } = {}) =>
    new RPCClient({ accessKeyId: o.accessKeyId ?? AK.id, accessKeySecret: o.accessKeySecret ?? AK.secret, endpoint: s.url, apiVersion: '2014-05-15', opts: { timeout: 30_000 } });
  const v3: TestServer['v3'] = async (action, params = {}, o = {}) => {
    const config = new Config({
      accessKeyId: o.accessKeyId ?? AK.id,
      accessKeySecret: o.accessKeySecret ?? AK.secret,
      endpoint: `127.0.0.1:${port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      readTimeout: 30_000,
      connectTimeout: 30_000,
      ...(o.signatureAlgorithm ? { signatureAlgorithm: o.signatureAlgorithm } : {}),
    });
    const client = new OpenApi.default(config);
    const p = new Params({ action, version: o.version ?? '2014-05-15', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: o.xml ? 'string' : 'json' });
    // openapi-client never asks for XML by itself (it sends `accept: application/json` and no
    // Format); bodyType 'string' only hands back the raw text. So `xml: true` also sends
    // Format=XML unless the caller chose a Format.
    const query = o.xml && !Object.keys(params).some((k) => k.toLowerCase() === 'format') ? { ...params, Format: 'XML' } : params;
    const req = new OpenApiRequest({ query: OpenApiUtil.default.query(query) });
    return (await client.callApi(p, req, new RuntimeOptions({}))) as { statusCode: number; body: Record<string, unknown> };
  };
  return {
    ...s,
    dataDir,
    port,
    pop,
    v3,
    call: (action, params = {}, o = {}) => pop().request(action, params, { method: o.method ?? 'GET' }) as Promise<Record<string, unknown>>,
    async stop() {
      await s.close();
      if (!cfg.keepDir) rmSync(dataDir, { recursive: true, force: true });
      if (pgSchema && !cfg.keepDir) await dropSchema(pgSchema);
    },
  };
}

/** Runs `fn` and returns the error it throws (fails when it does not throw). */
export async function rejects(fn: () => Promise<unknown>): Promise<{ code: string; statusCode?: number; data: Record<string, unknown>; message: string }> {
  try {
    await fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}
