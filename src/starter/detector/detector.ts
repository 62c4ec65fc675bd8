/**
 * The detector: a list+watch informer on Nodes feeding the pure rules (./rules.ts), one timer per
 * unhealthy node, the storm guard, and the calls that start or inform node recoveries.
 *
 * - Ready False/Unknown: a timer fires when the episode has lasted the confirmation window
 *   (`node_failure_threshold × health_check_interval`), counted from the Ready condition's
 *   lastTransitionTime, so a restarted detector does not start counting again. Ready again
 *   before that cancels it: a flapping node never triggers.
 * - MemoryPressure/DiskPressure True: reported at once. The kubelet already applies hysteresis
 *   (eviction-pressure-transition-period, 5 min by default), so waiting longer only delays relief.
 * - Every finding becomes `startNodeRecovery` (signal-with-start, ID `node-recovery/<node>`): a
 *   repeated detection adds evidence to the recovery already running. A node that is healthy
 *   again (or deleted) after this process started its recovery gets one evidence signal.
 * - The storm guard holds back every new node remediation while too many nodes fail at once.
 *
 * Temporal calls: one per finding and one per recovered node; nothing periodic.
 */
import { createDetectorKubernetes } from '../../activities/kubernetes/watch';
import { jsonLogger } from '../../logging';
import { systemClock } from './clock';
import { temporalRecoveryGateway } from './gateway';
import { NodeDetector } from './node-detector';
import type { Detector, DetectorOptions } from './types';

export type * from './types';
export { MAX_RECORDS, START_RETRY } from './types';
export { temporalRecoveryGateway } from './gateway';

/**
 * Creates the detector.
 * @throws TypeError when neither `kubeConfig` nor `kubernetes`, or neither `client`+`taskQueue`
 *   nor `recoveries`, is given.
 */
export function createDetector(options: DetectorOptions): Detector {
  const logger = options.logger ?? jsonLogger();
  const kubernetes =
    options.kubernetes ??
    (options.kubeConfig ? createDetectorKubernetes(options.kubeConfig, logger) : undefined);
  if (!kubernetes) throw new TypeError('createDetector needs kubeConfig or kubernetes');
  const gateway =
    options.recoveries ??
    (options.client && options.taskQueue
      ? temporalRecoveryGateway(options.client, options.taskQueue)
      : undefined);
  if (!gateway) throw new TypeError('createDetector needs client and taskQueue, or recoveries');
  return new NodeDetector({
    kubernetes,
    gateway,
    logger,
    clock: options.clock ?? systemClock,
    configSource: options.configSource,
    alertTarget: options.alertTarget ?? {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      name: 'self-healing-config',
      namespace: 'self-healing',
    },
  });
}
