/**
 * A command's `<target>`: a node name, a workload as `Kind/namespace/name` (e.g.
 * `Deployment/shop/web`), a Service as `Service/namespace/name`, and the workflow ID of its recovery.
 */
import type { ServiceTarget, WorkloadKind, WorkloadTarget } from '../../domain';
import { WorkloadKinds } from '../../domain';
import {
  nodeRecoveryWorkflowId,
  serviceRecoveryWorkflowId,
  workloadRecoveryWorkflowId,
} from '../../workflows/ids';
import { UsageError } from './errors';

/** Help text that explains what a target is. */
export const TARGET_HELP =
  'a node name, a workload as Kind/namespace/name (e.g. Deployment/shop/web), a Service as Service/namespace/name, or a workflow ID (e.g. analysis/error_rate/service/shop/web)';

/** Workflow IDs the CLI takes as they are. */
const WORKFLOW_ID = /^(node-recovery|workload-recovery|service-recovery|analysis)\/./;

/**
 * The workflow ID of a target's recovery.
 * @throws UsageError naming the part that is wrong when a workload target is malformed.
 */
export function recoveryIdOf(command: string, target: string): string {
  if (WORKFLOW_ID.test(target)) return target;
  if (target.startsWith('Service/')) return serviceRecoveryWorkflowId(serviceOf(command, target));
  return target.includes('/')
    ? workloadRecoveryWorkflowId(workloadOf(command, target))
    : nodeRecoveryWorkflowId(nodeOf(command, target));
}

/** A workload target, `Kind/namespace/name`. @throws UsageError naming the part that is wrong. */
export function workloadOf(command: string, target: string): WorkloadTarget {
  const parts = target.split('/');
  const [kind, namespace, name] = parts;
  if (parts.length !== 3 || !namespace || !name)
    throw new UsageError(`${command}: a workload is Kind/namespace/name (got "${target}")`);
  if (!WorkloadKinds.includes(kind as WorkloadKind))
    throw new UsageError(`${command}: the kind must be one of ${WorkloadKinds.join(', ')} (got "${kind}")`);
  return { kind: kind as WorkloadKind, namespace, name };
}

/** A Service target, `Service/namespace/name`. @throws UsageError naming the part that is wrong. */
export function serviceOf(command: string, target: string): ServiceTarget {
  const parts = target.split('/');
  const [kind, namespace, name] = parts;
  if (parts.length !== 3 || kind !== 'Service' || !namespace || !name)
    throw new UsageError(`${command}: a Service is Service/namespace/name (got "${target}")`);
  return { namespace, name };
}

/** A node name. @throws UsageError when it is blank. */
export function nodeOf(command: string, target: string): string {
  if (!target.trim()) throw new UsageError(`${command} needs a node name (got "${target}")`);
  return target;
}
