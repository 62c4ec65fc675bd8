/**
 * What the recovery workflows tell the worker process about themselves for its metrics. Sinks are
 * not called on replay, so each recovery counts once however often its history is replayed.
 */
import type { Sinks } from '@temporalio/workflow';
import type { TargetKind } from '../domain';

/** How a wait for a human ended. */
export type HumanAnswer = 'approved' | 'rejected' | 'timed_out' | 'acknowledged';

export interface RecoveryMetricsSinks extends Sinks {
  recoveryMetrics: {
    started(kind: TargetKind): void;
    /** @param seconds from the detection to the end (MTTR). */
    finished(kind: TargetKind, outcome: string, seconds: number): void;
    /** @param seconds the recovery waited for this human. */
    humanAnswered(kind: TargetKind, answer: HumanAnswer, seconds: number): void;
    escalated(kind: TargetKind, level: number): void;
  };
}
