/** The inputs and typed outcomes of the Service recovery activities, which the workflow branches on. */
import type { AnnotationProblem, Selector, ServiceSpec, ServiceTarget, WorkloadTarget } from '../../domain';

export interface ServiceRequest {
  service: ServiceTarget;
}

/** One address of a Service, from its EndpointSlices. */
export interface ServiceEndpoint {
  /** `10.0.0.7:8080` or `host:port`: what the check dials. */
  address: string;
  ready: boolean;
  /** The pod behind it (the slice's targetRef), when named. */
  pod?: string;
}

/** A Service as its recovery sees it: annotations parsed, endpoints, the workloads behind it. */
export interface ServiceView {
  exists: boolean;
  /** The parsed annotations; absent when `problems` says why not (the Service is then skipped). */
  spec?: ServiceSpec;
  problems?: AnnotationProblem[];
  /** `spec.selector`; empty for a selector-less Service. */
  selector: Selector;
  endpoints: ServiceEndpoint[];
  /** The workloads (tops of owner chains) of the pods behind the Service. */
  workloads: WorkloadTarget[];
  /** Why the Service is opted out (the product's opt-out label on it), if it is. */
  optedOut?: string;
  /** Failover Services: which side `spec.selector` points at now. */
  failoverActive?: 'primary' | 'secondary';
}

/** The connectivity check over every ready endpoint (bounded concurrency). */
export interface ConnectivityResult {
  checked: number;
  passed: number;
  /** `10.0.0.7:8080: HTTP 503` / `...: timeout after 2000 ms`; no ready endpoint is a failure too. */
  failures: string[];
}

/** Status and connectivity together: what "healthy" means for a dependency or a Service. */
export interface ServiceHealth {
  exists: boolean;
  healthy: boolean;
  readyEndpoints: number;
  /** Why it is not healthy, in one line (empty when healthy). */
  why: string;
}

/**
 * The Service's performance now, from the metric source (the analysis' response_time and
 * error_rate queries and thresholds, and `service.load_query`). A reading with no data is absent,
 * not a breach.
 */
export interface PerformanceReading {
  responseTimeMs?: number;
  errorRatePercent?: number;
  /** Requests per second (the throughput the design checks). */
  throughput?: number;
  /** `service.load_query` divided by the ready replicas: what the scaling thresholds compare. */
  loadPerReplica?: number;
  /** Thresholds exceeded: `response time 1200 ms > 500 ms`. Empty when within thresholds. */
  breaches: string[];
  /** False when the metric source could not be reached: nothing was judged. */
  available: boolean;
}

/** Pods an equality selector matches in a namespace (failover's primary or secondary side). */
export interface SelectorRequest {
  namespace: string;
  selector: Selector;
}

export interface SelectorHealth {
  pods: number;
  ready: number;
  workloads: WorkloadTarget[];
}

export interface SwitchRequest {
  service: ServiceTarget;
  to: 'primary' | 'secondary';
  selector: Selector;
  /** Names the switch within the run: a retried activity finds it done. */
  step: string;
  dryRun: boolean;
}

export type SwitchResult =
  | { outcome: 'done' | 'dry-run'; detail: string }
  | { outcome: 'gone'; detail: string }
  /** Someone else changed `spec.selector` to something that is neither side: we step back. */
  | { outcome: 'changed'; detail: string };

/** A workload's replicas, for scaling. */
export interface ScaleView {
  exists: boolean;
  replicas: number;
  ready: number;
  /** The HorizontalPodAutoscaler that manages it: scaling is then its, not ours. */
  hpa?: string;
  /** ISO-8601 time of the product's last change of its replicas (cooldown across recoveries). */
  lastScaledAt?: string;
}

export interface ScaleRequest {
  workload: WorkloadTarget;
  /** The replicas the workflow read: anything else means someone else scaled it. */
  from: number;
  replicas: number;
  step: string;
  dryRun: boolean;
}

export type ScaleResult =
  | { outcome: 'done' | 'dry-run'; detail: string }
  | { outcome: 'gone'; detail: string }
  | { outcome: 'changed'; detail: string }
  /** An HPA manages it (or it has no replicas to set): said why. */
  | { outcome: 'refused'; detail: string };

export interface ServiceEventRequest {
  service: ServiceTarget;
  type: 'Normal' | 'Warning';
  /** `SelfHealingFailover`, `SelfHealingScaled`, `SelfHealingInvalidAnnotation`, ... */
  reason: string;
  message: string;
}

/**
 * The dependency graph reachable from a Service by its `depends-on` annotations, read breadth
 * first up to a bound: edges by Service key (`Service/ns/name`), the Services named that do not
 * exist, and the Services whose annotations are bad.
 */
export interface DependencyGraph {
  edges: Record<string, string[]>;
  missing: string[];
  invalid: Record<string, string>;
}

/** The Service recovery activities, as the workflow calls them (createServiceActivities implements them). */
export interface ServiceActivities {
  inspectService(request: ServiceRequest): Promise<ServiceView>;
  checkConnectivity(request: ServiceRequest): Promise<ConnectivityResult>;
  serviceHealth(request: ServiceRequest): Promise<ServiceHealth>;
  measurePerformance(request: ServiceRequest): Promise<PerformanceReading>;
  selectorHealth(request: SelectorRequest): Promise<SelectorHealth>;
  switchServiceSelector(request: SwitchRequest): Promise<SwitchResult>;
  workloadScale(request: { workload: WorkloadTarget }): Promise<ScaleView>;
  scaleWorkload(request: ScaleRequest): Promise<ScaleResult>;
  recordServiceEvent(request: ServiceEventRequest): Promise<void>;
  dependencyGraph(request: ServiceRequest): Promise<DependencyGraph>;
}
