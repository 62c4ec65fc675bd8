/**
 * Resolves a pod's controller to the workload whose readiness proves the pod was replaced. A
 * ReplicaSet's owning Deployment costs a GET; the answer is remembered for a while, so the drain's
 * re-listings, and the next recovery in the same namespace, cost no call. A ReplicaSet's name
 * carries its pod template's hash, so a name seen again within the TTL has the same owner.
 */
import type { AppsV1Api } from '@kubernetes/client-node';
import type { WorkloadRef } from '../../domain';
import type { PodOnNode } from '../ports';
import type { ApiCalls } from './api-calls';

/** How long a ReplicaSet's owning workload is remembered, and how many are. */
const WORKLOAD_CACHE_TTL_MS = 10 * 60_000;
const WORKLOAD_CACHE_MAX = 10_000;

type Controller = PodOnNode['controller'];

export class WorkloadResolver {
  private readonly known = new Map<string, { workload: WorkloadRef; at: number }>();
  private readonly pending = new Map<string, Promise<WorkloadRef>>();

  constructor(
    private readonly apps: AppsV1Api,
    private readonly calls: ApiCalls,
  ) {}

  /** The workload, when it is known without an API call. */
  cached(namespace: string, owner: Controller): WorkloadRef | undefined {
    if (owner?.kind === 'StatefulSet') return { kind: 'StatefulSet', namespace, name: owner.name };
    if (owner?.kind !== 'ReplicaSet') return undefined;
    const key = `${namespace}/${owner.name}`;
    const entry = this.known.get(key);
    if (entry && Date.now() - entry.at < WORKLOAD_CACHE_TTL_MS) return entry.workload;
    this.known.delete(key);
    return undefined;
  }

  /** The workload, from the cache or one GET of the ReplicaSet shared by concurrent callers. */
  resolve(namespace: string, owner: Controller): Promise<WorkloadRef | undefined> {
    const cached = this.cached(namespace, owner);
    if (cached || owner?.kind !== 'ReplicaSet') return Promise.resolve(cached);
    const key = `${namespace}/${owner.name}`;
    let resolved = this.pending.get(key);
    if (!resolved) {
      resolved = this.ownerOfReplicaSet(namespace, owner.name)
        .then((workload) => this.remember(key, workload))
        .finally(() => this.pending.delete(key));
      this.pending.set(key, resolved);
    }
    return resolved;
  }

  /** The pod with its `workload` resolved. */
  async withWorkload(pod: PodOnNode): Promise<PodOnNode> {
    if (pod.workload) return pod;
    const workload = await this.resolve(pod.namespace, pod.controller);
    return workload ? { ...pod, workload } : pod;
  }

  private async ownerOfReplicaSet(namespace: string, name: string): Promise<WorkloadRef> {
    const rs = await this.calls.apiOrGone(`get replicasets ${namespace}/${name}`, () =>
      this.apps.readNamespacedReplicaSet({ name, namespace }),
    );
    const deployment = rs?.metadata?.ownerReferences?.find(
      (o) => o.controller === true && o.kind === 'Deployment',
    );
    return deployment
      ? { kind: 'Deployment', namespace, name: deployment.name }
      : { kind: 'ReplicaSet', namespace, name };
  }

  private remember(key: string, workload: WorkloadRef): WorkloadRef {
    if (this.known.size >= WORKLOAD_CACHE_MAX) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
    this.known.set(key, { workload, at: Date.now() });
    return workload;
  }
}
