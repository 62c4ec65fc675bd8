/** The workflows a worker registers (its `workflowsPath`). */
export { nodeRecoveryWorkflow } from './node-recovery';
export { disruptionBudgetWorkflow } from './disruption-budget';
