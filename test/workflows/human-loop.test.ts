/**
 * Humans in the loop on the time-skipping server: alerts routed by level, the 5/15/30-minute
 * escalation ladder on durable timers, decisions and acknowledgements that stop it, the Slack card
 * kept up to date, PagerDuty resolved, and a Slack outage that delays only Slack. The real node
 * recovery workflow and the real activities run over in-memory ports (test/support/fake-activities)
 * and channels that record what they are given.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { recordHistory } from '../support/histories';
import { Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import type { AnalysisFinding } from '../../src/domain';
import { recoveryMetricsSinks } from '../../src/metrics';
import { analysisAlertWorkflow } from '../../src/workflows/analysis/analysis-alert';
import { analysisAlertWorkflowId } from '../../src/workflows/ids';
import { evidenceSignal } from '../../src/workflows/messages';
import { samplesOf } from '../../tools/sim/prometheus';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';
import type { NodeRecoveryPolicy, RecoveryStatus } from '../../src/domain';
import { disruptionBudgetWorkflowId, nodeRecoveryWorkflowId } from '../../src/workflows/ids';
import { acknowledgeUpdate, approveUpdate, statusQuery } from '../../src/workflows/messages';
import { nodeRecoveryWorkflow } from '../../src/workflows/node/node-recovery';
import { FakeWorld } from '../support/fake-activities';
import { RecordingChannels } from '../support/recording-channels';
import { bundleWorkflows, createTimeSkippingEnv, teardownTimeSkippingEnv } from '../support/temporal';

const taskQueue = 'human-loop-tests';
const workflowsPath = require.resolve('../../src/workflows');

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let world: FakeWorld;
let channels: RecordingChannels;
/** The worker's metrics, as the workflows' sink counts them. */
const registry = new Registry();

const policy: NodeRecoveryPolicy = {
  dryRun: false,
  drainTimeout: '10 minutes',
  deleteEmptyDirData: true,
  unmanagedPods: 'skip',
  nodeRecoveryWindow: '1 minute',
  provider: 'sim',
  replacementRequiresApproval: true,
  approvalTimeout: '40 minutes',
  recoveryTimeout: '5 minutes',
  maxDisruptedNodes: 5,
  humans: { escalationAfter: [300, 900, 1800], notificationRetryFor: 3600 },
};

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const activities = new FakeWorld().activities(env.client, taskQueue);
  // One worker for the suite; each test gets a new world (and channels) behind it.
  const delegating = Object.fromEntries(
    Object.keys(activities).map((name) => [
      name,
      (...args: unknown[]) =>
        (world.activities(env.client, taskQueue) as unknown as Record<string, (...a: unknown[]) => unknown>)[
          name
        ]!(...args),
    ]),
  );
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflows(workflowsPath),
    activities: delegating,
    sinks: recoveryMetricsSinks(registry),
  });
  running = worker.run();
});

afterAll(async () => {
  await env?.client.workflow
    .getHandle(disruptionBudgetWorkflowId('nodes', taskQueue))
    .terminate('suite over')
    .catch(() => undefined);
  worker?.shutdown();
  await running;
  await teardownTimeSkippingEnv(env);
});

beforeEach(() => {
  world = new FakeWorld();
  channels = new RecordingChannels();
  world.channels = channels.ports;
  world.routing = {
    enabled: true,
    alerts: defaultRecoveryConfig.alerts,
    escalation: defaultRecoveryConfig.escalation,
  };
});

const started: WorkflowHandle[] = [];
afterEach(async () => {
  for (const handle of started.splice(0))
    if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test over');
});

async function start(node: string, overrides: Partial<NodeRecoveryPolicy> = {}) {
  world.addNode(node);
  const handle = await env.client.workflow.start(nodeRecoveryWorkflow, {
    taskQueue,
    workflowId: `${nodeRecoveryWorkflowId(node)}-${expect.getState().currentTestName ?? ''}`,
    args: [
      {
        node,
        reason: 'NotReady',
        detectedAt: new Date(0).toISOString(),
        policy: { ...policy, ...overrides },
      },
    ],
  });
  started.push(handle);
  return handle;
}

/** Waits, skipping time, until the recovery's status satisfies `done`. */
async function until(
  handle: WorkflowHandle,
  done: (status: RecoveryStatus) => boolean,
): Promise<RecoveryStatus> {
  for (let i = 0; i < 200; i++) {
    const status = await handle.query(statusQuery);
    if (done(status)) return status;
    await env.sleep('5 seconds');
  }
  throw new Error(
    `the recovery never reached the expected state: ${JSON.stringify(await handle.query(statusQuery))}`,
  );
}

/**
 * Whole seconds between the start of the wait for a human and each escalation (workflow time
 * moves on by the milliseconds a workflow task takes after its timer fired).
 */
function escalationOffsets(status: RecoveryStatus): number[] {
  const since = Date.parse(status.humans?.waitingSince ?? '');
  return (status.humans?.escalations ?? []).map((step) => Math.floor((Date.parse(step.at) - since) / 1000));
}

describe('escalation ladder', () => {
  it('calls on-call, manager and director at 5, 15 and 30 minutes while an approval waits, then hands the node over', async () => {
    const handle = await start('node-a');
    const result = await handle.result();

    expect(result.outcome).toBe('escalated');
    const status = await handle.query(statusQuery);
    expect(status.humans?.escalations.map((step) => step.level)).toEqual([1, 2, 3]);
    expect(escalationOffsets(status)).toEqual([300, 900, 1800]);
    expect(status.humans?.escalations.map((step) => step.notified)).toEqual([
      ['email oncall@company.com'],
      ['email manager@company.com'],
      ['email director@company.com'],
    ]);
    // The approval request (warning) and the hand-over (critical) went by level; each rung once.
    expect(channels.to('slack').map((s) => [s.to, s.title])).toEqual([
      ['#alerts', 'Approval needed: replace-node on node-a'],
      ['#incidents', 'Node node-a needs a human'],
    ]);
    expect(channels.to('email').map((s) => [s.to, s.escalationLevel ?? s.title])).toEqual([
      ['oncall@company.com', 'Approval needed: replace-node on node-a'],
      ['oncall@company.com', 1],
      ['manager@company.com', 2],
      ['director@company.com', 3],
      ['emergency@company.com', 'Node node-a needs a human'],
    ]);
    // Escalated: the incident is the humans' to resolve.
    expect(channels.to('pagerduty').map((s) => s.to)).toEqual(['trigger']);
    expect(status.step).toMatch(/replacement of node-a got no decision within 40 minutes/);
  });

  it('an approval at minute 7 stops the ladder after level 1, and the card shows who approved', async () => {
    const handle = await start('node-b');
    await until(handle, (s) => s.phase === 'AwaitingApproval');
    await env.sleep('7 minutes');
    await handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: 'alice' }] });
    const result = await handle.result();

    expect(result.outcome).toBe('replaced');
    await recordHistory(handle, 'node-recovery-approved-after-level-1.json');
    const status = await handle.query(statusQuery);
    expect(status.humans?.escalations.map((step) => step.level)).toEqual([1]);
    expect(
      channels
        .to('email')
        .filter((s) => s.escalationLevel)
        .map((s) => s.escalationLevel),
    ).toEqual([1]);
    const updates = channels.to('slack-update');
    expect(updates[0]?.message?.decision).toMatchObject({ approved: true, by: 'alice' });
    expect(updates[0]?.message?.pendingApproval).toBeUndefined();
    expect(updates.at(-1)?.message?.phase).toBe('Recovered');
    // The timeline went to the card's thread.
    expect(channels.to('slack-thread').flatMap((s) => s.lines ?? [])).toContainEqual(
      expect.stringMatching(/replace-node approved by alice/),
    );
  });

  it('a rejection hands the node over saying who rejected it and why, and pages nobody further', async () => {
    const handle = await start('node-c');
    await until(handle, (s) => s.phase === 'AwaitingApproval');
    await handle.executeUpdate(approveUpdate, {
      args: [{ approved: false, by: 'bob', reason: 'hardware ticket open' }],
    });
    const result = await handle.result();

    expect(result.outcome).toBe('escalated');
    const status = await handle.query(statusQuery);
    expect(status.step).toBe(
      'replacement of node-c was rejected by bob: hardware ticket open; handed to humans',
    );
    expect(status.humans?.escalations).toEqual([]);
    expect(world.mutations).not.toContainEqual(expect.stringMatching(/^replace /));
  });

  it('an escalated recovery calls humans until one acknowledges, and the acknowledgement is recorded', async () => {
    const handle = await start('node-d', { provider: 'none', replacementRequiresApproval: false });
    await until(handle, (s) => s.phase === 'Escalated' && (s.humans?.escalations.length ?? 0) === 1);
    await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'carol', note: 'on it' }] });
    await handle.result();
    await recordHistory(handle, 'node-recovery-escalated-acknowledged.json');

    const status = await handle.query(statusQuery);
    expect(status.humans?.escalations.map((step) => step.level)).toEqual([1]);
    expect(status.humans?.acknowledged).toMatchObject({ by: 'carol', note: 'on it' });
    expect(status.actions).toContainEqual('acknowledged by carol: on it');
    // Level 1 came 5 minutes after the hand-over; nobody is waited for any more.
    const level1 = Date.parse(status.humans?.escalations[0]?.at ?? '');
    expect(Math.floor((level1 - Date.parse(status.timings.Escalated ?? '')) / 1000)).toBe(300);
    expect(status.humans?.waitingSince).toBeUndefined();
  });

  it('refuses an acknowledgement when nobody is being called, leaving the recovery unchanged', async () => {
    const handle = await start('node-e', { replacementRequiresApproval: false });
    await handle.result();

    await expect(handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'dave' }] })).rejects.toThrow();
    const running = await start('node-f');
    await until(running, (s) => s.phase === 'AwaitingApproval');
    const refused = await running
      .executeUpdate(acknowledgeUpdate, { args: [{ by: ' ' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((refused as WorkflowUpdateFailedError).cause?.message)).toMatch(/by must name who/);
  });

  it('a completed recovery resolves the PagerDuty incident its ladder opened', async () => {
    world.routing = {
      ...world.routing!,
      escalation: { ...defaultRecoveryConfig.escalation, level1_notify: ['pagerduty', '#oncall'] },
    };
    const handle = await start('node-h');
    await until(handle, (s) => (s.humans?.escalations.length ?? 0) === 1);
    await handle.executeUpdate(approveUpdate, { args: [{ approved: true, by: 'erin' }] });

    expect((await handle.result()).outcome).toBe('replaced');
    expect(channels.to('pagerduty').map((s) => s.to)).toEqual(['trigger', 'resolve']);
    expect(channels.to('slack').map((s) => [s.to, s.escalationLevel])).toContainEqual(['#oncall', 1]);
  });
});

describe('deliveries', () => {
  it('with Slack down, email still goes out; the failure shows in the status; Slack gets it once back', async () => {
    channels.slackUp = false;
    const handle = await start('node-s');
    const failing = await until(handle, (s) => (s.humans?.failingDeliveries.length ?? 0) > 0);
    expect(failing.humans?.failingDeliveries[0]).toMatch(/^slack #alerts: .*ECONNREFUSED.*retrying/);
    expect(channels.to('email').map((s) => s.title)).toEqual(['Approval needed: replace-node on node-s']);

    channels.slackUp = true;
    const healed = await until(
      handle,
      (s) => s.humans?.failingDeliveries.length === 0 && Boolean(s.humans.slack),
    );
    expect(healed.humans?.slack).toMatchObject({ channel: 'C0FAKE' });
    expect(channels.to('slack').map((s) => s.title)).toEqual(['Approval needed: replace-node on node-s']);
  });

  it('notification_enabled false: nothing leaves, and the ladder still records its steps', async () => {
    world.routing = { ...world.routing!, enabled: false };
    const handle = await start('node-q', { approvalTimeout: '20 minutes' });
    await handle.result();

    expect(channels.sent).toEqual([]);
    const status = await handle.query(statusQuery);
    expect(status.humans?.escalations.map((step) => [step.level, step.notified])).toEqual([
      [1, []],
      [2, []],
      [3, []],
    ]);
  });
});

/** The value of a counter with exactly these labels (0 when absent). */
async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const samples = samplesOf(await registry.metrics(), name);
  const found = samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found?.value ?? 0;
}

describe('analysis alerts', () => {
  const finding: AnalysisFinding = {
    rule: 'error_rate',
    type: 'threshold',
    target: { kind: 'service', namespace: 'shop', name: 'web' },
    severity: 'critical',
    evidence: { value: 37.5, threshold: 5, since: new Date(0).toISOString(), query: 'error rate query' },
    summary: 'error rate 37.5 % ≥ 5 % for 120 s',
  };

  async function alert(openFor = 3600) {
    const handle = await env.client.workflow.start(analysisAlertWorkflow, {
      taskQueue,
      workflowId: `${analysisAlertWorkflowId(finding.rule, finding.target)}-${expect.getState().currentTestName ?? ''}`,
      args: [{ finding, detectedAt: new Date(0).toISOString(), openFor }],
    });
    started.push(handle);
    return handle;
  }

  it('a critical finding is routed with its evidence, and resolved (PagerDuty too) when it clears', async () => {
    const finishedBefore = await counter('self_healing_recoveries_finished_total', {
      kind: 'analysis',
      outcome: 'cleared',
    });
    const handle = await alert();
    await until(handle, () => channels.to('pagerduty').length > 0);
    expect(channels.to('slack').map((s) => [s.to, s.title])).toEqual([
      ['#incidents', 'Threshold exceeded (error_rate) on service shop/web'],
    ]);
    expect(channels.to('email').map((s) => s.to)).toEqual(['emergency@company.com']);
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({
      kind: 'analysis',
      target: 'service shop/web',
      phase: 'Detected',
      severity: 'critical',
    });

    await handle.signal(evidenceSignal, { observedAt: new Date().toISOString(), reason: 'Ready' });
    const result = await handle.result();
    expect(result).toMatchObject({ outcome: 'cleared', target: 'service shop/web' });
    await recordHistory(handle, 'analysis-alert-cleared.json');
    expect(channels.to('pagerduty').map((s) => s.to)).toEqual(['trigger', 'resolve']);
    expect((await handle.query(statusQuery)).phase).toBe('Recovered');
    expect(
      await counter('self_healing_recoveries_finished_total', { kind: 'analysis', outcome: 'cleared' }),
    ).toBe(finishedBefore + 1);
  });

  it('an alert whose finding never clears ends after openFor, so a finding still there opens a new one', async () => {
    const handle = await alert(600);
    const result = await handle.result();
    expect(result.outcome).toBe('expired');
    expect((await handle.query(statusQuery)).phase).toBe('Stopped');
  });
});
