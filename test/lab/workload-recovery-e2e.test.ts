/**
 * Workload recovery end to end on the lab: the worker and the detector run as processes, the
 * simulated kubelet makes failures follow from the pod spec (tools/sim/kubelet), and each remedy is
 * proven by the cause going away: a bad rollout rolled back, an OOM-killed Deployment given more
 * memory, a pull failure after an image change rolled back; a bare pod and a kube-system DaemonSet
 * reported and left untouched.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeConfig, V1Container } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { writeFile } from 'node:fs/promises';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { WorkloadRecoveryResult, WorkloadTarget } from '../../src/domain';
import { WorkloadAnnotations } from '../../src/domain/labels';
import { registerSearchAttributes } from '../../src/starter/register-search-attributes';
import { disruptionBudgetWorkflowId, workloadRecoveryWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import { devServerAddress } from '../support/lab';
import { createOwnNodes } from '../support/lab-product';
import { dashboardQueries } from '../support/dashboards';
import { announceTargets, freePort, promQuery, scrape, total, withdrawTargets } from '../support/metrics';
import type { ProductProcess } from '../support/processes';
import {
  buildProduct,
  removeBuild,
  startProductProcess,
  stopAllProductProcesses,
  waitForWorkerPolling,
} from '../support/processes';
import { loadLabKubeConfig, waitFor } from '../../tools/sim';

const runId = randomUUID().slice(0, 8);
const taskQueue = `workload-e2e-${runId}`;
const namespace = `shop-${runId}`;
const configNamespace = `workload-e2e-config-${runId}`;
/**
 * The suite's pods run on two nodes of its own (labelled and tainted for this run): other suites
 * sharing the lab leave nodes failing or being replaced, and a pod scheduled onto one of those
 * never runs, so its failure would never show.
 */
const runLabel = 'workload-e2e.self-healing.test/run';
const ownNodes = [`wl-${runId}-a`, `wl-${runId}-b`];
const placement = {
  nodeSelector: { [runLabel]: runId },
  tolerations: [{ key: runLabel, operator: 'Equal', value: runId, effect: 'NoSchedule' }],
};
const config = {
  'workload.confirmation_window': '3',
  'workload.stable_window': '10',
  'workload.restart_interval': '10',
  recovery_timeout: '120',
  // A reported or escalated recovery calls humans up the ladder before it ends: seconds here.
  'escalation.level1_after': '1',
  'escalation.level2_after': '2',
  'escalation.level3_after': '3',
};
const GOOD = 'registry.lab/shop/web:1.0';
const CRASHING = 'registry.lab/shop/web:1.1';
const UNKNOWN = `registry.lab/shop/web:404-${runId}`;
const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
/** `RECORD_HISTORIES=1`: the recoveries' histories become replay fixtures (test/fixtures/histories). */
const record = process.env.RECORD_HISTORIES === '1';
const logDir = mkdtempSync(path.join(tmpdir(), `workload-e2e-${runId}-`));

let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let connection: Connection;
let client: Client;
let buildDir: string | undefined;
let worker: ProductProcess;
let detector: ProductProcess;
const started: WorkloadTarget[] = [];
/** The results of the suite's recoveries, for the metrics' exact counts. */
const results: WorkloadRecoveryResult[] = [];
const ports = { worker: 0, temporal: 0, detector: 0 };

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  connection = await Connection.connect({ address: devServerAddress() });
  client = new Client({ connection });
  await registerSearchAttributes(connection, 'default');
  for (const name of [namespace, configNamespace])
    await core.createNamespace({ body: { metadata: { name } } });
  await createOwnNodes(kc, ownNodes, runLabel, runId);
  await core.createNamespacedConfigMap({
    namespace: configNamespace,
    body: { metadata: { name: 'self-healing-config' }, data: config },
  });
  buildDir = buildProduct(runId);
  const env = {
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    KUBECONFIG: process.env.KUBECONFIG ?? '',
    SELF_HEALING_CONFIG_NAME: 'self-healing-config',
    SELF_HEALING_CONFIG_NAMESPACE: configNamespace,
  };
  for (const key of ['worker', 'temporal', 'detector'] as const) ports[key] = await freePort();
  const metrics = (port: number) => ({
    METRICS_PORT: String(port),
    TEMPORAL_METRICS_PORT: String(ports.temporal),
  });
  worker = startProductProcess({
    buildDir,
    entrypoint: 'worker',
    name: 'worker',
    logDir,
    env: { ...env, ...metrics(ports.worker) },
  });
  detector = startProductProcess({
    buildDir,
    entrypoint: 'detector',
    name: 'detector',
    logDir,
    env: { ...env, ...metrics(ports.detector) },
  });
  announceTargets(`workload-e2e-${runId}`, [
    { job: 'self-healing-worker', port: ports.worker },
    { job: 'self-healing-worker-temporal', port: ports.temporal },
    { job: 'self-healing-detector', port: ports.detector },
  ]);
  await detector.waitForOutput(/"message":"detector started"/);
  await waitForWorkerPolling(client, taskQueue, worker);
}, 240_000);

afterAll(async () => {
  withdrawTargets(`workload-e2e-${runId}`);
  await stopAllProductProcesses();
  if (buildDir) removeBuild(buildDir);
  if (client) {
    for (const w of started) await terminate(workloadRecoveryWorkflowId(w));
    await terminate(disruptionBudgetWorkflowId('workloads', taskQueue));
  }
  await apps
    ?.deleteNamespacedDaemonSet({ name: `crashy-${runId}`, namespace: 'kube-system' })
    .catch(() => undefined);
  for (const name of [namespace, configNamespace])
    await core?.deleteNamespace({ name }).catch(() => undefined);
  for (const name of ownNodes) await core?.deleteNode({ name }).catch(() => undefined);
  await connection?.close();
}, 120_000);

async function terminate(workflowId: string): Promise<void> {
  try {
    await client.workflow.getHandle(workflowId).terminate('workload-recovery-e2e cleanup');
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

/** Runs a test body; on failure, adds what the product processes said. */
async function withProcessLogs(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const logs = [worker, detector].map((p) => `--- ${p.name}, ${p.logPath}:\n${p.tail(40)}`).join('\n');
    if (error instanceof Error) error.message = `${error.message}\n\nproduct processes:\n${logs}`;
    throw error;
  }
}

function container(image: string, memoryLimit?: string): V1Container {
  return {
    name: 'app',
    image,
    ...(memoryLimit
      ? { resources: { limits: { memory: memoryLimit }, requests: { memory: memoryLimit } } }
      : {}),
  };
}

async function createDeployment(name: string, app: V1Container): Promise<WorkloadTarget> {
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { ...placement, containers: [app] } },
      },
    },
  });
  return { kind: 'Deployment', namespace, name };
}

async function rolledOut(name: string): Promise<void> {
  await waitFor(
    `${name} rolled out`,
    () => apps.readNamespacedDeployment({ name, namespace }),
    (d) => {
      const s = d.status;
      return (
        (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
        s?.updatedReplicas === 2 &&
        s.availableReplicas === 2 &&
        (s.replicas ?? 0) === 2
      );
    },
    { timeoutMs: 90_000 },
  );
}

async function setImage(name: string, image: string): Promise<void> {
  await apps.patchNamespacedDeployment(
    { name, namespace, body: { spec: { template: { spec: { containers: [{ name: 'app', image }] } } } } },
    strategicMerge,
  );
}

/**
 * Waits for the workload's recovery to start and end.
 * @param fixture with RECORD_HISTORIES=1, the file its history is saved to as a replay fixture.
 */
async function recoveryOf(workload: WorkloadTarget, fixture?: string): Promise<WorkloadRecoveryResult> {
  started.push(workload);
  const handle = client.workflow.getHandle(workloadRecoveryWorkflowId(workload));
  await waitFor(
    `a recovery of ${workload.kind}/${workload.name}`,
    () => handle.describe().then(() => true),
    (found) => found,
    { timeoutMs: 90_000 },
  );
  const result = (await handle.result()) as WorkloadRecoveryResult;
  results.push(result);
  if (record && fixture) {
    const history = JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
    await writeFile(
      path.join(__dirname, '../fixtures/histories', fixture),
      JSON.stringify(history, null, 2) + '\n',
    );
  }
  return result;
}

test('a bad rollout (an image that crashes) is rolled back, and the workload is Ready again', async () => {
  await withProcessLogs(async () => {
    const web = await createDeployment('web', container(GOOD));
    await rolledOut('web');
    await setImage('web', CRASHING);
    const result = await recoveryOf(web, 'workload-recovery-rolled-back.json');
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'rollback' });
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe(GOOD);
    expect(d.metadata?.annotations?.[WorkloadAnnotations.rolledBackFrom]).toBeTruthy();
    await rolledOut('web');
    const status = await client.workflow.getHandle(workloadRecoveryWorkflowId(web)).query(statusQuery);
    expect(status.diagnosis?.rollout?.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'image', from: GOOD, to: CRASHING })]),
    );
    expect(status.diagnosis?.logMatches.map((m) => m.signature)).toContain('panic');
  });
}, 240_000);

test('an OOM-killed Deployment gets a higher memory limit, and no more OOM', async () => {
  await withProcessLogs(async () => {
    const api = await createDeployment('api', container(GOOD, '48Mi'));
    const result = await recoveryOf(api, 'workload-recovery-memory-raised.json');
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'raise-memory' });
    const d = await apps.readNamespacedDeployment({ name: 'api', namespace });
    expect(d.spec?.template.spec?.containers[0]?.resources?.limits?.memory).toBe('72Mi');
    await rolledOut('api');
  });
}, 240_000);

test('a pull failure after an image change is rolled back', async () => {
  await withProcessLogs(async () => {
    const shop = await createDeployment('cart', container(GOOD));
    await rolledOut('cart');
    await setImage('cart', UNKNOWN);
    const result = await recoveryOf(shop);
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'rollback' });
    await rolledOut('cart');
  });
}, 240_000);

test("a StatefulSet's bad rollout is rolled back to its previous ControllerRevision, its stuck pod recreated", async () => {
  await withProcessLogs(async () => {
    const name = 'db';
    await apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: { name },
        spec: {
          replicas: 2,
          serviceName: name,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { ...placement, containers: [container(GOOD)] },
          },
        },
      },
    });
    const ready = () =>
      waitFor(
        `${name} ready`,
        () => apps.readNamespacedStatefulSet({ name, namespace }),
        (st) =>
          st.status?.readyReplicas === 2 &&
          st.status.updatedReplicas === 2 &&
          st.status.currentRevision === st.status.updateRevision,
        { timeoutMs: 90_000 },
      );
    await ready();
    await apps.patchNamespacedStatefulSet(
      {
        name,
        namespace,
        body: { spec: { template: { spec: { containers: [{ name: 'app', image: CRASHING }] } } } },
      },
      strategicMerge,
    );
    // The StatefulSet controller replaces db-1 at its own pace (on a loaded machine it waits for its
    // informer to catch up with its last write: minutes); the product is judged from the bad pod on.
    await waitFor(
      `${name}-1 on the bad image`,
      () => core.readNamespacedPod({ name: `${name}-1`, namespace }),
      (pod) => pod.spec?.containers[0]?.image === CRASHING && !pod.metadata?.deletionTimestamp,
      { timeoutMs: 240_000 },
    );
    const result = await recoveryOf({ kind: 'StatefulSet', namespace, name }).catch(
      async (error: unknown) => {
        // What the kubelet and kwok made of the bad pod, for the failure's reader.
        const pod = await core.readNamespacedPod({ name: `${name}-1`, namespace });
        const seen = { labels: pod.metadata?.labels, node: pod.spec?.nodeName, status: pod.status };
        if (error instanceof Error) error.message += `\n\n${name}-1 now: ${JSON.stringify(seen)}`;
        throw error;
      },
    );
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'rollback' });
    expect(result.actions.join('\n')).toMatch(/evicted db-1 of the bad revision/);
    const st = await ready();
    expect(st.spec?.template.spec?.containers[0]?.image).toBe(GOOD);
  });
}, 480_000);

test('a failing bare pod is reported and left untouched', async () => {
  await withProcessLogs(async () => {
    const pod = await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'lonely' }, spec: { ...placement, containers: [container(CRASHING)] } },
    });
    const result = await recoveryOf(
      { kind: 'Pod', namespace, name: 'lonely' },
      'workload-recovery-reported.json',
    );
    expect(result.outcome).toBe('reported');
    const now = await core.readNamespacedPod({ name: 'lonely', namespace });
    expect(now.metadata?.uid).toBe(pod.metadata?.uid);
  });
}, 240_000);

test('a crash-looping DaemonSet in kube-system is reported, not deleted', async () => {
  await withProcessLogs(async () => {
    const name = `crashy-${runId}`;
    await apps.createNamespacedDaemonSet({
      namespace: 'kube-system',
      body: {
        metadata: { name },
        spec: {
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { ...placement, containers: [container(CRASHING)] },
          },
        },
      },
    });
    const result = await recoveryOf({ kind: 'DaemonSet', namespace: 'kube-system', name });
    expect(result.outcome).toBe('reported');
    expect(result.actions.join('\n')).not.toMatch(/evicted pod|deleted pod|restarted the rollout/);
  });
}, 240_000);

describe('metrics', () => {
  test("the worker's and the detector's metrics count exactly the recoveries that ran, and Prometheus scraped them", async () => {
    expect(results.length).toBeGreaterThan(0);
    const outcomes = new Map<string, number>();
    for (const r of results) outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);

    const startedSamples = await scrape(ports.worker, 'self_healing_recoveries_started_total');
    expect(total(startedSamples, { kind: 'workload' })).toBe(results.length);
    const finished = await scrape(ports.worker, 'self_healing_recoveries_finished_total');
    for (const [outcome, count] of outcomes)
      expect([outcome, total(finished, { kind: 'workload', outcome })]).toEqual([outcome, count]);
    expect(total(finished)).toBe(results.length);
    const durations = await scrape(ports.worker, 'self_healing_recovery_duration_seconds_count');
    expect(total(durations, { kind: 'workload' })).toBe(results.length);
    // Every recovery started from a confirmed finding of the detector's.
    const findings = await scrape(ports.detector, 'self_healing_detector_findings_total');
    expect(total(findings)).toBeGreaterThanOrEqual(results.length);
    // The worker's Kubernetes calls, by verb: the rollbacks patched, the reads got.
    const calls = await scrape(ports.worker, 'self_healing_kubernetes_requests_total');
    expect(total(calls, { verb: 'patch' })).toBeGreaterThan(0);
    expect(total(calls, { verb: 'get', code: '200' })).toBeGreaterThan(0);
    // The Temporal SDK's own worker metrics, on their port.
    expect((await scrape(ports.temporal, 'temporal_workflow_completed_total')).length).toBeGreaterThan(0);

    // The lab's Prometheus sees the same numbers (it scrapes every 2 s).
    const run = `run="workload-e2e-${runId}"`;
    await waitFor(
      'Prometheus to scrape the final counts',
      () => promQuery(`sum(self_healing_recoveries_finished_total{${run}})`),
      (series) => series[0]?.value === results.length,
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );
    const up = await promQuery(`up{${run}}`);
    expect(up.map((s) => [s.metric.job, s.value]).sort()).toEqual([
      ['self-healing-detector', 1],
      ['self-healing-worker', 1],
      ['self-healing-worker-temporal', 1],
    ]);
  });

  test("every query of the four dashboards returns data from the lab's Prometheus after these recoveries", async () => {
    // Rates over the suite's few minutes, as Grafana's $__rate_interval would span a short range.
    const queries = dashboardQueries({ __rate_interval: '10m', __interval: '10m' });
    expect(queries.length).toBeGreaterThan(40);
    const empty: string[] = [];
    for (const q of queries) {
      const series = await promQuery(q.expr);
      if (!series.some((s) => Number.isFinite(s.value))) empty.push(`${q.dashboard} / ${q.panel}: ${q.expr}`);
    }
    expect(empty).toEqual([]);
  });
});
