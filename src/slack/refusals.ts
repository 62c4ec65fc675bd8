/**
 * What to tell the person who clicked when the recovery did not take their answer: it finished,
 * it never existed, its validator refused (nothing pending), or Temporal could not be reached.
 */
import type { WorkflowClient } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { phaseKey, targetKey } from '../workflows/search-attributes';

export interface Refusal {
  text: string;
  /** True when trying again may succeed (Temporal unreachable): a retried delivery is handled again. */
  transient: boolean;
}

/** Explains why the Update for `workflowId` failed with `error`. Never throws. */
export async function explainRefusal(
  workflows: WorkflowClient,
  workflowId: string,
  error: unknown,
): Promise<Refusal> {
  if (error instanceof WorkflowUpdateFailedError) {
    const why = error.cause instanceof Error ? error.cause.message : error.message;
    return {
      transient: false,
      text: `The recovery ${workflowId} did not take it: ${why}. Nothing was changed.`,
    };
  }
  if (!(error instanceof WorkflowNotFoundError)) {
    return {
      transient: true,
      text: 'The recoveries could not be reached just now (Temporal); nothing was changed. Try again in a moment.',
    };
  }
  try {
    const described = await workflows.getHandle(workflowId).describe();
    const target = described.typedSearchAttributes.get(targetKey) ?? workflowId;
    const phase = described.typedSearchAttributes.get(phaseKey) ?? 'unknown phase';
    const ended =
      described.status.name === 'COMPLETED'
        ? `already finished (${phase})`
        : `already ended (${described.status.name.toLowerCase()} while ${phase})`;
    return { transient: false, text: `The recovery of ${target} ${ended}; nothing was changed.` };
  } catch (described) {
    if (described instanceof WorkflowNotFoundError)
      return { transient: false, text: `There is no recovery ${workflowId}; nothing was changed.` };
    return { transient: true, text: `The recovery ${workflowId} has ended; nothing was changed.` };
  }
}
