/**
 * The simulated kubelet: judges every bound pod with a registry.lab image from its spec (see
 * judge.ts) and marks it with the verdict, which kwok's stages turn into pod status (Ready, crash
 * loop, Pending with a waiting reason). It also records kubelet Events and publishes the logs the
 * image prints. One metadata patch per verdict: kwok, not this process, keeps the restart count
 * rising, so a thousand crash-looping pods cost nothing here once judged.
 */
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ConfigLookup } from './config-refs';
import { isLabImage, Kubelet } from './conventions';
import { desiredMarking, eventsFor, markingOf, markingPatch, sameMarking } from './decide';
import { describe, errorCode } from './errors';
import { EventRecorder } from './events';
import type { Informers } from './informers';
import { keepRunning, makeInformers } from './informers';
import { judgePod } from './judge';
import { PodLogs } from './logs';
import { WorkQueue } from './queue';
import type { Registry } from './registry';
import { parseRegistry } from './registry';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export interface SimKubeletOptions {
  kc: KubeConfig;
  /** Folder for the CRI log files kwok serves. */
  logDir: string;
  log: (message: string) => void;
  /** Reconciles in flight at once. */
  concurrency?: number;
}

const keyOf = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
const hasLabImage = (pod: V1Pod) => (pod.spec?.containers ?? []).some((c) => isLabImage(c.image));

export class SimKubelet {
  private readonly core: CoreV1Api;
  private readonly informers: Informers;
  private readonly events: EventRecorder;
  private readonly logs: PodLogs;
  private readonly log: (message: string) => void;
  private readonly queue: WorkQueue;
  private readonly pullFailedAt = new Map<string, number>();
  private registry: Registry = new Map();
  private readonly configs: ConfigLookup;

  constructor(options: SimKubeletOptions) {
    this.core = options.kc.makeApiClient(CoreV1Api);
    this.informers = makeInformers(options.kc);
    this.events = new EventRecorder(options.kc);
    this.logs = new PodLogs(options.kc, options.logDir);
    this.log = options.log;
    this.queue = new WorkQueue((key) => this.reconcile(key), options.concurrency ?? 16);
    const { secrets, configMaps } = this.informers;
    this.configs = {
      secretData: (ns, name) => {
        const s = secrets.get(name, ns);
        return s ? { ...s.data } : undefined;
      },
      configMapData: (ns, name) => {
        const c = configMaps.get(name, ns);
        return c ? { ...c.data, ...c.binaryData } : undefined;
      },
    };
  }

  /** Lists and watches everything; resolves once the pods already there are queued. */
  async start(): Promise<void> {
    const { nodes, pods, secrets, configMaps } = this.informers;
    // Pods last: a pod judged before the Secrets and the registry are known would be judged wrong.
    await Promise.all([
      keepRunning('nodes', nodes, this.log),
      keepRunning('secrets', secrets, this.log),
      keepRunning('configmaps', configMaps, this.log),
    ]);
    this.reloadRegistry();
    secrets.on('change', (s) => this.requeueNamespace(s.metadata?.namespace));
    configMaps.on('change', (c) => {
      if (c.metadata?.namespace === Kubelet.registryNamespace && c.metadata?.name === Kubelet.registryName) {
        this.reloadRegistry();
        this.requeueWaiting(undefined);
      } else this.requeueNamespace(c.metadata?.namespace);
    });
    nodes.on('add', (n) => this.requeueNode(n.metadata?.name));
    pods.on('add', (p) => this.enqueue(p));
    pods.on('update', (p) => this.enqueue(p));
    pods.on('delete', (p) => void this.forget(p));
    await keepRunning('pods', pods, this.log);
    this.log(
      `watching ${pods.list().length} pods, ${nodes.list().length} managed nodes, ${this.registry.size} registry images`,
    );
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.informers).map((i: Informers['pods']) => i.stop()));
  }

  private reloadRegistry(): void {
    const cm = this.informers.configMaps.get(Kubelet.registryName, Kubelet.registryNamespace);
    this.registry = parseRegistry(cm?.data, (m) => this.log(`registry: ${m}`));
  }

  private enqueue(pod: V1Pod): void {
    if (hasLabImage(pod) && pod.spec?.nodeName) this.queue.add(keyOf(pod));
  }

  /** Pods that wait on a cause outside their spec (an image, a Secret) are judged again. */
  private requeueWaiting(namespace: string | undefined): void {
    for (const pod of this.informers.pods.list(namespace)) {
      if (markingOf(pod)?.reason !== 'Run') this.enqueue(pod);
    }
  }

  private requeueNamespace(namespace: string | undefined): void {
    if (namespace) this.requeueWaiting(namespace);
  }

  private requeueNode(node: string | undefined): void {
    for (const pod of this.informers.pods.list()) if (pod.spec?.nodeName === node) this.enqueue(pod);
  }

  private async forget(pod: V1Pod): Promise<void> {
    this.pullFailedAt.delete(pod.metadata?.uid ?? '');
    await this.logs
      .forget(pod)
      .catch((e: unknown) => this.log(`removing logs of ${keyOf(pod)}: ${describe(e)}`));
  }

  private async reconcile(key: string): Promise<void> {
    try {
      await this.judgeAndMark(key);
    } catch (error) {
      // A 404 ends the work only when it is the pod that is gone, not something beside it.
      const [namespace = '', name = ''] = key.split('/');
      if (errorCode(error) === 404 && !this.informers.pods.get(name, namespace)) return;
      this.log(`pod ${key}: ${describe(error)}; retrying in 1 s`);
      this.queue.addAfter(key, 1_000);
    }
  }

  private judgeable(pod: V1Pod | undefined): pod is V1Pod {
    if (!pod?.spec?.nodeName || pod.metadata?.deletionTimestamp) return false;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
    // A node without the managed label has a dead kubelet: nothing on it changes.
    return this.informers.nodes.get(pod.spec.nodeName) !== undefined;
  }

  private async judgeAndMark(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const pod = this.informers.pods.get(name, namespace);
    if (!this.judgeable(pod)) return;
    const current = markingOf(pod);
    // A container that runs does not notice a re-pushed tag or a deleted Secret.
    if (current?.reason === 'Run' && pod.status?.phase === 'Running') return;
    const verdict = judgePod(pod, this.registry, this.configs);
    if (!verdict) return;
    const uid = pod.metadata?.uid ?? '';
    const failedAt = this.pullFailedAt.get(uid);
    const desired = desiredMarking(
      pod,
      verdict,
      current,
      failedAt !== undefined && Date.now() - failedAt >= Kubelet.imagePullBackOffMs,
    );
    if (sameMarking(current, desired)) return;
    const crashed = desired.reason === 'Error' || desired.reason === 'OOMKilled';
    if (verdict.logs.length > 0 && desired.reason !== current?.reason)
      await this.logs.publish(pod, verdict.logs, crashed);
    if (desired.reason === 'Run' && pod.status?.phase === 'Running') await this.restartAsPending(pod);
    await this.core.patchNamespacedPod({ name, namespace, body: markingPatch(desired) }, mergePatch);
    if (desired.reason === 'ErrImagePull') {
      this.pullFailedAt.set(uid, Date.now());
      this.queue.addAfter(key, Kubelet.imagePullBackOffMs + 50);
    }
    for (const event of eventsFor(pod, desired, verdict.container)) {
      await this.events
        .record(pod, event)
        .catch((e: unknown) => this.log(`event for ${key}: ${describe(e)}`));
    }
  }

  /**
   * A crash-looping pod whose cause went away (an image fixed in the registry) starts afresh:
   * back to Pending, so that kwok's sim-pod-ready stage starts it as it starts any pod.
   */
  private async restartAsPending(pod: V1Pod): Promise<void> {
    const at = new Date();
    const containerStatuses = (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      started: false,
      restartCount: pod.status?.containerStatuses?.find((s) => s.name === c.name)?.restartCount ?? 0,
      state: { waiting: { reason: 'ContainerCreating' } },
    }));
    const conditions = [
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: at },
    ];
    await this.core.patchNamespacedPodStatus(
      {
        name: pod.metadata?.name ?? '',
        namespace: pod.metadata?.namespace ?? '',
        body: { status: { phase: 'Pending', conditions, containerStatuses } },
      },
      strategicMerge,
    );
  }
}
