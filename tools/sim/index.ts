/**
 * Failure injection for the simulated cluster (scripts/lab/k8s-up.sh), through the real Kubernetes
 * API. Every injection persists until its inverse clears it, and produces the same status fields a
 * real kubelet or kube-controller-manager would, so a detector cannot tell the difference.
 *
 * How each failure is made (details in docs/lab.md):
 * - node conditions: status patches; kwok's heartbeat only refreshes lastHeartbeatTime, so they stick;
 * - node Unknown: the kwok-managed label is removed, kwok stops renewing the Lease and
 *   kube-controller-manager marks the node Unknown after its grace period, as for a dead kubelet;
 * - crash loops and image pulls: a label that a kwok Stage (lab/k8s/kwok-config.yaml) acts on, so
 *   the restart count keeps growing without the test process;
 * - other pod states: status patches, which kwok leaves alone once a pod is Running.
 */
import { existsSync } from 'node:fs';
import type { V1Node, V1Pod, V1ContainerStatus, V1PodCondition } from '@kubernetes/client-node';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { apiserverMetrics, samplesOf } from './prometheus';

export { pushImage, removeImage, registryKeyOf } from './registry';
export type { ImageBehaviour } from './registry';
export { Kubelet } from './kubelet/conventions';
export type { VerdictReason } from './kubelet/conventions';
export { OOM_LOG_LINE } from './kubelet/judge';
export { Backends } from './backends/conventions';
export {
  backendDeployment,
  backendService,
  backendsMetrics,
  backendsMetricsPort,
  createBackend,
  endpointsOf,
  httpGet,
  knobAnnotations,
} from './backends/client';
export type { Answer, BackendSpec, Endpoint } from './backends/client';
export { generateLoad } from './backends/load';
export type { LoadOptions, LoadResult } from './backends/load';

/** Labels, finalizers and values shared with lab/k8s/kwok-config.yaml and scripts/lab/k8s-up.sh. */
export const Sim = {
  /** kwok plays the kubelet only for nodes carrying this label (value `true`). */
  managedLabel: 'sim.self-healing.dev/managed',
  /** Pod label read by the crash-loop Stage; the value is the termination reason. */
  crashLabel: 'sim.self-healing.dev/crash',
  /** Pod label read by the image-pull Stage; the value is the waiting reason. */
  imagePullLabel: 'sim.self-healing.dev/image-pull',
  /** Finalizer that keeps a deleted pod in Terminating. */
  blockDeletionFinalizer: 'sim.self-healing.dev/block-deletion',
  /** Upper bound of the crash-loop Stage's delay: after this a stale queued step has run. */
  crashStageMaxDelayMs: 3_000,
} as const;

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const KUBECONFIG_HINT =
  'start the simulated cluster with `make lab-up` (or scripts/lab/k8s-up.sh) and export KUBECONFIG';

/**
 * Loads the lab's admin kubeconfig from `KUBECONFIG` (the test harness sets it to
 * `$STATE_DIR/k8s/kubeconfig`, by default `.lab/k8s/kubeconfig`).
 * @throws Error naming `make lab-up` and the path when the variable or the file is missing.
 */
export function loadLabKubeConfig(): KubeConfig {
  const path = process.env.KUBECONFIG;
  if (!path) throw new Error(`KUBECONFIG is not set: ${KUBECONFIG_HINT} (default path .lab/k8s/kubeconfig)`);
  if (!existsSync(path)) throw new Error(`KUBECONFIG=${path} does not exist: ${KUBECONFIG_HINT}`);
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** HTTP status of a client-node error, if it is one. */
export function statusCodeOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function now(): Date {
  return new Date();
}

// ---------------------------------------------------------------------------------------------
// Nodes

/** Node failures a detector may see. */
export const NodeFailures = [
  'NotReady',
  'Unknown',
  'MemoryPressure',
  'DiskPressure',
  'PIDPressure',
  'NetworkUnavailable',
] as const;
export type NodeFailure = (typeof NodeFailures)[number];

/** Reasons and messages as the kubelet writes them (pkg/kubelet/nodestatus). */
const healthyConditions = [
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
  {
    type: 'MemoryPressure',
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  {
    type: 'DiskPressure',
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  {
    type: 'PIDPressure',
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  {
    type: 'NetworkUnavailable',
    status: 'False',
    reason: 'RouteCreated',
    message: 'RouteController created a route',
  },
] as const;

const failedConditions: Record<
  Exclude<NodeFailure, 'Unknown'>,
  { type: string; status: 'True' | 'False'; reason: string; message: string }
> = {
  NotReady: {
    type: 'Ready',
    status: 'False',
    reason: 'KubeletNotReady',
    message: 'container runtime network not ready: NetworkReady=false (simulated)',
  },
  MemoryPressure: {
    type: 'MemoryPressure',
    status: 'True',
    reason: 'KubeletHasInsufficientMemory',
    message: 'kubelet has insufficient memory available (simulated)',
  },
  DiskPressure: {
    type: 'DiskPressure',
    status: 'True',
    reason: 'KubeletHasDiskPressure',
    message: 'kubelet has disk pressure (simulated)',
  },
  PIDPressure: {
    type: 'PIDPressure',
    status: 'True',
    reason: 'KubeletHasInsufficientPID',
    message: 'kubelet has insufficient PID available (simulated)',
  },
  NetworkUnavailable: {
    type: 'NetworkUnavailable',
    status: 'True',
    reason: 'NoRouteCreated',
    message: 'route for the node has not been created (simulated)',
  },
};

/** Options for {@link failNode}. */
export interface FailNodeOptions {
  /** Overrides the kubelet-style reason. */
  reason?: string;
  /** Overrides the kubelet-style message. */
  message?: string;
}

/**
 * Makes a node unhealthy until {@link recoverNode}.
 * - `NotReady`: Ready=False (reason KubeletNotReady); the Lease keeps being renewed, as with a live
 *   kubelet whose runtime is broken. kube-controller-manager adds `node.kubernetes.io/not-ready:NoExecute`.
 * - `Unknown`: the kubelet goes silent. Returns at once; Ready becomes Unknown (reason
 *   NodeStatusUnknown) and `node.kubernetes.io/unreachable:NoExecute` appears after the lab's
 *   node-monitor grace period (20 s by default). Pods on the node stay Terminating once evicted.
 * - `MemoryPressure` / `DiskPressure` / `PIDPressure` / `NetworkUnavailable`: that condition True,
 *   Ready stays True; kube-controller-manager adds the matching NoSchedule taint.
 */
export async function failNode(
  kc: KubeConfig,
  name: string,
  failure: NodeFailure,
  options: FailNodeOptions = {},
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  if (failure === 'Unknown') {
    await core.patchNode({ name, body: { metadata: { labels: { [Sim.managedLabel]: null } } } }, mergePatch);
    return;
  }
  const condition = failedConditions[failure];
  const at = now();
  await patchNodeConditions(core, name, [
    {
      ...condition,
      reason: options.reason ?? condition.reason,
      message: options.message ?? condition.message,
      lastHeartbeatTime: at,
      lastTransitionTime: at,
    },
  ]);
}

/**
 * Undoes every {@link failNode}: gives the node back to kwok and writes all conditions healthy,
 * as a kubelet does when it comes back. kube-controller-manager then removes its taints.
 * Cordons are left alone (they belong to whoever cordoned).
 */
export async function recoverNode(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.patchNode({ name, body: { metadata: { labels: { [Sim.managedLabel]: 'true' } } } }, mergePatch);
  const node = await core.readNodeStatus({ name });
  const at = now();
  const current = new Map((node.status?.conditions ?? []).map((c) => [c.type, c]));
  await patchNodeConditions(
    core,
    name,
    healthyConditions.map((c) => ({
      ...c,
      lastHeartbeatTime: at,
      // A condition that was already healthy keeps its transition time.
      lastTransitionTime:
        current.get(c.type)?.status === c.status ? (current.get(c.type)?.lastTransitionTime ?? at) : at,
    })),
  );
}

async function patchNodeConditions(core: CoreV1Api, name: string, conditions: object[]): Promise<void> {
  // Conditions merge by type in a strategic-merge patch, so the others are untouched.
  await core.patchNodeStatus({ name, body: { status: { conditions } } }, strategicMerge);
}

/** Handle returned by {@link flapNode}. */
export interface Flapping {
  /** Stops flapping and leaves the node recovered. */
  stop(): Promise<void>;
  /** How many times the node has gone NotReady so far. */
  readonly flaps: number;
}

/**
 * Makes a node alternate between NotReady and Ready until `stop()` is called, like a kubelet
 * that keeps losing its container runtime.
 */
export function flapNode(
  kc: KubeConfig,
  name: string,
  timing: { downMs?: number; upMs?: number } = {},
): Flapping {
  const downMs = timing.downMs ?? 3_000;
  const upMs = timing.upMs ?? 3_000;
  let stopped = false;
  let flaps = 0;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      await failNode(kc, name, 'NotReady', {
        message: 'container runtime is restarting (simulated flapping)',
      });
      flaps += 1;
      await pause(downMs);
      await recoverNode(kc, name);
      if (!stopped) await pause(upMs);
    }
  })();
  return {
    get flaps() {
      return flaps;
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await recoverNode(kc, name);
    },
  };
}

/** Zone of `sim-node-<i>`, the same spread k8s-up.sh uses. */
export function zoneOf(nodeName: string): string {
  const index = Number(/(\d+)$/.exec(nodeName)?.[1] ?? '1');
  return `lab-1${'abc'[(index - 1) % 3]}`;
}

/**
 * Deletes a node object, as when a cloud provider removes the machine, and waits until it is gone
 * and kwok has let go of its Lease. Inverse: {@link createSimNode}.
 *
 * Why the Lease: kwok v0.8.0 renews a node's Lease from a loop of its own. A node re-created under
 * the same name while the old loop still runs gets a second loop on the same Lease; the two then
 * conflict forever, and kwok's lease controller stops renewing every other node's Lease too
 * (seen in CI: every node then turns Unknown now and then, and kube-controller-manager marks their
 * pods NotReady for good). So the Lease is deleted here, and must stay gone for longer than a
 * renewal period (a live loop would write it again) before this returns.
 */
export async function deleteNode(kc: KubeConfig, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const leases = kc.makeApiClient(CoordinationV1Api);
  const namespace = 'kube-node-lease';
  await core.deleteNode({ name });
  await waitFor(
    `node ${name} to be deleted`,
    () => readNodeOrUndefined(kc, name),
    (n) => n === undefined,
  );
  const readLease = () =>
    leases.readNamespacedLease({ name, namespace }).then(
      (lease) => lease,
      (error: unknown) => {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      },
    );
  const quietMs = 6_000;
  let goneSince: number | undefined;
  await waitFor(
    `the Lease of ${name} to stay deleted for ${quietMs / 1000} s`,
    async () => {
      if (await readLease()) {
        goneSince = undefined;
        await leases.deleteNamespacedLease({ name, namespace }).catch((error: unknown) => {
          if (statusCodeOf(error) !== 404) throw error;
        });
        return false;
      }
      goneSince ??= Date.now();
      return Date.now() - goneSince >= quietMs;
    },
    (quiet) => quiet,
    { timeoutMs: 60_000, intervalMs: 500 },
  );
}

/**
 * Creates a simulated node labelled like those of k8s-up.sh; kwok initialises it (4 cpu, 16Gi,
 * 110 pods) and it becomes Ready within a second or two.
 */
export async function createSimNode(kc: KubeConfig, name: string): Promise<V1Node> {
  return kc.makeApiClient(CoreV1Api).createNode({
    body: {
      metadata: {
        name,
        labels: {
          [Sim.managedLabel]: 'true',
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node.kubernetes.io/instance-type': 'm5.xlarge',
          'topology.kubernetes.io/region': 'lab-1',
          'topology.kubernetes.io/zone': zoneOf(name),
        },
      },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Pods

/** Termination reasons the crash-loop Stage knows. */
export type CrashReason = 'Error' | 'OOMKilled';

/**
 * Puts every container of a Running pod into a crash loop: about every 2-3 s restartCount grows by
 * one, `state.waiting.reason` is CrashLoopBackOff and `lastState.terminated` records the exit
 * (`Error`/1 or `OOMKilled`/137). Ready and ContainersReady turn False; the phase stays Running.
 */
export async function crashLoopPod(
  kc: KubeConfig,
  namespace: string,
  name: string,
  reason: CrashReason = 'Error',
): Promise<void> {
  await labelPod(kc, namespace, name, { [Sim.crashLabel]: reason });
}

/** A crash loop whose containers are OOM-killed: `lastState.terminated.reason` OOMKilled, exit 137. */
export async function oomKillPod(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  await crashLoopPod(kc, namespace, name, 'OOMKilled');
}

/**
 * Makes the pod's image unpullable: phase Pending, Ready False, every container waiting with
 * `reason` (ImagePullBackOff by default, or ErrImagePull) and a message naming the image.
 */
export async function imagePullFailPod(
  kc: KubeConfig,
  namespace: string,
  name: string,
  reason: 'ImagePullBackOff' | 'ErrImagePull' = 'ImagePullBackOff',
): Promise<void> {
  await labelPod(kc, namespace, name, { [Sim.imagePullLabel]: reason });
}

/**
 * Sets the pod to phase Failed with every container terminated (exit 1, reason Error). A
 * ReplicaSet then creates a replacement. The phase is terminal, so the inverse deletes the pod.
 */
export async function failPod(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const pod = await core.readNamespacedPod({ name, namespace });
  const at = now();
  const containerStatuses: V1ContainerStatus[] = (pod.spec?.containers ?? []).map((c) => {
    const previous = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: previous?.imageID ?? '',
      ready: false,
      started: false,
      restartCount: previous?.restartCount ?? 0,
      state: {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          startedAt: previous?.state?.running?.startedAt ?? at,
          finishedAt: at,
        },
      },
    };
  });
  await core.patchNamespacedPodStatus(
    {
      name,
      namespace,
      body: {
        status: {
          phase: 'Failed',
          conditions: notReadyConditions(at, 'PodFailed'),
          containerStatuses,
        },
      },
    },
    strategicMerge,
  );
}

/** Keeps the pod Running with its containers running but not ready (a failing readiness probe). */
export async function unreadyPod(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const pod = await core.readNamespacedPod({ name, namespace });
  const at = now();
  await core.patchNamespacedPodStatus(
    {
      name,
      namespace,
      body: {
        status: {
          conditions: notReadyConditions(at, 'ContainersNotReady'),
          containerStatuses: runningStatuses(pod, false, at),
        },
      },
    },
    strategicMerge,
  );
}

/**
 * Deletes the pod while a finalizer holds it, so it stays in Terminating (deletionTimestamp set,
 * still Running) until {@link healPod} removes the finalizer.
 */
export async function stickPodTerminating(kc: KubeConfig, namespace: string, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const pod = await core.readNamespacedPod({ name, namespace });
  const finalizers = [...new Set([...(pod.metadata?.finalizers ?? []), Sim.blockDeletionFinalizer])];
  await core.patchNamespacedPod(
    { name, namespace, body: { metadata: { finalizers, resourceVersion: pod.metadata?.resourceVersion } } },
    mergePatch,
  );
  await core.deleteNamespacedPod({ name, namespace });
}

/** What {@link healPod} did. */
export type HealOutcome = 'healed' | 'deleted' | 'gone';

/**
 * Undoes any pod injection. A pod that is Terminating, Failed or Succeeded cannot come back, so it
 * is let go (finalizer removed, or deleted) and its controller replaces it: `'deleted'`. Otherwise
 * its containers run and are ready again (restart counts kept): `'healed'`. `'gone'` if it did
 * not exist.
 */
export async function healPod(kc: KubeConfig, namespace: string, name: string): Promise<HealOutcome> {
  const core = kc.makeApiClient(CoreV1Api);
  let pod: V1Pod;
  try {
    pod = await core.readNamespacedPod({ name, namespace });
  } catch (error) {
    if (statusCodeOf(error) === 404) return 'gone';
    throw error;
  }
  const labels = pod.metadata?.labels ?? {};
  const wasCrashing = Sim.crashLabel in labels;
  const wasImagePull = Sim.imagePullLabel in labels;
  const finalizers = pod.metadata?.finalizers ?? [];
  if (wasCrashing || wasImagePull || finalizers.includes(Sim.blockDeletionFinalizer)) {
    await core.patchNamespacedPod(
      {
        name,
        namespace,
        body: {
          metadata: {
            labels: { [Sim.crashLabel]: null, [Sim.imagePullLabel]: null },
            finalizers: finalizers.filter((f) => f !== Sim.blockDeletionFinalizer),
            resourceVersion: pod.metadata?.resourceVersion,
          },
        },
      },
      mergePatch,
    );
  }
  if (pod.metadata?.deletionTimestamp) return 'deleted';
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') {
    await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
    return 'deleted';
  }
  // Without the label the image-pull pod is Pending and not Ready, which kwok's pod-ready Stage
  // turns into Running; writing the status here as well would race it.
  if (wasImagePull) return 'healed';
  // kwok does not cancel a crash-loop step already queued when the label goes, so let it land
  // before writing the healthy status over it.
  if (wasCrashing) await sleep(Sim.crashStageMaxDelayMs + 500);
  const fresh = await core.readNamespacedPod({ name, namespace });
  const at = now();
  await core.patchNamespacedPodStatus(
    {
      name,
      namespace,
      body: {
        status: {
          phase: 'Running',
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: at },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: at },
          ],
          containerStatuses: runningStatuses(fresh, true, at),
        },
      },
    },
    strategicMerge,
  );
  return 'healed';
}

async function labelPod(
  kc: KubeConfig,
  namespace: string,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  await kc
    .makeApiClient(CoreV1Api)
    .patchNamespacedPod({ name, namespace, body: { metadata: { labels } } }, mergePatch);
}

function notReadyConditions(at: Date, reason: string): V1PodCondition[] {
  return [
    {
      type: 'Ready',
      status: 'False',
      reason,
      message: 'containers with unready status',
      lastTransitionTime: at,
    },
    {
      type: 'ContainersReady',
      status: 'False',
      reason,
      message: 'containers with unready status',
      lastTransitionTime: at,
    },
  ];
}

function runningStatuses(pod: V1Pod, ready: boolean, at: Date): V1ContainerStatus[] {
  // containerStatuses is an atomic list: the patch must carry every container in full.
  return (pod.spec?.containers ?? []).map((c) => {
    const previous = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: previous?.imageID ?? '',
      ready,
      started: true,
      restartCount: previous?.restartCount ?? 0,
      state: { running: { startedAt: previous?.state?.running?.startedAt ?? at } },
      ...(previous?.lastState ? { lastState: previous.lastState } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Waiting

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `read` until `check` accepts its value, and returns that value.
 * @throws Error naming `what` and the last value seen when `timeoutMs` passes.
 */
export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  check: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (check(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = last === undefined ? `error ${String(lastError)}` : JSON.stringify(last).slice(0, 1500);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${seen}`);
    }
    await sleep(intervalMs);
  }
}

/** Reads a node, or undefined if it does not exist. */
export async function readNodeOrUndefined(kc: KubeConfig, name: string): Promise<V1Node | undefined> {
  try {
    return await kc.makeApiClient(CoreV1Api).readNode({ name });
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** Reads a pod, or undefined if it does not exist. */
export async function readPodOrUndefined(
  kc: KubeConfig,
  namespace: string,
  name: string,
): Promise<V1Pod | undefined> {
  try {
    return await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name, namespace });
  } catch (error) {
    if (statusCodeOf(error) === 404) return undefined;
    throw error;
  }
}

/** The status of a node condition, e.g. `conditionOf(node, 'Ready')?.status`. */
export function conditionOf(node: V1Node | undefined, type: string) {
  return node?.status?.conditions?.find((c) => c.type === type);
}

/** Whether a node carries a taint with this key and effect. */
export function hasTaint(node: V1Node | undefined, key: string, effect: string): boolean {
  return (node?.spec?.taints ?? []).some((t) => t.key === key && t.effect === effect);
}

/** Whether a pod is Running with its Ready condition True. */
export function isPodReady(pod: V1Pod | undefined): boolean {
  return (
    pod?.status?.phase === 'Running' &&
    pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
}

/**
 * Sums `apiserver_request_total` over the series whose labels `match` accepts, read from the
 * apiserver's own /metrics with the lab's admin credentials.
 */
export async function apiserverRequests(kc: KubeConfig, match: (labels: string) => boolean): Promise<number> {
  const samples = samplesOf(await apiserverMetrics(kc), 'apiserver_request_total');
  return samples.filter((s) => match(s.labelText)).reduce((total, s) => total + s.value, 0);
}

/**
 * Replaces a ConfigMap's `data` (optimistically, on the resourceVersion just read), as an operator
 * editing it does. @returns the new resourceVersion.
 */
export async function replaceConfigMapData(
  kc: KubeConfig,
  ref: { name: string; namespace: string },
  data: Record<string, string>,
): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const { name, namespace } = ref;
  const current = await core.readNamespacedConfigMap({ name, namespace });
  const updated = await core.replaceNamespacedConfigMap({
    name,
    namespace,
    body: { metadata: { name, namespace, resourceVersion: current.metadata?.resourceVersion }, data },
  });
  return updated.metadata?.resourceVersion ?? '';
}
