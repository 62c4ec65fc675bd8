/**
 * Reading each kind of workload into the one {@link WorkloadObject} shape: its template, replicas
 * and rollout progress as `kubectl rollout status` reads them.
 */
import type {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  V1LabelSelector,
  V1ObjectMeta,
  V1PodTemplateSpec,
} from '@kubernetes/client-node';
import type { WorkloadKind, WorkloadTarget } from '../../domain';
import { WorkloadAnnotations } from '../../domain/labels';
import type { RolloutStatus, WorkloadObject } from '../workload/snapshot';
import type { ApiCalls } from './api-calls';
import { podSnapshot, templateView } from './workload-views';

export interface KindApis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
}

export interface Read {
  meta: V1ObjectMeta;
  object: WorkloadObject;
  selector?: V1LabelSelector;
}

type Reader = (
  apis: KindApis,
  calls: ApiCalls,
  target: WorkloadTarget,
  what: string,
) => Promise<Read | undefined>;

const readers: Record<WorkloadKind, Reader> = {
  async Deployment({ apps }, calls, { name, namespace }, what) {
    const d = await calls.apiOrGone(what, () => apps.readNamespacedDeployment({ name, namespace }));
    if (!d) return undefined;
    const s = d.status ?? {};
    const rollout = status(d.metadata, d.spec?.replicas ?? 1, {
      updated: s.updatedReplicas,
      ready: s.readyReplicas,
      available: s.availableReplicas,
      old: (s.replicas ?? 0) - (s.updatedReplicas ?? 0),
      observedGeneration: s.observedGeneration,
    });
    const revision = Number(d.metadata?.annotations?.[WorkloadAnnotations.revision]);
    return read(d.metadata, d.spec?.template, rollout, d.spec?.selector, {
      replicas: d.spec?.replicas ?? 1,
      paused: d.spec?.paused === true,
      ...(Number.isInteger(revision) ? { revision } : {}),
    });
  },
  async StatefulSet({ apps }, calls, { name, namespace }, what) {
    const st = await calls.apiOrGone(what, () => apps.readNamespacedStatefulSet({ name, namespace }));
    if (!st) return undefined;
    const s = st.status ?? { replicas: 0 };
    const replicas = st.spec?.replicas ?? 1;
    const rollout = status(st.metadata, replicas, {
      updated: s.updatedReplicas,
      ready: s.readyReplicas,
      available: s.availableReplicas,
      old: s.currentRevision !== s.updateRevision ? replicas - (s.updatedReplicas ?? 0) : 0,
      observedGeneration: s.observedGeneration,
    });
    return read(st.metadata, st.spec?.template, rollout, st.spec?.selector, {
      replicas,
      ...(s.updateRevision ? { templateHash: s.updateRevision } : {}),
    });
  },
  async DaemonSet({ apps }, calls, { name, namespace }, what) {
    const ds = await calls.apiOrGone(what, () => apps.readNamespacedDaemonSet({ name, namespace }));
    if (!ds) return undefined;
    const desired = ds.status?.desiredNumberScheduled ?? 0;
    const rollout = status(ds.metadata, desired, {
      updated: ds.status?.updatedNumberScheduled,
      ready: ds.status?.numberReady,
      available: ds.status?.numberAvailable,
      old: desired - (ds.status?.updatedNumberScheduled ?? 0),
      observedGeneration: ds.status?.observedGeneration,
    });
    return read(ds.metadata, ds.spec?.template, rollout, ds.spec?.selector, {});
  },
  async ReplicaSet({ apps }, calls, { name, namespace }, what) {
    const rs = await calls.apiOrGone(what, () => apps.readNamespacedReplicaSet({ name, namespace }));
    if (!rs) return undefined;
    const rollout = status(rs.metadata, rs.spec?.replicas ?? 1, {
      updated: rs.status?.replicas,
      ready: rs.status?.readyReplicas,
      available: rs.status?.availableReplicas,
      old: 0,
      observedGeneration: rs.status?.observedGeneration,
    });
    return read(rs.metadata, rs.spec?.template, rollout, rs.spec?.selector, {
      replicas: rs.spec?.replicas ?? 1,
    });
  },
  async Job({ batch }, calls, { name, namespace }, what) {
    const job = await calls.apiOrGone(what, () => batch.readNamespacedJob({ name, namespace }));
    if (!job) return undefined;
    const rollout = status(job.metadata, job.spec?.parallelism ?? 1, {
      updated: job.status?.active,
      ready: job.status?.ready,
      available: job.status?.ready,
      old: 0,
    });
    return read(job.metadata, job.spec?.template, rollout, job.spec?.selector, {});
  },
  async Pod({ core }, calls, { name, namespace }, what) {
    const pod = await calls.apiOrGone(what, () => core.readNamespacedPod({ name, namespace }));
    if (!pod) return undefined;
    const ready = podSnapshot(pod).ready ? 1 : 0;
    const rollout = status(pod.metadata, 1, { updated: 1, ready, available: ready, old: 0 });
    const template: V1PodTemplateSpec = { metadata: { labels: pod.metadata?.labels ?? {} }, spec: pod.spec! };
    return read(pod.metadata, template, rollout, undefined, {});
  },
};

/** Reads the workload; undefined when it no longer exists. */
export function readWorkloadObject(
  apis: KindApis,
  calls: ApiCalls,
  target: WorkloadTarget,
): Promise<Read | undefined> {
  const what = `get ${target.kind.toLowerCase()}s ${target.namespace}/${target.name}`;
  return readers[target.kind](apis, calls, target, what);
}

function status(
  meta: V1ObjectMeta | undefined,
  desired: number,
  s: { updated?: number; ready?: number; available?: number; old: number; observedGeneration?: number },
): RolloutStatus {
  const generation = meta?.generation ?? 0;
  return {
    generation,
    observedGeneration: s.observedGeneration ?? generation,
    desired,
    updated: s.updated ?? 0,
    ready: s.ready ?? 0,
    available: s.available ?? 0,
    old: Math.max(0, s.old),
  };
}

function read(
  meta: V1ObjectMeta | undefined,
  template: V1PodTemplateSpec | undefined,
  rollout: RolloutStatus,
  selector: V1LabelSelector | undefined,
  extra: Partial<WorkloadObject>,
): Read {
  const object: WorkloadObject = {
    labels: meta?.labels ?? {},
    annotations: meta?.annotations ?? {},
    resourceVersion: meta?.resourceVersion ?? '',
    paused: false,
    template: templateView(template),
    rawTemplate: template ?? {},
    rollout,
    ...extra,
  };
  return { meta: meta ?? {}, object, ...(selector ? { selector } : {}) };
}
