/**
 * Service recovery: the Service a recovery is for, the conventions an operator declares on it
 * (dependencies, the connectivity check, failover, scaling), what its recovery takes and returns.
 * Plain data that crosses Temporal's wire as JSON; the parsing here is pure.
 */
import type { Duration } from '@temporalio/common';
import type { AnalysisType } from './analysis/finding';
import type { HumanLoopPolicy } from './notification';
import type { WorkloadRecoveryPolicy, WorkloadTarget } from './workload-recovery';

export interface ServiceTarget {
  namespace: string;
  name: string;
}

/** `Service/shop/web`: the recovery's target name and the tail of its workflow ID. */
export const serviceTargetKey = (s: ServiceTarget): string => `Service/${s.namespace}/${s.name}`;

/** `shop/web`, as people and annotations name a Service. */
export const serviceName = (s: ServiceTarget): string => `${s.namespace}/${s.name}`;

/**
 * The annotations an operator puts on a Service (docs/services.md), and the one the product writes
 * (`failoverActive`).
 */
export const ServiceAnnotations = {
  /** Services this one depends on: `db, cache, auth/tokens` (a bare name is in the same namespace). */
  dependsOn: 'self-healing.temporal.io/depends-on',
  /**
   * The connectivity check's HTTP path on every endpoint (default: config `service.check_path`).
   * Any of the three check annotations opts the Service in to HTTP checks.
   */
  checkPath: 'self-healing.temporal.io/check-path',
  /** The check's timeout in seconds (default: config `service.check_timeout`). */
  checkTimeout: 'self-healing.temporal.io/check-timeout',
  /** Expected status: a code (`200`) or a class (`2xx`) (default: config `service.check_status`). */
  checkStatus: 'self-healing.temporal.io/check-status',
  /** Failover: the equality selector of the primary's pods (`app=db,role=primary`). */
  failoverPrimary: 'self-healing.temporal.io/failover-primary',
  /** Failover: the equality selector of the secondary's pods. */
  failoverSecondary: 'self-healing.temporal.io/failover-secondary',
  /** Written by the product: `primary` or `secondary`, with the switch recorded in an Event. */
  failoverActive: 'self-healing.temporal.io/failover-active',
  /** Written by the product with each switch: `<workflowId>#<step>`, so a retried switch finds it done. */
  failoverSwitchedBy: 'self-healing.temporal.io/failover-switched-by',
  /** Scaling opted in: `true`, or bounds `min=1,max=10` (defaults: config `service.min_replicas`/`max_replicas`). */
  scaling: 'self-healing.temporal.io/scaling',
} as const;

/** Why the detector started a Service's recovery (besides the analysis' performance findings). */
export const ServiceFailureReasons = ['NoReadyEndpoints', 'ConnectivityFailed'] as const;
export type ServiceFailureReason = (typeof ServiceFailureReasons)[number];

export type Selector = Record<string, string>;

/** Which HTTP statuses the check accepts, inclusive. */
export interface StatusRange {
  min: number;
  max: number;
}

export interface ConnectivityCheck {
  path: string;
  timeoutMs: number;
  status: StatusRange;
}

export interface FailoverSpec {
  primary: Selector;
  secondary: Selector;
}

export interface ScalingBounds {
  min: number;
  max: number;
}

/** What the annotations of one Service declare, once parsed. */
export interface ServiceSpec {
  dependencies: ServiceTarget[];
  /**
   * The HTTP check, when the Service opted in (any of the check annotations): many Services do not
   * speak HTTP (databases, DNS, gRPC), so without it a Service is judged by its ready endpoints.
   */
  check?: ConnectivityCheck;
  failover?: FailoverSpec;
  scaling?: ScalingBounds;
}

/**
 * The part of the configuration a Service recovery follows, snapshotted when it starts (config
 * `service.*`; the restart strategy's attempts and interval are the design's 3 and 30 s).
 */
export interface ServiceRecoveryPolicy {
  dryRun: boolean;
  restartAttempts: number;
  restartInterval: Duration;
  /** Verified only when status, connectivity, performance and dependencies hold this long. */
  stableWindow: Duration;
  /** How long a dependency's or a workload's recovery, or verification, may take. */
  recoveryTimeout: Duration;
  approvalTimeout: Duration;
  /** Service recoveries acting at once, cluster-wide (the `services` disruption budget). */
  maxConcurrent: number;
  scaling: {
    /** Load per ready replica above which the Service is under load (the `service.load_query` unit). */
    upThreshold: number;
    /** Load per ready replica below which it is over-provisioned. */
    downThreshold: number;
    /** No second change of replicas within this long of the last one. */
    cooldown: Duration;
    /** After scaling up, how long the load is watched to give the replicas back. */
    watchFor: Duration;
  };
  /** Failover: the primary must stay healthy this long before traffic goes back to it. */
  failoverStableWindow: Duration;
  /** The workload recoveries a Service recovery starts for its own workload follow this. */
  workload: WorkloadRecoveryPolicy;
  humans?: HumanLoopPolicy;
}

export interface ServiceRecoveryInput {
  service: ServiceTarget;
  reason: ServiceFailureReason | AnalysisType;
  message?: string;
  /** ISO-8601 time the failure was confirmed by the detector. */
  detectedAt: string;
  policy: ServiceRecoveryPolicy;
  /** The Services whose recoveries asked for this one, outermost first (dependency recovery). */
  requestedBy?: string[];
}

/** The strategies a Service recovery chooses among. */
export const ServiceStrategies = [
  'dependencies',
  'workload',
  'restart',
  'scale',
  'failover',
  'report',
] as const;
export type ServiceStrategy = (typeof ServiceStrategies)[number];

/**
 * How a Service recovery ended:
 * - `recovered`: verified healthy (status, connectivity, performance, dependencies) after our action;
 * - `healed`: healthy again before anything was done;
 * - `gone`: the Service was deleted; `skipped`: opted out, a bad annotation, or dry-run;
 * - `stopped`: someone else changed what we were changing; we stepped back;
 * - `reported`: nothing we may safely do (a dependency cycle, no workload behind the Service, an
 *   HPA-managed workload under load): handed to humans;
 * - `escalated`: what we tried did not help, or could not be done.
 */
export type ServiceRecoveryOutcome =
  'recovered' | 'healed' | 'gone' | 'skipped' | 'stopped' | 'reported' | 'escalated';

export interface ServiceRecoveryResult {
  service: ServiceTarget;
  outcome: ServiceRecoveryOutcome;
  strategy?: ServiceStrategy;
  /** Dependencies recovered first, by Service key, with each one's outcome. */
  dependencies?: Record<string, ServiceRecoveryOutcome>;
  actions: string[];
}

/** Re-exported for the activities' request types. */
export type { WorkloadTarget };
