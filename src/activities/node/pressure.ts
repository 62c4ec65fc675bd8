/** Memory-pressure relief: one pod at a time, the kubelet's order, while the node is still ours. */
import type { OwnershipInput } from '../context';
import { ownerFor, ownership, workflowId } from '../context';
import type { EventsPort, NodesPort, PodsPort } from '../ports';
import { pressureEvictionOrder } from './pressure-order';
import type { PressureRelief } from './types';

export function createPressureActivities({ cluster }: { cluster: NodesPort & PodsPort & EventsPort }) {
  return {
    /**
     * Evicts the next pod in memory-pressure order (BestEffort, then Burstable, lowest priority
     * first), while the node is still cordoned by this recovery.
     */
    async relievePressure(
      input: { node: string; dryRun: boolean } & OwnershipInput,
    ): Promise<PressureRelief> {
      const { node, dryRun } = input;
      for (const pod of pressureEvictionOrder(await cluster.listPodsOnNode(node))) {
        if (pod.deletionTimestamp) continue;
        const victim = {
          pod: `${pod.namespace}/${pod.name}`,
          qosClass: pod.qosClass,
          priority: pod.priority,
        };
        if (dryRun) return { outcome: 'would-evict', ...victim };
        if ((await ownership(cluster, node, ownerFor(input))) !== 'ours') return { outcome: 'taken-back' };
        const result = await cluster.evictPod(pod, pod.terminationGracePeriodSeconds);
        if (result.outcome === 'evicted') {
          await cluster.recordNodeEvent(node, {
            type: 'Warning',
            reason: 'SelfHealingPressureEviction',
            message: `workflow ${workflowId()} evicted ${victim.pod} (${pod.qosClass}) to relieve memory pressure`,
          });
          return { outcome: 'evicted', ...victim };
        }
      }
      return { outcome: 'nothing-evictable' };
    },
  };
}
