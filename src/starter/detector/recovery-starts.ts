/**
 * The detector's calls to Temporal, per node in order (a Ready signal never overtakes the start
 * before it): starting (or joining) a recovery, with a backoff retry while the node stays
 * unhealthy, and evidence signals. Keeps the counters and the timing records of started recoveries.
 */
import type { Evidence, NodeRecoveryInput } from '../../domain';
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import { enqueue, keepRecord, nextRetryDelayMs } from './call-chain';
import type { Clock } from './clock';
import type { EventHub } from './event-hub';
import type { NodeState } from './node-state';
import { markReported } from './node-state';
import type { NodeFinding } from './rules';
import type { DetectorStats, RecoveryGateway, RecoveryStartRecord } from './types';

export class RecoveryStarts {
  readonly records: RecoveryStartRecord[] = [];
  readonly counters = {
    starts: { calls: 0, failures: 0 },
    signals: { signalled: 0, notFound: 0, failures: 0 },
  };

  constructor(
    private readonly deps: { gateway: RecoveryGateway; clock: Clock; logger: Logger; hub: EventHub },
  ) {}

  /**
   * Queues the start of the recovery for `finding`. A failed start un-marks the finding and asks
   * `retry` again after 1 s, 2 s … 60 s.
   */
  start(state: NodeState, finding: NodeFinding, input: NodeRecoveryInput, retry: () => void): void {
    this.enqueue(state, async () => {
      const actedAt = this.deps.clock.now();
      this.counters.starts.calls += 1;
      try {
        const started = await this.deps.gateway.start(input, finding.since);
        if (started.declined) this.declined(finding, started);
        else this.started(state, finding, started, actedAt);
      } catch (error) {
        this.failed(state, finding, error, retry);
      }
    });
  }

  /** Queues an evidence signal; best effort (the recovery also reads the node itself). */
  signal(node: string, state: NodeState, evidence: Evidence): void {
    const { gateway, logger, hub } = this.deps;
    this.enqueue(state, async () => {
      let outcome: 'signalled' | 'not-found' | 'failed';
      try {
        outcome = await gateway.signal(node, evidence);
      } catch (error) {
        outcome = 'failed';
        logger.warn('could not signal evidence', { node, reason: evidence.reason, error: errorText(error) });
      }
      const counter =
        outcome === 'signalled' ? 'signalled' : outcome === 'not-found' ? 'notFound' : 'failures';
      this.counters.signals[counter] += 1;
      logger.info('evidence signalled', {
        node,
        reason: evidence.reason,
        message: evidence.message,
        outcome,
      });
      hub.emit({ type: 'evidence-signalled', node, evidence, outcome });
    });
  }

  stats(): Pick<DetectorStats, 'starts' | 'signals' | 'recoveries'> {
    return {
      starts: { ...this.counters.starts },
      signals: { ...this.counters.signals },
      recoveries: [...this.records],
    };
  }

  private enqueue(state: NodeState, task: () => Promise<void>): void {
    enqueue(state, task, this.deps.logger);
  }

  private declined(finding: NodeFinding, { workflowId, runId }: { workflowId: string; runId: string }): void {
    this.deps.logger.info('recovery not started: a person took the node back during this failure episode', {
      node: finding.node,
      workflowId,
      runId,
    });
    this.deps.hub.emit({
      type: 'recovery-declined',
      node: finding.node,
      reason: finding.reason,
      workflowId,
      runId,
    });
  }

  private started(
    state: NodeState,
    finding: NodeFinding,
    { workflowId, runId }: { workflowId: string; runId: string },
    actedAt: number,
  ): void {
    const resolvedAt = this.deps.clock.now();
    const record: RecoveryStartRecord = {
      node: finding.node,
      reason: finding.reason,
      workflowId,
      runId,
      windowElapsedAt: new Date(finding.windowElapsedAt).toISOString(),
      actedAt: new Date(actedAt).toISOString(),
      resolvedAt: new Date(resolvedAt).toISOString(),
      overheadMs: resolvedAt - finding.windowElapsedAt,
    };
    keepRecord(this.records, record);
    if (state.retry) state.retry.delayMs = 0;
    this.deps.logger.info('recovery started', {
      node: finding.node,
      workflowId,
      runId,
      overheadMs: record.overheadMs,
    });
    this.deps.hub.emit({ type: 'recovery-started', record });
  }

  private failed(state: NodeState, finding: NodeFinding, error: unknown, retry: () => void): void {
    const { clock, logger, hub } = this.deps;
    this.counters.starts.failures += 1;
    markReported(state, finding.reason, false);
    const delayMs = nextRetryDelayMs(state.retry?.delayMs);
    logger.error('could not start recovery; will retry while the node stays unhealthy', {
      node: finding.node,
      reason: finding.reason,
      retryInMs: delayMs,
      error: errorText(error),
    });
    hub.emit({
      type: 'recovery-start-failed',
      node: finding.node,
      reason: finding.reason,
      error: errorText(error),
    });
    if (state.retry) clock.clearTimer(state.retry.handle);
    state.retry = { handle: clock.setTimer(retry, delayMs), delayMs };
  }
}
