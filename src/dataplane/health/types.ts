// Health checking: probers (one per check type, one interface) and the state machine.
import type { HealthCheckSnapshot } from '../snapshot.js';

export interface ProbeTarget {
  /** the server's address */
  readonly ip: string;
  /** the port probed: HealthCheckConnectPort, else the member's port */
  readonly port: number;
}

export interface ProbeResult {
  ok: boolean;
  /** why it failed (timeout, ECONNREFUSED, status 503, unexpected reply…) */
  reason?: string;
}

export interface Prober {
  readonly type: HealthCheckSnapshot['type'];
  /** Never rejects; resolves within cfg.timeoutMs (+ a little). */
  probe(target: ProbeTarget, cfg: HealthCheckSnapshot): Promise<ProbeResult>;
}

/**
 * Internal health states (richer than the API):
 * - `initial`: not yet seen healthy. Routable (a fresh listener forwards at once); one success
 *   makes it healthy, unhealthyThreshold consecutive failures unhealthy.
 * - `healthy`; `failing`: healthy with 1..unhealthyThreshold-1 consecutive failures (still routable).
 * - `unhealthy`; `recovering`: unhealthy with 1..healthyThreshold-1 consecutive successes (not routable).
 * - `disabled`: health check off — routable, not probed.
 * - `standby`: the slave of a master-slave group — never probed, routable when the master is not.
 */
export type HealthState = 'initial' | 'healthy' | 'failing' | 'unhealthy' | 'recovering' | 'disabled' | 'standby';

/** The API's ServerHealthStatus. */
export type ApiHealthStatus = 'normal' | 'abnormal' | 'unavailable';

export function toApiStatus(s: HealthState): ApiHealthStatus {
  switch (s) {
    case 'healthy':
    case 'failing':
      return 'normal';
    case 'unhealthy':
    case 'recovering':
      return 'abnormal';
    default:
      return 'unavailable';
  }
}

export function isRoutable(s: HealthState): boolean {
  return s !== 'unhealthy' && s !== 'recovering';
}
