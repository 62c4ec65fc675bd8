/**
 * A recovery this one needs (a dependency's, or its workload's), to its end: started as a child
 * under its deterministic ID, or, when Temporal refuses the start because that recovery already
 * runs (the detector started it, or another dependent did), joined until it ends. Children are
 * abandoned, not cancelled, if this recovery ends first: their work is worth finishing.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, sleep, startChild } from '@temporalio/workflow';
import type { ServiceRecoveryOutcome, TargetKind } from '../../domain';
import { kindKey, phaseKey, severityKey, targetKey } from '../search-attributes';
import { joiner } from './proxies';
import type { ServiceRun } from './service-recovery';

/** Between two looks at a joined recovery. */
const JOIN_POLL = '10 seconds';

export interface ChildRecovery {
  workflowType: 'serviceRecoveryWorkflow' | 'workloadRecoveryWorkflow';
  workflowId: string;
  input: unknown;
  kind: TargetKind;
  /** The target as the search attribute names it (`Service/shop/db`). */
  target: string;
  /** How the actions name it (`dependency shop/db`, `Deployment shop/db`). */
  what: string;
  /** Judges the target when the joined run ended without a result we can read. */
  judge: () => Promise<ServiceRecoveryOutcome>;
}

/** @returns the outcome of the child's (or the joined) recovery; `escalated` when it failed. */
export async function recoverAsChild(run: ServiceRun, child: ChildRecovery): Promise<ServiceRecoveryOutcome> {
  const { workflowId, what } = child;
  try {
    const handle = await startChild(child.workflowType, {
      workflowId,
      args: [child.input],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: [
        { key: targetKey, value: child.target },
        { key: kindKey, value: child.kind },
        { key: phaseKey, value: 'Detected' },
        { key: severityKey, value: 'warning' },
      ],
    });
    run.record(`started the recovery of ${what} (${workflowId})`);
    const result = (await handle.result()) as { outcome: ServiceRecoveryOutcome; strategy?: string };
    run.record(`${what}: ${result.outcome}${result.strategy ? ` (${result.strategy})` : ''}`);
    return result.outcome;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) {
      run.record(`the recovery of ${what} failed: ${String(error)}`);
      return 'escalated';
    }
  }
  run.record(`joined the recovery of ${what} already running (${workflowId})`);
  let joined = await joiner.recoveryOutcome({ workflowId });
  // A durable timer between looks: waiting costs no worker slot, however long the other takes.
  while (joined.state === 'running') {
    await sleep(JOIN_POLL);
    joined = await joiner.recoveryOutcome({ workflowId });
  }
  if (joined.state === 'completed') {
    run.record(`${what}: ${joined.outcome}`);
    return joined.outcome;
  }
  // Ended between our start and our look (a new run may not exist yet), or failed: judged by how it is now.
  run.record(`the joined recovery of ${what} ${joined.state}: ${joined.detail}`);
  return child.judge();
}
