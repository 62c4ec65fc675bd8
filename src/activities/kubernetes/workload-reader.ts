/**
 * Reads a workload under recovery: the object (per kind), its pods, a Deployment's revisions, the
 * Events of the workload and the failing pod, the HPA that scales it, its namespace's labels.
 */
import type {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  CoreV1Event,
  V1ObjectMeta,
  V1Pod,
} from '@kubernetes/client-node';
import type { WorkloadTarget } from '../../domain';
import type { WorkloadRecoveryPort } from '../ports';
import type { WorkloadSnapshot } from '../workload/snapshot';
import type { ApiCalls } from './api-calls';
import { controllerRevisionOf, POD_TEMPLATE_HASH, podSnapshot, revisionOf } from './workload-views';
import type { Read } from './workload-kinds';
import { readWorkloadObject } from './workload-kinds';

/** Events kept per diagnosis, newest. */
const EVENTS_KEPT = 12;

interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  autoscaling: AutoscalingV2Api;
}

export function createWorkloadReader(
  apis: Apis,
  calls: ApiCalls,
): Pick<WorkloadRecoveryPort, 'readWorkload' | 'readPreviousLog'> {
  const { core } = apis;
  return {
    async readWorkload(target, depth, failingPod) {
      const { namespace, name } = target;
      const read = await readWorkloadObject(apis, calls, target);
      const snapshot: WorkloadSnapshot = {
        target,
        namespaceLabels: {},
        ownerChain: [],
        pods: [],
        revisions: [],
        events: [],
      };
      if (depth === 'diagnosis') snapshot.namespaceLabels = await namespaceLabelsOf(core, calls, namespace);
      if (!read) return snapshot;
      snapshot.object = read.object;
      const pods = await podsOf(apis, calls, target, read);
      snapshot.pods = pods.map(podSnapshot);
      // The HPA decides what the fingerprint covers, so every depth reads it.
      const hpa = await hpaFor(apis.autoscaling, calls, target);
      if (hpa) snapshot.hpa = hpa;
      if (depth === 'health') return snapshot;
      snapshot.revisions = await historyOf(apis, calls, target, read);
      if (depth === 'remediation') return snapshot;
      const failing = pods.find((p) => p.metadata?.name === failingPod) ?? pods[0];
      snapshot.ownerChain = ownerChain(target, failing);
      snapshot.events = await eventsOf(core, calls, namespace, [
        name,
        ...(failing ? [failing.metadata!.name!] : []),
      ]);
      return snapshot;
    },

    async readPreviousLog({ namespace, name }, container, tailLines) {
      try {
        return await calls.bounded(() =>
          core.readNamespacedPodLog({ name, namespace, container, previous: true, tailLines }),
        );
      } catch {
        // No previous container, logs not served, or the pod is gone: the diagnosis notes the gap.
        return undefined;
      }
    },
  };
}

/** The workload's pods: its selector's matchLabels, then only those it (or its ReplicaSets) controls. */
async function podsOf(apis: Apis, calls: ApiCalls, target: WorkloadTarget, read: Read): Promise<V1Pod[]> {
  const { namespace, name } = target;
  if (target.kind === 'Pod') {
    const pod = await calls.apiOrGone(`get pods ${namespace}/${name}`, () =>
      apis.core.readNamespacedPod({ name, namespace }),
    );
    return pod ? [pod] : [];
  }
  const list = await calls.api(`list pods in ${namespace}`, () =>
    apis.core.listNamespacedPod({ namespace, ...labelSelectorOf(read) }),
  );
  const uid = read.meta.uid;
  return list.items.filter((pod) => {
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
    if (!owner) return false;
    if (target.kind === 'Deployment') return owner.kind === 'ReplicaSet';
    return owner.uid === uid;
  });
}

async function namespaceLabelsOf(core: CoreV1Api, calls: ApiCalls, namespace: string) {
  const ns = await calls.apiOrGone(`get namespaces ${namespace}`, () =>
    core.readNamespace({ name: namespace }),
  );
  return ns?.metadata?.labels ?? {};
}

/** A Deployment's ReplicaSets or a StatefulSet's ControllerRevisions, newest first; none for other kinds. */
function historyOf(apis: Apis, calls: ApiCalls, target: WorkloadTarget, read: Read) {
  if (target.kind === 'Deployment') return revisionsOf(apis, calls, target, read);
  if (target.kind === 'StatefulSet') return controllerRevisionsOf(apis, calls, target, read.meta);
  return Promise.resolve([]);
}

/** The workload's selector's matchLabels as a label selector (narrowing a LIST; ownership decides). */
function labelSelectorOf(read: Read): { labelSelector?: string } {
  const labelSelector = Object.entries(read.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return labelSelector ? { labelSelector } : {};
}

async function revisionsOf(apis: Apis, calls: ApiCalls, target: WorkloadTarget, { meta, ...read }: Read) {
  const { namespace } = target;
  const list = await calls.api(`list replicasets in ${namespace}`, () =>
    apis.apps.listNamespacedReplicaSet({ namespace, ...labelSelectorOf({ meta, ...read }) }),
  );
  return list.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.controller && o.uid === meta.uid))
    .flatMap((rs) => revisionOf(rs) ?? [])
    .sort((a, b) => b.revision - a.revision);
}

/** A StatefulSet's history: the ControllerRevisions it controls, as `kubectl rollout history` reads them. */
async function controllerRevisionsOf(
  apis: Apis,
  calls: ApiCalls,
  target: WorkloadTarget,
  meta: V1ObjectMeta,
) {
  const { namespace } = target;
  const list = await calls.api(`list controllerrevisions in ${namespace}`, () =>
    apis.apps.listNamespacedControllerRevision({ namespace }),
  );
  return list.items
    .filter((cr) => cr.metadata?.ownerReferences?.some((o) => o.controller && o.uid === meta.uid))
    .flatMap((cr) => controllerRevisionOf(cr) ?? [])
    .sort((a, b) => b.revision - a.revision);
}

function ownerChain(target: WorkloadTarget, pod: V1Pod | undefined): string[] {
  const chain: string[] = [];
  const { namespace } = target;
  if (pod && target.kind !== 'Pod') {
    chain.push(`Pod/${namespace}/${pod.metadata?.name}`);
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
    if (owner && owner.kind !== target.kind) chain.push(`${owner.kind}/${namespace}/${owner.name}`);
  }
  chain.push(`${target.kind}/${namespace}/${target.name}`);
  return chain;
}

async function eventsOf(
  core: CoreV1Api,
  calls: ApiCalls,
  namespace: string,
  names: string[],
): Promise<string[]> {
  const events: CoreV1Event[] = [];
  for (const name of names) {
    const list = await calls.api(`list events in ${namespace}`, () =>
      core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` }),
    );
    events.push(...list.items);
  }
  const time = (e: CoreV1Event) =>
    new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? 0).getTime();
  return events
    .sort((a, b) => time(a) - time(b))
    .slice(-EVENTS_KEPT)
    .map((e) => `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${(e.message ?? '').slice(0, 300)}`);
}

/** `namespace/name` of the autoscaling/v2 HPA whose scaleTargetRef is the workload, if any. */
export async function hpaFor(
  autoscaling: AutoscalingV2Api,
  calls: ApiCalls,
  target: WorkloadTarget,
): Promise<string | undefined> {
  if (target.kind === 'Pod' || target.kind === 'Job' || target.kind === 'DaemonSet') return undefined;
  const list = await calls.api(`list horizontalpodautoscalers in ${target.namespace}`, () =>
    autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: target.namespace }),
  );
  const hpa = list.items.find(
    (h) => h.spec?.scaleTargetRef.kind === target.kind && h.spec.scaleTargetRef.name === target.name,
  );
  return hpa ? `${target.namespace}/${hpa.metadata?.name}` : undefined;
}

export { POD_TEMPLATE_HASH };
