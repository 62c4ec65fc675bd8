/**
 * Dependencies first: the Services this one depends on are checked, and the unhealthy ones are
 * recovered before it, each as a child Service recovery with the deterministic ID, or joined when
 * its recovery already runs (started by the detector, or by another dependent: a diamond recovers
 * its shared dependency once). The graph is read before anything is followed: a cycle is reported
 * naming it, and a dependency that does not exist skips the Service, as a bad annotation does.
 */
import type { ServiceRecoveryInput, ServiceRecoveryOutcome, ServiceTarget } from '../../domain';
import { ServiceAnnotations, findCycle, serviceName, serviceTargetKey } from '../../domain';
import { serviceRecoveryWorkflowId } from '../ids';
import { recoverAsChild } from './children';
import { services } from './proxies';
import type { ServiceRun } from './service-recovery';

/** Outcomes that leave a dependency healthy. */
const HEALTHY: readonly ServiceRecoveryOutcome[] = ['recovered', 'healed'];

/**
 * Checks the dependencies and recovers the unhealthy ones, in parallel. Ends the recovery (a
 * report, a skip, or an escalation) when the graph has a cycle, names a missing Service, or a
 * dependency could not be recovered. @returns each recovered dependency's outcome by Service key.
 */
export async function recoverDependencies(run: ServiceRun): Promise<Record<string, ServiceRecoveryOutcome>> {
  const self = run.input.service;
  const deps = run.spec.dependencies;
  run.enter('Diagnosing', `check the dependencies of ${run.name}: ${deps.map(serviceName).join(', ')}`);
  const graph = await services.dependencyGraph({ service: self });
  const cycle = findCycle(serviceTargetKey(self), graph.edges);
  if (cycle)
    run.end(await run.report(`dependency cycle ${cycle.join(' → ')}: not followed; fix the annotations`));
  const missing = deps.filter((d) => graph.missing.includes(serviceTargetKey(d)));
  if (missing.length > 0) {
    const names = missing.map(serviceName).join(', ');
    await services.recordServiceEvent({
      service: self,
      type: 'Warning',
      reason: 'SelfHealingInvalidAnnotation',
      message: `not recovered: ${ServiceAnnotations.dependsOn} names ${names}, which does not exist`,
    });
    run.end(run.finish('Skipped', 'skipped', `${run.name} depends on ${names}, which does not exist`));
  }

  const healths = await Promise.all(deps.map((service) => services.serviceHealth({ service })));
  const unhealthy = deps.flatMap((d, i) => (healths[i]?.healthy ? [] : [{ d, health: healths[i]! }]));
  if (unhealthy.length === 0) {
    run.record(`dependencies healthy: ${deps.map(serviceName).join(', ')}`);
    return {};
  }
  run.enter(
    'RecoveringDependencies',
    `recover first: ${unhealthy.map(({ d, health }) => `${serviceName(d)} (${health.why})`).join(', ')}`,
  );
  const outcomes = await Promise.all(
    unhealthy.map(({ d, health }) =>
      recoverDependency(run, d, health.readyEndpoints === 0 ? 'NoReadyEndpoints' : 'ConnectivityFailed'),
    ),
  );
  const byKey: Record<string, ServiceRecoveryOutcome> = {};
  unhealthy.forEach(({ d }, i) => (byKey[serviceTargetKey(d)] = outcomes[i]!));
  const told = unhealthy.map(({ d }) => `${serviceName(d)} ${byKey[serviceTargetKey(d)]}`).join(', ');
  await run.tell('Normal', 'SelfHealingDependencies', `dependencies recovered first: ${told}`);
  const failed = unhealthy.filter((_, i) => !HEALTHY.includes(outcomes[i]!));
  if (failed.length > 0)
    run.end(
      await run.escalate(
        `dependencies not recovered: ${failed.map(({ d }) => `${serviceName(d)} ${byKey[serviceTargetKey(d)]}`).join(', ')}`,
      ),
    );
  return byKey;
}

/** One dependency's recovery: a child, or the one already running, to its end. */
function recoverDependency(
  run: ServiceRun,
  dependency: ServiceTarget,
  reason: ServiceRecoveryInput['reason'],
): Promise<ServiceRecoveryOutcome> {
  const input: ServiceRecoveryInput = {
    service: dependency,
    reason,
    message: `needed by ${serviceName(run.input.service)}`,
    detectedAt: new Date().toISOString(),
    policy: run.input.policy,
    requestedBy: [...(run.input.requestedBy ?? []), serviceTargetKey(run.input.service)],
  };
  return recoverAsChild(run, {
    workflowType: 'serviceRecoveryWorkflow',
    workflowId: serviceRecoveryWorkflowId(dependency),
    input,
    kind: 'service',
    target: serviceTargetKey(dependency),
    what: `dependency ${serviceName(dependency)}`,
    judge: async () =>
      (await services.serviceHealth({ service: dependency })).healthy ? 'healed' : 'escalated',
  });
}
