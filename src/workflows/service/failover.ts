/**
 * The failover strategy for a Service that names a primary and a secondary (its annotations): when
 * the primary is unhealthy, switch the Service's selector to a healthy secondary (never to an
 * unhealthy one), recover the primary, and switch back only after the primary stayed healthy for
 * the stable window, so traffic never flaps. Every switch is an Event on the Service and a line in
 * the status; traffic that cannot go back stays on the secondary and the recovery escalates.
 */
import { sleep } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { FailoverSpec, Selector, ServiceRecoveryResult } from '../../domain';
import { ServiceAnnotations, formatSelector } from '../../domain';
import type { SelectorHealth } from '../../activities';
import { restoreWorkload, workloadRecovery } from './own-workload';
import { services, workloads } from './proxies';
import type { ServiceRun } from './service-recovery';
import { verify } from './verification';

/** Between two looks at the primary while it comes back. */
const POLL_MS = 10_000;

const healthy = (h: SelectorHealth) => h.pods > 0 && h.ready === h.pods;
const describe = (side: string, selector: Selector, h: SelectorHealth) =>
  `the ${side} (${formatSelector(selector)}) has ${h.ready}/${h.pods} pods Ready`;

export async function failover(run: ServiceRun, spec: FailoverSpec): Promise<ServiceRecoveryResult> {
  run.strategy = 'failover';
  const service = run.input.service;
  const [primary, secondary] = await Promise.all([
    services.selectorHealth({ namespace: service.namespace, selector: spec.primary }),
    services.selectorHealth({ namespace: service.namespace, selector: spec.secondary }),
  ]);
  run.record(
    `${describe('primary', spec.primary, primary)}; ${describe('secondary', spec.secondary, secondary)}`,
  );
  const empty = [
    ...(primary.pods === 0
      ? [`${ServiceAnnotations.failoverPrimary}="${formatSelector(spec.primary)}"`]
      : []),
    ...(secondary.pods === 0
      ? [`${ServiceAnnotations.failoverSecondary}="${formatSelector(spec.secondary)}"`]
      : []),
  ];
  // A side that selects no pod at all is a mistake in the annotation, not an outage: never guessed at.
  if (empty.length > 0) return skipMisdeclared(run, empty);
  if ((run.view.failoverActive ?? 'primary') === 'primary') {
    if (healthy(primary)) {
      // The primary's pods are Ready and yet the Service fails: not a case for failover.
      const [workload] = primary.workloads;
      if (!workload) return run.report(`${run.name} fails while its primary looks healthy`);
      return restoreWorkload(run, workload, await workloads.workloadHealth({ workload }));
    }
    if (!healthy(secondary))
      return run.escalate(
        `${describe('primary', spec.primary, primary)} and ${describe('secondary', spec.secondary, secondary)}: traffic is not switched to an unhealthy secondary`,
      );
    await run.acquirePermit();
    await switchTo(run, 'secondary', spec.secondary);
  } else run.record(`traffic is on the secondary already; recover the primary and switch back`);

  run.enter(
    'FailedOver',
    `traffic on the secondary (${formatSelector(spec.secondary)}); recover the primary`,
  );
  await recoverPrimary(run, primary);
  const window = run.input.policy.failoverStableWindow;
  if (!(await stayedHealthy(run, spec.primary)))
    return run.escalate(
      `the primary (${formatSelector(spec.primary)}) did not stay healthy for ${window}; traffic stays on the secondary`,
    );
  await switchTo(run, 'primary', spec.primary);
  return verify(run, `failover to the secondary and back to the primary after ${window} healthy`);
}

async function skipMisdeclared(run: ServiceRun, empty: string[]): Promise<ServiceRecoveryResult> {
  const problem = `${empty.join(' and ')} ${empty.length > 1 ? 'match' : 'matches'} no pod`;
  await services.recordServiceEvent({
    service: run.input.service,
    type: 'Warning',
    reason: 'SelfHealingInvalidAnnotation',
    message: `not recovered: ${problem}`,
  });
  return run.finish('Skipped', 'skipped', `${run.name}: ${problem}`);
}

async function switchTo(run: ServiceRun, to: 'primary' | 'secondary', selector: Selector): Promise<void> {
  run.enter('Remediating', `switch ${run.name} to the ${to} (${formatSelector(selector)})`);
  const done = await services.switchServiceSelector({
    service: run.input.service,
    to,
    selector,
    step: `switch-to-${to}`,
    dryRun: run.input.policy.dryRun,
  });
  run.record(done.detail);
  switch (done.outcome) {
    case 'done':
      return;
    case 'dry-run':
      return run.end(run.finish('Skipped', 'skipped', `dry-run: ${done.detail}`));
    case 'gone':
      return run.end(run.finish('Skipped', 'gone', done.detail));
    case 'changed':
      return run.end(await run.stop(`${done.detail}; stepping back`));
  }
}

/** The primary's own recovery when its pods fail for a known reason; otherwise it is left to come back. */
async function recoverPrimary(run: ServiceRun, primary: SelectorHealth): Promise<void> {
  for (const workload of primary.workloads) {
    const health = await workloads.workloadHealth({ workload });
    const failing = health.failingPods[0];
    if (!failing) continue;
    const outcome = await workloadRecovery(run, workload, failing);
    const name = `${workload.kind} ${workload.namespace}/${workload.name}`;
    await run.tell(
      'Normal',
      'SelfHealingWorkloadRecovery',
      `the recovery of the primary ${name} ended ${outcome}`,
    );
    if (outcome !== 'recovered' && outcome !== 'healed')
      run.end(
        await run.escalate(
          `the recovery of the primary ${workload.kind} ${workload.namespace}/${workload.name} ended ${outcome}; traffic stays on the secondary`,
        ),
      );
  }
}

/** True once the primary has been healthy for the stable window without a break, within the recovery timeout after it. */
async function stayedHealthy(run: ServiceRun, selector: Selector): Promise<boolean> {
  const { recoveryTimeout, failoverStableWindow } = run.input.policy;
  const window = msToNumber(failoverStableWindow);
  const deadline = Date.now() + msToNumber(recoveryTimeout) + window;
  run.enter(
    'FailedOver',
    `traffic on the secondary until the primary is healthy for ${failoverStableWindow}`,
  );
  let since: number | undefined;
  for (;;) {
    const h = await services.selectorHealth({ namespace: run.input.service.namespace, selector });
    if (!healthy(h)) since = undefined;
    else since ??= Date.now();
    if (since !== undefined && Date.now() - since >= window) return true;
    if (Date.now() >= deadline) return false;
    await sleep(since === undefined ? POLL_MS : Math.min(POLL_MS, since + window - Date.now()));
  }
}
