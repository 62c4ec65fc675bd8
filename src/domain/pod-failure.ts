/**
 * Failing pods as the detector sees them and workload recovery diagnoses them: the reasons a pod
 * counts as failing (kubelet waiting and termination reasons, phase, readiness, restarts).
 */

/**
 * Why a pod counts as failing, most specific first:
 * - `OOMKilled`: a container's last termination was OOMKilled;
 * - `CrashLoopBackOff`: a container waits in CrashLoopBackOff (or RunContainerError);
 * - `ImagePullBackOff` / `ErrImagePull`: its image cannot be pulled (InvalidImageName too);
 * - `CreateContainerConfigError`: a ConfigMap, Secret or key it references is missing;
 * - `RestartsRising`: restarts seen within the window passed `pod_restart_threshold`;
 * - `Failed`: the pod's phase is Failed;
 * - `NotReady`: Running but not Ready for longer than the window.
 */
export const PodFailureReasons = [
  'OOMKilled',
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'RestartsRising',
  'Failed',
  'NotReady',
] as const;
export type PodFailureReason = (typeof PodFailureReasons)[number];

export function isPodFailureReason(value: unknown): value is PodFailureReason {
  return typeof value === 'string' && (PodFailureReasons as readonly string[]).includes(value);
}

/**
 * Kubelet waiting reasons that make a pod fail, and the reason each counts as: the one table the
 * detector's rules and the workload diagnosis both read.
 */
export const WaitingReasons: Readonly<Record<string, PodFailureReason>> = {
  CrashLoopBackOff: 'CrashLoopBackOff',
  RunContainerError: 'CrashLoopBackOff',
  ImagePullBackOff: 'ImagePullBackOff',
  InvalidImageName: 'ImagePullBackOff',
  ErrImagePull: 'ErrImagePull',
  ErrImageNeverPull: 'ErrImagePull',
  CreateContainerConfigError: 'CreateContainerConfigError',
};

/** Where a reason stands in {@link PodFailureReasons} (most specific first); unknown ones last. */
export function specificityOf(reason: string): number {
  const index = (PodFailureReasons as readonly string[]).indexOf(reason);
  return index < 0 ? PodFailureReasons.length : index;
}
