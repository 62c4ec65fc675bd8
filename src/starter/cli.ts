/**
 * The operator CLI: start a node recovery by hand, read a recovery's status, list recoveries.
 * `runCli` takes its dependencies so tests drive it against a real Temporal server.
 */
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { statusQuery } from '../workflows/messages';
import { NodeFailureReasons } from '../workflows/types';
import type { NodeFailureReason } from '../workflows/types';
import { nodeRecoveryWorkflowId, startNodeRecovery } from './recoveries';

export const usage = `usage: self-healing <command> [options]
  recover-node <node> [--reason NotReady|Unknown|MemoryPressure|DiskPressure] [--window 5m] [--dry-run]
  status <node>                     print the recovery's status (phase, step, evidence, actions)
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
}

const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/;

export async function runCli(
  argv: string[],
  { client, taskQueue, out, now = () => new Date() }: CliDeps,
): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      reason: { type: 'string', default: 'NotReady' },
      window: { type: 'string', default: '5m' },
      'dry-run': { type: 'boolean', default: false },
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
      if (!DURATION.test(values.window)) {
        throw new UsageError(`--window must be a duration like 90s or 5m (got "${values.window}")`);
      }
      const handle = await startNodeRecovery(client, taskQueue, {
        node: target,
        reason,
        detectedAt: now().toISOString(),
        recoveryWindow: values.window as Duration,
        dryRun: values['dry-run'],
      });
      out(`recovery of ${target}: workflow ${handle.workflowId} run ${handle.signaledRunId}`);
      return;
    }
    case 'status': {
      if (!target) throw new UsageError(`status needs a node name\n${usage}`);
      const status = await client.workflow.getHandle(nodeRecoveryWorkflowId(target)).query(statusQuery);
      out(JSON.stringify(status, null, 2));
      return;
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
