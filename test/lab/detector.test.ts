/**
 * The detector on the lab: the simulated cluster's real apiserver and the Temporal dev server, with
 * a 10 s confirmation window (health_check_interval 10 × node_failure_threshold 1) read from a
 * ConfigMap. No worker polls the test's task queue: a started recovery (or the node budget the
 * storm relay signals) just stays Running, which is all these tests look at. Nodes are restored
 * and workflows terminated afterwards.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '@kubernetes/client-node';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { LiveConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { createClusterConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { staticConfigSource } from '../../src/config/config-source';
import type { Detector, DetectorEvent } from '../../src/starter/detector';
import { silentLogger } from '../../src/logging';
import { createDetector } from '../../src/starter/detector';
import type { DetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { createDetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { nodeRecoveryWorkflowId } from '../../src/starter/recoveries';
import { stormRelay } from '../../src/starter/storm-relay';
import { disruptionBudgetWorkflowId } from '../../src/workflows/ids';
import { registerSearchAttributes } from '../../src/starter/register-search-attributes';
import { devServerAddress } from '../support/lab';
import { failNode, flapNode, loadLabKubeConfig, recoverNode, sleep, waitFor } from '../../tools/sim';

const namespace = `detector-${Date.now().toString(36)}`;
const configName = 'self-healing-config';
const taskQueue = `detector-test-${randomUUID()}`;
const WINDOW_MS = 10_000;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const optOutLabel = 'remediation.medik8s.io/exclude-from-remediation';

// One node per behaviour, so a leftover from one test cannot blur another.
const failing = 'sim-node-2';
const flapping = 'sim-node-3';
const optedOut = 'sim-node-4';
const usedNodes: string[] = [failing, flapping, optedOut];

let kc: KubeConfig;
let core: CoreV1Api;
let connection: Connection;
let client: Client;
let kubernetes: DetectorKubernetes;
let configSource: LiveConfigSource;
let detector: Detector;
const events: DetectorEvent[] = [];
/** Node LISTs (GET /api/v1/nodes, not a watch) sent by the long-running detector's own client. */
let detectorNodeLists = 0;

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  connection = await Connection.connect({ address: devServerAddress() });
  client = new Client({ connection });
  await registerSearchAttributes(connection, 'default');
  // A recovery left running by an earlier suite would absorb this suite's detections.
  await Promise.all(usedNodes.map(terminateRecovery));
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: { name: configName, namespace },
      data: { health_check_interval: '10', node_failure_threshold: '1', storm_cooldown: '15' },
    },
  });
  kubernetes = createDetectorKubernetes(countingKubeConfig(), silentLogger);
  configSource = createClusterConfigSource(kubernetes, { name: configName, namespace }, silentLogger);
  await configSource.start();
  detector = createDetector({ kubernetes, client, taskQueue, configSource, logger: silentLogger });
  detector.subscribe((event) => events.push(event));
  await detector.start();
});

afterAll(async () => {
  await detector?.stop();
  await configSource?.stop();
  if (core) {
    for (const node of usedNodes) {
      await recoverNode(kc, node).catch(() => undefined);
      await core
        .patchNode({ name: node, body: { metadata: { labels: { [optOutLabel]: null } } } }, mergePatch)
        .catch(() => undefined);
    }
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
  if (client) {
    await Promise.all(usedNodes.map(terminateRecovery));
    await terminate(disruptionBudgetWorkflowId('nodes', taskQueue));
  }
  await connection?.close();
});

async function terminate(workflowId: string): Promise<void> {
  try {
    await client.workflow.getHandle(workflowId).terminate('detector test cleanup');
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

function terminateRecovery(node: string): Promise<void> {
  return terminate(nodeRecoveryWorkflowId(node));
}

/** The `storm` signals the workflow `workflowId` received, in order. */
async function stormSignals(workflowId: string): Promise<{ active: boolean; reason: string }[]> {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) => {
      const signal = e.workflowExecutionSignaledEventAttributes;
      const payload = signal?.input?.payloads?.[0];
      if (signal?.signalName !== 'storm' || !payload) return [];
      return [defaultPayloadConverter.fromPayload<{ active: boolean; reason: string }>(payload)];
    });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return [];
    throw error;
  }
}

/**
 * Whether a recovery of `node` was started in this Temporal namespace (running or not), at all or
 * at `since` or later.
 */
async function recoveryExists(node: string, since = 0): Promise<boolean> {
  try {
    const { startTime } = await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).describe();
    return startTime.getTime() >= since;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/**
 * The lab's KubeConfig, counting the node LISTs sent through it. Counted at the client rather than
 * from the apiserver's metrics, which also count every other component's relists.
 */
function countingKubeConfig(): KubeConfig {
  class Counting extends KubeConfig {
    override async applySecurityAuthentication(context: RequestContext): Promise<void> {
      const url = new URL(context.getUrl());
      const isWatch = url.searchParams.get('watch') === 'true';
      if (context.getHttpMethod() === 'GET' && url.pathname === '/api/v1/nodes' && !isWatch)
        detectorNodeLists += 1;
      return super.applySecurityAuthentication(context);
    }
  }
  const counting = new Counting();
  counting.loadFromString(kc.exportConfig());
  return counting;
}

describe('the detector on the lab', () => {
  let firstRunId = '';

  it('starts node-recovery/<node> once a node has been NotReady for the confirmation window', async () => {
    const failedAt = Date.now();
    await failNode(kc, failing, 'NotReady');
    const started = await waitFor(
      'the recovery to start',
      async () => client.workflow.getHandle(nodeRecoveryWorkflowId(failing)).describe(),
      (d) => d.status.name === 'RUNNING',
      { timeoutMs: WINDOW_MS + 15_000, intervalMs: 200 },
    );
    // lastTransitionTime has whole seconds, so the window may end up to 1 s before failedAt + 10 s.
    expect(started.startTime.getTime() - failedAt).toBeGreaterThanOrEqual(WINDOW_MS - 1_500);
    expect(started.taskQueue).toBe(taskQueue);
    firstRunId = started.runId;
    const record = detector.stats().recoveries.find((r) => r.node === failing);
    expect(record).toMatchObject({
      reason: 'NotReady',
      workflowId: nodeRecoveryWorkflowId(failing),
      runId: firstRunId,
    });
    // Detection overhead (window elapsed → start resolved) is measured by the benchmark, not here.
    expect(record?.overheadMs).toBeGreaterThanOrEqual(0);
  });

  it('adds a repeated detection to the running recovery as evidence instead of starting a second run', async () => {
    // A second detector (as after a restart) sees the same long-NotReady node and detects it again.
    const again = createDetector({
      kubernetes: createDetectorKubernetes(kc, silentLogger),
      client,
      taskQueue,
      configSource: staticConfigSource(configSource.current()),
      logger: silentLogger,
    });
    const seen: DetectorEvent[] = [];
    again.subscribe((event) => seen.push(event));
    await again.start();
    try {
      await waitFor(
        'the repeated detection',
        async () => seen,
        (s) => s.some((e) => e.type === 'recovery-started'),
        {
          timeoutMs: 10_000,
        },
      );
    } finally {
      await again.stop();
    }
    const repeated = seen.find((e) => e.type === 'recovery-started');
    expect(repeated?.type === 'recovery-started' && repeated.record.runId).toBe(firstRunId);
    const handle = client.workflow.getHandle(nodeRecoveryWorkflowId(failing));
    expect((await handle.describe()).runId).toBe(firstRunId);
    const history = await handle.fetchHistory();
    const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
    expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([
      'evidence',
      'evidence',
    ]);
  });

  it('signals Ready evidence to the recovery when the node is Ready again', async () => {
    await recoverNode(kc, failing);
    await waitFor(
      'the Ready evidence',
      async () => events,
      (all) =>
        all.some(
          (e) => e.type === 'evidence-signalled' && e.node === failing && e.evidence.reason === 'Ready',
        ),
      { timeoutMs: 10_000 },
    );
    const ready = events.find((e) => e.type === 'evidence-signalled' && e.node === failing);
    expect(ready?.type === 'evidence-signalled' && ready.outcome).toBe('signalled');
    await terminateRecovery(failing);
  });

  it('never starts a recovery for a node flapping NotReady 3 s / Ready 3 s', async () => {
    const startedAt = Date.now();
    const flaps = flapNode(kc, flapping, { downMs: 3_000, upMs: 3_000 });
    await waitFor(
      'four flaps',
      async () => flaps.flaps,
      (n) => n >= 4,
      { timeoutMs: 60_000 },
    );
    await flaps.stop();
    expect(flaps.flaps).toBeGreaterThanOrEqual(4);
    // One more window after the last flap: nothing may be pending either.
    await sleep(WINDOW_MS + 1_000);
    expect(await recoveryExists(flapping, startedAt)).toBe(false);
    expect(detector.stats().recoveries.filter((r) => r.node === flapping)).toEqual([]);
  });

  it('never starts a recovery for an opted-out node, and says why', async () => {
    await core.patchNode(
      { name: optedOut, body: { metadata: { labels: { [optOutLabel]: 'true' } } } },
      mergePatch,
    );
    const failedAt = Date.now();
    await failNode(kc, optedOut, 'NotReady');
    await sleep(WINDOW_MS + 3_000);
    expect(await recoveryExists(optedOut, failedAt)).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'finding-suppressed', node: optedOut, why: 'opted-out' }),
    );
    await recoverNode(kc, optedOut);
  });

  it('in a storm starts no recovery and holds the node budget, and lifts the hold once remediation resumes', async () => {
    detector.subscribe(stormRelay(client, taskQueue, silentLogger));
    const budget = disruptionBudgetWorkflowId('nodes', taskQueue);
    const all = (await core.listNode()).items.map((n) => n.metadata?.name ?? '');
    // More than storm_threshold_percent (40 %) of the nodes, failing at once: the flapping node and
    // nodes no other test uses first.
    const needed = Math.floor((all.length * 40) / 100) + 1;
    const storming = [...all.filter((n) => !usedNodes.includes(n)), flapping].slice(0, needed);
    expect(storming).toHaveLength(needed);
    usedNodes.push(...storming.filter((n) => !usedNodes.includes(n)));
    await Promise.all(storming.map(terminateRecovery));
    const suppressedBefore = detector.stats().suppressed.storm;

    const failedAt = Date.now();
    await Promise.all(storming.map((node) => failNode(kc, node, 'NotReady')));
    await waitFor(
      'the storm signal at the node budget',
      () => stormSignals(budget),
      (signals) => signals.some((s) => s.active),
      { timeoutMs: 15_000 },
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'storm', phase: 'started' }));
    // Past the confirmation window: every failed node would have been remediated without the storm.
    await sleep(WINDOW_MS + 3_000);
    for (const node of storming) expect(await recoveryExists(node, failedAt)).toBe(false);
    expect(detector.stats().suppressed.storm).toBeGreaterThanOrEqual(suppressedBefore + needed);

    // The storm clears as soon as the first of them is Ready again; the 15 s cooldown lets the others
    // be seen Ready before remediation resumes (else it would rightly start on the ones still down).
    await Promise.all(storming.map((node) => recoverNode(kc, node)));
    const signals = await waitFor(
      'the budget to hear that remediation resumes',
      () => stormSignals(budget),
      (all) => all.at(-1)?.active === false,
      { timeoutMs: 45_000 },
    );
    expect(signals.map((s) => s.active)).toEqual([true, false]);
    expect(signals[0]?.reason).toMatch(new RegExp(`^${needed} of ${all.length} nodes turned unhealthy`));
    for (const node of storming) expect(await recoveryExists(node, failedAt)).toBe(false);
  });

  it('made no LIST of nodes after start-up: watches only', async () => {
    expect(detector.stats().informer.lists).toBe(1);
    expect(detectorNodeLists).toBe(1);
  });
});
