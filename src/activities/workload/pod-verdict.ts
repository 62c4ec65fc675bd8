/**
 * What is wrong with one pod, from its status as the kubelet reports it: the most specific
 * {@link PodFailureReason}, the container and the kubelet's message. Unknown reasons are no verdict.
 */
import type { PodFailureReason } from '../../domain';
import { specificityOf, WaitingReasons } from '../../domain';
import type { ContainerState, PodSnapshot } from './snapshot';

export interface PodVerdict {
  pod: string;
  reason: PodFailureReason;
  container?: string;
  message?: string;
}

function containerVerdict(c: ContainerState): Omit<PodVerdict, 'pod'> | undefined {
  const waiting = c.waiting ? WaitingReasons[c.waiting.reason] : undefined;
  if (c.terminated?.reason === 'OOMKilled' && !c.ready)
    return {
      reason: 'OOMKilled',
      container: c.name,
      message: `${c.name} was OOMKilled (exit ${c.terminated.exitCode ?? 137})`,
    };
  if (waiting)
    return {
      reason: waiting,
      container: c.name,
      ...(c.waiting?.message ? { message: c.waiting.message } : {}),
    };
  return undefined;
}

/** The pod's verdict, or undefined when it looks healthy (or is being deleted). */
export function podVerdict(pod: PodSnapshot): PodVerdict | undefined {
  if (pod.deleting) return undefined;
  const verdicts = pod.containers.flatMap((c) => containerVerdict(c) ?? []);
  verdicts.sort((a, b) => specificityOf(a.reason) - specificityOf(b.reason));
  if (verdicts[0]) return { pod: pod.name, ...verdicts[0] };
  if (pod.phase === 'Failed') return { pod: pod.name, reason: 'Failed', message: `${pod.name} is Failed` };
  if (pod.phase === 'Running' && !pod.ready) return { pod: pod.name, reason: 'NotReady' };
  return undefined;
}
