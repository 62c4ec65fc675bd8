/**
 * Every side effect of a recovery, as Temporal activities built over injected ports.
 * Activities are idempotent: Temporal may run any of them more than once.
 */
import { activityInfo, cancellationSignal, heartbeat, log, sleep } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { NodeProviderName } from '../config/recovery-config';
import { defaultRecoveryConfig } from '../config/recovery-config';
import { disruptionBudgetWorkflowId } from '../workflows/ids';
import type { PermitRequest } from '../workflows/messages';
import type { Alert, NodeHealth, PodRef, WorkloadRef } from '../domain';
import { uniqueWorkloads } from '../domain';
import type { BudgetPort } from './budget';
import { drainNode, pressureEvictionOrder } from './drain';
import type {
  ClusterPort,
  CordonResult,
  NodeProvider,
  NotifierPort,
  PodOnNode,
  ReplaceOutcome,
  UncordonResult,
} from './ports';

export interface ActivityDeps {
  cluster: ClusterPort;
  notifier: NotifierPort;
  /** The node provider for a name from the config (`sim`, `cluster-api`, `delete-node`, `none`). */
  nodeProvider: (name: NodeProviderName) => NodeProvider;
  budget: BudgetPort;
  /**
   * Evictions a drain keeps in flight at once; asked at the start of each drain, so it can follow
   * the live config. @default config `api_max_concurrency`
   */
  drainConcurrency?: () => number;
}

export interface NodeActionInput {
  node: string;
  reason: string;
  dryRun: boolean;
}

export interface DrainInput extends NodeActionInput {
  timeout: Duration;
  deleteEmptyDirData: boolean;
  /** Delete pods without a controller (only after a human approved it). */
  deleteUnmanaged: boolean;
}

export interface CordonSummary {
  outcome: CordonResult | 'would-cordon';
}

export interface UncordonSummary {
  outcome: UncordonResult | 'would-uncordon';
}

/** Whose a node is, read right before a mutation: see {@link ClusterPort.cordon} for ownership. */
export type Ownership = 'ours' | 'taken-back' | 'gone';

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

/** How long past a pod's grace period a drain of a down node waits for the pod to disappear. */
const SKIP_WAIT_FOR_DELETE_MS = 5_000;

/** How old a read of the node's ownership may be when a drain decides its next mutation. */
const OWNERSHIP_FRESH_MS = 1_000;

const DrainEventReasons = {
  drained: 'SelfHealingDrained',
  'timed-out': 'SelfHealingDrainTimedOut',
  'taken-back': 'SelfHealingDrainStopped',
  'dry-run': 'SelfHealingDrained',
} as const;

/**
 * `read`, answered from its last result while that is younger than `maxAgeMs`; concurrent callers
 * share one read in flight.
 */
function freshFor<T>(maxAgeMs: number, read: () => Promise<T>, initial: T): () => Promise<T> {
  let last = { value: initial, at: Date.now() };
  let pending: Promise<T> | undefined;
  return () => {
    if (Date.now() - last.at < maxAgeMs) return Promise.resolve(last.value);
    pending ??= read()
      .then((value) => {
        last = { value, at: Date.now() };
        return value;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}

/** Thrown (retryable) by verification while the cluster is not there yet; the retry policy polls. */
export const NOT_READY_YET = 'NotReadyYet';

/** What a drain attempt leaves in its heartbeat for the next attempt. */
interface DrainCheckpoint {
  /** Epoch milliseconds at which the whole drain times out. */
  deadline: number;
  /** Workloads of the pods that were on the node when the drain began. */
  workloads: WorkloadRef[];
}

/** The workloads whose pods a drain of these pods moves (DaemonSet and mirror pods stay). */
function workloadsOf(pods: PodOnNode[]): WorkloadRef[] {
  return uniqueWorkloads(
    pods
      .filter((p) => !p.mirror && p.controller?.kind !== 'DaemonSet')
      .flatMap((p) => (p.workload ? [p.workload] : [])),
  );
}

/** Builds the activity functions a worker registers. */
export function createActivities({
  cluster,
  notifier,
  nodeProvider,
  budget,
  drainConcurrency = () => defaultRecoveryConfig.api_max_concurrency,
}: ActivityDeps) {
  const workflowId = (): string => activityInfo().workflowExecution?.workflowId ?? 'unknown';
  /** The run that owns what this activity cordons: see CordonRequest.owner. */
  const owner = (): string => activityInfo().workflowExecution?.runId ?? 'unknown';
  /** Whose the node is now: still cordoned by this run, taken back by someone, or deleted. */
  const ownership = async (node: string): Promise<Ownership> =>
    ownershipOf(await cluster.readNodeHealth(node));
  const ownershipOf = (health: NodeHealth): Ownership => {
    if (health.ready === 'gone') return 'gone';
    return health.unschedulable && health.cordonOwner === owner() ? 'ours' : 'taken-back';
  };

  return {
    async readNodeHealth(node: string): Promise<NodeHealth> {
      return cluster.readNodeHealth(node);
    },

    async cordonNode({ node, reason, dryRun }: NodeActionInput): Promise<CordonSummary> {
      if (dryRun) return { outcome: 'would-cordon' };
      const outcome = await cluster.cordon({ node, reason, workflowId: workflowId(), owner: owner() });
      if (outcome === 'cordoned') {
        await cluster.recordNodeEvent(node, {
          type: 'Warning',
          reason: 'SelfHealingCordon',
          message: `cordoned by workflow ${workflowId()}: ${reason}`,
        });
        log.info('cordoned', { node, workflowId: workflowId() });
      }
      return { outcome };
    },

    async uncordonNode({ node, reason, dryRun }: NodeActionInput): Promise<UncordonSummary> {
      if (dryRun) return { outcome: 'would-uncordon' };
      const outcome = await cluster.uncordon(node, owner());
      if (outcome === 'uncordoned') {
        await cluster.recordNodeEvent(node, {
          type: 'Normal',
          reason: 'SelfHealingUncordon',
          message: `uncordoned by workflow ${workflowId()}: ${reason}`,
        });
        log.info('uncordoned', { node, workflowId: workflowId() });
      }
      return { outcome };
    },

    /** Drains with kubectl drain semantics; heartbeats its progress; never runs past its timeout. */
    async drainNode(input: DrainInput): Promise<DrainSummary> {
      // A retried attempt (after a worker crash) keeps the first attempt's deadline, so drain_timeout
      // bounds the whole drain, and the workloads that were on the node when it began, so
      // verification also waits for the pods an earlier attempt evicted.
      const previous = activityInfo().heartbeatDetails as DrainCheckpoint | undefined;
      const checkpoint: DrainCheckpoint = {
        deadline: previous?.deadline ?? Date.now() + msToNumber(input.timeout),
        workloads: [...(previous?.workloads ?? [])],
      };
      heartbeat(checkpoint);
      // Remember the workloads of every pod the drain finds on the node, from its own listings and
      // resolutions: no extra API call, and the next heartbeat carries them to a retried attempt.
      const observe = (pods: PodOnNode[]): PodOnNode[] => {
        checkpoint.workloads = uniqueWorkloads([...checkpoint.workloads, ...workloadsOf(pods)]);
        return pods;
      };
      const observing: ClusterPort = Object.assign(Object.create(cluster) as ClusterPort, {
        listPodsOnNode: async (node: string, options?: { resolveWorkloads?: boolean }) =>
          observe(await cluster.listPodsOnNode(node, options)),
        resolveWorkloads: async (pods: readonly PodOnNode[]) => observe(await cluster.resolveWorkloads(pods)),
      });
      // A node without a kubelet never confirms deletions: like kubectl drain
      // --skip-wait-for-delete-timeout, stop waiting for pods past their grace period there.
      const health = await cluster.readNodeHealth(input.node);
      const nodeDown = health.ready !== 'True';
      // Before every eviction or deletion the node must still be cordoned by this run: a person who
      // uncordons it (or deletes it) mid-drain ends the drain before its next mutation.
      const stillOurs = input.dryRun
        ? undefined
        : freshFor(OWNERSHIP_FRESH_MS, () => ownership(input.node), ownershipOf(health));
      const report = await drainNode(
        observing,
        {
          node: input.node,
          deleteEmptyDirData: input.deleteEmptyDirData,
          unmanagedPods: input.deleteUnmanaged ? 'delete' : 'skip',
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
      if (!input.dryRun && report.outcome !== 'node-gone') {
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

    /**
     * Evicts the next pod in memory-pressure order (BestEffort, then Burstable, lowest priority
     * first), while the node is still cordoned by this recovery.
     */
    async relievePressure({ node, dryRun }: { node: string; dryRun: boolean }): Promise<PressureRelief> {
      for (const pod of pressureEvictionOrder(await cluster.listPodsOnNode(node))) {
        if (pod.deletionTimestamp) continue;
        const victim = {
          pod: `${pod.namespace}/${pod.name}`,
          qosClass: pod.qosClass,
          priority: pod.priority,
        };
        if (dryRun) return { outcome: 'would-evict', ...victim };
        if ((await ownership(node)) !== 'ours') return { outcome: 'taken-back' };
        const result = await cluster.evictPod(pod, pod.terminationGracePeriodSeconds);
        if (result.outcome === 'evicted') {
          await cluster.recordNodeEvent(node, {
            type: 'Warning',
            reason: 'SelfHealingPressureEviction',
            message: `workflow ${workflowId()} evicted ${victim.pod} (${pod.qosClass}) to relieve memory pressure`,
          });
          return { outcome: 'evicted', ...victim };
        }
      }
      return { outcome: 'nothing-evictable' };
    },

    /** Replaces the node through the provider, unless someone took the node back meanwhile. */
    async replaceNode({
      node,
      provider,
      dryRun,
    }: {
      node: string;
      provider: NodeProviderName;
      dryRun: boolean;
    }): Promise<ReplaceSummary> {
      if (dryRun) return { outcome: 'replaced', detail: `would replace ${node} through ${provider}` };
      // A node that is gone is left to the provider, which is idempotent about a replacement it made.
      if ((await ownership(node)) === 'taken-back')
        return { outcome: 'taken-back', detail: `${node} is no longer cordoned by this recovery` };
      const outcome = await nodeProvider(provider).replace(node, workflowId());
      await cluster
        .recordNodeEvent(node, {
          type: 'Warning',
          reason: 'SelfHealingReplace',
          message: `workflow ${workflowId()}: ${outcome.detail}`,
        })
        .catch(() => undefined); // the node may be gone already: the Event is best effort
      return outcome;
    },

    /**
     * Succeeds when the node (if given) is Ready and schedulable and every workload has its desired
     * ready replicas; otherwise fails retryably with what is still missing.
     */
    async verifyNodeRecovery({
      node,
      workloads,
    }: {
      node?: string;
      workloads: WorkloadRef[];
    }): Promise<string> {
      const missing: string[] = [];
      const done: string[] = [];
      if (node) {
        const health = await cluster.readNodeHealth(node);
        // Deleted meanwhile (by an autoscaler or a person): there is no node left to wait for.
        if (health.ready === 'gone') done.push(`${node} gone`);
        else if (health.ready !== 'True' || health.unschedulable)
          missing.push(`${node} Ready=${health.ready}${health.unschedulable ? ', unschedulable' : ''}`);
        else done.push(`${node} Ready`);
      }
      for (const w of await cluster.readWorkloads(workloads)) {
        const name = `${w.kind} ${w.namespace}/${w.name}`;
        if (w.gone) done.push(`${name} gone`);
        else if (w.ready < w.desired) missing.push(`${name} ${w.ready}/${w.desired} ready`);
        else done.push(`${name} ${w.ready}/${w.desired} ready`);
      }
      if (missing.length > 0) {
        // Expected for a while: benign, so the SDK logs it quietly and metrics do not count it as an error.
        throw ApplicationFailure.create({
          type: NOT_READY_YET,
          message: `not ready yet: ${missing.join(', ')}`,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      return `verified: ${done.join(', ') || 'nothing to wait for'}`;
    },

    async notify(alert: Alert): Promise<void> {
      await notifier.notify(alert);
    },

    /** `budget`: the budget's workflow ID (absent from workflows older than per-queue budgets). */
    async requestPermit({
      scope,
      budget: budgetId,
      ...request
    }: PermitRequest & { scope: string; budget?: string }): Promise<void> {
      const id = budgetId ?? disruptionBudgetWorkflowId(scope, activityInfo().taskQueue);
      await budget.requestPermit(id, scope, request);
    },

    async closedWorkflows(workflowIds: string[]): Promise<string[]> {
      return budget.closedWorkflows(workflowIds);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
