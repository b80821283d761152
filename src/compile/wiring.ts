// Starts the in-process data plane for a server: DataPlane (TCP, UDP, HTTP, HTTPS handlers) +
// the control loop that feeds it snapshots compiled from the store and turns what it observes
// into listener lifecycle and backend health. The only things crossing the boundary are
// snapshots going in (DataPlaneLink.apply/close) and ObservedEvents coming out, so the data plane
// could run in another process behind the same two calls.
import { DataPlane, type AccessLogOptions, type DataPlaneClock, type DataPlaneView } from '../dataplane/index.js';
import { WorkerPool, type WorkerPoolLog } from '../dataplane/worker/pool.js';
import { l7Handlers } from '../dataplane/http/index.js';
import { observeOnce } from '../products/slb/services/listener-lifecycle.js';
import type { Store } from '../state/store.js';
import { ControlLoop, installHooks, uninstallHooksIfIdle, type ControlLoopLog, type ControlLoopOptions } from './control-loop.js';

export interface RunningDataPlane {
  plane: DataPlaneView;
  /** the worker processes, when the data plane runs in them */
  workers?: WorkerPool;
  loop: ControlLoop;
  /** resolves once every change committed so far is compiled and applied */
  settle(): Promise<void>;
  /** stops following the store and drains the data plane; idempotent */
  close(): Promise<void>;
}

export interface StartDataPlaneOptions extends ControlLoopOptions {
  /** how long established connections of listeners without ConnectionDrain may finish at shutdown (ms) */
  closeGraceMs?: number;
  /** the data plane's time (health checks, drains, flow sweeps); default: the real clock */
  clock?: DataPlaneClock;
  /** layer-7 access logs (docs/access-logs.md): usually { dir: DATA_DIR/access-logs }; absent: none written */
  accessLogs?: AccessLogOptions;
  /**
   * Run the listeners in this many worker processes (docs/dataplane.md, "Worker processes"); this
   * process keeps compiling and health checking. Absent: everything in this process.
   */
  workers?: number;
}

export async function startDataPlane(store: Store, log?: ControlLoopLog, opts: StartDataPlaneOptions = {}): Promise<RunningDataPlane> {
  // the observer is wired before the loop exists: events go to it once it does
  const sink: { loop?: ControlLoop } = {};
  const observer = { report: (e: Parameters<ControlLoop['observer']['report']>[0]) => sink.loop?.observer.report(e) };
  const closeGraceMs = opts.closeGraceMs ?? 5000;
  let workers: WorkerPool | undefined;
  let plane: DataPlane | WorkerPool;
  if (opts.workers !== undefined) {
    // not started here: the first apply() forks the workers with the listening sockets of the
    // first snapshot (src/dataplane/worker/held.ts) and validates it while they boot
    plane = workers = new WorkerPool({ workers: opts.workers, log: log as WorkerPoolLog | undefined, observer, clock: opts.clock, closeGraceMs, accessLogs: opts.accessLogs });
  } else plane = new DataPlane({ handlers: [...l7Handlers], closeGraceMs, clock: opts.clock, accessLogs: opts.accessLogs, observer });
  const { clock: _clock, accessLogs: _accessLogs, workers: _workers, ...loopOpts } = opts;
  const loop = (sink.loop = new ControlLoop(store, plane, { ...loopOpts, log }));
  // Without a data plane knowing a listener, transitions complete as before (at the second look).
  installHooks(observeOnce);
  try {
    await loop.start();
    // the workers are forked by now, unless the first compile failed (retried later): fork them bare
    await workers?.start();
  } catch (e) {
    await loop.close(); // closes the pool too
    uninstallHooksIfIdle();
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    plane,
    workers,
    loop,
    settle: () => loop.settle(),
    close() {
      closing ??= loop.close().finally(() => uninstallHooksIfIdle());
      return closing;
    },
  };
}
