/** Replay fixtures: recorded from the time-skipping suites with RECORD_HISTORIES=1 (make record-histories). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/** With RECORD_HISTORIES=1, saves the workflow's history as the replay fixture `fixture`. */
export async function recordHistory(handle: WorkflowHandle, fixture: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
  await writeFile(
    path.join(__dirname, '../fixtures/histories', fixture),
    JSON.stringify(history, null, 2) + '\n',
  );
}
