/**
 * The detector hosts four sources behind one event hub: nodes (./node-detector.ts), pods
 * (./pod-source.ts, one workload recovery per failing workload; docs/detector.md, "The pod
 * source"), Warning Events (./storage-source.ts, storage alerts; docs/analysis.md) and Services
 * (./service-source.ts, one Service recovery per failing Service). The node source: a list+watch informer on Nodes feeding the pure rules (./rules.ts),
 * one timer per unhealthy node, the storm guard, and the calls that start or inform node recoveries.
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
 * - The storm guard holds back every new node remediation while too many nodes fail at once, or
 *   the nodes of one zone are lost together (one `partition` alert per zone, ./storm-rules.ts).
 *
 * Temporal calls: one per finding and one per recovered node; nothing periodic.
 */
import type { DetectorKubernetes } from '../../activities/kubernetes/watch';
import { createDetectorKubernetes } from '../../activities/kubernetes/watch';
import type { Logger } from '../../logging';
import { jsonLogger } from '../../logging';
import type { ConfigSource } from '../../config/config-source';
import { systemClock } from './clock';
import { EventHub } from './event-hub';
import { temporalRecoveryGateway } from './gateway';
import { loggedAnalysisAlerts, temporalAnalysisAlerts } from './alert-gateway';
import { NodeDetector } from './node-detector';
import { PodSource } from './pod-source';
import { checkEndpoint } from '../../activities/service/http-check';
import { ServiceSource } from './service-source';
import type { StorageSourceDeps } from './storage-source';
import { StorageSource } from './storage-source';
import type {
  AnalysisAlerts,
  Detector,
  DetectorOptions,
  DetectorStats,
  RecoveryGateway,
  ServiceGateway,
} from './types';
import { DetectorSources } from './types';

export type * from './types';
export { DetectorSources, MAX_RECORDS, START_RETRY } from './types';
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
  const gateway = gatewayOf(options);
  if (!gateway) throw new TypeError('createDetector needs client and taskQueue, or recoveries');
  const { configSource } = options;
  const clock = options.clock ?? systemClock;
  const hub = new EventHub(logger);
  const alerts = alertsOf(options, logger);
  const sources = options.sources ?? DetectorSources;
  const nodes = new NodeDetector({
    kubernetes,
    gateway,
    logger,
    clock,
    configSource,
    hub,
    alertTarget: options.alertTarget ?? DEFAULT_ALERT_TARGET,
    alerts,
  });
  const informers = sources.includes('pods')
    ? kubernetes.podSourceInformers?.(optOutLabelKeeper(configSource))
    : undefined;
  const pods = informers && new PodSource({ informers, gateway, logger, clock, configSource, hub });
  const storage = sources.includes('events')
    ? storageSourceOf(kubernetes, { alerts, configSource, clock, logger })
    : undefined;
  const services = sources.includes('services')
    ? serviceSourceOf(kubernetes, options, { logger, clock, configSource, hub })
    : undefined;
  return new HostDetector(
    sources.includes('nodes') ? nodes : undefined,
    nodes,
    { pods, storage, services },
    hub,
  );
}

/** The service source; none without Service informers in the adapter or a way to Temporal. */
function serviceSourceOf(
  kubernetes: DetectorKubernetes,
  options: DetectorOptions,
  deps: Pick<ConstructorParameters<typeof ServiceSource>[0], 'logger' | 'clock' | 'configSource' | 'hub'>,
): ServiceSource | undefined {
  const gateway = serviceGatewayOf(options);
  const informers = gateway && kubernetes.serviceSourceInformers?.(optOutLabelKeeper(deps.configSource));
  if (!gateway || !informers) return undefined;
  const endpointCheck = options.endpointCheck ?? checkEndpoint;
  return new ServiceSource({ informers, gateway, events: kubernetes.events, endpointCheck, ...deps });
}

function serviceGatewayOf(options: DetectorOptions): ServiceGateway | undefined {
  if (options.serviceRecoveries) return options.serviceRecoveries;
  if (options.client && options.taskQueue) return temporalRecoveryGateway(options.client, options.taskQueue);
  return undefined;
}

/** The storage source over the adapter's Warning Events; none when the adapter has no such informer. */
function storageSourceOf(
  kubernetes: DetectorKubernetes,
  deps: Omit<StorageSourceDeps, 'informer'>,
): StorageSource | undefined {
  const informer = kubernetes.warningEventInformer?.();
  return informer && new StorageSource({ informer, ...deps });
}

function gatewayOf(options: DetectorOptions): RecoveryGateway | undefined {
  if (options.recoveries) return options.recoveries;
  if (options.client && options.taskQueue) return temporalRecoveryGateway(options.client, options.taskQueue);
  return undefined;
}

function alertsOf(options: DetectorOptions, logger: Logger): AnalysisAlerts {
  if (options.alerts) return options.alerts;
  const { client, taskQueue, configSource } = options;
  if (client && taskQueue) return temporalAnalysisAlerts({ client, taskQueue, configSource, logger });
  return loggedAnalysisAlerts(logger);
}

const DEFAULT_ALERT_TARGET = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  name: 'self-healing-config',
  namespace: 'self-healing',
} as const;

/** Keeps, of a pod's, ReplicaSet's or Service's labels, only the opt-out label in force. */
function optOutLabelKeeper(configSource: ConfigSource): (key: string) => boolean {
  return (key) => key === configSource.current().opt_out_label;
}

/** The sources behind one {@link Detector}. */
class HostDetector implements Detector {
  constructor(
    /** The node source when it runs. */
    private readonly running: NodeDetector | undefined,
    /** The node source, for its stats even when it does not run. */
    private readonly nodes: NodeDetector,
    private readonly others: { pods?: PodSource; storage?: StorageSource; services?: ServiceSource },
    private readonly hub: EventHub,
  ) {}

  async start(): Promise<void> {
    const { pods, storage, services } = this.others;
    await Promise.all([this.running?.start(), pods?.start(), storage?.start(), services?.start()]);
  }

  async stop(): Promise<void> {
    const { pods, storage, services } = this.others;
    await Promise.all([this.running?.stop(), pods?.stop(), storage?.stop(), services?.stop()]);
  }

  stats(): DetectorStats {
    const { pods, storage, services } = this.others;
    return {
      ...this.nodes.stats(),
      ...(pods ? { pods: pods.stats() } : {}),
      ...(storage ? { storage: storage.stats() } : {}),
      ...(services ? { services: services.stats() } : {}),
    };
  }

  subscribe(listener: Parameters<Detector['subscribe']>[0]): () => void {
    return this.hub.subscribe(listener);
  }
}
