/** Reading a node, and the cordon the product owns by workflow run. */
import { log } from '@temporalio/activity';
import type { NodeHealth } from '../../domain';
import { ownerFor, workflowId } from '../context';
import type { EventsPort, NodesPort } from '../ports';
import type { CordonSummary, NodeActionInput, UncordonSummary } from './types';

export function createCordonActivities({ cluster }: { cluster: NodesPort & EventsPort }) {
  /** Tells `kubectl describe node` and the log that the product `verb` the node, and why. */
  const tell = async (node: string, verb: 'cordoned' | 'uncordoned', reason: string): Promise<void> => {
    await cluster.recordNodeEvent(node, {
      type: verb === 'cordoned' ? 'Warning' : 'Normal',
      reason: verb === 'cordoned' ? 'SelfHealingCordon' : 'SelfHealingUncordon',
      message: `${verb} by workflow ${workflowId()}: ${reason}`,
    });
    log.info(verb, { node, workflowId: workflowId() });
  };
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
      if (outcome === 'cordoned') await tell(node, 'cordoned', reason);
      return { outcome };
    },

    async uncordonNode(input: NodeActionInput): Promise<UncordonSummary> {
      const { node, reason, dryRun } = input;
      if (dryRun) return { outcome: 'would-uncordon' };
      const outcome = await cluster.uncordon(node, ownerFor(input));
      if (outcome === 'uncordoned') await tell(node, 'uncordoned', reason);
      return { outcome };
    },
  };
}
