/**
 * Joining a recovery another caller started: a Service recovery that needs a dependency (or its own
 * workload) recovered while the detector or another recovery already runs that recovery waits for
 * it to end instead of starting a second one. Uses the worker's own Temporal client.
 */
import { Context, heartbeat } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ServiceRecoveryOutcome } from '../domain';

/** How a joined recovery ended: its result, or why there is none. */
export type JoinedRecovery =
  /** Service and workload recoveries end with the same outcomes. */
  { ended: 'completed'; outcome: ServiceRecoveryOutcome } | { ended: 'failed' | 'not-found'; detail: string };

const HEARTBEAT_MS = 10_000;

export function createRecoveryActivities() {
  return {
    /** Waits for the run of `workflowId` that is running now to end; heartbeats while it runs. */
    async awaitRecovery({ workflowId }: { workflowId: string }): Promise<JoinedRecovery> {
      const context = Context.current();
      const beat = setInterval(() => heartbeat(), HEARTBEAT_MS);
      try {
        const result = context.client.workflow.getHandle(workflowId).result();
        const ended = (await Promise.race([result, context.cancelled])) as {
          outcome: ServiceRecoveryOutcome;
        };
        return { ended: 'completed', outcome: ended.outcome };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return { ended: 'not-found', detail: error.message };
        if (error instanceof WorkflowFailedError)
          return { ended: 'failed', detail: error.cause?.message ?? error.message };
        throw error;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
