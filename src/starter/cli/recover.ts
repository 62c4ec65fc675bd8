/** `recover-node`, `recover-workload` and `recover-service`: start (or join) a recovery by hand. */
import type { Command } from 'commander';
import type { Duration } from '@temporalio/common';
import type { NodeProviderName } from '../../config/recovery-config';
import { NodeProviders } from '../../config/recovery-config';
import type { NodeFailureReason, TargetKind } from '../../domain';
import {
  isPodFailureReason,
  NodeFailureReasons,
  PodFailureReasons,
  ServiceFailureReasons,
  serviceTargetKey,
  workloadTargetKey,
} from '../../domain';
import type { ServiceFailureReason } from '../../domain';
import {
  nodeRecoveryPolicy,
  serviceRecoveryPolicy,
  startNodeRecovery,
  startServiceRecovery,
  startWorkloadRecovery,
  workloadRecoveryPolicy,
} from '../recoveries';
import type { CliContext } from './context';
import { printerOf } from './context';
import { UsageError } from './errors';
import { nodeOf, serviceOf, workloadOf } from './targets';

const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/;

interface RecoverNodeOptions {
  reason: string;
  window?: string;
  provider?: string;
  requireApproval: boolean;
  dryRun: boolean;
}

interface RecoverWorkloadOptions {
  pod?: string;
  reason: string;
  dryRun: boolean;
}

interface RecoverServiceOptions {
  reason: string;
  dryRun: boolean;
}

/** Adds `recover-node`, `recover-workload` and `recover-service` to the program. */
export function addRecoverCommands(program: Command, context: CliContext): void {
  program
    .command('recover-node')
    .description("start (or join) the node's recovery by hand")
    .argument('<node>', 'the node name')
    .option('--reason <reason>', `what is wrong: ${NodeFailureReasons.join(', ')}`, 'NotReady')
    .option('--window <duration>', 'how long to wait for the node to come back (e.g. 90s, 5m)')
    .option(
      '--provider <name>',
      `how a node that does not come back is replaced: ${NodeProviders.join(', ')}`,
    )
    .option('--require-approval', 'ask a person before replacing the node', false)
    .option('--dry-run', 'record what would be done, change nothing', false)
    .action((node: string, options: RecoverNodeOptions, command: Command) =>
      recoverNode(context, command, nodeOf('recover-node', node), options),
    );
  program
    .command('recover-workload')
    .description("start (or join) the workload's recovery by hand")
    .argument('<workload>', 'the workload as Kind/namespace/name (e.g. Deployment/shop/web)')
    .option('--pod <pod>', 'the failing pod (required)')
    .option('--reason <reason>', `what the pod shows: ${PodFailureReasons.join(', ')}`, 'NotReady')
    .option('--dry-run', 'record what would be done, change nothing', false)
    .action((workload: string, options: RecoverWorkloadOptions, command: Command) =>
      recoverWorkload(context, command, workload, options),
    );
  program
    .command('recover-service')
    .description(
      "start (or join) the Service's recovery by hand: dependencies first, then the Service, verified",
    )
    .argument('<service>', 'the Service as Service/namespace/name (e.g. Service/shop/web)')
    .option('--reason <reason>', `what is wrong: ${ServiceFailureReasons.join(', ')}`, 'ConnectivityFailed')
    .option('--dry-run', 'record what would be done, change nothing', false)
    .action((service: string, options: RecoverServiceOptions, command: Command) =>
      recoverService(context, command, service, options),
    );
}

async function recoverService(
  context: CliContext,
  command: Command,
  target: string,
  values: RecoverServiceOptions,
) {
  const { client, taskQueue, now, config } = context;
  const service = serviceOf('recover-service', target);
  const reason = values.reason as ServiceFailureReason;
  if (!ServiceFailureReasons.includes(reason))
    throw new UsageError(
      `--reason must be one of ${ServiceFailureReasons.join(', ')} (got "${values.reason}")`,
    );
  const policy = serviceRecoveryPolicy(config);
  const handle = await startServiceRecovery(client, taskQueue, {
    service,
    reason,
    message: 'asked for by hand (CLI)',
    detectedAt: now().toISOString(),
    policy: { ...policy, dryRun: values.dryRun || policy.dryRun },
  });
  printStarted(context, command, 'service', serviceTargetKey(service), handle);
}

async function recoverNode(context: CliContext, command: Command, node: string, values: RecoverNodeOptions) {
  const { client, taskQueue, now, config } = context;
  const reason = values.reason as NodeFailureReason;
  if (!NodeFailureReasons.includes(reason))
    throw new UsageError(`--reason must be one of ${NodeFailureReasons.join(', ')} (got "${values.reason}")`);
  if (values.window !== undefined && !DURATION.test(values.window))
    throw new UsageError(`--window must be a duration like 90s or 5m (got "${values.window}")`);
  const provider = (values.provider ?? config.node_provider) as NodeProviderName;
  if (!NodeProviders.includes(provider))
    throw new UsageError(`--provider must be one of ${NodeProviders.join(', ')} (got "${values.provider}")`);
  const policy = nodeRecoveryPolicy(config, 1);
  const handle = await startNodeRecovery(client, taskQueue, {
    node,
    reason,
    detectedAt: now().toISOString(),
    policy: {
      ...policy,
      provider,
      nodeRecoveryWindow: (values.window as Duration | undefined) ?? policy.nodeRecoveryWindow,
      replacementRequiresApproval: values.requireApproval || policy.replacementRequiresApproval,
      dryRun: values.dryRun || policy.dryRun,
    },
  });
  printStarted(context, command, 'node', node, handle);
}

async function recoverWorkload(
  context: CliContext,
  command: Command,
  target: string,
  values: RecoverWorkloadOptions,
) {
  const { client, taskQueue, now, config } = context;
  const workload = workloadOf('recover-workload', target);
  // The diagnosis reads the real reason from the pods; this one is what the person saw.
  const { reason } = values;
  if (!isPodFailureReason(reason))
    throw new UsageError(`--reason must be one of ${PodFailureReasons.join(', ')} (got "${reason}")`);
  if (!values.pod?.trim())
    throw new UsageError(`recover-workload needs --pod <the failing pod> (got "${values.pod ?? ''}")`);
  const policy = workloadRecoveryPolicy(config);
  const handle = await startWorkloadRecovery(client, taskQueue, {
    workload,
    pod: values.pod,
    reason,
    detectedAt: now().toISOString(),
    policy: { ...policy, dryRun: values.dryRun || policy.dryRun },
  });
  printStarted(context, command, 'workload', workloadTargetKey(workload), handle);
}

function printStarted(
  context: CliContext,
  command: Command,
  kind: TargetKind,
  target: string,
  handle: { workflowId: string; signaledRunId: string },
): void {
  const { workflowId, signaledRunId: runId } = handle;
  printerOf(context, command).result(
    { kind, target, workflowId, runId },
    () => `recovery of ${target}: workflow ${workflowId} run ${runId}`,
  );
}
