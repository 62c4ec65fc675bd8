/**
 * A drain that acts: evictions (several at once, PDB-blocked ones retried with backoff), deletions
 * of completed and approved unmanaged pods, and the wait until every pod that must leave has left,
 * all within a finite deadline, stopping before any mutation once the node is no longer ours.
 */
import { CancelledFailure } from '@temporalio/common';
import { defaultRecoveryConfig } from '../../config/recovery-config';
import type { PodRef } from '../../domain';
import type { EvictionResult, PodOnNode, PodsPort } from '../ports';
import { decide } from './decide';
import { inOrder } from './in-order';
import type { DrainHooks, DrainOptions, DrainProgress, DrainReport } from './types';
import { closingLine } from './report';
import {
  EvictionBackoff,
  DRAIN_POLL_MS,
  PROGRESS_INTERVAL_MS,
  emptyReport,
  nameOf,
  refOf,
  workloadsOf,
} from './types';

interface PendingEviction {
  pod: PodOnNode;
  nextAttemptAt: number;
  backoffMs: number;
  blockedBy: string[];
}

/** One drain run's state: pods to evict, pods to wait for, and what was done. */
export class Drain {
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
    private readonly cluster: PodsPort,
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
    let reportedAt = now;
    await inOrder(due, {
      concurrency: this.options.concurrency ?? defaultRecoveryConfig.api_max_concurrency,
      work: ([, { pod }]) => this.cluster.evictPod(pod, pod.terminationGracePeriodSeconds),
      apply: ([uid, pending], result) => this.applyEviction(uid, pending, result),
      mayStart: () => this.mayMutate(),
      cancelled: () => this.hooks.isCancelled?.() ?? false,
      afterEach: () => {
        if (this.hooks.now() - reportedAt < PROGRESS_INTERVAL_MS) return;
        reportedAt = this.hooks.now();
        this.hooks.onProgress(this.progress());
      },
    });
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
    const notEvicted = [...this.toEvict.values()].map((p) => p.pod);
    report.lines.push(closingLine(this.options.node, seconds, report, notEvicted));
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
