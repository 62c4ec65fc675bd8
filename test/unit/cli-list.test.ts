import { TypedSearchAttributes } from '@temporalio/common';
import type { RecoveryStatus } from '../../src/domain';
import { rowOf, table, waitText } from '../../src/starter/cli/list';
import { kindKey, phaseKey, targetKey } from '../../src/workflows/search-attributes';

const now = Date.parse('2026-03-02T10:00:00.000Z');

const workflow = (target: string, phase: string) => ({
  workflowId: `node-recovery/${target}`,
  status: { code: 1, name: 'RUNNING' as const },
  typedSearchAttributes: new TypedSearchAttributes([
    { key: kindKey, value: 'node' },
    { key: targetKey, value: target },
    { key: phaseKey, value: phase },
  ]),
});

function status(target: string, humans?: RecoveryStatus['humans']): RecoveryStatus {
  return {
    target,
    kind: 'node',
    phase: 'AwaitingApproval',
    step: 'replace it through sim: waiting for approval',
    severity: 'critical',
    dryRun: false,
    blockingPdbs: [],
    ...(humans ? { humans } : {}),
    evidence: [],
    actions: [],
    timings: {},
  };
}

describe('cli list', () => {
  it('shows how long a recovery has waited for a human, from the status its workflow answers', () => {
    const row = rowOf(
      workflow('n1', 'Draining'),
      status('n1', { waitingSince: '2026-03-02T09:55:48.000Z', escalations: [], failingDeliveries: [] }),
      now,
    );
    expect(row).toEqual({
      workflowId: 'node-recovery/n1',
      kind: 'node',
      target: 'n1',
      phase: 'AwaitingApproval',
      status: 'RUNNING',
      waitingSince: '2026-03-02T09:55:48.000Z',
      waitingSeconds: 252,
    });
    expect(table([row])).toEqual([
      'KIND  TARGET  PHASE             WAITING',
      'node  n1      AwaitingApproval  4m12s',
    ]);
  });

  it('shows - for a recovery that waits for nobody, and what visibility knows of one that no longer answers', () => {
    const waitsForNobody = rowOf(workflow('n1', 'Draining'), status('n1'), now);
    const closedMeanwhile = rowOf(workflow('n2', 'Recovered'), undefined, now);
    expect(closedMeanwhile).toEqual({
      workflowId: 'node-recovery/n2',
      kind: 'node',
      target: 'n2',
      phase: 'Recovered',
      status: 'RUNNING',
    });
    expect(table([waitsForNobody, closedMeanwhile]).map((line) => line.split(/\s+/).at(-1))).toEqual([
      'WAITING',
      '-',
      '-',
    ]);
  });

  it('writes waits in the largest units that matter', () => {
    expect([45, 252, 2 * 3600 + 5 * 60 + 9, 3 * 86_400 + 4 * 3600].map(waitText)).toEqual([
      '45s',
      '4m12s',
      '2h05m',
      '3d04h',
    ]);
  });
});
