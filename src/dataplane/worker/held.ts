// Listening sockets the control process binds for its workers when it forks them
// (docs/dataplane.md, "Worker processes"). Passing a socket over the cluster IPC channel costs a
// round trip per socket and worker (Node sends one descriptor at a time and waits for its
// acknowledgement): 10 000 of them for 5 000 listeners and 2 workers, most of a restart. A forked
// worker inherits descriptors at no cost instead, so before the first fork the control process
// binds the socket of every TCP, HTTP and HTTPS listener the first snapshot forwards and forks each
// worker with them (stdio descriptors 4, 5, …); the worker listens on the ones it needs.
//
// The sockets here are bound, not listening: this process never accepts on them (a listening
// net.Server would take its share of the connections). That takes net._createServerHandle, the
// function node:cluster itself binds its shared handles with; without it (a future Node) nothing is
// held and every bind goes through node:cluster as before.
//
// A socket stays held while its load balancer forwards its address and port: a worker that binds it
// again (an EIP associated: the listener is bound anew) asks for it over IPC, and a replacement
// worker is forked with every socket still held. Once its load balancer no longer uses it, it is
// closed here and the snapshot that says so tells the workers (`released`): they close their copies
// as they apply it, and a later bind of that address goes through node:cluster. Sockets are only
// added at the first fork: a listener created later is bound through node:cluster, which keeps its
// shared handle for replacement workers itself.
import { flatKey } from '../../util/flat-key.js';
import net from 'node:net';
import { isForwarding, type LoadBalancerSnapshot, type Snapshot } from '../snapshot.js';
import { addTo, removeFrom } from '../../util/multimap.js';

/** a bound TCP handle (node:net's, as node:cluster holds them) */
export interface HeldHandle {
  readonly fd: number;
  close(cb?: () => void): void;
  getsockname(out: { port?: number }): number;
}

type CreateServerHandle = (address: string, port: number, addressType: number, fd: number | undefined, flags?: number) => HeldHandle | number;
const createServerHandle = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;

/** The key a worker looks a socket up by: the address and port it binds. */
export const heldKey = (host: string, port: number) => flatKey([host, port], '|');

/** The addresses and ports of a load balancer's forwarding listeners that run on TCP (the UDP ones: one worker, bound there). */
export function tcpBinds(lb: LoadBalancerSnapshot): Map<string, { host: string; port: number }> {
  const out = new Map<string, { host: string; port: number }>();
  const host = lb.bindAddress ?? lb.address;
  for (const l of lb.listeners) if (l.protocol !== 'udp' && isForwarding(lb, l)) out.set(heldKey(host, l.port), { host, port: l.port });
  return out;
}

export class HeldSockets {
  private readonly held = new Map<string, HeldHandle>();
  /** load balancer id → the keys of its listeners' held sockets */
  private readonly byLb = new Map<string, Set<string>>();

  get size(): number {
    return this.held.size;
  }

  /** Binds every TCP address and port `s` forwards that is not held yet. */
  hold(s: Snapshot): void {
    if (!createServerHandle) return;
    for (const lb of s.loadBalancers) {
      for (const [key, { host, port }] of tcpBinds(lb)) {
        if (this.held.has(key)) continue;
        // a bind that fails here (EADDRINUSE…) is tried again by the workers, which report it
        const h = createServerHandle(host, port, net.isIPv6(host) ? 6 : 4, undefined, 0);
        if (typeof h === 'number') continue;
        // libuv defers EADDRINUSE from bind to listen: a socket that did not get the port is unbound
        // (a worker listening on it would get a random port), so it is not held
        const out: { port?: number } = {};
        if (h.getsockname(out) !== 0 || out.port !== port) {
          h.close();
          continue;
        }
        this.held.set(key, h);
        addTo(this.byLb, lb.loadBalancerId, key);
      }
    }
  }

  /**
   * Closes the sockets these load balancers no longer forward: `changed` the load balancers whose
   * snapshot object changed (the new object, undefined for one that is gone; the others cannot
   * have stopped using theirs). Returns the keys closed.
   */
  release(changed: Iterable<readonly [string, LoadBalancerSnapshot | undefined]>): string[] {
    const closed: string[] = [];
    if (!this.held.size) return closed;
    for (const [id, lb] of changed) {
      const keys = this.byLb.get(id);
      if (!keys) continue;
      const want = lb ? tcpBinds(lb) : undefined;
      for (const key of keys) {
        if (want?.has(key)) continue;
        this.held.get(key)?.close();
        this.held.delete(key);
        removeFrom(this.byLb, id, key);
        closed.push(key);
      }
    }
    return closed;
  }

  get(key: string): HeldHandle | undefined {
    return this.held.get(key);
  }

  /** [key, handle] in a stable order: a worker forked with them gets descriptor 4 + index */
  entries(): [string, HeldHandle][] {
    return [...this.held];
  }

  close(): void {
    for (const h of this.held.values()) h.close();
    this.held.clear();
    this.byLb.clear();
  }
}
