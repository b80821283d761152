// The plug-in point for protocols. The reconciler owns lifecycles (bind, update, drain, close);
// a ProtocolHandler only knows how to run one listener of its protocol. tcp and udp are built in;
// http/https register theirs with `DataPlane.register()` (or the `handlers` option).
import { closeSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import type { AccessLogSink } from './access-log.js';
import { heldKey } from './worker/held.js';
import type { AclMatcher } from './acl.js';
import type { DataPlaneClock } from './clock.js';
import type { ListenerCounters } from './counters.js';
import type { DataPlaneFaults } from './faults.js';
import type { BackendPool } from './pool.js';
import type { ListenerProtocol, ListenerSnapshot, LoadBalancerSnapshot, Snapshot } from './snapshot.js';

export interface ListenerContext<L extends ListenerSnapshot = ListenerSnapshot> {
  /** the snapshot as far as this listener goes: its load balancer and the ACL / certificate / CA /
   *  TLS-policy entries it references (a new object whenever the listener is updated) */
  readonly snapshot: Snapshot;
  readonly loadBalancer: LoadBalancerSnapshot;
  readonly listener: L;
  /** the local address to bind (loadBalancer.bindAddress ?? address) */
  readonly bindAddress: string;
  /** compiled ACL of this listener (ALLOW_ALL when AclStatus is off or the lists are empty) */
  readonly acl: AclMatcher;
  /** the listener's own pool (its VServerGroupId / MasterSlaveServerGroupId / default group) */
  readonly pool: BackendPool;
  /** HTTP/HTTPS: one pool per forwarding rule, by ruleId (rule overrides already applied) */
  readonly rulePools: ReadonlyMap<string, BackendPool>;
  readonly counters: ListenerCounters;
  readonly clock: DataPlaneClock;
  /** injected faults (the data plane's, shared by every listener): consult per connection / request / datagram */
  readonly faults: DataPlaneFaults;
  /** HTTP/HTTPS of a load balancer with access logs configured: where each request is logged */
  readonly accessLog?: AccessLogSink;
}

/**
 * The sockets a data-plane worker was forked with (src/dataplane/worker/held.ts): `fds` by
 * heldKey(address, port) until used, `held` every key the control process held at the fork, `ask`
 * gets a held socket again over IPC (undefined: no longer held).
 */
interface HeldSocketSource {
  fds: Map<string, number>;
  held: Set<string>;
  ask: (key: string) => Promise<object | undefined>;
}
let heldSockets: HeldSocketSource | undefined;

/** In a data-plane worker: binds of these addresses and ports listen on the inherited sockets. */
export function useHeldSockets(fds: readonly [string, number][], ask: HeldSocketSource['ask']): void {
  heldSockets = { fds: new Map(fds), held: new Set(fds.map(([k]) => k)), ask };
}

/** The control process closed these held sockets: binds of them go through node:cluster now; an inherited descriptor not used yet is closed. */
export function releaseHeldSockets(keys: readonly string[]): void {
  const src = heldSockets;
  if (!src) return;
  for (const key of keys) {
    src.held.delete(key);
    const fd = src.fds.get(key);
    if (fd === undefined) continue;
    src.fds.delete(key);
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
}

/** The held socket for this address and port (inherited, else asked for), or undefined: bind it. */
async function heldSocket(host: string, port: number): Promise<object | undefined> {
  const src = heldSockets;
  const key = heldKey(host, port);
  if (!src?.held.has(key)) return undefined;
  const fd = src.fds.get(key);
  if (fd !== undefined) {
    src.fds.delete(key);
    return new Socket({ fd, readable: false, writable: false });
  }
  const h = await src.ask(key);
  if (!h) src.held.delete(key);
  return h;
}

/** Binds `server` to one address and the listener's port; a bind failure (EADDRINUSE…) rejects. */
async function bindOne(server: Server, host: string, port: number): Promise<void> {
  const held = await heldSocket(host, port);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    // a handle is listened on here, not through node:cluster (it is this process's own descriptor)
    if (held) server.listen(held, 4096, done);
    else server.listen({ host, port, backlog: 4096 }, done);
  });
}

/**
 * Binds `server` to the listener's address and port, and to the load balancer's extra addresses
 * (EIPs associated with it): each extra address gets a server of its own that hands every accepted
 * socket to `server`, so one listener serves all its addresses; closing `server` closes them too.
 * A bind failure (EADDRINUSE…) rejects without leaving anything open.
 */
export async function listenOn(server: Server, ctx: ListenerContext): Promise<void> {
  const port = ctx.listener.port;
  await bindOne(server, ctx.bindAddress, port);
  const extra = ctx.loadBalancer.extraAddresses ?? [];
  if (!extra.length) return;
  const o = server as unknown as { allowHalfOpen?: boolean; pauseOnConnect?: boolean; noDelay?: boolean };
  const aliases: Server[] = [];
  try {
    for (const address of extra) {
      const alias = createServer({ allowHalfOpen: !!o.allowHalfOpen, pauseOnConnect: !!o.pauseOnConnect, noDelay: !!o.noDelay });
      alias.on('connection', (socket) => server.emit('connection', socket));
      alias.on('error', () => {});
      await bindOne(alias, address, port);
      aliases.push(alias);
    }
  } catch (e) {
    for (const a of aliases) a.close();
    server.close();
    throw e;
  }
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const a of aliases) a.close();
    return close(cb);
  }) as Server['close'];
}

export interface ListenerRuntime {
  /** Binds. Rejects (EADDRINUSE, EADDRNOTAVAIL…) without leaving anything open. */
  listen(): Promise<void>;
  /** New configuration: applies to new connections/requests only. Never drops established ones. */
  update(ctx: ListenerContext): void;
  /**
   * Stops accepting at once (the port is free when this returns's promise is created), then lets
   * established connections run for up to `drainMs` before destroying them; resolves when none is
   * left. drainMs 0 destroys them immediately.
   */
  close(drainMs: number): Promise<void>;
  /** Aborts everything now. Idempotent. */
  destroy(): void;
  /** connections (TCP/HTTP) or flows (UDP) open now */
  readonly active: number;
}

export interface ProtocolHandler {
  readonly protocol: ListenerProtocol;
  create(ctx: ListenerContext): ListenerRuntime;
}
