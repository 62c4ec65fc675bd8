/**
 * One evaluation of the analysis rules over the answers of their queries: which targets fire and
 * which clear. Deterministic: the caller passes the samples and `now`; the loop (./loop.ts) does
 * the querying and the timing. A target fires once per episode; NaN, empty or stale answers never
 * fire (thresholds reset, anomaly and exhaustion judge `insufficient`).
 */
import type { InstantSample, RangeSeries } from '../../../activities/metrics-source';
import type { AnalysisFinding, AnalysisTarget, Sample } from '../../../domain/analysis';
import {
  ThresholdTracker,
  describeTarget,
  detectAnomaly,
  judgeExhaustion,
  targetKey,
  targetOfLabels,
} from '../../../domain/analysis';
import { SeriesHistory } from './history';
import type { AnalysisRuleSpec, AnomalyRuleSpec, ExhaustionRuleSpec, ThresholdRuleSpec } from './rules';
import { historyMs } from './rules';

/** A target that stopped firing under a rule. */
export interface ClearedTarget {
  rule: string;
  target: AnalysisTarget;
}

/** What one rule's evaluation changed. */
export interface RuleOutcome {
  fired: AnalysisFinding[];
  cleared: ClearedTarget[];
  /** Series whose labels name no target (ignored). */
  unmapped: number;
}

/** Room beyond a rule's span, so the baseline is full when the recent points are excluded. */
const HISTORY_MARGIN_MS = 10 * 60_000;

interface RuleState {
  query: string;
  history?: SeriesHistory;
  /** Firing targets of anomaly and exhaustion rules (thresholds keep theirs in the tracker). */
  firing: Map<string, AnalysisTarget>;
  targets: Map<string, AnalysisTarget>;
}

export class AnalysisEngine {
  private readonly thresholds = new ThresholdTracker();
  private readonly rules = new Map<string, RuleState>();

  /** Evaluates `rule` over its query's answer at `now`. */
  evaluate(rule: AnalysisRuleSpec, samples: readonly InstantSample[], now: number): RuleOutcome {
    const state = this.stateOf(rule);
    const { values, unmapped } = collapse(samples, state.targets);
    const outcome =
      rule.kind === 'threshold'
        ? this.evaluateThreshold(rule, values, state, now)
        : this.evaluateHistory(rule, values, state, now);
    return { ...outcome, unmapped };
  }

  /** Fills the history of a looking-back rule from a range query (once, at start or after a change). */
  seed(rule: AnalysisRuleSpec, series: readonly RangeSeries[]): void {
    const state = this.stateOf(rule);
    for (const s of series) {
      const target = targetOfLabels(s.labels);
      if (!target || !state.history) continue;
      state.targets.set(targetKey(target), target);
      state.history.seed(targetKey(target), s.samples);
    }
  }

  /** Drops a rule's state (removed, or its query changed); @returns the targets that were firing. */
  reset(ruleName: string): ClearedTarget[] {
    const state = this.rules.get(ruleName);
    this.rules.delete(ruleName);
    const keys = [...this.thresholds.forget(ruleName), ...(state?.firing.keys() ?? [])];
    return keys.flatMap((key) => {
      const target = state?.targets.get(key);
      return target ? [{ rule: ruleName, target }] : [];
    });
  }

  /** The names of the rules holding state. */
  ruleNames(): string[] {
    return [...this.rules.keys()];
  }

  /** Targets firing now, by rule. */
  firing(): ClearedTarget[] {
    const fromThresholds = this.thresholds.firing().flatMap(({ rule, key }) => {
      const target = this.rules.get(rule)?.targets.get(key);
      return target ? [{ rule, target }] : [];
    });
    const fromHistory = [...this.rules].flatMap(([rule, s]) =>
      [...s.firing.values()].map((target) => ({ rule, target })),
    );
    return [...fromThresholds, ...fromHistory];
  }

  private stateOf(rule: AnalysisRuleSpec): RuleState {
    const existing = this.rules.get(rule.name);
    if (existing && existing.query === rule.query) return existing;
    if (existing) this.reset(rule.name);
    const span = historyMs(rule);
    const state: RuleState = {
      query: rule.query,
      firing: new Map(),
      targets: new Map(),
      ...(span > 0 ? { history: new SeriesHistory(span + HISTORY_MARGIN_MS) } : {}),
    };
    this.rules.set(rule.name, state);
    return state;
  }

  private evaluateThreshold(
    rule: ThresholdRuleSpec,
    values: Map<string, number>,
    state: RuleState,
    now: number,
  ): Omit<RuleOutcome, 'unmapped'> {
    const fired: AnalysisFinding[] = [];
    const cleared: ClearedTarget[] = [];
    for (const t of this.thresholds.observe(rule, values, now)) {
      const target = state.targets.get(t.key);
      if (!target) continue;
      if (t.type === 'cleared') cleared.push({ rule: rule.name, target });
      else fired.push(thresholdFinding(rule, target, t.value, t.since));
    }
    for (const key of state.targets.keys()) if (!values.has(key)) state.targets.delete(key);
    return { fired, cleared };
  }

  private evaluateHistory(
    rule: AnomalyRuleSpec | ExhaustionRuleSpec,
    values: Map<string, number>,
    state: RuleState,
    now: number,
  ): Omit<RuleOutcome, 'unmapped'> {
    const fired: AnalysisFinding[] = [];
    const cleared: ClearedTarget[] = [];
    const history = state.history as SeriesHistory;
    for (const [key, v] of values) {
      const target = state.targets.get(key) as AnalysisTarget;
      const series = history.push(key, { t: now, v });
      const finding =
        rule.kind === 'anomaly'
          ? anomalyFinding(rule, target, series)
          : exhaustionFinding(rule, target, series, now);
      if (finding === 'insufficient') continue;
      if (finding && !state.firing.has(key)) {
        state.firing.set(key, target);
        fired.push(finding);
      } else if (!finding && state.firing.delete(key)) cleared.push({ rule: rule.name, target });
    }
    for (const key of history.prune(now)) {
      const target = state.targets.get(key);
      if (target && state.firing.delete(key)) cleared.push({ rule: rule.name, target });
      state.targets.delete(key);
    }
    return { fired, cleared };
  }
}

/** The answer as one value per target (the worst, i.e. the largest, when several series name one). */
function collapse(
  samples: readonly InstantSample[],
  targets: Map<string, AnalysisTarget>,
): { values: Map<string, number>; unmapped: number } {
  const values = new Map<string, number>();
  let unmapped = 0;
  for (const sample of samples) {
    const target = targetOfLabels(sample.labels);
    if (!target) {
      unmapped++;
      continue;
    }
    const key = targetKey(target);
    targets.set(key, target);
    const previous = values.get(key);
    values.set(
      key,
      previous === undefined || Number.isNaN(previous) || sample.v > previous ? sample.v : previous,
    );
  }
  return { values, unmapped };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3));

function thresholdFinding(
  rule: ThresholdRuleSpec,
  target: AnalysisTarget,
  value: number,
  since: number,
): AnalysisFinding {
  return {
    rule: rule.name,
    type: rule.findingType,
    target,
    severity: 'warning',
    evidence: { value, threshold: rule.threshold, since: new Date(since).toISOString(), query: rule.query },
    summary: `${rule.name} of ${describeTarget(target)} at ${fmt(value)}${rule.unit} (threshold ${rule.threshold}${rule.unit}) for ${Math.round(rule.forMs / 1000)} s or more`,
  };
}

function anomalyFinding(
  rule: AnomalyRuleSpec,
  target: AnalysisTarget,
  series: Sample[],
): AnalysisFinding | undefined | 'insufficient' {
  const verdict = detectAnomaly(series, rule.options);
  if (verdict.state === 'insufficient') return 'insufficient';
  if (verdict.state === 'normal') return undefined;
  const { median, scale } = verdict.baseline;
  return {
    rule: rule.name,
    type: 'anomaly',
    target,
    severity: 'warning',
    evidence: {
      value: verdict.value,
      threshold: rule.options.threshold,
      baseline: { median, scale },
      since: new Date(verdict.since).toISOString(),
      query: rule.query,
    },
    summary: `anomaly on ${describeTarget(target)}: ${fmt(verdict.value)} against a baseline of ${fmt(median)} ± ${fmt(scale)} (robust z ${verdict.score.toFixed(1)}, ${verdict.direction}, ${rule.options.confirm} evaluations in a row)`,
  };
}

function exhaustionFinding(
  rule: ExhaustionRuleSpec,
  target: AnalysisTarget,
  series: Sample[],
  now: number,
): AnalysisFinding | undefined | 'insufficient' {
  const recent = series.filter((s) => s.t >= now - rule.windowMs);
  const verdict = judgeExhaustion(recent, { full: 100, horizonMs: rule.horizonMs });
  if (verdict.state === 'insufficient') return 'insufficient';
  if (verdict.state === 'ok') return undefined;
  const minutes = Math.round(verdict.secondsToFull / 60);
  return {
    rule: rule.name,
    type: 'exhaustion',
    target,
    severity: verdict.secondsToFull <= 3600 ? 'critical' : 'warning',
    evidence: {
      value: verdict.secondsToFull,
      threshold: rule.horizonMs / 1000,
      baseline: { slopePerSecond: verdict.slopePerSecond },
      query: rule.query,
    },
    summary: `${describeTarget(target)} fills up in about ${minutes} min at the last ${Math.round(rule.windowMs / 60_000)} min's rate (now ${fmt(verdict.current)} %)`,
  };
}
