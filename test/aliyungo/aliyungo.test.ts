// aliyungo, the third real client: the main SLB flows (regions, load balancers, backend servers,
// the four listener kinds with their lifecycle and access control, vServer groups, forwarding
// rules, tags, certificates, an error path) driven through the slb package of
// github.com/denverdino/aliyungo by test/aliyungo/flows/main.go against a real server. aliyungo
// decodes every answer with Go's strict encoding/json into its typed structs, so a wire type it
// does not expect fails the step. The program prints "ok <step>" / "FAIL <step>: <error>" and
// exits non-zero on any failure. Skips without Go and aliyungo unless CI=true (test/aliyungo/go.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { opOk } from '../helpers/operator.js';
import { AK, startTestServer } from '../helpers/server.js';
import { GO_MISSING, GO_READY, GO_SKIP, goEnv } from './go.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGION = 'cn-hangzhou';
/** Building and running the program; its own waits are bounded at 20 s per listener transition. */
const TIMEOUT_MS = 120_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/** Runs a command without blocking the event loop (the server under test lives in this process). */
function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      out += `\n[killed after ${opts.timeoutMs} ms]\n`;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

test('aliyungo drives the main SLB flows and decodes every answer strictly', { skip: GO_SKIP, timeout: TIMEOUT_MS + 60_000 }, async (t) => {
  assert.ok(GO_READY, GO_MISSING);
  const tmp = mkdtempSync(join(tmpdir(), 'openslb-aliyungo-'));
  const s = await startTestServer();
  t.after(async () => {
    await s.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  // two classic backend instances on loopback addresses
  const instances: string[] = [];
  for (const ip of ['127.0.0.2', '127.0.0.3']) {
    const inst = await opOk(s, 'POST', '/world/instances', { RegionId: REGION, PrivateIpAddress: ip });
    instances.push(String(inst['InstanceId']));
  }

  // a server certificate for UploadServerCertificate (a leaf of a throwaway CA)
  const leaf = issueLeaf(createCA('aliyungo test CA'), ['www.example.com']);
  const certFile = join(tmp, 'server.crt');
  const keyFile = join(tmp, 'server.key');
  writeFileSync(certFile, leaf.certPem);
  writeFileSync(keyFile, leaf.keyPem);

  const bin = join(tmp, 'flows');
  const build = await run('go', ['build', '-o', bin, './test/aliyungo/flows'], { cwd: ROOT, env: goEnv(), timeoutMs: TIMEOUT_MS });
  assert.equal(build.code, 0, `go build ./test/aliyungo/flows failed:\n${build.out}`);

  const flows = await run(bin, [], {
    cwd: tmp,
    env: {
      ...process.env,
      OPENSLB_ENDPOINT: `${s.url}/`,
      OPENSLB_AK_ID: AK.id,
      OPENSLB_AK_SECRET: AK.secret,
      OPENSLB_REGION: REGION,
      OPENSLB_INSTANCES: instances.join(','),
      OPENSLB_CERT_FILE: certFile,
      OPENSLB_KEY_FILE: keyFile,
    },
    timeoutMs: TIMEOUT_MS,
  });
  const summary = /^aliyungo steps ok (\d+), failed (\d+)$/m.exec(flows.out);
  if (summary) t.diagnostic(summary[0]);
  assert.equal(flows.code, 0, `the aliyungo flows failed (exit ${flows.code ?? flows.signal}):\n${flows.out}`);
  assert.ok(summary && Number(summary[1]) > 0 && summary[2] === '0', `no clean summary line in the output:\n${flows.out}`);
});
