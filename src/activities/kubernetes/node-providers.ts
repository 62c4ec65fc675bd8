/**
 * Node providers: how a node that did not come back is replaced. Chosen by the config key
 * `node_provider`. Every provider is idempotent, because Temporal may run the activity twice.
 */
import { randomBytes } from 'node:crypto';
import type { KubeConfig, V1Node, V1Taint } from '@kubernetes/client-node';
import { makeApiClient } from './api-metrics';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { NodeProviderName } from '../../config/recovery-config';
import { classifyKubeError, statusOf } from '../errors';
import type { NodeProvider, ReplaceOutcome } from '../ports';
import type { ApiCalls } from './api-calls';
import { createApiCalls } from './api-calls';
import type { ApiLimiter } from './limiter';

/** Annotations the providers read or write. */
export const ProviderAnnotations = {
  /** On a sim replacement node: the node it replaces, so a second call finds it instead of making another. */
  replaces: 'self-healing.temporal.io/replaces',
  /** On a sim replacement node: the workflow that created it. */
  workflowId: 'self-healing.temporal.io/workflow-id',
  /** Set by Cluster API on every node it manages: the owning Machine, and its namespace. */
  capiMachine: 'cluster.x-k8s.io/machine',
  capiNamespace: 'cluster.x-k8s.io/cluster-namespace',
} as const;

/** kwok plays the kubelet only for nodes with this label set to `true` (lab/k8s/kwok-config.yaml). */
export const SIM_MANAGED_LABEL = 'sim.self-healing.dev/managed';

/** The Cluster API resource the `cluster-api` provider deletes. */
export const MachineResource = { group: 'cluster.x-k8s.io', version: 'v1beta1', plural: 'machines' } as const;

/** Options for {@link createNodeProvider}. */
export interface NodeProviderOptions {
  /** Bounds every call; share the worker's limiter with the cluster adapter. */
  limiter?: ApiLimiter;
}

/**
 * Builds the provider the config names.
 * - `sim`: creates a kwok node `<node>-r` (plus a suffix if taken) with the old node's labels, zone,
 *   instance type and capacity, then deletes the old node;
 * - `cluster-api`: deletes the Machine that owns the node (its MachineSet creates a new one);
 * - `delete-node`: deletes the Node object (a cloud autoscaler or Karpenter adds capacity);
 * - `none`: hands the node to humans.
 */
export function createNodeProvider(
  name: NodeProviderName,
  kubeConfig: KubeConfig,
  options: NodeProviderOptions = {},
): NodeProvider {
  const calls = createApiCalls(options.limiter);
  const core = makeApiClient(kubeConfig, CoreV1Api);
  switch (name) {
    case 'none':
      return {
        name,
        replace: (node) =>
          Promise.resolve({
            outcome: 'handed-off',
            detail: `node_provider is none: a human must replace ${node}`,
          }),
      };
    case 'delete-node':
      return deleteNodeProvider(core, calls);
    case 'cluster-api':
      return clusterApiProvider(core, makeApiClient(kubeConfig, CustomObjectsApi), calls);
    case 'sim':
      return simProvider(core, calls);
  }
}

const deleteNodeOf = (core: CoreV1Api, { apiOrGone }: ApiCalls, node: string) =>
  apiOrGone(`delete nodes ${node}`, () => core.deleteNode({ name: node }));

function deleteNodeProvider(core: CoreV1Api, calls: ApiCalls): NodeProvider {
  return {
    name: 'delete-node',
    async replace(node) {
      const deleted = await deleteNodeOf(core, calls, node);
      return {
        outcome: 'deleted',
        detail: deleted
          ? `deleted node ${node}; a cloud autoscaler or Karpenter provides capacity`
          : `node ${node} was already gone`,
      };
    },
  };
}

function clusterApiProvider(
  core: CoreV1Api,
  custom: CustomObjectsApi,
  { apiOrGone }: ApiCalls,
): NodeProvider {
  return {
    name: 'cluster-api',
    async replace(node): Promise<ReplaceOutcome> {
      const current = await apiOrGone(`get nodes ${node}`, () => core.readNode({ name: node }));
      // Cluster API deletes the node once its Machine is gone, so a second call finds nothing.
      if (!current)
        return {
          outcome: 'replaced',
          detail: `node ${node} no longer exists; its Machine was deleted and its MachineSet replaces it`,
        };
      const annotations = current.metadata?.annotations ?? {};
      const machine = annotations[ProviderAnnotations.capiMachine];
      const namespace = annotations[ProviderAnnotations.capiNamespace];
      if (!machine || !namespace)
        return {
          outcome: 'handed-off',
          detail: `node ${node} has no ${ProviderAnnotations.capiMachine} and ${ProviderAnnotations.capiNamespace} annotations, so Cluster API does not manage it: a human must replace it`,
        };
      const deleted = await apiOrGone(`delete machines.cluster.x-k8s.io ${namespace}/${machine}`, () =>
        custom.deleteNamespacedCustomObject({ ...MachineResource, namespace, name: machine }),
      );
      return {
        outcome: 'replaced',
        detail: deleted
          ? `deleted Machine ${namespace}/${machine} of node ${node}; its MachineSet creates a replacement`
          : `Machine ${namespace}/${machine} of node ${node} was already deleted`,
      };
    },
  };
}

function simProvider(core: CoreV1Api, calls: ApiCalls): NodeProvider {
  return {
    name: 'sim',
    async replace(node, workflowId): Promise<ReplaceOutcome> {
      const nodes = await calls.api('list nodes', () => core.listNode());
      const existing = nodes.items.find(
        (n) => n.metadata?.annotations?.[ProviderAnnotations.replaces] === node,
      );
      const old = nodes.items.find((n) => n.metadata?.name === node);
      let replacement = existing?.metadata?.name;
      if (!replacement) {
        if (!old)
          return {
            outcome: 'handed-off',
            detail: `node ${node} is gone and no replacement exists, so there is nothing to copy: a human must add capacity`,
          };
        const taken = new Set(nodes.items.map((n) => n.metadata?.name));
        replacement = await createSimReplacement(core, calls, old, taken, workflowId);
      }
      const deleted = old ? await deleteNodeOf(core, calls, node) : undefined;
      return {
        outcome: 'replaced',
        replacement,
        detail: `${existing ? 'found' : 'created'} replacement node ${replacement} for ${node}${deleted ? `; deleted ${node}` : ''}`,
      };
    },
  };
}

/** Creates the kwok replacement of `old` under a free name; returns the name. */
async function createSimReplacement(
  core: CoreV1Api,
  { bounded }: ApiCalls,
  old: V1Node,
  taken: Set<string | undefined>,
  workflowId: string,
): Promise<string> {
  const oldName = old.metadata?.name ?? '';
  let candidate = `${oldName}-r`;
  for (let attempt = 0; ; attempt += 1) {
    while (taken.has(candidate)) candidate = `${oldName}-r-${randomBytes(3).toString('hex').slice(0, 5)}`;
    try {
      await bounded(() => core.createNode({ body: replacementOf(old, candidate, workflowId) }));
      return candidate;
    } catch (error) {
      // Someone took the name between the list and the create: pick another.
      if (statusOf(error) !== 409 || attempt >= 3)
        throw classifyKubeError(error, `create nodes ${candidate}`);
      taken.add(candidate);
    }
  }
}

/** The Node object that replaces `old` on the sim: same labels and taints, minus what is per-node. */
function replacementOf(old: V1Node, name: string, workflowId: string): V1Node {
  const labels = { ...old.metadata?.labels, 'kubernetes.io/hostname': name, [SIM_MANAGED_LABEL]: 'true' };
  // Lifecycle taints describe the old node's health, which the new node does not share.
  const taints: V1Taint[] = (old.spec?.taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/'));
  const { capacity, allocatable } = old.status ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels,
      annotations: {
        [ProviderAnnotations.replaces]: old.metadata?.name ?? '',
        [ProviderAnnotations.workflowId]: workflowId,
      },
    },
    spec: taints.length > 0 ? { taints } : {},
    // The API server keeps a new Node's status, as for a kubelet registering; kwok's initialising
    // Stage then leaves capacity alone. Patching it afterwards would race that Stage.
    status: {
      ...(capacity ? { capacity } : {}),
      ...(allocatable ? { allocatable } : {}),
    },
  };
}
