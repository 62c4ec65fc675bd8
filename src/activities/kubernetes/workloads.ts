/** Workloads, read: desired and ready replicas, which verification waits for. */
import type { AppsV1Api } from '@kubernetes/client-node';
import type { WorkloadReadiness, WorkloadRef } from '../../domain';
import type { WorkloadsPort } from '../ports';
import type { ApiCalls } from './api-calls';

interface Replicated {
  spec?: { replicas?: number };
  status?: { readyReplicas?: number };
}

export function createWorkloads(apps: AppsV1Api, { apiOrGone }: ApiCalls): WorkloadsPort {
  const reader = ({ kind, namespace, name }: WorkloadRef): (() => Promise<Replicated>) =>
    ({
      Deployment: () => apps.readNamespacedDeployment({ name, namespace }),
      StatefulSet: () => apps.readNamespacedStatefulSet({ name, namespace }),
      ReplicaSet: () => apps.readNamespacedReplicaSet({ name, namespace }),
    })[kind];
  return {
    readWorkloads(workloads) {
      return Promise.all(
        workloads.map(async (ref): Promise<WorkloadReadiness> => {
          const what = `get ${ref.kind.toLowerCase()}s ${ref.namespace}/${ref.name}`;
          const workload = await apiOrGone(what, reader(ref));
          if (!workload) return { ...ref, desired: 0, ready: 0, gone: true };
          return {
            ...ref,
            desired: workload.spec?.replicas ?? 1,
            ready: workload.status?.readyReplicas ?? 0,
          };
        }),
      );
    },
  };
}
