/**
 * The analysis loop: every `analysis.interval` it runs each enabled rule's query through the
 * metric source (at most `max_concurrent_queries` at once), feeds the answers to the engine and
 * reports what fired and what cleared. One query per rule per cycle, however many targets answer.
 * Timed by the detector's {@link Clock}: one timer, re-armed after each cycle.
 *
 * When the source is unavailable the loop reports itself degraded (once) and evaluates nothing it
 * could not read; state is kept, nothing clears and nothing fires on a missing answer. The
 * watch-based rules of the detector do not depend on it. An invalid query (the source's parser
 * rejects it) is that rule's fault: logged once, counted, the other rules go on.
 */
import type { MetricSource, InstantSample } from '../../../activities/metrics-source';
import { InvalidQuery, MetricSourceUnavailable } from '../../../activities/metrics-source';
import type { AnalysisConfig } from '../../../config/analysis-config';
import { analysisActive } from '../../../config/analysis-config';
import type { AnalysisFinding, AnalysisTarget, AnalysisType } from '../../../domain/analysis';
import type { Logger } from '../../../logging';
import { errorText } from '../../../logging';
import type { Clock, TimerHandle } from '../clock';
import type { ClearedTarget } from './engine';
import { AnalysisEngine } from './engine';
import type { AnalysisRuleSpec } from './rules';
import { analysisRulesOf, historyMs } from './rules';
import { mapLimit } from '../../map-limit';

/** What the loop tells its host. Callbacks must not throw (a throw is logged and ignored). */
export interface AnalysisListener {
  onFinding(finding: AnalysisFinding): void;
  onCleared?(rule: string, target: AnalysisTarget): void;
  /** The metric source stopped answering: analysis is degraded until {@link onRecovered}. */
  onDegraded?(reason: string): void;
  onRecovered?(): void;
}

/** Counters for metrics and a status endpoint. */
export interface AnalysisStats {
  /** Enabled and a Prometheus configured. */
  active: boolean;
  degraded?: { since: string; reason: string };
  cycles: number;
  lastCycleMs: number;
  totalCycleMs: number;
  queries: number;
  queryFailures: { unavailable: number; invalid: number };
  /** Rules whose query the source rejects, with its reason. */
  invalid: Record<string, string>;
  findings: Record<AnalysisType, number>;
  cleared: number;
  firing: number;
  /** Series whose labels named no target, in the last cycle. */
  unmapped: number;
}

type Answer =
  | { rule: AnalysisRuleSpec; samples: InstantSample[] }
  | { rule: AnalysisRuleSpec; error: MetricSourceUnavailable | InvalidQuery };

export interface AnalysisLoopDeps {
  config: () => AnalysisConfig;
  /** The source for a config (rebuilt when its URL or timeout changes). */
  sourceFor: (config: AnalysisConfig) => MetricSource;
  clock: Clock;
  logger: Logger;
  listener: AnalysisListener;
}

export class AnalysisLoop {
  private readonly engine = new AnalysisEngine();
  /** Rule → the query its history was filled for. */
  private readonly seeded = new Map<string, string>();
  private source?: { key: string; source: MetricSource };
  private timer: TimerHandle | undefined;
  private inFlight: Promise<void> | undefined;
  private running = false;
  private readonly counters: AnalysisStats = {
    active: false,
    cycles: 0,
    lastCycleMs: 0,
    totalCycleMs: 0,
    queries: 0,
    queryFailures: { unavailable: 0, invalid: 0 },
    invalid: {},
    findings: { threshold: 0, anomaly: 0, exhaustion: 0, cascade: 0, partition: 0, storage: 0 },
    cleared: 0,
    firing: 0,
    unmapped: 0,
  };

  constructor(private readonly deps: AnalysisLoopDeps) {}

  /** Starts the cycles (the first at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops the timer and waits for a cycle in flight. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  stats(): AnalysisStats {
    return structuredClone({ ...this.counters, firing: this.engine.firing().length });
  }

  /** Targets firing now, by rule. */
  firing(): ClearedTarget[] {
    return this.engine.firing();
  }

  /** Runs one cycle now (tests and the bench call it directly; the timer calls it otherwise). */
  async runOnce(): Promise<void> {
    const config = this.deps.config();
    this.counters.active = analysisActive(config);
    if (!this.counters.active) return;
    const { clock } = this.deps;
    const started = clock.now();
    const rules = analysisRulesOf(config);
    for (const name of this.engine.ruleNames())
      if (!rules.some((r) => r.name === name)) this.emitCleared(this.engine.reset(name));
    const source = this.sourceOf(config);
    const answers = await mapLimit(rules, config.max_concurrent_queries, (rule) =>
      this.ask(source, rule, started, config.interval),
    );
    let unmapped = 0;
    for (const answer of answers) {
      if ('error' in answer) continue;
      delete this.counters.invalid[answer.rule.name];
      const outcome = this.engine.evaluate(answer.rule, answer.samples, started);
      unmapped += outcome.unmapped;
      for (const finding of outcome.fired) this.emitFinding(finding);
      this.emitCleared(outcome.cleared);
    }
    this.updateHealth(answers, started);
    const elapsed = clock.now() - started;
    Object.assign(this.counters, {
      cycles: this.counters.cycles + 1,
      lastCycleMs: elapsed,
      totalCycleMs: this.counters.totalCycleMs + elapsed,
      unmapped,
    });
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimer(() => {
      this.timer = undefined;
      const started = this.deps.clock.now();
      this.inFlight = this.runOnce()
        .catch((error: unknown) =>
          this.deps.logger.error('analysis cycle failed', { error: errorText(error) }),
        )
        .finally(() => {
          const interval = this.deps.config().interval * 1000;
          this.schedule(Math.max(0, started + interval - this.deps.clock.now()));
        });
    }, delayMs);
  }

  private sourceOf(config: AnalysisConfig): MetricSource {
    const key = `${config.prometheus_url} ${config.query_timeout}`;
    if (this.source?.key !== key) this.source = { key, source: this.deps.sourceFor(config) };
    return this.source.source;
  }

  /** The rule's instant answer, its history filled first when it looks back and is not yet. */
  private async ask(
    source: MetricSource,
    rule: AnalysisRuleSpec,
    now: number,
    intervalS: number,
  ): Promise<Answer> {
    try {
      const span = historyMs(rule);
      if (span > 0 && this.seeded.get(rule.name) !== rule.query) {
        this.counters.queries++;
        const series = await source.range(rule.query, now - span, now - intervalS * 1000, intervalS);
        this.engine.seed(rule, series);
        this.seeded.set(rule.name, rule.query);
      }
      this.counters.queries++;
      return { rule, samples: await source.instant(rule.query, now) };
    } catch (error) {
      if (error instanceof InvalidQuery) return this.invalid(rule, error);
      if (error instanceof MetricSourceUnavailable) {
        this.counters.queryFailures.unavailable++;
        return { rule, error };
      }
      throw error;
    }
  }

  private invalid(rule: AnalysisRuleSpec, error: InvalidQuery): Answer {
    this.counters.queryFailures.invalid++;
    if (this.counters.invalid[rule.name] !== error.detail)
      this.deps.logger.error('analysis rule skipped: the metric source rejects its query', {
        rule: rule.name,
        query: rule.query,
        error: error.detail,
      });
    this.counters.invalid[rule.name] = error.detail;
    return { rule, error };
  }

  private updateHealth(answers: Answer[], now: number): void {
    const down = answers.find(
      (a): a is Extract<Answer, { error: unknown }> =>
        'error' in a && a.error instanceof MetricSourceUnavailable,
    );
    const { logger, listener } = this.deps;
    if (down && !this.counters.degraded) {
      const reason = down.error.message;
      this.counters.degraded = { since: new Date(now).toISOString(), reason };
      logger.warn('analysis degraded: the metric source does not answer; watch-based rules go on', {
        reason,
      });
      this.safely(() => listener.onDegraded?.(reason));
    } else if (!down && this.counters.degraded) {
      logger.info('analysis recovered: the metric source answers again', {
        since: this.counters.degraded.since,
      });
      delete this.counters.degraded;
      this.safely(() => listener.onRecovered?.());
    }
  }

  private emitFinding(finding: AnalysisFinding): void {
    this.counters.findings[finding.type]++;
    this.safely(() => this.deps.listener.onFinding(finding));
  }

  private emitCleared(cleared: readonly ClearedTarget[]): void {
    for (const { rule, target } of cleared) {
      this.counters.cleared++;
      this.safely(() => this.deps.listener.onCleared?.(rule, target));
    }
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.deps.logger.error('analysis listener threw', { error: errorText(error) });
    }
  }
}
