/**
 * The Service's own workload: when its pods fail for a reason workload recovery knows, that
 * recovery runs as a child (or is joined when the detector started it already); otherwise the
 * design's restart strategy: a rollout restart, up to N attempts a durable timer apart, the Service
 * checked after each. Either way the Service is then verified.
 */
import { sleep } from '@temporalio/workflow';
import type {
  PodFailureReason,
  ServiceRecoveryOutcome,
  ServiceRecoveryResult,
  WorkloadTarget,
} from '../../domain';
import { formatSelector, workloadTargetKey } from '../../domain';
import type { WorkloadHealth } from '../../activities';
import { workloadRecoveryWorkflowId } from '../ids';
import { recoverAsChild } from './children';
import { services, workloads } from './proxies';
import type { ServiceRun } from './service-recovery';
import { verify } from './verification';

const label = (w: WorkloadTarget) => `${w.kind} ${w.namespace}/${w.name}`;

/** Recovers the one workload behind the Service, then verifies the Service. */
export async function recoverWorkload(run: ServiceRun): Promise<ServiceRecoveryResult> {
  const found = run.view.workloads;
  if (found.length === 0) {
    const selector = formatSelector(run.view.selector);
    await services.recordServiceEvent({
      service: run.input.service,
      type: 'Warning',
      reason: 'SelfHealingNoWorkload',
      message: `not recovered: spec.selector "${selector}" matches no pod of any workload`,
    });
    return run.finish('Skipped', 'skipped', `${run.name}: spec.selector "${selector}" matches no pod`);
  }
  if (found.length > 1)
    return run.report(`${run.name} is served by ${found.map(label).join(', ')}; recover them one by one`);
  const workload = found[0]!;
  const health = await workloads.workloadHealth({ workload });
  return restoreWorkload(run, workload, health);
}

/** Brings one workload back (its own recovery when a pod fails for a known reason, else restarts), then verifies. */
export async function restoreWorkload(
  run: ServiceRun,
  workload: WorkloadTarget,
  health: WorkloadHealth,
): Promise<ServiceRecoveryResult> {
  if (!health.exists) return run.finish('Skipped', 'gone', `${label(workload)} no longer exists`);
  if (health.management.optedOut)
    return run.finish(
      'Skipped',
      'skipped',
      `${label(workload)} is opted out (${health.management.optedOut})`,
    );
  const failing = await specificFailure(workload, health);
  if (failing) {
    run.strategy ??= 'workload';
    const outcome = await workloadRecovery(run, workload, failing);
    await run.tell(
      'Normal',
      'SelfHealingWorkloadRecovery',
      `the recovery of ${label(workload)} ended ${outcome}`,
    );
    if (outcome === 'recovered' || outcome === 'healed')
      return verify(run, `the recovery of ${label(workload)} ${outcome}`);
    if (outcome === 'stopped') return run.stop(`the recovery of ${label(workload)} stopped`);
    return run.escalate(`the recovery of ${label(workload)} ended ${outcome}`);
  }
  run.strategy ??= 'restart';
  return restarts(run, workload, health);
}

export function workloadRecovery(
  run: ServiceRun,
  workload: WorkloadTarget,
  failing: { pod: string; reason: PodFailureReason },
): Promise<ServiceRecoveryOutcome> {
  run.enter('Remediating', `recover ${label(workload)}: pod ${failing.pod} ${failing.reason}`);
  return recoverAsChild(run, {
    workflowType: 'workloadRecoveryWorkflow',
    workflowId: workloadRecoveryWorkflowId(workload),
    input: {
      workload,
      pod: failing.pod,
      reason: failing.reason,
      message: `behind ${run.name}`,
      detectedAt: new Date().toISOString(),
      policy: run.input.policy.workload,
    },
    kind: 'workload',
    target: workloadTargetKey(workload),
    what: label(workload),
    judge: async () => {
      const health = await workloads.workloadHealth({ workload });
      return health.rolloutComplete && health.failingPods.length === 0 ? 'healed' : 'escalated';
    },
  });
}

/** Looks while a pod is only NotReady: between two crashes a crash-looping pod shows no more. */
const LOOKS = 3;
const LOOK_APART = '5 seconds';

/**
 * The most specific failure of the workload's pods. A pod caught between two crashes of a crash
 * loop shows only "not Ready"; judged on that, its recovery would evict it instead of rolling back
 * the rollout that crashes it. So a NotReady alone is looked at again, a few seconds apart.
 */
async function specificFailure(
  workload: WorkloadTarget,
  health: WorkloadHealth,
): Promise<WorkloadHealth['failingPods'][number] | undefined> {
  let failing = health.failingPods[0];
  for (let look = 1; look < LOOKS && failing?.reason === 'NotReady'; look++) {
    await sleep(LOOK_APART);
    failing = (await workloads.workloadHealth({ workload })).failingPods[0] ?? failing;
  }
  return failing;
}

/** The design's restart strategy: N rollout restarts a durable timer apart, the Service checked after each. */
async function restarts(
  run: ServiceRun,
  workload: WorkloadTarget,
  health: WorkloadHealth,
): Promise<ServiceRecoveryResult> {
  const { restartAttempts, restartInterval, dryRun } = run.input.policy;
  const m = health.management;
  if (m.gitOps)
    return run.report(
      `${label(workload)} is managed by ${m.gitOps}, which would revert a restart; recommended: kubectl rollout restart`,
    );
  if (m.paused) return run.report(`${label(workload)} is paused; a paused workload is not restarted`);
  await run.acquirePermit();
  let fingerprint = health.fingerprint;
  for (let attempt = 1; attempt <= restartAttempts; attempt++) {
    run.enter('Remediating', `restart ${label(workload)} (${attempt}/${restartAttempts})`);
    const done = await workloads.remediateWorkload({
      workload,
      remediation: { kind: 'restart' },
      fingerprint,
      step: `service-restart-${attempt}`,
      dryRun,
    });
    run.record(done.detail);
    switch (done.outcome) {
      case 'done':
        fingerprint = done.fingerprint;
        await run.tell(
          'Normal',
          'SelfHealingRestarted',
          `restart ${attempt}/${restartAttempts}: ${done.detail}`,
        );
        break;
      case 'dry-run':
        return run.finish('Skipped', 'skipped', `dry-run: ${done.detail}`);
      case 'changed':
        return run.stop(`${done.detail}; stepping back`);
      case 'gone':
        return run.finish('Skipped', 'gone', done.detail);
      case 'refused':
      case 'blocked':
        return run.escalate(`restart of ${label(workload)} could not be done: ${done.detail}`);
    }
    run.enter(
      'Remediating',
      `restart ${attempt}/${restartAttempts} done; check ${run.name} in ${restartInterval}`,
    );
    await sleep(restartInterval);
    const now = await services.serviceHealth({ service: run.input.service });
    if (now.healthy) return verify(run, `restart ${attempt} of ${label(workload)}`);
    run.record(`after restart ${attempt}: ${now.why}`);
  }
  return run.escalate(`${restartAttempts} restarts ${restartInterval} apart did not help ${run.name}`);
}
