/**
 * What an activity knows about the recovery it works for: the workflow it names on Events, and the
 * run that owns what it cordons (see CordonRequest.owner).
 */
import { activityInfo } from '@temporalio/activity';
import type { NodeHealth } from '../domain';
import { MANAGER } from '../domain';
import type { NodesPort } from './ports';

export const workflowId = (): string => activityInfo().workflowExecution?.workflowId ?? 'unknown';

/** The run that owns what this activity cordons. */
export const cordonOwner = (): string => activityInfo().workflowExecution?.runId ?? 'unknown';

/**
 * How the calling workflow owns cordons: `run` (by its run ID, the current rule). Absent in the
 * input of workflows that replay the code path from before owners: the product's `cordoned-by`
 * annotation alone decides for them, as it did when they cordoned.
 */
export interface OwnershipInput {
  ownership?: 'run';
}

/** The owner to write and check for this input: the run, or none for the older rule. */
export const ownerFor = (input: OwnershipInput): string | undefined =>
  input.ownership === 'run' ? cordonOwner() : undefined;

/** Whose a node is, read right before a mutation: see {@link NodesPort.cordon} for ownership. */
export type Ownership = 'ours' | 'taken-back' | 'gone';

/** Whose the node is, from a read: still cordoned by `owner` (see {@link ownerFor}), taken back, or deleted. */
export function ownershipOf(health: NodeHealth, owner: string | undefined): Ownership {
  if (health.ready === 'gone') return 'gone';
  const named = owner === undefined ? health.cordonedBy === MANAGER : health.cordonOwner === owner;
  return health.unschedulable && named ? 'ours' : 'taken-back';
}

/** Reads the node and says whose it is. */
export async function ownership(
  nodes: Pick<NodesPort, 'readNodeHealth'>,
  node: string,
  owner: string | undefined,
): Promise<Ownership> {
  return ownershipOf(await nodes.readNodeHealth(node), owner);
}

/**
 * `read`, answered from its last result while that is younger than `maxAgeMs`; concurrent callers
 * share one read in flight.
 */
export function freshFor<T>(maxAgeMs: number, read: () => Promise<T>, initial: T): () => Promise<T> {
  let last = { value: initial, at: Date.now() };
  let pending: Promise<T> | undefined;
  return () => {
    if (Date.now() - last.at < maxAgeMs) return Promise.resolve(last.value);
    pending ??= read()
      .then((value) => {
        last = { value, at: Date.now() };
        return value;
      })
      .finally(() => (pending = undefined));
    return pending;
  };
}
