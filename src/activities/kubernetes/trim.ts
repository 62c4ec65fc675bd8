/**
 * Trimming objects before an informer caches them: keep what the rules read, in plain JSON form
 * (the LIST path deserialises dates into Date objects, the WATCH path does not; the rules see
 * strings either way). At 150,000 pods every byte an informer keeps counts.
 */
import type { V1ConfigMap, V1Node } from '@kubernetes/client-node';

/** What is kept of a Node. Exported for tests. */
export function trimNode(node: V1Node): V1Node {
  const metadata = node?.metadata ?? {};
  const conditions = Array.isArray(node?.status?.conditions) ? node.status.conditions : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: metadata.name,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      labels: metadata.labels,
      deletionTimestamp: metadata.deletionTimestamp,
    },
    spec: node?.spec?.unschedulable === undefined ? undefined : { unschedulable: node.spec.unschedulable },
    status:
      conditions === undefined
        ? undefined
        : {
            conditions: conditions.map((c) => ({
              type: c?.type,
              status: c?.status,
              reason: c?.reason,
              message: c?.message,
              lastTransitionTime: isoOrValue(c?.lastTransitionTime),
            })) as NonNullable<V1Node['status']>['conditions'],
          },
  };
}

/** What is kept of a ConfigMap: its identity and `data`. Exported for tests. */
export function trimConfigMap(configMap: V1ConfigMap): V1ConfigMap {
  const metadata = configMap?.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
    },
    data: configMap?.data,
  };
}

function isoOrValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}
