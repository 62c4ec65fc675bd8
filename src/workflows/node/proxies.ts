/** The activities node recovery calls, each proxy with the options its kind of call needs. */
import { proxyActivities } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../../activities';
import { quickCall } from '../shared/activity-options';

/** Quick Kubernetes calls: retried with backoff; 403/404/422 are classified non-retryable. */
export const k8s =
  proxyActivities<
    Pick<Activities, 'readNodeHealth' | 'cordonNode' | 'uncordonNode' | 'relievePressure' | 'replaceNode'>
  >(quickCall);

/** The drain: heartbeats, and may run for its whole timeout; a retried attempt keeps the first one's deadline. */
export function drainer(drainTimeout: Duration) {
  return proxyActivities<Pick<Activities, 'drainNode'>>({
    startToCloseTimeout: msToNumber(drainTimeout) + 2 * 60_000,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
  });
}

/** Verification: "not ready yet" is the expected answer for a while; the retry policy polls until the timeout. */
export function verifier(recoveryTimeout: Duration) {
  return proxyActivities<Pick<Activities, 'verifyNodeRecovery'>>({
    scheduleToCloseTimeout: recoveryTimeout,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '10 seconds' },
  });
}
