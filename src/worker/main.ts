/**
 * Worker entrypoint: reads the environment, connects to Temporal and Kubernetes, keeps the config
 * live from the ConfigMap, runs until signalled.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createTemporalBudget } from '../activities/budget';
import { createClusterConfigSource } from '../activities/kubernetes/live-config-source';
import { createDetectorKubernetes, loadKubeConfig } from '../activities/kubernetes/watch';
import { loadEnv } from '../config/env';
import { loadMetricsEnv } from '../config/metrics-env';
import { observeKubernetesCalls } from '../activities/kubernetes/api-metrics';
import { observeDeliveries } from '../activities/notify/delivery-metrics';
import { createMetricsRegistry, kubernetesCallMetrics, recoveryMetricsSinks } from '../metrics';
import { addressFree, startMetricsEndpoint } from '../metrics/server';
import { deliveryMetrics } from '../metrics/notifications';
import { describeNotifyEnv, loadNotifyEnv } from '../config/notify-env';
import { jsonLogger } from '../logging';
import { connectionOptions } from '../config/connection';
import { createWorker } from './create-worker';
import { createNotificationChannels } from './notification-channels';
import { WORKER_COMPONENT, createLiveAdapters } from './live-config';

async function main(): Promise<void> {
  const env = loadEnv(process.env);
  // Checked before anything starts: a channel switched on without its credentials stops the worker.
  const notifyEnv = loadNotifyEnv(process.env);
  const metricsEnv = loadMetricsEnv(process.env, 'worker');
  const logger = jsonLogger();
  const temporalMetrics =
    metricsEnv.temporalPort > 0 && (await addressFree(metricsEnv.host, metricsEnv.temporalPort));
  if (metricsEnv.temporalPort > 0 && !temporalMetrics)
    logger.error(
      'Temporal SDK metrics not served: the address is taken; set TEMPORAL_METRICS_PORT to a free port',
      {
        address: `${metricsEnv.host}:${metricsEnv.temporalPort}`,
      },
    );
  Runtime.install({
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      // The SDK's own worker metrics (task slots, latencies, polls), in Prometheus' conventions.
      ...(temporalMetrics
        ? {
            metrics: {
              prometheus: {
                bindAddress: `${metricsEnv.host}:${metricsEnv.temporalPort}`,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          }
        : {}),
    },
  });
  const registry = createMetricsRegistry();
  observeKubernetesCalls(kubernetesCallMetrics(registry));
  observeDeliveries(deliveryMetrics(registry));
  const metrics = await startMetricsEndpoint(registry, metricsEnv, logger);
  const kubeConfig = loadKubeConfig(env.KUBECONFIG);

  // The same live config as the detector; read before the first activity, so no call runs under
  // defaults the ConfigMap overrides (an opt-out label, say).
  logger.info('notification channels', describeNotifyEnv(notifyEnv));
  const configSource = createClusterConfigSource(
    createDetectorKubernetes(kubeConfig, logger, WORKER_COMPONENT),
    { name: env.SELF_HEALING_CONFIG_NAME, namespace: env.SELF_HEALING_CONFIG_NAMESPACE },
    logger,
  );
  await configSource.start();
  const adapters = createLiveAdapters(kubeConfig, configSource);
  const { cluster, notifier, routing, nodeProvider, drainConcurrency, optOutLabel } = adapters;

  const options = await connectionOptions(env);
  const nativeConnection = await NativeConnection.connect(options);
  const connection = await Connection.connect(options);
  try {
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      // The API limiter follows api_max_concurrency live; the worker's activity slots at its start.
      activitySlots: configSource.current().api_max_concurrency,
      sinks: recoveryMetricsSinks(registry),
      activities: createActivities({
        cluster,
        workloads: cluster,
        services: cluster,
        serviceConfig: adapters.serviceConfig,
        metricSource: adapters.metricSource,
        optOutLabel,
        notifier,
        routing,
        channels: createNotificationChannels(notifyEnv, env.TEMPORAL_NAMESPACE),
        nodeProvider,
        drainConcurrency,
        budget: createTemporalBudget(client, env.TEMPORAL_TASK_QUEUE),
      }),
    });
    // The SDK shuts down gracefully on SIGINT/SIGTERM (shutdownGraceTime); a second signal forces exit.
    await worker.run();
  } finally {
    await configSource.stop();
    await connection.close();
    await nativeConnection.close();
    await metrics?.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
