// The listener state machine: stopped ⇄ running through the transitional states starting,
// stopping and configuring. A transition is begun by a call (Start, Stop, Set on a running
// listener) and completes when the active policy says the change is applied. Until the data plane
// (issue 5) reports that itself, the default policy completes a transition at the second
// observation: the first call that looks at the listener after the change still sees the
// transitional state (a Describe shows `starting`, a conflicting call gets the busy code), and
// that observation completes it. No timers, no sleeps: clients that poll (Terraform) see the real
// sequence, and tests can hold or release transitions deterministically.
// `OPENSLB_LISTENER_TRANSITION_MS=<n>` switches to a delay measured by ctx.clock instead.
import { apiError, type ApiError } from '../../../errors/catalog.js';
import type { ListenerDoc } from './model.js';

export type ListenerStatus = ListenerDoc['Status'];
export type Pending = NonNullable<ListenerDoc['Pending']>;

/** Decides whether a pending change is applied. Called on every observation of the listener. */
export interface LifecyclePolicy {
  applied(p: Pending, now: number, l: ListenerDoc): boolean;
}

/** Default: the first observation sees the transitional state, the second finds it applied. */
export const observeOnce: LifecyclePolicy = { applied: (p) => p.observed >= 1 };

/** Applied once `ms` milliseconds (by ctx.clock) have passed since the change began. */
export function afterDelay(ms: number): LifecyclePolicy {
  return { applied: (p, now) => now - p.since >= ms };
}

/** Applied at once: transitional states are never seen. */
export const immediate: LifecyclePolicy = { applied: () => true };

/** For tests: every transition stays pending until `release()`. */
export class HeldTransitions implements LifecyclePolicy {
  private held = true;
  applied(): boolean {
    return !this.held;
  }
  release(): void {
    this.held = false;
  }
  hold(): void {
    this.held = true;
  }
}

function fromEnv(): LifecyclePolicy {
  const v = process.env['OPENSLB_LISTENER_TRANSITION_MS'];
  if (v !== undefined && /^\d{1,7}$/.test(v.trim())) return afterDelay(Number(v));
  return observeOnce;
}

let policy: LifecyclePolicy = fromEnv();

/** Replaces the policy (the data plane's hook, or a test's); returns a function restoring the old one. */
export function setLifecyclePolicy(p: LifecyclePolicy): () => void {
  const old = policy;
  policy = p;
  return () => {
    policy = old;
  };
}

/**
 * The status the API shows for a listener. The stored `Status` is that status (the transition
 * while one is pending, `Pending.target` being where it leads); kept as a function so callers do
 * not depend on where the transition is stored.
 */
export function displayStatus(l: ListenerDoc): ListenerStatus {
  return l.Status;
}

/** The stable state a listener is in or going to: what the data plane should serve. */
export function targetStatus(l: ListenerDoc): 'running' | 'stopped' {
  if (l.Pending) return l.Pending.target;
  return l.Status === 'running' || l.Status === 'configuring' || l.Status === 'starting' ? 'running' : 'stopped';
}

export function isTransitional(s: ListenerStatus): boolean {
  return s === 'starting' || s === 'stopping' || s === 'configuring';
}

/**
 * One observation of a listener: completes its pending change when the policy says it is applied,
 * otherwise counts the observation. Returns true when the document changed and must be stored.
 */
export function observe(l: ListenerDoc, now: number): boolean {
  const p = l.Pending;
  if (!p) return false;
  if (policy.applied(p, now, l)) {
    l.Status = p.target;
    delete l.Pending;
  } else {
    l.Pending = { ...p, observed: p.observed + 1 };
  }
  return true;
}

export type ListenerOp = 'start' | 'stop' | 'set' | 'delete' | 'whitelist';

/**
 * The busy error a call gets while the listener is between states, or undefined when it may run.
 * `fingerprint` identifies the request; the same request while it is still applied answers
 * ProcessingSameRequest.
 */
export function busyError(l: ListenerDoc, op: ListenerOp, fingerprint?: string): ApiError | undefined {
  const s = l.Status;
  if (!isTransitional(s)) return undefined;
  if (fingerprint !== undefined && l.Pending?.op === fingerprint) return apiError('ProcessingSameRequest');
  if (s === 'stopping') {
    if (op === 'stop') return apiError('ProcessingSameRequest');
    return apiError('ServiceIsStopping');
  }
  // starting or configuring
  switch (op) {
    case 'start':
      return s === 'starting' ? apiError('ProcessingSameRequest') : apiError('Operation.Deny');
    case 'set':
      return apiError('OperationFailed.ListenerStatusNotSupport');
    default:
      return apiError('ServiceIsConfiguring', 'A previous configuration is pending; please try again later.');
  }
}

/**
 * Begins the transition a successful call causes. Start on a running listener and Stop on a
 * stopped one change nothing; a change to a stopped listener has nothing to apply.
 */
export function begin(l: ListenerDoc, op: 'start' | 'stop' | 'set', now: number, fingerprint: string): void {
  if (op === 'start') {
    if (l.Status !== 'stopped') return;
    l.Status = 'starting';
    l.Pending = { op: fingerprint, target: 'running', since: now, observed: 0 };
  } else if (op === 'stop') {
    if (l.Status !== 'running') return;
    l.Status = 'stopping';
    l.Pending = { op: fingerprint, target: 'stopped', since: now, observed: 0 };
  } else if (l.Status === 'running') {
    l.Status = 'configuring';
    l.Pending = { op: fingerprint, target: 'running', since: now, observed: 0 };
  }
}
