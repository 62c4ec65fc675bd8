/**
 * Joining a recovery another caller started: a Service recovery that needs a dependency (or its own
 * workload) recovered while the detector or another recovery already runs that recovery looks up,
 * now and then, whether that run has ended and how, instead of starting a second one. A quick
 * look, not a wait: a wait inside an activity would hold one of the worker's activity slots for as
 * long as the other recovery takes, and ten dependents joining one dependency would hold them all
 * (the dependency's own activities then never run). Uses the worker's own Temporal client.
 */
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ServiceRecoveryOutcome } from '../domain';

/** Where a joined recovery stands: running, its outcome, or why there is none. */
export type JoinedRecovery =
  | { state: 'running' }
  /** Service and workload recoveries end with the same outcomes. */
  | { state: 'completed'; outcome: ServiceRecoveryOutcome }
  | { state: 'failed' | 'not-found'; detail: string };

export function createRecoveryActivities() {
  return {
    /** Where the latest run of `workflowId` stands. */
    async recoveryOutcome({ workflowId }: { workflowId: string }): Promise<JoinedRecovery> {
      const handle = Context.current().client.workflow.getHandle(workflowId);
      try {
        const { status } = await handle.describe();
        if (status.name === 'RUNNING') return { state: 'running' };
        const result = (await handle.result()) as { outcome: ServiceRecoveryOutcome };
        return { state: 'completed', outcome: result.outcome };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return { state: 'not-found', detail: error.message };
        if (error instanceof WorkflowFailedError)
          return { state: 'failed', detail: error.cause?.message ?? error.message };
        throw error;
      }
    },
  };
}
