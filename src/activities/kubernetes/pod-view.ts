/** A Pod from the API as drain and pressure decisions see it ({@link PodOnNode}). */
import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { MIRROR_POD_ANNOTATION } from '../../domain/labels';
import type { PodOnNode } from '../ports';
import type { WorkloadResolver } from './workload-resolver';

/** The pod as drain decisions see it; its workload only when known without an API call. */
export function podOnNodeOf(pod: V1Pod, workloads: Pick<WorkloadResolver, 'cached'>): PodOnNode {
  const namespace = pod.metadata?.namespace ?? 'default';
  const owner = controllerOf(pod);
  const controller = owner ? { kind: owner.kind, name: owner.name } : undefined;
  const workload = workloads.cached(namespace, controller);
  const deletionTimestamp = pod.metadata?.deletionTimestamp;
  return {
    namespace,
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ...(controller ? { controller } : {}),
    ...(workload ? { workload } : {}),
    mirror: pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined,
    usesEmptyDir: (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined),
    qosClass: qosClassOf(pod),
    priority: pod.spec?.priority ?? 0,
    terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
    ...(deletionTimestamp ? { deletionTimestamp: new Date(deletionTimestamp).toISOString() } : {}),
  };
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

function controllerOf(pod: V1Pod): V1OwnerReference | undefined {
  return pod.metadata?.ownerReferences?.find((o) => o.controller === true);
}
