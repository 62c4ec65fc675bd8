import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporalRecoveryGateway } from '../../src/starter/detector';
import { workflowsPath } from '../../src/worker/create-worker';
import { disruptionBudgetWorkflowId, nodeRecoveryWorkflowId } from '../../src/workflows/ids';
import type { BudgetStatus } from '../../src/workflows/messages';
import {
  approveUpdate,
  budgetStatusQuery,
  evidenceSignal,
  releasePermitSignal,
  statusQuery,
  stormSignal,
} from '../../src/workflows/messages';
import { nodeRecoveryWorkflow } from '../../src/workflows/node/node-recovery';
import type { NodeRecoveryInput, NodeRecoveryPolicy, PodRef, RecoveryPhase } from '../../src/domain';
import { FakeWorld } from '../support/fake-activities';
import { bundleWorkflows, createTimeSkippingEnv, teardownTimeSkippingEnv } from '../support/temporal';

const taskQueue = 'node-recovery-tests';
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let world: FakeWorld;
/** When set, every human-readable text an activity returns is replaced (see `reworded`). */
let rewordText = false;

/**
 * The activity's result with its human-readable parts reworded: plain sentences, `lines` and
 * `detail`. Typed outcomes and data (names, PDBs, workloads) stay as they are.
 */
function reworded(result: unknown): unknown {
  if (typeof result === 'string') return 'reworded';
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return result;
  const copy: Record<string, unknown> = { ...result };
  if (Array.isArray(copy.lines)) copy.lines = copy.lines.map(() => 'reworded');
  if (typeof copy.detail === 'string') copy.detail = 'reworded';
  return copy;
}

const policy: NodeRecoveryPolicy = {
  dryRun: false,
  drainTimeout: '5 minutes',
  deleteEmptyDirData: true,
  unmanagedPods: 'skip',
  nodeRecoveryWindow: '2 minutes',
  provider: 'sim',
  replacementRequiresApproval: false,
  approvalTimeout: '30 minutes',
  recoveryTimeout: '5 minutes',
  maxDisruptedNodes: 1,
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  // One worker for the suite, so the shared budget workflow always has a poller; each test gets a new world.
  const activities = new FakeWorld().activities(env.client, taskQueue);
  const delegating = Object.fromEntries(
    Object.keys(activities).map((name) => [
      name,
      async (...args: unknown[]) => {
        const current = world.activities(env.client, taskQueue) as unknown as Record<
          string,
          (...a: unknown[]) => Promise<unknown>
        >;
        const result = await current[name]?.(...args);
        return rewordText ? reworded(result) : result;
      },
    ]),
  );
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(workflowsPath),
    activities: delegating,
  });
  running = worker.run();
});

afterAll(async () => {
  // The suite's budget outlives its tests; end it before the worker stops.
  for (const scope of ['nodes', 'control-plane'])
    await env?.client.workflow
      .getHandle(disruptionBudgetWorkflowId(scope, taskQueue))
      .terminate('suite over')
      .catch(() => undefined);
  worker?.shutdown();
  await running;
  await teardownTimeSkippingEnv(env);
});

beforeEach(() => {
  world = new FakeWorld();
  rewordText = false;
});

const started: WorkflowHandle[] = [];

afterEach(async () => {
  // A test that failed half-way must not leave a recovery running into the next test's world.
  for (const handle of started.splice(0)) {
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test over');
  }
  // Each test starts with an empty budget. Releasing (rather than terminating the budget workflow)
  // keeps the suite's single budget execution alive, as it is in production.
  for (const scope of ['nodes', 'control-plane']) {
    const budget = env.client.workflow.getHandle(disruptionBudgetWorkflowId(scope, taskQueue));
    const status = await budget.query(budgetStatusQuery).catch(() => undefined);
    for (const holder of [...(status?.holders ?? []), ...(status?.waiting ?? [])]) {
      await budget.signal(releasePermitSignal, { holder });
    }
  }
});

async function start(
  node: string,
  overrides: Partial<NodeRecoveryPolicy> = {},
  reason: NodeRecoveryInput['reason'] = 'NotReady',
  suffix = '',
) {
  const handle = await env.client.workflow.start(nodeRecoveryWorkflow, {
    taskQueue,
    workflowId: `${nodeRecoveryWorkflowId(node)}-${expect.getState().currentTestName ?? ''}${suffix}`,
    args: [{ node, reason, detectedAt: new Date(0).toISOString(), policy: { ...policy, ...overrides } }],
  });
  started.push(handle);
  return handle;
}

async function waitForPhase(
  handle: WorkflowHandle<typeof nodeRecoveryWorkflow>,
  phase: RecoveryPhase,
): Promise<void> {
  let last = '';
  for (let i = 0; i < 600; i++) {
    last = (await handle.query(statusQuery)).phase;
    if (last === phase) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${handle.workflowId} never reached phase ${phase} (last: ${last})`);
}

/** Polls the budget of `scope` until `until` holds (a permit request arrives after the phase changes). */
async function waitForBudget(scope: string, until: (status: BudgetStatus) => boolean): Promise<BudgetStatus> {
  const budget = env.client.workflow.getHandle(disruptionBudgetWorkflowId(scope, taskQueue));
  let last: BudgetStatus | undefined;
  for (let i = 0; i < 600; i++) {
    last = await budget.query(budgetStatusQuery).catch(() => undefined);
    if (last && until(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the ${scope} budget never reached the expected state (last: ${JSON.stringify(last)})`);
}

const ready = (handle: WorkflowHandle) =>
  handle.signal(evidenceSignal, { observedAt: new Date().toISOString(), reason: 'Ready' });

describe('node recovery workflow', () => {
  it('cordons, drains, and uncordons a node that comes back Ready within the recovery window', async () => {
    world.addNode('node-a');
    const handle = await start('node-a');
    await waitForPhase(handle, 'AwaitingRecovery');
    world.node('node-a').ready = 'True';
    await ready(handle);
    const result = await handle.result();

    expect(result.outcome).toBe('recovered');
    expect(world.mutations).toEqual(['cordon node-a', 'evict default/web-node-a', 'uncordon node-a']);
    expect(world.calls).toContain('read workloads');
    expect(world.node('node-a').unschedulable).toBe(false);
  });

  it('replaces a node that stays down past the recovery window, then verifies the replacement', async () => {
    world.addNode('node-a');
    world.notReadyVerifications = 3;
    const result = await (await start('node-a')).result();

    expect(result.outcome).toBe('replaced');
    expect(world.mutations).toEqual(['cordon node-a', 'evict default/web-node-a', 'replace node-a via sim']);
    // Verification polls: three "not ready yet", then the replacement and the workloads are back.
    expect(world.calls.filter((c) => c === 'read node-new')).toHaveLength(4);
  });

  it('escalates when a PDB blocks the drain until the drain timeout, naming the PDB and leaving the dead node cordoned', async () => {
    world.addNode('node-a');
    world.pdbs.set('default/web-pdb', { allowed: 0, selects: (pod) => pod.name.startsWith('web-') });
    const handle = await start('node-a', { drainTimeout: '3 seconds' });
    const result = await handle.result();
    const status = await handle.query(statusQuery);

    expect(result.outcome).toBe('escalated');
    expect(status).toMatchObject({
      phase: 'Escalated',
      severity: 'critical',
      blockingPdbs: ['default/web-pdb'],
    });
    expect(result.actions).toContain('left node-a cordoned: it is False');
    expect(world.alerts).toEqual([expect.objectContaining({ severity: 'critical', target: 'node-a' })]);
    expect(world.mutations).not.toContain('replace node-a via sim');
  });

  it('uncordons what it cordoned when it escalates and the node is healthy again', async () => {
    world.addNode('node-a');
    world.pdbs.set('default/web-pdb', { allowed: 0, selects: (pod) => pod.name.startsWith('web-') });
    world.onCall = (call) => {
      if (call === 'list node-a') world.node('node-a').ready = 'True';
    };
    const result = await (await start('node-a', { drainTimeout: '3 seconds' })).result();

    expect(result.outcome).toBe('escalated');
    expect(world.mutations).toContain('uncordon node-a');
    expect(world.node('node-a').unschedulable).toBe(false);
  });

  it('stops instead of fighting when a human uncordons the node mid-drain', async () => {
    world.addNode('node-a');
    const pdb = { allowed: 0, selects: (pod: PodRef) => pod.name.startsWith('web-') };
    world.pdbs.set('default/web-pdb', pdb);
    let refusals = 0;
    world.onCall = (call) => {
      if (call !== 'evict default/web-node-a' || ++refusals > 1) return;
      // Refused by the PDB; meanwhile a person uncordons the node, and the PDB is relaxed soon after.
      world.uncordonByHand('node-a');
      setTimeout(() => (pdb.allowed = 1), 200);
    };
    const handle = await start('node-a');
    const result = await handle.result();

    expect(result.outcome).toBe('stopped');
    expect((await handle.query(statusQuery)).phase).toBe('Stopped');
    // Only the refused attempt: no eviction after the uncordon, though the PDB allowed one.
    expect(world.mutations).toEqual(['cordon node-a', 'evict default/web-node-a']);
    expect(world.pods.map((p) => p.name)).toContain('web-node-a');
    expect(world.alerts).toEqual([expect.objectContaining({ title: 'Recovery of node-a stopped' })]);
  });

  it('stops when a human uncordons the node while it waits to come back', async () => {
    world.addNode('node-a');
    const handle = await start('node-a');
    await waitForPhase(handle, 'AwaitingRecovery');
    world.uncordonByHand('node-a');
    const result = await handle.result();

    expect(result.outcome).toBe('stopped');
    expect(world.mutations).toEqual(['cordon node-a', 'evict default/web-node-a']);
    expect(world.node('node-a').unschedulable).toBe(false);
  });

  it('a detector restarted within the failure episode does not start again a recovery a person stopped; a new episode does', async () => {
    world.addNode('node-r');
    world.onCall = (call) => {
      if (call === 'list node-r') world.uncordonByHand('node-r');
    };
    const gateway = temporalRecoveryGateway(env.client, taskQueue);
    const input = {
      node: 'node-r',
      reason: 'NotReady' as const,
      detectedAt: new Date(0).toISOString(),
      policy,
    };
    const first = await gateway.start(input, 0);
    const handle = env.client.workflow.getHandle<typeof nodeRecoveryWorkflow>(first.workflowId, first.runId);
    started.push(handle);
    expect((await handle.result()).outcome).toBe('stopped');
    const { closeTime } = await handle.describe();

    await expect(gateway.start(input, 0)).resolves.toEqual({ ...first, declined: 'stopped-by-person' });
    expect(world.mutations).toEqual(['cordon node-r', 'evict default/web-node-r']);

    world.onCall = () => undefined;
    world.node('node-r').ready = 'True';
    const next = await gateway.start(input, (closeTime?.getTime() ?? 0) + 1_000);
    expect(next.declined).toBeUndefined();
    expect(next.runId).not.toBe(first.runId);
    const again = env.client.workflow.getHandle<typeof nodeRecoveryWorkflow>(next.workflowId, next.runId);
    started.push(again);
    expect((await again.result()).outcome).toBe('healed');
  });

  it('stops instead of verifying when a person takes the cordon over just before the uncordon', async () => {
    world.addNode('node-a');
    world.onCall = (call) => {
      // The person removes the product's owner annotation: the cordon is theirs now.
      if (call === 'uncordon node-a') delete world.node('node-a').owner;
    };
    const handle = await start('node-a');
    await waitForPhase(handle, 'AwaitingRecovery');
    world.node('node-a').ready = 'True';
    await ready(handle);
    const result = await handle.result();

    expect(result.outcome).toBe('stopped');
    expect(world.node('node-a').unschedulable).toBe(true);
    expect(world.calls).not.toContain('read workloads');
  });

  it('never touches a node someone else cordoned', async () => {
    world.addNode('node-a', { unschedulable: true });
    const result = await (await start('node-a')).result();

    expect(result.outcome).toBe('stopped');
    expect(world.mutations).toEqual(['cordon node-a']);
    expect(world.node('node-a').unschedulable).toBe(true);
  });

  it("takes a human's cordon for someone else's even when an earlier recovery's annotation is still on the node", async () => {
    // An earlier run cordoned and escalated; a person uncordoned (annotations stay), then cordoned
    // the node for maintenance of their own.
    world.addNode('node-a', { unschedulable: true, owner: 'run-of-an-earlier-recovery' });
    const result = await (await start('node-a')).result();

    expect(result.outcome).toBe('stopped');
    expect(world.mutations).toEqual(['cordon node-a']);
    expect(world.node('node-a')).toMatchObject({ unschedulable: true, owner: 'run-of-an-earlier-recovery' });
  });

  it('overwrites a stale annotation on a schedulable node and undoes only its own cordon', async () => {
    world.addNode('node-a', { owner: 'run-of-an-earlier-recovery' });
    const handle = await start('node-a');
    await waitForPhase(handle, 'AwaitingRecovery');
    const { runId } = await handle.describe();
    expect(world.node('node-a')).toMatchObject({ unschedulable: true, owner: runId });
    world.node('node-a').ready = 'True';
    await ready(handle);

    expect((await handle.result()).outcome).toBe('recovered');
    expect(world.node('node-a').unschedulable).toBe(false);
    expect(world.node('node-a').owner).toBeUndefined();
  });

  it('leaves a node that healed while it waited for the budget alone, and gives the permit back', async () => {
    world.addNode('node-a').addNode('node-b');
    const first = await start('node-a');
    await waitForPhase(first, 'AwaitingRecovery');
    const second = await start('node-b');
    await waitForBudget('nodes', (b) => b.waiting.includes(second.workflowId));
    world.node('node-b').ready = 'True';

    world.node('node-a').ready = 'True';
    await ready(first);
    expect((await first.result()).outcome).toBe('recovered');
    const result = await second.result();

    expect(result.outcome).toBe('healed');
    expect((await second.query(statusQuery)).phase).toBe('Recovered');
    expect(world.mutations).not.toContain('cordon node-b');
    expect(world.mutations).not.toContain('evict default/web-node-b');
    await waitForBudget('nodes', (b) => b.holders.length === 0 && b.waiting.length === 0);
  });

  it('ends without escalating when the node is deleted while it waits to come back, after verifying the evicted workloads', async () => {
    world.addNode('node-a');
    const handle = await start('node-a');
    await waitForPhase(handle, 'AwaitingRecovery');
    world.nodes.delete('node-a'); // an autoscaler removed it
    const result = await handle.result();

    expect(result.outcome).toBe('gone');
    expect((await handle.query(statusQuery)).phase).toBe('Skipped');
    expect(world.calls).toContain('read workloads');
    expect(world.mutations).toEqual(['cordon node-a', 'evict default/web-node-a']);
    expect(world.alerts).toEqual([]);
    await waitForBudget('nodes', (b) => b.holders.length === 0);
  });

  it('ends without escalating when the node is deleted mid-drain', async () => {
    world.addNode('node-a');
    world.onCall = (call) => {
      if (call === 'list node-a') world.nodes.delete('node-a');
    };
    const result = await (await start('node-a')).result();

    expect(result.outcome).toBe('gone');
    expect(world.alerts).toEqual([]);
  });

  it('ends without escalating when the node is deleted while it waits for the budget', async () => {
    world.addNode('node-a').addNode('node-b');
    const first = await start('node-a');
    await waitForPhase(first, 'AwaitingRecovery');
    const second = await start('node-b');
    await waitForBudget('nodes', (b) => b.waiting.includes(second.workflowId));
    world.nodes.delete('node-b');
    world.node('node-a').ready = 'True';
    await ready(first);

    expect((await second.result()).outcome).toBe('gone');
    expect(world.mutations).not.toContain('cordon node-b');
    expect(world.alerts).toEqual([]);
  });

  it('uncordons instead of replacing a node that came back while the replacement waited for approval', async () => {
    world.addNode('node-a');
    const handle = await start('node-a', {
      replacementRequiresApproval: true,
      nodeRecoveryWindow: '1 second',
    });
    await waitForPhase(handle, 'AwaitingApproval');
    world.node('node-a').ready = 'True';
    await handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: 'alice' }] });
    const result = await handle.result();

    expect(result.outcome).toBe('recovered');
    expect(world.mutations).toEqual(['cordon node-a', 'evict default/web-node-a', 'uncordon node-a']);
  });

  it('does not replace a node a human uncordoned while the replacement waited for approval', async () => {
    world.addNode('node-a');
    const handle = await start('node-a', {
      replacementRequiresApproval: true,
      nodeRecoveryWindow: '1 second',
    });
    await waitForPhase(handle, 'AwaitingApproval');
    world.uncordonByHand('node-a');
    await handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: 'alice' }] });

    expect((await handle.result()).outcome).toBe('stopped');
    expect(world.mutations).toEqual(['cordon node-a', 'evict default/web-node-a']);
  });

  it('evicts nothing more for memory pressure once a human uncordoned the node', async () => {
    world.addNode('node-a', {
      ready: 'True',
      pressure: ['MemoryPressure'],
      evictable: ['batch/cache-1', 'batch/cache-2'],
    });
    world.onCall = (call) => {
      if (call === 'evict batch/cache-1') world.uncordonByHand('node-a');
    };
    const result = await (await start('node-a', {}, 'MemoryPressure')).result();

    expect(result.outcome).toBe('stopped');
    expect(world.mutations).toEqual(['cordon node-a', 'evict batch/cache-1']);
  });

  it('waits its turn when the disruption budget is full, and goes on when the holder finishes', async () => {
    world.addNode('node-a').addNode('node-b');
    const first = await start('node-a');
    await waitForPhase(first, 'AwaitingRecovery');
    const second = await start('node-b');
    await waitForPhase(second, 'WaitingForBudget');
    // The phase changes before the permit request reaches the budget: wait for the request itself.
    const budget = await waitForBudget('nodes', (b) => b.waiting.includes(second.workflowId));
    expect(budget).toMatchObject({ limit: 1, holders: [first.workflowId], waiting: [second.workflowId] });
    expect(world.mutations).not.toContain('cordon node-b');

    world.node('node-a').ready = 'True';
    await ready(first);
    expect((await first.result()).outcome).toBe('recovered');
    expect((await second.result()).outcome).toBe('replaced');
    expect(world.mutations.indexOf('cordon node-b')).toBeGreaterThan(
      world.mutations.indexOf('uncordon node-a'),
    );
  });

  it('remediates control-plane nodes one at a time, whatever the node budget', async () => {
    world.addNode('cp-1', { controlPlane: true }).addNode('cp-2', { controlPlane: true });
    const first = await start('cp-1', { maxDisruptedNodes: 5 });
    await waitForPhase(first, 'AwaitingRecovery');
    const second = await start('cp-2', { maxDisruptedNodes: 5 });
    await waitForPhase(second, 'WaitingForBudget');
    const budget = env.client.workflow.getHandle(disruptionBudgetWorkflowId('control-plane', taskQueue));
    expect(await budget.query(budgetStatusQuery)).toMatchObject({ limit: 1, holders: [first.workflowId] });
    expect(world.mutations).not.toContain('cordon cp-2');

    world.node('cp-1').ready = 'True';
    await ready(first);
    expect((await first.result()).outcome).toBe('recovered');
    expect((await second.result()).outcome).toBe('replaced');
  });

  it('reclaims the permit of a holder that was terminated without releasing it', async () => {
    world.addNode('node-a').addNode('node-b');
    const first = await start('node-a');
    await waitForPhase(first, 'AwaitingRecovery');
    const second = await start('node-b');
    await waitForPhase(second, 'WaitingForBudget');
    await first.terminate('operator killed it');

    expect((await second.result()).outcome).toBe('replaced');
  });

  it('starts nothing disruptive during a storm, and resumes when the storm clears', async () => {
    world.addNode('node-a');
    await env.client.workflow.signalWithStart('disruptionBudgetWorkflow', {
      workflowId: disruptionBudgetWorkflowId('nodes', taskQueue),
      taskQueue,
      args: [{ scope: 'nodes' }],
      signal: stormSignal,
      signalArgs: [{ active: true, reason: '3 of 5 nodes unhealthy within 5 minutes' }],
    });
    const handle = await start('node-a');
    await waitForPhase(handle, 'WaitingForBudget');
    await env.sleep('10 minutes');
    expect((await handle.query(statusQuery)).phase).toBe('WaitingForBudget');
    expect(world.mutations).toEqual([]);

    await env.client.workflow
      .getHandle(disruptionBudgetWorkflowId('nodes', taskQueue))
      .signal(stormSignal, { active: false, reason: '' });
    expect((await handle.result()).outcome).toBe('replaced');
  });

  it('in dry-run records every decision and mutates nothing', async () => {
    world.addNode('node-a');
    const result = await (await start('node-a', { dryRun: true })).result();

    expect(world.mutations).toEqual([]);
    expect(result.actions).toEqual([
      'would cordon node-a',
      'dry-run drain of node-a: would evict default/web-node-a',
      'would replace node-a through sim',
    ]);
  });

  it('waits for approval before replacing, and replaces once approved', async () => {
    world.addNode('node-a');
    const handle = await start('node-a', {
      replacementRequiresApproval: true,
      nodeRecoveryWindow: '1 second',
    });
    await waitForPhase(handle, 'AwaitingApproval');
    expect((await handle.query(statusQuery)).pendingApproval).toMatchObject({ action: 'replace-node' });
    expect(world.mutations).not.toContain('replace node-a via sim');

    await expect(
      handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: '' }] }),
    ).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/by must name who decides/) },
    });
    await handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: 'alice' }] });
    const result = await handle.result();

    expect(result.outcome).toBe('replaced');
    expect(result.actions).toContain('replace-node approved by alice');
  });

  it('hands the node to humans when the replacement is rejected', async () => {
    world.addNode('node-a');
    const handle = await start('node-a', {
      replacementRequiresApproval: true,
      nodeRecoveryWindow: '1 second',
    });
    await waitForPhase(handle, 'AwaitingApproval');
    await handle.executeUpdate(approveUpdate, {
      args: [{ approved: false, by: 'bob', reason: 'hardware ticket open' }],
    });
    const result = await handle.result();

    expect(result.outcome).toBe('escalated');
    expect(result.actions).toContain('replace-node rejected by bob: hardware ticket open');
    expect(world.mutations).not.toContain('replace node-a via sim');
  });

  it('hands the node to humans when nobody approves within the approval timeout', async () => {
    world.addNode('node-a');
    const result = await (await start('node-a', { replacementRequiresApproval: true })).result();

    expect(result.outcome).toBe('escalated');
    expect(result.actions).toContain('no decision on replace-node within 30 minutes');
  });

  it('rejects an approval when nothing is pending, leaving the recovery unchanged', async () => {
    world.addNode('node-a');
    const handle = await start('node-a');
    await waitForPhase(handle, 'AwaitingRecovery');
    await expect(
      handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: 'alice' }] }),
    ).rejects.toMatchObject({ cause: { message: 'nothing to approve: the recovery is AwaitingRecovery' } });
    expect((await handle.query(statusQuery)).phase).toBe('AwaitingRecovery');
    await handle.terminate('test done');
  });

  it('hands the node to humans when no node provider is configured', async () => {
    world.addNode('node-a');
    const result = await (await start('node-a', { provider: 'none' })).result();
    expect(result.outcome).toBe('escalated');
  });

  it('relieves memory pressure by evicting pods until it clears, then uncordons', async () => {
    world.addNode('node-a', {
      ready: 'True',
      pressure: ['MemoryPressure'],
      evictable: ['batch/cache-1', 'batch/cache-2'],
    });
    world.onCall = (call) => {
      if (call === 'evict batch/cache-2') world.node('node-a').pressure = [];
    };
    const result = await (await start('node-a', {}, 'MemoryPressure')).result();

    expect(result.outcome).toBe('recovered');
    expect(world.mutations).toEqual([
      'cordon node-a',
      'evict batch/cache-1',
      'evict batch/cache-2',
      'uncordon node-a',
    ]);
  });

  it.each([
    ['opted out', { optedOut: true }, 'skipped'],
    ['already gone', undefined, 'gone'],
  ])('skips a node that is %s', async (_why, node, outcome) => {
    if (node) world.addNode('node-a', node);
    const result = await (await start('node-a')).result();
    expect(result.outcome).toBe(outcome);
    expect(world.mutations).toEqual([]);
  });

  it('answers the status query with phase, step, evidence and timings', async () => {
    world.addNode('node-a');
    const handle = await start('node-a');
    await handle.signal(evidenceSignal, { observedAt: '2026-01-01T00:01:00.000Z', reason: 'NotReady' });
    await waitForPhase(handle, 'AwaitingRecovery');
    const status = await handle.query(statusQuery);
    await handle.terminate('test done');

    expect(status).toMatchObject({
      target: 'node-a',
      kind: 'node',
      phase: 'AwaitingRecovery',
      step: 'wait up to 2 minutes for node-a to be Ready',
      evidence: [
        { observedAt: new Date(0).toISOString(), reason: 'NotReady' },
        { observedAt: '2026-01-01T00:01:00.000Z', reason: 'NotReady' },
      ],
    });
    expect(Object.keys(status.timings)).toEqual([
      'Detected',
      'WaitingForBudget',
      'Cordoning',
      'Draining',
      'AwaitingRecovery',
    ]);
  });

  it('takes the same decisions whatever wording the activities use', async () => {
    const scenarios: [string, (world: FakeWorld) => Partial<NodeRecoveryPolicy>][] = [
      ['replaced', () => ({})],
      [
        'escalated behind a PDB',
        (w) => {
          w.pdbs.set('default/web-pdb', { allowed: 0, selects: (pod) => pod.name.startsWith('web-') });
          return { drainTimeout: '3 seconds' };
        },
      ],
      [
        'cordoned by someone else',
        (w) => {
          w.node('node-a').unschedulable = true;
          return {};
        },
      ],
      ['dry-run', () => ({ dryRun: true })],
      [
        'memory pressure relieved',
        (w) => {
          Object.assign(w.node('node-a'), { ready: 'True', pressure: ['MemoryPressure'] });
          w.onCall = (call) => {
            if (call.startsWith('evict ')) w.node('node-a').pressure = [];
          };
          return {};
        },
      ],
    ];
    const runs: Record<string, unknown>[] = [];
    for (const reword of [false, true]) {
      for (const [name, arrange] of scenarios) {
        world = new FakeWorld().addNode('node-a', { evictable: ['batch/cache-1'] });
        rewordText = reword;
        const overrides = arrange(world);
        const reason = name === 'memory pressure relieved' ? 'MemoryPressure' : 'NotReady';
        const handle = await start('node-a', overrides, reason, `${name}-${reword}`);
        const { outcome } = await handle.result();
        const { phase } = await handle.query(statusQuery);
        // Distinct mutations: how often a PDB-refused eviction is retried depends on the clock.
        runs.push({ name, outcome, phase, mutations: [...new Set(world.mutations)] });
      }
    }
    const [plain, reworded] = [runs.slice(0, scenarios.length), runs.slice(scenarios.length)];
    expect(reworded).toEqual(plain);
    expect(new Set(plain.map((r) => r.outcome))).toEqual(
      new Set(['replaced', 'escalated', 'stopped', 'recovered']),
    );
  });
});
