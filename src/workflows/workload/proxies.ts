/** The activities workload recovery calls, each proxy with the options its kind of call needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../../activities';
import { quickCall } from '../shared/activity-options';

/** Diagnosis, remediation and health reads: quick calls; 403/404/422 are classified non-retryable. */
export const workloads =
  proxyActivities<Pick<Activities, 'diagnoseWorkload' | 'remediateWorkload' | 'workloadHealth'>>(quickCall);

/** Waiting for the rollout: "not ready yet" is expected for a while; the retry policy polls until the timeout. */
export function rolloutWaiter(recoveryTimeout: Duration) {
  return proxyActivities<Pick<Activities, 'awaitRollout'>>({
    scheduleToCloseTimeout: recoveryTimeout,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '10 seconds' },
  });
}
