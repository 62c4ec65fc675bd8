/** The analysis rules as the engine runs them, read from the `analysis.*` config. */
import type { AnalysisConfig, MetricRuleName, ThresholdRuleName } from '../../../config/analysis-config';
import { MetricRuleNames, ThresholdRuleNames } from '../../../config/analysis-config';
import type { AnomalyOptions } from '../../../domain/analysis';

/** A threshold rule: fires at or above `threshold` for `forMs`. */
export interface ThresholdRuleSpec {
  kind: 'threshold';
  name: ThresholdRuleName;
  query: string;
  threshold: number;
  forMs: number;
  /** `storage` for the PVC rule, `threshold` for the others. */
  findingType: 'threshold' | 'storage';
  unit: '%' | 'ms';
}

/** The anomaly rule: a robust z-score against a rolling baseline. */
export interface AnomalyRuleSpec {
  kind: 'anomaly';
  name: 'anomaly';
  query: string;
  options: Partial<AnomalyOptions> & Pick<AnomalyOptions, 'baselineMs' | 'confirm'>;
}

/** The exhaustion rule: a linear fit reaching 100 (percent used) within the horizon. */
export interface ExhaustionRuleSpec {
  kind: 'exhaustion';
  name: 'exhaustion';
  query: string;
  windowMs: number;
  horizonMs: number;
}

export type AnalysisRuleSpec = ThresholdRuleSpec | AnomalyRuleSpec | ExhaustionRuleSpec;

/** The metric rules `config.rules` enables, in config order (the watch-based ones run in the detector). */
export function analysisRulesOf(config: AnalysisConfig): AnalysisRuleSpec[] {
  return config.rules.filter(isMetricRule).map((name): AnalysisRuleSpec => {
    if (name === 'anomaly')
      return {
        kind: 'anomaly',
        name,
        query: config.anomaly_query,
        options: {
          baselineMs: config.anomaly_baseline * 1000,
          threshold: config.anomaly_threshold,
          confirm: config.anomaly_confirm,
          sides: config.anomaly_sides,
        },
      };
    if (name === 'exhaustion')
      return {
        kind: 'exhaustion',
        name,
        query: config.exhaustion_query,
        windowMs: config.exhaustion_window * 1000,
        horizonMs: config.exhaustion_horizon * 1000,
      };
    return {
      kind: 'threshold',
      name,
      query: config[`${name}_query`],
      threshold: config[`${name}_threshold`],
      forMs: config[`${name}_for`] * 1000,
      findingType: name === 'pvc' ? 'storage' : 'threshold',
      unit: name === 'response_time' ? 'ms' : '%',
    };
  });
}

const isMetricRule = (name: string): name is MetricRuleName =>
  (MetricRuleNames as readonly string[]).includes(name);

/** True for the threshold rules' names. */
export const isThresholdRule = (name: string): name is ThresholdRuleName =>
  (ThresholdRuleNames as readonly string[]).includes(name);

/** How much history a rule keeps per target (ms); 0 for threshold rules. */
export function historyMs(rule: AnalysisRuleSpec): number {
  if (rule.kind === 'anomaly') return rule.options.baselineMs;
  return rule.kind === 'exhaustion' ? rule.windowMs : 0;
}
