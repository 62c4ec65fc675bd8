/** The inputs and typed outcomes of the node activities: what node recovery branches on. */
import type { Duration } from '@temporalio/common';
import type { PodRef, WorkloadRef } from '../../domain';
import type { OwnershipInput } from '../context';
import type { CordonResult, ReplaceOutcome, UncordonResult } from '../ports';

export interface NodeActionInput extends OwnershipInput {
  node: string;
  reason: string;
  dryRun: boolean;
}

export interface DrainInput extends NodeActionInput {
  timeout: Duration;
  deleteEmptyDirData: boolean;
  /**
   * Pods without a controller: leave them (`skip`), or delete them (`delete`, only after a human
   * approved it; the policy's `approve`).
   */
  unmanagedPods: 'skip' | 'delete';
  /** The same choice as a boolean, in the input of drains scheduled by older workflow code. */
  deleteUnmanaged?: boolean;
}

export interface CordonSummary {
  outcome: CordonResult | 'would-cordon';
}

export interface UncordonSummary {
  outcome: UncordonResult | 'would-uncordon';
}

/** What one step of memory-pressure relief did. */
export type PressureRelief =
  | { outcome: 'evicted' | 'would-evict'; pod: string; qosClass: string; priority: number }
  /** No pod is left that may be evicted for memory pressure. */
  | { outcome: 'nothing-evictable' }
  /** The node is no longer cordoned by this recovery (a person took it back): nothing was evicted. */
  | { outcome: 'taken-back' };

/** What a replacement did; `taken-back`: the node is no longer cordoned by this run, nothing was done. */
export type ReplaceSummary = ReplaceOutcome | { outcome: 'taken-back'; detail: string };

/** What the workflow learns from a drain. */
export interface DrainSummary {
  /**
   * `taken-back`: the node stopped being cordoned by this recovery (a person uncordoned it) and the
   * drain stopped before its next mutation; `node-gone`: the node was deleted during the drain.
   */
  outcome: 'drained' | 'timed-out' | 'dry-run' | 'taken-back' | 'node-gone';
  /** Human-readable decisions ("evicted default/web-1", "PDB default/web blocks default/web-2"). */
  lines: string[];
  blockingPdbs: string[];
  /** Workloads whose pods were evicted: verification waits for them to be Ready elsewhere. */
  workloads: WorkloadRef[];
  /** Pods without a controller that were left on the node. */
  unmanaged: PodRef[];
}
