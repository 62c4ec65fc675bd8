/**
 * Every side effect of a recovery, as Temporal activities built over injected ports, one factory
 * per kind of work. Activities are idempotent: Temporal may run any of them more than once.
 */
import { activityInfo } from '@temporalio/activity';
import { disruptionBudgetWorkflowId } from '../workflows/ids';
import type { PermitRequest } from '../workflows/messages';
import type { BudgetPort } from './budget';
import type { NodeActivityDeps } from './node';
import { createNodeActivities } from './node';
import type { NotifyDeps } from './notify';
import { createNotifyActivities } from './notify';
import type { WorkloadRecoveryPort } from './ports';
import type { ServiceActivityDeps } from './service';
import { createServiceActivities } from './service';
import { createWorkloadActivities } from './workload';
import { createRecoveryActivities } from './recoveries';

export interface ActivityDeps extends NodeActivityDeps, NotifyDeps, Omit<ServiceActivityDeps, 'workloads'> {
  budget: BudgetPort;
  /** Workloads under recovery (the Kubernetes adapter). */
  workloads: WorkloadRecoveryPort;
  /** The product's opt-out label, asked on every call (live config). */
  optOutLabel: () => string;
}

/** Builds the activity functions a worker registers. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createNodeActivities(deps),
    ...createWorkloadActivities(deps),
    ...createServiceActivities(deps),
    ...createNotifyActivities(deps),
    ...createBudgetActivities(deps),
    ...createRecoveryActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;

function createBudgetActivities({ budget }: Pick<ActivityDeps, 'budget'>) {
  return {
    /** `budget`: the budget's workflow ID (absent from workflows older than per-queue budgets). */
    async requestPermit({
      scope,
      budget: budgetId,
      ...request
    }: PermitRequest & { scope: string; budget?: string }): Promise<void> {
      const id = budgetId ?? disruptionBudgetWorkflowId(scope, activityInfo().taskQueue);
      await budget.requestPermit(id, scope, request);
    },

    async closedWorkflows(workflowIds: string[]): Promise<string[]> {
      return budget.closedWorkflows(workflowIds);
    },
  };
}

export type * from './node/types';
export type * from './workload/types';
export type * from './service/types';
export type { Ownership } from './context';
export type { JoinedRecovery } from './recoveries';
export { NOT_READY_YET } from './node';
