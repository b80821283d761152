// Go and the aliyungo SDK for the strict-client tests: Debian's golang-go and
// golang-github-denverdino-aliyungo-dev, used in GOPATH mode. When they are missing the tests skip
// with a message, except in CI (CI=true), where .ci/run installs them and a skip would hide a gap.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
/** Environment for `go build` / `go run` in GOPATH mode, with a writable build cache. */
export function goEnv(): NodeJS.ProcessEnv {
  cache ??= process.env['GOCACHE'] || mkdtempSync(join(tmpdir(), 'openslb-gocache-'));
  return { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: cache, GOFLAGS: '' };
}
