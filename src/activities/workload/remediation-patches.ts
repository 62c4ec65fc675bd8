/**
 * The JSON patches of the remediations, pure over the snapshot they are computed from. Each writes
 * the product's annotations in the same patch (remediation times, what was done by whom), so the
 * cooldown and the "never roll forward again" rule survive any workflow history.
 */
import { bytesQuantity, WorkloadAnnotations } from '../../domain';
import type { WorkloadPatch } from '../ports';
import type { WorkloadObject, WorkloadSnapshot } from './snapshot';
import type { Remediation } from './types';

/** Remediation times kept in the annotation. */
const KEPT = 10;

/** Deployment annotations a rollback keeps at their current values (kubectl's annotationsToSkip). */
const ROLLBACK_SKIPPED = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
];

export type PatchPlan = { patch: WorkloadPatch; detail: string } | { refused: string };

interface Context {
  snapshot: WorkloadSnapshot;
  object: WorkloadObject;
  /** `<workflow ID>#<step>`: written on the workload, so a retried attempt finds its work done. */
  token: string;
  now: Date;
}

export function patchFor(remediation: Remediation, context: Context): PatchPlan {
  switch (remediation.kind) {
    case 'raise-memory':
      return raiseMemory(context, remediation.container, remediation.limitBytes);
    case 'rollback':
      return rollback(context, remediation.toRevision);
    case 'restart':
      return restart(context);
    case 'delete-pod':
      return { refused: 'a pod is evicted, not patched' };
  }
}

function ours({ object, token, now }: Context, extra: Record<string, string> = {}): Record<string, string> {
  const times = [
    ...(object.annotations[WorkloadAnnotations.remediations] ?? '').split(','),
    now.toISOString(),
  ]
    .filter(Boolean)
    .slice(-KEPT);
  return {
    [WorkloadAnnotations.remediations]: times.join(','),
    [WorkloadAnnotations.lastRemediation]: token,
    ...extra,
  };
}

function raiseMemory(context: Context, container: string, limitBytes: number): PatchPlan {
  const { snapshot, object } = context;
  if (snapshot.target.kind === 'Pod') return { refused: "a pod's resources cannot be changed in place" };
  const index = object.template.containers.findIndex((c) => c.name === container);
  const spec = object.template.containers[index];
  if (!spec) return { refused: `container ${container} is not in the template` };
  const limit = bytesQuantity(limitBytes);
  const { limits = {}, requests } = spec.resources;
  const raiseRequest = requests?.memory !== undefined && requests.memory === limits.memory;
  const resources = {
    ...spec.resources,
    limits: { ...limits, memory: limit },
    ...(requests ? { requests: raiseRequest ? { ...requests, memory: limit } : requests } : {}),
  };
  return {
    detail: `raised the memory limit of ${container} from ${limits.memory ?? 'none'} to ${limit}${raiseRequest ? ' (and its request)' : ''}`,
    patch: {
      resourceVersion: object.resourceVersion,
      operations: [
        { op: 'replace', path: `/spec/template/spec/containers/${index}/resources`, value: resources },
        { op: 'add', path: '/metadata/annotations', value: { ...object.annotations, ...ours(context) } },
      ],
    },
  };
}

function rollback(context: Context, toRevision: number): PatchPlan {
  const { snapshot, object } = context;
  if (snapshot.target.kind !== 'Deployment' && snapshot.target.kind !== 'StatefulSet')
    return {
      refused: `rollback is built for Deployments and StatefulSets; roll back ${snapshot.target.kind}s with kubectl rollout undo`,
    };
  if (object.paused)
    return { refused: 'the Deployment is paused (kubectl refuses to roll back a paused Deployment too)' };
  const [latest] = snapshot.revisions;
  const target = snapshot.revisions.find((r) => r.revision === toRevision);
  if (!target) return { refused: `unable to find specified revision ${toRevision} in history` };
  if (JSON.stringify(target.rawTemplate) === JSON.stringify(withoutHash(object.rawTemplate)))
    return { refused: `current template already matches revision ${toRevision}` };
  // A Deployment takes the revision's annotations back (kubectl's rule); a StatefulSet keeps its own.
  const annotations =
    snapshot.target.kind === 'Deployment'
      ? deploymentRollbackAnnotations(target.annotations, object.annotations)
      : { ...object.annotations };
  const from: Record<string, string> = latest?.templateHash
    ? { [WorkloadAnnotations.rolledBackFrom]: latest.templateHash }
    : {};
  return {
    detail: `rolled back from revision ${latest?.revision ?? '?'} to revision ${toRevision}`,
    patch: {
      resourceVersion: object.resourceVersion,
      operations: [
        { op: 'replace', path: '/spec/template', value: target.rawTemplate },
        { op: 'add', path: '/metadata/annotations', value: { ...annotations, ...ours(context, from) } },
      ],
    },
  };
}

/** The revision's annotations, but kubectl's skipped ones at their current values. */
function deploymentRollbackAnnotations(
  revision: Readonly<Record<string, string>>,
  current: Readonly<Record<string, string>>,
): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(revision))
    if (!ROLLBACK_SKIPPED.includes(key)) annotations[key] = value;
  for (const key of ROLLBACK_SKIPPED) {
    const value = current[key];
    if (value !== undefined) annotations[key] = value;
  }
  return annotations;
}

function restart(context: Context): PatchPlan {
  const { snapshot, object, now } = context;
  if (
    snapshot.target.kind === 'Pod' ||
    snapshot.target.kind === 'Job' ||
    snapshot.target.kind === 'ReplicaSet'
  )
    return {
      refused: `a ${snapshot.target.kind} cannot be rolled out again (kubectl rollout restart supports Deployments, StatefulSets and DaemonSets)`,
    };
  if (object.paused) return { refused: "can't restart a paused Deployment" };
  const template = object.rawTemplate as { metadata?: { annotations?: Record<string, string> } };
  const restartedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    detail: `restarted the rollout (${WorkloadAnnotations.restartedAt}=${restartedAt})`,
    patch: {
      resourceVersion: object.resourceVersion,
      operations: [
        {
          op: 'add',
          path: '/spec/template/metadata',
          value: {
            ...template.metadata,
            annotations: {
              ...template.metadata?.annotations,
              [WorkloadAnnotations.restartedAt]: restartedAt,
            },
          },
        },
        { op: 'add', path: '/metadata/annotations', value: { ...object.annotations, ...ours(context) } },
      ],
    },
  };
}

/** The Deployment's template as a ReplicaSet's would compare (Deployments carry no pod-template-hash, but be sure). */
function withoutHash(template: unknown): unknown {
  const copy = structuredClone(template) as { metadata?: { labels?: Record<string, string> } };
  delete copy.metadata?.labels?.['pod-template-hash'];
  return copy;
}
