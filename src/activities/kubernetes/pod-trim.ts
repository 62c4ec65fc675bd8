/**
 * Trimming the objects of the detector's pod source before its informers cache them (see ./trim.ts
 * for nodes). A cached Pod keeps its identity, the labels the opt-out rule reads, its owner
 * references, and the status fields the pod rules read (phase, the Ready condition, per container
 * the restart count and the reasons of its state and last termination); spec, annotations,
 * managedFields, images, IPs and every other condition are dropped. A ReplicaSet keeps its
 * identity, owner references, opt-out labels and `spec.replicas` (how many pods it wants: a
 * workload short of pods is not healthy yet); a Namespace its name and labels.
 */
import type {
  V1ContainerStatus,
  V1Namespace,
  V1OwnerReference,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
} from '@kubernetes/client-node';

/** Which label keys to keep: the ones the opt-out rule reads. */
export type KeepLabel = (key: string) => boolean;

/** Messages are for humans and logs; a longer one is cut, so a chatty kubelet cannot grow the cache. */
export const MAX_MESSAGE_CHARS = 256;

/** What is kept of a Pod. Exported for tests. */
export function trimPod(pod: V1Pod, keepLabel: KeepLabel): V1Pod {
  const metadata = pod?.metadata ?? {};
  const status = pod?.status;
  const ready = Array.isArray(status?.conditions)
    ? status.conditions.find((c) => c?.type === 'Ready')
    : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...ownedMetadata(metadata, keepLabel), deletionTimestamp: metadata.deletionTimestamp },
    status:
      status === undefined || status === null
        ? undefined
        : ({
            phase: status.phase,
            reason: status.reason,
            message: cut(status.message),
            conditions: ready
              ? [
                  {
                    type: 'Ready',
                    status: ready.status,
                    lastTransitionTime: isoOrValue(ready.lastTransitionTime),
                  },
                ]
              : undefined,
            containerStatuses: containersOf(status.containerStatuses),
            initContainerStatuses: containersOf(status.initContainerStatuses),
          } as V1Pod['status']),
  };
}

/** The metadata kept of an owned object: its identity, the labels asked for, its owners. */
function ownedMetadata(metadata: V1ObjectMeta, keepLabel: KeepLabel): V1ObjectMeta {
  return {
    name: metadata.name,
    namespace: metadata.namespace,
    uid: metadata.uid,
    resourceVersion: metadata.resourceVersion,
    labels: labelsKept(metadata.labels, keepLabel),
    ownerReferences: ownersOf(metadata.ownerReferences),
  };
}

/** What is kept of a ReplicaSet: enough to find its Deployment, its opt-out labels, its replicas. */
export function trimReplicaSet(replicaSet: V1ReplicaSet, keepLabel: KeepLabel): V1ReplicaSet {
  const metadata = replicaSet?.metadata ?? {};
  const replicas: unknown = replicaSet?.spec?.replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: ownedMetadata(metadata, keepLabel),
    // The selector is required by the type, not read: it is not kept.
    spec: typeof replicas === 'number' ? ({ replicas } as V1ReplicaSet['spec']) : undefined,
  };
}

/** What is kept of a Namespace: its name and labels (namespaces are few, so every label is kept). */
export function trimNamespace(namespace: V1Namespace): V1Namespace {
  const metadata = namespace?.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: metadata.name,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      labels: metadata.labels,
    },
  };
}

function labelsKept(labels: unknown, keepLabel: KeepLabel): Record<string, string> | undefined {
  if (typeof labels !== 'object' || labels === null) return undefined;
  let kept: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(labels as Record<string, unknown>))
    if (typeof value === 'string' && keepLabel(key)) (kept ??= {})[key] = value;
  return kept;
}

function ownersOf(owners: unknown): V1OwnerReference[] | undefined {
  if (!Array.isArray(owners) || owners.length === 0) return undefined;
  return (owners as V1OwnerReference[]).map((o) => ({
    apiVersion: o?.apiVersion,
    kind: o?.kind,
    name: o?.name,
    uid: o?.uid,
    controller: o?.controller,
  }));
}

function containersOf(statuses: unknown): V1ContainerStatus[] | undefined {
  if (!Array.isArray(statuses)) return undefined;
  return (statuses as V1ContainerStatus[]).map((s) => ({
    name: s?.name,
    ready: s?.ready,
    restartCount: s?.restartCount,
    state: stateOf(s?.state),
    lastState: stateOf(s?.lastState),
  })) as V1ContainerStatus[];
}

function stateOf(state: V1ContainerStatus['state']): V1ContainerStatus['state'] {
  if (!state) return undefined;
  const { waiting, terminated, running } = state;
  return {
    waiting: waiting ? { reason: waiting.reason, message: cut(waiting.message) } : undefined,
    terminated: terminated
      ? {
          reason: terminated.reason,
          exitCode: terminated.exitCode,
          finishedAt: isoOrValue(terminated.finishedAt),
        }
      : undefined,
    running: running ? {} : undefined,
  } as V1ContainerStatus['state'];
}

function cut(message: unknown): string | undefined {
  if (typeof message !== 'string') return undefined;
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- dates pass through as strings
function isoOrValue(value: unknown): any {
  return value instanceof Date ? value.toISOString() : value;
}
