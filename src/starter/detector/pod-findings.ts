/** What the pod source says about a confirmed pod failure it does not report: logs and events. */
import type { Logger } from '../../logging';
import type { EventHub } from './event-hub';
import type { Symptom } from './pod-rules';

/** A confirmed failure not remediated because the pod, its workload or its namespace opted out. */
export function reportOptedOut(
  deps: { logger: Logger; hub: EventHub },
  where: { workload: string; pod: string },
  symptom: Symptom,
  detail: string,
): void {
  const finding = { ...where, reason: symptom.reason, why: 'opted-out' as const, detail };
  deps.logger.info('finding suppressed', finding);
  deps.hub.emit({ type: 'finding-suppressed', ...finding });
}

/**
 * A confirmed failure held back because the pod's controller, a ReplicaSet, is not in the cache
 * (deleted, the pod about to be collected, or its watch event not here yet): grouping it by a
 * guess could start a recovery of the wrong object. Judged again when a ReplicaSet arrives.
 */
export function reportOwnerUnknown(
  logger: Logger,
  where: { pod: string; namespace: string },
  symptom: Symptom,
  owner: string,
): void {
  logger.info('pod failure held: its owner is not in the cache', {
    ...where,
    reason: symptom.reason,
    owner,
  });
}
