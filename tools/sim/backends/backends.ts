/**
 * The lab backends: every Ready pod labelled `lab.self-healing.io/backend=true` is served as a real
 * HTTP server on 127.0.0.1 (see instance.ts), and every Service annotated with a backend selector
 * gets EndpointSlices listing those servers (see slices.ts). Pods, Services and the slices it wrote
 * are watched through informers; a change queues its namespace, and a namespace is reconciled as a
 * whole, one at a time.
 */
import type {
  KubeConfig,
  KubernetesObject,
  V1EndpointSlice,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { CoreV1Api, DiscoveryV1Api, makeInformer } from '@kubernetes/client-node';
import { describe, errorCode } from '../kubelet/errors';
import type { Watched } from '../kubelet/informers';
import { keepRunning } from '../kubelet/informers';
import { WorkQueue } from '../kubelet/queue';
import { Backends, SliceLabels } from './conventions';
import { Instance } from './instance';
import { knobsOf } from './knobs';
import type { RequestMetrics } from './metrics';
import { isServing, originOf } from './pods';
import { matches, parseSelector, sliceContent, sliceFor } from './slices';

export interface LabBackendsOptions {
  kc: KubeConfig;
  metrics: RequestMetrics;
  log: (message: string) => void;
}

const namespaceOf = (o: KubernetesObject) => o.metadata?.namespace ?? '';

export class LabBackends {
  private readonly discovery: DiscoveryV1Api;
  private readonly pods: Watched<V1Pod>;
  private readonly services: Watched<V1Service>;
  private readonly slices: Watched<V1EndpointSlice>;
  private readonly metrics: RequestMetrics;
  private readonly log: (message: string) => void;
  private readonly queue: WorkQueue;
  /** By pod uid. */
  private readonly instances = new Map<string, Instance>();
  /** The last complaint logged per object, so that a bad annotation is logged once, not per event. */
  private readonly complaints = new Map<string, string>();

  constructor(options: LabBackendsOptions) {
    const { kc } = options;
    const core = kc.makeApiClient(CoreV1Api);
    this.discovery = kc.makeApiClient(DiscoveryV1Api);
    this.metrics = options.metrics;
    this.log = options.log;
    const backendPods = `${Backends.backendLabel}=true`;
    const ours = `${SliceLabels.managedBy}=${Backends.managedBy}`;
    this.pods = makeInformer(
      kc,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces({ labelSelector: backendPods }),
      backendPods,
    );
    this.services = makeInformer(kc, '/api/v1/services', () => core.listServiceForAllNamespaces());
    this.slices = makeInformer(
      kc,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => this.discovery.listEndpointSliceForAllNamespaces({ labelSelector: ours }),
      ours,
    );
    this.queue = new WorkQueue((ns) => this.reconcile(ns), 4);
  }

  /** Lists and watches; resolves once what is already there is queued. */
  async start(): Promise<void> {
    for (const informer of [this.pods, this.services, this.slices] as Watched<KubernetesObject>[]) {
      informer.on('change', (o) => this.queue.add(namespaceOf(o)));
    }
    await Promise.all([
      keepRunning('backend pods', this.pods, this.log),
      keepRunning('services', this.services, this.log),
      keepRunning('backend endpointslices', this.slices, this.log),
    ]);
    const namespaces = new Set(
      [...this.pods.list(), ...this.services.list(), ...this.slices.list()].map(namespaceOf),
    );
    for (const ns of namespaces) this.queue.add(ns);
    this.log(
      `watching ${this.pods.list().length} backend pods, ${this.backendServices().length} backend services`,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.pods.stop(), this.services.stop(), this.slices.stop()]);
    await Promise.all([...this.instances.values()].map((i) => i.stop()));
  }

  private backendServices(namespace?: string): V1Service[] {
    return this.services
      .list(namespace)
      .filter((s) => s.metadata?.annotations?.[Backends.selectorAnnotation]);
  }

  private complain(key: string, problem: string | undefined): void {
    if (problem === undefined) this.complaints.delete(key);
    else if (this.complaints.get(key) !== problem) {
      this.complaints.set(key, problem);
      this.log(`${key}: ${problem}`);
    }
  }

  private async reconcile(namespace: string): Promise<void> {
    try {
      await this.syncInstances(namespace);
      await this.syncSlices(namespace);
    } catch (error) {
      // A conflict only means a watch event is on its way: try again with it, quietly.
      if (errorCode(error) === 409) return this.queue.addAfter(namespace, 100);
      this.log(`namespace ${namespace}: ${describe(error)}; retrying in 1 s`);
      this.queue.addAfter(namespace, 1_000);
    }
  }

  /** Starts a server for each serving pod, stops the others, and forgets pods that are gone. */
  private async syncInstances(namespace: string): Promise<void> {
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (const i of this.instances.values())
      if (i.origin.namespace === namespace) counts.set(i.origin.backend, 0);
    for (const pod of this.pods.list(namespace)) {
      const uid = pod.metadata?.uid ?? '';
      seen.add(uid);
      const key = `pod ${namespace}/${pod.metadata?.name}`;
      const { knobs, problems } = knobsOf(pod.metadata?.annotations);
      this.complain(key, problems.length > 0 ? problems.join('; ') : undefined);
      let instance = this.instances.get(uid);
      if (!isServing(pod)) {
        await instance?.stop();
        continue;
      }
      if (!instance) {
        instance = new Instance(originOf(pod), knobs, this.metrics);
        this.instances.set(uid, instance);
      }
      instance.setKnobs(knobs);
      if (!instance.listening) {
        const port = await instance.start();
        this.log(`${key} serves on 127.0.0.1:${port}`);
      }
      counts.set(instance.origin.backend, (counts.get(instance.origin.backend) ?? 0) + 1);
    }
    for (const [uid, instance] of this.instances) {
      if (instance.origin.namespace !== namespace || seen.has(uid)) continue;
      await instance.stop();
      this.instances.delete(uid);
      this.complaints.delete(`pod ${namespace}/${instance.origin.pod}`);
    }
    for (const [backend, count] of counts) this.metrics.setInstances(namespace, backend, count);
  }

  /** Makes the slices of every backend Service of the namespace what its pods say. */
  private async syncSlices(namespace: string): Promise<void> {
    const desired = new Map<string, V1EndpointSlice>();
    for (const service of this.backendServices(namespace)) {
      const key = `service ${namespace}/${service.metadata?.name}`;
      const selector = parseSelector(service.metadata?.annotations?.[Backends.selectorAnnotation] ?? '');
      if (service.spec?.selector && Object.keys(service.spec.selector).length > 0) {
        this.complain(key, `has spec.selector too; only selector-less Services get backend slices`);
        continue;
      }
      if ('error' in selector) {
        this.complain(key, `${Backends.selectorAnnotation}: ${selector.error}`);
        continue;
      }
      this.complain(key, undefined);
      for (const pod of this.pods.list(namespace)) {
        const port = this.instances.get(pod.metadata?.uid ?? '')?.port;
        if (port === undefined || !matches(pod, selector.labels)) continue;
        const slice = sliceFor(service, pod, port);
        desired.set(slice.metadata?.name ?? '', slice);
      }
    }
    for (const [name, slice] of desired) {
      const current = this.slices.get(name, namespace);
      if (!current) await this.create(slice);
      else if (sliceContent(current) !== sliceContent(slice)) await this.replace(slice, current);
    }
    for (const slice of this.slices.list(namespace)) {
      const name = slice.metadata?.name ?? '';
      if (desired.has(name)) continue;
      await this.discovery.deleteNamespacedEndpointSlice({ name, namespace }).catch((error: unknown) => {
        if (errorCode(error) !== 404) throw error;
      });
    }
  }

  private async create(slice: V1EndpointSlice): Promise<void> {
    const namespace = slice.metadata?.namespace ?? '';
    try {
      await this.discovery.createNamespacedEndpointSlice({ namespace, body: slice });
    } catch (error) {
      // The cache had not seen our own earlier write yet.
      if (errorCode(error) !== 409) throw error;
      const name = slice.metadata?.name ?? '';
      const current = await this.discovery.readNamespacedEndpointSlice({ name, namespace });
      if (sliceContent(current) !== sliceContent(slice)) await this.replace(slice, current);
    }
  }

  private async replace(slice: V1EndpointSlice, current: V1EndpointSlice): Promise<void> {
    const namespace = slice.metadata?.namespace ?? '';
    const name = slice.metadata?.name ?? '';
    const body = {
      ...slice,
      metadata: { ...slice.metadata, resourceVersion: current.metadata?.resourceVersion },
    };
    await this.discovery.replaceNamespacedEndpointSlice({ name, namespace, body });
  }
}
