/**
 * Writes to a workload under recovery: one JSON patch per remediation, guarded by the
 * resourceVersion it was computed from (a 409 means someone changed the workload: the caller
 * re-reads and decides again), and the Events that tell the story on the workload.
 */
import type { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { WorkloadTarget } from '../../domain';
import { MANAGER } from '../../domain/labels';
import { classifyKubeError, isNotFound, statusOf } from '../errors';
import type { WorkloadPatch, WorkloadRecoveryPort } from '../ports';
import type { ApiCalls } from './api-calls';
import { eventFor } from './events';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

const API_VERSIONS: Record<WorkloadTarget['kind'], string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  Pod: 'v1',
};

export function createWorkloadWriter(
  apis: { core: CoreV1Api; apps: AppsV1Api },
  calls: ApiCalls,
): Pick<WorkloadRecoveryPort, 'patchWorkload' | 'recordWorkloadEvent'> {
  const { core, apps } = apis;
  return {
    async patchWorkload(target, patch) {
      const { namespace, name } = target;
      const body = guarded(patch);
      const send: Record<WorkloadTarget['kind'], () => Promise<unknown>> = {
        Deployment: () => apps.patchNamespacedDeployment({ name, namespace, body }, jsonPatch),
        StatefulSet: () => apps.patchNamespacedStatefulSet({ name, namespace, body }, jsonPatch),
        DaemonSet: () => apps.patchNamespacedDaemonSet({ name, namespace, body }, jsonPatch),
        ReplicaSet: () => apps.patchNamespacedReplicaSet({ name, namespace, body }, jsonPatch),
        // No remediation patches a Job or a bare pod (their templates are immutable or never ours).
        Job: () => Promise.reject(new TypeError(`a Job is never patched: ${namespace}/${name}`)),
        Pod: () => Promise.reject(new TypeError(`a bare pod is never patched: ${namespace}/${name}`)),
      };
      try {
        await calls.bounded(send[target.kind]);
        return 'patched';
      } catch (error) {
        if (statusOf(error) === 409) return 'conflict';
        if (isNotFound(error)) return 'gone';
        throw classifyKubeError(error, `patch ${target.kind.toLowerCase()}s ${namespace}/${name}`);
      }
    },

    async recordWorkloadEvent(target, { reason, message, type }) {
      const { namespace, name, kind } = target;
      const body = eventFor(MANAGER, {
        involvedObject: { kind, name, namespace, apiVersion: API_VERSIONS[kind] },
        type,
        reason,
        message,
      });
      const created = await calls.api(`create events in ${namespace}`, () =>
        core.createNamespacedEvent({ namespace, body }),
      );
      return created.metadata?.name ?? '';
    },
  };
}

/** The patch, sent only while the workload still has the resourceVersion it was computed from. */
function guarded({ resourceVersion, operations }: WorkloadPatch): object[] {
  return [{ op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion }, ...operations];
}
