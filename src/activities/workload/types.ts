/** The inputs and typed outcomes of the workload recovery activities, which the workflow branches on. */
import type { Management, PodFailureReason, WorkloadTarget } from '../../domain';

export interface DiagnoseRequest {
  workload: WorkloadTarget;
  /** The pod the detector saw failing. */
  pod: string;
  reason: PodFailureReason;
}

/** A change to a workload the recovery can make. */
export type Remediation =
  /** Raise one container's memory limit (and its request where it equals the limit). */
  | { kind: 'raise-memory'; container: string; limitBytes: number }
  /** `kubectl rollout undo --to-revision`: the template (and annotations) of that revision. */
  | { kind: 'rollback'; toRevision: number }
  /** `kubectl rollout restart`: a new restartedAt annotation in the pod template. */
  | { kind: 'restart' }
  /** Evict the failed pod (Eviction API, PDBs hold) so its controller replaces it; delete a bare one. */
  | { kind: 'delete-pod'; pod: string };

export interface RemediationRequest {
  workload: WorkloadTarget;
  remediation: Remediation;
  /** The fingerprint the recovery diagnosed (or last left): anything else means someone changed it. */
  fingerprint: string;
  /** Names this remediation within the run (`rollback`, `restart-2`): a retried activity finds it done. */
  step: string;
  dryRun: boolean;
}

export type RemediationResult =
  /** Done (or found done by an earlier attempt); `fingerprint` is the workload's now. */
  | { outcome: 'done'; detail: string; fingerprint: string }
  | { outcome: 'dry-run'; detail: string }
  /** The workload no longer matches the diagnosis: someone else changed it. */
  | { outcome: 'changed'; detail: string }
  | { outcome: 'gone'; detail: string }
  /** Cannot be done as asked (no such revision, paused, immutable): said why. */
  | { outcome: 'refused'; detail: string }
  /** A PodDisruptionBudget refused the eviction. */
  | { outcome: 'blocked'; detail: string };

/** The workload's health now, for restart attempts and verification. */
export interface WorkloadHealth {
  exists: boolean;
  /** `kubectl rollout status` would say done. */
  rolloutComplete: boolean;
  desired: number;
  ready: number;
  /** Failing pods with their reason: `web-7f9-abc CrashLoopBackOff`. */
  failing: string[];
  /** The same pods with their reason, most specific first, for the workflow to branch on. */
  failingPods: { pod: string; reason: PodFailureReason }[];
  /** GitOps, an HPA, an opt-out, a pause: who else has a say in changing it. */
  management: Management;
  /** Restarts summed over the current pods, and which pods those are: a stable window keeps both. */
  restarts: number;
  pods: string;
  fingerprint: string;
}
