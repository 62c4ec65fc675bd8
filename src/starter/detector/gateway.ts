/** The detector's way to Temporal: start (or join) a node's, a workload's or a Service's recovery, signal evidence to it. */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { evidenceSignal } from '../../workflows/messages';
import {
  nodeRecoveryWorkflowId,
  serviceRecoveryWorkflowId,
  startNodeRecovery,
  startServiceRecovery,
  startWorkloadRecovery,
  stoppedByPersonSince,
  workloadRecoveryWorkflowId,
} from '../recoveries';
import type { Evidence } from '../../domain';
import type { RecoveryGateway, ServiceGateway } from './types';

/** The {@link RecoveryGateway} over a Temporal client. */
export function temporalRecoveryGateway(client: Client, taskQueue: string): RecoveryGateway & ServiceGateway {
  return {
    async start(input, episodeSince) {
      const stopped = await stoppedByPersonSince(client, input.node, new Date(episodeSince));
      if (stopped)
        return { workflowId: stopped.workflowId, runId: stopped.runId, declined: 'stopped-by-person' };
      const handle = await startNodeRecovery(client, taskQueue, input);
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },
    signal: (node, evidence) => signalEvidence(client, nodeRecoveryWorkflowId(node), evidence),
    async startWorkload(input) {
      const handle = await startWorkloadRecovery(client, taskQueue, input);
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },
    signalWorkload: (workload, evidence) =>
      signalEvidence(client, workloadRecoveryWorkflowId(workload), evidence),
    async startService(input) {
      const handle = await startServiceRecovery(client, taskQueue, input);
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },
    signalService: (service, evidence) =>
      signalEvidence(client, serviceRecoveryWorkflowId(service), evidence),
  };
}

async function signalEvidence(
  client: Client,
  workflowId: string,
  evidence: Evidence,
): Promise<'signalled' | 'not-found'> {
  try {
    await client.workflow.getHandle(workflowId).signal(evidenceSignal, evidence);
    return 'signalled';
  } catch (error) {
    // Closed or never started: nobody is waiting for this evidence.
    if (error instanceof WorkflowNotFoundError) return 'not-found';
    throw error;
  }
}
