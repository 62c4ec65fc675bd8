/**
 * The detector's way to routed alerts: an analysis finding starts (or joins) its alert workflow,
 * one per rule and target ({@link analysisAlertWorkflow}); a cleared one signals it `Ready`. Used
 * by the Prometheus analysis (../analysis-alerts.ts) and by the detector's watch-based findings
 * (zone losses, storage Events) alike. A Service's performance finding (`response_time`,
 * `error_rate`) also starts the Service's recovery, and its clearing signals it `Ready`
 * (./service-performance.ts; `service.recover_performance`).
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ConfigSource } from '../../config/config-source';
import type { ServiceRecoveryInput, ServiceTarget } from '../../domain';
import { serviceName } from '../../domain';
import type { AnalysisFinding, AnalysisTarget } from '../../domain/analysis';
import { describeTarget } from '../../domain/analysis';
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import { analysisAlertWorkflow } from '../../workflows/analysis/analysis-alert';
import { analysisAlertWorkflowId } from '../../workflows/ids';
import { evidenceSignal } from '../../workflows/messages';
import { humanLoopPolicy, startOrJoin } from '../recoveries';
import { temporalRecoveryGateway } from './gateway';
import { performanceRecoveryInput, performanceService } from './service-performance';
import type { AnalysisAlerts, ServiceGateway } from './types';

/** The {@link AnalysisAlerts} over a Temporal client. */
export function temporalAnalysisAlerts(options: {
  client: Client;
  taskQueue: string;
  configSource: ConfigSource;
  logger: Logger;
  /** Where performance findings start Service recoveries. @default over `client` */
  services?: ServiceGateway;
}): AnalysisAlerts {
  const { client, taskQueue, configSource, logger } = options;
  const services = options.services ?? temporalRecoveryGateway(client, taskQueue);
  return {
    alert(finding) {
      const config = configSource.current();
      recoverService(services, performanceRecoveryInput(finding, config, new Date().toISOString()), logger);
      const input = {
        finding,
        detectedAt: new Date().toISOString(),
        openFor: config.analysis.alert_open_for,
        dryRun: config.dry_run,
        humans: humanLoopPolicy(config),
      };
      startOrJoin(client, taskQueue, analysisAlertWorkflow, input, {
        workflowId: analysisAlertWorkflowId(finding.rule, finding.target),
        kind: 'analysis',
        target: describeTarget(finding.target),
        evidence: { observedAt: input.detectedAt, reason: finding.type, message: finding.summary },
      }).then(
        () => logger.info('analysis finding alerted', findingFields(finding)),
        (error: unknown) =>
          logger.error('could not start the alert of an analysis finding', {
            ...findingFields(finding),
            error: errorText(error),
          }),
      );
    },
    cleared(rule, target) {
      void signalCleared(client, rule, target, logger);
      const service = performanceService(rule, target, configSource.current());
      if (service) void signalServiceReady(services, service, logger);
    },
  };
}

/** Starts (or joins) the Service's recovery for a performance finding; failures are logged. */
function recoverService(
  services: ServiceGateway,
  input: ServiceRecoveryInput | undefined,
  logger: Logger,
): void {
  if (!input) return;
  const fields = { service: serviceName(input.service), reason: input.reason };
  services.startService(input).then(
    ({ workflowId }) =>
      logger.info('service recovery started for a performance finding', { ...fields, workflowId }),
    (error: unknown) =>
      logger.error('could not start the service recovery of a performance finding', {
        ...fields,
        error: errorText(error),
      }),
  );
}

async function signalServiceReady(
  services: ServiceGateway,
  service: ServiceTarget,
  logger: Logger,
): Promise<void> {
  try {
    const evidence = { observedAt: new Date().toISOString(), reason: 'Ready' as const };
    const outcome = await services.signalService(service, evidence);
    logger.info('service performance cleared', { service: serviceName(service), outcome });
  } catch (error) {
    logger.warn('could not tell a service recovery its performance cleared', {
      service: serviceName(service),
      error: errorText(error),
    });
  }
}

/** An {@link AnalysisAlerts} that only logs (a detector without Temporal, e.g. in tests). */
export function loggedAnalysisAlerts(logger: Logger): AnalysisAlerts {
  return {
    alert: (finding) => logger.warn('analysis finding (no alert route)', findingFields(finding)),
    cleared: (rule, target) =>
      logger.info('analysis finding cleared (no alert route)', { rule, target: describeTarget(target) }),
  };
}

async function signalCleared(
  client: Client,
  rule: string,
  target: AnalysisTarget,
  logger: Logger,
): Promise<void> {
  const workflowId = analysisAlertWorkflowId(rule, target);
  try {
    await client.workflow
      .getHandle(workflowId)
      .signal(evidenceSignal, { observedAt: new Date().toISOString(), reason: 'Ready' });
    logger.info('analysis finding cleared', { rule, target: describeTarget(target) });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return;
    logger.warn('could not tell an analysis alert its finding cleared', {
      workflowId,
      error: errorText(error),
    });
  }
}

function findingFields(finding: AnalysisFinding) {
  return {
    rule: finding.rule,
    type: finding.type,
    target: describeTarget(finding.target),
    severity: finding.severity,
    value: finding.evidence.value,
  };
}
