/** Reading a node, and the cordon the product owns by workflow run. */
import { log } from '@temporalio/activity';
import type { NodeHealth } from '../../domain';
import { ownerFor, workflowId } from '../context';
import type { EventsPort, NodesPort } from '../ports';
import type { CordonSummary, NodeActionInput, UncordonSummary } from './types';

export function createCordonActivities({ cluster }: { cluster: NodesPort & EventsPort }) {
  return {
    async readNodeHealth(node: string): Promise<NodeHealth> {
      return cluster.readNodeHealth(node);
    },

    async cordonNode(input: NodeActionInput): Promise<CordonSummary> {
      const { node, reason, dryRun } = input;
      if (dryRun) return { outcome: 'would-cordon' };
      const outcome = await cluster.cordon({
        node,
        reason,
        workflowId: workflowId(),
        owner: ownerFor(input),
      });
      if (outcome === 'cordoned') {
        await cluster.recordNodeEvent(node, {
          type: 'Warning',
          reason: 'SelfHealingCordon',
          message: `cordoned by workflow ${workflowId()}: ${reason}`,
        });
        log.info('cordoned', { node, workflowId: workflowId() });
      }
      return { outcome };
    },

    async uncordonNode(input: NodeActionInput): Promise<UncordonSummary> {
      const { node, reason, dryRun } = input;
      if (dryRun) return { outcome: 'would-uncordon' };
      const outcome = await cluster.uncordon(node, ownerFor(input));
      if (outcome === 'uncordoned') {
        await cluster.recordNodeEvent(node, {
          type: 'Normal',
          reason: 'SelfHealingUncordon',
          message: `uncordoned by workflow ${workflowId()}: ${reason}`,
        });
        log.info('uncordoned', { node, workflowId: workflowId() });
      }
      return { outcome };
    },
  };
}
