/**
 * Workload recovery: the workload a failing pod belongs to, what its recovery takes, follows and
 * returns, and the diagnosis its strategies branch on. Plain data that crosses Temporal's wire.
 */
import type { Duration } from '@temporalio/common';
import type { PodFailureReason } from './pod-failure';
import type { HumanLoopPolicy } from './notification';

/**
 * The kinds of workload one recovery is for: the top of a pod's owner chain (ReplicaSet →
 * Deployment), or the pod itself when it has no controller. A CronJob's pods belong to their Job.
 */
export const WorkloadKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Pod'] as const;
export type WorkloadKind = (typeof WorkloadKinds)[number];

/** The workload a recovery is for; `Pod` for a pod without a controller. */
export interface WorkloadTarget {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

/** `Deployment/shop/web`: the recovery's target name and the tail of its workflow ID. */
export const workloadTargetKey = (w: WorkloadTarget): string => `${w.kind}/${w.namespace}/${w.name}`;

/** The workloads, each once, in the order first seen. */
export function uniqueWorkloadTargets(workloads: Iterable<WorkloadTarget>): WorkloadTarget[] {
  const byKey = new Map<string, WorkloadTarget>();
  for (const w of workloads) if (!byKey.has(workloadTargetKey(w))) byKey.set(workloadTargetKey(w), w);
  return [...byKey.values()];
}

/**
 * The part of the configuration a workload recovery follows, snapshotted when it starts (the
 * `workload.*` section of the ConfigMap and the design's flat keys).
 */
export interface WorkloadRecoveryPolicy {
  dryRun: boolean;
  /** Restarts the restart strategy tries before it escalates. */
  restartAttempts: number;
  /** Durable timer between restart attempts. */
  restartInterval: Duration;
  /** A crash within this long after the latest rollout is blamed on the rollout (rolled back). */
  rollbackWindow: Duration;
  rollbackRequiresApproval: boolean;
  /** OOMKilled: the memory limit is multiplied by this factor ... */
  memoryFactor: number;
  /** ... up to this many bytes; above it a human decides. */
  memoryCapBytes: number;
  /** Verified only when the pods stayed Ready this long without a new restart. */
  stableWindow: Duration;
  /** How long verification (rollout complete, then stable) may take before it escalates. */
  recoveryTimeout: Duration;
  approvalTimeout: Duration;
  /** No second remediation of the same workload within this long of the last one. */
  cooldown: Duration;
  /** Remediations of one workload per rolling hour. */
  maxRemediationsPerHour: number;
  /** Workload recoveries acting at once, cluster-wide (the `workloads` disruption budget). */
  maxConcurrent: number; /** Escalation ladder and notification retries; absent in inputs from before them (defaults apply). */
  humans?: HumanLoopPolicy;
}

export interface WorkloadRecoveryInput {
  workload: WorkloadTarget;
  /** The failing pod the detector saw first. */
  pod: string;
  reason: PodFailureReason;
  message?: string;
  /** ISO-8601 time the failure was confirmed by the detector. */
  detectedAt: string;
  policy: WorkloadRecoveryPolicy;
}

/**
 * How a workload recovery ended:
 * - `recovered`: a remediation of ours worked and the workload stayed healthy for the stable window;
 * - `healed`: it was healthy again before anything was done (a false positive);
 * - `gone`: the workload was deleted; `skipped`: opted out, or within its cooldown or hourly cap;
 * - `stopped`: someone else changed the workload mid-recovery; we stepped back;
 * - `reported`: nothing we may safely do (bare pod, DaemonSet, Job, missing config, GitOps-managed):
 *   the diagnosis and the recommended change went to humans;
 * - `escalated`: what we tried did not help, or could not be done.
 */
export type WorkloadRecoveryOutcome =
  'recovered' | 'healed' | 'gone' | 'skipped' | 'stopped' | 'reported' | 'escalated';

export interface WorkloadRecoveryResult {
  workload: WorkloadTarget;
  outcome: WorkloadRecoveryOutcome;
  /** The strategy the diagnosis chose. */
  strategy?: WorkloadStrategy;
  actions: string[];
}

/** The strategies workload recovery knows, chosen by the diagnosis. */
export const WorkloadStrategies = ['raise-memory', 'rollback', 'restart', 'delete-pod', 'report'] as const;
export type WorkloadStrategy = (typeof WorkloadStrategies)[number];
