/**
 * End to end on the lab, real parts only: the Temporal dev server, the simulated cluster's real
 * control plane, and the worker and the detector compiled from `src` and running as separate
 * processes, configured like an operator would (environment + the `self-healing-config` ConfigMap,
 * with fast timings: a 10 s confirmation window, a 15 s recovery window, the `sim` node provider).
 *
 * The test pods tolerate the not-ready and unreachable taints for an hour, so kube-controller-
 * manager's taint-based eviction (30 s in the lab) never moves them: whatever leaves a failed node
 * was moved by the product.
 *
 * The suite works on simulated nodes of its own (`e2e-<run>-1..4`, labelled with the run, a label
 * the sim provider copies to replacements), and its pods are pinned to them, so the shared
 * sim-node-* and other suites' recoveries of them are never touched. Its nodes, namespaces,
 * workflows and processes are removed afterwards.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeConfig, V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  PolicyV1Api,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { WorkflowHandle } from '@temporalio/client';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { NodeAnnotations as Annotations } from '../../src/domain/labels';
import { ProviderAnnotations } from '../../src/activities/kubernetes/node-providers';
import { registerSearchAttributes } from '../../src/starter/register-search-attributes';
import { disruptionBudgetWorkflowId, nodeRecoveryWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import type { nodeRecoveryWorkflow } from '../../src/workflows/node/node-recovery';
import type { RecoveryPhase } from '../../src/domain';
import { devServerAddress } from '../support/lab';
import type { ProductProcess } from '../support/processes';
import {
  buildProduct,
  removeBuild,
  startProductProcess,
  stopAllProductProcesses,
  waitForWorkerPolling,
  workerIdentity,
} from '../support/processes';
import {
  conditionOf,
  createSimNode,
  failNode,
  apiserverRequests,
  flapNode,
  isPodReady,
  loadLabKubeConfig,
  readNodeOrUndefined,
  recoverNode,
  sleep,
  waitFor,
} from '../../tools/sim';
import type { Flapping } from '../../tools/sim';

const runId = randomUUID().slice(0, 8);
const taskQueue = `e2e-${runId}`;
/** The product's config lives in a namespace of this run: other suites apply and delete `self-healing`. */
const configNamespace = `e2e-config-${runId}`;
const WINDOW_MS = 10_000;
const config = {
  health_check_interval: '10',
  node_failure_threshold: '1',
  node_recovery_window: '15',
  // Only bounds a drain that fails; long enough that a worker killed mid-drain and a cold new one
  // (heartbeat timeout 30 s, bundling) leave the retried attempt time to finish.
  drain_timeout: '300',
  recovery_timeout: '180',
  node_provider: 'sim',
};
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const logDir = mkdtempSync(path.join(tmpdir(), `node-recovery-e2e-${runId}-`));
const record = process.env.RECORD_HISTORIES === '1';

let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;
let connection: Connection;
let client: Client;
let buildDir: string | undefined;
let worker: ProductProcess;
let detector: ProductProcess;
let workerCount = 0;
/** Nodes of this run, and the label that marks them (and their replacements). */
const runLabel = 'e2e.self-healing.dev/run';
const ownNodes = [1, 2, 3, 4, 5, 6].map((i) => `e2e-${runId}-${i}`);
const usedNodes = new Set<string>();
const namespaces: string[] = [configNamespace];
let flapping: Flapping | undefined;

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  policy = kc.makeApiClient(PolicyV1Api);
  connection = await Connection.connect({ address: devServerAddress() });
  client = new Client({ connection });
  await registerSearchAttributes(connection, 'default');
  await createOwnNodes();

  await core.createNamespace({ body: { metadata: { name: configNamespace } } });
  await core.createNamespacedConfigMap({
    namespace: configNamespace,
    body: { metadata: { name: 'self-healing-config', namespace: configNamespace }, data: config },
  });

  buildDir = buildProduct(runId);
  worker = startWorker();
  detector = startProductProcess({
    buildDir,
    entrypoint: 'detector',
    name: 'detector',
    logDir,
    env: productEnv(),
  });
  // Field order is the logger's (pino writes the message last): match both fields on one line.
  await detector.waitForOutput(/^(?=.*"message":"detector started")(?=.*"windowSeconds":10\b)/m);
  await waitForWorkerPolling(client, taskQueue, worker);
}, 240_000);

afterAll(async () => {
  await flapping?.stop().catch(() => undefined);
  await stopAllProductProcesses();
  if (buildDir) removeBuild(buildDir);
  if (client) {
    for (const node of usedNodes) await terminate(nodeRecoveryWorkflowId(node));
    await terminate(disruptionBudgetWorkflowId('nodes', taskQueue));
  }
  if (core) {
    for (const namespace of namespaces)
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await deleteOwnNodes();
  }
  await connection?.close();
}, 180_000);

function productEnv(): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    KUBECONFIG: process.env.KUBECONFIG ?? '',
    SELF_HEALING_CONFIG_NAME: 'self-healing-config',
    SELF_HEALING_CONFIG_NAMESPACE: configNamespace,
  };
}

function startWorker(): ProductProcess {
  workerCount += 1;
  if (!buildDir) throw new Error('the product is not built');
  return startProductProcess({
    buildDir,
    entrypoint: 'worker',
    name: `worker-${workerCount}`,
    logDir,
    env: productEnv(),
  });
}

/** Runs a test body; on failure, adds what the product processes said to the error. */
async function withProcessLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const logs = [worker, detector]
      .filter((p): p is ProductProcess => p !== undefined)
      .map(
        (p) =>
          `--- ${p.name} (pid ${p.pid}, ${p.alive() ? 'running' : 'exited'}), ${p.logPath}:\n${p.tail(60)}`,
      )
      .join('\n');
    if (error instanceof Error) {
      error.message = `${error.message}\n\nproduct processes:\n${logs}`;
      throw error;
    }
    throw new Error(`${String(error)}\n\nproduct processes:\n${logs}`);
  }
}

async function terminate(workflowId: string): Promise<void> {
  try {
    await client.workflow.getHandle(workflowId).terminate('node-recovery-e2e cleanup');
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

async function createOwnNodes(): Promise<void> {
  for (const name of ownNodes) {
    await createSimNode(kc, name);
    await core.patchNode({ name, body: { metadata: { labels: { [runLabel]: runId } } } }, mergePatch);
  }
  await waitFor(
    `nodes ${ownNodes.join(', ')} Ready, without the not-ready taint`,
    () => Promise.all(ownNodes.map((name) => readNodeOrUndefined(kc, name))),
    (found) =>
      found.every(
        (n) =>
          conditionOf(n, 'Ready')?.status === 'True' &&
          !(n?.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'),
      ),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/** Deletes the nodes of this run, replacements included. */
async function deleteOwnNodes(): Promise<void> {
  const { items } = await core.listNode({ labelSelector: `${runLabel}=${runId}` });
  for (const node of items) await core.deleteNode({ name: node.metadata?.name ?? '' }).catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Workloads

/** Creates a namespace of this run; deleted in afterAll. */
async function createNamespace(suffix: string): Promise<string> {
  const name = `e2e-${runId}-${suffix}`;
  await core.createNamespace({ body: { metadata: { name } } });
  namespaces.push(name);
  return name;
}

const hourLongTolerations = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
  key,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 3600,
}));

async function createDeployment(
  namespace: string,
  name: string,
  replicas: number,
  placement: { spread?: boolean; preferNode?: string; pinNode?: string } = {},
): Promise<void> {
  const labels = { app: name };
  const body: V1Deployment = {
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }],
          terminationGracePeriodSeconds: 5,
          tolerations: hourLongTolerations,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: runLabel, operator: 'In', values: [runId] },
                      ...(placement.pinNode
                        ? [{ key: 'kubernetes.io/hostname', operator: 'In', values: [placement.pinNode] }]
                        : []),
                    ],
                  },
                ],
              },
              ...(placement.preferNode
                ? {
                    preferredDuringSchedulingIgnoredDuringExecution: [
                      {
                        weight: 100,
                        preference: {
                          matchExpressions: [
                            { key: 'kubernetes.io/hostname', operator: 'In', values: [placement.preferNode] },
                          ],
                        },
                      },
                    ],
                  }
                : {}),
            },
          },
          ...(placement.spread
            ? {
                topologySpreadConstraints: [
                  {
                    maxSkew: 1,
                    topologyKey: 'kubernetes.io/hostname',
                    whenUnsatisfiable: 'DoNotSchedule',
                    labelSelector: { matchLabels: labels },
                  },
                ],
              }
            : {}),
        },
      },
    },
  };
  await apps.createNamespacedDeployment({ namespace, body });
}

async function createPdb(namespace: string, app: string, minAvailable: number): Promise<void> {
  await policy.createNamespacedPodDisruptionBudget({
    namespace,
    body: {
      metadata: { name: app, namespace },
      spec: { minAvailable, selector: { matchLabels: { app } } },
    },
  });
}

/** Live (not terminating) pods of `app`. */
async function podsOf(namespace: string, app: string): Promise<V1Pod[]> {
  const { items } = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function waitForReadyPods(namespace: string, app: string, count: number): Promise<V1Pod[]> {
  return waitFor(
    `${count} Ready pods of ${namespace}/${app}`,
    () => podsOf(namespace, app),
    (pods) => pods.length === count && pods.every(isPodReady),
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** The PDB's view of the pods must be current before a test relies on it blocking or allowing. */
async function waitForPdb(namespace: string, name: string, disruptionsAllowed: number): Promise<void> {
  await waitFor(
    `PDB ${namespace}/${name} to allow ${disruptionsAllowed} disruptions`,
    () => policy.readNamespacedPodDisruptionBudget({ namespace, name }),
    (pdb) =>
      pdb.status?.disruptionsAllowed === disruptionsAllowed &&
      pdb.status.observedGeneration === pdb.metadata?.generation,
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

const uidOf = (pod: V1Pod): string => pod.metadata?.uid ?? '';

/** Nodes of this run the product cordoned and did not uncordon. */
async function nodesLeftCordoned(): Promise<string[]> {
  return (await core.listNode({ labelSelector: `${runLabel}=${runId}` })).items
    .filter((n) => n.spec?.unschedulable && n.metadata?.annotations?.[Annotations.cordonedBy])
    .map((n) => n.metadata?.name ?? '');
}

/** A node of this run no earlier test of the suite has used; marked used. */
function unusedNode(): string {
  const node = ownNodes.find((name) => !usedNodes.has(name));
  if (!node) throw new Error(`every node of the run is used: ${ownNodes.join(', ')}`);
  usedNodes.add(node);
  return node;
}

/** `kubectl uncordon`: the node schedulable again; annotations stay as they are. */
async function kubectlUncordon(node: string): Promise<void> {
  await core.patchNode({ name: node, body: { spec: { unschedulable: null } } }, mergePatch);
}

/** A node of this run (not a replacement) that runs a pod of `pods` and is not excluded. */
function nodeOfSomePod(pods: V1Pod[], exclude: Set<string>): string {
  const node = pods
    .map((p) => p.spec?.nodeName ?? '')
    .find((name) => ownNodes.includes(name) && !exclude.has(name));
  if (!node) throw new Error(`no pod runs on ${ownNodes.filter((n) => !exclude.has(n)).join(', ')}`);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Temporal

/** Waits for the detector to start a recovery of `node` at or after `since`; returns that run's handle. */
async function waitForRecovery(node: string, since: Date) {
  const workflowId = nodeRecoveryWorkflowId(node);
  const started = await waitFor(
    `the detector to start ${workflowId}`,
    () => client.workflow.getHandle(workflowId).describe(),
    ({ startTime }) => startTime >= since,
    { timeoutMs: WINDOW_MS + 60_000, intervalMs: 500 },
  );
  return client.workflow.getHandle<typeof nodeRecoveryWorkflow>(workflowId, started.runId);
}

async function waitForPhase(
  node: string,
  phases: RecoveryPhase[],
  timeoutMs = 120_000,
): Promise<RecoveryPhase> {
  const handle = client.workflow.getHandle(nodeRecoveryWorkflowId(node));
  const status = await waitFor(
    `the recovery of ${node} to reach ${phases.join(' or ')}`,
    () => handle.query(statusQuery),
    (s) => phases.includes(s.phase),
    { timeoutMs, intervalMs: 300 },
  );
  return status.phase;
}

/**
 * Lists the workflows `query` finds until one of them is the run `runId` (visibility is eventually
 * consistent); returns their workflow IDs.
 */
async function listUntilFound(query: string, runId: string): Promise<string[]> {
  const found = await waitFor(
    `run ${runId} among the workflows matching ${query}`,
    async () => {
      const runs: { workflowId: string; runId: string }[] = [];
      for await (const wf of client.workflow.list({ query })) runs.push(wf);
      return runs;
    },
    (runs) => runs.some((r) => r.runId === runId),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  return [...new Set(found.map((r) => r.workflowId))];
}

/**
 * The start time of the node's latest recovery if it started at or after `since`; undefined when
 * there is none (WorkflowNotFoundError) or only older ones, e.g. from an earlier suite.
 */
async function recoveryStartedSince(node: string, since: Date): Promise<Date | undefined> {
  try {
    const { startTime } = await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).describe();
    return startTime >= since ? startTime : undefined;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

interface PendingActivity {
  type: string;
  attempt: number;
  started: boolean;
  worker: string;
}

async function pendingActivities(node: string): Promise<PendingActivity[]> {
  const { raw } = await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).describe();
  return (raw.pendingActivities ?? []).map((a) => ({
    type: a.activityType?.name ?? '',
    attempt: a.attempt ?? 0,
    started: a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED,
    worker: a.lastWorkerIdentity ?? '',
  }));
}

async function saveHistory(handle: WorkflowHandle, file: string): Promise<void> {
  const history = await handle.fetchHistory();
  await writeFile(
    path.join(__dirname, '../fixtures/histories', file),
    JSON.stringify(JSON.parse(historyToJSON(history)), null, 2) + '\n',
  );
}

// ---------------------------------------------------------------------------------------------
// Observing the apiserver

/** Eviction requests the apiserver answered with `codePrefix` (e.g. '2' accepted, '429' refused by a PDB). */
function evictions(codePrefix: string): Promise<number> {
  return apiserverRequests(
    kc,
    (labels) =>
      labels.includes('resource="pods"') &&
      labels.includes('subresource="eviction"') &&
      labels.includes('verb="POST"') &&
      labels.includes(`code="${codePrefix}`),
  );
}

/** Pods on `node` in every namespace, except terminating and DaemonSet pods (a drain leaves those). */
async function podsToDrain(node: string): Promise<V1Pod[]> {
  const { items } = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
  return items.filter(
    (p) =>
      !p.metadata?.deletionTimestamp &&
      !(p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet'),
  );
}

/**
 * Watches the pods on `node`, in every namespace, and records the UIDs of those whose deletion
 * started. client-node closes a watch after 30 s without events, so the watch resumes from the
 * last resourceVersion it saw.
 */
async function watchPodDeletions(node: string) {
  const deleting = new Set<string>();
  const fieldSelector = `spec.nodeName=${node}`;
  let resourceVersion =
    (await core.listPodForAllNamespaces({ fieldSelector })).metadata?.resourceVersion ?? '';
  let stopped = false;
  let abort: AbortController | undefined;
  const watch = async (): Promise<void> => {
    abort = await new Watch(kc).watch(
      '/api/v1/pods',
      { fieldSelector, resourceVersion, allowWatchBookmarks: true },
      (phase: string, pod: V1Pod) => {
        resourceVersion = pod.metadata?.resourceVersion ?? resourceVersion;
        if (phase !== 'BOOKMARK' && (phase === 'DELETED' || pod.metadata?.deletionTimestamp))
          deleting.add(uidOf(pod));
      },
      () => {
        if (!stopped) void watch().catch(() => undefined);
      },
    );
  };
  await watch();
  return {
    /** UIDs of the pods whose deletion started since the watch began. */
    deleted: () => [...deleting],
    stop: () => {
      stopped = true;
      abort?.abort();
    },
  };
}

// ---------------------------------------------------------------------------------------------

describe('node recovery end to end (worker and detector as processes)', () => {
  let replacedNode = '';
  let flappedNode = '';

  it(
    'a NotReady node running pods of a 3-replica Deployment behind a PDB is drained, replaced and verified',
    () =>
      withProcessLogs(async () => {
        const namespace = await createNamespace('replace');
        await createDeployment(namespace, 'web', 3, { spread: true });
        await createPdb(namespace, 'web', 2);
        const pods = await waitForReadyPods(namespace, 'web', 3);
        await waitForPdb(namespace, 'web', 1);
        const node = nodeOfSomePod(pods, new Set());
        replacedNode = node;
        usedNodes.add(node);
        const onNode = pods.filter((p) => p.spec?.nodeName === node).map(uidOf);

        const failedAt = new Date();
        await failNode(kc, node, 'NotReady');
        const handle = await waitForRecovery(node, failedAt);
        const result = await handle.result();

        expect(result).toMatchObject({ node, outcome: 'replaced' });
        const after = await waitForReadyPods(namespace, 'web', 3);
        expect(after.map((p) => p.spec?.nodeName)).not.toContain(node);
        expect(after.map(uidOf).filter((uid) => onNode.includes(uid))).toEqual([]);
        expect(await readNodeOrUndefined(kc, node)).toBeUndefined();
        const replacements = (await core.listNode()).items.filter(
          (n) => n.metadata?.annotations?.[ProviderAnnotations.replaces] === node,
        );
        expect(replacements.map((n) => n.metadata?.name)).toEqual([
          expect.stringMatching(new RegExp(`^${node}-r`)),
        ]);
        const replacement = replacements[0] as V1Node;
        expect(conditionOf(replacement, 'Ready')?.status).toBe('True');
        expect(replacement.spec?.unschedulable).toBeFalsy();

        const ids = await listUntilFound(
          `SelfHealingTarget = '${node}' AND SelfHealingPhase = 'Recovered'`,
          (await handle.describe()).runId,
        );
        expect(ids).toEqual([nodeRecoveryWorkflowId(node)]);
        const events = await core.listNamespacedEvent({
          namespace: 'default',
          fieldSelector: `involvedObject.name=${node}`,
        });
        // Whole seconds on the wire: an Event of this run is at most 1 s older than failedAt.
        const told = events.items.filter(
          (e) =>
            e.message?.includes(nodeRecoveryWorkflowId(node)) &&
            (e.lastTimestamp?.getTime() ?? 0) >= failedAt.getTime() - 1_000,
        );
        expect(new Set(told.map((e) => e.reason))).toEqual(
          new Set(['SelfHealingCordon', 'SelfHealingDrained', 'SelfHealingReplace']),
        );

        if (record) await saveHistory(handle, 'node-recovery-replaced.json');
      }),
    240_000,
  );

  it(
    'a flapping node is never remediated',
    () =>
      withProcessLogs(async () => {
        const node = ownNodes.find((name) => name !== replacedNode) ?? '';
        flappedNode = node;
        usedNodes.add(node);
        // Each NotReady spell is well under the 10 s window; together they span more than two windows.
        const since = new Date();
        flapping = flapNode(kc, node, { downMs: 4_000, upMs: 3_000 });
        await sleep(2 * WINDOW_MS + 8_000);
        await flapping.stop();
        const flaps = flapping.flaps;
        flapping = undefined;
        // A last window, in case a spell that began late were counted.
        await sleep(WINDOW_MS + 2_000);

        expect(flaps).toBeGreaterThanOrEqual(3);
        expect(detector.alive()).toBe(true);
        expect(await recoveryStartedSince(node, since)).toBeUndefined();
      }),
    120_000,
  );

  it(
    'a worker killed mid-drain is replaced by a new worker that finishes with no pod evicted twice and no node left cordoned',
    () =>
      withProcessLogs(async () => {
        const namespace = await createNamespace('restart');
        // A PDB that allows no disruption holds the drain until the test relaxes it.
        await createDeployment(namespace, 'api', 3, { spread: true });
        await createPdb(namespace, 'api', 3);
        const apiPods = await waitForReadyPods(namespace, 'api', 3);
        await waitForPdb(namespace, 'api', 0);
        const node = nodeOfSomePod(apiPods, new Set([replacedNode, flappedNode]));
        usedNodes.add(node);
        // Pods nothing blocks, so the first worker has evicted something before it dies.
        await createDeployment(namespace, 'batch', 2, { preferNode: node });
        const batchPods = await waitForReadyPods(namespace, 'batch', 2);
        const batchOnNode = batchPods.filter((p) => p.spec?.nodeName === node).map(uidOf);
        expect(batchOnNode.length).toBeGreaterThan(0);

        const deletions = await watchPodDeletions(node);
        // Every pod a drain must move, this test's and any other namespace's.
        const onNode = (await podsToDrain(node)).map(uidOf);
        try {
          const acceptedBefore = await evictions('2');
          const refusedBefore = await evictions('429');
          const failedAt = new Date();
          await failNode(kc, node, 'NotReady');
          const handle = await waitForRecovery(node, failedAt);

          // Mid-drain: the unblocked pods are out, the PDB refuses the rest.
          expect(await waitForPhase(node, ['Draining'])).toBe('Draining');
          await waitFor(
            'the first worker to evict the unblocked pods and be refused by the PDB',
            async () => ({ left: deletions.deleted(), refused: await evictions('429') }),
            ({ left, refused }) => batchOnNode.every((uid) => left.includes(uid)) && refused > refusedBefore,
            { timeoutMs: 90_000, intervalMs: 500 },
          );
          expect((await handle.query(statusQuery)).phase).toBe('Draining');
          await worker.stop('SIGKILL');
          expect(await pendingActivities(node)).toEqual([expect.objectContaining({ type: 'drainNode' })]);

          worker = startWorker();
          await waitForWorkerPolling(client, taskQueue, worker);
          // The dead worker's attempt times out on its heartbeat; the drain is retried on the new one.
          await waitFor(
            'the drain to run again on the new worker',
            () => pendingActivities(node),
            (pending) =>
              pending.some(
                (a) =>
                  a.type === 'drainNode' &&
                  a.started &&
                  a.attempt >= 2 &&
                  a.worker === workerIdentity(worker.pid),
              ),
            { timeoutMs: 120_000, intervalMs: 500 },
          );
          const refusedBeforeRelax = await evictions('429');
          await waitFor(
            'the new drain to be refused by the PDB too',
            () => evictions('429'),
            (n) => n > refusedBeforeRelax,
            {
              timeoutMs: 60_000,
              intervalMs: 500,
            },
          );
          await policy.patchNamespacedPodDisruptionBudget(
            { namespace, name: 'api', body: { spec: { minAvailable: 2 } } },
            mergePatch,
          );

          // The node comes back during the recovery window, so the uncordon path runs too.
          const phase = await waitForPhase(node, [
            'AwaitingRecovery',
            'Replacing',
            'Verifying',
            'Recovered',
            'Escalated',
          ]);
          if (phase === 'AwaitingRecovery') await recoverNode(kc, node);
          const result = await handle.result();

          expect(['recovered', 'replaced']).toContain(result.outcome);
          // The watch may trail the API by a moment.
          const evicted = await waitFor(
            'the watch to see every pod that left the node',
            () => Promise.resolve(deletions.deleted()),
            (left) => onNode.every((uid) => left.includes(uid)),
            { timeoutMs: 10_000 },
          ).catch(() => deletions.deleted());
          expect(evicted.filter((uid) => !onNode.includes(uid))).toEqual([]);
          expect(new Set(evicted)).toEqual(new Set(onNode));
          // Each accepted eviction is one pod leaving the node: none was evicted twice.
          expect((await evictions('2')) - acceptedBefore).toBe(evicted.length);
          expect(await nodesLeftCordoned()).toEqual([]);
          await waitForReadyPods(namespace, 'api', 3);
          await waitForReadyPods(namespace, 'batch', 2);

          if (record) await saveHistory(handle, 'node-recovery-worker-restart.json');
        } finally {
          deletions.stop();
        }
      }),
    360_000,
  );

  it(
    'a person who uncordons the node mid-drain stops the drain before its next eviction: the PDB relaxed 10 s later evicts nothing',
    () =>
      withProcessLogs(async () => {
        const node = unusedNode();
        const namespace = await createNamespace('takeback');
        await createDeployment(namespace, 'keep', 3, { pinNode: node });
        await createPdb(namespace, 'keep', 3);
        const kept = (await waitForReadyPods(namespace, 'keep', 3)).map(uidOf);
        await waitForPdb(namespace, 'keep', 0);
        const deletions = await watchPodDeletions(node);
        try {
          const refusedBefore = await evictions('429');
          const failedAt = new Date();
          await failNode(kc, node, 'NotReady');
          const handle = await waitForRecovery(node, failedAt);
          await waitForPhase(node, ['Draining']);
          await waitFor(
            'the drain to be refused by the PDB',
            () => evictions('429'),
            (n) => n > refusedBefore,
            {
              timeoutMs: 60_000,
              intervalMs: 300,
            },
          );

          await kubectlUncordon(node);
          await sleep(10_000);
          await policy.patchNamespacedPodDisruptionBudget(
            { namespace, name: 'keep', body: { spec: { minAvailable: 0 } } },
            mergePatch,
          );
          const result = await handle.result();
          // Time for a drain that were still running to see the relaxed PDB and evict (backoff ≤ 15 s).
          await waitForPdb(namespace, 'keep', 3);
          await sleep(16_000);

          expect(result.outcome).toBe('stopped');
          const status = await handle.query(statusQuery);
          expect(status.phase).toBe('Stopped');
          expect(status.actions).toContainEqual(expect.stringMatching(/no longer cordoned by this recovery/));
          expect(deletions.deleted().filter((uid) => kept.includes(uid))).toEqual([]);
          expect((await podsOf(namespace, 'keep')).map(uidOf).sort()).toEqual([...kept].sort());
          expect((await core.readNode({ name: node })).spec?.unschedulable).toBeFalsy();
          if (record) await saveHistory(handle, 'node-recovery-taken-back.json');
        } finally {
          deletions.stop();
          await recoverNode(kc, node);
        }
      }),
    240_000,
  );

  it(
    "a person's maintenance cordon is never taken for the product's, whatever annotation an earlier recovery left",
    () =>
      withProcessLogs(async () => {
        const node = unusedNode();
        const namespace = await createNamespace('stale');
        await createDeployment(namespace, 'svc', 2, { pinNode: node });
        await waitForReadyPods(namespace, 'svc', 2);
        // What an earlier recovery of this node left: it cordoned, escalated, and a person repaired
        // the node and ran `kubectl uncordon`, which keeps annotations.
        await core.patchNode(
          {
            name: node,
            body: {
              metadata: {
                annotations: {
                  [Annotations.cordonedBy]: 'temporal-self-healing',
                  [Annotations.cordonReason]: 'node NotReady',
                  [Annotations.workflowId]: nodeRecoveryWorkflowId(node),
                  [Annotations.cordonOwner]: randomUUID(),
                },
              },
            },
          },
          mergePatch,
        );
        // Later the person cordons the node for maintenance of their own (`kubectl cordon`).
        await core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, mergePatch);
        const deletions = await watchPodDeletions(node);
        try {
          const failedAt = new Date();
          await failNode(kc, node, 'NotReady');
          const handle = await waitForRecovery(node, failedAt);
          const result = await handle.result();
          await recoverNode(kc, node);
          // Long enough for a recovery that took the cordon for its own to drain and uncordon.
          await sleep(WINDOW_MS + 5_000);

          expect(result.outcome).toBe('stopped');
          expect(result.actions).toEqual([`left ${node} alone: cordoned by someone else`]);
          expect((await core.readNode({ name: node })).spec?.unschedulable).toBe(true);
          expect(deletions.deleted()).toEqual([]);
        } finally {
          deletions.stop();
        }
      }),
    180_000,
  );
});
