// The server contract as scripts and people use it: `openslb serve` as a child process, its one
// ready line, the root key pair, HTTPS with the generated CA, signals, and state across restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import RPCClient from '@alicloud/pop-core';
import { startServer } from '../../src/server.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { lookup } from '../../src/errors/catalog.js';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const READY = /^OpenSLB API listening on (http:\/\/127\.0\.0\.1:(\d+))(?: and (https:\/\/127\.0\.0\.1:(\d+)) \(CA: (.+)\))?$/;

interface Served {
  child: ChildProcess;
  out: () => string;
  url: string;
  tlsUrl?: string;
  ready: Record<string, unknown>;
  key?: { id: string; secret: string; account: string };
}

/** Spawns `node bin/openslb.mjs serve …` and resolves on its ready line (fails on early exit). */
function serve(args: string[], env: Record<string, string | undefined> = {}): Promise<Served> {
  const e: Record<string, string | undefined> = { ...process.env, OPENSLB_ACCESS_KEY_ID: undefined, OPENSLB_ACCESS_KEY_SECRET: undefined, ...env };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  const child = spawn(process.execPath, [join(root, 'bin', 'openslb.mjs'), 'serve', '--listen', '127.0.0.1:0', ...args], { cwd: root, env: e as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let done = false;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line after 30 s\nstdout:\n${out}\nstderr:\n${err}`)), 30_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openslb exited (${code}) before it was ready\nstdout:\n${out}\nstderr:\n${err}`));
    });
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (done) return;
      const ready = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => typeof l['msg'] === 'string' && (l['msg'] as string).startsWith('OpenSLB API listening on'));
      if (!ready) return;
      done = true;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const m = READY.exec(ready['msg'] as string);
      if (!m) return reject(new Error(`unexpected ready line ${String(ready['msg'])}`));
      const k = /AccessKeyId:\s+(\S+)\n\s+AccessKeySecret:\s+(\S+)/.exec(out);
      const a = /account id:\s+(\d+)/.exec(out);
      resolvePromise({ child, out: () => out, url: m[1]!, tlsUrl: m[3], ready, ...(k ? { key: { id: k[1]!, secret: k[2]!, account: a![1]! } } : {}) });
    });
  });
}

/** Sends a signal and resolves with the exit code and how long it took. */
function stop(s: Served, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
  const t0 = Date.now();
  return new Promise((r) => {
    s.child.once('exit', (code) => r({ code, ms: Date.now() - t0 }));
    s.child.kill(signal);
  });
}

const regions = async (url: string, id: string, secret: string, opts: Record<string, unknown> = {}) =>
  ((await new RPCClient({ accessKeyId: id, accessKeySecret: secret, endpoint: url, apiVersion: '2014-05-15' }).request('DescribeRegions', {}, opts)) as { Regions: { Region: unknown[] } }).Regions.Region.length;

test('openslb serve: ready line, generated key printed once, restart keeps the key, signals exit 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const first = await serve(['--data-dir', dir]);
  try {
    assert.ok(first.key, `the generated pair is printed on first start:\n${first.out()}`);
    assert.match(first.key.id, /^LTAI[A-Za-z0-9]{20}$/);
    assert.notEqual(Number(new URL(first.url).port), 0, 'the ready line carries the real port');
    assert.equal(first.ready['url'], first.url);
    assert.equal(first.ready['level'], 30);
    // the web console is on the same address, and the ready line says where
    assert.equal(first.ready['console'], `${first.url}/console/`);
    assert.equal((await fetch(`${first.url}/console/`)).status, 200);
    assert.match(first.out(), /Sign in with it to the web console at (http:\/\/127\.0\.0\.1:\d+\/console\/|\/console\/ on the API address)\n/);
    const lines = first.out().split('\n').filter((l) => l.includes('listening'));
    assert.equal(lines.length, 1, `exactly one listening line:\n${first.out()}`);
    assert.ok(first.out().indexOf('AccessKeySecret') < first.out().indexOf('OpenSLB API listening'), 'the key is printed before the ready line');
    assert.ok((await regions(first.url, first.key.id, first.key.secret)) > 0);
    // a wrong secret is refused by the child as well
    await assert.rejects(regions(first.url, first.key.id, 'wrong'), (e: Error & { code?: string }) => e.code === 'SignatureDoesNotMatch');
  } finally {
    const r = await stop(first, 'SIGTERM');
    assert.equal(r.code, 0);
    assert.ok(r.ms < 5000, `SIGTERM took ${r.ms} ms`);
    assert.match(first.out(), /openslb: stopped \(SIGTERM\)/);
  }

  const second = await serve(['--data-dir', dir]);
  try {
    assert.equal(second.key, undefined, 'the pair is printed once only');
    assert.doesNotMatch(second.out(), new RegExp(first.key!.secret));
    assert.ok((await regions(second.url, first.key!.id, first.key!.secret, { method: 'POST' })) > 0, 'the same pair works after a restart');
  } finally {
    const r = await stop(second, 'SIGINT');
    assert.equal(r.code, 0);
    assert.ok(r.ms < 5000, `SIGINT took ${r.ms} ms`);
  }
});

test('openslb serve: OPENSLB_ACCESS_KEY_ID/SECRET set the root pair; error coverage recording reaches the child', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const coverage = join(dir, 'coverage.txt');
  writeFileSync(coverage, '');
  const s = await serve(['--data-dir', join(dir, 'data')], { OPENSLB_ACCESS_KEY_ID: 'LTAIenvKey', OPENSLB_ACCESS_KEY_SECRET: 'envSecret', OPENSLB_ERROR_COVERAGE: coverage });
  try {
    assert.equal(s.key, undefined, 'nothing is generated or printed');
    assert.ok((await regions(s.url, 'LTAIenvKey', 'envSecret')) > 0);
    const e = await new RPCClient({ accessKeyId: 'LTAIenvKey', accessKeySecret: 'envSecret', endpoint: s.url, apiVersion: '2014-05-15' })
      .request('DescribeZones', { RegionId: 'mars-north-1' })
      .catch((x: Error & { code: string }) => x);
    assert.equal((e as { code: string }).code, 'InvalidRegionId.NotFound');
  } finally {
    assert.equal((await stop(s)).code, 0);
  }
  const row = lookup('InvalidRegionId.NotFound', 'The specified RegionId does not exist.')!.row!;
  assert.ok(readFileSync(coverage, 'utf8').split('\n').includes(String(row)), 'the child recorded the emitted seed row');
});

test('openslb serve --tls-listen: HTTPS with a certificate that verifies against DATA_DIR/tls/ca.pem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = await serve(['--data-dir', dir, '--tls-listen', '127.0.0.1:0'], { OPENSLB_ACCESS_KEY_ID: 'LTAItls', OPENSLB_ACCESS_KEY_SECRET: 'tlsSecret' });
  try {
    assert.ok(s.tlsUrl, `one ready line naming both listeners: ${String(s.ready['msg'])}`);
    assert.equal(s.ready['tlsUrl'], s.tlsUrl);
    const caFile = join(dir, 'tls', 'ca.pem');
    assert.equal(s.ready['caFile'], caFile);
    assert.equal(s.out().split('\n').filter((l) => l.includes('listening')).length, 1);
    const ca = readFileSync(caFile, 'utf8');
    // a real client over HTTPS, trusting only the generated CA
    const agent = new https.Agent({ ca, keepAlive: false });
    assert.ok((await regions(s.tlsUrl!, 'LTAItls', 'tlsSecret', { agent })) > 0);
    // without the CA the certificate does not verify
    await assert.rejects(regions(s.tlsUrl!, 'LTAItls', 'tlsSecret', { agent: new https.Agent({ keepAlive: false }) }), /self[- ]signed|unable to verify|certificate/i);
    // the plain listener keeps working next to it
    assert.ok((await regions(s.url, 'LTAItls', 'tlsSecret')) > 0);
  } finally {
    assert.equal((await stop(s)).code, 0);
  }
});

test('state survives a restart: a document written through the Store is read back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-restart-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = { listen: { host: '127.0.0.1', port: 0 }, dataDir: dir, logLevel: 'silent' };
  const a = await startServer(cfg);
  const scope = { account: a.rootAccountId, region: 'cn-hangzhou' };
  await a.store.write((tx) => tx.put('probe', scope, 'doc-1', { Name: 'kept', Port: 80, Nested: { Zh: '中文' } }));
  await a.close();

  const b = await startServer(cfg);
  try {
    assert.equal(b.rootAccountId, a.rootAccountId);
    assert.deepEqual(b.rootKey, a.rootKey, 'the generated root pair is the same after the restart');
    assert.deepEqual(await b.store.read((tx) => tx.get('probe', scope, 'doc-1')), { Name: 'kept', Port: 80, Nested: { Zh: '中文' } });
    assert.ok((await regions(b.url, a.rootKey.id, a.rootKey.secret)) > 0);
  } finally {
    await b.close();
  }
  // and the database file reopens cleanly on its own
  const store = new SqliteStore(join(dir, 'openslb.db'));
  assert.equal(((await store.read((tx) => tx.get('probe', scope, 'doc-1'))) as { Name: string }).Name, 'kept');
  await store.close();
});

test('openslb serve --dataplane-workers: that many workers; SIGTERM stops them first and exits 0; a bad count is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s = await serve(['--data-dir', dir, '--dataplane-workers', '1'], { OPENSLB_OPERATOR_TOKEN: 'cli-workers-token' });
  let pids: number[] = [];
  try {
    const dp = (await (await fetch(`${s.url}/_openslb/dataplane`, { headers: { authorization: 'Bearer cli-workers-token' } })).json()) as { Workers: { Pid: number; State: string }[] };
    assert.equal(dp.Workers.length, 1);
    assert.equal(dp.Workers[0]!.State, 'running');
    pids = dp.Workers.map((w) => w.Pid);
    assert.match(s.out(), /data-plane worker 0 started/);
  } finally {
    const r = await stop(s, 'SIGTERM');
    assert.equal(r.code, 0);
  }
  // the control process exits after its workers
  for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/);
  await assert.rejects(serve(['--data-dir', dir, '--dataplane-workers', 'many']), /expected a whole number/);
});
