/**
 * The analysis engine's pure part: findings, thresholds with a minimum duration, anomaly detection
 * against a robust rolling baseline, exhaustion by linear fit, and the failure patterns (cascade,
 * partition, storage). No I/O, no clock: callers pass samples and `now` in (docs/analysis.md).
 */
export * from './finding';
export * from './series';
export * from './anomaly';
export * from './thresholds';
export * from './exhaustion';
export * from './cascade';
export * from './partition';
export * from './storage';
