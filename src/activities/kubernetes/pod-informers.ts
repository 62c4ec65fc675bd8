/**
 * The informers of the detector's pod source, on the resilient list+watch informer of ./watch.ts:
 * every Pod, every ReplicaSet (only to find a pod's Deployment) and every Namespace (only its
 * labels, for opt-outs), each trimmed on arrival by ./pod-trim.ts.
 *
 * Why a ReplicaSet informer rather than a GET per ReplicaSet when a pod fails: grouping stays
 * synchronous (no API call between a rule firing and the start), and a mass failure (a bad
 * ConfigMap breaking a thousand Deployments at once) costs no burst of GETs when the apiserver is
 * busiest. Its cost: one watch and about 200 bytes per ReplicaSet (identity, owner reference, no
 * spec), old revisions included.
 */
import type { V1Namespace, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { makeApiClient } from './api-metrics';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../logging';
import type { KeepLabel } from './pod-trim';
import { trimNamespace, trimPod, trimReplicaSet } from './pod-trim';
import type { InformerOptions, ObjectInformer } from './watch';

/** The three informers the pod source runs. */
export interface PodSourceInformers {
  pods: ObjectInformer<V1Pod>;
  replicaSets: ObjectInformer<V1ReplicaSet>;
  namespaces: ObjectInformer<V1Namespace>;
}

/** How {@link PodSourceInformers} are built: ./watch.ts turns each into a resilient informer. */
export interface PodSourceInformerOptions {
  pods: InformerOptions<V1Pod>;
  replicaSets: InformerOptions<V1ReplicaSet>;
  namespaces: InformerOptions<V1Namespace>;
}

/** What the pod source's informers list, watch and keep; nothing is listed before their `start()`. */
export function podSourceInformerOptions(
  kc: KubeConfig,
  logger: Logger,
  keepLabel: KeepLabel,
): PodSourceInformerOptions {
  const core = makeApiClient(kc, CoreV1Api);
  const apps = makeApiClient(kc, AppsV1Api);
  return {
    pods: {
      what: 'pods',
      kc,
      path: '/api/v1/pods',
      list: (page) => core.listPodForAllNamespaces(page),
      trim: (pod) => trimPod(pod, keepLabel),
      logger,
    },
    replicaSets: {
      what: 'replicasets',
      kc,
      path: '/apis/apps/v1/replicasets',
      list: (page) => apps.listReplicaSetForAllNamespaces(page),
      trim: (replicaSet) => trimReplicaSet(replicaSet, keepLabel),
      logger,
    },
    namespaces: {
      what: 'namespaces',
      kc,
      path: '/api/v1/namespaces',
      list: (page) => core.listNamespace(page),
      trim: trimNamespace,
      logger,
    },
  };
}
