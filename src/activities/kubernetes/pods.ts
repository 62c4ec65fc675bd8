/** Pods on a node, and the two ways the product makes one leave: eviction, and (approved) deletion. */
import type { CoreV1Api } from '@kubernetes/client-node';
import { classifyKubeError, isNotFound, statusOf } from '../errors';
import type { EvictionResult, PodsPort } from '../ports';
import type { ApiCalls } from './api-calls';
import type { Pdbs } from './pdbs';
import { podOnNodeOf } from './pod-view';
import type { WorkloadResolver } from './workload-resolver';

export function createPods(
  core: CoreV1Api,
  calls: ApiCalls,
  workloads: WorkloadResolver,
  pdbs: Pdbs,
): PodsPort {
  const { api, apiOrGone, bounded } = calls;
  return {
    async listPodsOnNode(node, { resolveWorkloads = true } = {}) {
      const list = await api(`list pods (all namespaces) on node ${node}`, () =>
        core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }),
      );
      const pods = list.items.map((pod) => podOnNodeOf(pod, workloads));
      return resolveWorkloads ? Promise.all(pods.map((pod) => workloads.withWorkload(pod))) : pods;
    },

    resolveWorkloads(pods) {
      return Promise.all(pods.map((pod) => workloads.withWorkload(pod)));
    },

    async evictPod(pod, gracePeriodSeconds): Promise<EvictionResult> {
      const what = `create pods/eviction ${pod.namespace}/${pod.name}`;
      try {
        await bounded(() =>
          core.createNamespacedPodEviction({
            name: pod.name,
            namespace: pod.namespace,
            body: {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name: pod.name, namespace: pod.namespace },
              ...(gracePeriodSeconds !== undefined ? { deleteOptions: { gracePeriodSeconds } } : {}),
            },
          }),
        );
        return { outcome: 'evicted' };
      } catch (error) {
        if (isNotFound(error)) return { outcome: 'gone' };
        if (statusOf(error) !== 429) throw classifyKubeError(error, what);
        const message = classifyKubeError(error, what).message;
        const pdbNames = (await pdbs.budgetsSelecting(pod)).map(
          (p) => `${pod.namespace}/${p.metadata?.name ?? ''}`,
        );
        return { outcome: 'blocked', pdbs: pdbNames, message };
      }
    },

    async deletePod(pod, gracePeriodSeconds) {
      const deleted = await apiOrGone(`delete pods ${pod.namespace}/${pod.name}`, () =>
        core.deleteNamespacedPod({
          name: pod.name,
          namespace: pod.namespace,
          ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
        }),
      );
      return deleted ? 'deleted' : 'gone';
    },
  };
}
