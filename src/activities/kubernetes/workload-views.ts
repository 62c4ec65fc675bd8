/** Kubernetes objects to the trimmed views workload recovery decides on (../workload/snapshot.ts). */
import type { V1ControllerRevision, V1Pod, V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import { WorkloadAnnotations } from '../../domain/labels';
import type {
  ContainerState,
  PodSnapshot,
  RevisionSnapshot,
  TemplateContainer,
  TemplateView,
} from '../workload/snapshot';

/** The label a ReplicaSet's pods carry; not part of what a rollout changed. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

export function templateView(template: V1PodTemplateSpec | undefined): TemplateView {
  const spec = template?.spec;
  return {
    containers: (spec?.containers ?? []).map((c): TemplateContainer => ({
      name: c.name,
      image: c.image ?? '',
      resources: {
        ...(c.resources?.limits ? { limits: stringMap(c.resources.limits) } : {}),
        ...(c.resources?.requests ? { requests: stringMap(c.resources.requests) } : {}),
      },
      env: (c.env ?? []).map((e) => ({
        name: e.name,
        ...(e.value !== undefined ? { value: e.value } : {}),
        ...(e.valueFrom ? { from: describeSource(e.valueFrom) } : {}),
      })),
      ...(c.command ? { command: c.command } : {}),
      ...(c.args ? { args: c.args } : {}),
    })),
    imagePullSecrets: (spec?.imagePullSecrets ?? []).flatMap((s) => (s.name ? [s.name] : [])),
  };
}

function stringMap(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

function describeSource(
  source: NonNullable<NonNullable<V1Pod['spec']>['containers'][number]['env']>[number]['valueFrom'],
): string {
  if (source?.secretKeyRef) return `secret ${source.secretKeyRef.name}/${source.secretKeyRef.key}`;
  if (source?.configMapKeyRef)
    return `configmap ${source.configMapKeyRef.name}/${source.configMapKeyRef.key}`;
  if (source?.fieldRef) return `field ${source.fieldRef.fieldPath}`;
  if (source?.resourceFieldRef) return `resource ${source.resourceFieldRef.resource}`;
  return 'other';
}

export function podSnapshot(pod: V1Pod): PodSnapshot {
  const meta = pod.metadata ?? {};
  const controller = meta.ownerReferences?.find((o) => o.controller);
  const labels = meta.labels ?? {};
  return {
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready: isReady(pod),
    ...optional('createdAt', meta.creationTimestamp ? iso(meta.creationTimestamp) : undefined),
    ...optional('controller', controller ? `${controller.kind}/${controller.name}` : undefined),
    ...optional('templateHash', labels[POD_TEMPLATE_HASH] ?? labels['controller-revision-hash']),
    deleting: Boolean(meta.deletionTimestamp),
    containers: (pod.status?.containerStatuses ?? []).map(containerState),
  };
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

type ContainerStatus = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number];

function containerState(s: ContainerStatus): ContainerState {
  const terminated = s.lastState?.terminated ?? s.state?.terminated;
  const waiting = s.state?.waiting;
  return {
    name: s.name,
    image: s.image,
    ready: s.ready,
    restarts: s.restartCount ?? 0,
    ...(waiting?.reason
      ? { waiting: { reason: waiting.reason, ...optional('message', waiting.message) } }
      : {}),
    ...(terminated?.reason
      ? {
          terminated: {
            reason: terminated.reason,
            exitCode: terminated.exitCode,
            ...optional('finishedAt', terminated.finishedAt ? iso(terminated.finishedAt) : undefined),
          },
        }
      : {}),
  };
}

/** A Deployment's ReplicaSet as a revision; undefined when it carries no revision annotation. */
export function revisionOf(rs: V1ReplicaSet): RevisionSnapshot | undefined {
  const meta = rs.metadata ?? {};
  const annotations = meta.annotations ?? {};
  const revision = Number(annotations[WorkloadAnnotations.revision]);
  if (!Number.isInteger(revision) || revision <= 0) return undefined;
  const template = structuredClone(rs.spec?.template ?? {}) as V1PodTemplateSpec;
  const hash = template.metadata?.labels?.[POD_TEMPLATE_HASH];
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH];
  return {
    revision,
    replicaSet: meta.name ?? '',
    ...optional('templateHash', hash),
    ...optional('createdAt', meta.creationTimestamp ? iso(meta.creationTimestamp) : undefined),
    ...optional('changeCause', annotations[WorkloadAnnotations.changeCause]),
    template: templateView(template),
    rawTemplate: template,
    annotations,
  };
}

/**
 * A StatefulSet's ControllerRevision as a revision: its `.data` is the template kubectl applies
 * (`spec.template` with `$patch: replace`); its name is the pods' controller-revision-hash.
 */
export function controllerRevisionOf(cr: V1ControllerRevision): RevisionSnapshot | undefined {
  const data = cr.data as { spec?: { template?: V1PodTemplateSpec & { $patch?: string } } } | undefined;
  const raw = data?.spec?.template;
  if (!raw || !Number.isInteger(cr.revision)) return undefined;
  const { $patch: _replace, ...template } = raw;
  const meta = cr.metadata ?? {};
  return {
    revision: cr.revision,
    replicaSet: meta.name ?? '',
    ...optional('templateHash', meta.name),
    ...optional('createdAt', meta.creationTimestamp ? iso(meta.creationTimestamp) : undefined),
    template: templateView(template),
    rawTemplate: template,
    annotations: {},
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value ? ({ [key]: value } as { [P in K]?: string }) : {};
}

/** client-node hands Dates for date-time fields (and strings through some paths): ISO-8601 either way. */
export function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
