/** Verification: the node (or its replacement) Ready and schedulable, the evicted workloads back. */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { WorkloadRef } from '../../domain';
import type { NodesPort, WorkloadsPort } from '../ports';

/** Thrown (retryable) by verification while the cluster is not there yet; the retry policy polls. */
export const NOT_READY_YET = 'NotReadyYet';

export function createVerifyActivity({ cluster }: { cluster: NodesPort & WorkloadsPort }) {
  return {
    /**
     * Succeeds when the node (if given) is Ready and schedulable and every workload has its desired
     * ready replicas; otherwise fails retryably with what is still missing.
     */
    async verifyNodeRecovery({
      node,
      workloads,
    }: {
      node?: string;
      workloads: WorkloadRef[];
    }): Promise<string> {
      const missing: string[] = [];
      const done: string[] = [];
      if (node) {
        const health = await cluster.readNodeHealth(node);
        // Deleted meanwhile (by an autoscaler or a person): there is no node left to wait for.
        if (health.ready === 'gone') done.push(`${node} gone`);
        else if (health.ready !== 'True' || health.unschedulable)
          missing.push(`${node} Ready=${health.ready}${health.unschedulable ? ', unschedulable' : ''}`);
        else done.push(`${node} Ready`);
      }
      for (const w of await cluster.readWorkloads(workloads)) {
        const name = `${w.kind} ${w.namespace}/${w.name}`;
        if (w.gone) done.push(`${name} gone`);
        else if (w.ready < w.desired) missing.push(`${name} ${w.ready}/${w.desired} ready`);
        else done.push(`${name} ${w.ready}/${w.desired} ready`);
      }
      if (missing.length > 0) {
        // Expected for a while: benign, so the SDK logs it quietly and metrics do not count it as an error.
        throw ApplicationFailure.create({
          type: NOT_READY_YET,
          message: `not ready yet: ${missing.join(', ')}`,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      return `verified: ${done.join(', ') || 'nothing to wait for'}`;
    },
  };
}
