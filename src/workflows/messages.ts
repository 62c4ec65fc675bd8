/**
 * Signals, queries and updates of the recovery workflows, defined once and imported by both the
 * workflows and their callers (detector, CLI, Slack app). Wire names match the constant names.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Acknowledgement, ApprovalDecision, Evidence, RecoveryStatus } from '../domain';

/** Answers the recovery's phase, step, evidence, actions and timings. */
export const statusQuery = defineQuery<RecoveryStatus>('status');

/** The detector saw the target again (still failing, or healthy again). */
export const evidenceSignal = defineSignal<[Evidence]>('evidence');

/**
 * Approves or rejects the step the recovery waits for (node replacement, deleting unmanaged pods).
 * The validator rejects it, leaving no trace in history, when nothing is pending or `by` is empty.
 */
export const approveUpdate = defineUpdate<RecoveryStatus, [ApprovalDecision]>('approve');

/**
 * A person takes an escalated recovery (or one waiting for approval) in hand: the escalation ladder
 * stops. The validator rejects it when the recovery has nothing to acknowledge or `by` is empty.
 */
export const acknowledgeUpdate = defineUpdate<RecoveryStatus, [Acknowledgement]>('acknowledge');

/** Disruption budget: a recovery asks for a permit (sent through signal-with-start by an activity). */
export interface PermitRequest {
  /** Workflow ID of the recovery that asks. */
  holder: string;
  /** The budget as the holder's config sees it; the newest request's limit is in force. */
  limit: number;
}

export const acquirePermitSignal = defineSignal<[PermitRequest]>('acquirePermit');
export const releasePermitSignal = defineSignal<[{ holder: string }]>('releasePermit');
/** The budget granted the permit to the recovery. */
export interface PermitGrant {
  scope: string;
  /** Workflow ID of the granting budget, where the permit goes back. Absent in older histories. */
  budget?: string;
}
export const permitGrantedSignal = defineSignal<[PermitGrant]>('permitGranted');
/** The detector's storm guard: while a storm is active, no permit is granted. */
export const stormSignal = defineSignal<[{ active: boolean; reason: string }]>('storm');

export interface BudgetStatus {
  scope: string;
  limit: number;
  holders: string[];
  waiting: string[];
  storm: { active: boolean; reason: string };
}
export const budgetStatusQuery = defineQuery<BudgetStatus>('budgetStatus');
