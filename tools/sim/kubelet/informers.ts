/**
 * The objects the sim kubelet watches, each through a client-node informer (list, then watch, from
 * one resourceVersion): managed nodes, pods, Secrets and ConfigMaps (the registry is one of them).
 */
import type {
  KubeConfig,
  KubernetesObject,
  V1ConfigMap,
  V1Node,
  V1Pod,
  V1Secret,
} from '@kubernetes/client-node';
import { CoreV1Api, makeInformer } from '@kubernetes/client-node';
import type { Informer, ObjectCache } from '@kubernetes/client-node';
import { Kubelet } from './conventions';
import { describe } from './errors';

export type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export interface Informers {
  nodes: Watched<V1Node>;
  pods: Watched<V1Pod>;
  secrets: Watched<V1Secret>;
  configMaps: Watched<V1ConfigMap>;
}

export function makeInformers(kc: KubeConfig): Informers {
  const core = kc.makeApiClient(CoreV1Api);
  return {
    nodes: makeInformer(
      kc,
      '/api/v1/nodes',
      () => core.listNode({ labelSelector: `${Kubelet.managedLabel}=true` }),
      `${Kubelet.managedLabel}=true`,
    ),
    pods: makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces()),
    secrets: makeInformer(kc, '/api/v1/secrets', () => core.listSecretForAllNamespaces()),
    configMaps: makeInformer(kc, '/api/v1/configmaps', () => core.listConfigMapForAllNamespaces()),
  };
}

/**
 * Starts an informer and keeps it running: client-node stops an informer on a watch or list error,
 * so it is started again after a second (the apiserver may be restarting, or briefly overloaded).
 */
export async function keepRunning<T extends KubernetesObject>(
  name: string,
  informer: Watched<T>,
  log: (m: string) => void,
): Promise<void> {
  informer.on('error', (error: unknown) => {
    log(`watch of ${name} failed (${describe(error)}); restarting in 1 s`);
    setTimeout(() => {
      informer.start().catch((e: unknown) => log(`restart of the ${name} watch failed: ${describe(e)}`));
    }, 1_000).unref();
  });
  await informer.start();
}
