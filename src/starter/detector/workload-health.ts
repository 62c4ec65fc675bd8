/**
 * The pod source's view of whole workloads, from its caches alone (no API call): which workload a
 * pod or a ReplicaSet belongs to, and whether a workload whose recovery may run is healthy enough
 * for its one `Ready` evidence. See docs/detector.md, "Ready".
 *
 * Healthy means: none of its pods that exist (not terminating) fails or is on its way (every one
 * is Running and Ready with no symptom, or Succeeded), and each of its ReplicaSets in the cache has
 * at least as many such pods as its `spec.replicas`. A replacement that is Pending, not Ready yet,
 * or not created yet therefore holds Ready back, as a rollout or a rollback in progress does.
 * StatefulSets, DaemonSets and Jobs are not cached: for them only the pods that exist count.
 */
import type { PodSourceInformers, V1ReplicaSet } from '../../activities/kubernetes/watch';
import type { WorkloadTarget } from '../../domain';
import { workloadTargetKey } from '../../domain';
import type { ReplicaSetView, WorkloadOf } from './pod-grouping';
import { replicaSetWorkload, workloadOf } from './pod-grouping';
import type { PodView } from './pod-rules';
import { ownersOf, podViewOf } from './pod-rules';
import { isRecord, stringsOf } from './rules';

/** Whether a workload counts as healthy, and if not the first reason found. */
export interface WorkloadHealth {
  healthy: boolean;
  why?: string;
}

/** A pod of the workload as the health rule sees it. */
export interface MemberPod {
  view: PodView;
  /** Running and Ready with no symptom, or Succeeded (the pod rules' verdict). */
  healthy: boolean;
}

/** A ReplicaSet of the workload: its name and how many pods it wants, when known. */
export interface MemberReplicaSet {
  name: string;
  replicas?: number;
}

/**
 * The health rule, pure: every pod that exists is healthy, and every ReplicaSet has as many
 * active (not terminating, not finished) pods as it wants.
 */
export function workloadHealth(
  pods: readonly MemberPod[],
  replicaSets: readonly MemberReplicaSet[],
): WorkloadHealth {
  const active = new Map<string, number>();
  for (const { view, healthy } of pods) {
    if (view.terminating) continue;
    if (!healthy) return { healthy: false, why: `pod ${view.name} is not Ready or fails` };
    if (view.phase === 'Succeeded' || view.phase === 'Failed') continue;
    const rs = replicaSetOf(view);
    if (rs) active.set(rs, (active.get(rs) ?? 0) + 1);
  }
  for (const { name, replicas } of replicaSets) {
    const count = active.get(name) ?? 0;
    if (replicas !== undefined && count < replicas)
      return { healthy: false, why: `ReplicaSet ${name} has ${count} of ${replicas} pods` };
  }
  return { healthy: true };
}

/** The ReplicaSet that controls the pod (without a controller: its first ReplicaSet owner). */
function replicaSetOf(view: PodView): string | undefined {
  const controller = view.owners.find((o) => o.controller);
  if (controller) return controller.kind === 'ReplicaSet' ? controller.name : undefined;
  return view.owners.find((o) => o.kind === 'ReplicaSet')?.name;
}

/** What the grouping reads of a cached ReplicaSet; odd fields are dropped, never thrown on. */
export function replicaSetViewOf(raw: unknown): ReplicaSetView | undefined {
  if (!isRecord(raw) || !isRecord(raw.metadata)) return undefined;
  const spec = isRecord(raw.spec) ? raw.spec : {};
  const replicas = spec.replicas;
  const usable = typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 0;
  return {
    owners: ownersOf(raw.metadata.ownerReferences),
    labels: stringsOf(raw.metadata.labels),
    ...(usable ? { replicas } : {}),
  };
}

/** Workloads over the pod source's caches. */
export class WorkloadIndex {
  constructor(private readonly informers: PodSourceInformers) {}

  /** The pod's workload; its ReplicaSet looked up in the cache. */
  workloadOf(view: PodView): WorkloadOf {
    return workloadOf(view, (namespace, name) =>
      replicaSetViewOf(this.informers.replicaSets.get(name, namespace)),
    );
  }

  /** The key of the ReplicaSet's workload, or undefined for an object without a name. */
  workloadKeyOfReplicaSet(rs: V1ReplicaSet): string | undefined {
    const { name, namespace } = rs.metadata ?? {};
    if (typeof name !== 'string' || !name || typeof namespace !== 'string' || !namespace) return undefined;
    return workloadTargetKey(replicaSetWorkload(namespace, name, replicaSetViewOf(rs)));
  }

  /**
   * Whether `target` is healthy (see {@link workloadHealth}), over the pods and ReplicaSets of its
   * namespace in the caches. One pass over each cache: run once per settled workload, not per event.
   * @param podHealthy the pod rules' verdict on one pod.
   */
  health(target: WorkloadTarget, podHealthy: (view: PodView) => boolean): WorkloadHealth {
    const key = workloadTargetKey(target);
    const pods: MemberPod[] = [];
    for (const raw of this.informers.pods.list()) {
      if (raw.metadata?.namespace !== target.namespace) continue;
      const view = podViewOf(raw);
      if (view && !view.terminating && workloadTargetKey(this.workloadOf(view).target) === key)
        pods.push({ view, healthy: podHealthy(view) });
    }
    const replicaSets: MemberReplicaSet[] = [];
    for (const raw of this.informers.replicaSets.list()) {
      if (raw.metadata?.namespace !== target.namespace || this.workloadKeyOfReplicaSet(raw) !== key) continue;
      replicaSets.push({ name: String(raw.metadata.name), replicas: replicaSetViewOf(raw)?.replicas });
    }
    return workloadHealth(pods, replicaSets);
  }
}
