/**
 * The analysis loop (src/starter/detector/analysis/) over a fake metric source and a manual clock:
 * one query per rule per cycle whatever the number of targets; thresholds fire after `for` and
 * clear; an anomaly is found from a backfilled baseline; Prometheus down makes the loop degraded
 * (once) without firing or clearing anything; an invalid query stops only its rule; NaN answers
 * never fire.
 */
import type { InstantSample, MetricSource, RangeSeries } from '../../src/activities/metrics-source';
import { InvalidQuery, MetricSourceUnavailable } from '../../src/activities/metrics-source';
import type { AnalysisConfig } from '../../src/config/analysis-config';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import type { AnalysisFinding } from '../../src/domain/analysis';
import { silentLogger } from '../../src/logging';
import { createAnalysisLoop } from '../../src/starter/detector/analysis';
import { ManualClock, T0 } from '../support/pod-source-fakes';

/** A metric source answering from a function of (query, time); records every call. */
class FakeSource implements MetricSource {
  calls: string[] = [];
  down = false;
  constructor(
    public answer: (query: string, time: number) => InstantSample[],
    public history: (query: string, start: number, end: number, step: number) => RangeSeries[] = () => [],
  ) {}
  instant(query: string, time = 0): Promise<InstantSample[]> {
    this.calls.push(`instant ${query}`);
    if (this.down) return Promise.reject(new MetricSourceUnavailable('connect ECONNREFUSED 127.0.0.1:9090'));
    if (query === 'broken(') return Promise.reject(new InvalidQuery(query, 'parse error', 400));
    return Promise.resolve(this.answer(query, time));
  }
  range(query: string, start: number, end: number, step: number): Promise<RangeSeries[]> {
    this.calls.push(`range ${query}`);
    if (this.down) return Promise.reject(new MetricSourceUnavailable('connect ECONNREFUSED 127.0.0.1:9090'));
    return Promise.resolve(this.history(query, start, end, step));
  }
  parse(): Promise<{ valid: true }> {
    return Promise.resolve({ valid: true });
  }
}

const analysis = (data: Record<string, string>): AnalysisConfig =>
  parseRecoveryConfig({ 'analysis.prometheus_url': 'http://prometheus:9090', ...data }).analysis;

function harness(config: AnalysisConfig, source: FakeSource) {
  const clock = new ManualClock(T0);
  const seen = {
    findings: [] as AnalysisFinding[],
    cleared: [] as string[],
    degraded: [] as string[],
    recovered: 0,
  };
  const loop = createAnalysisLoop({
    config: () => config,
    sourceFor: () => source,
    clock,
    logger: silentLogger,
    onFinding: (f) => seen.findings.push(f),
    onCleared: (rule, target) => seen.cleared.push(`${rule} ${target.name}`),
    onDegraded: (reason) => seen.degraded.push(reason),
    onRecovered: () => seen.recovered++,
  });
  return { clock, loop, seen };
}

const node = (name: string, v: number, t = T0): InstantSample => ({ labels: { node: name }, t, v });

describe('the analysis loop', () => {
  test('a threshold fires after its minimum duration, once, then clears; 1,000 targets cost one query', async () => {
    let cpu = 85;
    const source = new FakeSource((_q, t) => [
      node('hot', cpu, t),
      ...Array.from({ length: 999 }, (_, i) => node(`n${i}`, 10, t)),
    ]);
    const { clock, loop, seen } = harness(
      analysis({ 'analysis.rules': 'cpu', 'analysis.cpu_for': '60' }),
      source,
    );
    loop.start();
    await clock.advance(0);
    await clock.advance(30_000);
    expect(seen.findings).toEqual([]);
    await clock.advance(30_000);
    expect(seen.findings).toHaveLength(1);
    expect(seen.findings[0]).toMatchObject({
      rule: 'cpu',
      type: 'threshold',
      target: { kind: 'node', name: 'hot' },
      evidence: { value: 85, threshold: 80, since: new Date(T0).toISOString() },
    });
    await clock.advance(60_000);
    expect(seen.findings).toHaveLength(1);
    cpu = 79;
    await clock.advance(30_000);
    expect(seen.cleared).toEqual(['cpu hot']);
    expect(source.calls).toHaveLength(6);
    expect(loop.stats()).toMatchObject({ cycles: 6, queries: 6, findings: { threshold: 1 }, cleared: 1 });
    await loop.stop();
  });

  test('NaN and empty answers never fire', async () => {
    const source = new FakeSource((q, t) => (q.includes('node_cpu') ? [node('a', NaN, t)] : []));
    const { clock, loop, seen } = harness(
      analysis({ 'analysis.rules': 'cpu,memory', 'analysis.cpu_for': '0' }),
      source,
    );
    loop.start();
    await clock.advance(300_000);
    expect(seen.findings).toEqual([]);
    await loop.stop();
  });

  test('Prometheus down: degraded once, nothing fires or clears, and it recovers', async () => {
    const source = new FakeSource((_q, t) => [node('hot', 95, t)]);
    const { clock, loop, seen } = harness(
      analysis({ 'analysis.rules': 'disk', 'analysis.disk_for': '0' }),
      source,
    );
    loop.start();
    await clock.advance(0);
    expect(seen.findings).toHaveLength(1);
    source.down = true;
    await clock.advance(120_000);
    expect(seen.degraded).toEqual(['connect ECONNREFUSED 127.0.0.1:9090']);
    expect(loop.stats().degraded).toMatchObject({ reason: 'connect ECONNREFUSED 127.0.0.1:9090' });
    expect(seen.cleared).toEqual([]);
    expect(loop.firing()).toHaveLength(1);
    source.down = false;
    await clock.advance(30_000);
    expect(seen.recovered).toBe(1);
    expect(loop.stats().degraded).toBeUndefined();
    expect(seen.findings).toHaveLength(1);
    await loop.stop();
  });

  test('an invalid query stops only its rule, and is reported by name', async () => {
    const source = new FakeSource((_q, t) => [node('hot', 99, t)]);
    const config = analysis({
      'analysis.rules': 'cpu,memory',
      'analysis.cpu_for': '0',
      'analysis.memory_for': '0',
    });
    const { loop, seen } = harness({ ...config, cpu_query: 'broken(' }, source);
    await loop.runOnce();
    expect(seen.findings.map((f) => f.rule)).toEqual(['memory']);
    expect(loop.stats()).toMatchObject({ invalid: { cpu: 'parse error' }, queryFailures: { invalid: 1 } });
    expect(seen.degraded).toEqual([]);
  });

  test('an anomaly is found from a backfilled baseline at the second shifted evaluation', async () => {
    let latency = 100;
    const wobble = (t: number) => 100 + ((t / 30_000) % 5) - 2;
    const source = new FakeSource(
      (_q, t) => [{ labels: { service: 'api' }, t, v: latency }],
      (_q, start, end, step) => {
        const samples = [];
        for (let t = start; t <= end; t += step * 1000) samples.push({ t, v: wobble(t) });
        return [{ labels: { service: 'api' }, samples }];
      },
    );
    const { clock, loop, seen } = harness(analysis({ 'analysis.rules': 'anomaly' }), source);
    loop.start();
    await clock.advance(0);
    expect(source.calls).toEqual([
      `range ${analysis({}).anomaly_query}`,
      `instant ${analysis({}).anomaly_query}`,
    ]);
    latency = 400;
    await clock.advance(30_000);
    expect(seen.findings).toEqual([]);
    await clock.advance(30_000);
    expect(seen.findings).toHaveLength(1);
    expect(seen.findings[0]).toMatchObject({
      type: 'anomaly',
      target: { kind: 'service', name: 'api' },
      evidence: { value: 400, baseline: { median: 100 } },
    });
    expect(source.calls.filter((c) => c.startsWith('range'))).toHaveLength(1);
    await loop.stop();
  });

  test('nothing runs until a Prometheus URL is configured', async () => {
    const source = new FakeSource(() => []);
    const { loop } = harness(parseRecoveryConfig({}).analysis, source);
    await loop.runOnce();
    expect(source.calls).toEqual([]);
    expect(loop.stats().active).toBe(false);
  });
});
