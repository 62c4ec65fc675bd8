/**
 * Which workload a pod belongs to, and who opted it out: pure functions over the trimmed caches.
 *
 * A pod's owner is its controller reference (or, without one, its first owner of a kind we know):
 * ReplicaSet → its Deployment, or the ReplicaSet itself when no Deployment controls it;
 * StatefulSet, DaemonSet and Job as they are (a CronJob's pods belong to their Job). A pod owned by
 * nothing, or by a kind we do not know (a Node for a static pod's mirror, a custom controller), is
 * its own workload, kind `Pod`. A ReplicaSet missing from the cache (deleted, or not seen yet)
 * groups by its own name, the nearest owner known, flagged `unknownOwner`: the source reports no
 * failure on it. A ReplicaSet's owners are read one level only, so owner cycles cannot loop.
 */
import type { WorkloadKind, WorkloadTarget } from '../../domain';
import type { OwnerView, PodView } from './pod-rules';

/** What the grouping needs of a ReplicaSet from the cache. */
export interface ReplicaSetView {
  owners: readonly OwnerView[];
  labels: Readonly<Record<string, string>>;
  /** `spec.replicas`, when the cache has a usable one: how many pods it wants. */
  replicas?: number;
}

/** A pod's workload, with its labels when the cache knows them. */
export interface WorkloadOf {
  target: WorkloadTarget;
  /** The workload object's labels (a bare ReplicaSet's); undefined when not cached (Deployments, ...). */
  labels?: Readonly<Record<string, string>>;
  /**
   * Set (`ReplicaSet/<name>`) when the pod's ReplicaSet is not in the cache: deleted (the pod is
   * about to be collected) or not seen yet. Its workload is unknown then (a Deployment's, or its
   * own?), and `target` is only the nearest owner known: no recovery starts on it.
   */
  unknownOwner?: string;
}

/** Owner kinds a pod may have that name a workload of ours. */
const POD_OWNER_KINDS: readonly WorkloadKind[] = ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];

/**
 * The workload `view` belongs to.
 * @param replicaSet looks a ReplicaSet up in the cache by namespace and name.
 */
export function workloadOf(
  view: PodView,
  replicaSet: (namespace: string, name: string) => ReplicaSetView | undefined,
): WorkloadOf {
  const { namespace } = view;
  const owner = ownerOf(view.owners, POD_OWNER_KINDS);
  if (!owner) return { target: { kind: 'Pod', namespace, name: view.name } };
  if (owner.kind !== 'ReplicaSet') return { target: { kind: owner.kind, namespace, name: owner.name } };
  const rs = replicaSet(namespace, owner.name);
  const target = replicaSetWorkload(namespace, owner.name, rs);
  if (!rs) return { target, unknownOwner: `ReplicaSet/${owner.name}` };
  return target.kind === 'Deployment' ? { target } : { target, labels: rs.labels };
}

/**
 * The workload of the ReplicaSet `namespace/name`: the Deployment that controls it (its controller
 * reference, or without one its first Deployment owner), else the ReplicaSet itself. Owner
 * references are read one level only, so an owner that points back (at itself, or at a ReplicaSet
 * that points back) can never loop: such a ReplicaSet is its own workload.
 */
export function replicaSetWorkload(
  namespace: string,
  name: string,
  rs: Pick<ReplicaSetView, 'owners'> | undefined,
): WorkloadTarget {
  const deployment = rs ? ownerOf(rs.owners, ['Deployment']) : undefined;
  return deployment
    ? { kind: 'Deployment', namespace, name: deployment.name }
    : { kind: 'ReplicaSet', namespace, name };
}

/** The controller reference if its kind is one of `kinds`, else the first owner of such a kind. */
function ownerOf(
  owners: readonly OwnerView[],
  kinds: readonly WorkloadKind[],
): { kind: WorkloadKind; name: string } | undefined {
  const known = (o: OwnerView) => (kinds as readonly string[]).includes(o.kind);
  const controller = owners.find((o) => o.controller);
  const owner = controller && known(controller) ? controller : controller ? undefined : owners.find(known);
  return owner ? { kind: owner.kind as WorkloadKind, name: owner.name } : undefined;
}

/**
 * Why the pod's failure is not remediated, or undefined: `<label>=true` on the pod, on its workload
 * (when its labels are known) or on its namespace.
 */
export function podOptOutReason(
  label: string,
  where: {
    pod: Readonly<Record<string, string>>;
    workload?: Readonly<Record<string, string>>;
    namespace?: Readonly<Record<string, string>>;
  },
): string | undefined {
  if (where.pod[label] === 'true') return `pod label ${label}=true`;
  if (where.workload?.[label] === 'true') return `workload label ${label}=true`;
  if (where.namespace?.[label] === 'true') return `namespace label ${label}=true`;
  return undefined;
}
