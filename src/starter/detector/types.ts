/** The detector's public shapes: its options, its events, its stats, and how it reaches Temporal. */
import type { Client } from '@temporalio/client';
import type {
  DetectorKubernetes,
  InformerStats,
  KubeConfig,
  ObjectRef,
} from '../../activities/kubernetes/watch';
import type { ConfigSource } from '../../config/config-source';
import type { AnalysisFinding, AnalysisTarget } from '../../domain/analysis';
import type {
  Evidence,
  NodeFailureReason,
  NodeRecoveryInput,
  PodFailureReason,
  ServiceFailureReason,
  ServiceRecoveryInput,
  ServiceTarget,
  WorkloadRecoveryInput,
  WorkloadTarget,
} from '../../domain';
import type { Logger } from '../../logging';
import type { Clock } from './clock';
import type { StormState } from './rules';
import type { EndpointCheck } from '../../activities/service/http-check';
import type { ServiceDetectorEvent, ServiceSourceStats } from './service-types';

export type { ServiceDetectorEvent, ServiceRecoveryStartRecord, ServiceSourceStats } from './service-types';

/** How the detector starts and informs recoveries; Temporal in production, a fake in unit tests. */
export interface RecoveryGateway {
  /**
   * Starts the recovery or adds evidence to the running one; declines (`declined: 'stopped-by-person'`)
   * when the node's latest recovery ended `Stopped` during this failure episode (since
   * `episodeSince`, epoch ms): a person took the node back, and a restarted detector must not fight them.
   */
  start(
    input: NodeRecoveryInput,
    episodeSince: number,
  ): Promise<{ workflowId: string; runId: string; declined?: 'stopped-by-person' }>;
  /** Signals evidence to the node's recovery; `not-found` when none runs. */
  signal(node: string, evidence: Evidence): Promise<'signalled' | 'not-found'>;
  /**
   * Starts the workload's recovery (`workload-recovery/<Kind>/<ns>/<name>`), or adds the evidence of
   * `input.pod` to the running one: signal-with-start.
   */
  startWorkload(input: WorkloadRecoveryInput): Promise<{ workflowId: string; runId: string }>;
  /** Signals evidence (about one pod, or `Ready`) to the workload's recovery; `not-found` when none runs. */
  signalWorkload(workload: WorkloadTarget, evidence: Evidence): Promise<'signalled' | 'not-found'>;
}

/** The service source's way to Temporal (./gateway.ts in production). */
export interface ServiceGateway {
  /** Starts the Service's recovery (`service-recovery/<ns>/<name>`), or adds evidence to the running one. */
  startService(input: ServiceRecoveryInput): Promise<{ workflowId: string; runId: string }>;
  /** Signals evidence (a failed check, or `Ready`) to the Service's recovery; `not-found` when none runs. */
  signalService(service: ServiceTarget, evidence: Evidence): Promise<'signalled' | 'not-found'>;
}

/**
 * Where the detector's own analysis findings go (a zone lost together, volume trouble from
 * Events): routed alerts, one per rule and target, in production (./alert-gateway.ts). Calls
 * must not throw; the detector calls `alert` once per finding episode and `cleared` once after it.
 */
export interface AnalysisAlerts {
  alert(finding: AnalysisFinding): void;
  cleared(rule: string, target: AnalysisTarget): void;
}

/** Timing of one started workload recovery; detection overhead = resolvedAt − firedAt. */
export interface WorkloadRecoveryStartRecord {
  /** `Deployment/shop/web`. */
  workload: string;
  /** The pod whose confirmed failure started it. */
  pod: string;
  reason: PodFailureReason;
  workflowId: string;
  runId: string;
  /**
   * When the rule fired: the pod's failure was confirmed (its confirmation window elapsed, however
   * late the timer ran). Kept by the retries of a failed start, as `windowElapsedAt` is for nodes.
   */
  firedAt: string;
  /** When `startWorkloadRecovery` resolved. */
  resolvedAt: string;
  overheadMs: number;
}

/** Timing of one started recovery; detection overhead = resolvedAt − windowElapsedAt. */
export interface RecoveryStartRecord {
  node: string;
  reason: NodeFailureReason;
  workflowId: string;
  runId: string;
  /** When the confirmation window elapsed (pressure: when the pressure was seen). */
  windowElapsedAt: string;
  /** When the detector acted on it (the timer fired, or the event arrived). */
  actedAt: string;
  /** When `startNodeRecovery` resolved. */
  resolvedAt: string;
  overheadMs: number;
}

/** Something the detector did or decided, for tests, metrics and the storm signal. */
export type DetectorEvent =
  | { type: 'recovery-started'; record: RecoveryStartRecord }
  | { type: 'recovery-start-failed'; node: string; reason: NodeFailureReason; error: string }
  /** Not started: a person stopped the node's recovery `runId` during this failure episode. */
  | { type: 'recovery-declined'; node: string; reason: NodeFailureReason; workflowId: string; runId: string }
  | {
      type: 'finding-suppressed';
      node: string;
      reason: NodeFailureReason;
      why: 'opted-out' | 'storm';
      detail: string;
    }
  | {
      type: 'evidence-signalled';
      node: string;
      evidence: Evidence;
      outcome: 'signalled' | 'not-found' | 'failed';
    }
  | { type: 'workload-recovery-started'; record: WorkloadRecoveryStartRecord }
  | {
      type: 'workload-recovery-start-failed';
      workload: string;
      pod: string;
      reason: PodFailureReason;
      error: string;
    }
  /** A pod's confirmed failure not remediated: the pod, its workload or its namespace opted out. */
  | {
      type: 'finding-suppressed';
      workload: string;
      pod: string;
      reason: PodFailureReason;
      why: 'opted-out';
      detail: string;
    }
  /** Evidence to a workload's recovery: another failing pod, a more specific reason, or `Ready`. */
  | {
      type: 'workload-evidence-signalled';
      workload: string;
      evidence: Evidence;
      outcome: 'signalled' | 'not-found' | 'failed';
    }
  /** A failure that cleared within its confirmation window: nothing started (a flap). */
  | {
      type: 'flap-suppressed';
      kind: 'node' | 'workload' | 'service';
      target: string;
      reason: NodeFailureReason | PodFailureReason | ServiceFailureReason;
    }
  /** `phase`: a storm started, cleared (cooldown begins) or remediation resumed. */
  | { type: 'storm'; phase: 'started' | 'cleared' | 'resumed'; state: StormState }
  | ServiceDetectorEvent;

/** A snapshot of the detector's state. */
export interface DetectorStats {
  running: boolean;
  /** The first LIST of nodes is done; before that nothing is reported. */
  synced: boolean;
  nodes: number;
  /** Nodes in an unhealthy episode. */
  unhealthy: { node: string; reason: NodeFailureReason; since: string; reported: boolean }[];
  storm: StormState & { blocking: boolean };
  starts: { calls: number; failures: number };
  signals: { signalled: number; notFound: number; failures: number };
  suppressed: { optedOut: number; storm: number };
  /** The most recent started recoveries (at most {@link MAX_RECORDS}), oldest first. */
  recoveries: RecoveryStartRecord[];
  informer: InformerStats;
  /** The pod source; absent when the detector watches nodes only. */
  pods?: PodSourceStats;
  /** The storage source (Warning Events); absent when it does not run. */
  storage?: StorageSourceStats;
  /** The service source; absent when it does not run. */
  services?: ServiceSourceStats;
}

/** A snapshot of the storage source. */
export interface StorageSourceStats {
  /** Targets with a storage alert open. */
  firing: number;
  /** Alerts raised and cleared since start. */
  alerts: number;
  cleared: number;
  informer: InformerStats;
}

/** A snapshot of the pod source. */
export interface PodSourceStats {
  /** The first LISTs of pods, ReplicaSets and Namespaces are done. */
  synced: boolean;
  cached: { pods: number; replicaSets: number; namespaces: number };
  /** Pods in an unhealthy episode (confirmed or not yet). */
  unhealthyPods: number;
  /** Workloads with a confirmed failing pod. */
  unhealthy: { workload: string; pods: string[]; reason: PodFailureReason; started: boolean }[];
  starts: { calls: number; failures: number };
  signals: { signalled: number; notFound: number; failures: number };
  suppressed: { optedOut: number };
  /** The most recent started workload recoveries (at most {@link MAX_RECORDS}), oldest first. */
  recoveries: WorkloadRecoveryStartRecord[];
  informers: { pods: InformerStats; replicaSets: InformerStats; namespaces: InformerStats };
}

/** The sources a detector may host; `events` reads Warning Events for the storage rule. */
export const DetectorSources = ['nodes', 'pods', 'events', 'services'] as const;
export type DetectorSource = (typeof DetectorSources)[number];

/** How many {@link RecoveryStartRecord}s are kept. */
export const MAX_RECORDS = 1_000;

/** Backoff of a failed `startNodeRecovery` (or `startWorkloadRecovery`) while the target stays unhealthy. */
export const START_RETRY = { initialMs: 1_000, maxMs: 60_000 } as const;

/** Inputs of {@link createDetector}. Give `kubeConfig` or `kubernetes`, and `client` + `taskQueue` or `recoveries`. */
export interface DetectorOptions {
  kubeConfig?: KubeConfig;
  /** The Kubernetes adapter; built from `kubeConfig` when absent (share one with the config source). */
  kubernetes?: DetectorKubernetes;
  client?: Client;
  taskQueue?: string;
  /** Replaces the Temporal calls (unit tests). */
  recoveries?: RecoveryGateway;
  /** Replaces the service source's Temporal calls. @default over `client` + `taskQueue` */
  serviceRecoveries?: ServiceGateway;
  /** The service source's check of one endpoint. @default `checkEndpoint`, HTTP (src/activities/service/http-check.ts) */
  endpointCheck?: EndpointCheck;
  /**
   * Where zone-loss and storage findings go.
   * @default routed alerts over `client` + `taskQueue`; only logged without them
   */
  alerts?: AnalysisAlerts;
  configSource: ConfigSource;
  /** @default systemClock */
  clock?: Clock;
  /** @default jsonLogger() on stderr */
  logger?: Logger;
  /**
   * The object storm alerts are recorded on as Events (a storm concerns no single node).
   * @default the ConfigMap self-healing/self-healing-config
   */
  alertTarget?: ObjectRef;
  /**
   * The sources to run. `pods` needs an adapter with `podSourceInformers`, `events` one with
   * `warningEventInformer`, `services` one with `serviceSourceInformers` and a service gateway.
   * @default ['nodes', 'pods', 'events', 'services'] (those the adapter has informers for)
   */
  sources?: readonly DetectorSource[];
}

/** A running detector. */
export interface Detector {
  /** Starts the informers; resolves after the first LISTs have been judged. */
  start(): Promise<void>;
  /** Stops the informer and every timer; waits for calls in flight. */
  stop(): Promise<void>;
  stats(): DetectorStats;
  /** @returns unsubscribe. */
  subscribe(listener: (event: DetectorEvent) => void): () => void;
}
