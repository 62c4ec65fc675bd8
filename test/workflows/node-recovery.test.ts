import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { evidenceSignal, statusQuery } from '../../src/workflows/messages';
import { nodeRecoveryWorkflow } from '../../src/workflows/node-recovery';
import { workflowsPath } from '../../src/worker/create-worker';
import type { NodeRecoveryInput } from '../../src/workflows/types';
import { FakeCluster, RecordingNotifier } from '../support/fake-cluster';
import { bundleWorkflows, createTimeSkippingEnv } from '../support/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let seq = 0;

beforeAll(async () => {
  [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows(workflowsPath)]);
});

afterAll(async () => {
  await env?.teardown();
});

function setup(nodeReady: 'True' | 'False' = 'False') {
  const cluster = new FakeCluster().addNode('node-a', nodeReady);
  const notifier = new RecordingNotifier();
  const taskQueue = `node-recovery-${++seq}`;
  const input: NodeRecoveryInput = {
    node: 'node-a',
    reason: 'NotReady',
    detectedAt: new Date(0).toISOString(),
    recoveryWindow: '30 minutes',
    dryRun: false,
  };
  const run = <T>(fn: () => Promise<T>): Promise<T> =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({ cluster, notifier }),
    }).then((worker) => worker.runUntil(fn));
  const start = (overrides: Partial<NodeRecoveryInput> = {}) =>
    env.client.workflow.start(nodeRecoveryWorkflow, {
      taskQueue,
      workflowId: `node-recovery-test-${seq}`,
      args: [{ ...input, ...overrides }],
    });
  return { cluster, notifier, run, start };
}

describe('node recovery workflow', () => {
  it('waits out a 30-minute recovery window on a durable timer, then escalates a node that stays down', async () => {
    const { cluster, notifier, run, start } = setup('False');
    const before = await env.currentTimeMs();
    const result = await run(async () => (await start()).result());
    const skipped = (await env.currentTimeMs()) - before;

    expect(result.outcome).toBe('escalated');
    expect(skipped).toBeGreaterThanOrEqual(30 * 60 * 1000);
    expect(cluster.calls).toEqual(['cordon node-a']);
    expect(cluster.nodes.get('node-a')?.unschedulable).toBe(true);
    expect(notifier.alerts).toEqual([
      expect.objectContaining({
        severity: 'critical',
        target: 'node-a',
        title: 'Node node-a did not recover',
      }),
    ]);
  });

  it('uncordons and completes as soon as the detector reports the node Ready again', async () => {
    const { cluster, notifier, run, start } = setup('False');
    const result = await run(async () => {
      const handle = await start();
      await waitForPhase(handle, 'AwaitingRecovery');
      cluster.setReady('node-a', 'True');
      await handle.signal(evidenceSignal, { observedAt: new Date().toISOString(), reason: 'Ready' });
      return handle.result();
    });

    expect(result).toEqual({
      node: 'node-a',
      outcome: 'recovered',
      actions: ['cordoned node-a', 'uncordoned node-a'],
    });
    expect(cluster.nodes.get('node-a')?.unschedulable).toBe(false);
    expect(notifier.alerts).toEqual([]);
  });

  it('leaves a node cordoned by someone else alone and never uncordons it', async () => {
    const { cluster, run, start } = setup('True');
    const node = cluster.nodes.get('node-a');
    if (node) node.unschedulable = true; // cordoned by a human, without our annotation
    const result = await run(async () => (await start({ recoveryWindow: '1 minute' })).result());

    expect(result.actions).toEqual([
      'left node-a alone: cordoned by someone else',
      'left node-a cordoned: not cordoned by this product',
    ]);
    expect(node?.unschedulable).toBe(true);
  });

  it('in dry-run records what it would do and mutates nothing', async () => {
    const { cluster, run, start } = setup('True');
    const result = await run(async () =>
      (await start({ dryRun: true, recoveryWindow: '1 minute' })).result(),
    );

    expect(result.actions).toEqual(['would cordon node-a', 'would uncordon node-a']);
    expect(cluster.calls).toEqual([]);
    expect(cluster.events).toEqual([]);
  });

  it('answers the status query with phase, step, evidence and timings', async () => {
    const { run, start } = setup('False');
    const status = await run(async () => {
      const handle = await start();
      await handle.signal(evidenceSignal, { observedAt: '2026-01-01T00:01:00.000Z', reason: 'NotReady' });
      await waitForPhase(handle, 'AwaitingRecovery');
      return handle.query(statusQuery);
    });

    expect(status).toMatchObject({
      target: 'node-a',
      kind: 'node',
      phase: 'AwaitingRecovery',
      step: 'wait up to 30 minutes for node-a to become Ready',
      actions: ['cordoned node-a'],
      evidence: [
        { observedAt: new Date(0).toISOString(), reason: 'NotReady' },
        { observedAt: '2026-01-01T00:01:00.000Z', reason: 'NotReady' },
      ],
    });
    expect(Object.keys(status.timings)).toEqual(['Detected', 'Cordoning', 'AwaitingRecovery']);
  });

  it('rejects an input without a node name as a non-retryable failure', async () => {
    const { run, start } = setup();
    await expect(run(async () => (await start({ node: '' })).result())).rejects.toThrow(
      /workflow execution failed/i,
    );
  });
});

async function waitForPhase(
  handle: { query: (q: typeof statusQuery) => Promise<{ phase: string }> },
  phase: string,
): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await handle.query(statusQuery)).phase === phase) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`workflow never reached phase ${phase}`);
}
