/**
 * `approve`, `reject` and `ack`: a person answers what a recovery waits for. Each records who
 * (`--by`, the OS user by default), and a refusal prints the recovery's own reason.
 */
import type { Command } from 'commander';
import type { Acknowledgement, ApprovalDecision, RecoveryStatus } from '../../domain';
import { acknowledgeUpdate, approveUpdate } from '../../workflows/messages';
import type { CliContext } from './context';
import { printerOf } from './context';
import { onRecovery, UsageError } from './errors';
import { recoveryIdOf, TARGET_HELP } from './targets';

interface DecisionOptions {
  by?: string;
  comment?: string;
  reject?: boolean;
}

const BY_HELP = 'who decides; recorded with the decision (default: your OS user name)';

/** Adds `approve`, `reject` and `ack` (alias `acknowledge`) to the program. */
export function addDecisionCommands(program: Command, context: CliContext): void {
  program
    .command('approve')
    .description('approve the step the recovery waits for (node replacement, deleting pods, ...)')
    .argument('<target>', TARGET_HELP)
    .option('--by <name>', BY_HELP)
    .option('--comment <text>', 'why; recorded with the decision')
    .option('--reject', 'refuse instead (same as the reject command)', false)
    .action((target: string, options: DecisionOptions, command: Command) =>
      decide(context, command, target, options, !options.reject),
    );
  program
    .command('reject')
    .description('refuse the step the recovery waits for; it is handed to humans')
    .argument('<target>', TARGET_HELP)
    .option('--by <name>', BY_HELP)
    .option('--comment <text>', 'why; recorded with the decision')
    .action((target: string, options: DecisionOptions, command: Command) =>
      decide(context, command, target, options, false),
    );
  program
    .command('ack')
    .alias('acknowledge')
    .description('take an escalated recovery in hand: its escalation stops')
    .argument('<target>', TARGET_HELP)
    .option('--by <name>', 'who takes it in hand (default: your OS user name)')
    .option('--comment <text>', 'a note recorded with the acknowledgement')
    .action((target: string, options: DecisionOptions, command: Command) =>
      acknowledge(context, command, target, options),
    );
}

async function decide(
  context: CliContext,
  command: Command,
  target: string,
  options: DecisionOptions,
  approved: boolean,
) {
  const workflowId = recoveryIdOf(command.name(), target);
  const decision: ApprovalDecision = {
    approved,
    by: whoOf(command.name(), options.by, context.user),
    ...(options.comment ? { reason: options.comment } : {}),
  };
  const status = await onRecovery({ client: context.client, target, workflowId, update: 'approve' }, () =>
    context.client.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [decision] }),
  );
  printDecision(
    context,
    command,
    approved ? 'approved' : 'rejected',
    { target, workflowId, status },
    decision,
  );
}

async function acknowledge(context: CliContext, command: Command, target: string, options: DecisionOptions) {
  const workflowId = recoveryIdOf('ack', target);
  const acknowledgement: Acknowledgement = {
    by: whoOf('ack', options.by, context.user),
    ...(options.comment ? { note: options.comment } : {}),
  };
  const status = await onRecovery({ client: context.client, target, workflowId, update: 'acknowledge' }, () =>
    context.client.workflow
      .getHandle(workflowId)
      .executeUpdate(acknowledgeUpdate, { args: [acknowledgement] }),
  );
  printDecision(context, command, 'acknowledged', { target, workflowId, status }, acknowledgement);
}

/**
 * Who decides: `--by`, else the OS user.
 * @throws UsageError when `--by` is given empty, or absent with no OS user to fall back on.
 */
function whoOf(command: string, by: string | undefined, user: string | undefined): string {
  const who = by ?? user;
  if (!who?.trim())
    throw new UsageError(
      by === undefined
        ? `${command} needs --by <name>: no OS user name to record as the one who decides`
        : `${command} needs --by <name> (got ${JSON.stringify(by)})`,
    );
  return who.trim();
}

function printDecision(
  context: CliContext,
  command: Command,
  decision: 'approved' | 'rejected' | 'acknowledged',
  about: { target: string; workflowId: string; status: RecoveryStatus },
  by: { by: string },
): void {
  const { target, status } = about;
  printerOf(context, command).result(
    { decision, by: by.by, ...about },
    () => `${decision} by ${by.by}; the recovery of ${target} is ${status.phase}: ${status.step}`,
  );
}
