/** `status` (alias `show`) and `watch`: read a recovery through its `status` query. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { FinalPhases } from '../../domain';
import type { RecoveryStatus } from '../../domain';
import { statusQuery } from '../../workflows/messages';
import type { CliContext } from './context';
import { printerOf } from './context';
import { onRecovery } from './errors';
import { recoveryIdOf, TARGET_HELP } from './targets';

const WATCH_INTERVAL_MS = 1_000;

/** Adds `status` (alias `show`) and `watch` to the program. */
export function addInspectCommands(program: Command, context: CliContext): void {
  program
    .command('status')
    .alias('show')
    .description(
      "print the recovery's status: phase, step, evidence, actions, humans, a workload's diagnosis",
    )
    .argument('<target>', TARGET_HELP)
    .action(async (target: string, _options: unknown, command: Command) => {
      const status = await statusOf(context, command.name(), target);
      printerOf(context, command).result(status, () => JSON.stringify(status, null, 2));
    });
  program
    .command('watch')
    .description("print the recovery's steps as they happen, until it ends (json: one status per change)")
    .argument('<target>', TARGET_HELP)
    .action((target: string, _options: unknown, command: Command) => watch(context, command, target));
}

async function watch(context: CliContext, command: Command, target: string): Promise<void> {
  const printer = printerOf(context, command);
  for (let last = ''; ; await sleep(WATCH_INTERVAL_MS)) {
    const current = await statusOf(context, 'watch', target);
    const line = `${current.phase}: ${current.step}`;
    if (line !== last) printer.result(current, () => line);
    last = line;
    if (FinalPhases.includes(current.phase)) return;
  }
}

/** The recovery's status. @throws RecoveryNotFoundError when the target has no recovery. */
function statusOf(context: CliContext, command: string, target: string): Promise<RecoveryStatus> {
  const workflowId = recoveryIdOf(command, target);
  return onRecovery({ client: context.client, target, workflowId }, () =>
    context.client.workflow.getHandle(workflowId).query(statusQuery),
  );
}
