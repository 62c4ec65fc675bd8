/** The workflows' side of the recovery metrics (see ../sinks.ts). */
import { proxySinks } from '@temporalio/workflow';
import type { RecoveryMetricsSinks } from '../sinks';

export const { recoveryMetrics } = proxySinks<RecoveryMetricsSinks>();

/** Seconds from an ISO time to the workflow's now; 0 when the time is missing or unreadable. */
export function secondsSince(iso: string | undefined): number {
  const since = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(since) ? Math.max(0, (Date.now() - since) / 1000) : 0;
}
