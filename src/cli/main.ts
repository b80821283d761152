// `openslb` command line. `openslb serve` is what `npm start` runs.
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { parseHostPort, startServer } from '../server.js';
import { addWorldCommands } from './world.js';
import { addAccountCommands } from './accounts.js';
import { addCommerceCommands } from './commerce.js';
import { addFaultCommands } from './faults.js';
import { addClockCommands } from './clock.js';
import { addStateCommands } from './state.js';
import { checkStoreUrl } from '../state/open-store.js';

const hostPort = (v: string) => {
  try {
    return parseHostPort(v);
  } catch {
    throw new InvalidArgumentError('expected HOST:PORT');
  }
};
const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

/** --access-log-max-mib / --access-log-keep → ServerConfig.accessLogs (undefined: the defaults) */
function accessLogOptions(o: { accessLogMaxMib?: number; accessLogKeep?: number }) {
  if (o.accessLogMaxMib === undefined && o.accessLogKeep === undefined) return undefined;
  return { ...(o.accessLogMaxMib !== undefined ? { maxBytes: Math.round(o.accessLogMaxMib * 1024 * 1024) } : {}), ...(o.accessLogKeep !== undefined ? { keep: o.accessLogKeep } : {}) };
}

const storeUrl = (v: string) => {
  try {
    return checkStoreUrl(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

const envStoreUrl = () => {
  try {
    return checkStoreUrl(process.env['OPENSLB_STORE_URL']);
  } catch (e) {
    throw new Error(`OPENSLB_STORE_URL: ${(e as Error).message}`);
  }
};

const program = new Command('openslb').description('Self-hostable Server Load Balancer speaking the Alibaba Cloud SLB API');

program
  .command('serve', { isDefault: true })
  .description('run the API server and the data plane (listeners that move traffic)')
  .option('--listen <host:port>', 'API address', hostPort, parseHostPort('127.0.0.1:8080'))
  .option('--tls-listen <host:port>', 'also serve the API over HTTPS, with a CA generated into the data dir', hostPort)
  .option('--data-dir <dir>', 'state directory', './data')
  .option('--log-level <level>', 'pino log level', 'info')
  .option('--user-rate-limit <rps>', 'requests per second per account (Throttling.User); default: no limit', positive)
  .option('--api-rate-limit <rps>', 'requests per second per account and action (Throttling.Api); default: no limit', positive)
  .option('--world <file>', 'load a world file (VPCs, vSwitches, instances, pools, stock, quotas; docs/world.md) at start')
  .option('--dataplane-workers <n>', 'data-plane worker processes serving every listener (default: one per CPU, os.availableParallelism()); 0 = no data plane, as --no-dataplane', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 1024) throw new InvalidArgumentError('expected a whole number 0-1024');
    return n;
  })
  .option('--no-dataplane', 'API only: listeners are not bound and move no traffic; transitions complete at the second look')
  // -- shared state (docs/storage.md) --
  .option('--store <url>', 'keep state in PostgreSQL (postgres://user:pass@host:5432/db); several API nodes may share it (env OPENSLB_STORE_URL; default: SQLite in the data dir)', storeUrl)
  // --
  .option('--operator-remote', 'let the operator API (/_openslb/…) answer non-loopback clients')
  .option('--commerce <on|off>', 'commerce (docs/commerce.md); off: everything free, PrePay without orders (env OPENSLB_COMMERCE; default: as stored, on)', (v: string) => {
    if (v !== 'on' && v !== 'off') throw new InvalidArgumentError('expected on or off');
    return v === 'on';
  })
  .option('--faults <file>', 'add the fault rules of this JSON file at start (docs/faults.md)')
  .option('--max-inflight <n>', 'API calls handled at once; further ones are shed with 449 SystemBusy (default: no limit)', positive)
  .option('--access-log-max-mib <n>', 'rotate an access-log file (DATA_DIR/access-logs/<project>/<logstore>.log) before it grows past N MiB (default 64; docs/access-logs.md)', positive)
  .option('--access-log-keep <n>', 'rotated access-log files kept per logstore (default 4)', (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
    return n;
  })
  // -- determinism (docs/determinism.md) --
  .option('--seed <n>', 'reproducible resource ids and RequestIds: same seed, same calls, fresh data dir → same ids')
  .option('--freeze-clock [time]', 'start with the server clock frozen, where it stands or at TIME (ISO 8601); move it with `openslb clock advance`')
  // --
  .action(async (opts: { listen: { host: string; port: number }; tlsListen?: { host: string; port: number }; dataDir: string; logLevel: string; userRateLimit?: number; apiRateLimit?: number; world?: string; operatorRemote?: boolean; commerce?: boolean; dataplane?: boolean; faults?: string; maxInflight?: number }) => {
    const id = process.env['OPENSLB_ACCESS_KEY_ID'];
    const secret = process.env['OPENSLB_ACCESS_KEY_SECRET'];
    if ((id && !secret) || (!id && secret)) {
      console.error('openslb: set both OPENSLB_ACCESS_KEY_ID and OPENSLB_ACCESS_KEY_SECRET, or neither');
      process.exit(2);
    }
    // Signal handlers go in first: a SIGTERM that arrives while the server is still starting
    // must end in a clean stop (exit 0) once it is up, not kill the process mid-start.
    const running: { server?: Awaited<ReturnType<typeof startServer>> } = {};
    let pendingSignal: string | undefined;
    let stopping = false;
    const stop = (signal: string) => {
      const server = running.server;
      if (!server) {
        pendingSignal ??= signal;
        return;
      }
      if (stopping) return;
      stopping = true;
      server.close().then(
        () => {
          process.stdout.write(`openslb: stopped (${signal})\n`);
          process.exit(0);
        },
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    running.server = await startServer({
      listen: opts.listen,
      tlsListen: opts.tlsListen,
      dataDir: opts.dataDir,
      logLevel: opts.logLevel,
      userRateLimit: opts.userRateLimit,
      apiRateLimit: opts.apiRateLimit,
      accessKey: id && secret ? { id, secret } : undefined,
      world: opts.world,
      operatorRemote: opts.operatorRemote,
      commerce: opts.commerce,
      storeUrl: (opts as { store?: string }).store ?? envStoreUrl(),
      dataPlaneWorkers: opts.dataplane === false ? 0 : ((opts as { dataplaneWorkers?: number }).dataplaneWorkers ?? availableParallelism()),
      faultsFile: opts.faults,
      maxInflight: opts.maxInflight,
      accessLogs: accessLogOptions(opts as { accessLogMaxMib?: number; accessLogKeep?: number }),
      seed: (opts as { seed?: string }).seed,
      freezeClock: (opts as { freezeClock?: true | string }).freezeClock,
      onOperatorTokenGenerated: (token, file) => {
        process.stdout.write(`\nGenerated the operator API token (shown once; stored in ${file}):\n  ${token}\n\n`);
      },
      onRootKeyGenerated: (keyId, keySecret, accountId) => {
        process.stdout.write(
          `\nGenerated the root account's AccessKey pair (shown once; it is stored in the data dir):\n` +
            `  account id:        ${accountId}\n  AccessKeyId:       ${keyId}\n  AccessKeySecret:   ${keySecret}\n` +
            `Sign in with it to the web console at ${consoleAddress(opts.listen)}\n\n`,
        );
      },
    });
    if (pendingSignal) stop(pendingSignal);
  });

/** Where the web console answers, for the first-start message (the ready line has the bound address). */
function consoleAddress(at: { host: string; port: number }): string {
  if (!at.port) return '/console/ on the API address';
  const host = at.host === '0.0.0.0' || at.host === '::' ? '127.0.0.1' : at.host.includes(':') ? `[${at.host}]` : at.host;
  return `http://${host}:${at.port}/console/`;
}

addWorldCommands(program);
addAccountCommands(program);
addCommerceCommands(program);
addFaultCommands(program);
addClockCommands(program);
addStateCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`openslb: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
