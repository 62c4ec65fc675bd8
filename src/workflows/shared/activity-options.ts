/** Activity options shared by every kind of recovery. */
import type { ActivityOptions } from '@temporalio/common';

/** Quick Kubernetes and Temporal calls: retried with backoff; 403/404/422 are classified non-retryable. */
export const quickCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
};
