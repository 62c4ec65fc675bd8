/**
 * What the adapter reads about a workload for its diagnosis and verification, trimmed to what the
 * decisions use. Plain data: the diagnosis over it is a pure function (./diagnose.ts).
 */
import type { WorkloadTarget } from '../../domain';

/** A container of the pod template, as far as remediations touch it. */
export interface TemplateContainer {
  name: string;
  image: string;
  /** The container's `resources` as written (limits/requests by resource name). */
  resources: { limits?: Record<string, string>; requests?: Record<string, string> };
  env: { name: string; value?: string; from?: string }[];
  command?: string[];
  args?: string[];
}

/** The parts of a pod template the diagnosis compares between revisions. */
export interface TemplateView {
  containers: TemplateContainer[];
  imagePullSecrets: string[];
}

export interface ContainerState {
  name: string;
  image: string;
  ready: boolean;
  restarts: number;
  waiting?: { reason: string; message?: string };
  /** The last termination (lastState.terminated, or state.terminated while it is terminated). */
  terminated?: { reason: string; exitCode?: number; finishedAt?: string };
}

export interface PodSnapshot {
  name: string;
  uid: string;
  phase: string;
  ready: boolean;
  /** ISO-8601. */
  createdAt?: string;
  /** The pod's controller, `Kind/name`, when it has one. */
  controller?: string;
  /** Deployments: the ReplicaSet's pod-template-hash; StatefulSets/DaemonSets: controller-revision-hash. */
  templateHash?: string;
  deleting: boolean;
  containers: ContainerState[];
}

/** A revision of a Deployment (one of its ReplicaSets). */
export interface RevisionSnapshot {
  revision: number;
  replicaSet: string;
  templateHash?: string;
  createdAt?: string;
  changeCause?: string;
  template: TemplateView;
  /** The ReplicaSet's `.spec.template` (pod-template-hash removed) and annotations, for a rollback. */
  rawTemplate: unknown;
  annotations: Record<string, string>;
}

export interface RolloutStatus {
  generation: number;
  observedGeneration: number;
  desired: number;
  updated: number;
  ready: number;
  available: number;
  /** Pods of older revisions still running (Deployments: status.replicas − updated). */
  old: number;
}

export interface WorkloadObject {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resourceVersion: string;
  /** spec.replicas, when the kind has it. */
  replicas?: number;
  paused: boolean;
  template: TemplateView;
  /** `.spec.template` as the API holds it: the fingerprint covers it whole. */
  rawTemplate: unknown;
  rollout: RolloutStatus;
  /** The revision a Deployment is at (its annotation), or the current pod-template-hash. */
  revision?: number;
  templateHash?: string;
}

export interface WorkloadSnapshot {
  target: WorkloadTarget;
  /** Undefined when the workload no longer exists. */
  object?: WorkloadObject;
  namespaceLabels: Record<string, string>;
  /** From the failing pod up, as `Kind/namespace/name`. */
  ownerChain: string[];
  pods: PodSnapshot[];
  /** Deployments: their ReplicaSets, newest revision first. */
  revisions: RevisionSnapshot[];
  /** Recent Events of the pods and the workload, newest last: `Warning BackOff: ...`. */
  events: string[];
  /** The HPA that scales the workload, `namespace/name`. */
  hpa?: string;
}
