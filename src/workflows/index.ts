/** The workflows a worker registers (its `workflowsPath`). */
export { nodeRecoveryWorkflow } from './node/node-recovery';
export { disruptionBudgetWorkflow } from './budget/disruption-budget';
export { workloadRecoveryWorkflow } from './workload/workload-recovery';
export { analysisAlertWorkflow } from './analysis/analysis-alert';
export { serviceRecoveryWorkflow } from './service/service-recovery';
