/**
 * The drain as an activity: heartbeats its progress, keeps the first attempt's deadline and
 * workloads across retries, and stops before its next mutation once the node is no longer this
 * run's (a person uncordoned it, or it was deleted).
 */
import { activityInfo, cancellationSignal, heartbeat, sleep } from '@temporalio/activity';
import { msToNumber } from '@temporalio/common/lib/time';
import { defaultRecoveryConfig } from '../../config/recovery-config';
import type { WorkloadRef } from '../../domain';
import { uniqueWorkloads } from '../../domain';
import { freshFor, ownerFor, ownership, ownershipOf, workflowId } from '../context';
import { drainNode, workloadsOf } from '../drain';
import type { ClusterPort, PodOnNode } from '../ports';
import type { DrainInput, DrainSummary } from './types';

/** How long past a pod's grace period a drain of a down node waits for the pod to disappear. */
const SKIP_WAIT_FOR_DELETE_MS = 5_000;

/** How old a read of the node's ownership may be when a drain decides its next mutation. */
const OWNERSHIP_FRESH_MS = 1_000;

/** The Event a drain that acted records (a dry-run records none; a deleted node cannot hold one). */
const DrainEventReasons = {
  drained: 'SelfHealingDrained',
  'timed-out': 'SelfHealingDrainTimedOut',
  'taken-back': 'SelfHealingDrainStopped',
} as const;

/** What a drain attempt leaves in its heartbeat for the next attempt. */
interface DrainCheckpoint {
  /** Epoch milliseconds at which the whole drain times out. */
  deadline: number;
  /** Workloads of the pods that were on the node when the drain began. */
  workloads: WorkloadRef[];
}

export interface DrainActivityDeps {
  cluster: ClusterPort;
  /**
   * Evictions a drain keeps in flight at once; asked at the start of each drain, so it can follow
   * the live config. @default config `api_max_concurrency`
   */
  drainConcurrency?: () => number;
}

export function createDrainActivity({
  cluster,
  drainConcurrency = () => defaultRecoveryConfig.api_max_concurrency,
}: DrainActivityDeps) {
  return {
    /** Drains with kubectl drain semantics; heartbeats its progress; never runs past its timeout. */
    async drainNode(input: DrainInput): Promise<DrainSummary> {
      const checkpoint = resumeCheckpoint(input);
      const observing = observingWorkloads(cluster, checkpoint);
      // A node without a kubelet never confirms deletions: like kubectl drain
      // --skip-wait-for-delete-timeout, stop waiting for pods past their grace period there.
      const health = await cluster.readNodeHealth(input.node);
      const nodeDown = health.ready !== 'True';
      // Before every eviction or deletion the node must still be cordoned by this run: a person who
      // uncordons it (or deletes it) mid-drain ends the drain before its next mutation.
      const stillOurs = input.dryRun
        ? undefined
        : freshFor(
            OWNERSHIP_FRESH_MS,
            () => ownership(cluster, input.node, ownerFor(input)),
            ownershipOf(health, ownerFor(input)),
          );
      const report = await drainNode(
        observing,
        {
          node: input.node,
          deleteEmptyDirData: input.deleteEmptyDirData,
          unmanagedPods: input.unmanagedPods ?? (input.deleteUnmanaged ? 'delete' : 'skip'),
          timeoutMs: Math.max(0, checkpoint.deadline - Date.now()),
          dryRun: input.dryRun,
          concurrency: drainConcurrency(),
          ...(nodeDown ? { skipWaitForDeleteTimeoutMs: SKIP_WAIT_FOR_DELETE_MS } : {}),
        },
        {
          onProgress: (progress) => heartbeat({ ...checkpoint, progress }),
          sleep: (ms) => sleep(ms),
          now: () => Date.now(),
          isCancelled: () => cancellationSignal().aborted,
          ...(stillOurs ? { stillOurs } : {}),
        },
      );
      if (report.outcome !== 'dry-run' && report.outcome !== 'node-gone') {
        await cluster.recordNodeEvent(input.node, {
          type: report.outcome === 'drained' ? 'Normal' : 'Warning',
          reason: DrainEventReasons[report.outcome],
          message: `workflow ${workflowId()}: ${report.lines.slice(-3).join('; ')}`,
        });
      }
      return {
        outcome: report.outcome,
        lines: report.lines,
        blockingPdbs: report.blockingPdbs,
        workloads: input.dryRun
          ? report.workloads
          : uniqueWorkloads([...checkpoint.workloads, ...report.workloads]),
        unmanaged: report.skipped.filter((s) => s.why === 'unmanaged').map((s) => s.pod),
      };
    },
  };
}

/**
 * A retried attempt (after a worker crash) keeps the first attempt's deadline, so drain_timeout
 * bounds the whole drain, and the workloads that were on the node when it began, so verification
 * also waits for the pods an earlier attempt evicted.
 */
function resumeCheckpoint(input: DrainInput): DrainCheckpoint {
  const previous = activityInfo().heartbeatDetails as DrainCheckpoint | undefined;
  const checkpoint: DrainCheckpoint = {
    deadline: previous?.deadline ?? Date.now() + msToNumber(input.timeout),
    workloads: [...(previous?.workloads ?? [])],
  };
  heartbeat(checkpoint);
  return checkpoint;
}

/**
 * The cluster, remembering in the checkpoint the workloads of every pod the drain finds on the
 * node, from its own listings and resolutions: no extra API call, and the next heartbeat carries
 * them to a retried attempt.
 */
function observingWorkloads(cluster: ClusterPort, checkpoint: DrainCheckpoint): ClusterPort {
  const observe = (pods: PodOnNode[]): PodOnNode[] => {
    checkpoint.workloads = uniqueWorkloads([...checkpoint.workloads, ...movedWorkloads(pods)]);
    return pods;
  };
  return Object.assign(Object.create(cluster) as ClusterPort, {
    listPodsOnNode: async (node: string, options?: { resolveWorkloads?: boolean }) =>
      observe(await cluster.listPodsOnNode(node, options)),
    resolveWorkloads: async (pods: readonly PodOnNode[]) => observe(await cluster.resolveWorkloads(pods)),
  });
}

/** The workloads whose pods a drain of these pods moves (DaemonSet and mirror pods stay). */
function movedWorkloads(pods: PodOnNode[]): WorkloadRef[] {
  return workloadsOf(pods.filter((p) => !p.mirror && p.controller?.kind !== 'DaemonSet'));
}
