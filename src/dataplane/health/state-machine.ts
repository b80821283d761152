// Pure transition function of one server's health: (state, counters, probe result) → next.
import type { HealthState } from './types.js';

export interface HealthCounters {
  state: HealthState;
  /** consecutive successes / failures in the current streak */
  streak: number;
}

export function nextHealth(cur: HealthCounters, ok: boolean, healthyThreshold: number, unhealthyThreshold: number): HealthCounters {
  switch (cur.state) {
    case 'initial':
      // a new member is routable until proven otherwise: one success makes it healthy, and it
      // turns unhealthy only after unhealthyThreshold consecutive failures (so an LB and its
      // backends starting together do not flap)
      if (ok) return { state: 'healthy', streak: 0 };
      return cur.streak + 1 >= unhealthyThreshold ? { state: 'unhealthy', streak: 0 } : { state: 'initial', streak: cur.streak + 1 };
    case 'healthy':
      if (ok) return { state: 'healthy', streak: 0 };
      return unhealthyThreshold <= 1 ? { state: 'unhealthy', streak: 0 } : { state: 'failing', streak: 1 };
    case 'failing':
      if (ok) return { state: 'healthy', streak: 0 };
      return cur.streak + 1 >= unhealthyThreshold ? { state: 'unhealthy', streak: 0 } : { state: 'failing', streak: cur.streak + 1 };
    case 'unhealthy':
      if (!ok) return { state: 'unhealthy', streak: 0 };
      return healthyThreshold <= 1 ? { state: 'healthy', streak: 0 } : { state: 'recovering', streak: 1 };
    case 'recovering':
      if (!ok) return { state: 'unhealthy', streak: 0 };
      return cur.streak + 1 >= healthyThreshold ? { state: 'healthy', streak: 0 } : { state: 'recovering', streak: cur.streak + 1 };
    default:
      return cur; // disabled / standby are not probed
  }
}
