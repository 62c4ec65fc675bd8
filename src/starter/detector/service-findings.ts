/** What the service source says about a Service it skips: logs, events, and the Event on the Service. */
import type { EventRecorder } from '../../activities/kubernetes/watch';
import type { Logger } from '../../logging';
import type { EventHub } from './event-hub';
import type { ServiceView } from './service-rules';
import { serviceKey } from './service-rules';

/** Kubernetes Event reason of a Service skipped for a bad annotation. */
export const INVALID_ANNOTATION_REASON = 'SelfHealingInvalidAnnotation';

/**
 * A Service skipped for a bad annotation: one log line, one detector event and one Warning Event
 * on the Service, whose message names each annotation and its bad value (`describeProblems`).
 */
export function reportInvalidAnnotation(
  deps: { logger: Logger; hub: EventHub; events: EventRecorder },
  view: ServiceView,
  problems: string,
): void {
  const service = serviceKey(view);
  deps.logger.warn('service skipped: invalid annotation', { service, problems });
  deps.hub.emit({ type: 'service-annotation-invalid', service, message: problems });
  void deps.events.record({
    involvedObject: { kind: 'Service', apiVersion: 'v1', namespace: view.namespace, name: view.name },
    type: 'Warning',
    reason: INVALID_ANNOTATION_REASON,
    message: `skipped by self-healing until fixed: ${problems}`,
  });
}
