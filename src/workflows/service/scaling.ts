/**
 * The scaling strategy for a Service under load (scaling opted in by its annotation): double the
 * replicas of its workload, a cooldown between changes, up to the maximum; verify; then watch the
 * load and halve the replicas as it drops, down to where they were (or the Service's minimum).
 * Never on a workload an HPA manages, never on one GitOps would revert; the `services` budget and
 * dry-run apply.
 */
import { sleep } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { ScalingBounds, ServiceRecoveryResult, WorkloadTarget } from '../../domain';
import { services, workloads } from './proxies';
import type { ScaleStep } from './scaling-plan';
import { scalingStep } from './scaling-plan';
import type { ServiceRun } from './service-recovery';
import { verified } from './verification';

/** Changes of replicas one recovery makes at most (1 → 1000 is ten doublings). */
const MAX_CHANGES = 24;

const label = (w: WorkloadTarget) => `${w.kind} ${w.namespace}/${w.name}`;

export async function scale(run: ServiceRun, bounds: ScalingBounds): Promise<ServiceRecoveryResult> {
  run.strategy = 'scale';
  const [workload, ...others] = run.view.workloads;
  if (!workload || others.length > 0)
    return run.report(
      `${run.name} is slow, and scaling needs exactly one workload behind it (found ${run.view.workloads.length})`,
    );
  const view = await services.workloadScale({ workload });
  if (!view.exists) return run.finish('Skipped', 'gone', `${label(workload)} no longer exists`);
  if (view.hpa)
    return run.report(
      `${label(workload)} is scaled by HorizontalPodAutoscaler ${view.hpa}; the product leaves its replicas to it`,
    );
  const { management } = await workloads.workloadHealth({ workload });
  if (management.gitOps)
    return run.report(
      `${label(workload)} is managed by ${management.gitOps}, which would revert a change of replicas`,
    );
  const scaler = new Scaler(run, workload, bounds, view.replicas, view.lastScaledAt);

  const relieved = await scaler.relieve();
  if (relieved) return relieved;
  if (scaler.replicas === scaler.baseline)
    return run.report(
      `${run.name} is slow (${run.input.message ?? run.input.reason}) but not under load: more replicas would not help`,
    );
  const failures = await verified(run, `scaling ${label(workload)} to ${scaler.replicas}`);
  if (failures.length > 0)
    return run.escalate(
      `verification failed after scaling ${label(workload)} to ${scaler.replicas}: ${failures.join('; ')}`,
    );
  const gaveBack = await scaler.giveBack();
  if (gaveBack) return gaveBack;
  return run.finish('Recovered', 'recovered', `${label(workload)} scaled ${scaler.story()}; verified`);
}

class Scaler {
  readonly baseline: number;
  replicas: number;
  private readonly floor: number;
  private readonly history: number[];
  private changes = 0;
  private lastChange: number | undefined;
  private lastAction: ScaleStep['action'] | undefined;

  constructor(
    private readonly run: ServiceRun,
    private readonly workload: WorkloadTarget,
    private readonly bounds: ScalingBounds,
    replicas: number,
    lastScaledAt: string | undefined,
  ) {
    this.baseline = replicas;
    this.replicas = replicas;
    this.floor = Math.max(bounds.min, replicas);
    this.history = [replicas];
    this.lastChange = lastScaledAt ? Date.parse(lastScaledAt) : undefined;
  }

  story(): string {
    return this.history.join(' → ');
  }

  /** Doubles while under load. @returns a result when the recovery ends here. */
  async relieve(): Promise<ServiceRecoveryResult | undefined> {
    this.run.enter('Remediating', `scale ${label(this.workload)} while under load (max ${this.bounds.max})`);
    for (;;) {
      const step = await this.next();
      if (step.action === 'capped')
        return this.run.escalate(`${this.run.name} is under load at its maximum: ${step.why}`);
      if (step.action !== 'up') return undefined;
      const ended = await this.change(step);
      if (ended) return ended;
    }
  }

  /** Watches the load and halves as it drops, back to the floor. @returns a result when the recovery ends here. */
  async giveBack(): Promise<ServiceRecoveryResult | undefined> {
    const { watchFor, cooldown } = this.run.input.policy.scaling;
    const until = Date.now() + msToNumber(watchFor);
    this.run.enter(
      'Verifying',
      `watch the load of ${label(this.workload)} for up to ${watchFor} to give back replicas (floor ${this.floor})`,
    );
    while (this.replicas > this.floor && Date.now() < until) {
      await sleep(cooldown);
      const step = await this.next();
      if (step.action === 'capped')
        return this.run.escalate(`${this.run.name} is under load at its maximum: ${step.why}`);
      if (step.action === 'up' || step.action === 'down') {
        const ended = await this.change(step);
        if (ended) return ended;
      }
    }
    return undefined;
  }

  /** Measures after the cooldown since the last change: new replicas must be Ready before load is judged again. */
  private async next(): Promise<ScaleStep> {
    const { upThreshold, downThreshold } = this.run.input.policy.scaling;
    await this.settle();
    const reading = await services.measurePerformance({ service: this.run.input.service });
    const step = scalingStep({
      replicas: this.replicas,
      loadPerReplica: reading.available ? reading.loadPerReplica : undefined,
      bounds: this.bounds,
      floor: this.floor,
      upThreshold,
      downThreshold,
    });
    // A hold after a hold says nothing new: the watch would repeat it every cooldown.
    if (step.action !== 'hold' || this.lastAction !== 'hold') this.run.record(step.why);
    this.lastAction = step.action;
    return step;
  }

  private async settle(): Promise<void> {
    const cooldown = msToNumber(this.run.input.policy.scaling.cooldown);
    const wait = this.lastChange === undefined ? 0 : this.lastChange + cooldown - Date.now();
    if (wait <= 0) return;
    this.run.enter(
      'Remediating',
      `cooldown: ${label(this.workload)} judged again in ${Math.ceil(wait / 1000)} s`,
    );
    await sleep(wait);
  }

  /** One change of replicas, a cooldown after the last one. @returns a result when the recovery ends here. */
  private async change(step: Extract<ScaleStep, { to: number }>): Promise<ServiceRecoveryResult | undefined> {
    if (this.changes >= MAX_CHANGES)
      return this.run.escalate(
        `${label(this.workload)} was scaled ${this.changes} times without settling: ${this.story()}`,
      );
    await this.run.acquirePermit();
    await this.settle();
    this.changes++;
    const done = await services.scaleWorkload({
      workload: this.workload,
      from: this.replicas,
      replicas: step.to,
      step: `scale-${this.changes}`,
      dryRun: this.run.input.policy.dryRun,
    });
    this.run.record(done.detail);
    switch (done.outcome) {
      case 'done':
        this.replicas = step.to;
        this.history.push(step.to);
        this.lastChange = Date.now();
        this.run.enter('Remediating', `${label(this.workload)}: ${step.why}`);
        await this.run.tell('Normal', 'SelfHealingScaled', `${label(this.workload)}: ${step.why}`);
        return undefined;
      case 'dry-run':
        return this.run.finish('Skipped', 'skipped', `dry-run: ${done.detail}`);
      case 'gone':
        return this.run.finish('Skipped', 'gone', done.detail);
      case 'changed':
        return this.run.stop(`${done.detail}; stepping back`);
      case 'refused':
        return this.run.report(`scaling ${label(this.workload)} refused: ${done.detail}`);
    }
  }
}
