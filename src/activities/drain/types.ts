/** The drain's options, hooks, progress and report: what callers see of a drain. */
import type { PodRef, WorkloadRef } from '../../domain';
import { uniqueWorkloads } from '../../domain';
import type { PodOnNode } from '../ports';

/** Backoff between evictions of a pod a PodDisruptionBudget blocks. */
export const EvictionBackoff = {
  initialMs: 1_000,
  maxMs: 15_000,
} as const;

/** How long a drain waits between re-listing the node's pods. @default 1000 */
export const DRAIN_POLL_MS = 1_000;

/** How often a long round of evictions reports progress (the activity's heartbeat). */
export const PROGRESS_INTERVAL_MS = 1_000;

export interface DrainOptions {
  node: string;
  /** Evict pods that use emptyDir volumes (kubectl drain --delete-emptydir-data). */
  deleteEmptyDirData: boolean;
  /** Pods without a controller: leave and report them, or delete them (only after approval). */
  unmanagedPods: 'skip' | 'delete';
  /** Overall limit; at the deadline the drain returns `timed-out`. */
  timeoutMs: number;
  /** Decide everything, mutate nothing. */
  dryRun: boolean;
  /** @default {@link DRAIN_POLL_MS} */
  pollIntervalMs?: number;
  /**
   * Evictions in flight at once. The API limiter still bounds every call; this keeps a node's
   * evictions from queueing ahead of every other call the worker makes.
   * @default config `api_max_concurrency`
   */
  concurrency?: number;
  /**
   * Stop waiting for a pod once this long has passed since its deletion deadline (deletionTimestamp,
   * which is the start of deletion plus its grace period), as kubectl drain
   * --skip-wait-for-delete-timeout. On a NotReady or unreachable node no kubelet confirms the deletion,
   * so its pods stay Terminating until the node object goes, while their controllers already
   * replace them elsewhere.
   * @default undefined: wait for every pod until the timeout
   */
  skipWaitForDeleteTimeoutMs?: number;
}

/** What a drain reports while it runs; small and JSON-safe, so it can be an activity heartbeat. */
export interface DrainProgress {
  node: string;
  elapsedMs: number;
  evicted: number;
  /** Pods still to evict or still on the node after eviction. */
  remaining: PodRef[];
  /** `namespace/name` of the PodDisruptionBudgets blocking an eviction right now. */
  blockingPdbs: string[];
}

export interface DrainHooks {
  onProgress(progress: DrainProgress): void;
  /** Waits; an activity passes its cancellable sleep. */
  sleep(ms: number): Promise<void>;
  /** Milliseconds since the epoch. */
  now(): number;
  isCancelled?(): boolean;
  /**
   * Asked before every eviction and deletion: whether the node is still this recovery's to drain.
   * Anything but `ours` ends the drain before that mutation, with outcome `taken-back` (a person
   * uncordoned the node) or `node-gone` (it was deleted). Absent: always ours.
   */
  stillOurs?(): Promise<'ours' | 'taken-back' | 'gone'>;
}

/** Why a pod was deliberately left on the node. */
export type SkipReason = 'daemonset' | 'mirror' | 'unmanaged' | 'local-storage';

export interface DrainReport {
  /**
   * `drained`: every pod the policy allows to move is gone; `skipped` pods may remain.
   * `taken-back` / `node-gone`: stopped before a mutation (see {@link DrainHooks.stillOurs}).
   */
  outcome: 'drained' | 'timed-out' | 'dry-run' | 'taken-back' | 'node-gone';
  /** Pods this run evicted (empty in dry-run). */
  evicted: PodRef[];
  /** Completed pods and approved unmanaged pods this run deleted (empty in dry-run). */
  deleted: PodRef[];
  /** Dry-run only: pods that would be evicted now. */
  wouldEvict: PodRef[];
  skipped: { pod: PodRef; why: SkipReason }[];
  /** Timed-out: pods still on the node. Dry-run: pods a PodDisruptionBudget would block. */
  remaining: PodRef[];
  /** `namespace/name` of the PodDisruptionBudgets blocking (or that would block) an eviction. */
  blockingPdbs: string[];
  /** Workloads of evicted (or terminating) pods: verification waits for them to be Ready elsewhere. */
  workloads: WorkloadRef[];
  /** Human-readable decisions, in order. */
  lines: string[];
}

export const refOf = (pod: PodRef): PodRef => ({ namespace: pod.namespace, name: pod.name });
export const nameOf = (pod: PodRef): string => `${pod.namespace}/${pod.name}`;
export const names = (pods: readonly PodRef[]): string => pods.map(nameOf).join(', ');
/** The pods' workloads, each once, in the pods' order. */
export const workloadsOf = (pods: readonly PodOnNode[]): WorkloadRef[] =>
  uniqueWorkloads(pods.flatMap((p) => (p.workload ? [p.workload] : [])));

export function emptyReport(outcome: DrainReport['outcome']): DrainReport {
  return {
    outcome,
    evicted: [],
    deleted: [],
    wouldEvict: [],
    skipped: [],
    remaining: [],
    blockingPdbs: [],
    workloads: [],
    lines: [],
  };
}
