/**
 * The operator CLI: start a node recovery by hand, read a recovery's status, list recoveries.
 * `runCli` takes its dependencies so tests drive it against a real Temporal server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { NodeProviderName, RecoveryConfig } from '../config/recovery-config';
import { defaultRecoveryConfig, NodeProviders } from '../config/recovery-config';
import { approveUpdate, statusQuery } from '../workflows/messages';
import {
  FinalPhases,
  isPodFailureReason,
  NodeFailureReasons,
  PodFailureReasons,
  WorkloadKinds,
  workloadTargetKey,
} from '../domain';
import type { WorkloadKind, WorkloadTarget } from '../domain';
import { workloadRecoveryWorkflowId } from '../workflows/ids';
import type { NodeFailureReason } from '../domain';
import {
  nodeRecoveryPolicy,
  nodeRecoveryWorkflowId,
  startNodeRecovery,
  startWorkloadRecovery,
  workloadRecoveryPolicy,
} from './recoveries';

export const usage = `usage: self-healing <command> [options]
  recover-node <node> [--reason NotReady|Unknown|MemoryPressure|DiskPressure] [--window 2m]
               [--provider sim|cluster-api|delete-node|none] [--require-approval] [--dry-run]
                                    start (or join) the node's recovery by hand
  recover-workload <Kind/namespace/name> --pod <pod> [--reason CrashLoopBackOff|OOMKilled|...]
               [--dry-run]          start (or join) the workload's recovery by hand
  approve <target> --by <name> [--reject] [--comment <text>]
                                    answer the approval the recovery waits for
  status <target>                   print the recovery's status (phase, step, evidence, actions,
                                    a workload's diagnosis)
  watch <target>                    print the recovery's steps as they happen, until it ends
  list [--query <visibility query>] list recoveries of every kind (default: running ones)
A <target> is a node name, or a workload as Kind/namespace/name (e.g. Deployment/shop/web).`;

/** Thrown for a bad command line; the message names the argument and the value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliDeps {
  client: Client;
  taskQueue: string;
  out: (line: string) => void;
  now?: () => Date;
  /** Defaults for recoveries started by hand. @default defaultRecoveryConfig */
  config?: RecoveryConfig;
}

const WATCH_INTERVAL_MS = 1_000;

const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/;

const OPTIONS = {
  reason: { type: 'string', default: 'NotReady' },
  window: { type: 'string' },
  provider: { type: 'string' },
  'require-approval': { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  by: { type: 'string' },
  reject: { type: 'boolean', default: false },
  comment: { type: 'string' },
  query: { type: 'string' },
  pod: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** What a command gets: its target (the node), the parsed options, and the CLI's dependencies. */
interface Invocation {
  target: string | undefined;
  values: Values;
  deps: Required<CliDeps>;
}

type Command = (invocation: Invocation) => Promise<void>;

const commands: Record<string, Command> = {
  'recover-node': recoverNode,
  'recover-workload': recoverWorkload,
  approve,
  status,
  watch,
  list,
};

export async function runCli(argv: string[], deps: CliDeps): Promise<void> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [name, target] = positionals;
  const command = name !== undefined && Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) throw new UsageError(`unknown command "${name ?? ''}"\n${usage}`);
  await command({
    target,
    values,
    deps: { now: () => new Date(), config: defaultRecoveryConfig, ...deps },
  });
}

/**
 * The workflow ID of a target: a workload (`Deployment/shop/web`) or a node.
 * @throws UsageError naming the kind when a workload target's kind is unknown.
 */
function recoveryIdOf(command: string, target: string | undefined): string {
  const name = nodeOf(command, target);
  return name.includes('/')
    ? workloadRecoveryWorkflowId(workloadOf(command, name))
    : nodeRecoveryWorkflowId(name);
}

/** A workload target, `Kind/namespace/name`. @throws UsageError naming the part that is wrong. */
function workloadOf(command: string, target: string | undefined): WorkloadTarget {
  if (!target) throw new UsageError(`${command} needs a workload as Kind/namespace/name\n${usage}`);
  const parts = target.split('/');
  const [kind, namespace, name] = parts;
  if (parts.length !== 3 || !namespace || !name)
    throw new UsageError(`${command}: a workload is Kind/namespace/name (got "${target}")`);
  if (!WorkloadKinds.includes(kind as WorkloadKind))
    throw new UsageError(`${command}: the kind must be one of ${WorkloadKinds.join(', ')} (got "${kind}")`);
  return { kind: kind as WorkloadKind, namespace, name };
}

function nodeOf(command: string, target: string | undefined): string {
  if (!target) throw new UsageError(`${command} needs a node name\n${usage}`);
  return target;
}

async function recoverNode({ target, values, deps: { client, taskQueue, out, now, config } }: Invocation) {
  const node = nodeOf('recover-node', target);
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
      replacementRequiresApproval: values['require-approval'] || policy.replacementRequiresApproval,
      dryRun: values['dry-run'] || policy.dryRun,
    },
  });
  out(`recovery of ${node}: workflow ${handle.workflowId} run ${handle.signaledRunId}`);
}

async function recoverWorkload({
  target,
  values,
  deps: { client, taskQueue, out, now, config },
}: Invocation) {
  const workload = workloadOf('recover-workload', target);
  // The diagnosis reads the real reason from the pods; this one is what the person saw.
  const reason = values.reason;
  if (!isPodFailureReason(reason))
    throw new UsageError(`--reason must be one of ${PodFailureReasons.join(', ')} (got "${values.reason}")`);
  if (!values.pod?.trim()) throw new UsageError(`recover-workload needs --pod <the failing pod> (got "")`);
  const policy = workloadRecoveryPolicy(config);
  const handle = await startWorkloadRecovery(client, taskQueue, {
    workload,
    pod: values.pod,
    reason,
    detectedAt: now().toISOString(),
    policy: { ...policy, dryRun: values['dry-run'] || policy.dryRun },
  });
  out(
    `recovery of ${workloadTargetKey(workload)}: workflow ${handle.workflowId} run ${handle.signaledRunId}`,
  );
}

async function approve({ target, values, deps: { client, out } }: Invocation) {
  const node = nodeOf('approve', target);
  const workflowId = recoveryIdOf('approve', target);
  if (!values.by?.trim())
    throw new UsageError(`approve needs --by <name> (got ${JSON.stringify(values.by ?? '')})`);
  const decision = {
    approved: !values.reject,
    by: values.by,
    ...(values.comment ? { reason: values.comment } : {}),
  };
  const status = await client.workflow
    .getHandle(workflowId)
    .executeUpdate(approveUpdate, { args: [decision] });
  out(
    `${values.reject ? 'rejected' : 'approved'}; the recovery of ${node} is ${status.phase}: ${status.step}`,
  );
}

async function status({ target, deps: { client, out } }: Invocation) {
  const workflowId = recoveryIdOf('status', target);
  out(JSON.stringify(await client.workflow.getHandle(workflowId).query(statusQuery), null, 2));
}

async function watch({ target, deps: { client, out } }: Invocation) {
  const handle = client.workflow.getHandle(recoveryIdOf('watch', target));
  for (let last = ''; ; await sleep(WATCH_INTERVAL_MS)) {
    const current = await handle.query(statusQuery);
    const line = `${current.phase}: ${current.step}`;
    if (line !== last) out(line);
    last = line;
    if (FinalPhases.includes(current.phase)) return;
  }
}

async function list({ values, deps: { client, out } }: Invocation) {
  const query = values.query ?? `SelfHealingKind IN ('node', 'workload') AND ExecutionStatus = 'Running'`;
  for await (const wf of client.workflow.list({ query })) {
    const phase = wf.typedSearchAttributes.get({ name: 'SelfHealingPhase', type: 'KEYWORD' }) ?? '-';
    out(`${wf.workflowId}\t${wf.status.name}\t${phase}`);
  }
}
