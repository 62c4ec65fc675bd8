/** Pods and workloads, by reference: what a drain moves and what verification waits for. */

/** A pod, by namespace and name. */
export interface PodRef {
  namespace: string;
  name: string;
}

/** A workload whose ready replicas prove that evicted pods run elsewhere. */
export interface WorkloadRef {
  kind: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
  namespace: string;
  name: string;
}

export interface WorkloadReadiness extends WorkloadRef {
  desired: number;
  ready: number;
  /** The workload no longer exists. */
  gone?: boolean;
}

/** A workload's identity, e.g. `Deployment/shop/web`. */
export const workloadKey = (w: WorkloadRef): string => `${w.kind}/${w.namespace}/${w.name}`;

/** The workloads, each once, in the order first seen. */
export function uniqueWorkloads(workloads: Iterable<WorkloadRef>): WorkloadRef[] {
  const byKey = new Map<string, WorkloadRef>();
  for (const w of workloads) if (!byKey.has(workloadKey(w))) byKey.set(workloadKey(w), w);
  return [...byKey.values()];
}
