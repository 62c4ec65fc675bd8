/** Deterministic workflow IDs: a repeated detection or request reaches the execution already running. */

/** The workflow ID of a node's recovery. */
export function nodeRecoveryWorkflowId(node: string): string {
  return `node-recovery/${node}`;
}

/** The workflow ID of a disruption budget scope (`nodes`, `control-plane`). */
export function disruptionBudgetWorkflowId(scope: string): string {
  return `disruption-budget/${scope}`;
}
