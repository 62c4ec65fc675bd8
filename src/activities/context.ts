/**
 * What an activity knows about the recovery it works for: the workflow it names on Events, and the
 * run that owns what it cordons (see CordonRequest.owner).
 */
import { activityInfo } from '@temporalio/activity';
import type { NodeHealth } from '../domain';
import type { NodesPort } from './ports';

export const workflowId = (): string => activityInfo().workflowExecution?.workflowId ?? 'unknown';

/** The run that owns what this activity cordons. */
export const cordonOwner = (): string => activityInfo().workflowExecution?.runId ?? 'unknown';

/** Whose a node is, read right before a mutation: see {@link NodesPort.cordon} for ownership. */
export type Ownership = 'ours' | 'taken-back' | 'gone';

/** Whose the node is, from a read: still cordoned by this run, taken back by someone, or deleted. */
export function ownershipOf(health: NodeHealth): Ownership {
  if (health.ready === 'gone') return 'gone';
  return health.unschedulable && health.cordonOwner === cordonOwner() ? 'ours' : 'taken-back';
}

/** Reads the node and says whose it is. */
export async function ownership(nodes: Pick<NodesPort, 'readNodeHealth'>, node: string): Promise<Ownership> {
  return ownershipOf(await nodes.readNodeHealth(node));
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
