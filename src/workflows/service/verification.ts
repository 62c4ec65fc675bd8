/**
 * Verification, as the design lists it: status (the workloads' pods Ready, desired replicas
 * available), connectivity (the check passes on every endpoint), performance (response time, error
 * rate within thresholds, from the metric source) and dependencies (all healthy). The checks must
 * all pass within the recovery timeout, then still pass after the stable window; otherwise the
 * recovery escalates.
 */
import { sleep } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { ServiceRecoveryResult } from '../../domain';
import { serviceName } from '../../domain';
import { services, workloads } from './proxies';
import type { ServiceRun } from './service-recovery';

/** Between two looks while the Service comes back. */
const POLL = '10 seconds';

/** Verifies the Service after `change`; @returns Recovered, or the escalation. */
export async function verify(run: ServiceRun, change: string): Promise<ServiceRecoveryResult> {
  const failures = await verified(run, change);
  if (failures.length > 0) return run.escalate(`verification failed after ${change}: ${failures.join('; ')}`);
  const { stableWindow } = run.input.policy;
  return run.finish(
    'Recovered',
    'recovered',
    `${run.name} verified after ${change}: status, connectivity, performance and dependencies held for ${stableWindow}`,
  );
}

/** The checks that still fail at the end of verification (none: verified). */
export async function verified(run: ServiceRun, change: string): Promise<string[]> {
  const { recoveryTimeout, stableWindow } = run.input.policy;
  run.enter(
    'Verifying',
    `verify ${run.name} after ${change}: status, connectivity, performance, dependencies (within ${recoveryTimeout}), then ${stableWindow} stable`,
  );
  const deadline = Date.now() + msToNumber(recoveryTimeout);
  let failures = await failedChecks(run);
  while (failures.length > 0 && Date.now() < deadline) {
    await sleep(POLL);
    failures = await failedChecks(run);
  }
  if (failures.length > 0) return failures;
  await sleep(stableWindow);
  return failedChecks(run);
}

/** One look at the four checks; @returns what fails, each naming its check. */
async function failedChecks(run: ServiceRun): Promise<string[]> {
  const service = run.input.service;
  const deps = run.spec.dependencies;
  const [view, health, performance, depHealth] = await Promise.all([
    services.inspectService({ service }),
    services.serviceHealth({ service }),
    services.measurePerformance({ service }),
    Promise.all(deps.map((d) => services.serviceHealth({ service: d }))),
  ]);
  const statuses = await Promise.all(
    view.workloads.map((workload) => workloads.workloadHealth({ workload })),
  );
  const failures: string[] = [];
  for (const [i, s] of statuses.entries()) {
    const w = view.workloads[i]!;
    if (!s.rolloutComplete || s.ready < s.desired || s.failing.length > 0)
      failures.push(
        `status: ${w.kind} ${w.namespace}/${w.name} ${s.ready}/${s.desired} ready${s.failing.length ? `, failing ${s.failing.join(', ')}` : ''}`,
      );
  }
  if (!health.healthy) failures.push(`connectivity: ${health.why}`);
  if (performance.breaches.length > 0) failures.push(`performance: ${performance.breaches.join(', ')}`);
  deps.forEach((d, i) => {
    if (!depHealth[i]?.healthy) failures.push(`dependency ${serviceName(d)}: ${depHealth[i]?.why}`);
  });
  return failures;
}
