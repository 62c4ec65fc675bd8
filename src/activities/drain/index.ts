/**
 * Draining a node with `kubectl drain` semantics, over the ClusterPort. A plain async function: the
 * activity around it supplies heartbeats (onProgress), the clock and cancellation.
 *
 * Decisions, in the order kubectl drain takes them:
 * - already-terminating pods are waited for, never evicted again (so a re-run after a worker crash
 *   evicts nothing twice);
 * - Succeeded/Failed pods are deleted: they hold no workload and no disruption budget counts them;
 * - DaemonSet pods and static (mirror) pods are left: their controller would put them straight back;
 * - emptyDir pods are evicted only with `deleteEmptyDirData` (their data is lost), else reported;
 * - pods without a controller are left and reported (`skip`), or deleted (`delete`, only after a
 *   human approved it), since nothing would recreate them;
 * - the rest are evicted through the Eviction API with their own grace period, several at once as
 *   kubectl drain does (at most `concurrency`); a 429 (a PodDisruptionBudget) is retried with
 *   exponential backoff and the budget is reported.
 * The drain then waits until the pods are gone from the node. Its timeout is finite: at the
 * deadline it returns a `timed-out` report instead of throwing or hanging.
 *
 * Nothing stands between the first listing and the first eviction: the pods are listed without
 * resolving their workloads (a ReplicaSet's Deployment costs an API call per ReplicaSet), and the
 * workloads of the pods that leave are resolved after the evictions were issued.
 */
import type { PdbsPort, PodsPort } from '../ports';
import { planDrain } from './plan';
import { Drain } from './run';
import type { DrainHooks, DrainOptions, DrainReport } from './types';

export type { DrainHooks, DrainOptions, DrainProgress, DrainReport, SkipReason } from './types';
export { DRAIN_POLL_MS, EvictionBackoff, workloadsOf } from './types';

/**
 * Drains `options.node`. Never throws for a PodDisruptionBudget or a timeout (those are in the
 * report); API failures other than 404/429 propagate as classified ApplicationFailures.
 * @throws CancelledFailure when `hooks.isCancelled()` turns true.
 */
export async function drainNode(
  cluster: PodsPort & PdbsPort,
  options: DrainOptions,
  hooks: DrainHooks,
): Promise<DrainReport> {
  if (options.dryRun) return planDrain(cluster, options, await cluster.listPodsOnNode(options.node));
  const pods = await cluster.listPodsOnNode(options.node, { resolveWorkloads: false });
  return new Drain(cluster, options, hooks).run(pods);
}

/** Dry-run: the same decisions, with budgets counted down as the evictions would spend them. */
