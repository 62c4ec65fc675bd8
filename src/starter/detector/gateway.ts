/** The detector's way to Temporal: start (or join) a node's recovery, signal evidence to it. */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { evidenceSignal } from '../../workflows/messages';
import { nodeRecoveryWorkflowId, startNodeRecovery, stoppedByPersonSince } from '../recoveries';
import type { RecoveryGateway } from './types';

/** The {@link RecoveryGateway} over a Temporal client. */
export function temporalRecoveryGateway(client: Client, taskQueue: string): RecoveryGateway {
  return {
    async start(input, episodeSince) {
      const stopped = await stoppedByPersonSince(client, input.node, new Date(episodeSince));
      if (stopped)
        return { workflowId: stopped.workflowId, runId: stopped.runId, declined: 'stopped-by-person' };
      const handle = await startNodeRecovery(client, taskQueue, input);
      return { workflowId: handle.workflowId, runId: handle.signaledRunId };
    },
    async signal(node, evidence) {
      try {
        await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).signal(evidenceSignal, evidence);
        return 'signalled';
      } catch (error) {
        // Closed or never started: nobody is waiting for this evidence.
        if (error instanceof WorkflowNotFoundError) return 'not-found';
        throw error;
      }
    },
  };
}
