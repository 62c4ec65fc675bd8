/**
 * Service recovery: dependencies first, then the Service's own workload, then verification by
 * status, connectivity, performance and dependencies.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { ServiceRecoveryInput, ServiceRecoveryResult } from '../../domain';

/** Recovers one Service. One execution per Service: the workflow ID is derived from it. */
export async function serviceRecoveryWorkflow(input: ServiceRecoveryInput): Promise<ServiceRecoveryResult> {
  throw ApplicationFailure.nonRetryable(`not built yet: ${input.service.name}`, 'NotBuilt');
}
