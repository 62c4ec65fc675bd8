/**
 * What the analysis engine's findings become in the detector: each is a routed alert, one
 * workflow per rule and target (`analysisAlertWorkflow`), told again on each new finding and
 * `Ready` when it clears; a Service's response_time or error_rate finding also starts the
 * Service's recovery (./detector/service-performance.ts). When Prometheus stops answering, the analysis says
 * it is degraded (log, Event on the config ConfigMap, the `self_healing_analysis_up` gauge) and
 * the watch-based rules go on. The alert calls are ./detector/alert-gateway.ts, shared with the
 * detector's watch-based findings. Queries are checked by Prometheus' own parser whenever the config
 * changes; a bad one is logged and recorded as an Event naming its key.
 */
import type { Client } from '@temporalio/client';
import type { DetectorKubernetes, ObjectRef } from '../activities/kubernetes/watch';
import { createPrometheusSource } from '../activities/metrics-source';
import { analysisActive, validateQueries } from '../config/analysis-config';
import type { ConfigSource } from '../config/config-source';
import type { Logger } from '../logging';
import type { AnalysisLoop } from './detector/analysis';
import { createAnalysisLoop } from './detector/analysis';
import { temporalAnalysisAlerts } from './detector/alert-gateway';

export interface AnalysisAlertsOptions {
  client: Client;
  taskQueue: string;
  configSource: ConfigSource;
  events: DetectorKubernetes['events'];
  /** Where the analysis' own Events go (the config ConfigMap). */
  alertTarget: ObjectRef;
  logger: Logger;
}

export function createAnalysisAlerts(options: AnalysisAlertsOptions): AnalysisLoop {
  const { client, taskQueue, configSource, logger } = options;
  const event = (type: 'Normal' | 'Warning', reason: string, message: string) =>
    void options.events.record({ involvedObject: options.alertTarget, type, reason, message });
  const alerts = temporalAnalysisAlerts({ client, taskQueue, configSource, logger });
  const loop = createAnalysisLoop({
    config: () => configSource.current().analysis,
    logger,
    onFinding: (finding) => alerts.alert(finding),
    onCleared: (rule, target) => alerts.cleared(rule, target),
    onDegraded: (reason) => {
      logger.error('analysis degraded: Prometheus does not answer; the watch-based rules go on', { reason });
      event('Warning', 'AnalysisDegraded', `analysis degraded: ${reason}; the watch-based rules go on`);
    },
    onRecovered: () => {
      logger.info('analysis recovered: Prometheus answers again');
      event('Normal', 'AnalysisRecovered', 'analysis recovered: Prometheus answers again');
    },
  });
  const check = () => void checkQueries(configSource, logger, event);
  configSource.onChange((config, previous) => {
    if (JSON.stringify(config.analysis) !== JSON.stringify(previous.analysis)) check();
  });
  check();
  return loop;
}

/** Asks Prometheus' parser about every query in force; a bad one is named by its key. */
async function checkQueries(
  configSource: ConfigSource,
  logger: Logger,
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => void,
): Promise<void> {
  const config = configSource.current().analysis;
  if (!analysisActive(config)) return;
  const source = createPrometheusSource({
    url: config.prometheus_url,
    timeoutMs: config.query_timeout * 1000,
  });
  const verdict = await validateQueries(config, source);
  if (verdict.unchecked)
    logger.warn('analysis queries not checked by Prometheus', { why: verdict.unchecked });
  for (const issue of verdict.issues) {
    logger.error('invalid analysis query', { issue });
    event('Warning', 'InvalidConfig', issue);
  }
}
