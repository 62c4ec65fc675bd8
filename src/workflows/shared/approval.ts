/**
 * Waiting for a human: the approval a recovery asks for, with an escalation ladder. Each rung waits
 * up to its timeout and, when nobody answered, tells the next audience; the last rung's timeout
 * ends the wait. Today's single approval timeout is the ladder of one rung.
 */
import { condition } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { ApprovalDecision, ApprovalRequest } from '../../domain';
import type { RecoveryState } from './recovery-state';

/** One rung: who is told when it starts, and how long it waits for an answer. */
export interface LadderRung {
  /** Waits this long for a decision before the next rung (or the end of the ladder). */
  timeout: Duration;
  /** Tells this rung's audience that a decision is needed (the first rung: the on-call). */
  notify(request: ApprovalRequest): Promise<void>;
}

export type ApprovalOutcome =
  | { answered: true; decision: ApprovalDecision }
  /** Nobody answered before the last rung's timeout. */
  | { answered: false; waited: Duration[] };

/**
 * Asks for `request` and waits for the `approve` update (its handler sets `state.decision`) up the
 * ladder. The state shows the pending request to the status query while it waits.
 */
export async function awaitApproval(
  state: RecoveryState,
  request: Omit<ApprovalRequest, 'requestedAt'>,
  ladder: readonly [LadderRung, ...LadderRung[]],
): Promise<ApprovalOutcome> {
  const pending: ApprovalRequest = { ...request, requestedAt: new Date().toISOString() };
  state.pendingApproval = pending;
  state.decision = undefined;
  const waited: Duration[] = [];
  try {
    for (const rung of ladder) {
      await rung.notify(pending);
      waited.push(rung.timeout);
      if (await condition(() => state.decision !== undefined, rung.timeout)) break;
    }
  } finally {
    state.pendingApproval = undefined;
  }
  // The update handler may have set it while we waited; TypeScript cannot see that.
  const decision = state.decision as ApprovalDecision | undefined;
  return decision ? { answered: true, decision } : { answered: false, waited };
}
