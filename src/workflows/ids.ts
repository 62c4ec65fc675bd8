/** Deterministic workflow IDs: a repeated detection or request reaches the execution already running. */
import type { AnalysisTarget, ServiceTarget, WorkloadTarget } from '../domain';
import { workloadTargetKey } from '../domain';

/** The workflow ID of a node's recovery. */
export function nodeRecoveryWorkflowId(node: string): string {
  return `node-recovery/${node}`;
}

/**
 * The workflow ID of a disruption budget scope (`nodes`, `control-plane`) of the workers polling
 * `taskQueue`. The budget runs on that task queue, so a fleet moved to another queue gets a budget
 * its workers poll instead of waiting forever on one nobody runs.
 */
export function disruptionBudgetWorkflowId(scope: string, taskQueue: string): string {
  return `disruption-budget/${taskQueue}/${scope}`;
}

/** The ID budgets had before they were per task queue; recorded histories still name it. */
export function legacyDisruptionBudgetWorkflowId(scope: string): string {
  return `disruption-budget/${scope}`;
}

/** The workflow ID of a workload's recovery: `workload-recovery/Deployment/shop/web`. */
export function workloadRecoveryWorkflowId(workload: WorkloadTarget): string {
  return `workload-recovery/${workloadTargetKey(workload)}`;
}

/** The workflow ID of an analysis finding's alert: `analysis/error_rate/service/shop/web`. */
export function analysisAlertWorkflowId(rule: string, target: AnalysisTarget): string {
  return `analysis/${rule}/${target.kind}/${target.namespace ? `${target.namespace}/` : ''}${target.name}`;
}

/** The workflow ID of a Service's recovery: `service-recovery/shop/web`. */
export function serviceRecoveryWorkflowId(service: ServiceTarget): string {
  return `service-recovery/${service.namespace}/${service.name}`;
}
