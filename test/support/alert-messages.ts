/**
 * Alert messages for the notification adapters' tests, and a way to read the delivery failure an
 * adapter threw.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DeliveryFailureDetails } from '../../src/activities/notify/errors';
import { DeliveryErrorType } from '../../src/activities/notify/errors';
import type { AlertMessage } from '../../src/domain/notification';

/** A node recovery waiting for approval after its second escalation. */
export function nodeAlert(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    level: 'critical',
    title: 'Node worker-3 is NotReady and cannot be drained',
    detail: 'The drain is blocked by PodDisruptionBudget shop/checkout.',
    workflowId: 'node-recovery/worker-3',
    kind: 'node',
    target: 'worker-3',
    phase: 'AwaitingApproval',
    step: 'replace-node',
    evidence: ['NotReady: kubelet stopped posting node status', 'NotReady: still after 5 minutes'],
    actions: ['cordoned worker-3', 'evicted 12 of 14 pods'],
    pendingApproval: {
      action: 'replace-node',
      detail: 'Replace worker-3 with a new node',
      requestedAt: '2026-03-01T10:00:00.000Z',
    },
    escalationLevel: 2,
    ...overrides,
  };
}

/** What a rejected delivery said: its text and the details its retry loop reads. */
export interface CaughtDeliveryFailure {
  message: string;
  nonRetryable: boolean;
  details: DeliveryFailureDetails;
}

/** Awaits `attempt`, which must fail with a delivery failure, and returns what it carried. */
export async function deliveryFailureOf(attempt: Promise<unknown>): Promise<CaughtDeliveryFailure> {
  try {
    await attempt;
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || error.type !== DeliveryErrorType) throw error;
    return {
      message: error.message,
      nonRetryable: error.nonRetryable === true,
      details: error.details?.[0] as DeliveryFailureDetails,
    };
  }
  throw new Error('expected the delivery to fail, and it succeeded');
}
