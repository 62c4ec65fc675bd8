/**
 * The detector's way to routed alerts: an analysis finding starts (or joins) its alert workflow,
 * one per rule and target ({@link analysisAlertWorkflow}); a cleared one signals it `Ready`. Used
 * by the Prometheus analysis (../analysis-alerts.ts) and by the detector's watch-based findings
 * (zone losses, storage Events) alike.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { ConfigSource } from '../../config/config-source';
import type { AnalysisFinding, AnalysisTarget } from '../../domain/analysis';
import { describeTarget } from '../../domain/analysis';
import type { Logger } from '../../logging';
import { errorText } from '../../logging';
import { analysisAlertWorkflow } from '../../workflows/analysis/analysis-alert';
import { analysisAlertWorkflowId } from '../../workflows/ids';
import { evidenceSignal } from '../../workflows/messages';
import { humanLoopPolicy, startOrJoin } from '../recoveries';
import type { AnalysisAlerts } from './types';

/** The {@link AnalysisAlerts} over a Temporal client. */
export function temporalAnalysisAlerts(options: {
  client: Client;
  taskQueue: string;
  configSource: ConfigSource;
  logger: Logger;
}): AnalysisAlerts {
  const { client, taskQueue, configSource, logger } = options;
  return {
    alert(finding) {
      const config = configSource.current();
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
    cleared: (rule, target) => void signalCleared(client, rule, target, logger),
  };
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
