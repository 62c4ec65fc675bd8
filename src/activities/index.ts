/**
 * Every side effect of a recovery, as Temporal activities built over injected ports.
 * Activities are idempotent: Temporal may run any of them more than once.
 */
import { activityInfo, log } from '@temporalio/activity';
import type { Alert, NodeHealth } from '../workflows/types';
import type { ClusterPort, NotifierPort } from './ports';

export interface ActivityDeps {
  cluster: ClusterPort;
  notifier: NotifierPort;
}

export interface NodeActionInput {
  node: string;
  reason: string;
  dryRun: boolean;
}

/** Builds the activity functions a worker registers. */
export function createActivities({ cluster, notifier }: ActivityDeps) {
  const workflowId = (): string => activityInfo().workflowExecution?.workflowId ?? 'unknown';

  return {
    async readNodeHealth(node: string): Promise<NodeHealth> {
      return cluster.readNodeHealth(node);
    },

    /** @returns a line describing what was (or, in dry-run, would have been) done. */
    async cordonNode({ node, reason, dryRun }: NodeActionInput): Promise<string> {
      if (dryRun) return `would cordon ${node}`;
      const cordoned = await cluster.cordon({ node, reason, workflowId: workflowId() });
      if (!cordoned) return `left ${node} alone: cordoned by someone else`;
      await cluster.recordNodeEvent(node, {
        type: 'Warning',
        reason: 'SelfHealingCordon',
        message: `cordoned by workflow ${workflowId()}: ${reason}`,
      });
      log.info('cordoned', { node, workflowId: workflowId() });
      return `cordoned ${node}`;
    },

    /** @returns a line describing what was (or would have been) done. */
    async uncordonNode({ node, reason, dryRun }: NodeActionInput): Promise<string> {
      if (dryRun) return `would uncordon ${node}`;
      const uncordoned = await cluster.uncordon(node, workflowId());
      if (!uncordoned) return `left ${node} cordoned: not cordoned by this product`;
      await cluster.recordNodeEvent(node, {
        type: 'Normal',
        reason: 'SelfHealingUncordon',
        message: `uncordoned by workflow ${workflowId()}: ${reason}`,
      });
      log.info('uncordoned', { node, workflowId: workflowId() });
      return `uncordoned ${node}`;
    },

    async notify(alert: Alert): Promise<void> {
      await notifier.notify(alert);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
