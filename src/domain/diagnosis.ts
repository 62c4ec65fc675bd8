/**
 * What the diagnosis of a failing workload found: the facts each strategy decides on, and the
 * evidence a human reads in the status (owner chain, rollout, Events, the log lines that matched).
 */
import type { PodFailureReason } from './pod-failure';
import type { WorkloadTarget } from './workload-recovery';

/** Log signatures recognised in a crashed container's previous log. */
export const LogSignatures = [
  'out-of-memory',
  'connection-refused',
  'missing-file',
  'permission-denied',
  'panic',
] as const;
export type LogSignature = (typeof LogSignatures)[number];

export interface LogMatch {
  signature: LogSignature;
  /** The line that matched, trimmed to 300 characters. */
  line: string;
  /** For `connection-refused`: the host:port refused. */
  detail?: string;
}

/** One field of the pod template the latest rollout changed. */
export interface TemplateChange {
  field: 'image' | 'env' | 'command' | 'args' | 'resources' | 'other';
  container?: string;
  from?: string;
  to?: string;
}

/** The workload's latest rollout, when it has a revision history (Deployments). */
export interface RolloutFacts {
  revision: number;
  /** The revision a rollback returns to (kubectl's second-highest), if any ... */
  previousRevision?: number;
  /** ... and its pod-template-hash. */
  previousTemplateHash?: string;
  /** ISO-8601 time the latest revision's ReplicaSet was created. */
  changedAt?: string;
  changeCause?: string;
  changes: TemplateChange[];
}

/** Who else manages the workload: reasons the product must not patch it, or not its replicas. */
export interface Management {
  /** `Argo CD (argocd.argoproj.io/tracking-id)`, `Flux (kustomize.toolkit.fluxcd.io/name)`, ... */
  gitOps?: string;
  /** The HPA that owns the replicas, `namespace/name`. */
  hpa?: string;
  /** The label or annotation that opts the workload or its namespace out. */
  optedOut?: string;
  /** A paused Deployment is neither rolled back nor restarted (kubectl refuses too). */
  paused?: boolean;
}

export interface Diagnosis {
  workload: WorkloadTarget;
  /** False when the workload no longer exists. */
  exists: boolean;
  /** From the failing pod up: `Pod/shop/web-7f9-abc`, `ReplicaSet/shop/web-7f9`, `Deployment/shop/web`. */
  ownerChain: string[];
  /** The reason the strategy is chosen for: the most specific among the failing pods. */
  reason: PodFailureReason;
  failingPods: string[];
  /** Every desired pod is Ready and none is failing: nothing to do. */
  healthy: boolean;
  /** The failing container. */
  container?: string;
  rollout?: RolloutFacts;
  memory?: { container: string; limitBytes?: number; requestBytes?: number };
  image?: { container: string; image: string; registry: string; pullSecrets: string[]; message?: string };
  /** CreateContainerConfigError: what is missing, e.g. `Secret shop/db-creds`, `key password in Secret shop/db-creds`. */
  missingConfig?: string[];
  /** Recent Events of the pod and the workload: `Warning BackOff: Back-off restarting failed container`. */
  events: string[];
  logMatches: LogMatch[];
  management: Management;
  /**
   * The workload's template (and replicas, unless an HPA owns them) as diagnosed: a mutation
   * refuses to act when the workload no longer matches it (someone else changed it).
   */
  fingerprint: string;
  /** Times of the product's earlier remediations of this workload (its annotation), newest last. */
  remediations: string[];
  /** The pod-template-hash the product last rolled back from: never rolled back (forward) to again. */
  rolledBackFrom?: string;
  /** Facts that could not be read (no logs served, an owner gone), so the report says so. */
  gaps: string[];
}
