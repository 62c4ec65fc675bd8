/**
 * Analysis end to end on the lab: the detector (a process) asks the lab's real Prometheus, which
 * scrapes the lab's real HTTP backends. A backend made to fail (its error-rate knob, an object
 * spec) is found by the error-rate threshold rule after its minimum duration, and becomes a routed
 * alert (`analysisAlertWorkflow`) carrying the measured value; when the backend answers again the
 * finding clears and the alert resolves. Prometheus unreachable (the ConfigMap pointed elsewhere)
 * makes the analysis say it is degraded (an Event, the metric) while the watch-based rules go on;
 * a query Prometheus' parser refuses is named in an Event by its key.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { AnalysisAlertResult, RecoveryStatus } from '../../src/domain';
import { registerSearchAttributes } from '../../src/starter/register-search-attributes';
import { analysisAlertWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import { devServerAddress } from '../support/lab';
import { freePort, prometheusUrl, scrape, total } from '../support/metrics';
import type { ProductProcess } from '../support/processes';
import {
  buildProduct,
  removeBuild,
  startProductProcess,
  stopAllProductProcesses,
  waitForWorkerPolling,
} from '../support/processes';
import { createBackend, generateLoad, knobAnnotations, loadLabKubeConfig, waitFor } from '../../tools/sim';

const runId = randomUUID().slice(0, 8);
const taskQueue = `analysis-e2e-${runId}`;
const namespace = `analysis-e2e-${runId}`;
const configNamespace = `analysis-e2e-config-${runId}`;
const logDir = mkdtempSync(path.join(tmpdir(), `analysis-e2e-${runId}-`));
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const byService = (expr: string) => `label_replace(${expr}, "service", "$1", "backend", "(.+)")`;
/** The default error-rate rule over a 10 s window, every 5 s (the defaults' 5 m and 30 s would be slow for a test). */
const errorRateQuery =
  `100 * sum by (namespace, service) (${byService(`rate(lab_backend_http_requests_total{namespace="${namespace}",code=~"5.."}[10s])`)})` +
  ` / sum by (namespace, service) (${byService(`rate(lab_backend_http_requests_total{namespace="${namespace}"}[10s])`)})`;
const config = {
  'analysis.prometheus_url': prometheusUrl(),
  'analysis.interval': '5',
  'analysis.rules': 'error_rate',
  'analysis.error_rate_query': errorRateQuery,
  'analysis.error_rate_for': '5',
};

let kc: KubeConfig;
let core: CoreV1Api;
let connection: Connection;
let client: Client;
let buildDir: string | undefined;
let detector: ProductProcess;
let metricsPort = 0;
let loading = true;
let load: Promise<void> = Promise.resolve();

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  connection = await Connection.connect({ address: devServerAddress() });
  client = new Client({ connection });
  await registerSearchAttributes(connection, 'default');
  for (const name of [namespace, configNamespace])
    await core.createNamespace({ body: { metadata: { name } } });
  await core.createNamespacedConfigMap({
    namespace: configNamespace,
    body: { metadata: { name: 'self-healing-config' }, data: config },
  });
  await createBackend(kc, namespace, 'web', { replicas: 2 });
  // Steady traffic through the Service's endpoints, as clients would send it.
  load = (async () => {
    while (loading)
      await generateLoad(kc, namespace, 'web', { rps: 20, durationMs: 2_000 }).catch(() => undefined);
  })();

  buildDir = buildProduct(runId);
  metricsPort = await freePort();
  const env = {
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    KUBECONFIG: process.env.KUBECONFIG ?? '',
    SELF_HEALING_CONFIG_NAME: 'self-healing-config',
    SELF_HEALING_CONFIG_NAMESPACE: configNamespace,
  };
  const worker = startProductProcess({ buildDir, entrypoint: 'worker', name: 'worker', logDir, env });
  detector = startProductProcess({
    buildDir,
    entrypoint: 'detector',
    name: 'detector',
    logDir,
    env: { ...env, METRICS_PORT: String(metricsPort) },
  });
  await detector.waitForOutput(/"message":"detector started"/);
  await waitForWorkerPolling(client, taskQueue, worker);
}, 240_000);

afterAll(async () => {
  loading = false;
  await load;
  await stopAllProductProcesses();
  if (buildDir) removeBuild(buildDir);
  await client?.workflow
    .getHandle(alertId())
    .terminate('analysis-e2e cleanup')
    .catch((error: unknown) => {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    });
  for (const name of [namespace, configNamespace])
    await core?.deleteNamespace({ name }).catch(() => undefined);
  await connection?.close();
}, 120_000);

function alertId(): string {
  return analysisAlertWorkflowId('error_rate', { kind: 'service', namespace, name: 'web' });
}

async function setErrorRate(errorRate: number): Promise<void> {
  await kc.makeApiClient(AppsV1Api).patchNamespacedDeployment(
    {
      name: 'web',
      namespace,
      body: { spec: { template: { metadata: { annotations: knobAnnotations({ errorRate }) } } } },
    },
    mergePatch,
  );
}

async function configure(data: Record<string, string>): Promise<void> {
  await core.patchNamespacedConfigMap(
    { name: 'self-healing-config', namespace: configNamespace, body: { data } },
    mergePatch,
  );
}

async function eventsWith(reason: string): Promise<string[]> {
  const events = await core.listNamespacedEvent({ namespace: configNamespace });
  return events.items.filter((e) => e.reason === reason).map((e) => e.message ?? '');
}

test('a backend answering 500s is found by the error-rate rule and alerted with its value; the alert resolves when it answers again', async () => {
  // A healthy backend under load starts nothing: two evaluations with data, no finding.
  await waitFor(
    'two evaluations of the healthy backend',
    () => scrape(metricsPort, 'self_healing_analysis_cycles_total'),
    (samples) => total(samples) >= 2,
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
  expect(total(await scrape(metricsPort, 'self_healing_analysis_findings_total'))).toBe(0);
  await expect(client.workflow.getHandle(alertId()).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

  await setErrorRate(1); // a rollout to pods that fail every request
  const handle = client.workflow.getHandle(alertId());
  const status = await waitFor(
    'the error-rate alert',
    () => handle.query(statusQuery),
    (s: RecoveryStatus) => s.phase === 'Detected',
    { timeoutMs: 120_000, intervalMs: 1_000 },
  );
  expect(status).toMatchObject({ kind: 'analysis', target: `service ${namespace}/web` });
  const detection = status.evidence[0];
  expect(detection?.reason).toBe('threshold');
  expect(detection?.message).toMatch(/error_rate|error rate/i);

  await setErrorRate(0); // rolled back: the cause is gone
  const result = (await handle.result()) as AnalysisAlertResult;
  expect(result.outcome).toBe('cleared');
  const found = await scrape(metricsPort, 'self_healing_analysis_findings_total');
  expect(total(found, { type: 'threshold' })).toBe(1);
}, 300_000);

test('Prometheus unreachable: the analysis reports itself degraded, and recovers when it answers again', async () => {
  await configure({ 'analysis.prometheus_url': 'http://127.0.0.1:9' });
  await waitFor(
    'an AnalysisDegraded Event',
    () => eventsWith('AnalysisDegraded'),
    (m) => m.length > 0,
    {
      timeoutMs: 60_000,
    },
  );
  expect(total(await scrape(metricsPort, 'self_healing_analysis_up'))).toBe(0);
  await configure({ 'analysis.prometheus_url': prometheusUrl() });
  await waitFor(
    'an AnalysisRecovered Event',
    () => eventsWith('AnalysisRecovered'),
    (m) => m.length > 0,
    {
      timeoutMs: 60_000,
    },
  );
  expect(total(await scrape(metricsPort, 'self_healing_analysis_up'))).toBe(1);
}, 150_000);

test("a query Prometheus' parser refuses is named by its key in an Event", async () => {
  await configure({ 'analysis.error_rate_query': 'rate(lab_backend_http_requests_total)' });
  const messages = await waitFor(
    'an InvalidConfig Event',
    () => eventsWith('InvalidConfig'),
    (m) => m.some((text) => text.includes('analysis.error_rate_query')),
    { timeoutMs: 60_000 },
  );
  expect(messages.join('\n')).toMatch(/analysis\.error_rate_query.*range vector/s);
}, 90_000);
