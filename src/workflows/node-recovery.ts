/**
 * Node recovery: cordon → wait for the node to recover by itself within the recovery window →
 * verify → uncordon, or escalate to humans. (Drain and replacement extend this procedure.)
 */
import {
  ApplicationFailure,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { evidenceSignal, statusQuery } from './messages';
import { NodeRecoveryState } from './node-recovery-state';
import { phaseKey, severityKey } from './search-attributes';
import type { NodeRecoveryInput, NodeRecoveryResult, RecoveryPhase } from './types';

const cluster = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
});

const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 20 },
});

/** Recovers one failed node. One execution per node: the workflow ID is derived from the node name. */
export async function nodeRecoveryWorkflow(input: NodeRecoveryInput): Promise<NodeRecoveryResult> {
  if (!input.node) throw ApplicationFailure.nonRetryable('input.node is empty', 'InvalidInput');
  const state = new NodeRecoveryState(input);
  setHandler(statusQuery, () => state.status());
  setHandler(evidenceSignal, (evidence) => state.addEvidence(evidence));

  const enter = (phase: RecoveryPhase, step: string): void => {
    state.enter(phase, step, new Date());
    upsertSearchAttributes([
      { key: phaseKey, value: phase },
      { key: severityKey, value: state.severity },
    ]);
  };
  const act = { node: input.node, reason: `node ${input.reason}`, dryRun: input.dryRun };

  enter('Cordoning', `cordon ${input.node} so nothing new lands on it`);
  state.actions.push(await cluster.cordonNode(act));

  enter('AwaitingRecovery', `wait up to ${input.recoveryWindow} for ${input.node} to become Ready`);
  // Durable timer raced with the detector's evidence: no polling while the node is down.
  await condition(() => state.reportedReady, input.recoveryWindow);

  enter('Verifying', `read ${input.node}'s Ready condition`);
  const health = await cluster.readNodeHealth(input.node);
  if (health.ready === 'True') {
    enter('Uncordoning', `uncordon ${input.node}`);
    state.actions.push(await cluster.uncordonNode({ ...act, reason: 'node is Ready again' }));
    enter('Recovered', `${input.node} is Ready and schedulable`);
    return { node: input.node, outcome: 'recovered', actions: state.actions };
  }

  state.severity = 'critical';
  enter('Escalated', `${input.node} is ${health.ready} after ${input.recoveryWindow}; handed to humans`);
  await notifications.notify({
    severity: 'critical',
    target: input.node,
    title: `Node ${input.node} did not recover`,
    detail: `Ready=${health.ready} ${input.recoveryWindow} after it was cordoned (${input.reason}).`,
    workflowId: workflowInfo().workflowId,
  });
  return { node: input.node, outcome: 'escalated', actions: state.actions };
}
