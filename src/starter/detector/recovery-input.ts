/**
 * The one place a detector finding and the config in force become a recovery's start request.
 * The workflow follows the policy snapshotted here (built by `nodeRecoveryPolicy`, shared with the
 * CLI), not the live ConfigMap, so its history stays deterministic; a config change applies to
 * recoveries started after it.
 */
import type { RecoveryConfig } from '../../config/recovery-config';
import type { NodeRecoveryInput } from '../../domain';
import { nodeRecoveryPolicy } from '../recoveries';
import type { NodeFinding } from './rules';

/** The start request of a node recovery for `finding`, under `config`. */
export function recoveryInputFor(finding: NodeFinding, config: RecoveryConfig): NodeRecoveryInput {
  return {
    node: finding.node,
    reason: finding.reason,
    detectedAt: new Date(finding.windowElapsedAt).toISOString(),
    policy: nodeRecoveryPolicy(config, finding.totalNodes),
  };
}
