/**
 * Detector entrypoint: `npm run detector`. Reads the environment, connects to Temporal and
 * Kubernetes, keeps the config live from the ConfigMap and runs the detector (nodes, pods, Warning Events, Services) until SIGINT or
 * SIGTERM (a second signal exits at once).
 */
import { Client, Connection } from '@temporalio/client';
import { createClusterConfigSource } from '../activities/kubernetes/live-config-source';
import { createDetectorKubernetes, loadKubeConfig } from '../activities/kubernetes/watch';
import { ConfigError, loadEnv } from '../config/env';
import { loadMetricsEnv } from '../config/metrics-env';
import { observeKubernetesCalls } from '../activities/kubernetes/api-metrics';
import { createMetricsRegistry, kubernetesCallMetrics, registerDetectorMetrics } from '../metrics';
import { errorText, jsonLogger } from '../logging';
import { connectionOptions } from '../config/connection';
import { createDetector } from './detector';
import { stormRelay } from './storm-relay';
import { createAnalysisAlerts } from './analysis-alerts';
import { startMetricsEndpoint } from '../metrics/server';
import { registerAnalysisMetrics } from '../metrics/analysis';

async function main(): Promise<void> {
  const env = loadEnv(process.env);
  const metricsEnv = loadMetricsEnv(process.env, 'detector');
  const logger = jsonLogger();
  const registry = createMetricsRegistry();
  observeKubernetesCalls(kubernetesCallMetrics(registry));
  const kubernetes = createDetectorKubernetes(loadKubeConfig(env.KUBECONFIG), logger);
  const connection = await Connection.connect(await connectionOptions(env));
  const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
  const location = { name: env.SELF_HEALING_CONFIG_NAME, namespace: env.SELF_HEALING_CONFIG_NAMESPACE };
  const configSource = createClusterConfigSource(kubernetes, location, logger);
  const detector = createDetector({
    kubernetes,
    client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    configSource,
    logger,
    alertTarget: configSource.objectRef,
  });

  detector.subscribe(stormRelay(client, env.TEMPORAL_TASK_QUEUE, logger));
  registerDetectorMetrics({ registry, detector, client, taskQueue: env.TEMPORAL_TASK_QUEUE, logger });
  const analysis = createAnalysisAlerts({
    client,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    configSource,
    events: kubernetes.events,
    alertTarget: configSource.objectRef,
    logger,
  });
  registerAnalysisMetrics(registry, () => analysis.stats());
  const metrics = await startMetricsEndpoint(registry, metricsEnv, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('detector stopping', { signal });
    void (async () => {
      await detector.stop();
      await analysis.stop();
      await configSource.stop();
      await connection.close();
      await metrics?.close();
      logger.info('detector stopped');
      process.exit(0);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  // The config comes first: nodes must never be judged against defaults the ConfigMap overrides.
  await configSource.start();
  await detector.start();
  analysis.start();
}

main().catch((error: unknown) => {
  process.stderr.write(`self-healing detector: ${errorText(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
