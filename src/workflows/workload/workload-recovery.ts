/**
 * Workload recovery: diagnose a failing workload, then the strategy its diagnosis calls for (raise
 * memory, roll back, restart with backoff, delete the failed pod, or report), then verify.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { WorkloadRecoveryInput, WorkloadRecoveryResult } from '../../domain';

/** Recovers one workload. One execution per workload: the workflow ID is derived from it. */
export async function workloadRecoveryWorkflow(
  input: WorkloadRecoveryInput,
): Promise<WorkloadRecoveryResult> {
  if (!input?.workload?.name)
    throw ApplicationFailure.nonRetryable('input.workload is empty', 'InvalidInput');
  throw ApplicationFailure.nonRetryable('not built yet', 'NotImplemented');
}
