/**
 * Starting recoveries: one workflow per failing target, with a deterministic workflow ID so that a
 * repeated detection joins the recovery already running instead of starting another.
 */
import type { Client, WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { disruptionBudgetWorkflow } from '../workflows/budget/disruption-budget';
import { evidenceSignal, stormSignal } from '../workflows/messages';
import {
  disruptionBudgetWorkflowId,
  nodeRecoveryWorkflowId,
  serviceRecoveryWorkflowId,
  workloadRecoveryWorkflowId,
} from '../workflows/ids';
import { serviceRecoveryWorkflow } from '../workflows/service/service-recovery';
import { workloadRecoveryWorkflow } from '../workflows/workload/workload-recovery';
import { nodeRecoveryWorkflow } from '../workflows/node/node-recovery';
import { kindKey, phaseKey, severityKey, targetKey } from '../workflows/search-attributes';
import type { RecoveryConfig } from '../config/recovery-config';
import { maxDisruptedNodes } from '../config/recovery-config';
import { escalationTimes } from '../config/notification-config';
import type {
  HumanLoopPolicy,
  Evidence,
  TargetKind,
  NodeRecoveryInput,
  NodeRecoveryPolicy,
  WorkloadRecoveryInput,
  WorkloadRecoveryPolicy,
  ServiceRecoveryInput,
  ServiceRecoveryPolicy,
} from '../domain';
import { quantityBytes, serviceTargetKey, workloadTargetKey } from '../domain';

export { nodeRecoveryWorkflowId, serviceRecoveryWorkflowId, workloadRecoveryWorkflowId };

/** A node's latest recovery, which ended `Stopped` because a person took the node back. */
export interface StoppedByPerson {
  workflowId: string;
  runId: string;
  closedAt: Date;
}

/**
 * The node's latest recovery if it ended `Stopped` (a person uncordoned the node, or had cordoned
 * it) at or after `since`, the start of the failure episode: a detector restarted within that
 * episode must not start the recovery again and fight the person.
 */
export async function stoppedByPersonSince(
  client: Client,
  node: string,
  since: Date,
): Promise<StoppedByPerson | undefined> {
  try {
    const latest = await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).describe();
    const { closeTime } = latest;
    if (latest.status.name === 'RUNNING' || !closeTime || closeTime < since) return undefined;
    if (latest.typedSearchAttributes.get(phaseKey) !== 'Stopped') return undefined;
    return { workflowId: latest.workflowId, runId: latest.runId, closedAt: closeTime };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Starts the node's recovery, or signals the evidence to the one already running (signal-with-start).
 * @returns the handle of the running recovery.
 */
export function startNodeRecovery(
  client: Client,
  taskQueue: string,
  input: NodeRecoveryInput,
): Promise<WorkflowHandleWithSignaledRunId<typeof nodeRecoveryWorkflow>> {
  return startOrJoin(client, taskQueue, nodeRecoveryWorkflow, input, {
    workflowId: nodeRecoveryWorkflowId(input.node),
    kind: 'node',
    target: input.node,
    evidence: { observedAt: input.detectedAt, reason: input.reason },
  });
}

/**
 * Starts a recovery of `kind` for `target`, or signals `evidence` to the one already running
 * under the same deterministic ID (signal-with-start), with the search attributes the Temporal UI
 * filters on.
 */
export function startOrJoin<I, W extends (input: I) => Promise<unknown>>(
  client: Client,
  taskQueue: string,
  workflow: W,
  input: I,
  start: { workflowId: string; kind: TargetKind; target: string; evidence: Evidence },
): Promise<WorkflowHandleWithSignaledRunId<W>> {
  return client.workflow.signalWithStart<W, [Evidence]>(workflow, {
    workflowId: start.workflowId,
    taskQueue,
    args: [input] as Parameters<W>,
    signal: evidenceSignal,
    signalArgs: [start.evidence],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    typedSearchAttributes: [
      { key: targetKey, value: start.target },
      { key: kindKey, value: start.kind },
      { key: phaseKey, value: 'Detected' },
      { key: severityKey, value: 'warning' },
    ],
  });
}

/**
 * The policy a node recovery follows, from the config in force when it starts.
 * @param totalNodes the cluster's node count, to resolve a percentage budget.
 */
export function nodeRecoveryPolicy(config: RecoveryConfig, totalNodes: number): NodeRecoveryPolicy {
  return {
    dryRun: config.dry_run,
    drainTimeout: `${config.drain_timeout}s`,
    deleteEmptyDirData: config.drain_delete_emptydir_data,
    unmanagedPods: config.drain_unmanaged_pods,
    nodeRecoveryWindow: `${config.node_recovery_window}s`,
    provider: config.node_provider,
    replacementRequiresApproval: config.replacement_requires_approval,
    approvalTimeout: `${config.approval_timeout}s`,
    recoveryTimeout: `${config.recovery_timeout}s`,
    maxDisruptedNodes: maxDisruptedNodes(config, totalNodes),
    humans: humanLoopPolicy(config),
  };
}

/**
 * Tells the node disruption budget that a storm started (no permit is granted while it lasts) or
 * that remediation may resume, starting the budget workflow if it does not run yet.
 */
export async function signalStorm(
  client: Client,
  taskQueue: string,
  storm: { active: boolean; reason: string },
): Promise<void> {
  await client.workflow.signalWithStart(disruptionBudgetWorkflow, {
    workflowId: disruptionBudgetWorkflowId('nodes', taskQueue),
    taskQueue,
    args: [{ scope: 'nodes' }],
    signal: stormSignal,
    signalArgs: [storm],
  });
}

/**
 * Starts the workload's recovery, or signals the evidence (the pod and its reason) to the one
 * already running (signal-with-start): one recovery per workload, whichever pod failed.
 */
export function startWorkloadRecovery(
  client: Client,
  taskQueue: string,
  input: WorkloadRecoveryInput,
): Promise<WorkflowHandleWithSignaledRunId<typeof workloadRecoveryWorkflow>> {
  return startOrJoin(client, taskQueue, workloadRecoveryWorkflow, input, {
    workflowId: workloadRecoveryWorkflowId(input.workload),
    kind: 'workload',
    target: workloadTargetKey(input.workload),
    evidence: {
      observedAt: input.detectedAt,
      reason: input.reason,
      pod: input.pod,
      ...(input.message ? { message: input.message } : {}),
    },
  });
}

/** The policy a workload recovery follows, from the config in force when it starts. */
export function workloadRecoveryPolicy(config: RecoveryConfig): WorkloadRecoveryPolicy {
  const w = config.workload;
  return {
    dryRun: config.dry_run,
    restartAttempts: w.restart_attempts,
    restartInterval: `${w.restart_interval}s`,
    rollbackWindow: `${w.rollback_window}s`,
    rollbackRequiresApproval: w.rollback_requires_approval,
    memoryFactor: w.memory_factor,
    memoryCapBytes: quantityBytes(w.memory_cap)!,
    stableWindow: `${w.stable_window}s`,
    recoveryTimeout: `${config.recovery_timeout}s`,
    approvalTimeout: `${config.approval_timeout}s`,
    cooldown: `${w.cooldown}s`,
    maxRemediationsPerHour: w.max_remediations_per_hour,
    maxConcurrent: w.max_concurrent,
    humans: humanLoopPolicy(config),
  };
}

/** The escalation ladder's times and the notification retries, from the config in force. */
export function humanLoopPolicy(config: RecoveryConfig): HumanLoopPolicy {
  return {
    escalationAfter: escalationTimes(config.escalation),
    notificationRetryFor: config.alerts.retry_for,
  };
}

/**
 * Starts the Service's recovery, or adds the evidence to the one already running
 * (signal-with-start): one recovery per Service, whichever check found it.
 */
export function startServiceRecovery(
  client: Client,
  taskQueue: string,
  input: ServiceRecoveryInput,
): Promise<WorkflowHandleWithSignaledRunId<typeof serviceRecoveryWorkflow>> {
  return startOrJoin(client, taskQueue, serviceRecoveryWorkflow, input, {
    workflowId: serviceRecoveryWorkflowId(input.service),
    kind: 'service',
    target: serviceTargetKey(input.service),
    evidence: {
      observedAt: input.detectedAt,
      reason: input.reason,
      ...(input.message ? { message: input.message } : {}),
    },
  });
}

/** The policy a Service recovery follows, from the config in force when it starts. */
export function serviceRecoveryPolicy(config: RecoveryConfig): ServiceRecoveryPolicy {
  const s = config.service;
  return {
    dryRun: config.dry_run,
    restartAttempts: config.workload.restart_attempts,
    restartInterval: `${config.workload.restart_interval}s`,
    stableWindow: `${s.stable_window}s`,
    recoveryTimeout: `${config.recovery_timeout}s`,
    approvalTimeout: `${config.approval_timeout}s`,
    maxConcurrent: s.max_concurrent,
    scaling: {
      upThreshold: s.scale_up_threshold,
      downThreshold: s.scale_down_threshold,
      cooldown: `${s.scale_cooldown}s`,
      watchFor: `${s.scale_watch}s`,
    },
    failoverStableWindow: `${s.failover_stable_window}s`,
    workload: workloadRecoveryPolicy(config),
    humans: humanLoopPolicy(config),
  };
}
