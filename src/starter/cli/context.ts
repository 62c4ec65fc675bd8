/** What every command gets: the CLI's dependencies, defaults filled in, and how to print results. */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { RecoveryConfig } from '../../config/recovery-config';
import { defaultRecoveryConfig } from '../../config/recovery-config';

/** The CLI's dependencies; tests pass their own client and writers. */
export interface CliDeps {
  client: Client;
  taskQueue: string;
  /** Where results and `--help` go, one line at a time. */
  out: (line: string) => void;
  /** Where the help shown for a missing command goes. @default out */
  err?: (line: string) => void;
  now?: () => Date;
  /** Defaults for recoveries started by hand. @default defaultRecoveryConfig */
  config?: RecoveryConfig;
  /** Who decides when `--by` is not given: the OS user the entrypoint found (see {@link osUser}). */
  user?: string;
}

/** The dependencies with their defaults, as commands use them. */
export type CliContext = Required<Omit<CliDeps, 'user'>> & Pick<CliDeps, 'user'>;

export function contextOf(deps: CliDeps): CliContext {
  return { now: () => new Date(), config: defaultRecoveryConfig, err: deps.out, ...deps };
}

/** `--output`: `text` for people (the default), `json` for tools. */
export const OutputFormats = ['text', 'json'] as const;
export type OutputFormat = (typeof OutputFormats)[number];

/** Prints a command's result in the format `--output` asked for. */
export interface Printer {
  readonly format: OutputFormat;
  /**
   * One result: `json` as one JSON document on one line, or the lines `text` makes (called only
   * when text is wanted).
   */
  result(json: unknown, text: () => string | readonly string[]): void;
}

/** The printer of the command being run, whose `--output` is a global option. */
export function printerOf(context: CliContext, command: Command): Printer {
  const { output } = command.optsWithGlobals<{ output?: OutputFormat }>();
  const format = output ?? 'text';
  return {
    format,
    result(json, text) {
      if (format === 'json') return context.out(JSON.stringify(json));
      const lines = text();
      for (const line of typeof lines === 'string' ? [lines] : lines) context.out(line);
    },
  };
}
