/**
 * The operator CLI: start recoveries by hand, answer what they wait for, read and list them.
 * `runCli` takes its dependencies so tests drive it against a real Temporal server; commander
 * never exits the process here: help goes to the injected writers and bad input raises
 * {@link UsageError}.
 */
import { Command, CommanderError, Option } from 'commander';
import type { CliDeps, CliContext } from './context';
import { contextOf, OutputFormats } from './context';
import { addDecisionCommands } from './decide';
import { UsageError } from './errors';
import { addInspectCommands } from './inspect';
import { addListCommand } from './list';
import { addRecoverCommands } from './recover';
import { TARGET_HELP } from './targets';

/**
 * Runs one command line (without the program name), e.g. `['approve', 'n1', '--by', 'alice']`.
 * `--help` anywhere prints help and returns.
 * @throws UsageError naming the argument and the value when the command line is wrong.
 * @throws RecoveryNotFoundError, RecoveryFinishedError, UpdateRejectedError when the recovery
 *   cannot take the command.
 */
export async function runCli(argv: string[], deps: CliDeps): Promise<void> {
  const program = buildProgram(contextOf(deps));
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // Help (asked for) and the version end with exit code 0: nothing went wrong.
    if (error.exitCode === 0) return;
    throw new UsageError(usageMessage(error), { cause: error });
  }
}

function buildProgram(context: CliContext): Command {
  const program = new Command('self-healing')
    .description('Operate self-healing recoveries: start them by hand, answer them, read and list them.')
    .addOption(
      new Option('-o, --output <format>', 'text for people, json for tools (one JSON document per result)')
        .choices(OutputFormats)
        .default('text'),
    )
    // Before the commands are added: they inherit both.
    .exitOverride()
    .configureOutput({
      writeOut: lines(context.out),
      writeErr: lines(context.err),
      // Errors become a UsageError that the caller prints once.
      outputError: () => undefined,
    })
    .addHelpText('after', `\nA <target> is ${TARGET_HELP}.\nEvery command takes --help.`);
  addRecoverCommands(program, context);
  addDecisionCommands(program, context);
  addInspectCommands(program, context);
  addListCommand(program, context);
  return program;
}

/** commander writes text ending in a newline; the writers take lines. */
function lines(write: (line: string) => void): (text: string) => void {
  return (text) => {
    for (const line of text.replace(/\n$/, '').split('\n')) write(line);
  };
}

function usageMessage(error: CommanderError): string {
  if (error.code === 'commander.help') return 'a command is needed (see --help)';
  return `${error.message.replace(/^error: /, '')} (see --help)`;
}
