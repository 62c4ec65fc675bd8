/**
 * The pod source's workloads and their calls to Temporal, per workload in order (./call-chain.ts):
 * the first confirmed failing pod starts the workload's recovery (signal-with-start, so a running
 * one is joined), retried with a backoff while the workload keeps a failing pod; further failing
 * pods are evidence signals. Once no confirmed pod fails any more, one `Ready` goes out when the
 * workload is healthy (./workload-health.ts: every pod that exists Ready, every ReplicaSet with its
 * pods) and no pod of it changed for {@link READY_SETTLE_MS}. Keeps the counters and timing records.
 */
import type { ConfigSource } from '../../config/config-source';
import type { Evidence, PodFailureReason, WorkloadRecoveryInput, WorkloadTarget } from '../../domain';
import { workloadTargetKey } from '../../domain';
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import type { Chained } from './call-chain';
import { enqueue, keepRecord, nextRetryDelayMs } from './call-chain';
import type { Clock, TimerHandle } from './clock';
import type { EventHub } from './event-hub';
import type { PodSourceStats, RecoveryGateway, WorkloadRecoveryStartRecord } from './types';
import type { WorkloadHealth } from './workload-health';
import { workloadRecoveryPolicy } from '../recoveries';

/**
 * How long the pods of a workload with no failing pod left must stay unchanged before its health
 * is judged for `Ready`: a replacement shows up, a pod just Ready may crash at once.
 */
export const READY_SETTLE_MS = 2_000;

/** A confirmed pod failure, as evidence. */
export type PodEvidence = Evidence & { pod: string; reason: PodFailureReason };

/** What the detector remembers of a workload with a failing pod, or whose recovery may run. */
export interface WorkloadState extends Chained {
  target: WorkloadTarget;
  key: string;
  /** Its pods whose failure is confirmed and reported (by namespace/name), with the evidence. */
  failing: Map<string, PodEvidence>;
  /** A start is queued or succeeded (cleared when it failed, until the retry). */
  started: boolean;
  /** This process started its recovery and has not signalled `Ready` since. */
  recoveryMayRun: boolean;
  retry?: { handle: TimerHandle; delayMs: number };
  /** Pending `Ready`: no failing pod left; its health is judged when no pod changed for a while. */
  readyTimer?: TimerHandle;
}

export function newWorkloadState(target: WorkloadTarget): WorkloadState {
  return {
    target,
    key: workloadTargetKey(target),
    failing: new Map(),
    started: false,
    recoveryMayRun: false,
    chain: Promise.resolve(),
  };
}

/** Clears every timer of the workload (start retry, pending Ready). */
export function clearWorkloadTimers(clock: Clock, state: WorkloadState): void {
  if (state.retry) clock.clearTimer(state.retry.handle);
  if (state.readyTimer !== undefined) clock.clearTimer(state.readyTimer);
  state.retry = undefined;
  state.readyTimer = undefined;
}

export class WorkloadCalls {
  readonly workloads = new Map<string, WorkloadState>();
  readonly records: WorkloadRecoveryStartRecord[] = [];
  readonly counters = {
    starts: { calls: 0, failures: 0 },
    signals: { signalled: 0, notFound: 0, failures: 0 },
  };

  constructor(
    private readonly deps: {
      gateway: RecoveryGateway;
      clock: Clock;
      logger: Logger;
      hub: EventHub;
      configSource: ConfigSource;
      /** Whether the workload is healthy now, from the caches (./workload-health.ts). */
      health: (target: WorkloadTarget) => WorkloadHealth;
    },
  ) {}

  /** A pod's failure was confirmed at `firedAt`: start the workload's recovery, or tell the running one. */
  podFailed(target: WorkloadTarget, podKey: string, evidence: PodEvidence, firedAt: number): void {
    const key = workloadTargetKey(target);
    let state = this.workloads.get(key);
    if (!state) this.workloads.set(key, (state = newWorkloadState(target)));
    state.failing.set(podKey, evidence);
    if (state.readyTimer !== undefined) this.deps.clock.clearTimer(state.readyTimer);
    state.readyTimer = undefined;
    if (state.started) this.signal(state, evidence);
    else this.startWith(state, evidence, firedAt);
  }

  /** A reported pod of `workload` fails no more (healthy, terminating or deleted). */
  podLeft(workload: string, podKey: string): void {
    const state = this.workloads.get(workload);
    if (!state || !state.failing.delete(podKey) || state.failing.size > 0) return;
    if (!state.recoveryMayRun) return this.dropIfIdle(state);
    this.settle(state);
  }

  /** A pod or ReplicaSet of `workload` changed: a pending `Ready` waits until it settles again. */
  workloadChanged(workload: string): void {
    const state = this.workloads.get(workload);
    if (state && state.failing.size === 0 && state.recoveryMayRun) this.settle(state);
  }

  /** Judges the workload's health once nothing changed for {@link READY_SETTLE_MS}; healthy: `Ready`. */
  private settle(state: WorkloadState): void {
    const { clock, logger, health } = this.deps;
    if (state.readyTimer !== undefined) clock.clearTimer(state.readyTimer);
    state.readyTimer = clock.setTimer(() => {
      state.readyTimer = undefined;
      if (state.failing.size > 0 || !state.recoveryMayRun) return;
      const verdict = health(state.target);
      // Not yet: the next change of one of its pods or ReplicaSets judges it again.
      if (!verdict.healthy) return logger.debug('Ready withheld', { workload: state.key, why: verdict.why });
      state.recoveryMayRun = false;
      this.signal(state, { observedAt: new Date(clock.now()).toISOString(), reason: 'Ready' });
      this.dropIfIdle(state);
    }, READY_SETTLE_MS);
  }

  /** Clears every timer and waits for the calls in flight. */
  async stop(): Promise<void> {
    for (const state of this.workloads.values()) clearWorkloadTimers(this.deps.clock, state);
    await Promise.all([...this.workloads.values()].map((s) => s.chain));
  }

  private startWith(state: WorkloadState, evidence: PodEvidence, firedAt: number): void {
    const input: WorkloadRecoveryInput = {
      workload: state.target,
      pod: evidence.pod,
      reason: evidence.reason,
      ...(evidence.message ? { message: evidence.message } : {}),
      detectedAt: evidence.observedAt,
      policy: workloadRecoveryPolicy(this.deps.configSource.current()),
    };
    this.start(state, input, firedAt, () => {
      // Still failing, and not started since: again, with a pod that still fails. The rule fired
      // once: the overhead of the start that succeeds counts the failed attempts, as for nodes.
      const first = [...state.failing.values()][0];
      if (first && !state.started && this.workloads.get(state.key) === state)
        this.startWith(state, first, firedAt);
    });
  }

  private dropIfIdle(state: WorkloadState): void {
    if (state.failing.size > 0 || state.recoveryMayRun || state.readyTimer !== undefined) return;
    clearWorkloadTimers(this.deps.clock, state);
    // Calls still queued keep their own reference to the state; a new failure gets a fresh one.
    this.workloads.delete(state.key);
  }

  /**
   * Queues the start of the workload's recovery. `firedAt`: when the rule fired. A failed start
   * clears `started` and calls `retry` after 1 s, 2 s … 60 s.
   */
  private start(
    state: WorkloadState,
    input: WorkloadRecoveryInput,
    firedAt: number,
    retry: () => void,
  ): void {
    const { gateway, clock, logger, hub } = this.deps;
    state.started = true;
    state.recoveryMayRun = true;
    enqueue(
      state,
      async () => {
        this.counters.starts.calls += 1;
        try {
          const { workflowId, runId } = await gateway.startWorkload(input);
          const resolvedAt = clock.now();
          const record: WorkloadRecoveryStartRecord = {
            workload: state.key,
            pod: input.pod,
            reason: input.reason,
            workflowId,
            runId,
            firedAt: new Date(firedAt).toISOString(),
            resolvedAt: new Date(resolvedAt).toISOString(),
            overheadMs: resolvedAt - firedAt,
          };
          keepRecord(this.records, record);
          if (state.retry) state.retry.delayMs = 0;
          logger.info('workload recovery started', {
            workload: state.key,
            pod: input.pod,
            workflowId,
            runId,
          });
          hub.emit({ type: 'workload-recovery-started', record });
        } catch (error) {
          this.failed(state, input, error, retry);
        }
      },
      logger,
    );
  }

  /** Queues an evidence signal; best effort (the recovery also reads the workload itself). */
  private signal(state: WorkloadState, evidence: Evidence): void {
    const { gateway, logger, hub } = this.deps;
    enqueue(
      state,
      async () => {
        let outcome: 'signalled' | 'not-found' | 'failed';
        try {
          outcome = await gateway.signalWorkload(state.target, evidence);
        } catch (error) {
          outcome = 'failed';
          logger.warn('could not signal evidence', { workload: state.key, error: errorText(error) });
        }
        const counter =
          outcome === 'signalled' ? 'signalled' : outcome === 'not-found' ? 'notFound' : 'failures';
        this.counters.signals[counter] += 1;
        logger.info('evidence signalled', {
          workload: state.key,
          pod: evidence.pod,
          reason: evidence.reason,
          outcome,
        });
        hub.emit({ type: 'workload-evidence-signalled', workload: state.key, evidence, outcome });
      },
      logger,
    );
  }

  stats(): Pick<PodSourceStats, 'starts' | 'signals' | 'recoveries'> {
    return {
      starts: { ...this.counters.starts },
      signals: { ...this.counters.signals },
      recoveries: [...this.records],
    };
  }

  private failed(
    state: WorkloadState,
    input: WorkloadRecoveryInput,
    error: unknown,
    retry: () => void,
  ): void {
    const { clock, logger, hub } = this.deps;
    this.counters.starts.failures += 1;
    state.started = false;
    const delayMs = nextRetryDelayMs(state.retry?.delayMs);
    logger.error('could not start workload recovery; will retry while a pod of it keeps failing', {
      workload: state.key,
      pod: input.pod,
      retryInMs: delayMs,
      error: errorText(error),
    });
    hub.emit({
      type: 'workload-recovery-start-failed',
      workload: state.key,
      pod: input.pod,
      reason: input.reason,
      error: errorText(error),
    });
    if (state.retry) clock.clearTimer(state.retry.handle);
    state.retry = {
      handle: clock.setTimer(() => {
        if (state.retry) state.retry.handle = undefined;
        retry();
      }, delayMs),
      delayMs,
    };
  }
}
