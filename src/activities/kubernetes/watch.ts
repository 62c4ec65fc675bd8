/**
 * The read side of the Kubernetes adapter, next to the mutations of ./cluster.ts: list+watch
 * informers that keep only the fields the detector's rules read, restart after errors with
 * backoff, and an Event recorder; plus kubeconfig loading. The detector runs on it; the worker
 * uses its ConfigMap informer and Events too, for the same live config (src/config/config-source.ts).
 *
 * Why the trimming is done by hand: client-node's `ListWatch` has no transform hook, so the list
 * function and the `Watch` callback are wrapped to strip objects before the cache stores them
 * (kubernetes-client/javascript has none to offer). After the first LIST an informer only LISTs again when the
 * apiserver answers 410 Gone; bookmarks keep its resourceVersion fresh so that stays rare.
 */
import type {
  CoreV1Event,
  KubernetesListObject,
  KubernetesObject,
  V1ConfigMap,
  V1Node,
} from '@kubernetes/client-node';
import { makeApiClient } from './api-metrics';
import { CoreV1Api, KubeConfig, ListWatch } from '@kubernetes/client-node';
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import type { EventToRecord } from './events';
import { eventRecorder } from './events';
import { trimConfigMap, trimEvent, trimNode } from './trim';
import type { PodSourceInformers } from './pod-informers';
import { podSourceInformerOptions } from './pod-informers';
import type { ServiceSourceInformers } from './service-informers';
import { serviceSourceInformerOptions } from './service-informers';
import type { KeepLabel } from './pod-trim';
import type { ListPage } from './list-pages';
import { listInPages } from './list-pages';
import { TrimmingWatch } from './trimming-watch';

export { trimEvent, trimNode } from './trim';

// The client types callers of this adapter handle, so they need not import the client themselves.
export type { CoreV1Event, KubeConfig, V1ConfigMap, V1Node } from '@kubernetes/client-node';
export type { V1Namespace, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
export type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
export type { PodSourceInformers } from './pod-informers';
export type { ServiceSourceInformers } from './service-informers';
export type { KeepLabel } from './pod-trim';
export type { ListPage } from './list-pages';

/** Component name on the Events the detector records. */
export const DETECTOR_COMPONENT = 'self-healing-detector';

/** Counters of one informer, for tests and metrics. */
export interface InformerStats {
  /** Full LISTs issued: 1 at start-up, then one per 410 Gone (expired resourceVersion). */
  lists: number;
  /** Watch requests opened (the client reconnects about every 30 s of silence and after errors). */
  watches: number;
  /** Restarts after an error. */
  restarts: number;
  /** The first LIST succeeded and the cache is filled. */
  synced: boolean;
  /** An error stopped the watch and its restart has not delivered anything yet. */
  failing?: boolean;
  /** Epoch ms of the last event or bookmark the watch delivered. */
  lastEventAt?: number;
  lastError?: string;
}

/** A list+watch cache of one kind of object, in our words. */
export interface ObjectInformer<T extends KubernetesObject> {
  /** `add` also fires for every object of the first LIST; `delete` for objects gone at a re-LIST. */
  on(verb: 'add' | 'update' | 'delete', callback: (object: T) => void): void;
  get(name: string, namespace?: string): T | undefined;
  list(): readonly T[];
  /** Starts, and resolves once the first LIST has filled the cache (retrying with backoff until it does). */
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): InformerStats;
}

export type { EventToRecord, ObjectRef } from './events';

/** Records Kubernetes Events. Best effort: failures are logged, never thrown. */
export interface EventRecorder {
  /** @returns whether the Event was written. */
  record(event: EventToRecord): Promise<boolean>;
}

/** What the detector and the config source need from Kubernetes. */
export interface DetectorKubernetes {
  /** All Nodes, trimmed to name, labels, `spec.unschedulable` and condition type/status/reason/message/time. */
  nodeInformer(): ObjectInformer<V1Node>;
  /** The single ConfigMap `namespace/name` (a field selector), trimmed to its identity and `data`. */
  configMapInformer(namespace: string, name: string): ObjectInformer<V1ConfigMap>;
  /** The pod source's informers (./pod-informers.ts); absent: the detector watches nodes only. */
  podSourceInformers?(keepLabel: KeepLabel): PodSourceInformers;
  /** The service source's informers (./service-informers.ts); absent: the detector watches no Services. */
  serviceSourceInformers?(keepLabel: KeepLabel): ServiceSourceInformers;
  /**
   * Warning Events of every namespace (field selector `type=Warning`), trimmed to type, reason,
   * message, involved object, count and times; absent: the detector reads no Events.
   */
  warningEventInformer?(): ObjectInformer<CoreV1Event>;
  events: EventRecorder;
}

/** Backoff of informer restarts after an error. */
export const INFORMER_BACKOFF = { initialMs: 1_000, maxMs: 30_000 } as const;

/**
 * Loads a kubeconfig: the file at `path` when given, otherwise client-node's default order
 * (`$KUBECONFIG`, `~/.kube/config`, then the in-cluster ServiceAccount).
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/**
 * Builds the adapter over a kubeconfig.
 * @param component who the Events it records say they come from. @default {@link DETECTOR_COMPONENT}
 */
export function createDetectorKubernetes(
  kc: KubeConfig,
  logger: Logger,
  component: string = DETECTOR_COMPONENT,
): DetectorKubernetes {
  const core = makeApiClient(kc, CoreV1Api);
  return {
    nodeInformer: () =>
      new ResilientInformer<V1Node>({
        what: 'nodes',
        kc,
        path: '/api/v1/nodes',
        list: (page) => core.listNode(page),
        trim: trimNode,
        logger,
      }),
    configMapInformer: (namespace, name) => {
      const fieldSelector = `metadata.name=${name}`;
      return new ResilientInformer<V1ConfigMap>({
        what: `configmap ${namespace}/${name}`,
        kc,
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
        list: (page) => core.listNamespacedConfigMap({ namespace, fieldSelector, ...page }),
        fieldSelector,
        trim: trimConfigMap,
        logger,
      });
    },
    podSourceInformers: (keepLabel) => {
      const options = podSourceInformerOptions(kc, logger, keepLabel);
      return {
        pods: new ResilientInformer(options.pods),
        replicaSets: new ResilientInformer(options.replicaSets),
        namespaces: new ResilientInformer(options.namespaces),
      };
    },
    serviceSourceInformers: (keepLabel) => {
      const options = serviceSourceInformerOptions(kc, logger, keepLabel);
      return {
        services: new ResilientInformer(options.services),
        endpointSlices: new ResilientInformer(options.endpointSlices),
      };
    },
    warningEventInformer: () => {
      const fieldSelector = 'type=Warning';
      return new ResilientInformer<CoreV1Event>({
        what: 'warning events',
        kc,
        path: '/api/v1/events',
        list: (page) => core.listEventForAllNamespaces({ fieldSelector, ...page }),
        fieldSelector,
        trim: trimEvent,
        logger,
      });
    },
    events: eventRecorder(core, component, logger),
  };
}

// ---------------------------------------------------------------------------------------------
// Informer

/** What a {@link ResilientInformer} watches and how it trims. */
export interface InformerOptions<T extends KubernetesObject> {
  what: string;
  kc: KubeConfig;
  path: string;
  /** One page of the LIST ({@link listInPages}). */
  list: (page: ListPage) => Promise<KubernetesListObject<T>>;
  fieldSelector?: string;
  trim: (object: T) => T;
  logger: Logger;
}

/**
 * A `ListWatch` that trims objects before caching them and restarts after errors. client-node's
 * informer stops for good on any error other than 410 Gone or a client-side timeout; this one
 * starts it again after 1 s, 2 s, 4 s ... 30 s. A restart resumes the watch from the last
 * resourceVersion, so it does not LIST again unless the LIST itself was what failed.
 */
export class ResilientInformer<T extends KubernetesObject> implements ObjectInformer<T> {
  private readonly listWatch: ListWatch<T>;
  private readonly counters: InformerStats = { lists: 0, watches: 0, restarts: 0, synced: false };
  private stopped = true;
  private backoffMs = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private markSynced: (() => void) | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    const { trim } = options;
    const counters = this.counters;
    const listFn = async (): Promise<KubernetesListObject<T>> => {
      counters.lists += 1;
      const trimmed = await listInPages(options.list, trim);
      counters.synced = true;
      counters.failing = false;
      counters.lastEventAt = Date.now();
      this.backoffMs = 0;
      this.markSynced?.();
      return trimmed;
    };
    this.listWatch = new ListWatch<T>(
      options.path,
      new TrimmingWatch(options.kc, trim, counters, () => {
        this.backoffMs = 0;
        counters.failing = false;
        counters.lastEventAt = Date.now();
      }),
      listFn,
      false,
      undefined,
      options.fieldSelector,
    );
    this.listWatch.on('error', (error?: unknown) => this.onError(error));
  }

  on(verb: 'add' | 'update' | 'delete', callback: (object: T) => void): void {
    this.listWatch.on(verb, callback);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.listWatch.get(name, namespace);
  }

  list(): readonly T[] {
    return this.listWatch.list();
  }

  stats(): InformerStats {
    return { ...this.counters };
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    const synced = this.counters.synced
      ? Promise.resolve()
      : new Promise<void>((resolve) => (this.markSynced = resolve));
    await this.listWatch.start();
    await synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.listWatch.stop();
    // Whoever awaits start() must not hang forever on a stopped informer.
    this.markSynced?.();
  }

  private onError(error: unknown): void {
    // Aborting the watch on stop() surfaces as an error too.
    if (this.stopped) return;
    this.counters.lastError = errorText(error);
    this.counters.failing = true;
    this.backoffMs = Math.min(
      this.backoffMs > 0 ? this.backoffMs * 2 : INFORMER_BACKOFF.initialMs,
      INFORMER_BACKOFF.maxMs,
    );
    this.options.logger.warn('informer failed; restarting', {
      informer: this.options.what,
      retryInMs: this.backoffMs,
      error: this.counters.lastError,
    });
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.counters.restarts += 1;
      this.listWatch.start().catch((e: unknown) => this.onError(e));
    }, this.backoffMs);
  }
}
