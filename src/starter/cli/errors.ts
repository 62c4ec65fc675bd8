/**
 * What the CLI reports when a command cannot do its work, each naming the target and the workflow,
 * and the one place Temporal's client errors are classified into them.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { phaseKey } from '../../workflows/search-attributes';

/** Thrown for a bad command line; the message names the argument and the value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown when a target has no recovery at all (no workflow with its ID). */
export class RecoveryNotFoundError extends Error {
  override readonly name = 'RecoveryNotFoundError';
  constructor(
    readonly target: string,
    readonly workflowId: string,
    options?: ErrorOptions,
  ) {
    super(`no recovery for ${target} (workflow ${workflowId})`, options);
  }
}

/** Thrown when a message needs a running recovery and the target's latest one has finished. */
export class RecoveryFinishedError extends Error {
  override readonly name = 'RecoveryFinishedError';
  constructor(
    readonly target: string,
    readonly workflowId: string,
    /** How the workflow closed, e.g. `COMPLETED`, `TERMINATED`. */
    readonly status: string,
    /** Its last phase, `-` when it never wrote one. */
    readonly phase: string,
    options?: ErrorOptions,
  ) {
    super(
      `the recovery of ${target} has finished (${status.toLowerCase()}, phase ${phase}); ` +
        `workflow ${workflowId} takes no more decisions`,
      options,
    );
  }
}

/** Thrown when the recovery's Update validator refused the message; `reason` is its own words. */
export class UpdateRejectedError extends Error {
  override readonly name = 'UpdateRejectedError';
  constructor(
    /** The update's wire name, e.g. `approve`. */
    readonly update: string,
    readonly target: string,
    readonly workflowId: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${update} refused by the recovery of ${target}: ${reason}`, options);
  }
}

/** What a failing call was about, so its error can name them. */
export interface CallTarget {
  client: Client;
  target: string;
  workflowId: string;
  /** The update sent, when the call was one. */
  update?: string;
}

/**
 * Runs a call to a recovery's workflow and classifies what fails: an update its validator refused
 * ({@link UpdateRejectedError}), a workflow that does not exist ({@link RecoveryNotFoundError}) or
 * has closed ({@link RecoveryFinishedError}). Anything else is thrown as it came.
 */
export async function onRecovery<T>(about: CallTarget, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) {
      const reason = error.cause?.message ?? error.message;
      throw new UpdateRejectedError(about.update ?? 'update', about.target, about.workflowId, reason, {
        cause: error,
      });
    }
    if (error instanceof WorkflowNotFoundError) throw await whyNotFound(about, error);
    throw error;
  }
}

/** Temporal says "not found" both for no workflow and for one that closed: tell them apart. */
async function whyNotFound({ client, target, workflowId }: CallTarget, error: Error): Promise<Error> {
  try {
    const latest = await client.workflow.getHandle(workflowId).describe();
    if (latest.status.name === 'RUNNING') return error;
    const phase = latest.typedSearchAttributes.get(phaseKey) ?? '-';
    return new RecoveryFinishedError(target, workflowId, latest.status.name, phase, { cause: error });
  } catch (described) {
    if (described instanceof WorkflowNotFoundError)
      return new RecoveryNotFoundError(target, workflowId, { cause: error });
    throw described;
  }
}
