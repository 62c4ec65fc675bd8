/**
 * The service source's calls to Temporal, per Service in order (a Ready never overtakes the start
 * before it): the first confirmed finding of an episode starts the recovery (signal-with-start),
 * each later failing observation adds evidence the same way (at most one per check), and a Service
 * healthy again after a start gets one `Ready`. A failed start is not retried on a timer: the next
 * failing check, `service.check_interval` later, calls again.
 */
import type { ConfigSource } from '../../config/config-source';
import type { Evidence, ServiceFailureReason, ServiceTarget } from '../../domain';
import { serviceName } from '../../domain';
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import { serviceRecoveryPolicy } from '../recoveries';
import type { Chained } from './call-chain';
import { enqueue, keepRecord } from './call-chain';
import type { Clock } from './clock';
import type { EventHub } from './event-hub';
import type { ServiceRecoveryStartRecord, ServiceSourceStats } from './service-types';
import type { ServiceGateway } from './types';

/** What the calls keep of one Service. */
export interface ServiceCallState extends Chained {
  target: ServiceTarget;
  /** A start was queued in this failure episode; a healthy Service then gets `Ready`. */
  reported: boolean;
  /** A start resolved in this episode: later findings are evidence. */
  started: boolean;
  /** Counts healthy spells, so a start resolving after its episode ended marks nothing. */
  episode: number;
}

/** A failing observation. */
export interface ServiceFinding {
  reason: ServiceFailureReason;
  message: string;
  /** When it was confirmed (epoch ms). */
  firedAt: number;
}

export interface ServiceCallsDeps {
  gateway: ServiceGateway;
  clock: Clock;
  logger: Logger;
  hub: EventHub;
  configSource: ConfigSource;
}

export class ServiceCalls {
  private readonly records: ServiceRecoveryStartRecord[] = [];
  private readonly counters = {
    starts: { calls: 0, failures: 0 },
    evidence: { sent: 0, failures: 0 },
    signals: { signalled: 0, notFound: 0, failures: 0 },
  };
  private readonly pending = new Set<ServiceCallState>();

  constructor(private readonly deps: ServiceCallsDeps) {}

  /** A confirmed finding, or a later failing observation of the same episode. */
  failing(state: ServiceCallState, finding: ServiceFinding): void {
    state.reported = true;
    const { gateway, configSource, clock } = this.deps;
    const input = {
      service: state.target,
      reason: finding.reason,
      message: finding.message,
      detectedAt: new Date(clock.now()).toISOString(),
      policy: serviceRecoveryPolicy(configSource.current()),
    };
    const episode = state.episode;
    this.enqueue(state, async () => {
      const first = !state.started;
      if (first) this.counters.starts.calls += 1;
      try {
        const { workflowId, runId } = await gateway.startService(input);
        if (first) this.started(state, finding, workflowId, runId);
        else this.evidence(state, input, 'signalled');
        if (state.episode === episode) state.started = true;
      } catch (error) {
        if (first) this.startFailed(state, finding, error);
        else this.evidence(state, input, 'failed', error);
      }
    });
  }

  /** The Service is healthy: one `Ready` if a recovery was started in this episode. */
  healthy(state: ServiceCallState): void {
    if (!state.reported) return;
    state.reported = false;
    state.started = false;
    state.episode += 1;
    const evidence: Evidence = { observedAt: new Date(this.deps.clock.now()).toISOString(), reason: 'Ready' };
    this.enqueue(state, async () => {
      let outcome: 'signalled' | 'not-found' | 'failed';
      try {
        outcome = await this.deps.gateway.signalService(state.target, evidence);
      } catch (error) {
        outcome = 'failed';
        this.deps.logger.warn('could not signal Ready', {
          service: serviceName(state.target),
          error: errorText(error),
        });
      }
      this.counters.signals[
        outcome === 'not-found' ? 'notFound' : outcome === 'failed' ? 'failures' : outcome
      ] += 1;
      this.deps.logger.info('service ready signalled', { service: serviceName(state.target), outcome });
      this.deps.hub.emit({
        type: 'service-evidence-signalled',
        service: serviceName(state.target),
        evidence,
        outcome,
      });
    });
  }

  stats(): Pick<ServiceSourceStats, 'starts' | 'evidence' | 'signals' | 'recoveries'> {
    const { starts, evidence, signals } = this.counters;
    return {
      starts: { ...starts },
      evidence: { ...evidence },
      signals: { ...signals },
      recoveries: [...this.records],
    };
  }

  /** Waits for the calls in flight. */
  async stop(): Promise<void> {
    await Promise.all([...this.pending].map((s) => s.chain));
  }

  private enqueue(state: ServiceCallState, task: () => Promise<void>): void {
    this.pending.add(state);
    enqueue(state, task, this.deps.logger);
    const chain = state.chain;
    void chain.then(() => {
      if (state.chain === chain) this.pending.delete(state);
    });
  }

  private started(state: ServiceCallState, finding: ServiceFinding, workflowId: string, runId: string): void {
    const resolvedAt = this.deps.clock.now();
    const record: ServiceRecoveryStartRecord = {
      service: serviceName(state.target),
      reason: finding.reason,
      workflowId,
      runId,
      firedAt: new Date(finding.firedAt).toISOString(),
      resolvedAt: new Date(resolvedAt).toISOString(),
      overheadMs: resolvedAt - finding.firedAt,
    };
    keepRecord(this.records, record);
    this.deps.logger.info('service recovery started', { ...record });
    this.deps.hub.emit({ type: 'service-recovery-started', record });
  }

  private startFailed(state: ServiceCallState, finding: ServiceFinding, error: unknown): void {
    this.counters.starts.failures += 1;
    const service = serviceName(state.target);
    this.deps.logger.error('could not start service recovery; the next failing check tries again', {
      service,
      reason: finding.reason,
      error: errorText(error),
    });
    this.deps.hub.emit({
      type: 'service-recovery-start-failed',
      service,
      reason: finding.reason,
      error: errorText(error),
    });
  }

  private evidence(
    state: ServiceCallState,
    input: { reason: ServiceFailureReason; message: string; detectedAt: string },
    outcome: 'signalled' | 'failed',
    error?: unknown,
  ): void {
    this.counters.evidence[outcome === 'signalled' ? 'sent' : 'failures'] += 1;
    const service = serviceName(state.target);
    if (error) this.deps.logger.warn('could not add evidence', { service, error: errorText(error) });
    const evidence = { observedAt: input.detectedAt, reason: input.reason, message: input.message };
    this.deps.hub.emit({ type: 'service-evidence-signalled', service, evidence, outcome });
  }
}
