/**
 * A workload's replicas, for the scaling strategy: read (one GET, through the per-kind readers),
 * the HorizontalPodAutoscaler that owns them, and one merge patch of replicas and the product's
 * annotations, guarded by the resourceVersion they were decided on.
 */
import type { AppsV1Api, AutoscalingV2Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { classifyKubeError, isNotFound, statusOf } from '../errors';
import type { ScalingPort } from '../ports';
import type { ApiCalls } from './api-calls';
import type { KindApis } from './workload-kinds';
import { readWorkloadObject } from './workload-kinds';
import { hpaFor } from './workload-reader';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function createScaling(
  apis: KindApis & { apps: AppsV1Api; autoscaling: AutoscalingV2Api },
  calls: ApiCalls,
): ScalingPort {
  const { apps } = apis;
  return {
    async readReplicas(workload) {
      const read = await readWorkloadObject(apis, calls, workload);
      if (!read) return undefined;
      const { object } = read;
      return {
        ...(object.replicas !== undefined ? { replicas: object.replicas } : {}),
        ready: object.rollout.ready,
        annotations: object.annotations,
        resourceVersion: object.resourceVersion,
      };
    },

    autoscalerOf: (workload) => hpaFor(apis.autoscaling, calls, workload),

    async patchReplicas(workload, { resourceVersion, replicas, annotations }) {
      const { kind, namespace, name } = workload;
      const body = { metadata: { resourceVersion, annotations }, spec: { replicas } };
      const send =
        kind === 'Deployment'
          ? () => apps.patchNamespacedDeployment({ name, namespace, body }, mergePatch)
          : kind === 'StatefulSet'
            ? () => apps.patchNamespacedStatefulSet({ name, namespace, body }, mergePatch)
            : undefined;
      if (!send)
        throw new TypeError(`only Deployments and StatefulSets are scaled: ${kind} ${namespace}/${name}`);
      try {
        await calls.bounded(send);
        return 'patched';
      } catch (error) {
        if (statusOf(error) === 409) return 'conflict';
        if (isNotFound(error)) return 'gone';
        throw classifyKubeError(error, `patch ${kind.toLowerCase()}s ${namespace}/${name}`);
      }
    },
  };
}
