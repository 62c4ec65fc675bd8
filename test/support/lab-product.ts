/**
 * The product as an end-to-end suite runs it on the lab: a run of its own (task queue, namespaces,
 * config ConfigMap), nodes of its own (labelled and tainted for the run, so other suites' failing
 * nodes never host its pods), the worker and the detector as processes, and the cleanup of all of
 * it. New suites use this; the older ones still set themselves up (a known duplication).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { registerSearchAttributes } from '../../src/starter/register-search-attributes';
import { conditionOf, createSimNode, loadLabKubeConfig, readNodeOrUndefined, waitFor } from '../../tools/sim';
import { devServerAddress } from './lab';
import { announceTargets, freePort, prometheusUrl, withdrawTargets } from './metrics';
import type { ProductProcess } from './processes';
import {
  buildProduct,
  removeBuild,
  startProductProcess,
  stopAllProductProcesses,
  waitForWorkerPolling,
} from './processes';

export interface LabProduct {
  runId: string;
  taskQueue: string;
  /** The namespace the suite's objects go in. */
  namespace: string;
  kc: KubeConfig;
  client: Client;
  worker: ProductProcess;
  detector: ProductProcess;
  /** Pod spec fields that put a pod on the run's own nodes. */
  placement: {
    nodeSelector: Record<string, string>;
    tolerations: { key: string; operator: string; value: string; effect: string }[];
  };
  /** Workflows to terminate at the end (recoveries the suite waited for, budgets). */
  cleanup: Set<string>;
  /** Runs a test body; on failure, adds what the product processes said. */
  withProcessLogs(body: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the product for a suite called `suite`: `config` becomes its ConfigMap (Prometheus' URL
 * added for the analysis), `nodes` nodes of its own are created Ready.
 */
export async function startLabProduct(
  suite: string,
  config: Record<string, string>,
  nodes = 2,
): Promise<LabProduct> {
  const runId = randomUUID().slice(0, 8);
  const taskQueue = `${suite}-${runId}`;
  const namespace = `${suite}-${runId}`;
  const configNamespace = `${suite}-config-${runId}`;
  const runLabel = `${suite}.self-healing.test/run`;
  const ownNodes = Array.from({ length: nodes }, (_, i) => `${suite}-${runId}-${i}`);
  const logDir = mkdtempSync(path.join(tmpdir(), `${suite}-${runId}-`));
  const kc = loadLabKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const connection = await Connection.connect({ address: devServerAddress() });
  const client = new Client({ connection });
  await registerSearchAttributes(connection, 'default');
  for (const name of [namespace, configNamespace])
    await core.createNamespace({ body: { metadata: { name } } });
  await createOwnNodes(kc, ownNodes, runLabel, runId);
  await core.createNamespacedConfigMap({
    namespace: configNamespace,
    body: {
      metadata: { name: 'self-healing-config' },
      data: { 'analysis.prometheus_url': prometheusUrl(), ...config },
    },
  });
  const buildDir = buildProduct(runId);
  const ports = { worker: await freePort(), temporal: await freePort(), detector: await freePort() };
  const env = {
    TEMPORAL_ADDRESS: devServerAddress(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    KUBECONFIG: process.env.KUBECONFIG ?? '',
    SELF_HEALING_CONFIG_NAME: 'self-healing-config',
    SELF_HEALING_CONFIG_NAMESPACE: configNamespace,
    TEMPORAL_METRICS_PORT: String(ports.temporal),
  };
  const start = (entrypoint: 'worker' | 'detector', port: number) =>
    startProductProcess({
      buildDir,
      entrypoint,
      name: entrypoint,
      logDir,
      env: { ...env, METRICS_PORT: String(port) },
    });
  const worker = start('worker', ports.worker);
  const detector = start('detector', ports.detector);
  announceTargets(taskQueue, [
    { job: 'self-healing-worker', port: ports.worker },
    { job: 'self-healing-worker-temporal', port: ports.temporal },
    { job: 'self-healing-detector', port: ports.detector },
  ]);
  await detector.waitForOutput(/"message":"detector started"/);
  await waitForWorkerPolling(client, taskQueue, worker);

  const cleanup = new Set<string>();
  return {
    runId,
    taskQueue,
    namespace,
    kc,
    client,
    worker,
    detector,
    placement: {
      nodeSelector: { [runLabel]: runId },
      tolerations: [{ key: runLabel, operator: 'Equal', value: runId, effect: 'NoSchedule' }],
    },
    cleanup,
    async withProcessLogs(body) {
      try {
        await body();
      } catch (error) {
        const logs = [worker, detector].map((p) => `--- ${p.name}, ${p.logPath}:\n${p.tail(40)}`).join('\n');
        if (error instanceof Error) error.message = `${error.message}\n\nproduct processes:\n${logs}`;
        throw error;
      }
    },
    async stop() {
      withdrawTargets(taskQueue);
      await stopAllProductProcesses();
      removeBuild(buildDir);
      for (const workflowId of cleanup) {
        await client.workflow
          .getHandle(workflowId)
          .terminate(`${suite} cleanup`)
          .catch((error: unknown) => {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
          });
      }
      for (const name of [namespace, configNamespace])
        await core.deleteNamespace({ name }).catch(() => undefined);
      for (const name of ownNodes) await core.deleteNode({ name }).catch(() => undefined);
      await connection.close();
    },
  };
}

/** Creates simulated nodes labelled and tainted for one run, and waits for them to be Ready. */
export async function createOwnNodes(
  kc: KubeConfig,
  names: string[],
  runLabel: string,
  runId: string,
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  for (const name of names) {
    await createSimNode(kc, name);
    await core.patchNode(
      {
        name,
        body: {
          metadata: { labels: { [runLabel]: runId } },
          spec: { taints: [{ key: runLabel, value: runId, effect: 'NoSchedule' }] },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  await waitFor(
    `nodes ${names.join(', ')} Ready`,
    () => Promise.all(names.map((name) => readNodeOrUndefined(kc, name))),
    (found) => found.every((n) => conditionOf(n, 'Ready')?.status === 'True'),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}
