/** A Pod from the API as drain and pressure decisions see it ({@link PodOnNode}). */
import type { V1Pod } from '@kubernetes/client-node';
import { MIRROR_POD_ANNOTATION } from '../../domain/labels';
import type { PodOnNode } from '../ports';
import type { WorkloadResolver } from './workload-resolver';

/** The pod as drain decisions see it; its workload only when known without an API call. */
export function podOnNodeOf(pod: V1Pod, workloads: Pick<WorkloadResolver, 'cached'>): PodOnNode {
  const namespace = pod.metadata?.namespace ?? 'default';
  const controller = controllerOf(pod);
  const workload = workloads.cached(namespace, controller);
  return {
    namespace,
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ...(controller ? { controller } : {}),
    ...(workload ? { workload } : {}),
    ...specOf(pod),
    ...deletionOf(pod),
  };
}

function specOf(
  pod: V1Pod,
): Pick<PodOnNode, 'mirror' | 'usesEmptyDir' | 'qosClass' | 'priority' | 'terminationGracePeriodSeconds'> {
  return {
    mirror: pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined,
    usesEmptyDir: (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined),
    qosClass: qosClassOf(pod),
    priority: pod.spec?.priority ?? 0,
    terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
  };
}

function deletionOf(pod: V1Pod): Pick<PodOnNode, 'deletionTimestamp'> {
  const deletionTimestamp = pod.metadata?.deletionTimestamp;
  return deletionTimestamp ? { deletionTimestamp: new Date(deletionTimestamp).toISOString() } : {};
}

function qosClassOf(pod: V1Pod): PodOnNode['qosClass'] {
  const declared = pod.status?.qosClass;
  if (declared === 'BestEffort' || declared === 'Burstable' || declared === 'Guaranteed') return declared;
  // The API server sets status.qosClass on create; this fallback covers objects written without it.
  const containers = pod.spec?.containers ?? [];
  const resources = containers.map((c) => c.resources ?? {});
  const none = resources.every(
    (r) => Object.keys(r.requests ?? {}).length === 0 && Object.keys(r.limits ?? {}).length === 0,
  );
  if (none) return 'BestEffort';
  const guaranteed = resources.every((r) =>
    (['cpu', 'memory'] as const).every(
      (k) => r.limits?.[k] !== undefined && (r.requests?.[k] === undefined || r.requests[k] === r.limits[k]),
    ),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function controllerOf(pod: V1Pod): PodOnNode['controller'] {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller === true);
  return owner ? { kind: owner.kind, name: owner.name } : undefined;
}
