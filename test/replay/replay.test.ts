import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { bundleWorkflows } from '../support/temporal';
import { DeterminismViolationError } from '@temporalio/workflow';
import { workflowsPath } from '../../src/worker/create-worker';
import { FRESH_LOOKS_PATCH } from '../../src/workflows/node/node-recovery';
import { HUMAN_LOOP_PATCH } from '../../src/workflows/shared/recovery';

const fixtures = path.join(__dirname, '../fixtures/histories');

async function histories(prefix = ''): Promise<{ workflowId: string; history: unknown }[]> {
  const files = (await readdir(fixtures)).filter((file) => file.startsWith(prefix) && file.endsWith('.json'));
  return Promise.all(
    files.map(async (file) => ({
      workflowId: file,
      history: JSON.parse(await readFile(path.join(fixtures, file), 'utf8')),
    })),
  );
}

async function replayErrors(bundlePath: string, prefix = ''): Promise<unknown[]> {
  const workflowBundle = await bundleWorkflows(bundlePath);
  const errors: unknown[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, await histories(prefix))) {
    if (result.error) errors.push(result.error);
  }
  return errors;
}

interface MarkerEvent {
  markerRecordedEventAttributes?: {
    markerName?: string;
    details?: Record<string, { payloads?: { data?: string }[] }>;
  };
}

/** The IDs of the patches (`patched()`) a history's markers record. */
function patchesOf(history: unknown): string[] {
  const events = (history as { events?: MarkerEvent[] }).events ?? [];
  return events.flatMap(({ markerRecordedEventAttributes: marker }) => {
    const data =
      marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });
}

describe('replay of recorded histories', () => {
  it('has recorded histories to replay', async () => {
    expect((await histories()).length).toBeGreaterThan(0);
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(await replayErrors(workflowsPath)).toEqual([]);
  });

  it('replays recoveries of both paths: recorded before fresh looks, and with the fresh-looks patch marker', async () => {
    const recoveries = await histories('node-recovery');
    const patchedOnes = recoveries.filter((h) => patchesOf(h.history).includes(FRESH_LOOKS_PATCH));
    expect(patchedOnes.map((h) => h.workflowId).sort()).toEqual(
      recoveries
        .filter((h) => !h.workflowId.includes('.before-'))
        .map((h) => h.workflowId)
        .sort(),
    );
    expect(patchedOnes.length).toBeGreaterThanOrEqual(4);
    expect(recoveries.length).toBeGreaterThan(patchedOnes.length);
  });

  it('replays recoveries with humans in the loop: the ladder, an approval, an acknowledgement', async () => {
    const withHumans = (await histories('node-recovery')).filter((h) =>
      patchesOf(h.history).includes(HUMAN_LOOP_PATCH),
    );
    expect(withHumans.map((h) => h.workflowId).sort()).toEqual([
      'node-recovery-approved-after-level-1.json',
      'node-recovery-escalated-acknowledged.json',
    ]);
  });

  it('replays workload recoveries: rolled back, memory raised, reported', async () => {
    const recoveries = await histories('workload-recovery');
    expect(recoveries.map((h) => h.workflowId).sort()).toEqual([
      'workload-recovery-memory-raised.json',
      'workload-recovery-reported.json',
      'workload-recovery-rolled-back.json',
    ]);
  });

  it('replays Service recoveries: dependencies first, restarted, scaled, failed over, on the lab and time-skipping', async () => {
    const recoveries = await histories('service-recovery');
    expect(recoveries.map((h) => h.workflowId).sort()).toEqual([
      'service-recovery-dependencies-first.json',
      'service-recovery-e2e-dependency.json',
      'service-recovery-e2e-failover.json',
      'service-recovery-e2e-scaled.json',
      'service-recovery-failed-over.json',
      'service-recovery-restarted.json',
      'service-recovery-scaled.json',
    ]);
    expect(await replayErrors(workflowsPath, 'service-recovery')).toEqual([]);
  });

  it('replays an analysis finding routed as an alert and cleared', async () => {
    const alerts = await histories('analysis-alert');
    expect(alerts.map((h) => h.workflowId)).toEqual(['analysis-alert-cleared.json']);
    expect(await replayErrors(workflowsPath, 'analysis-alert')).toEqual([]);
  });

  it('fails with a determinism error when the workflow code changes its commands', async () => {
    const errors = await replayErrors(require.resolve('./nondeterministic-workflows'), 'node-recovery');
    expect(errors.length).toBe((await histories('node-recovery')).length);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(error).toBeInstanceOf(DeterminismViolationError);
  });
});
