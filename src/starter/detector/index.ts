/** The detector (node, pod, storage and service sources): rules, the detector itself, and the start request it builds. */
export type { Clock, TimerHandle } from './clock';
export { systemClock } from './clock';
export type {
  AnalysisAlerts,
  Detector,
  DetectorEvent,
  DetectorOptions,
  DetectorSource,
  DetectorStats,
  PodSourceStats,
  StorageSourceStats,
  RecoveryGateway,
  RecoveryStartRecord,
  ServiceGateway,
  ServiceRecoveryStartRecord,
  ServiceSourceStats,
  WorkloadRecoveryStartRecord,
} from './detector';
export { MAX_RECORDS, START_RETRY, createDetector, temporalRecoveryGateway } from './detector';
export { recoveryInputFor } from './recovery-input';
export type { NodeFinding, NodeView, StormState } from './rules';
export { confirmationWindowMs, evaluateStorm, stormBlocks } from './rules';
export { temporalAnalysisAlerts } from './alert-gateway';
