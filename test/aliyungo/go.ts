// Go and the aliyungo SDK for the strict-client tests: Debian's golang-go and
// golang-github-denverdino-aliyungo-dev, used in GOPATH mode. When they are missing the tests skip
// with a message, except in CI (CI=true), where .ci/run installs them and a skip would hide a gap.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GOPATH = '/usr/share/gocode';
export const ALIYUNGO = join(GOPATH, 'src/github.com/denverdino/aliyungo');
const haveGo = spawnSync('go', ['version']).status === 0;
export const GO_READY = haveGo && existsSync(join(ALIYUNGO, 'slb'));
export const GO_REQUIRED = process.env['CI'] === 'true';
export const GO_MISSING =
  'Go and aliyungo are not installed (apt-get install golang-go golang-github-denverdino-aliyungo-dev); the strict-client tests need them';
/** node:test options: run when ready; in CI run (and fail) anyway; otherwise skip with the reason. */
export const GO_SKIP = GO_READY || GO_REQUIRED ? false : GO_MISSING;

let cache: string | undefined;
/**
 * Environment for `go build` / `go run` in GOPATH mode, with a writable build cache: one directory
 * shared by every test process and run (Go's build cache is safe for concurrent use, and a warm
 * one makes the next build fast). It was a fresh temp dir per test file, never removed: about
 * 3 MiB per file and run, hundreds of MiB in /tmp after a day of runs.
 */
export function goEnv(): NodeJS.ProcessEnv {
  if (!cache) {
    cache = process.env['GOCACHE'] || join(tmpdir(), 'openslb-gocache');
    mkdirSync(cache, { recursive: true });
  }
  return { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: cache, GOFLAGS: '' };
}

/**
 * Builds the Go program in `pkg` (a directory under test/aliyungo) into `tmp` and runs it against a
 * server whose URL is `url`, finding every product through Location: only LOCATION_ENDPOINT is set
 * (no SLB_/ECS_/VPC_ENDPOINT, no CUSTOMIZED_ENDPOINT). Runs without blocking this process's event
 * loop (the server under test lives here). Resolves with the exit code and the combined output.
 */
export async function runGoViaLocation(pkg: string, tmp: string, url: string, key: { id: string; secret: string }, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; text: string }> {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const bin = join(tmp, pkg);
  const build = spawnSync('go', ['build', '-o', bin, `./test/aliyungo/${pkg}`], { cwd: root, env: goEnv(), encoding: 'utf8' });
  if (build.status !== 0) return { code: build.status, text: `go build failed:\n${build.stdout}${build.stderr}` };
  const env: NodeJS.ProcessEnv = { ...process.env, LOCATION_ENDPOINT: url, OPENSLB_HOST: new URL(url).host, OPENSLB_AK_ID: key.id, OPENSLB_AK_SECRET: key.secret, OPENSLB_REGION: 'cn-hangzhou', ...extraEnv };
  for (const k of ['SLB_ENDPOINT', 'CUSTOMIZED_ENDPOINT', 'ECS_ENDPOINT', 'VPC_ENDPOINT']) delete env[k];
  return new Promise((resolve) => {
    const child = spawn(bin, [], { cwd: tmp, env });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('close', (code) => resolve({ code, text }));
  });
}
