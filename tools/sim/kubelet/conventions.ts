/**
 * Names shared by the sim kubelet (this folder), lab/k8s/kwok-config.yaml, lab/k8s/registry.yaml,
 * scripts/lab/k8s-up.sh and the test helpers in tools/sim. Keep them in sync.
 */
export const Kubelet = {
  /** Only images of this registry host are judged; every other image runs as kwok always made it. */
  registryHost: 'registry.lab',
  /** The lab registry: a ConfigMap whose every data key holds a YAML list of images. */
  registryNamespace: 'sim-system',
  registryName: 'sim-registry',
  /**
   * Pod label holding the kubelet's verdict: Run, Error, OOMKilled, ErrImagePull, ImagePullBackOff
   * or CreateContainerConfigError. kwok's sim-pod-ready stage starts a pod with a registry.lab
   * image only once this is Run; the crash-loop stage loops pods whose verdict is Error/OOMKilled.
   */
  verdictLabel: 'sim.self-healing.dev/verdict',
  /** Pod annotation: the message of the verdict, so a changed cause is seen even with the same reason. */
  verdictMessageAnnotation: 'sim.self-healing.dev/verdict-message',
  /** Pod annotation read by the crash-loop stage: the exit code of lastState.terminated. */
  exitCodeAnnotation: 'sim.self-healing.dev/exit-code',
  /** Container env var that overrides the memory the image needs (a quantity such as 300Mi). */
  memoryNeedEnv: 'SIM_MEMORY_NEED',
  /** Nodes kwok (and so this kubelet) plays; a node without it has a dead kubelet. */
  managedLabel: 'sim.self-healing.dev/managed',
  /** Seconds between ErrImagePull and ImagePullBackOff (the kubelet's first pull back-off is 10 s). */
  imagePullBackOffMs: 2_000,
} as const;

/** The verdicts, as written to {@link Kubelet.verdictLabel}. */
export type VerdictReason =
  'Run' | 'Error' | 'OOMKilled' | 'ErrImagePull' | 'ImagePullBackOff' | 'CreateContainerConfigError';

/** True when the image reference names the lab registry host, e.g. `registry.lab/shop/web:1.0`. */
export function isLabImage(image: string | undefined): boolean {
  return image !== undefined && image.startsWith(`${Kubelet.registryHost}/`);
}
