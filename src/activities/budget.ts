/**
 * The disruption budget's side of Temporal: asking the budget workflow for a permit needs
 * signal-with-start, which only a Client can do, so it is an activity over this port.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { acquirePermitSignal } from '../workflows/messages';
import type { PermitRequest } from '../workflows/messages';

export interface BudgetPort {
  /** Queues the holder at the budget `budgetId` of `scope`, starting the budget workflow if needed. */
  requestPermit(budgetId: string, scope: string, request: PermitRequest): Promise<void>;
  /** The IDs among `workflowIds` whose executions are no longer running. */
  closedWorkflows(workflowIds: string[]): Promise<string[]>;
}

export function createTemporalBudget(client: Client, taskQueue: string): BudgetPort {
  return {
    async requestPermit(budgetId, scope, request) {
      await client.workflow.signalWithStart('disruptionBudgetWorkflow', {
        workflowId: budgetId,
        taskQueue,
        args: [{ scope }],
        signal: acquirePermitSignal,
        signalArgs: [request],
      });
    },

    async closedWorkflows(workflowIds) {
      const closed: string[] = [];
      for (const id of workflowIds) {
        try {
          const { status } = await client.workflow.getHandle(id).describe();
          if (status.name !== 'RUNNING') closed.push(id);
        } catch (error) {
          if (error instanceof WorkflowNotFoundError) closed.push(id);
          else throw error;
        }
      }
      return closed;
    },
  };
}
