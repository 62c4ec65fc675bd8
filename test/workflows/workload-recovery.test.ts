/**
 * Workload recovery on the time-skipping server: each strategy branch, the safety rules (GitOps,
 * someone else's change, cooldown, dry-run, approvals) and verification, over a workload simulated
 * at the activity boundary (test/support/fake-workload.ts) and the real disruption budget.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Alert, Diagnosis, RecoveryPhase, WorkloadRecoveryPolicy } from '../../src/domain';
import { workflowsPath } from '../../src/worker/create-worker';
import { disruptionBudgetWorkflowId } from '../../src/workflows/ids';
import { approveUpdate, budgetStatusQuery, statusQuery } from '../../src/workflows/messages';
import { workloadRecoveryWorkflow } from '../../src/workflows/workload/workload-recovery';
import type { Cure } from '../support/fake-workload';
import { FakeWorkload, diagnosisOf, web } from '../support/fake-workload';
import { budgetAndAlertActivities, endRecoverySuite } from '../support/recovery-activities';
import { bundleWorkflows, createTimeSkippingEnv } from '../support/temporal';

const taskQueue = 'workload-recovery-tests';
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let workload: FakeWorkload;
let alerts: Alert[];

const policy: WorkloadRecoveryPolicy = {
  dryRun: false,
  restartAttempts: 3,
  restartInterval: '30 seconds',
  rollbackWindow: '30 minutes',
  rollbackRequiresApproval: false,
  memoryFactor: 1.5,
  memoryCapBytes: 4 * 2 ** 30,
  stableWindow: '1 minute',
  recoveryTimeout: '5 minutes',
  approvalTimeout: '30 minutes',
  cooldown: '10 minutes',
  maxRemediationsPerHour: 3,
  maxConcurrent: 5,
};
/** Rollback tests: the rollout is "recent" whatever time the suite has skipped to. */
const recent = { rollbackWindow: '36500 days' } as const;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const activities: Record<string, (...args: never[]) => Promise<unknown>> = {
    diagnoseWorkload: (...a) => call('diagnoseWorkload', a),
    remediateWorkload: (...a) => call('remediateWorkload', a),
    workloadHealth: (...a) => call('workloadHealth', a),
    awaitRollout: (...a) => call('awaitRollout', a),
    ...budgetAndAlertActivities(env, taskQueue, (alert) => alerts.push(alert)),
  };
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(workflowsPath),
    activities,
  });
  running = worker.run();
});

function call(name: string, args: unknown[]): Promise<unknown> {
  const fns = workload.activities() as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  return fns[name]!(...args);
}

afterAll(() => endRecoverySuite(env, disruptionBudgetWorkflowId('workloads', taskQueue), worker, running));

const started: WorkflowHandle[] = [];
afterEach(async () => {
  for (const handle of started.splice(0))
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test over');
});

function given(diagnosis: Diagnosis, cure: Cure): FakeWorkload {
  workload = new FakeWorkload(diagnosis, cure);
  alerts = [];
  return workload;
}

async function start(overrides: Partial<WorkloadRecoveryPolicy> = {}) {
  const handle = await env.client.workflow.start(workloadRecoveryWorkflow, {
    taskQueue,
    workflowId: `workload-recovery/${expect.getState().currentTestName ?? ''}`,
    args: [
      {
        workload: web,
        pod: 'web-1',
        reason: workload.diagnosis.reason,
        detectedAt: new Date().toISOString(),
        policy: { ...policy, ...overrides },
      },
    ],
  });
  started.push(handle);
  return handle;
}

async function waitForPhase(handle: WorkflowHandle, phase: RecoveryPhase): Promise<void> {
  let last = '';
  for (let i = 0; i < 600; i++) {
    last = (await handle.query(statusQuery)).phase;
    if (last === phase) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never reached ${phase} (last: ${last})`);
}

const remediations = () => workload.calls.filter((c) => c.startsWith('remediate'));

describe('restart strategy (a crash loop with no recent rollout)', () => {
  test('restarts up to 3 times, 30 s apart, then escalates with what it tried', async () => {
    given(diagnosisOf(), 'none');
    const handle = await start();
    const began = Date.now();
    const result = await handle.result();
    expect(result.outcome).toBe('escalated');
    expect(result.strategy).toBe('restart');
    expect(remediations()).toEqual(['remediate restart', 'remediate restart', 'remediate restart']);
    expect(result.actions.join('\n')).toMatch(/3 restarts 30 seconds apart did not help/);
    expect(alerts.at(-1)).toMatchObject({ severity: 'critical', workload: web });
    const { timings } = await handle.query(statusQuery);
    // Three 30 s timers passed on the server's clock, not the test's.
    expect(Date.parse(timings.Escalated!) - Date.parse(timings.Remediating!)).toBeGreaterThanOrEqual(0);
    expect(Date.now() - began).toBeLessThan(60_000);
  });

  test('a restart that helps is verified over the stable window and ends Recovered', async () => {
    given(diagnosisOf(), 'restart').restartsNeeded = 2;
    const result = await (await start()).result();
    expect(result.outcome).toBe('recovered');
    expect(remediations()).toEqual(['remediate restart', 'remediate restart']);
  });
});

describe('rollback', () => {
  test('a crash loop right after a rollout is rolled back to the previous revision', async () => {
    given(diagnosisOf(), 'rollback');
    const result = await (await start(recent)).result();
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'rollback' });
    expect(remediations()).toEqual(['remediate rollback']);
  });

  test('a revision the product rolled back from is never rolled forward to again: restart instead', async () => {
    given(diagnosisOf({ rolledBackFrom: 'hash-1' }), 'restart');
    const result = await (await start(recent)).result();
    expect(result.strategy).toBe('restart');
  });

  test('with rollback_requires_approval, a rejection leaves the workload untouched and reports', async () => {
    given(diagnosisOf(), 'rollback');
    const handle = await start({ ...recent, rollbackRequiresApproval: true });
    await waitForPhase(handle, 'AwaitingApproval');
    await handle.executeUpdate(approveUpdate, { args: [{ approved: false, by: 'alice' }] });
    const result = await handle.result();
    expect(result.outcome).toBe('reported');
    expect(remediations()).toEqual([]);
  });
});

describe('raise memory (OOMKilled)', () => {
  test('raises the limit ×1.5 and verifies', async () => {
    given(diagnosisOf({ reason: 'OOMKilled' }), 'raise-memory');
    const result = await (await start()).result();
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'raise-memory' });
    expect(result.actions.join('\n')).toMatch(/from 256Mi to 384Mi/);
  });

  test('above the cap it asks for approval, and goes on when approved', async () => {
    given(diagnosisOf({ reason: 'OOMKilled' }), 'raise-memory');
    const handle = await start({ memoryCapBytes: 300 * 2 ** 20 });
    await waitForPhase(handle, 'AwaitingApproval');
    expect((await handle.query(statusQuery)).pendingApproval).toMatchObject({ action: 'raise-memory' });
    // Waiting for a human holds none of the budget's permits.
    const budget = env.client.workflow.getHandle(disruptionBudgetWorkflowId('workloads', taskQueue));
    const holders = await budget.query(budgetStatusQuery).then(
      (status) => [...status.holders, ...status.waiting],
      () => [],
    );
    expect(holders).not.toContain(handle.workflowId);
    await handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: 'alice' }] });
    expect((await handle.result()).outcome).toBe('recovered');
  });
});

describe('reports without touching the workload', () => {
  test('image pull failure without an image change: the image facts are reported', async () => {
    const image = {
      container: 'app',
      image: 'registry.lab/web:9',
      registry: 'registry.lab',
      pullSecrets: [],
    };
    given(diagnosisOf({ reason: 'ImagePullBackOff', image, rollout: { revision: 1, changes: [] } }), 'none');
    const result = await (await start()).result();
    expect(result.outcome).toBe('reported');
    expect(result.actions.join('\n')).toMatch(/registry\.lab\/web:9 from registry\.lab/);
    expect(remediations()).toEqual([]);
  });

  test('image pull failure after an image change: rolled back', async () => {
    given(diagnosisOf({ reason: 'ErrImagePull' }), 'rollback');
    expect((await (await start()).result()).strategy).toBe('rollback');
  });

  test('a missing Secret is named and escalated, never created', async () => {
    given(
      diagnosisOf({ reason: 'CreateContainerConfigError', missingConfig: ['Secret shop/db-creds'] }),
      'none',
    );
    const result = await (await start()).result();
    expect(result.outcome).toBe('reported');
    expect(result.actions.join('\n')).toMatch(/Secret shop\/db-creds/);
  });

  test('GitOps-managed: the recommended change is reported, nothing is patched', async () => {
    given(diagnosisOf({ management: { gitOps: 'Argo CD (argocd.argoproj.io/tracking-id)' } }), 'rollback');
    const result = await (await start(recent)).result();
    expect(result.outcome).toBe('reported');
    expect(result.actions.join('\n')).toMatch(/Argo CD.*recommended change: .*roll back to revision 1/);
    expect(remediations()).toEqual([]);
  });

  test('within the cooldown of our last remediation: reported, not remediated again', async () => {
    given(diagnosisOf({ remediations: [new Date().toISOString()] }), 'restart');
    const result = await (await start({ cooldown: '3650 days' })).result();
    expect(result.outcome).toBe('reported');
    expect(result.actions.join('\n')).toMatch(/within its cooldown/);
  });
});

describe('generic path (Failed, not Ready)', () => {
  test('a failed pod of a Deployment is evicted so its controller replaces it', async () => {
    given(diagnosisOf({ reason: 'Failed' }), 'delete-pod');
    expect(await (await start()).result()).toMatchObject({ outcome: 'recovered', strategy: 'delete-pod' });
  });

  test('a bare pod is not deleted without approval; nobody answers → reported', async () => {
    given(
      diagnosisOf({ reason: 'Failed', workload: { kind: 'Pod', namespace: 'shop', name: 'web-1' } }),
      'delete-pod',
    );
    const result = await (await start({ approvalTimeout: '10 minutes' })).result();
    expect(result.outcome).toBe('reported');
    expect(remediations()).toEqual([]);
  });
});

describe('never fights people or the cluster', () => {
  test('someone changes the workload during verification → Stopped', async () => {
    given(diagnosisOf(), 'none');
    const handle = await start();
    await waitForPhase(handle, 'Remediating');
    workload.changeBySomeoneElse = true;
    expect((await handle.result()).outcome).toBe('stopped');
  });

  test('dry-run records what it would do and changes nothing', async () => {
    given(diagnosisOf(), 'rollback');
    const result = await (await start({ ...recent, dryRun: true })).result();
    expect(result.outcome).toBe('skipped');
    expect(remediations()).toEqual(['remediate rollback (dry-run)']);
    expect(result.actions.join('\n')).toMatch(/would have done rollback/);
  });

  test('healthy again when diagnosed: nothing is done (a false positive)', async () => {
    given(diagnosisOf({ healthy: true }), 'none');
    expect((await (await start()).result()).outcome).toBe('healed');
    expect(remediations()).toEqual([]);
  });

  test('opted out: skipped', async () => {
    given(
      diagnosisOf({ management: { optedOut: 'self-healing.temporal.io/exclude=true on its namespace' } }),
      'none',
    );
    expect((await (await start()).result()).outcome).toBe('skipped');
  });
});

describe('bad input and refusals', () => {
  test('a patch the API forbids (403) is escalated naming the verb and resource to grant', async () => {
    given(diagnosisOf(), 'rollback').forbidden = true;
    const result = await (await start(recent)).result();
    expect(result.outcome).toBe('escalated');
    expect(alerts.at(-1)?.detail).toMatch(/forbidden: cannot patch deployments shop\/web/);
  });

  test('an incomplete input is refused with the field and the value', async () => {
    given(diagnosisOf(), 'none');
    const handle = await env.client.workflow.start(workloadRecoveryWorkflow, {
      taskQueue,
      workflowId: 'workload-recovery/incomplete',
      args: [
        {
          workload: { kind: 'Deployment', namespace: '', name: 'web' },
          pod: 'p',
          reason: 'Failed',
          detectedAt: '',
          policy,
        },
      ],
    });
    started.push(handle);
    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => (error as { cause?: Error }).cause,
    );
    expect(failure?.message).toMatch(/input\.workload is incomplete: .*"namespace":""/);
    expect((await handle.describe()).status.name).toBe('FAILED');
  });
});

describe('verification', () => {
  test('a change that did not help is escalated naming the change', async () => {
    given(diagnosisOf({ reason: 'OOMKilled' }), 'none');
    const result = await (await start()).result();
    expect(result.outcome).toBe('escalated');
    expect(result.actions.join('\n')).toMatch(/did raise-memory/);
    expect(alerts.at(-1)?.detail).toMatch(/our change did not help \(did raise-memory\)/);
  });
});
