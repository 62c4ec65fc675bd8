/**
 * From a verdict and what the pod already carries, what the kubelet must write. Pure, so that the
 * rules "patch once per verdict" and "ErrImagePull turns into ImagePullBackOff after a back-off"
 * hold in one place.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { VerdictReason } from './conventions';
import { Kubelet } from './conventions';
import type { KubeletEvent } from './events';
import type { Verdict } from './judge';

/** The labels and annotations a verdict puts on the pod. */
export interface Marking {
  reason: VerdictReason;
  message: string;
  exitCode: number | undefined;
}

/** Current marking of a pod, read from its label and annotations. */
export function markingOf(pod: V1Pod): Marking | undefined {
  const reason = pod.metadata?.labels?.[Kubelet.verdictLabel] as VerdictReason | undefined;
  if (!reason) return undefined;
  const code = pod.metadata?.annotations?.[Kubelet.exitCodeAnnotation];
  return {
    reason,
    message: pod.metadata?.annotations?.[Kubelet.verdictMessageAnnotation] ?? '',
    exitCode: code === undefined ? undefined : Number(code),
  };
}

function imageOf(pod: V1Pod, container: string | undefined): string {
  return pod.spec?.containers.find((c) => c.name === container)?.image ?? '';
}

/**
 * The marking the pod should carry. An image that failed to pull stays ErrImagePull until
 * `backOffDue`, then ImagePullBackOff, as the kubelet alternates after its first attempt.
 */
export function desiredMarking(
  pod: V1Pod,
  verdict: Verdict,
  current: Marking | undefined,
  backOffDue: boolean,
): Marking {
  if (verdict.reason === 'ErrImagePull') {
    const pulling = current?.reason === 'ErrImagePull' || current?.reason === 'ImagePullBackOff';
    if (pulling && (current?.reason === 'ImagePullBackOff' || backOffDue)) {
      return {
        reason: 'ImagePullBackOff',
        message: `Back-off pulling image "${imageOf(pod, verdict.container)}"`,
        exitCode: undefined,
      };
    }
  }
  return { reason: verdict.reason, message: verdict.message, exitCode: verdict.exitCode };
}

export function sameMarking(a: Marking | undefined, b: Marking): boolean {
  return a !== undefined && a.reason === b.reason && a.message === b.message && a.exitCode === b.exitCode;
}

/** The merge patch of the pod's metadata that writes a marking. */
export function markingPatch(marking: Marking): object {
  return {
    metadata: {
      labels: { [Kubelet.verdictLabel]: marking.reason },
      annotations: {
        [Kubelet.verdictMessageAnnotation]: marking.message || null,
        [Kubelet.exitCodeAnnotation]: marking.exitCode === undefined ? null : String(marking.exitCode),
      },
    },
  };
}

/** The Events a kubelet records on reaching a marking (kubernetes pkg/kubelet/events). */
export function eventsFor(pod: V1Pod, marking: Marking, container: string | undefined): KubeletEvent[] {
  const m = pod.metadata ?? {};
  const image = imageOf(pod, container);
  const warn = (reason: string, message: string): KubeletEvent => ({
    type: 'Warning',
    reason,
    message,
    container,
  });
  switch (marking.reason) {
    case 'ErrImagePull':
      return [
        warn('Failed', `Failed to pull image "${image}": ${marking.message}`),
        warn('Failed', 'Error: ErrImagePull'),
      ];
    case 'ImagePullBackOff':
      return [warn('BackOff', marking.message), warn('Failed', 'Error: ImagePullBackOff')];
    case 'CreateContainerConfigError':
      return [warn('Failed', `Error: ${marking.message}`)];
    case 'Error':
    case 'OOMKilled':
      return [
        warn(
          'BackOff',
          `Back-off restarting failed container ${container} in pod ${m.name}_${m.namespace}(${m.uid})`,
        ),
      ];
    case 'Run':
      return [];
  }
}
