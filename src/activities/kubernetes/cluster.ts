/**
 * The one adapter that owns `@kubernetes/client-node`. The rest of the product talks to ClusterPort.
 */
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { NodeHealth } from '../../workflows/types';
import { classifyKubeError, isNotFound } from '../errors';
import type { ClusterPort, CordonRequest } from '../ports';
import { MANAGER } from '../ports';

/** Annotations the product writes on nodes it cordons, so it never undoes a human's cordon. */
export const Annotations = {
  cordonedBy: 'self-healing.temporal.io/cordoned-by',
  cordonReason: 'self-healing.temporal.io/cordon-reason',
  workflowId: 'self-healing.temporal.io/workflow-id',
} as const;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function readyOf(node: V1Node): NodeHealth['ready'] {
  const status = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return status === 'True' || status === 'False' ? status : 'Unknown';
}

export function createKubernetesCluster(kubeConfig: KubeConfig): ClusterPort {
  const core = kubeConfig.makeApiClient(CoreV1Api);

  const readNode = async (name: string): Promise<V1Node | undefined> => {
    try {
      return await core.readNode({ name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw classifyKubeError(error, `get nodes ${name}`);
    }
  };

  return {
    async readNodeHealth(name) {
      const node = await readNode(name);
      if (!node) return { node: name, ready: 'gone', unschedulable: false };
      const cordonedBy = node.metadata?.annotations?.[Annotations.cordonedBy];
      return {
        node: name,
        ready: readyOf(node),
        unschedulable: node.spec?.unschedulable === true,
        ...(cordonedBy ? { cordonedBy } : {}),
      };
    },

    async cordon({ node: name, reason, workflowId }: CordonRequest) {
      const node = await readNode(name);
      if (!node)
        throw classifyKubeError({ code: 404, body: `node ${name} not found` }, `patch nodes ${name}`);
      const ours = node.metadata?.annotations?.[Annotations.cordonedBy] === MANAGER;
      if (node.spec?.unschedulable && !ours) return false;
      if (node.spec?.unschedulable && ours) return true;
      try {
        await core.patchNode(
          {
            name,
            body: {
              metadata: {
                resourceVersion: node.metadata?.resourceVersion,
                annotations: {
                  [Annotations.cordonedBy]: MANAGER,
                  [Annotations.cordonReason]: reason,
                  [Annotations.workflowId]: workflowId,
                },
              },
              spec: { unschedulable: true },
            },
          },
          mergePatch,
        );
      } catch (error) {
        throw classifyKubeError(error, `patch nodes ${name}`);
      }
      return true;
    },

    async uncordon(name) {
      const node = await readNode(name);
      if (!node) return false;
      if (node.metadata?.annotations?.[Annotations.cordonedBy] !== MANAGER) return false;
      try {
        await core.patchNode(
          {
            name,
            body: {
              metadata: {
                resourceVersion: node.metadata?.resourceVersion,
                annotations: {
                  [Annotations.cordonedBy]: null,
                  [Annotations.cordonReason]: null,
                  [Annotations.workflowId]: null,
                },
              },
              spec: { unschedulable: null },
            },
          },
          mergePatch,
        );
      } catch (error) {
        throw classifyKubeError(error, `patch nodes ${name}`);
      }
      return true;
    },

    async recordNodeEvent(name, { reason, message, type }) {
      const now = new Date();
      try {
        await core.createNamespacedEvent({
          namespace: 'default',
          body: {
            metadata: { generateName: `${name}.`, namespace: 'default' },
            involvedObject: { kind: 'Node', name, uid: name, apiVersion: 'v1' },
            reason,
            message,
            type,
            source: { component: MANAGER },
            reportingComponent: MANAGER,
            reportingInstance: MANAGER,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      } catch (error) {
        throw classifyKubeError(error, `create events in default`);
      }
    },
  };
}
