/**
 * The lab backends: every Ready pod labelled `lab.self-healing.io/backend=true` is served as a real
 * HTTP server on 127.0.0.1 (see instance.ts), and every Service with a selector gets the
 * EndpointSlices kube-controller-manager would write, with a backend pod listed at its server
 * (see slices.ts): the lab's EndpointSlice controller. Pods, Services and the slices it wrote are
 * watched through informers. A backend pod's change queues its namespace, whose servers are
 * reconciled as a whole; a change to a Service, to one of its slices or to a pod it selects (or
 * listed) queues that Service, whose slices are reconciled on their own.
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
import { desiredSlices, isBackend, matches, selectorOf, sliceContent } from './slices';

export interface LabBackendsOptions {
  kc: KubeConfig;
  metrics: RequestMetrics;
  log: (message: string) => void;
}

const namespaceOf = (o: KubernetesObject) => o.metadata?.namespace ?? '';
/** Work queue keys: a namespace's servers, or one Service's slices. */
const serversKey = (namespace: string) => `servers ${namespace}`;
const serviceKey = (namespace: string, name: string) => `service ${namespace}/${name}`;

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
    const ours = `${SliceLabels.managedBy}=${Backends.managedBy}`;
    // Every pod, not only backends: any pod a Service selects is one of its endpoints.
    this.pods = makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
    this.services = makeInformer(kc, '/api/v1/services', () => core.listServiceForAllNamespaces());
    this.slices = makeInformer(
      kc,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => this.discovery.listEndpointSliceForAllNamespaces({ labelSelector: ours }),
      ours,
    );
    this.queue = new WorkQueue((key) => this.reconcile(key), 4);
  }

  /** Lists and watches; resolves once what is already there is queued. */
  async start(): Promise<void> {
    this.pods.on('change', (pod) => this.podChanged(pod));
    this.services.on('change', (s) => this.queue.add(serviceKey(namespaceOf(s), s.metadata?.name ?? '')));
    this.slices.on('change', (s) => this.sliceChanged(s));
    await Promise.all([
      keepRunning('pods', this.pods, this.log),
      keepRunning('services', this.services, this.log),
      keepRunning('backend endpointslices', this.slices, this.log),
    ]);
    const backends = this.pods.list().filter(isBackend);
    for (const ns of new Set(backends.map(namespaceOf))) this.queue.add(serversKey(ns));
    for (const s of this.services.list()) this.queue.add(serviceKey(namespaceOf(s), s.metadata?.name ?? ''));
    for (const s of this.slices.list()) this.sliceChanged(s);
    const selecting = this.services.list().filter((s) => selectorOf(s) !== undefined).length;
    this.log(
      `watching ${this.pods.list().length} pods (${backends.length} backends), ${selecting} services with a selector`,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.pods.stop(), this.services.stop(), this.slices.stop()]);
    await Promise.all([...this.instances.values()].map((i) => i.stop()));
  }

  /**
   * A backend pod's servers come first: its namespace is queued, and its Services once its server
   * is settled. Any other pod queues the Services it is, or was, an endpoint of.
   */
  private podChanged(pod: V1Pod): void {
    if (isBackend(pod)) this.queue.add(serversKey(namespaceOf(pod)));
    else this.queueServicesOf(namespaceOf(pod), pod);
  }

  private sliceChanged(slice: V1EndpointSlice): void {
    const service = slice.metadata?.labels?.[SliceLabels.serviceName];
    if (service) this.queue.add(serviceKey(namespaceOf(slice), service));
  }

  /**
   * Queues the Services of the namespace that select the pod now, and those whose slices list it
   * (its labels changed, or it is gone). With no pod, every Service of the namespace.
   */
  private queueServicesOf(namespace: string, pod?: V1Pod): void {
    const uid = pod?.metadata?.uid;
    for (const service of this.services.list(namespace)) {
      const selector = selectorOf(service);
      if (!selector) continue;
      if (!pod || ('labels' in selector && matches(pod, selector.labels)))
        this.queue.add(serviceKey(namespace, service.metadata?.name ?? ''));
    }
    if (!pod) return;
    for (const slice of this.slices.list(namespace))
      if (slice.endpoints?.some((e) => e.targetRef?.uid === uid)) this.sliceChanged(slice);
  }

  /** Whether a Service's slices list a ready endpoint (the lab writes every slice there is). */
  private hasReadyEndpoint(namespace: string, service: string): boolean {
    return this.slices
      .list(namespace)
      .some(
        (s) =>
          s.metadata?.labels?.[SliceLabels.serviceName] === service &&
          (s.endpoints ?? []).some((e) => e.conditions?.ready !== false),
      );
  }

  private complain(key: string, problem: string | undefined): void {
    if (problem === undefined) this.complaints.delete(key);
    else if (this.complaints.get(key) !== problem) {
      this.complaints.set(key, problem);
      this.log(`${key}: ${problem}`);
    }
  }

  private async reconcile(key: string): Promise<void> {
    try {
      if (key.startsWith('servers ')) await this.syncInstances(key.slice('servers '.length));
      else {
        const [namespace = '', name = ''] = key.slice('service '.length).split('/');
        await this.syncSlices(namespace, name);
      }
    } catch (error) {
      // A conflict, or a slice already gone, only means a watch event is on its way: try again
      // with it, quietly.
      const code = errorCode(error);
      if (code === 409 || code === 404) return this.queue.addAfter(key, 100);
      this.log(`${key}: ${describe(error)}; retrying in 1 s`);
      this.queue.addAfter(key, 1_000);
    }
  }

  /**
   * Starts a server for each serving backend pod, stops the others, and forgets pods that are gone;
   * then queues the namespace's Services, whose slices follow the servers.
   */
  private async syncInstances(namespace: string): Promise<void> {
    const seen = new Set<string>();
    const counts = new Map<string, number>();
    for (const i of this.instances.values())
      if (i.origin.namespace === namespace) counts.set(i.origin.backend, 0);
    for (const pod of this.pods.list(namespace)) {
      if (!isBackend(pod)) continue;
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
        instance = new Instance(originOf(pod), knobs, this.metrics, Math.random, (service) =>
          this.hasReadyEndpoint(namespace, service),
        );
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
    this.queueServicesOf(namespace);
  }

  /** Makes the slices of one Service what its selector and pods say (none if it is gone). */
  private async syncSlices(namespace: string, name: string): Promise<void> {
    const key = `service ${namespace}/${name}`;
    const service = this.services.get(name, namespace);
    const current = this.slices
      .list(namespace)
      .filter((s) => s.metadata?.labels?.[SliceLabels.serviceName] === name);
    let desired: V1EndpointSlice[] = [];
    const selector = service && selectorOf(service);
    if (!selector || 'labels' in selector) this.complain(key, undefined);
    else this.complain(key, `${Backends.selectorAnnotation}: ${selector.error}`);
    if (service && selector && 'labels' in selector) {
      const port = (pod: V1Pod) => this.instances.get(pod.metadata?.uid ?? '')?.port;
      desired = desiredSlices(service, selector.labels, this.pods.list(namespace), port, current);
    }
    const wanted = new Set(desired.map((s) => s.metadata?.name ?? ''));
    for (const slice of desired) {
      const existing = current.find((s) => s.metadata?.name === slice.metadata?.name);
      if (!existing) await this.create(slice);
      else if (sliceContent(existing) !== sliceContent(slice)) await this.replace(slice, existing);
    }
    for (const slice of current) {
      const sliceName = slice.metadata?.name ?? '';
      if (wanted.has(sliceName)) continue;
      await this.discovery
        .deleteNamespacedEndpointSlice({ name: sliceName, namespace })
        .catch((error: unknown) => {
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
