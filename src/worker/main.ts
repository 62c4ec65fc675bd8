/** Worker entrypoint: reads the environment, connects to Temporal and Kubernetes, runs until signalled. */
import { KubeConfig } from '@kubernetes/client-node';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createKubernetesCluster } from '../activities/kubernetes/cluster';
import { logNotifier } from '../activities/log-notifier';
import { loadEnv } from '../config/env';
import { connectionOptions } from './connect';
import { createWorker } from './create-worker';

async function main(): Promise<void> {
  const env = loadEnv(process.env);
  Runtime.install({ telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) } } });
  const kubeConfig = new KubeConfig();
  if (env.KUBECONFIG) kubeConfig.loadFromFile(env.KUBECONFIG);
  else kubeConfig.loadFromDefault();

  const connection = await NativeConnection.connect(await connectionOptions(env));
  try {
    const worker = await createWorker({
      connection,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      activities: createActivities({ cluster: createKubernetesCluster(kubeConfig), notifier: logNotifier }),
    });
    // The SDK shuts down gracefully on SIGINT/SIGTERM (shutdownGraceTime); a second signal forces exit.
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`worker: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
