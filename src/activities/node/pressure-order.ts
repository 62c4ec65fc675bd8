/** Memory-pressure relief: which pods go first, as the kubelet ranks them. */
import type { PodOnNode } from '../ports';

/**
 * The order in which pods are evicted to relieve memory pressure, as the kubelet ranks them:
 * BestEffort, then Burstable, each lowest priority first. Guaranteed pods are never chosen, nor
 * DaemonSet or mirror pods (they would come straight back), nor pods without a controller (evicting
 * one deletes it for good), nor pods already terminating or completed.
 */
export function pressureEvictionOrder(pods: readonly PodOnNode[]): PodOnNode[] {
  const rank = { BestEffort: 0, Burstable: 1 } as const;
  return pods
    .filter(
      (p): p is PodOnNode & { qosClass: keyof typeof rank } =>
        p.qosClass !== 'Guaranteed' &&
        p.controller !== undefined &&
        p.controller.kind !== 'DaemonSet' &&
        !p.mirror &&
        !p.deletionTimestamp &&
        p.phase !== 'Succeeded' &&
        p.phase !== 'Failed',
    )
    .sort((a, b) => rank[a.qosClass] - rank[b.qosClass] || a.priority - b.priority);
}
