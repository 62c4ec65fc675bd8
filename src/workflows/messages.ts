/**
 * Signals, queries and updates of the recovery workflows, defined once and imported by both the
 * workflows and their callers (detector, CLI, Slack app). Wire names match the constant names.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Evidence, RecoveryStatus } from './types';

/** Answers the recovery's phase, step, evidence, actions and timings. */
export const statusQuery = defineQuery<RecoveryStatus>('status');

/** The detector saw the target again (still failing, or healthy again). */
export const evidenceSignal = defineSignal<[Evidence]>('evidence');
