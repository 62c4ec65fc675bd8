/**
 * Workload recovery: diagnose a failing workload, choose the strategy its diagnosis calls for
 * (raise memory, roll back, restart with a durable backoff, evict the failed pod, or report), act
 * under the `workloads` disruption budget only on the workload it diagnosed, then verify: the
 * rollout complete and the pods Ready without a restart for the stable window.
 */
import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';
import type {
  Diagnosis,
  RecoveryPhase,
  RecoveryStatus,
  WorkloadRecoveryInput,
  WorkloadRecoveryOutcome,
  WorkloadRecoveryResult,
  WorkloadStrategy,
} from '../../domain';
import { workloadTargetKey } from '../../domain';
import type { Remediation, WorkloadHealth } from '../../activities';
import { Recovery, causeOf, runRecovery } from '../shared/recovery';
import { RecoveryState } from '../shared/recovery-state';
import { workloads, rolloutWaiter } from './proxies';
import type { Plan } from './strategy';
import { choosePlan } from './strategy';
import { loopGuard } from './loop-guard';

/** Recovers one workload. One execution per workload: the workflow ID is derived from it. */
export async function workloadRecoveryWorkflow(
  input: WorkloadRecoveryInput,
): Promise<WorkloadRecoveryResult> {
  if (!input?.workload?.name || !input.workload.namespace || !input.workload.kind)
    throw ApplicationFailure.nonRetryable(
      `input.workload is incomplete: ${JSON.stringify(input?.workload)}`,
      'InvalidInput',
    );
  if (!input.policy) throw ApplicationFailure.nonRetryable('input.policy is missing', 'InvalidInput');
  const detection = { observedAt: input.detectedAt, reason: input.reason, pod: input.pod };
  const state = new RecoveryState(
    'workload',
    workloadTargetKey(input.workload),
    input.policy.dryRun,
    detection,
  );
  return runRecovery(new WorkloadRecovery(input, state));
}

class WorkloadRecovery extends Recovery<WorkloadRecoveryResult> {
  private diagnosis: Diagnosis | undefined;
  private strategy: WorkloadStrategy | undefined;
  /** The workload as we last left it: a different one means someone else changed it. */
  private fingerprint = '';
  private readonly name: string;

  constructor(
    private readonly input: WorkloadRecoveryInput,
    state: RecoveryState,
  ) {
    super(state, input.policy.humans);
    const { kind, namespace, name } = input.workload;
    this.name = `${kind} ${namespace}/${name}`;
  }

  private get policy() {
    return this.input.policy;
  }

  protected statusDetails(): Pick<RecoveryStatus, 'blockingPdbs' | 'diagnosis'> {
    return { blockingPdbs: [], ...(this.diagnosis ? { diagnosis: this.diagnosis } : {}) };
  }

  protected override alertSubject() {
    return { workload: this.input.workload };
  }

  async run(): Promise<WorkloadRecoveryResult> {
    this.enter('Diagnosing', `diagnose ${this.name}: owner chain, rollout, Events, logs`);
    const d = await this.diagnose();
    if (!d.exists) return this.finish('Skipped', 'gone', `${this.name} no longer exists`);
    if (d.management.optedOut)
      return this.finish('Skipped', 'skipped', `${this.name} is opted out (${d.management.optedOut})`);
    if (d.healthy)
      return this.finish('Recovered', 'healed', `${this.name} is healthy again; nothing was done`);

    const plan = choosePlan(d, this.policy, new Date());
    this.strategy = plan.strategy;
    this.record(`diagnosis: ${d.reason}${d.container ? ` in ${d.container}` : ''}; plan: ${plan.detail}`);
    if (plan.strategy === 'report') return this.report(plan.detail);
    if (d.management.gitOps)
      return this.report(
        `${this.name} is managed by ${d.management.gitOps}, which would revert a patch; recommended change: ${plan.detail}`,
      );
    const loop = loopGuard(d.remediations, this.policy, new Date());
    if (loop) return this.report(`${loop}; recommended change: ${plan.detail}`);

    // The approval first: waiting for a human must not hold one of the budget's permits.
    if ('approval' in plan && plan.approval) {
      const approved = await this.approval(
        { action: plan.strategy, detail: `${plan.detail} (${plan.approval})` },
        [this.approvalRung(this.policy.approvalTimeout)],
      );
      if (!approved) return this.report(`${plan.detail} ${this.refusal}`);
    }
    if (!this.policy.dryRun) {
      this.enter(
        'WaitingForBudget',
        `wait for a permit of the workloads disruption budget (at most ${this.policy.maxConcurrent} at once)`,
      );
      await this.permit.acquire('workloads', this.policy.maxConcurrent);
      await this.lookAgain();
    }
    return plan.strategy === 'restart' ? this.restartWithBackoff() : this.remediateOnce(plan);
  }

  private async diagnose(): Promise<Diagnosis> {
    const { workload, pod, reason } = this.input;
    const d = await workloads.diagnoseWorkload({ workload, pod, reason });
    this.diagnosis = d;
    this.fingerprint = d.fingerprint;
    this.state.severity =
      d.reason === 'OOMKilled' || d.reason === 'CrashLoopBackOff' ? 'critical' : 'warning';
    for (const match of d.logMatches.slice(0, 3)) this.record(`log (${match.signature}): ${match.line}`);
    return d;
  }

  /** After a wait (the permit, an approval): the workload may have healed, gone, or been changed by someone. */
  private async lookAgain(): Promise<void> {
    const health = await workloads.workloadHealth({ workload: this.input.workload });
    if (!health.exists)
      this.end(this.finish('Skipped', 'gone', `${this.name} was deleted while the recovery waited`));
    if (health.fingerprint !== this.fingerprint)
      this.end(
        await this.stop(`${this.name} was changed by someone else while the recovery waited; stepping back`),
      );
    if (health.rolloutComplete && health.failing.length === 0)
      this.end(this.finish('Recovered', 'healed', `${this.name} is healthy again; nothing was done`));
  }

  private async remediateOnce(
    plan: Exclude<Plan, { strategy: 'restart' | 'report' }>,
  ): Promise<WorkloadRecoveryResult> {
    const remediation: Remediation =
      plan.strategy === 'raise-memory'
        ? { kind: 'raise-memory', container: plan.container, limitBytes: plan.limitBytes }
        : plan.strategy === 'rollback'
          ? { kind: 'rollback', toRevision: plan.toRevision }
          : { kind: 'delete-pod', pod: plan.pod };
    const done = await this.act(remediation, plan.strategy);
    if (this.policy.dryRun) return this.finish('Skipped', 'skipped', `dry-run: ${done}`);
    return this.verify(done);
  }

  /** The design's restart strategy: up to N restarts, a durable timer between them, health checked after each. */
  private async restartWithBackoff(): Promise<WorkloadRecoveryResult> {
    const { restartAttempts, restartInterval } = this.policy;
    for (let attempt = 1; attempt <= restartAttempts; attempt++) {
      const done = await this.act({ kind: 'restart' }, `restart-${attempt}`);
      if (this.policy.dryRun) return this.finish('Skipped', 'skipped', `dry-run: ${done}`);
      this.enter(
        'Remediating',
        `restart ${attempt}/${restartAttempts} done; check health in ${restartInterval}`,
      );
      await sleep(restartInterval);
      const health = await this.health();
      if (health.rolloutComplete && health.failing.length === 0) return this.verify(`restart ${attempt}`);
      this.record(
        `after restart ${attempt}: ${health.ready}/${health.desired} ready${health.failing.length ? `, failing: ${health.failing.join(', ')}` : ''}`,
      );
    }
    return this.escalate(`${restartAttempts} restarts ${restartInterval} apart did not help ${this.name}`);
  }

  /** Runs one remediation; ends the recovery when the workload changed under it, is gone, or refused. @returns what was done. */
  private async act(remediation: Remediation, step: string): Promise<string> {
    this.enter('Remediating', `${remediation.kind} ${this.name}`);
    const result = await workloads.remediateWorkload({
      workload: this.input.workload,
      remediation,
      fingerprint: this.fingerprint,
      step,
      dryRun: this.policy.dryRun,
    });
    this.record(result.detail);
    switch (result.outcome) {
      case 'done':
        this.fingerprint = result.fingerprint;
        return result.detail;
      case 'dry-run':
        return result.detail;
      case 'changed':
        return this.end(await this.stop(`${result.detail}; stepping back`));
      case 'gone':
        return this.end(this.finish('Skipped', 'gone', result.detail));
      case 'refused':
      case 'blocked':
        return this.end(
          await this.escalate(`${remediation.kind} of ${this.name} could not be done: ${result.detail}`),
        );
    }
  }

  /** Reads health; someone else's change of the workload ends the recovery. */
  private async health(): Promise<WorkloadHealth> {
    const health = await workloads.workloadHealth({ workload: this.input.workload });
    if (!health.exists)
      this.end(this.finish('Skipped', 'gone', `${this.name} was deleted during the recovery`));
    if (health.fingerprint !== this.fingerprint)
      this.end(
        await this.stop(`${this.name} was changed by someone else during the recovery; stepping back`),
      );
    return health;
  }

  /** The rollout complete, then the pods Ready without a new restart for the stable window. */
  private async verify(change: string): Promise<WorkloadRecoveryResult> {
    const { recoveryTimeout, stableWindow } = this.policy;
    this.enter(
      'Verifying',
      `wait for the rollout of ${this.name} (timeout ${recoveryTimeout}), then ${stableWindow} stable`,
    );
    try {
      this.record(await rolloutWaiter(recoveryTimeout).awaitRollout({ workload: this.input.workload }));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      return this.escalate(`our change did not help (${change}): ${causeOf(error)}`);
    }
    const before = await this.health();
    await sleep(stableWindow);
    const after = await this.health();
    const stable =
      after.rolloutComplete &&
      after.failing.length === 0 &&
      after.pods === before.pods &&
      after.restarts === before.restarts;
    if (!stable)
      return this.escalate(
        `our change did not help (${change}): within ${stableWindow} ${after.failing.length ? `failing: ${after.failing.join(', ')}` : `${after.restarts - before.restarts} new restarts`}`,
      );
    return this.finish(
      'Recovered',
      'recovered',
      `${this.name} is healthy: ${change}; stable for ${stableWindow}`,
    );
  }

  async escalate(why: string): Promise<WorkloadRecoveryResult> {
    this.state.severity = 'critical';
    this.record(`escalated: ${why}`);
    this.enter('Escalated', `${why}; handed to humans`);
    await this.handToHumans('critical', `${this.name} needs a human`, why);
    return this.result('escalated');
  }

  /** Nothing the product may safely change: the diagnosis and the recommendation go to humans. */
  private async report(why: string): Promise<WorkloadRecoveryResult> {
    this.record(`reported: ${why}`);
    this.enter('Escalated', `${why}; reported to humans`);
    await this.handToHumans(this.state.severity, `${this.name} needs a human`, why);
    return this.result('reported');
  }

  private async stop(why: string): Promise<WorkloadRecoveryResult> {
    await this.alert('warning', `Recovery of ${this.name} stopped`, why);
    return this.finish('Stopped', 'stopped', why);
  }

  private finish(
    phase: RecoveryPhase,
    outcome: WorkloadRecoveryOutcome,
    step: string,
  ): WorkloadRecoveryResult {
    this.enter(phase, step);
    return this.result(outcome);
  }

  private result(outcome: WorkloadRecoveryOutcome): WorkloadRecoveryResult {
    return {
      workload: this.input.workload,
      outcome,
      ...(this.strategy ? { strategy: this.strategy } : {}),
      actions: [...this.state.actions],
    };
  }
}
