/**
 * The scaling strategy's reads and writes: a workload's replicas, the HPA that may own them, the
 * product's last change; and one guarded change of replicas that records its time and step on the
 * workload (so a retried attempt finds it done, and the cooldown holds across recoveries).
 */
import type { WorkloadTarget } from '../../domain';
import { WorkloadAnnotations, workloadTargetKey } from '../../domain';
import { workflowId } from '../context';
import type { ScalingPort, WorkloadRecoveryPort } from '../ports';
import type { ScaleRequest, ScaleResult, ScaleView } from './types';

/** Conflicts (someone else's write between our read and patch) retried before giving up. */
const CONFLICT_ATTEMPTS = 3;

export type ScaleDeps = {
  services: ScalingPort;
  workloads: Pick<WorkloadRecoveryPort, 'recordWorkloadEvent'>;
};

/** The workload's replicas, ready replicas, HPA and the product's last change of them. */
export async function readScale({ services }: ScaleDeps, workload: WorkloadTarget): Promise<ScaleView> {
  const read = await services.readReplicas(workload);
  if (!read) return { exists: false, replicas: 0, ready: 0 };
  const hpa = await services.autoscalerOf(workload);
  const lastScaledAt = read.annotations[WorkloadAnnotations.lastScaled];
  return {
    exists: true,
    replicas: read.replicas ?? 0,
    ready: read.ready,
    ...(hpa ? { hpa } : {}),
    ...(lastScaledAt ? { lastScaledAt } : {}),
  };
}

/** Sets the replicas of a Deployment or StatefulSet; see {@link ScaleResult} for the outcomes. */
export async function scale(deps: ScaleDeps, request: ScaleRequest): Promise<ScaleResult> {
  const { workload, from, replicas, step, dryRun } = request;
  const key = workloadTargetKey(workload);
  if (workload.kind !== 'Deployment' && workload.kind !== 'StatefulSet')
    return { outcome: 'refused', detail: `${key}: only Deployments and StatefulSets are scaled` };
  const token = `${workflowId()}#${step}`;
  for (let attempt = 1; ; attempt += 1) {
    const read = await deps.services.readReplicas(workload);
    if (!read) return { outcome: 'gone', detail: `${key} is gone` };
    if (read.replicas === replicas && read.annotations[WorkloadAnnotations.lastScaledBy] === token) {
      const detail = `${step} was done by an earlier attempt: ${key} has ${replicas} replicas`;
      await recordScaled(deps, workload, detail);
      return { outcome: 'done', detail };
    }
    // Read right before the write: an HPA created since the workflow looked owns the replicas now.
    const hpa = await deps.services.autoscalerOf(workload);
    if (hpa) return { outcome: 'refused', detail: `${key} is scaled by the HorizontalPodAutoscaler ${hpa}` };
    if (read.replicas !== from)
      return {
        outcome: 'changed',
        detail: `${key} has ${read.replicas ?? 'no'} replicas, not the ${from} read: someone else scaled it`,
      };
    const what = `scaled ${key} from ${from} to ${replicas} replicas`;
    if (dryRun) return { outcome: 'dry-run', detail: `would have ${what}` };
    const sent = await deps.services.patchReplicas(workload, {
      resourceVersion: read.resourceVersion,
      replicas,
      annotations: {
        [WorkloadAnnotations.lastScaled]: new Date().toISOString(),
        [WorkloadAnnotations.lastScaledBy]: token,
      },
    });
    if (sent === 'gone') return { outcome: 'gone', detail: `${key} is gone` };
    if (sent === 'patched') {
      await recordScaled(deps, workload, what);
      return { outcome: 'done', detail: what };
    }
    if (attempt >= CONFLICT_ATTEMPTS) return { outcome: 'changed', detail: `${key} kept changing under us` };
  }
}

async function recordScaled({ workloads }: ScaleDeps, workload: WorkloadTarget, what: string): Promise<void> {
  await workloads.recordWorkloadEvent(workload, {
    type: 'Normal',
    reason: 'SelfHealingScaled',
    message: `${what} (workflow ${workflowId()})`,
  });
}
