/**
 * The ports Service recovery reaches the cluster through, in its own words: a Service, its
 * endpoints, the pods and workloads behind it, and workloads' replicas. The Kubernetes adapter
 * implements them (../kubernetes/services.ts, service-pods.ts, scaling.ts); ../ports.ts re-exports them.
 */
import type { Selector, ServiceTarget, WorkloadTarget } from '../../domain';
import type { ServiceEndpoint } from './types';

/** A Service as its recovery decides on it. */
export interface ServiceObject {
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  /** `spec.selector`; empty for a selector-less Service. */
  selector: Selector;
  resourceVersion: string;
}

/** A pod an equality selector matches (not terminating), and the workload at the top of its owner chain. */
export interface SelectedPod {
  name: string;
  ready: boolean;
  workload: WorkloadTarget;
}

/**
 * A change of a Service, sent only while it still has `resourceVersion` (a 409 otherwise): the
 * selector replaces `spec.selector` whole, the annotations are added or replaced.
 */
export interface ServicePatch {
  resourceVersion: string;
  selector?: Selector;
  annotations?: Record<string, string>;
}

/** Services under recovery: the Service, its endpoints, the pods and workloads behind it. */
export interface ServicesPort {
  /** The Service, or undefined when it does not exist. */
  readService(service: ServiceTarget): Promise<ServiceObject | undefined>;
  /**
   * The Service's endpoints from its EndpointSlices (label `kubernetes.io/service-name`), each
   * address once; an endpoint whose `ready` condition is unset counts as ready, as the API says.
   */
  listServiceEndpoints(service: ServiceTarget): Promise<ServiceEndpoint[]>;
  /** Pods in `namespace` matching the equality selector, not being deleted, with their workloads. */
  podsMatching(namespace: string, selector: Selector): Promise<SelectedPod[]>;
  /** The workloads (tops of owner chains) of the named pods, each once; pods that are gone are skipped. */
  workloadsOfPods(namespace: string, pods: readonly string[]): Promise<WorkloadTarget[]>;
  /** @returns `conflict` when the Service changed since it was read, `gone` when it was deleted. */
  patchService(service: ServiceTarget, patch: ServicePatch): Promise<'patched' | 'conflict' | 'gone'>;
  /** Records a Kubernetes Event on the Service. @returns the Event's name. */
  recordServiceEvent(
    service: ServiceTarget,
    event: { reason: string; message: string; type: 'Normal' | 'Warning' },
  ): Promise<string>;
}

/** A workload's replicas as scaling reads them. */
export interface WorkloadReplicas {
  /** `spec.replicas`; undefined for kinds without one (DaemonSet, Job, a bare pod). */
  replicas?: number;
  ready: number;
  annotations: Readonly<Record<string, string>>;
  resourceVersion: string;
}

/** A change of a workload's replicas, with the product's annotations, sent while `resourceVersion` holds. */
export interface ReplicasPatch {
  resourceVersion: string;
  replicas: number;
  annotations: Record<string, string>;
}

/** Workloads' replicas: read, scaled, and the HorizontalPodAutoscaler that may own them. */
export interface ScalingPort {
  /** The workload's replicas, or undefined when it does not exist. */
  readReplicas(workload: WorkloadTarget): Promise<WorkloadReplicas | undefined>;
  /** `namespace/name` of the autoscaling/v2 HPA whose scaleTargetRef is the workload, if any. */
  autoscalerOf(workload: WorkloadTarget): Promise<string | undefined>;
  /** One merge patch of a Deployment's or StatefulSet's replicas and annotations. */
  patchReplicas(workload: WorkloadTarget, patch: ReplicasPatch): Promise<'patched' | 'conflict' | 'gone'>;
}
