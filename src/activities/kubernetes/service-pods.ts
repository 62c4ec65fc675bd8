/**
 * The pods behind a Service, and the workload at the top of each one's owner chain: a ReplicaSet's
 * Deployment (through the shared {@link WorkloadResolver}), a StatefulSet, DaemonSet or Job as it is
 * (a CronJob's pods belong to their Job), and a pod with no such owner is its own workload.
 */
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { WorkloadKind, WorkloadTarget } from '../../domain';
import { formatSelector, uniqueWorkloadTargets } from '../../domain';
import type { SelectedPod, ServicesPort } from '../ports';
import type { ApiCalls } from './api-calls';
import { podSnapshot } from './workload-views';
import type { WorkloadResolver } from './workload-resolver';

const OWNER_KINDS: readonly string[] = ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];

export function createServicePods(
  core: CoreV1Api,
  calls: ApiCalls,
  resolver: WorkloadResolver,
): Pick<ServicesPort, 'podsMatching' | 'workloadsOfPods'> {
  const workloadOf = (pod: V1Pod) => workloadOfPod(pod, resolver);
  return {
    async podsMatching(namespace, selector) {
      const labelSelector = formatSelector(selector);
      // An empty selector would list every pod of the namespace: it selects nothing here.
      if (labelSelector === '') return [];
      const list = await calls.api(`list pods in ${namespace}`, () =>
        core.listNamespacedPod({ namespace, labelSelector }),
      );
      const live = list.items.filter((p) => !p.metadata?.deletionTimestamp);
      return Promise.all(
        live.map(async (pod): Promise<SelectedPod> => ({
          name: pod.metadata?.name ?? '',
          ready: podSnapshot(pod).ready,
          workload: await workloadOf(pod),
        })),
      );
    },

    async workloadsOfPods(namespace, names) {
      const pods = await Promise.all(
        [...new Set(names)].map((name) =>
          calls.apiOrGone(`get pods ${namespace}/${name}`, () => core.readNamespacedPod({ name, namespace })),
        ),
      );
      const workloads = await Promise.all(pods.flatMap((p) => (p ? [workloadOf(p)] : [])));
      return uniqueWorkloadTargets(workloads);
    },
  };
}

/** The workload at the top of the pod's owner chain. */
async function workloadOfPod(pod: V1Pod, resolver: WorkloadResolver): Promise<WorkloadTarget> {
  const namespace = pod.metadata?.namespace ?? '';
  const owners = pod.metadata?.ownerReferences ?? [];
  const controller = owners.find((o) => o.controller === true);
  const owner = controller
    ? OWNER_KINDS.includes(controller.kind)
      ? controller
      : undefined
    : owners.find((o) => OWNER_KINDS.includes(o.kind));
  if (!owner) return { kind: 'Pod', namespace, name: pod.metadata?.name ?? '' };
  if (owner.kind !== 'ReplicaSet') return { kind: owner.kind as WorkloadKind, namespace, name: owner.name };
  return (
    (await resolver.resolve(namespace, { kind: owner.kind, name: owner.name })) ?? {
      kind: 'ReplicaSet',
      namespace,
      name: owner.name,
    }
  );
}
