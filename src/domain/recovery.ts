/**
 * What every kind of recovery shares: its phases, severities, evidence, status, approvals and
 * alerts. Plain data that crosses Temporal's wire as JSON: types and `as const` objects only.
 */
import type { NodeFailureReason } from './node';
import type { PodFailureReason } from './pod-failure';
import type { Diagnosis } from './diagnosis';
import type { WorkloadTarget } from './workload-recovery';
import type { AlertLevel, HumanLoopStatus } from './notification';
import type { AnalysisType } from './analysis/finding';
import type { ServiceFailureReason } from './service';

/**
 * The kinds of target the product recovers, and `analysis` for an analysis finding routed as an
 * alert (no recovery applies); the value of the `SelfHealingKind` search attribute.
 */
export const TargetKinds = ['node', 'workload', 'analysis', 'service'] as const;
export type TargetKind = (typeof TargetKinds)[number];

/** Where a recovery stands; the value of the `SelfHealingPhase` search attribute. */
export const RecoveryPhases = [
  'Detected',
  'Diagnosing',
  'RecoveringDependencies',
  'WaitingForBudget',
  'Cordoning',
  'Draining',
  'RelievingPressure',
  'AwaitingRecovery',
  'AwaitingApproval',
  'Replacing',
  'Remediating',
  'FailedOver',
  'Verifying',
  'Uncordoning',
  'Recovered',
  'Skipped',
  'Stopped',
  'Escalated',
] as const;
export type RecoveryPhase = (typeof RecoveryPhases)[number];

/** Phases after which a recovery does nothing more. */
export const FinalPhases: readonly RecoveryPhase[] = ['Recovered', 'Skipped', 'Stopped', 'Escalated'];

export const Severities = ['warning', 'critical'] as const;
export type Severity = (typeof Severities)[number];

/** One observation of the target, added by the detector each time it sees the failure again. */
export interface Evidence {
  /** ISO-8601 time of the observation. */
  observedAt: string;
  /** The failure seen again, or `Ready` when the target is healthy again. */
  reason: NodeFailureReason | PodFailureReason | ServiceFailureReason | AnalysisType | 'Ready';
  message?: string;
  /** Workload recoveries: the pod this observation is about. */
  pod?: string;
}

/** What the `status` query answers: enough for the Temporal UI, the CLI and Slack to tell the story. */
export interface RecoveryStatus {
  target: string;
  kind: TargetKind;
  phase: RecoveryPhase;
  step: string;
  severity: Severity;
  dryRun: boolean;
  /** PodDisruptionBudgets currently blocking the drain. */
  blockingPdbs: string[];
  /** The approval the recovery waits for, if any. */
  pendingApproval?: ApprovalRequest;
  /** Workload recoveries: what the diagnosis found. */
  diagnosis?: Diagnosis;
  /** Approvals, escalations, acknowledgement, the Slack card and failing deliveries. */
  humans?: HumanLoopStatus;
  evidence: Evidence[];
  actions: string[];
  /** ISO-8601 times each phase was entered. */
  timings: Partial<Record<RecoveryPhase, string>>;
}

/** A decision a human must take before the recovery goes on. */
export interface ApprovalRequest {
  /** What is asked, e.g. 'replace-node' or 'delete-unmanaged-pods'. */
  action: 'replace-node' | 'delete-unmanaged-pods' | 'raise-memory' | 'rollback' | 'delete-pod' | 'failover';
  detail: string;
  /** ISO-8601 time the request was made. */
  requestedAt: string;
}

/** The answer to an ApprovalRequest, sent with the `approve` update. */
export interface ApprovalDecision {
  approved: boolean;
  /** Who decided (user name or Slack user); required. */
  by: string;
  reason?: string;
}

/** A notification raised by a workflow; delivered by the notifier port (log, Event, Slack, ...). */
export interface Alert {
  severity: AlertLevel;
  target: string;
  title: string;
  detail: string;
  workflowId: string;
  /** Workload recoveries: the workload, whose Events carry the alert. */
  workload?: WorkloadTarget;
}
