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
import { FinalPhases, NodeFailureReasons } from '../domain';
import type { NodeFailureReason } from '../domain';
import { nodeRecoveryPolicy, nodeRecoveryWorkflowId, startNodeRecovery } from './recoveries';

export const usage = `usage: self-healing <command> [options]
  recover-node <node> [--reason NotReady|Unknown|MemoryPressure|DiskPressure] [--window 2m]
               [--provider sim|cluster-api|delete-node|none] [--require-approval] [--dry-run]
                                    start (or join) the node's recovery by hand
  approve <node> --by <name> [--reject] [--comment <text>]
                                    answer the approval the node's recovery waits for
  status <node>                     print the recovery's status (phase, step, evidence, actions)
  watch <node>                      print the recovery's steps as they happen, until it ends
  list [--query <visibility query>] list recoveries (default: running ones)`;

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

export async function runCli(
  argv: string[],
  { client, taskQueue, out, now = () => new Date(), config = defaultRecoveryConfig }: CliDeps,
): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reason: { type: 'string', default: 'NotReady' },
      window: { type: 'string' },
      provider: { type: 'string' },
      'require-approval': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      by: { type: 'string' },
      reject: { type: 'boolean', default: false },
      comment: { type: 'string' },
      query: { type: 'string' },
    },
  });
  const [command, target] = positionals;
  switch (command) {
    case 'recover-node': {
      if (!target) throw new UsageError(`recover-node needs a node name\n${usage}`);
      const reason = values.reason as NodeFailureReason;
      if (!NodeFailureReasons.includes(reason)) {
        throw new UsageError(
          `--reason must be one of ${NodeFailureReasons.join(', ')} (got "${values.reason}")`,
        );
      }
      if (values.window !== undefined && !DURATION.test(values.window)) {
        throw new UsageError(`--window must be a duration like 90s or 5m (got "${values.window}")`);
      }
      const provider = (values.provider ?? config.node_provider) as NodeProviderName;
      if (!NodeProviders.includes(provider)) {
        throw new UsageError(
          `--provider must be one of ${NodeProviders.join(', ')} (got "${values.provider}")`,
        );
      }
      const policy = nodeRecoveryPolicy(config, 1);
      const handle = await startNodeRecovery(client, taskQueue, {
        node: target,
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
      out(`recovery of ${target}: workflow ${handle.workflowId} run ${handle.signaledRunId}`);
      return;
    }
    case 'approve': {
      if (!target) throw new UsageError(`approve needs a node name\n${usage}`);
      if (!values.by?.trim())
        throw new UsageError(`approve needs --by <name> (got ${JSON.stringify(values.by ?? '')})`);
      const status = await client.workflow
        .getHandle(nodeRecoveryWorkflowId(target))
        .executeUpdate(approveUpdate, {
          args: [
            {
              approved: !values.reject,
              by: values.by,
              ...(values.comment ? { reason: values.comment } : {}),
            },
          ],
        });
      out(
        `${values.reject ? 'rejected' : 'approved'}; the recovery of ${target} is ${status.phase}: ${status.step}`,
      );
      return;
    }
    case 'status': {
      if (!target) throw new UsageError(`status needs a node name\n${usage}`);
      const status = await client.workflow.getHandle(nodeRecoveryWorkflowId(target)).query(statusQuery);
      out(JSON.stringify(status, null, 2));
      return;
    }
    case 'watch': {
      if (!target) throw new UsageError(`watch needs a node name\n${usage}`);
      const handle = client.workflow.getHandle(nodeRecoveryWorkflowId(target));
      let last = '';
      for (;;) {
        const status = await handle.query(statusQuery);
        const line = `${status.phase}: ${status.step}`;
        if (line !== last) out(line);
        last = line;
        if (FinalPhases.includes(status.phase)) return;
        await sleep(WATCH_INTERVAL_MS);
      }
    }
    case 'list': {
      const query = values.query ?? `SelfHealingKind = 'node' AND ExecutionStatus = 'Running'`;
      for await (const wf of client.workflow.list({ query })) {
        const phase = wf.typedSearchAttributes.get({ name: 'SelfHealingPhase', type: 'KEYWORD' }) ?? '-';
        out(`${wf.workflowId}\t${wf.status.name}\t${phase}`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown command "${command ?? ''}"\n${usage}`);
  }
}
