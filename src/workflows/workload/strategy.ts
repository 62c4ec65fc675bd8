/**
 * Which strategy a diagnosis calls for, as a pure function of the diagnosis, the policy and the
 * time: the design's strategies by failure reason, with the safety rules that turn a change into a
 * report (a bare pod, a DaemonSet, a Job, a StatefulSet's memory, a revision we rolled back from).
 */
import type { Diagnosis, WorkloadRecoveryPolicy } from '../../domain';
import { bytesQuantity } from '../../domain';
import { msToNumber } from '@temporalio/common/lib/time';

export type Plan =
  | { strategy: 'raise-memory'; container: string; limitBytes: number; approval?: string; detail: string }
  | { strategy: 'rollback'; toRevision: number; approval?: string; detail: string }
  | { strategy: 'restart'; detail: string }
  | { strategy: 'delete-pod'; pod: string; approval?: string; detail: string }
  /** Nothing the product may safely change: the diagnosis and `detail` go to humans. */
  | { strategy: 'report'; detail: string };

const REPORT_ONLY_KINDS = new Set(['DaemonSet', 'Job']);

export function choosePlan(d: Diagnosis, policy: WorkloadRecoveryPolicy, now: Date): Plan {
  const name = `${d.workload.kind} ${d.workload.namespace}/${d.workload.name}`;
  switch (d.reason) {
    case 'OOMKilled':
      return raiseMemory(d, policy, name);
    case 'CrashLoopBackOff':
    case 'RestartsRising':
      return rollbackIfRecent(d, policy, now, name, 'crashes') ?? restart(d, name);
    case 'ImagePullBackOff':
    case 'ErrImagePull': {
      const changedImage = d.rollout?.changes.some((c) => c.field === 'image');
      if (changedImage)
        return rollbackIfRecent(d, policy, undefined, name, 'cannot pull its image') ?? imageReport(d);
      return imageReport(d);
    }
    case 'CreateContainerConfigError':
      return {
        strategy: 'report',
        detail: `${name} references configuration that does not exist: ${(d.missingConfig ?? []).join(', ') || 'see Events'}; create it (the product never creates ConfigMaps or Secrets)`,
      };
    case 'Failed':
    case 'NotReady':
      return deletePod(d, name);
  }
}

function raiseMemory(d: Diagnosis, policy: WorkloadRecoveryPolicy, name: string): Plan {
  const memory = d.memory;
  if (!memory?.limitBytes)
    return {
      strategy: 'report',
      detail: `${name} was OOMKilled without a memory limit in its template: the node ran out of memory; see the node's pressure`,
    };
  // A ReplicaSet of its own may belong to a controller the product does not know (an Argo Rollout):
  // its template is that controller's to change.
  if (d.workload.kind !== 'Deployment' && d.workload.kind !== 'StatefulSet')
    return {
      strategy: 'report',
      detail: `${name} was OOMKilled at ${bytesQuantity(memory.limitBytes)}; raise the limit of ${memory.container} (the product patches only Deployments and StatefulSets)`,
    };
  const raised = Math.ceil(memory.limitBytes * policy.memoryFactor);
  const limitBytes = Math.min(raised, Math.max(policy.memoryCapBytes, memory.limitBytes));
  const detail = `raise the memory limit of ${memory.container} from ${bytesQuantity(memory.limitBytes)} to ${bytesQuantity(raised)}`;
  if (raised > policy.memoryCapBytes)
    return {
      strategy: 'raise-memory',
      container: memory.container,
      limitBytes: raised,
      detail,
      approval: `above the cap of ${bytesQuantity(policy.memoryCapBytes)}`,
    };
  if (d.workload.kind === 'StatefulSet')
    return {
      strategy: 'raise-memory',
      container: memory.container,
      limitBytes,
      detail,
      approval: 'a StatefulSet rolls its pods one by one',
    };
  return { strategy: 'raise-memory', container: memory.container, limitBytes, detail };
}

/**
 * A rollback to the previous revision when the latest rollout is recent (`now` given) or regardless
 * (`now` undefined: the rollout changed the image that cannot be pulled); never to a revision the
 * product rolled back from.
 */
function rollbackIfRecent(
  d: Diagnosis,
  policy: WorkloadRecoveryPolicy,
  now: Date | undefined,
  name: string,
  symptom: string,
): Plan | undefined {
  const rollout = d.rollout;
  const rollsBack = d.workload.kind === 'Deployment' || d.workload.kind === 'StatefulSet';
  if (!rollsBack || !rollout?.previousRevision) return undefined;
  if (rollout.previousTemplateHash && rollout.previousTemplateHash === d.rolledBackFrom) return undefined;
  if (now && rollout.changedAt) {
    const age = now.getTime() - Date.parse(rollout.changedAt);
    if (!(age >= 0 && age <= msToNumber(policy.rollbackWindow))) return undefined;
  } else if (now) return undefined;
  const changed = rollout.changes
    .map((c) => `${c.field}${c.container ? ` of ${c.container}` : ''}`)
    .join(', ');
  return {
    strategy: 'rollback',
    toRevision: rollout.previousRevision,
    detail: `${name} ${symptom} since revision ${rollout.revision}${changed ? ` (changed: ${changed})` : ''}: roll back to revision ${rollout.previousRevision}`,
    ...(policy.rollbackRequiresApproval ? { approval: 'workload.rollback_requires_approval is true' } : {}),
  };
}

function restart(d: Diagnosis, name: string): Plan {
  if (d.workload.kind === 'Pod' || REPORT_ONLY_KINDS.has(d.workload.kind) || d.workload.kind === 'ReplicaSet')
    return {
      strategy: 'report',
      detail: `${name} keeps crashing; a ${d.workload.kind} is reported, not restarted by the product`,
    };
  if (d.management.paused)
    return {
      strategy: 'report',
      detail: `${name} keeps crashing and is paused; a paused Deployment is not restarted`,
    };
  return {
    strategy: 'restart',
    detail: `${name} keeps crashing with no recent rollout to blame: restart it`,
  };
}

function imageReport(d: Diagnosis): Plan {
  const image = d.image;
  const facts = image
    ? `image ${image.image} from ${image.registry} (pull secrets: ${image.pullSecrets.join(', ') || 'none'})${image.message ? `: ${image.message}` : ''}`
    : 'its image';
  return {
    strategy: 'report',
    detail: `cannot pull ${facts}; the latest rollout did not change the image, so there is nothing to roll back to`,
  };
}

function deletePod(d: Diagnosis, name: string): Plan {
  const pod = d.failingPods[0];
  if (!pod)
    return { strategy: 'report', detail: `${name} is unhealthy but no failing pod is left to replace` };
  if (REPORT_ONLY_KINDS.has(d.workload.kind))
    return {
      strategy: 'report',
      detail: `pod ${pod} of ${name} failed; ${d.workload.kind} pods are reported, not deleted`,
    };
  if (d.workload.kind === 'Pod')
    return {
      strategy: 'delete-pod',
      pod,
      detail: `delete the failed pod ${pod}, which has no controller to replace it`,
      approval: 'the pod has no controller: nothing recreates it',
    };
  return { strategy: 'delete-pod', pod, detail: `evict the failed pod ${pod} so ${name} replaces it` };
}
