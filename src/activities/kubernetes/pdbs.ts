/** PodDisruptionBudgets, read: which select a pod, and how many disruptions each allows now. */
import type { CoreV1Api, PolicyV1Api, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { PodRef } from '../../domain';
import type { PdbsPort, PdbStatus } from '../ports';
import type { ApiCalls } from './api-calls';
import { selectorMatches } from './selectors';

export interface Pdbs extends PdbsPort {
  /** The PodDisruptionBudgets in the pod's namespace whose selector selects it. */
  budgetsSelecting(pod: PodRef): Promise<V1PodDisruptionBudget[]>;
}

export function createPdbs(core: CoreV1Api, policy: PolicyV1Api, { api, apiOrGone }: ApiCalls): Pdbs {
  const budgetsSelecting = async (pod: PodRef): Promise<V1PodDisruptionBudget[]> => {
    const live = await apiOrGone(`get pods ${pod.namespace}/${pod.name}`, () =>
      core.readNamespacedPod({ name: pod.name, namespace: pod.namespace }),
    );
    if (!live) return [];
    const labels = live.metadata?.labels ?? {};
    const list = await api(`list poddisruptionbudgets in ${pod.namespace}`, () =>
      policy.listNamespacedPodDisruptionBudget({ namespace: pod.namespace }),
    );
    return list.items.filter((pdb) => selectorMatches(pdb.spec?.selector, labels));
  };
  return {
    budgetsSelecting,
    async disruptionBudgetsFor(pod): Promise<PdbStatus[]> {
      return (await budgetsSelecting(pod)).map((p) => ({
        name: `${pod.namespace}/${p.metadata?.name ?? ''}`,
        disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
      }));
    },
  };
}
