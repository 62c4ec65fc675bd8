/**
 * `list`: the recoveries in flight, of every kind, with how long each has waited for a human.
 * Visibility finds them; each one's `status` query (a few at once) tells its phase and wait.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { Command } from 'commander';
import type { RecoveryStatus } from '../../domain';
import { statusQuery } from '../../workflows/messages';
import { kindKey, phaseKey, targetKey } from '../../workflows/search-attributes';
import type { CliContext } from './context';
import { printerOf } from './context';
import { mapLimit } from '../map-limit';

/** Running recoveries of every kind. */
export const DEFAULT_LIST_QUERY = `SelfHealingKind IN ('node', 'workload', 'service', 'analysis') AND ExecutionStatus = 'Running'`;

/** Status queries in flight at once: enough to be quick, few enough to spare the workers. */
const QUERY_CONCURRENCY = 8;
/** A query no worker answers (workers down) must not hang the list. */
const QUERY_DEADLINE_MS = 10_000;

/** One recovery as `list` shows it. */
export interface RecoveryRow {
  workflowId: string;
  kind: string;
  target: string;
  phase: string;
  /** The workflow's execution status, e.g. `RUNNING`. */
  status: string;
  /** ISO-8601 time it began waiting for a human, when it does. */
  waitingSince?: string;
  /** Seconds it has waited for a human so far, when it does. */
  waitingSeconds?: number;
}

/** Adds `list` to the program. */
export function addListCommand(program: Command, context: CliContext): void {
  program
    .command('list')
    .description('list recoveries in flight of every kind, with how long each has waited for a human')
    .option('--query <visibility query>', 'any Temporal visibility query', DEFAULT_LIST_QUERY)
    .action(async (options: { query: string }, command: Command) => {
      const rows = await listRecoveries(context, options.query);
      printerOf(context, command).result(rows, () => table(rows));
    });
}

/** The recoveries `query` finds, each with its live status when it still answers. */
export async function listRecoveries(context: CliContext, query: string): Promise<RecoveryRow[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const workflow of context.client.workflow.list({ query })) found.push(workflow);
  const statuses = await mapLimit(found, QUERY_CONCURRENCY, (workflow) =>
    liveStatus(context.client, workflow.workflowId),
  );
  const now = context.now().getTime();
  return found.map((workflow, i) => rowOf(workflow, statuses[i], now));
}

/** The status, or undefined when the recovery cannot answer (it closed meanwhile, no worker). */
async function liveStatus(client: Client, workflowId: string): Promise<RecoveryStatus | undefined> {
  try {
    return await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      client.workflow.getHandle(workflowId).query(statusQuery),
    );
  } catch {
    return undefined;
  }
}

/**
 * What `list` shows of one recovery: its live status when it answered, else what visibility knows.
 * @param now epoch milliseconds the wait is measured to.
 */
export function rowOf(
  workflow: Pick<WorkflowExecutionInfo, 'workflowId' | 'status' | 'typedSearchAttributes'>,
  status: RecoveryStatus | undefined,
  now: number,
): RecoveryRow {
  const attributes = workflow.typedSearchAttributes;
  const waitingSince = status?.humans?.waitingSince;
  const since = waitingSince === undefined ? NaN : Date.parse(waitingSince);
  return {
    workflowId: workflow.workflowId,
    kind: status?.kind ?? attributes.get(kindKey) ?? '-',
    target: status?.target ?? attributes.get(targetKey) ?? '-',
    phase: status?.phase ?? attributes.get(phaseKey) ?? '-',
    status: workflow.status.name,
    ...(Number.isNaN(since)
      ? {}
      : { waitingSince, waitingSeconds: Math.max(0, Math.floor((now - since) / 1000)) }),
  };
}

/** Aligned columns for people: kind, target, phase, and the wait for a human (`-` for none). */
export function table(rows: readonly RecoveryRow[]): string[] {
  if (rows.length === 0) return ['no recoveries found'];
  const header = ['KIND', 'TARGET', 'PHASE', 'WAITING'];
  const lines = [
    header,
    ...rows.map((row) => [row.kind, row.target, row.phase, waitText(row.waitingSeconds)]),
  ];
  const widths = header.map((_, column) => Math.max(...lines.map((line) => (line[column] ?? '').length)));
  return lines.map((line) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** `45s`, `4m12s`, `2h05m`, `3d04h`; `-` when the recovery waits for nobody. */
export function waitText(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const two = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)}h${two(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86_400)}d${two(Math.floor(seconds / 3_600) % 24)}h`;
}
