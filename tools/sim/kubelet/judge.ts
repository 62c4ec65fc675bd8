/**
 * The verdict on a pod, from its spec alone, as a kubelet would reach it: pull each image, build
 * each container's environment, run it within its memory limit. Pure: the caller passes what the
 * cluster holds (registry, Secrets, ConfigMaps) and applies the verdict.
 */
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { VerdictReason } from './conventions';
import { isLabImage, Kubelet } from './conventions';
import type { ConfigLookup } from './config-refs';
import { configErrorOf } from './config-refs';
import { parseQuantity } from './quantity';
import type { Registry } from './registry';

/** The line an OOM-killed run prints (the Go runtime's own words); tests look for it in the previous log. */
export const OOM_LOG_LINE = 'fatal error: runtime: out of memory';

/** What the kubelet concludes for one pod. */
export interface Verdict {
  /** ImagePullBackOff is never judged: the kubelet reaches it from ErrImagePull after a back-off. */
  reason: Exclude<VerdictReason, 'ImagePullBackOff'>;
  /** The container the verdict is about (the first failing one); undefined for Run. */
  container: string | undefined;
  /** The kubelet's message (waiting message for Pending verdicts); '' for Run. */
  message: string;
  /** lastState.terminated.exitCode of a crash. */
  exitCode: number | undefined;
  /** Lines each container's runs print, for the pod log API; only containers that print any. */
  logs: { container: string; lines: string[] }[];
}

const rank: Verdict['reason'][] = ['ErrImagePull', 'CreateContainerConfigError', 'OOMKilled', 'Error', 'Run'];

type ContainerVerdict = Omit<Verdict, 'logs' | 'container'> & { lines: string[] };

function memoryNeedOf(container: V1Container, imageNeed: number): number {
  const override = container.env?.find((e) => e.name === Kubelet.memoryNeedEnv && e.value !== undefined);
  if (!override?.value) return imageNeed;
  return parseQuantity(override.value, `env ${Kubelet.memoryNeedEnv} of container ${container.name}`);
}

function judgeContainer(
  container: V1Container,
  namespace: string,
  registry: Registry,
  configs: ConfigLookup,
): ContainerVerdict {
  const image = container.image ?? '';
  const known = registry.get(image);
  if (!known) {
    return {
      reason: 'ErrImagePull',
      message: `failed to pull and unpack image "${image}": not found`,
      exitCode: undefined,
      lines: [],
    };
  }
  const configError = configErrorOf(container, namespace, configs);
  if (configError)
    return { reason: 'CreateContainerConfigError', message: configError, exitCode: undefined, lines: [] };
  const limit = container.resources?.limits?.memory;
  let need: number;
  try {
    need = memoryNeedOf(container, known.memoryBytes);
  } catch (error) {
    return {
      reason: 'CreateContainerConfigError',
      message: (error as Error).message,
      exitCode: undefined,
      lines: [],
    };
  }
  if (limit !== undefined && need > parseQuantity(limit, `limits.memory of container ${container.name}`)) {
    return {
      reason: 'OOMKilled',
      message: `needs ${need} bytes of memory, limit ${limit}`,
      exitCode: 137,
      lines: [...known.logs, OOM_LOG_LINE, '', 'runtime stack:', 'runtime.throw({0x1a2b3c4, 0x16})'],
    };
  }
  if (known.exitCode !== undefined) {
    return {
      reason: 'Error',
      message: `${image} exits with code ${known.exitCode}`,
      exitCode: known.exitCode,
      lines: known.logs,
    };
  }
  return { reason: 'Run', message: '', exitCode: undefined, lines: known.logs };
}

/**
 * Judges every container whose image is of the lab registry; other containers always run. The pod's
 * verdict is its worst container's, in the order a kubelet meets them: pull, config, run.
 * @returns undefined when the pod has no lab image (kwok alone plays it).
 */
export function judgePod(pod: V1Pod, registry: Registry, configs: ConfigLookup): Verdict | undefined {
  const containers = (pod.spec?.containers ?? []).filter((c) => isLabImage(c.image));
  if (containers.length === 0) return undefined;
  const namespace = pod.metadata?.namespace ?? '';
  const judged = containers.map((c) => ({
    name: c.name,
    ...judgeContainer(c, namespace, registry, configs),
  }));
  const worst = judged.reduce((a, b) => (rank.indexOf(b.reason) < rank.indexOf(a.reason) ? b : a));
  return {
    reason: worst.reason,
    container: worst.reason === 'Run' ? undefined : worst.name,
    message: worst.message,
    exitCode: worst.exitCode,
    logs: judged.filter((j) => j.lines.length > 0).map((j) => ({ container: j.name, lines: j.lines })),
  };
}
