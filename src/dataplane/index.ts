// The data plane's public surface: what the control plane (compiler, API wiring) and the protocol
// handlers import. Everything else under src/dataplane is internal.
export { DataPlane, SnapshotRejectedError } from './reconciler.js';
export type { DataPlaneObserver, DataPlaneOptions, DataPlaneView, ObservedEvent, ServerHealthRow, ListenerStateRow, ListenerObservedState } from './reconciler.js';
export type { ListenerContext, ListenerRuntime, ProtocolHandler } from './handler.js';
export * from './snapshot.js';
export { realClock, ManualClock, type DataPlaneClock, type TimerHandle } from './clock.js';
export type { ApiHealthStatus, HealthState, Prober, ProbeResult, ProbeTarget } from './health/types.js';
export { toApiStatus, isRoutable } from './health/types.js';
export type { CountersView, ListenerCounters } from './counters.js';
export { DURATION_BUCKETS } from './counters.js';
export type { AccessLogOptions } from './access-log.js';
export type { AclMatcher } from './acl.js';
export type { BackendPool, PoolMember, Tracked } from './pool.js';
export { proxyV2Header, parseProxyV2 } from './proxy-protocol.js';
export { setTcpBufferBudget } from './tcp/buffers.js';
export { DataPlaneFaults, ListenerFaults, faultAppliesTo, MAX_DELAY_MS } from './faults.js';
export type { DataPlaneFaultKind, DataPlaneFaultRule, DataPlaneFaultsOptions, FaultVerdict } from './faults.js';
