// A data-plane worker (forked by pool.ts through node:cluster): runs every listener of the
// snapshots the control process sends, with the health it publishes; probes nothing, holds no
// state that matters. Listening sockets are the control process's handles (cluster SCHED_NONE):
// each worker accepts on the same descriptor and the kernel spreads the connections.
// It exits when the control process asks (`close`: drains first) or goes away (IPC closed).
import cluster from 'node:cluster';
import { DataPlane, type ListenerStateRow } from '../reconciler.js';
import { l7Handlers } from '../http/index.js';
import { releaseHeldSockets, useHeldSockets } from '../handler.js';
import { HealthFeed } from '../health/feed.js';
import { SnapshotAssembler, type FromWorker, type ToWorker } from './ipc.js';
import type { Snapshot } from '../snapshot.js';

/** What the control process passes in the environment (OPENSLB_WORKER). */
export interface WorkerSettings {
  id: number;
  /** serve the UDP listeners (one worker does: a flow must stay on one process) */
  udp: boolean;
  closeGraceMs: number;
  /** access-log options; `shared` is implied */
  accessLogs?: { dir: string; flushMs?: number };
  /** how often counters are pushed unasked (ms) */
  countersMs: number;
  /** binds in flight at once (default BIND_CONCURRENCY; bench/workers-apply.ts varies it) */
  bindConcurrency?: number;
}

/**
 * Each bind is a queryServer round trip to the control process, which passes the descriptor back
 * over this worker's IPC channel one at a time (Node waits for NODE_HANDLE_ACK); what waits is
 * queued there and the whole queue is re-sent on every ack, so 5 000 binds issued at once cost the
 * control process quadratic time. A few in flight keep the channel busy without a queue.
 */
const BIND_CONCURRENCY = 16;

if (!cluster.isWorker || !process.send) throw new Error('src/dataplane/worker/main.ts runs as a cluster worker of the control process');
const settings = JSON.parse(process.env['OPENSLB_WORKER'] ?? '{}') as WorkerSettings;

const send = (m: FromWorker) => {
  if (!process.connected) return;
  try {
    process.send!(m);
  } catch {
    /* the channel closed: 'disconnect' ends this process */
  }
};

const feed = new HealthFeed();
const plane = new DataPlane({
  handlers: [...l7Handlers],
  closeGraceMs: settings.closeGraceMs,
  healthFeed: feed,
  udp: settings.udp,
  bindConcurrency: settings.bindConcurrency ?? BIND_CONCURRENCY,
  accessLogs: settings.accessLogs ? { ...settings.accessLogs, shared: true } : undefined,
  observer: {
    report: (e) => {
      if (e.kind !== 'listener') return;
      const { kind: _k, version, ...row } = e;
      rows.push({ row, version });
      rowsFlush ??= setImmediate(flushRows);
    },
  },
});
/** listener events not sent yet (sent once per event-loop turn, and before any `applied`) */
let rows: { row: ListenerStateRow; version: number }[] = [];
let rowsFlush: NodeJS.Immediate | undefined;
function flushRows() {
  if (rowsFlush) clearImmediate(rowsFlush);
  rowsFlush = undefined;
  if (!rows.length) return;
  const batch = rows;
  rows = [];
  send({ t: 'listeners', rows: batch });
}
const assembler = new SnapshotAssembler();

/** what each listener's counters were when last sent: only listeners that moved since are sent again */
const sent = new Map<string, string>();
const pushCounters = (id?: number) => {
  const changed = [];
  for (const c of plane.counters.all()) {
    // every field moves with one of these (a response: its duration count; an upstream answer: bytes)
    const sig = `${c.activeConnections}|${c.newConnections}|${c.requests}|${c.bytesIn}|${c.bytesOut}|${c.aclDenied}|${c.noBackend}|${c.backendErrors}|${c.duration.count}|${c.status['1xx'] + c.status['2xx'] + c.status['3xx'] + c.status['4xx'] + c.status['5xx']}`;
    if (sent.get(c.listenerId) === sig) continue;
    sent.set(c.listenerId, sig);
    changed.push(c);
  }
  send({ t: 'counters', id, counters: changed, fired: [...plane.faults.fired()] });
};
const timer = setInterval(() => pushCounters(), settings.countersMs);
timer.unref();

function apply(s: Snapshot) {
  plane.apply(s).then(
    (r) => {
      flushRows();
      send({ t: 'applied', version: r.version, bound: r.bound, failed: r.failed });
    },
    (e: Error) => {
      flushRows();
      send({ t: 'applied', version: s.version, bound: [], failed: [], error: e.message });
    },
  );
}

/** held sockets asked for and not answered yet (a listener bound anew: src/dataplane/handler.ts) */
const asked = new Map<number, (handle: object | undefined) => void>();
let askIds = 0;
const askSocket = (key: string) =>
  new Promise<object | undefined>((resolve) => {
    const id = ++askIds;
    asked.set(id, resolve);
    send({ t: 'socket', id, key });
  });

let closing = false;
process.on('message', (m: ToWorker, handle?: object) => {
  switch (m.t) {
    case 'init':
      for (const [p, k, st] of m.health) feed.set(p, k, st);
      plane.faults.set(m.faults);
      if (m.sockets?.length) useHeldSockets(m.sockets, askSocket);
      if (m.released) releaseHeldSockets(m.released);
      return;
    case 'socket': {
      const done = asked.get(m.id);
      asked.delete(m.id);
      done?.(m.ok ? handle : undefined);
      return;
    }
    case 'snapshot':
      return apply(assembler.full(m.snapshot));
    case 'delta': {
      let s: Snapshot;
      try {
        s = assembler.apply(m.delta);
      } catch (e) {
        // cannot happen while messages arrive in order; say so rather than serve a wrong snapshot
        send({ t: 'log', level: 'error', msg: `data-plane worker ${settings.id}: ${(e as Error).message}` });
        process.exit(70);
      }
      if (m.released) releaseHeldSockets(m.released);
      return apply(s);
    }
    case 'health':
      for (const [p, k, st] of m.changes) feed.set(p, k, st);
      return;
    case 'forget':
      return feed.forgetListener(m.listenerId);
    case 'faults':
      return plane.faults.set(m.rules);
    case 'udp':
      void plane.setUdp(m.serve);
      return;
    case 'read':
      return pushCounters(m.id);
    case 'close':
      if (closing) return;
      closing = true;
      clearInterval(timer);
      void plane.close().finally(() => {
        flushRows();
        pushCounters();
        process.exit(0);
      });
      return;
  }
});

// the control process is gone (crashed or killed): no orphan keeps serving a stale snapshot
process.on('disconnect', () => {
  plane.destroy();
  process.exit(0);
});
// the control process owns the shutdown: a Ctrl-C reaching the whole process group stops only it
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

send({ t: 'ready' });
