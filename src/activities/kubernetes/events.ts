/**
 * The one shape of the Kubernetes Events the product records (on nodes by the activities, on the
 * config ConfigMap by the detector and the worker), so every Event is cut at the same length and
 * names its component the same way.
 */
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';
import type { Logger } from '../../logging';
import { errorText } from '../../logging';

/** Longest Event message written; longer ones are cut (kubectl shows them on one line). */
export const MAX_EVENT_MESSAGE = 1_024;

/** The object an Event is about. */
export interface ObjectRef {
  kind: string;
  name: string;
  /** Unset for cluster-scoped objects such as Nodes; their Events go to `default`, as the kubelet's do. */
  namespace?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** A Kubernetes Event to record. */
export interface EventToRecord {
  involvedObject: ObjectRef;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. `InvalidConfig`. */
  reason: string;
  message: string;
}

/** The Event `component` records about `event.involvedObject`, in the object's namespace (or `default`). */
export function eventFor(component: string, event: EventToRecord, now = new Date()): CoreV1Event {
  const namespace = event.involvedObject.namespace ?? 'default';
  return {
    metadata: { generateName: `${event.involvedObject.name}.`, namespace },
    involvedObject: { apiVersion: 'v1', ...event.involvedObject },
    type: event.type,
    reason: event.reason,
    message: event.message.slice(0, MAX_EVENT_MESSAGE),
    source: { component },
    reportingComponent: component,
    reportingInstance: component,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

/**
 * Records Events as `component`: best effort, a failure is logged and answered `false`, never
 * thrown (the detector's and the worker's `EventRecorder`).
 */
export function eventRecorder(
  core: CoreV1Api,
  component: string,
  logger: Logger,
): { record(event: EventToRecord): Promise<boolean> } {
  return {
    async record(event) {
      const body = eventFor(component, event);
      try {
        await core.createNamespacedEvent({ namespace: body.metadata?.namespace ?? 'default', body });
        return true;
      } catch (error) {
        // An Event is how a human learns what happened, but losing one must not stop detection.
        logger.warn('could not record event', {
          reason: event.reason,
          involvedObject: `${event.involvedObject.kind}/${event.involvedObject.name}`,
          error: errorText(error),
        });
        return false;
      }
    },
  };
}
