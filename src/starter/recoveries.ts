/**
 * Starting recoveries: one workflow per failing target, with a deterministic workflow ID so that a
 * repeated detection joins the recovery already running instead of starting another.
 */
import type { Client, WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { evidenceSignal } from '../workflows/messages';
import { nodeRecoveryWorkflow } from '../workflows/node-recovery';
import { kindKey, phaseKey, severityKey, targetKey } from '../workflows/search-attributes';
import type { Evidence, NodeRecoveryInput } from '../workflows/types';

/** The workflow ID of a node's recovery. */
export function nodeRecoveryWorkflowId(node: string): string {
  return `node-recovery/${node}`;
}

/**
 * Starts the node's recovery, or signals the evidence to the one already running (signal-with-start).
 * @returns the handle of the running recovery.
 */
export async function startNodeRecovery(
  client: Client,
  taskQueue: string,
  input: NodeRecoveryInput,
): Promise<WorkflowHandleWithSignaledRunId<typeof nodeRecoveryWorkflow>> {
  const evidence: Evidence = { observedAt: input.detectedAt, reason: input.reason };
  return client.workflow.signalWithStart(nodeRecoveryWorkflow, {
    workflowId: nodeRecoveryWorkflowId(input.node),
    taskQueue,
    args: [input],
    signal: evidenceSignal,
    signalArgs: [evidence],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [
      { key: targetKey, value: input.node },
      { key: kindKey, value: 'node' },
      { key: phaseKey, value: 'Detected' },
      { key: severityKey, value: 'warning' },
    ],
  });
}
