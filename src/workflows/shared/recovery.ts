/**
 * What every kind of recovery workflow is built on: its state and the status query, evidence and
 * approval handlers, the disruption-budget permit, the compensations, phases with their search
 * attributes, alerts, and the run loop that ends it (a result, an escalation, the permit given back).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type {
  Alert,
  AlertLevel,
  ApprovalRequest,
  HumanLoopPolicy,
  RecoveryPhase,
  RecoveryStatus,
} from '../../domain';
import { acknowledgeUpdate, approveUpdate, evidenceSignal, statusQuery } from '../messages';
import type { LadderRung } from './approval';
import { awaitApproval } from './approval';
import { Compensations } from './compensation';
import { Permit } from './permit';
import { HumanLoop } from './humans';
import { recoveryMetrics, secondsSince } from './metrics';
import { enterPhase } from './progress';
import type { RecoveryState } from './recovery-state';

const notifications = proxyActivities<Pick<Activities, 'notify'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 20 },
});

/**
 * Recoveries started before humans were in the loop (Slack, email, PagerDuty, the escalation
 * ladder, acknowledgements) replay without it: their alerts went to the Event notifier alone.
 */
export const HUMAN_LOOP_PATCH = 'human-loop';

/** Ends a recovery from anywhere in its procedure with this result (caught by {@link runRecovery}). */
export class RecoveryEnded<R> {
  constructor(readonly result: R) {}
}

export abstract class Recovery<R> {
  readonly permit = new Permit();
  readonly undo = new Compensations();
  /** How the last approval ended when it was not approved: `was rejected by …` or `got no decision within …`. */
  protected refusal = '';
  /** Absent for recoveries that replay from before the human loop (see HUMAN_LOOP_PATCH). */
  readonly humans: HumanLoop | undefined;

  constructor(
    readonly state: RecoveryState,
    humanLoop?: HumanLoopPolicy,
  ) {
    this.humans = patched(HUMAN_LOOP_PATCH)
      ? new HumanLoop(state, workflowInfo().workflowId, humanLoop)
      : undefined;
    setHandler(statusQuery, () => state.status(this.statusDetails()));
    setHandler(evidenceSignal, (evidence) => state.addEvidence(evidence));
    setHandler(
      approveUpdate,
      (decision) => {
        state.decision = decision;
        return state.status(this.statusDetails());
      },
      { validator: (decision) => state.validateDecision(decision) },
    );
    setHandler(
      acknowledgeUpdate,
      (ack) => {
        this.humans?.acknowledge(ack);
        return state.status(this.statusDetails());
      },
      {
        validator: (ack) => {
          if (!this.humans) throw new Error('this recovery started before acknowledgements existed');
          state.validateAcknowledgement(ack);
        },
      },
    );
  }

  /** The procedure; returns the result or throws {@link RecoveryEnded}. */
  abstract run(): Promise<R>;
  /** Undoes what can be undone, alerts and returns the escalated result. */
  abstract escalate(why: string): Promise<R>;
  /** What this kind adds to the status. */
  protected abstract statusDetails(): Pick<RecoveryStatus, 'blockingPdbs' | 'diagnosis'>;

  /** What the alerts name besides the target (a workload recovery: the workload, for its Events). */
  protected alertSubject(): Pick<Alert, 'workload'> {
    return {};
  }

  protected enter(phase: RecoveryPhase, step: string): void {
    enterPhase(this.state, phase, step);
  }

  protected record(...lines: string[]): void {
    this.state.record(...lines);
  }

  protected end(result: R): never {
    throw new RecoveryEnded(result);
  }

  /** The alert's log line and Event, then its routed deliveries (which go on in the background). */
  protected async alert(severity: AlertLevel, title: string, detail: string): Promise<void> {
    const alert: Alert = {
      severity,
      target: this.state.target,
      title,
      detail,
      workflowId: workflowInfo().workflowId,
      ...this.alertSubject(),
    };
    await notifications.notify(alert);
    this.humans?.alert(severity, title, detail);
  }

  /**
   * Hands the recovery to humans with an alert; the escalation ladder then calls them until one
   * acknowledges (unless a human's rejection is why).
   */
  protected async handToHumans(severity: AlertLevel, title: string, why: string): Promise<void> {
    await this.alert(severity, title, why);
    this.humans?.handedOver();
  }

  /**
   * Asks a human for `request` up the ladder (each rung alerts, then waits), keeping the phase it
   * was asked from. @returns true when approved; false when rejected or nobody answered in time.
   */
  protected async approval(
    request: Omit<ApprovalRequest, 'requestedAt'>,
    ladder: readonly [LadderRung, ...LadderRung[]],
  ): Promise<boolean> {
    const previous = this.state.phase;
    const waitFor = ladder.map((rung) => rung.timeout).join(', then ');
    this.enter('AwaitingApproval', `${request.detail}: waiting for approval (timeout ${waitFor})`);
    this.humans?.awaitingDecision();
    const askedAt = new Date().toISOString();
    const outcome = await awaitApproval(this.state, request, ladder);
    this.humans?.decided(outcome.answered ? outcome.decision : undefined);
    const answer = !outcome.answered ? 'timed_out' : outcome.decision.approved ? 'approved' : 'rejected';
    recoveryMetrics.humanAnswered(this.state.kind, answer, secondsSince(askedAt));
    if (!outcome.answered) {
      this.record(`no decision on ${request.action} within ${waitFor}`);
      this.refusal = `got no decision within ${waitFor}`;
      return false;
    }
    const { decision } = outcome;
    this.refusal = `was rejected by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`;
    this.record(
      `${request.action} ${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`,
    );
    this.state.phase = previous;
    return decision.approved;
  }

  /** The one rung of a plain approval timeout: a warning alert to whoever watches the alerts. */
  protected approvalRung(timeout: LadderRung['timeout']): LadderRung {
    return {
      timeout,
      notify: (request) =>
        this.alert('warning', `Approval needed: ${request.action} on ${this.state.target}`, request.detail),
    };
  }
}

/**
 * Runs a recovery to its end: its result, an early end ({@link RecoveryEnded}), or, when a step
 * failed for good, its escalation. The permit goes back whatever happened, even on cancellation.
 */
export async function runRecovery<R extends { outcome: string }>(recovery: Recovery<R>): Promise<R> {
  const { kind, timings } = recovery.state;
  recoveryMetrics.started(kind);
  const result = await runToEnd(recovery);
  recoveryMetrics.finished(kind, result.outcome, secondsSince(timings.Detected));
  // The permit is back already: humans are called, and deliveries finish, without holding it.
  await recovery.humans?.closeOut();
  return result;
}

async function runToEnd<R>(recovery: Recovery<R>): Promise<R> {
  try {
    return await recovery.run();
  } catch (error) {
    if (error instanceof RecoveryEnded) return error.result as R;
    if (!(error instanceof ActivityFailure || error instanceof ApplicationFailure)) throw error;
    return await recovery.escalate(`a step failed: ${causeOf(error)}`);
  } finally {
    await CancellationScope.nonCancellable(() => recovery.permit.release());
  }
}

/** The innermost cause's message of an activity's failure. */
export function causeOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
