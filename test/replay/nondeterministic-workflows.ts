/**
 * A test-only variant of the node recovery workflow whose command order differs from the real one
 * (it reads the node's health before cordoning). Replaying a real history with it must fail.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../src/activities';
import type { NodeRecoveryInput, NodeRecoveryResult } from '../../src/domain';

const { readNodeHealth, cordonNode } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export async function nodeRecoveryWorkflow(input: NodeRecoveryInput): Promise<NodeRecoveryResult> {
  await readNodeHealth(input.node);
  const action = await cordonNode({ node: input.node, reason: 'changed', dryRun: input.policy.dryRun });
  return { node: input.node, outcome: 'recovered', actions: [JSON.stringify(action)] };
}
