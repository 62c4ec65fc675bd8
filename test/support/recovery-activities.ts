/**
 * The activities every time-skipping recovery suite registers besides its own fakes: the real
 * notification activities (alerts collected, no channel configured) and the real disruption
 * budget's permit requests on the suite's task queue.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTemporalBudget } from '../../src/activities/budget';
import { createNotifyActivities } from '../../src/activities/notify';
import type { Alert } from '../../src/domain';
import { teardownTimeSkippingEnv } from './temporal';

export function budgetAndAlertActivities(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  onAlert: (alert: Alert) => void,
): Record<string, (...args: never[]) => Promise<unknown>> {
  const budget = createTemporalBudget(env.client, taskQueue);
  return {
    ...createNotifyActivities({
      notifier: {
        notify: async (alert: Alert) => {
          onAlert(alert);
          return [];
        },
      },
    }),
    requestPermit: async ({
      scope,
      budget: id,
      ...request
    }: {
      scope: string;
      budget: string;
      holder: string;
      limit: number;
    }) => budget.requestPermit(id, scope, request),
    closedWorkflows: async (ids: string[]) => budget.closedWorkflows(ids),
  };
}

/**
 * Ends a time-skipping recovery suite: its disruption budget (which outlives the tests) first,
 * then the worker, then the test server.
 */
export async function endRecoverySuite(
  env: TestWorkflowEnvironment | undefined,
  budgetWorkflowId: string,
  worker: { shutdown(): void } | undefined,
  running: Promise<void> | undefined,
): Promise<void> {
  await env?.client.workflow
    .getHandle(budgetWorkflowId)
    .terminate('suite over')
    .catch(() => undefined);
  worker?.shutdown();
  await running;
  await teardownTimeSkippingEnv(env);
}
