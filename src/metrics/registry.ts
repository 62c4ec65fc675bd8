/**
 * One Prometheus registry per process, with prom-client's process and Node.js metrics (unprefixed,
 * as every Node exporter names them; Prometheus' `job` label tells the processes apart).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Seconds buckets for waits from a second to two hours (recoveries, humans). */
export const LONG_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
/** Seconds buckets for calls from a millisecond to a minute (API calls, limiter waits, lags). */
export const SHORT_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
