/** What the backends process reads from a pod: whether it serves, and which backend it is. */
import type { V1Pod } from '@kubernetes/client-node';
import type { Origin } from './metrics';

/** Ready, Running and not being deleted: the pod's process answers. */
export function isServing(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') return false;
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * The workload a pod belongs to: its Deployment (the ReplicaSet's name without the
 * pod-template-hash), else its controller (StatefulSet, ReplicaSet, Job), else the pod itself.
 */
export function backendNameOf(pod: V1Pod): string {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  const podName = pod.metadata?.name ?? '';
  if (!owner) return podName;
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`))
    return owner.name.slice(0, -hash.length - 1);
  return owner.name;
}

export function originOf(pod: V1Pod): Origin {
  return {
    namespace: pod.metadata?.namespace ?? '',
    backend: backendNameOf(pod),
    pod: pod.metadata?.name ?? '',
  };
}
