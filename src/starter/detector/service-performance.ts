/**
 * The analysis' performance findings on a Service (`response_time`, `error_rate`) as Service
 * recoveries: besides its routed alert, such a finding starts (or joins) the Service's recovery
 * when `service.recover_performance` is on, with the finding's type as reason and its summary as
 * message; its clearing tells the recovery `Ready`. Pure: ./alert-gateway.ts makes the calls.
 */
import type { RecoveryConfig } from '../../config/recovery-config';
import type { AnalysisFinding, AnalysisTarget, ServiceRecoveryInput, ServiceTarget } from '../../domain';
import { serviceRecoveryPolicy } from '../recoveries';

/** The analysis rules whose findings on a Service are the Service's performance. */
export const PerformanceRules = ['response_time', 'error_rate'] as const;

/** The Service a performance finding of `rule` on `target` concerns, when it should be recovered. */
export function performanceService(
  rule: string,
  target: AnalysisTarget,
  config: RecoveryConfig,
): ServiceTarget | undefined {
  if (!config.service.enabled || !config.service.recover_performance) return undefined;
  if (target.kind !== 'service' || !target.namespace) return undefined;
  if (!(PerformanceRules as readonly string[]).includes(rule)) return undefined;
  return { namespace: target.namespace, name: target.name };
}

/** The recovery a performance finding starts, or undefined when it starts none. */
export function performanceRecoveryInput(
  finding: AnalysisFinding,
  config: RecoveryConfig,
  detectedAt: string,
): ServiceRecoveryInput | undefined {
  const service = performanceService(finding.rule, finding.target, config);
  if (!service) return undefined;
  return {
    service,
    reason: finding.type,
    message: finding.summary,
    detectedAt,
    policy: serviceRecoveryPolicy(config),
  };
}
