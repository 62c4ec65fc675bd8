/**
 * Test helpers for the lab registry (lab/k8s/registry.yaml, read by the sim kubelet in
 * tools/sim/kubelet): push an image with its behaviour, as one would push to a real registry, or
 * delete it. Each image gets a data key of its own in the registry ConfigMap, so pushes never race
 * with each other or with the defaults.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { Kubelet } from './kubelet/conventions';
import type { ImageBehaviour } from './kubelet/registry';
import { checkEntry } from './kubelet/registry';

export type { ImageBehaviour } from './kubelet/registry';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The registry ConfigMap key holding one pushed image. */
export function registryKeyOf(image: string): string {
  return `pushed.${image.replace(/[^-._a-zA-Z0-9]/g, '_')}.yaml`;
}

/**
 * Adds (or replaces) an image of the lab registry, e.g.
 * `pushImage(kc, 'registry.lab/shop/api:2.1', { memory: '200Mi', exitCode: 1, logs: ['boom'] })`.
 * The sim kubelet sees it through its watch within moments and judges again every pod that waits
 * on it (ErrImagePull). Pods running the image keep running, as on a real node.
 * @throws Error naming the field when the image is not of registry.lab or the behaviour is invalid.
 */
export async function pushImage(
  kc: KubeConfig,
  image: string,
  behaviour: ImageBehaviour = {},
): Promise<void> {
  const entry = { image, ...behaviour };
  checkEntry(entry, `pushImage(${JSON.stringify(image)})`);
  await kc.makeApiClient(CoreV1Api).patchNamespacedConfigMap(
    {
      name: Kubelet.registryName,
      namespace: Kubelet.registryNamespace,
      body: { data: { [registryKeyOf(image)]: stringify([entry]) } },
    },
    mergePatch,
  );
}

/** Deletes an image pushed with {@link pushImage}; pods created afterwards fail to pull it. */
export async function removeImage(kc: KubeConfig, image: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).patchNamespacedConfigMap(
    {
      name: Kubelet.registryName,
      namespace: Kubelet.registryNamespace,
      body: { data: { [registryKeyOf(image)]: null } },
    },
    mergePatch,
  );
}
