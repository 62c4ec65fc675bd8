/** Replacing a node through the configured provider, unless someone took the node back meanwhile. */
import type { NodeProviderName } from '../../config/recovery-config';
import type { OwnershipInput } from '../context';
import { ownerFor, ownership, workflowId } from '../context';
import type { EventsPort, NodeProvider, NodesPort } from '../ports';
import type { ReplaceSummary } from './types';

export interface ReplaceDeps {
  cluster: NodesPort & EventsPort;
  /** The node provider for a name from the config (`sim`, `cluster-api`, `delete-node`, `none`). */
  nodeProvider: (name: NodeProviderName) => NodeProvider;
}

export function createReplaceActivity({ cluster, nodeProvider }: ReplaceDeps) {
  return {
    async replaceNode(
      input: { node: string; provider: NodeProviderName; dryRun: boolean } & OwnershipInput,
    ): Promise<ReplaceSummary> {
      const { node, provider, dryRun } = input;
      if (dryRun) return { outcome: 'replaced', detail: `would replace ${node} through ${provider}` };
      // A node that is gone is left to the provider, which is idempotent about a replacement it made.
      if ((await ownership(cluster, node, ownerFor(input))) === 'taken-back')
        return { outcome: 'taken-back', detail: `${node} is no longer cordoned by this recovery` };
      const outcome = await nodeProvider(provider).replace(node, workflowId());
      await cluster
        .recordNodeEvent(node, {
          type: 'Warning',
          reason: 'SelfHealingReplace',
          message: `workflow ${workflowId()}: ${outcome.detail}`,
        })
        .catch(() => undefined); // the node may be gone already: the Event is best effort
      return outcome;
    },
  };
}
