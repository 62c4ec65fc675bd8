/**
 * The analysis engine for the detector: {@link createAnalysisLoop} over the `analysis.*` config, a
 * metric source (Prometheus by default) and the detector's clock. The host decides what a finding
 * becomes (a recovery where a strategy applies, otherwise a routed alert): see docs/analysis.md.
 */
import { createPrometheusSource } from '../../../activities/metrics-source';
import type { MetricSource } from '../../../activities/metrics-source';
import type { AnalysisConfig } from '../../../config/analysis-config';
import type { Logger } from '../../../logging';
import { jsonLogger } from '../../../logging';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import type { AnalysisListener } from './loop';
import { AnalysisLoop } from './loop';

export type { AnalysisListener, AnalysisStats } from './loop';
export { AnalysisLoop } from './loop';
export { mapLimit } from '../../map-limit';
export { AnalysisEngine } from './engine';
export type { ClearedTarget, RuleOutcome } from './engine';
export { analysisRulesOf } from './rules';
export type { AnalysisRuleSpec } from './rules';

export interface AnalysisLoopOptions extends AnalysisListener {
  /** The config in force, read at every cycle (e.g. `() => configSource.current().analysis`). */
  config: () => AnalysisConfig;
  /** @default Prometheus at `analysis.prometheus_url` with `analysis.query_timeout` */
  sourceFor?: (config: AnalysisConfig) => MetricSource;
  /** @default systemClock */
  clock?: Clock;
  /** @default jsonLogger() */
  logger?: Logger;
}

/**
 * Creates the loop; call `start()` to run it every `analysis.interval` and `stop()` to end it. It
 * does nothing while `analysis.enabled` is false or `analysis.prometheus_url` is empty.
 */
export function createAnalysisLoop(options: AnalysisLoopOptions): AnalysisLoop {
  const { config, sourceFor, clock, logger, ...listener } = options;
  return new AnalysisLoop({
    config,
    sourceFor:
      sourceFor ??
      ((c) => createPrometheusSource({ url: c.prometheus_url, timeoutMs: c.query_timeout * 1000 })),
    clock: clock ?? systemClock,
    logger: logger ?? jsonLogger(),
    listener,
  });
}
