/**
 * Builds a worker that runs the recovery workflows and their activities. Testable: the connection,
 * activities and (optionally) a prebuilt workflow bundle are passed in.
 */
import type { InjectedSinks, NativeConnection, WorkerOptions } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import type { Activities } from '../activities';
import { defaultRecoveryConfig } from '../config/recovery-config';
import { recoveryMetricsSinks } from '../metrics';
import type { RecoveryMetricsSinks } from '../workflows/sinks';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A bundle from `bundleWorkflowCode`; tests build one per suite. Defaults to bundling src/workflows. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Below the pod's termination grace period so in-flight activities can finish. @default '20s' */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /**
   * Activities run at once. Follows config `api_max_concurrency` (read when the worker starts), so
   * raising the API bounds also gives long drains and the quick calls beside them room.
   * @default config default `api_max_concurrency` (10)
   */
  activitySlots?: number;
  /** Where the workflows' metrics go. @default a registry nobody serves */
  sinks?: InjectedSinks<RecoveryMetricsSinks>;
}

/** Path the worker bundles workflows from (works from `src` under ts-jest/swc and from `dist`). */
export const workflowsPath = require.resolve('../workflows');

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  // Bundled here rather than by Worker.create so webpack's chatter stays below the worker's log level.
  const workflowBundle =
    options.workflowBundle ??
    (await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }));
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    sinks: options.sinks ?? recoveryMetricsSinks(new Registry()),
    workflowBundle,
    shutdownGraceTime: options.shutdownGraceTime ?? '20s',
    maxConcurrentActivityTaskExecutions: options.activitySlots ?? defaultRecoveryConfig.api_max_concurrency,
  });
}
