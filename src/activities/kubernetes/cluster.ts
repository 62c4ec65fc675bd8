/**
 * The remediation side of the one adapter that owns `@kubernetes/client-node` (this folder; the
 * informers and the Event recorder the detector and the live config run on are in ./watch.ts).
 * The rest of the product talks to ClusterPort. Every API call goes through one
 * {@link ApiLimiter}, and every failure is classified here, once.
 */
import type {
  KubeConfig,
  V1LabelSelector,
  V1Node,
  V1OwnerReference,
  V1Pod,
  V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, PatchStrategy, PolicyV1Api, setHeaderOptions } from '@kubernetes/client-node';
import { defaultRecoveryConfig } from '../../config/recovery-config';
import type { NodeHealth, PodRef, WorkloadReadiness, WorkloadRef } from '../../domain';
import { classifyKubeError, isNotFound, statusOf } from '../errors';
import type {
  ClusterPort,
  CordonRequest,
  CordonResult,
  EvictionResult,
  PdbStatus,
  PodOnNode,
  UncordonResult,
} from '../ports';
import {
  MANAGER,
  MIRROR_POD_ANNOTATION,
  NodeAnnotations,
  isControlPlane,
  optOutReason,
} from '../../domain/labels';
import { createApiCalls } from './api-calls';
import { eventFor } from './events';
import type { ApiLimiter } from './limiter';

/** The patch that removes every annotation the product writes when it cordons. */
const clearedAnnotations = Object.fromEntries(Object.values(NodeAnnotations).map((key) => [key, null]));

/** Re-reads after a 409 before giving up and letting the activity's retry policy take over. */
const CONFLICT_ATTEMPTS = 4;

/** How long a ReplicaSet's owning workload is remembered, and how many are. */
const WORKLOAD_CACHE_TTL_MS = 10 * 60_000;
const WORKLOAD_CACHE_MAX = 10_000;

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface NodePatch {
  metadata?: object;
  spec?: object;
}

/** The run that owns the node's cordon, as its annotation says (meaningful only while unschedulable). */
const ownerOf = (node: V1Node): string | undefined =>
  node.metadata?.annotations?.[NodeAnnotations.cordonOwner];

/** Options for {@link createKubernetesCluster}. */
export interface KubernetesClusterOptions {
  /**
   * The product's opt-out label, opted out when its value is `true`. A function is asked on every
   * read, so the worker can follow the live config. @default config `opt_out_label`
   */
  optOutLabel?: string | (() => string);
  /**
   * Bounds every call; share one per worker with the node providers.
   * @default a limiter at the config defaults `api_max_concurrency` and `api_qps`
   */
  limiter?: ApiLimiter;
}

function readyOf(node: V1Node): NodeHealth['ready'] {
  const status = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return status === 'True' || status === 'False' ? status : 'Unknown';
}

function pressureOf(node: V1Node): NonNullable<NodeHealth['pressure']> {
  const pressure: NonNullable<NodeHealth['pressure']> = [];
  for (const c of node.status?.conditions ?? [])
    if ((c.type === 'MemoryPressure' || c.type === 'DiskPressure') && c.status === 'True')
      pressure.push(c.type);
  return pressure;
}

/** True when the selector selects these labels, as the API server evaluates a LabelSelector. */
export function selectorMatches(
  selector: V1LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  // A missing selector selects nothing; an empty one selects everything (policy/v1 semantics).
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    const value = labels[key];
    switch (operator) {
      case 'In':
        if (!has || value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (has && value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function qosClassOf(pod: V1Pod): PodOnNode['qosClass'] {
  const declared = pod.status?.qosClass;
  if (declared === 'BestEffort' || declared === 'Burstable' || declared === 'Guaranteed') return declared;
  // The API server sets status.qosClass on create; this fallback covers objects written without it.
  const containers = pod.spec?.containers ?? [];
  const resources = containers.map((c) => c.resources ?? {});
  const none = resources.every(
    (r) => Object.keys(r.requests ?? {}).length === 0 && Object.keys(r.limits ?? {}).length === 0,
  );
  if (none) return 'BestEffort';
  const guaranteed = resources.every((r) =>
    (['cpu', 'memory'] as const).every(
      (k) => r.limits?.[k] !== undefined && (r.requests?.[k] === undefined || r.requests[k] === r.limits[k]),
    ),
  );
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function controllerOf(pod: V1Pod): V1OwnerReference | undefined {
  return pod.metadata?.ownerReferences?.find((o) => o.controller === true);
}

const podName = (pod: PodRef) => `${pod.namespace}/${pod.name}`;

/**
 * Builds the ClusterPort over a kubeconfig.
 * @param kubeConfig the identity the worker acts as; its RBAC is what 403s name.
 */
export function createKubernetesCluster(
  kubeConfig: KubeConfig,
  options: KubernetesClusterOptions = {},
): ClusterPort {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const policy = kubeConfig.makeApiClient(PolicyV1Api);
  const { optOutLabel: label = defaultRecoveryConfig.opt_out_label } = options;
  const optOutLabel = typeof label === 'function' ? label : () => label;
  const { api, apiOrGone, bounded } = createApiCalls(options.limiter);

  const readNode = (name: string) => apiOrGone(`get nodes ${name}`, () => core.readNode({ name }));

  /**
   * Reads the node, lets `decide` compute a patch from what it saw, and sends it guarded by the
   * resourceVersion read; on a 409 it re-reads and decides again, because the node's state (a
   * human's cordon, say) may have changed the answer.
   */
  const patchNodeSafely = async <R>(
    name: string,
    decide: (node: V1Node | undefined) => { result: R; patch?: NodePatch },
  ): Promise<R> => {
    for (let attempt = 1; ; attempt += 1) {
      const node = await readNode(name);
      const { result, patch } = decide(node);
      if (!patch || !node) return result;
      try {
        await bounded(() =>
          core.patchNode(
            {
              name,
              body: {
                ...patch,
                metadata: { ...patch.metadata, resourceVersion: node.metadata?.resourceVersion },
              },
            },
            mergePatch,
          ),
        );
        return result;
      } catch (error) {
        if (statusOf(error) === 409 && attempt < CONFLICT_ATTEMPTS) continue;
        throw classifyKubeError(error, `patch nodes ${name}`);
      }
    }
  };

  /** The PodDisruptionBudgets in the pod's namespace whose selector selects it. */
  const budgetsSelecting = async (pod: PodRef): Promise<V1PodDisruptionBudget[]> => {
    const live = await apiOrGone(`get pods ${podName(pod)}`, () =>
      core.readNamespacedPod({ name: pod.name, namespace: pod.namespace }),
    );
    if (!live) return [];
    const labels = live.metadata?.labels ?? {};
    const list = await api(`list poddisruptionbudgets in ${pod.namespace}`, () =>
      policy.listNamespacedPodDisruptionBudget({ namespace: pod.namespace }),
    );
    return list.items.filter((pdb) => selectorMatches(pdb.spec?.selector, labels));
  };

  /**
   * Resolves a pod's controller to the workload whose readiness proves the pod was replaced. A
   * ReplicaSet's owning Deployment costs a GET; the answer is remembered for a while, so the drain's
   * re-listings, and the next recovery in the same namespace, cost no call. A ReplicaSet's name
   * carries its pod template's hash, so a name seen again within the TTL has the same owner.
   */
  const workloads = {
    known: new Map<string, { workload: WorkloadRef; at: number }>(),
    pending: new Map<string, Promise<WorkloadRef>>(),
    /** The workload, when it is known without an API call. */
    cached(namespace: string, owner: PodOnNode['controller']): WorkloadRef | undefined {
      if (!owner) return undefined;
      if (owner.kind === 'StatefulSet') return { kind: 'StatefulSet', namespace, name: owner.name };
      if (owner.kind !== 'ReplicaSet') return undefined;
      const key = `${namespace}/${owner.name}`;
      const entry = this.known.get(key);
      if (entry && Date.now() - entry.at < WORKLOAD_CACHE_TTL_MS) return entry.workload;
      this.known.delete(key);
      return undefined;
    },
    resolve(namespace: string, owner: PodOnNode['controller']): Promise<WorkloadRef | undefined> {
      const cached = this.cached(namespace, owner);
      if (cached || owner?.kind !== 'ReplicaSet') return Promise.resolve(cached);
      const key = `${namespace}/${owner.name}`;
      let resolved = this.pending.get(key);
      if (!resolved) {
        resolved = apiOrGone(`get replicasets ${key}`, () =>
          apps.readNamespacedReplicaSet({ name: owner.name, namespace }),
        )
          .then((rs): WorkloadRef => {
            const deployment = rs?.metadata?.ownerReferences?.find(
              (o) => o.controller === true && o.kind === 'Deployment',
            );
            const workload: WorkloadRef = deployment
              ? { kind: 'Deployment', namespace, name: deployment.name }
              : { kind: 'ReplicaSet', namespace, name: owner.name };
            if (this.known.size >= WORKLOAD_CACHE_MAX) {
              const oldest = this.known.keys().next().value;
              if (oldest !== undefined) this.known.delete(oldest);
            }
            this.known.set(key, { workload, at: Date.now() });
            return workload;
          })
          .finally(() => this.pending.delete(key));
        this.pending.set(key, resolved);
      }
      return resolved;
    },
  };

  const withWorkload = async (pod: PodOnNode): Promise<PodOnNode> => {
    if (pod.workload) return pod;
    const workload = await workloads.resolve(pod.namespace, pod.controller);
    return workload ? { ...pod, workload } : pod;
  };

  /** The pod as drain decisions see it; its workload only when known without an API call. */
  const toPodOnNode = (pod: V1Pod): PodOnNode => {
    const namespace = pod.metadata?.namespace ?? 'default';
    const owner = controllerOf(pod);
    const controller = owner ? { kind: owner.kind, name: owner.name } : undefined;
    const workload = workloads.cached(namespace, controller);
    const deletionTimestamp = pod.metadata?.deletionTimestamp;
    return {
      namespace,
      name: pod.metadata?.name ?? '',
      uid: pod.metadata?.uid ?? '',
      phase: pod.status?.phase ?? 'Unknown',
      ...(controller ? { controller } : {}),
      ...(workload ? { workload } : {}),
      mirror: pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined,
      usesEmptyDir: (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined),
      qosClass: qosClassOf(pod),
      priority: pod.spec?.priority ?? 0,
      terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
      ...(deletionTimestamp ? { deletionTimestamp: new Date(deletionTimestamp).toISOString() } : {}),
    };
  };

  return {
    async readNodeHealth(name) {
      const node = await readNode(name);
      if (!node) return { node: name, ready: 'gone', unschedulable: false };
      const labels = node.metadata?.labels ?? {};
      const cordonedBy = node.metadata?.annotations?.[NodeAnnotations.cordonedBy];
      const cordonOwner = node.metadata?.annotations?.[NodeAnnotations.cordonOwner];
      return {
        node: name,
        ready: readyOf(node),
        unschedulable: node.spec?.unschedulable === true,
        ...(cordonedBy ? { cordonedBy } : {}),
        ...(cordonOwner ? { cordonOwner } : {}),
        pressure: pressureOf(node),
        optedOut: optOutReason(labels, optOutLabel()) !== undefined,
        controlPlane: isControlPlane(labels),
      };
    },

    cordon({ node: name, reason, workflowId, owner }: CordonRequest) {
      return patchNodeSafely(name, (node): { result: CordonResult; patch?: NodePatch } => {
        if (!node) return { result: 'gone' };
        if (node.spec?.unschedulable)
          return { result: ownerOf(node) === owner ? 'already-ours' : 'someone-elses' };
        // Annotations on a schedulable node are stale (kubectl uncordon leaves them): overwrite them.
        return {
          result: 'cordoned',
          patch: {
            metadata: {
              annotations: {
                [NodeAnnotations.cordonedBy]: MANAGER,
                [NodeAnnotations.cordonReason]: reason,
                [NodeAnnotations.workflowId]: workflowId,
                [NodeAnnotations.cordonOwner]: owner,
              },
            },
            spec: { unschedulable: true },
          },
        };
      });
    },

    uncordon(name, owner) {
      return patchNodeSafely(name, (node): { result: UncordonResult; patch?: NodePatch } => {
        if (!node) return { result: 'gone' };
        const ours = ownerOf(node) === owner;
        if (!node.spec?.unschedulable)
          return {
            result: 'not-cordoned',
            ...(ours ? { patch: { metadata: { annotations: clearedAnnotations } } } : {}),
          };
        if (!ours) return { result: 'someone-elses' };
        return {
          result: 'uncordoned',
          patch: { metadata: { annotations: clearedAnnotations }, spec: { unschedulable: null } },
        };
      });
    },

    async recordNodeEvent(name, { reason, message, type }) {
      const body = eventFor(MANAGER, {
        involvedObject: { kind: 'Node', name, uid: name },
        type,
        reason,
        message,
      });
      const created = await api('create events in default', () =>
        core.createNamespacedEvent({ namespace: 'default', body }),
      );
      return created.metadata?.name ?? '';
    },

    async listPodsOnNode(node, { resolveWorkloads = true } = {}) {
      const list = await api(`list pods (all namespaces) on node ${node}`, () =>
        core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }),
      );
      const pods = list.items.map(toPodOnNode);
      return resolveWorkloads ? Promise.all(pods.map(withWorkload)) : pods;
    },

    resolveWorkloads(pods) {
      return Promise.all(pods.map(withWorkload));
    },

    async evictPod(pod, gracePeriodSeconds): Promise<EvictionResult> {
      const what = `create pods/eviction ${podName(pod)}`;
      try {
        await bounded(() =>
          core.createNamespacedPodEviction({
            name: pod.name,
            namespace: pod.namespace,
            body: {
              apiVersion: 'policy/v1',
              kind: 'Eviction',
              metadata: { name: pod.name, namespace: pod.namespace },
              ...(gracePeriodSeconds !== undefined ? { deleteOptions: { gracePeriodSeconds } } : {}),
            },
          }),
        );
        return { outcome: 'evicted' };
      } catch (error) {
        if (isNotFound(error)) return { outcome: 'gone' };
        if (statusOf(error) !== 429) throw classifyKubeError(error, what);
        const message = classifyKubeError(error, what).message;
        const pdbs = (await budgetsSelecting(pod)).map((p) => `${pod.namespace}/${p.metadata?.name ?? ''}`);
        return { outcome: 'blocked', pdbs, message };
      }
    },

    async deletePod(pod, gracePeriodSeconds) {
      const deleted = await apiOrGone(`delete pods ${podName(pod)}`, () =>
        core.deleteNamespacedPod({
          name: pod.name,
          namespace: pod.namespace,
          ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
        }),
      );
      return deleted ? 'deleted' : 'gone';
    },

    async disruptionBudgetsFor(pod): Promise<PdbStatus[]> {
      return (await budgetsSelecting(pod)).map((p) => ({
        name: `${pod.namespace}/${p.metadata?.name ?? ''}`,
        disruptionsAllowed: p.status?.disruptionsAllowed ?? 0,
      }));
    },

    readWorkloads(workloads) {
      return Promise.all(
        workloads.map(async (ref): Promise<WorkloadReadiness> => {
          const { kind, namespace, name } = ref;
          const what = `get ${kind.toLowerCase()}s ${namespace}/${name}`;
          const read: () => Promise<{
            spec?: { replicas?: number };
            status?: { readyReplicas?: number };
          }> = {
            Deployment: () => apps.readNamespacedDeployment({ name, namespace }),
            StatefulSet: () => apps.readNamespacedStatefulSet({ name, namespace }),
            ReplicaSet: () => apps.readNamespacedReplicaSet({ name, namespace }),
          }[kind];
          const workload = await apiOrGone(what, read);
          if (!workload) return { ...ref, desired: 0, ready: 0, gone: true };
          return {
            ...ref,
            desired: workload.spec?.replicas ?? 1,
            ready: workload.status?.readyReplicas ?? 0,
          };
        }),
      );
    },
  };
}
