/** The analysis engine's metrics, read from its stats at scrape time. */
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { AnalysisTypes } from '../domain';
import type { AnalysisStats } from '../starter/detector/analysis';

export function registerAnalysisMetrics(registry: Registry, stats: () => AnalysisStats): void {
  const registers = [registry];
  new Gauge({
    name: 'self_healing_analysis_up',
    help: 'Whether the analysis runs and Prometheus answers (1), is degraded (0); absent when analysis is off.',
    registers,
    collect() {
      const s = stats();
      this.reset();
      if (s.active) this.set(s.degraded ? 0 : 1);
    },
  });
  new Counter({
    name: 'self_healing_analysis_cycles_total',
    help: 'Evaluation cycles of the analysis rules.',
    registers,
    collect() {
      this.reset();
      this.inc(stats().cycles);
    },
  });
  new Counter({
    name: 'self_healing_analysis_cycle_seconds_total',
    help: 'Time spent in evaluation cycles (with cycles_total: the mean cycle time).',
    registers,
    collect() {
      this.reset();
      this.inc(stats().totalCycleMs / 1000);
    },
  });
  new Counter({
    name: 'self_healing_analysis_queries_total',
    help: 'Queries sent to Prometheus, and those that failed, by result.',
    labelNames: ['result'],
    registers,
    collect() {
      const s = stats();
      this.reset();
      this.inc({ result: 'unavailable' }, s.queryFailures.unavailable);
      this.inc({ result: 'invalid' }, s.queryFailures.invalid);
      this.inc(
        { result: 'ok' },
        Math.max(0, s.queries - s.queryFailures.unavailable - s.queryFailures.invalid),
      );
    },
  });
  new Counter({
    name: 'self_healing_analysis_findings_total',
    help: 'Findings of the analysis, by type.',
    labelNames: ['type'],
    registers,
    collect() {
      const s = stats();
      this.reset();
      for (const type of AnalysisTypes) this.inc({ type }, s.findings[type] ?? 0);
    },
  });
  new Gauge({
    name: 'self_healing_analysis_firing',
    help: 'Findings of the analysis holding now.',
    registers,
    collect() {
      this.set(stats().firing);
    },
  });
}
