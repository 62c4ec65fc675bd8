/** Worker entrypoint: reads the environment, connects to Temporal and Kubernetes, runs until signalled. */
import { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createTemporalBudget } from '../activities/budget';
import { createKubernetesCluster } from '../activities/kubernetes/cluster';
import { createApiLimiter } from '../activities/kubernetes/limiter';
import { createNodeProvider } from '../activities/kubernetes/node-providers';
import { createEventNotifier } from '../activities/notifier';
import { loadEnv } from '../config/env';
import { defaultRecoveryConfig } from '../config/recovery-config';
import { connectionOptions } from './connect';
import { createWorker } from './create-worker';

async function main(): Promise<void> {
  const env = loadEnv(process.env);
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } } });
  const kubeConfig = new KubeConfig();
  if (env.KUBECONFIG) kubeConfig.loadFromFile(env.KUBECONFIG);
  else kubeConfig.loadFromDefault();

  // One limiter for every Kubernetes call this worker makes (the design's 10 concurrent operations).
  const limiter = createApiLimiter({
    maxConcurrency: defaultRecoveryConfig.api_max_concurrency,
    qps: defaultRecoveryConfig.api_qps,
  });
  const cluster = createKubernetesCluster(kubeConfig, {
    limiter,
    optOutLabel: defaultRecoveryConfig.opt_out_label,
  });

  const options = await connectionOptions(env);
  const nativeConnection = await NativeConnection.connect(options);
  const connection = await Connection.connect(options);
  try {
    const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      activities: createActivities({
        cluster,
        notifier: createEventNotifier(cluster),
        nodeProvider: (name) => createNodeProvider(name, kubeConfig, { limiter }),
        budget: createTemporalBudget(client, env.TEMPORAL_TASK_QUEUE),
      }),
    });
    // The SDK shuts down gracefully on SIGINT/SIGTERM (shutdownGraceTime); a second signal forces exit.
    await worker.run();
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
