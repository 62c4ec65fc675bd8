/**
 * Draining a node with `kubectl drain` semantics, over the ClusterPort. A plain async function: the
 * activity around it supplies heartbeats (onProgress), the clock and cancellation.
 *
 * Decisions, in the order kubectl drain takes them:
 * - already-terminating pods are waited for, never evicted again (so a re-run after a worker crash
 *   evicts nothing twice);
 * - Succeeded/Failed pods are deleted: they hold no workload and no disruption budget counts them;
 * - DaemonSet pods and static (mirror) pods are left: their controller would put them straight back;
 * - emptyDir pods are evicted only with `deleteEmptyDirData` (their data is lost), else reported;
 * - pods without a controller are left and reported (`skip`), or deleted (`delete`, only after a
 *   human approved it), since nothing would recreate them;
 * - the rest are evicted through the Eviction API with their own grace period, several at once as
 *   kubectl drain does (at most `concurrency`); a 429 (a PodDisruptionBudget) is retried with
 *   exponential backoff and the budget is reported.
 * The drain then waits until the pods are gone from the node. Its timeout is finite: at the
 * deadline it returns a `timed-out` report instead of throwing or hanging.
 *
 * Nothing stands between the first listing and the first eviction: the pods are listed without
 * resolving their workloads (a ReplicaSet's Deployment costs an API call per ReplicaSet), and the
 * workloads of the pods that leave are resolved after the evictions were issued.
 */
import { CancelledFailure } from '@temporalio/common';
import { defaultRecoveryConfig } from '../config/recovery-config';
import type { PodRef, WorkloadRef } from '../domain';
import { uniqueWorkloads, workloadKey } from '../domain';
import type { ClusterPort, EvictionResult, PodOnNode } from './ports';

/** Backoff between evictions of a pod a PodDisruptionBudget blocks. */
export const EvictionBackoff = {
  initialMs: 1_000,
  maxMs: 15_000,
} as const;

/** How long a drain waits between re-listing the node's pods. @default 1000 */
export const DRAIN_POLL_MS = 1_000;

/** How often a long round of evictions reports progress (the activity's heartbeat). */
const PROGRESS_INTERVAL_MS = 1_000;

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

const refOf = (pod: PodRef): PodRef => ({ namespace: pod.namespace, name: pod.name });
const nameOf = (pod: PodRef): string => `${pod.namespace}/${pod.name}`;
const names = (pods: readonly PodRef[]): string => pods.map(nameOf).join(', ');
/** The pods' workloads, each once, in the pods' order. */
const workloadsOf = (pods: readonly PodOnNode[]): WorkloadRef[] =>
  uniqueWorkloads(pods.flatMap((p) => (p.workload ? [p.workload] : [])));

type Decision =
  | { action: 'wait' }
  | { action: 'delete'; why: string }
  | { action: 'skip'; why: SkipReason; text: string }
  | { action: 'evict' };

/** The kubectl drain filters, in kubectl's order. */
function decide(pod: PodOnNode, options: DrainOptions): Decision {
  if (pod.deletionTimestamp) return { action: 'wait' };
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed')
    return { action: 'delete', why: `completed (${pod.phase})` };
  if (pod.controller?.kind === 'DaemonSet')
    return { action: 'skip', why: 'daemonset', text: 'DaemonSet pod, its controller ignores cordons' };
  if (pod.mirror) return { action: 'skip', why: 'mirror', text: 'static (mirror) pod, the kubelet owns it' };
  if (pod.usesEmptyDir && !options.deleteEmptyDirData)
    return {
      action: 'skip',
      why: 'local-storage',
      text: 'uses emptyDir and drain_delete_emptydir_data is false',
    };
  if (!pod.controller) {
    if (options.unmanagedPods === 'delete') return { action: 'delete', why: 'unmanaged, deletion approved' };
    return { action: 'skip', why: 'unmanaged', text: 'no controller would recreate it' };
  }
  return { action: 'evict' };
}

/**
 * Drains `options.node`. Never throws for a PodDisruptionBudget or a timeout (those are in the
 * report); API failures other than 404/429 propagate as classified ApplicationFailures.
 * @throws CancelledFailure when `hooks.isCancelled()` turns true.
 */
export async function drainNode(
  cluster: ClusterPort,
  options: DrainOptions,
  hooks: DrainHooks,
): Promise<DrainReport> {
  if (options.dryRun) return planDrain(cluster, options, await cluster.listPodsOnNode(options.node));
  const pods = await cluster.listPodsOnNode(options.node, { resolveWorkloads: false });
  return new Drain(cluster, options, hooks).run(pods);
}

/** Dry-run: the same decisions, with budgets counted down as the evictions would spend them. */
async function planDrain(
  cluster: ClusterPort,
  options: DrainOptions,
  pods: readonly PodOnNode[],
): Promise<DrainReport> {
  const report = emptyReport('dry-run');
  const allowed = new Map<string, number>();
  const blockedBy = new Map<string, PodRef[]>();
  const workloads = new Map<string, WorkloadRef>();
  for (const pod of pods) {
    const decision = decide(pod, options);
    switch (decision.action) {
      case 'wait':
        report.lines.push(`would wait for ${nameOf(pod)}: already terminating`);
        break;
      case 'delete':
        report.lines.push(`would delete ${nameOf(pod)}: ${decision.why}`);
        break;
      case 'skip':
        report.skipped.push({ pod: refOf(pod), why: decision.why });
        report.lines.push(`would leave ${nameOf(pod)}: ${decision.text}`);
        break;
      case 'evict': {
        const budgets = await cluster.disruptionBudgetsFor(pod);
        for (const b of budgets) if (!allowed.has(b.name)) allowed.set(b.name, b.disruptionsAllowed);
        const blocking = budgets.filter((b) => (allowed.get(b.name) ?? 0) <= 0).map((b) => b.name);
        if (blocking.length > 0) {
          report.remaining.push(refOf(pod));
          for (const name of blocking) blockedBy.set(name, [...(blockedBy.get(name) ?? []), refOf(pod)]);
        } else {
          for (const b of budgets) allowed.set(b.name, (allowed.get(b.name) ?? 0) - 1);
          report.wouldEvict.push(refOf(pod));
          if (pod.workload) workloads.set(workloadKey(pod.workload), pod.workload);
        }
      }
    }
  }
  report.blockingPdbs = [...blockedBy.keys()];
  report.workloads = [...workloads.values()];
  const summary = [
    report.wouldEvict.length > 0 ? `would evict ${names(report.wouldEvict)}` : 'would evict nothing',
    ...[...blockedBy].map(([pdb, blocked]) => `PDB ${pdb} would block ${names(blocked)}`),
  ].join('; ');
  report.lines.push(`dry-run drain of ${options.node}: ${summary}`);
  return report;
}

function emptyReport(outcome: DrainReport['outcome']): DrainReport {
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

interface PendingEviction {
  pod: PodOnNode;
  nextAttemptAt: number;
  backoffMs: number;
  blockedBy: string[];
}

/** One drain run's state: pods to evict, pods to wait for, and what was done. */
class Drain {
  private readonly report = emptyReport('drained');
  private readonly seen = new Set<string>();
  private readonly toEvict = new Map<string, PendingEviction>();
  /** Pods evicted, deleted or already terminating, by uid, until they leave the node. */
  private readonly leaving = new Map<string, PodOnNode>();
  /** Pods whose workload verification waits for, by uid, in the order they were noted. */
  private readonly moved = new Map<string, PodOnNode>();
  private readonly startedAt: number;
  private readonly deadline: number;
  /** Set when the node stopped being ours; no mutation follows. */
  private stopped: 'taken-back' | 'node-gone' | undefined;

  constructor(
    private readonly cluster: ClusterPort,
    private readonly options: DrainOptions,
    private readonly hooks: DrainHooks,
  ) {
    this.startedAt = hooks.now();
    this.deadline = this.startedAt + options.timeoutMs;
  }

  async run(initial: readonly PodOnNode[]): Promise<DrainReport> {
    await this.admit(initial);
    for (;;) {
      if (this.hooks.isCancelled?.()) throw new CancelledFailure(`drain of ${this.options.node} cancelled`);
      if (!this.stopped) await this.evictDue();
      await this.resolveWorkloads();
      if (this.stopped) return this.finish(this.stopped);
      this.hooks.onProgress(this.progress());
      if (this.toEvict.size === 0 && this.leaving.size === 0) return this.finish('drained');
      const now = this.hooks.now();
      if (now >= this.deadline) return this.finish('timed-out');
      const nextAttempt = Math.min(...[...this.toEvict.values()].map((p) => p.nextAttemptAt));
      const wait = Math.min(
        this.options.pollIntervalMs ?? DRAIN_POLL_MS,
        nextAttempt - now,
        this.deadline - now,
      );
      if (wait > 0) await this.hooks.sleep(wait);
      await this.refresh();
    }
  }

  /**
   * Whether the next mutation may go ahead: the node is still ours. Once it is not, the drain is
   * stopped and no later call asks again.
   */
  private async mayMutate(): Promise<boolean> {
    if (this.stopped) return false;
    const verdict = (await this.hooks.stillOurs?.()) ?? 'ours';
    if (verdict === 'ours' || this.stopped) return !this.stopped;
    this.stopped = verdict === 'gone' ? 'node-gone' : 'taken-back';
    this.say(
      verdict === 'gone'
        ? `${this.options.node} was deleted during the drain: nothing more to evict`
        : `${this.options.node} is no longer cordoned by this recovery (someone uncordoned it): stopped before the next eviction`,
    );
    return false;
  }

  /** Takes each pod not seen before through the kubectl drain filters. */
  private async admit(pods: readonly PodOnNode[]): Promise<void> {
    for (const pod of pods) {
      if (this.seen.has(pod.uid)) continue;
      const decision = decide(pod, this.options);
      if (decision.action === 'delete' && !(await this.mayMutate())) return;
      this.seen.add(pod.uid);
      switch (decision.action) {
        case 'wait':
          this.leaving.set(pod.uid, pod);
          this.noteWorkload(pod);
          this.say(`waiting for ${nameOf(pod)}: already terminating, not evicted again`);
          break;
        case 'delete': {
          const outcome = await this.cluster.deletePod(pod, pod.terminationGracePeriodSeconds);
          if (outcome === 'deleted') {
            this.leaving.set(pod.uid, pod);
            this.report.deleted.push(refOf(pod));
            this.say(`deleted ${nameOf(pod)}: ${decision.why}`);
          }
          break;
        }
        case 'skip':
          this.report.skipped.push({ pod: refOf(pod), why: decision.why });
          this.say(`left ${nameOf(pod)}: ${decision.text}`);
          break;
        case 'evict':
          this.toEvict.set(pod.uid, {
            pod,
            nextAttemptAt: this.hooks.now(),
            backoffMs: EvictionBackoff.initialMs,
            blockedBy: [],
          });
      }
    }
  }

  /**
   * Evicts every pod that is due, up to `concurrency` at once. Results are applied in the pods'
   * order, whatever order the answers come in, so the report reads the same at any concurrency.
   * After a failure no further eviction starts; the first failure is thrown once the others ended.
   */
  private async evictDue(): Promise<void> {
    const now = this.hooks.now();
    const due = [...this.toEvict].filter(([, pending]) => pending.nextAttemptAt <= now);
    const results: ({ result: EvictionResult } | { error: unknown } | undefined)[] = [];
    let started = 0;
    let applied = 0;
    let failed = false;
    let reportedAt = now;
    const applyInOrder = (): void => {
      for (let r = results[applied]; r && applied < due.length; r = results[++applied]) {
        const [uid, pending] = due[applied] as [string, PendingEviction];
        if ('result' in r) this.applyEviction(uid, pending, r.result);
      }
      if (this.hooks.now() - reportedAt >= PROGRESS_INTERVAL_MS) {
        reportedAt = this.hooks.now();
        this.hooks.onProgress(this.progress());
      }
    };
    const evictor = async (): Promise<void> => {
      while (started < due.length && !failed && !this.hooks.isCancelled?.()) {
        if (!(await this.mayMutate()) || started >= due.length) break;
        const index = started++;
        const { pod } = (due[index] as [string, PendingEviction])[1];
        try {
          results[index] = { result: await this.cluster.evictPod(pod, pod.terminationGracePeriodSeconds) };
        } catch (error) {
          results[index] = { error };
          failed = true;
        }
        applyInOrder();
      }
    };
    const concurrency = Math.max(1, this.options.concurrency ?? defaultRecoveryConfig.api_max_concurrency);
    await Promise.all(Array.from({ length: Math.min(concurrency, due.length) }, evictor));
    // Evictions after a failure (or a cancellation) were never started: apply what did happen.
    due.forEach(([uid, pending], index) => {
      const r = results[index];
      if (index >= applied && r && 'result' in r) this.applyEviction(uid, pending, r.result);
    });
    const failure = results.find((r) => r !== undefined && 'error' in r);
    if (failure && 'error' in failure) throw failure.error;
  }

  private applyEviction(uid: string, pending: PendingEviction, result: EvictionResult): void {
    const { pod } = pending;
    switch (result.outcome) {
      case 'evicted':
        this.toEvict.delete(uid);
        this.leaving.set(uid, pod);
        this.report.evicted.push(refOf(pod));
        this.noteWorkload(pod);
        this.say(`evicted ${nameOf(pod)} (grace ${pod.terminationGracePeriodSeconds}s)`);
        break;
      case 'gone':
        this.toEvict.delete(uid);
        this.say(`${nameOf(pod)} was already gone`);
        break;
      case 'blocked': {
        const changed = result.pdbs.join() !== pending.blockedBy.join() || pending.blockedBy.length === 0;
        if (changed)
          this.say(
            result.pdbs.length > 0
              ? `PDB ${result.pdbs.join(', ')} blocks ${nameOf(pod)}; retrying with backoff`
              : `eviction of ${nameOf(pod)} refused (429): ${result.message}; retrying with backoff`,
          );
        pending.blockedBy = result.pdbs;
        pending.nextAttemptAt = this.hooks.now() + pending.backoffMs;
        pending.backoffMs = Math.min(pending.backoffMs * 2, EvictionBackoff.maxMs);
      }
    }
  }

  /**
   * Resolves the workloads of the pods listed without one, once their evictions were issued: the
   * pods that leave (verification waits for their workloads) and the pods still to evict.
   */
  private async resolveWorkloads(): Promise<void> {
    const unresolved = [...this.moved.values(), ...[...this.toEvict.values()].map((p) => p.pod)].filter(
      (p) => !p.workload && p.controller,
    );
    if (unresolved.length === 0) return;
    for (const pod of await this.cluster.resolveWorkloads(unresolved)) {
      if (this.moved.has(pod.uid)) this.moved.set(pod.uid, pod);
      const pending = this.toEvict.get(pod.uid);
      if (pending) pending.pod = pod;
    }
  }

  /** Re-lists the node: pods that left are done; new pods (a race with the cordon) are admitted. */
  private async refresh(): Promise<void> {
    const pods = await this.cluster.listPodsOnNode(this.options.node, { resolveWorkloads: false });
    const present = new Map(pods.map((p) => [p.uid, p]));
    const skipAfter = this.options.skipWaitForDeleteTimeoutMs;
    for (const [uid, pod] of this.leaving) {
      const live = present.get(uid);
      if (!live) {
        this.leaving.delete(uid);
        this.say(`${nameOf(pod)} is gone from ${this.options.node}`);
      } else if (
        skipAfter !== undefined &&
        live.deletionTimestamp &&
        this.hooks.now() > Date.parse(live.deletionTimestamp) + skipAfter
      ) {
        this.leaving.delete(uid);
        this.say(
          `${nameOf(pod)} still terminating ${Math.round(skipAfter / 1000)}s past its grace period (no kubelet confirms it); not waiting`,
        );
      }
    }
    for (const [uid, pending] of this.toEvict) {
      const live = present.get(uid);
      if (!live) {
        this.toEvict.delete(uid);
        this.say(`${nameOf(pending.pod)} left ${this.options.node} before eviction`);
      } else if (live.deletionTimestamp) {
        // Someone else is deleting it: wait for it like any terminating pod.
        this.toEvict.delete(uid);
        this.leaving.set(uid, live);
        this.noteWorkload(live);
      }
    }
    await this.admit(pods);
  }

  private blockingPdbs(): string[] {
    return [...new Set([...this.toEvict.values()].flatMap((p) => p.blockedBy))];
  }

  private remaining(): PodRef[] {
    return [...[...this.toEvict.values()].map((p) => p.pod), ...this.leaving.values()].map(refOf);
  }

  private progress(): DrainProgress {
    return {
      node: this.options.node,
      elapsedMs: this.hooks.now() - this.startedAt,
      evicted: this.report.evicted.length,
      remaining: this.remaining(),
      blockingPdbs: this.blockingPdbs(),
    };
  }

  private finish(outcome: 'drained' | 'timed-out' | 'taken-back' | 'node-gone'): DrainReport {
    const report: DrainReport = {
      ...this.report,
      outcome,
      remaining: this.remaining(),
      blockingPdbs: this.blockingPdbs(),
      workloads: workloadsOf([...this.moved.values()]),
    };
    const seconds = Math.round((this.hooks.now() - this.startedAt) / 1000);
    if (outcome === 'drained') {
      report.lines.push(
        `drained ${this.options.node} in ${seconds}s: evicted ${report.evicted.length}, left ${report.skipped.length}`,
      );
    } else if (outcome === 'taken-back' || outcome === 'node-gone') {
      const notEvicted = [...this.toEvict.values()].map((p) => p.pod);
      report.lines.push(
        `drain of ${this.options.node} stopped after ${seconds}s: evicted ${report.evicted.length}${notEvicted.length > 0 ? `, not evicted ${names(notEvicted)}` : ''}`,
      );
    } else {
      const blocked =
        report.blockingPdbs.length > 0 ? `; blocked by PDB ${report.blockingPdbs.join(', ')}` : '';
      report.lines.push(
        `drain of ${this.options.node} timed out after ${seconds}s: ${names(report.remaining)} remain${blocked}`,
      );
    }
    return report;
  }

  /** Remembers the pod's workload for verification (resolved later when the listing did not). */
  private noteWorkload(pod: PodOnNode): void {
    const noted = this.moved.get(pod.uid);
    if (!noted?.workload) this.moved.set(pod.uid, noted && !pod.workload ? noted : pod);
  }

  private say(line: string): void {
    this.report.lines.push(line);
  }
}

/**
 * The order in which pods are evicted to relieve memory pressure, as the kubelet ranks them:
 * BestEffort, then Burstable, each lowest priority first. Guaranteed pods are never chosen, nor
 * DaemonSet or mirror pods (they would come straight back), nor pods without a controller (evicting
 * one deletes it for good), nor pods already terminating or completed.
 */
export function pressureEvictionOrder(pods: readonly PodOnNode[]): PodOnNode[] {
  const rank = { BestEffort: 0, Burstable: 1 } as const;
  return pods
    .filter(
      (p): p is PodOnNode & { qosClass: keyof typeof rank } =>
        p.qosClass !== 'Guaranteed' &&
        p.controller !== undefined &&
        p.controller.kind !== 'DaemonSet' &&
        !p.mirror &&
        !p.deletionTimestamp &&
        p.phase !== 'Succeeded' &&
        p.phase !== 'Failed',
    )
    .sort((a, b) => rank[a.qosClass] - rank[b.qosClass] || a.priority - b.priority);
}
