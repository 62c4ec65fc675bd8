/**
 * Service recovery, as the design orders it: check the Service's dependencies and recover the
 * unhealthy ones first (child recoveries, joining any already running; a cycle is reported, never
 * followed), then the Service itself by the strategy that fits (failover to a healthy secondary,
 * scaling under load, its workload's own recovery, or restarts 30 s apart), then verify by status,
 * connectivity, performance and dependencies. Completed only when verification passes.
 */
import { ApplicationFailure, workflowInfo } from '@temporalio/workflow';
import type {
  RecoveryPhase,
  RecoveryStatus,
  ServiceRecoveryInput,
  ServiceRecoveryOutcome,
  ServiceRecoveryResult,
  ServiceSpec,
  ServiceStrategy,
} from '../../domain';
import { describeProblems, serviceName, serviceTargetKey } from '../../domain';
import type { ServiceView } from '../../activities';
import { Recovery, RecoveryEnded, runRecovery } from '../shared/recovery';
import { RecoveryState } from '../shared/recovery-state';
import { recoverDependencies } from './dependencies';
import { failover } from './failover';
import { scale } from './scaling';
import { recoverWorkload } from './own-workload';
import { verify } from './verification';
import { services } from './proxies';

/** Recovers one Service. One execution per Service: the workflow ID is derived from it. */
export async function serviceRecoveryWorkflow(input: ServiceRecoveryInput): Promise<ServiceRecoveryResult> {
  if (!input?.service?.name || !input.service.namespace)
    throw ApplicationFailure.nonRetryable(
      `input.service is incomplete: ${JSON.stringify(input?.service)}`,
      'InvalidInput',
    );
  if (!input.policy) throw ApplicationFailure.nonRetryable('input.policy is missing', 'InvalidInput');
  const detection = {
    observedAt: input.detectedAt,
    reason: input.reason,
    ...(input.message ? { message: input.message } : {}),
  };
  const state = new RecoveryState('service', serviceTargetKey(input.service), input.policy.dryRun, detection);
  return runRecovery(new ServiceRecovery(input, state));
}

/** What the strategies (./failover.ts, ./scaling.ts, ./own-workload.ts) use of the recovery. */
export interface ServiceRun {
  readonly input: ServiceRecoveryInput;
  readonly name: string;
  readonly spec: ServiceSpec;
  readonly view: ServiceView;
  strategy: ServiceStrategy | undefined;
  enter(phase: RecoveryPhase, step: string): void;
  record(...lines: string[]): void;
  /** Ends the recovery with this result (thrown). */
  end(result: ServiceRecoveryResult): never;
  escalate(why: string): Promise<ServiceRecoveryResult>;
  report(why: string): Promise<ServiceRecoveryResult>;
  stop(why: string): Promise<ServiceRecoveryResult>;
  finish(phase: RecoveryPhase, outcome: ServiceRecoveryOutcome, step: string): ServiceRecoveryResult;
  /** An Event on the Service, naming this recovery: every action is told where `kubectl describe` shows it. */
  tell(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
  /** The `services` budget's permit, once per recovery, before its first change. */
  acquirePermit(): Promise<void>;
  approval: Recovery<ServiceRecoveryResult>['approval'];
  approvalRung: Recovery<ServiceRecoveryResult>['approvalRung'];
}

class ServiceRecovery extends Recovery<ServiceRecoveryResult> implements ServiceRun {
  readonly name: string;
  strategy: ServiceStrategy | undefined;
  private parsed: { spec: ServiceSpec; view: ServiceView } | undefined;
  private readonly dependencies: Record<string, ServiceRecoveryOutcome> = {};
  private permitted = false;

  constructor(
    readonly input: ServiceRecoveryInput,
    state: RecoveryState,
  ) {
    super(state, input.policy.humans);
    this.name = `Service ${serviceName(input.service)}`;
  }

  get spec(): ServiceSpec {
    if (!this.parsed) throw new TypeError('the Service was not inspected yet');
    return this.parsed.spec;
  }

  get view(): ServiceView {
    if (!this.parsed) throw new TypeError('the Service was not inspected yet');
    return this.parsed.view;
  }

  protected statusDetails(): Pick<RecoveryStatus, 'blockingPdbs' | 'diagnosis'> {
    return { blockingPdbs: [] };
  }

  async run(): Promise<ServiceRecoveryResult> {
    let result: ServiceRecoveryResult;
    try {
      result = await this.procedure();
    } catch (error) {
      if (!(error instanceof RecoveryEnded)) throw error;
      result = error.result as ServiceRecoveryResult;
    }
    if (result.outcome === 'recovered') await this.tell('Normal', 'SelfHealingRecovered', this.state.step);
    return result;
  }

  async tell(type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const { workflowId } = workflowInfo();
    await services.recordServiceEvent({
      service: this.input.service,
      type,
      reason,
      message: `${message} (workflow ${workflowId})`,
    });
  }

  private async procedure(): Promise<ServiceRecoveryResult> {
    const { service } = this.input;
    this.enter('Diagnosing', `read ${this.name}: annotations, endpoints, the workloads behind it`);
    const view = await services.inspectService({ service });
    if (!view.exists) return this.finish('Skipped', 'gone', `${this.name} no longer exists`);
    if (view.optedOut)
      return this.finish('Skipped', 'skipped', `${this.name} is opted out (${view.optedOut})`);
    if (!view.spec) return this.skipInvalid(describeProblems(view.problems ?? []));
    this.parsed = { spec: view.spec, view };

    if (view.spec.dependencies.length > 0) {
      const outcomes = await recoverDependencies(this);
      Object.assign(this.dependencies, outcomes);
    }
    const health = await services.serviceHealth({ service });
    const performanceReason = !['NoReadyEndpoints', 'ConnectivityFailed'].includes(this.input.reason);
    if (health.healthy && !performanceReason) {
      if (Object.keys(this.dependencies).length === 0)
        return this.finish('Recovered', 'healed', `${this.name} is healthy again; nothing was done`);
      this.strategy = 'dependencies';
      return verify(this, 'its dependencies were recovered');
    }
    this.record(`${this.name}: ${health.healthy ? 'reachable' : health.why}; reason ${this.input.reason}`);
    if (view.spec.failover) return failover(this, view.spec.failover);
    if (performanceReason && health.healthy) {
      if (view.spec.scaling) return scale(this, view.spec.scaling);
      // The analysis alert of the finding already calls humans: a second call would be noise.
      return this.finish(
        'Skipped',
        'skipped',
        `${this.name} is reachable but ${this.input.message ?? this.input.reason}; no strategy applies without scaling (annotation self-healing.temporal.io/scaling); the analysis alert carries it`,
      );
    }
    return recoverWorkload(this);
  }

  private async skipInvalid(problems: string): Promise<ServiceRecoveryResult> {
    await services.recordServiceEvent({
      service: this.input.service,
      type: 'Warning',
      reason: 'SelfHealingInvalidAnnotation',
      message: `not recovered: ${problems}`,
    });
    return this.finish('Skipped', 'skipped', `${this.name} has bad annotations: ${problems}`);
  }

  async acquirePermit(): Promise<void> {
    if (this.permitted || this.input.policy.dryRun) return;
    const max = this.input.policy.maxConcurrent;
    this.enter(
      'WaitingForBudget',
      `wait for a permit of the services disruption budget (at most ${max} at once)`,
    );
    await this.permit.acquire('services', max);
    this.permitted = true;
  }

  async escalate(why: string): Promise<ServiceRecoveryResult> {
    this.state.severity = 'critical';
    this.record(`escalated: ${why}`);
    await this.tell('Warning', 'SelfHealingEscalated', why);
    this.enter('Escalated', `${why}; handed to humans`);
    await this.handToHumans('critical', `${this.name} needs a human`, why);
    return this.result('escalated');
  }

  async report(why: string): Promise<ServiceRecoveryResult> {
    this.record(`reported: ${why}`);
    await this.tell('Warning', 'SelfHealingReported', why);
    this.enter('Escalated', `${why}; reported to humans`);
    await this.handToHumans(this.state.severity, `${this.name} needs a human`, why);
    return this.result('reported');
  }

  async stop(why: string): Promise<ServiceRecoveryResult> {
    await this.tell('Warning', 'SelfHealingStopped', why);
    await this.alert('warning', `Recovery of ${this.name} stopped`, why);
    return this.finish('Stopped', 'stopped', why);
  }

  override end(result: ServiceRecoveryResult): never {
    return super.end(result);
  }

  override enter(phase: RecoveryPhase, step: string): void {
    super.enter(phase, step);
  }

  override record(...lines: string[]): void {
    super.record(...lines);
  }

  override approval(...args: Parameters<Recovery<ServiceRecoveryResult>['approval']>) {
    return super.approval(...args);
  }

  override approvalRung(...args: Parameters<Recovery<ServiceRecoveryResult>['approvalRung']>) {
    return super.approvalRung(...args);
  }

  finish(phase: RecoveryPhase, outcome: ServiceRecoveryOutcome, step: string): ServiceRecoveryResult {
    this.enter(phase, step);
    return this.result(outcome);
  }

  private result(outcome: ServiceRecoveryOutcome): ServiceRecoveryResult {
    return {
      service: this.input.service,
      outcome,
      ...(this.strategy ? { strategy: this.strategy } : {}),
      ...(Object.keys(this.dependencies).length ? { dependencies: { ...this.dependencies } } : {}),
      actions: [...this.state.actions],
    };
  }
}
