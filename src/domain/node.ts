/**
 * Nodes as the product sees them: why one failed, its health, and what a node recovery takes,
 * follows and returns. Plain data that crosses Temporal's wire as JSON.
 */
import type { Duration } from '@temporalio/common';
import type { HumanLoopPolicy } from './notification';

/** Why a node is considered failed, as observed by the detector. */
export const NodeFailureReasons = ['NotReady', 'Unknown', 'MemoryPressure', 'DiskPressure'] as const;
export type NodeFailureReason = (typeof NodeFailureReasons)[number];
/** Health of a node as the cluster reports it. `gone` means the node object no longer exists. */
export interface NodeHealth {
  node: string;
  ready: 'True' | 'False' | 'Unknown' | 'gone';
  unschedulable: boolean;
  /** Who cordoned the node, when this product did; undefined when someone else (or nobody) did. */
  cordonedBy?: string;
  /**
   * The workflow run whose cordon this is, from the node's `self-healing.temporal.io/cordon-owner`
   * annotation. A cordon is a recovery's own only while the node is unschedulable and this names
   * that very run: `kubectl uncordon` leaves annotations behind, so the annotation alone proves nothing.
   */
  cordonOwner?: string;
  /** Pressure conditions that are True, e.g. ['MemoryPressure']. */
  pressure?: ('MemoryPressure' | 'DiskPressure')[];
  /** The node opted out of remediation (Medik8s, Cluster API or the product's own label). */
  optedOut?: boolean;
  controlPlane?: boolean;
}

/**
 * The part of the configuration a node recovery follows, snapshotted when it starts so the
 * workflow stays deterministic; a config change applies to recoveries started after it.
 */
export interface NodeRecoveryPolicy {
  /** Record every decision, mutate nothing. */
  dryRun: boolean;
  /** Overall drain timeout; at the timeout the recovery escalates instead of hanging. */
  drainTimeout: Duration;
  deleteEmptyDirData: boolean;
  /** Pods without a controller: leave them (`skip`) or delete them after a human approves (`approve`). */
  unmanagedPods: 'skip' | 'approve';
  /** After draining, how long the node may take to come back Ready before it is replaced. */
  nodeRecoveryWindow: Duration;
  /** `sim`, `cluster-api`, `delete-node` or `none` (hand to humans). */
  provider: 'sim' | 'cluster-api' | 'delete-node' | 'none';
  replacementRequiresApproval: boolean;
  approvalTimeout: Duration;
  /** How long verification may take: the node or its replacement Ready, the workloads back. */
  recoveryTimeout: Duration;
  /** Nodes under disruptive remediation at once, cluster-wide (already resolved from a percentage). */
  maxDisruptedNodes: number; /** Escalation ladder and notification retries; absent in inputs from before them (defaults apply). */
  humans?: HumanLoopPolicy;
}

export interface NodeRecoveryInput {
  node: string;
  reason: NodeFailureReason;
  /** ISO-8601 time the failure was confirmed by the detector. */
  detectedAt: string;
  policy: NodeRecoveryPolicy;
}

/**
 * How a node recovery ended. `healed`: the node was healthy again before anything disruptive was
 * done (counted as a false positive). `gone`: the node was deleted (by an autoscaler or a person)
 * during the recovery; the evicted workloads were still verified.
 */
export type NodeRecoveryOutcome =
  'recovered' | 'replaced' | 'healed' | 'gone' | 'skipped' | 'stopped' | 'escalated';

export interface NodeRecoveryResult {
  node: string;
  outcome: NodeRecoveryOutcome;
  /** Human-readable steps taken, in order ("cordoned sim-node-1", "would uncordon ..."). */
  actions: string[];
}
