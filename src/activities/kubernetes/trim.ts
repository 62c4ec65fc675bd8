/**
 * Trimming objects before an informer caches them: keep what the rules read, in plain JSON form
 * (the LIST path deserialises dates into Date objects, the WATCH path does not; the rules see
 * strings either way). At 150,000 pods every byte an informer keeps counts.
 */
import type { CoreV1Event, V1ConfigMap, V1Node } from '@kubernetes/client-node';

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

/** What an Event keeps beyond its own message. */
const EVENT_MESSAGE_MAX = 1_000;

/**
 * What is kept of an Event: identity, type, reason, a message cut at 1,000 characters, the object
 * it is about, how often and when it last happened. Exported for tests.
 */
export function trimEvent(event: CoreV1Event): CoreV1Event {
  const metadata = event?.metadata ?? {};
  const involved = event?.involvedObject ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
    },
    type: event?.type,
    reason: event?.reason,
    message: typeof event?.message === 'string' ? event.message.slice(0, EVENT_MESSAGE_MAX) : undefined,
    involvedObject: { kind: involved.kind, namespace: involved.namespace, name: involved.name },
    count: event?.count,
    lastTimestamp: isoOrValue(event?.lastTimestamp) as CoreV1Event['lastTimestamp'],
    eventTime: isoOrValue(event?.eventTime) as CoreV1Event['eventTime'],
  };
}

function isoOrValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}
