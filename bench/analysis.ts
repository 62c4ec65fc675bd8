/**
 * bench:analysis — the analysis engine on synthetic series (tools/sim/series.ts), no lab needed:
 *
 * (a) false positives of the anomaly detector on noisy series without a shift (gaussian,
 *     heavy-tailed, with single spikes, with a daily cycle), one day at 30 s per series, every
 *     evaluation judged as the loop would; target ≤ 1 % per series-evaluation;
 * (b) its delay to a real sustained shift (+3σ, +5σ, +8σ), in evaluation intervals; target ≤ 2;
 * (c) the loop's evaluation time per cycle with 1,000 targets for every default rule, and the
 *     number of Prometheus queries per cycle (one per rule, whatever the number of targets).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { InstantSample, MetricSource, RangeSeries } from '../src/activities/metrics-source';
import { defaultRecoveryConfig } from '../src/config/recovery-config';
import type { AnomalyOptions, Sample } from '../src/domain/analysis';
import { defaultAnomalyOptions, detectAnomaly } from '../src/domain/analysis';
import { silentLogger } from '../src/logging';
import { analysisRulesOf, createAnalysisLoop } from '../src/starter/detector/analysis';
import type { SeriesSpec } from '../tools/sim/series';
import { syntheticSeries } from '../tools/sim/series';
import type { Machine } from './support';
import { REPO, envNumber, log, machine, percentile, round, runBench, table, verdict } from './support';

const OUT = process.env.BENCH_OUT_DIR ?? join(REPO, 'docs', 'benchmarks');
const STEP_MS = 30_000;
const BASELINE_POINTS = 120; // the default 1 h baseline at the default 30 s interval
const DAY_POINTS = 2_880;

const KINDS: Record<string, Omit<SeriesSpec, 'seed' | 'points'>> = {
  gaussian: { noise: 'gaussian' },
  'heavy-tailed': { noise: 'heavy-tailed' },
  'gaussian + 1 % spikes': { noise: 'gaussian', spikeRate: 0.01, spikeSize: 10 },
  'heavy-tailed + spikes + daily cycle': {
    noise: 'heavy-tailed',
    spikeRate: 0.01,
    spikeSize: 10,
    dailyAmplitude: 3,
  },
};

interface FpRow {
  kind: string;
  threshold: number;
  confirm: number;
  series: number;
  evaluations: number;
  anomalousEvaluations: number;
  perEvaluation: number;
  findings: number;
  findingsPerSeriesDay: number;
  seriesWithAFinding: number;
}

/** Judges every evaluation of one series as the loop does; counts anomalous verdicts and findings (episodes). */
function judgeSeries(
  series: Sample[],
  options: Partial<AnomalyOptions>,
): { anomalous: number; findings: number; evaluations: number } {
  let anomalous = 0;
  let findings = 0;
  let firing = false;
  const window = BASELINE_POINTS + (options.confirm ?? 2);
  for (let i = BASELINE_POINTS; i < series.length; i++) {
    const verdict = detectAnomaly(series.slice(Math.max(0, i + 1 - window), i + 1), options);
    const now = verdict.state === 'anomalous';
    if (now) anomalous++;
    if (now && !firing) findings++;
    if (verdict.state !== 'insufficient') firing = now;
  }
  return { anomalous, findings, evaluations: series.length - BASELINE_POINTS };
}

function falsePositives(
  kind: string,
  count: number,
  options: Pick<AnomalyOptions, 'threshold' | 'confirm'>,
): FpRow {
  let anomalous = 0;
  let findings = 0;
  let evaluations = 0;
  let seriesWithAFinding = 0;
  for (let s = 0; s < count; s++) {
    const series = syntheticSeries({ seed: 1_000 + s, points: BASELINE_POINTS + DAY_POINTS, ...KINDS[kind] });
    const r = judgeSeries(series, options);
    anomalous += r.anomalous;
    findings += r.findings;
    evaluations += r.evaluations;
    if (r.findings > 0) seriesWithAFinding++;
  }
  return {
    kind,
    ...options,
    series: count,
    evaluations,
    anomalousEvaluations: anomalous,
    perEvaluation: anomalous / evaluations,
    findings,
    findingsPerSeriesDay: findings / count,
    seriesWithAFinding,
  };
}

interface DelayRow {
  threshold: number;
  noise: string;
  shiftSigma: number;
  series: number;
  p50: number;
  p95: number;
  withinTwo: number;
  missedIn20: number;
}

function detectionDelay(
  noise: 'gaussian' | 'heavy-tailed',
  shiftSigma: number,
  count: number,
  threshold = defaultAnomalyOptions.threshold,
): DelayRow {
  const delays: number[] = [];
  let missed = 0;
  for (let s = 0; s < count; s++) {
    const shiftAt = 200;
    const series = syntheticSeries({ seed: 50_000 + s, points: shiftAt + 20, noise, shiftAt, shiftSigma });
    let found = -1;
    for (let i = shiftAt; i < series.length && found < 0; i++)
      if (detectAnomaly(series.slice(i + 1 - 122, i + 1), { threshold }).state === 'anomalous') found = i;
    if (found < 0) missed++;
    else delays.push(found - shiftAt + 1);
  }
  return {
    threshold,
    noise,
    shiftSigma,
    series: count,
    p50: percentile(delays, 50),
    p95: percentile(delays, 95),
    withinTwo: delays.filter((d) => d <= 2).length / count,
    missedIn20: missed / count,
  };
}

/** A metric source answering every query with `targets` series, from memory. */
function memorySource(targets: number, counter: { instant: number; range: number }): MetricSource {
  const labelsOf = (query: string, i: number): Record<string, string> =>
    query.includes('service') ? { service: `svc-${i}` } : { node: `node-${i}` };
  return {
    instant(query, time = 0): Promise<InstantSample[]> {
      counter.instant++;
      return Promise.resolve(
        Array.from({ length: targets }, (_, i) => ({
          labels: labelsOf(query, i),
          t: time,
          v: 50 + ((i * 7 + time / STEP_MS) % 11),
        })),
      );
    },
    range(query, start, end, step): Promise<RangeSeries[]> {
      counter.range++;
      return Promise.resolve(
        Array.from({ length: targets }, (_, i) => {
          const samples: Sample[] = [];
          for (let t = start; t <= end; t += step * 1000)
            samples.push({ t, v: 50 + ((i * 7 + t / STEP_MS) % 11) });
          return { labels: labelsOf(query, i), samples };
        }),
      );
    },
    parse: () => Promise.resolve({ valid: true }),
  };
}

async function cycleTime(targets: number, cycles: number) {
  const config = { ...defaultRecoveryConfig.analysis, prometheus_url: 'http://bench' };
  const counter = { instant: 0, range: 0 };
  let now = Date.parse('2026-01-01T00:00:00Z');
  const loop = createAnalysisLoop({
    config: () => config,
    sourceFor: () => memorySource(targets, counter),
    clock: { now: () => now, setTimer: () => 0, clearTimer: () => undefined },
    logger: silentLogger,
    onFinding: () => undefined,
  });
  const t0 = performance.now();
  await loop.runOnce();
  const firstMs = performance.now() - t0;
  const before = { ...counter };
  const times: number[] = [];
  for (let c = 0; c < cycles; c++) {
    now += STEP_MS;
    const t = performance.now();
    await loop.runOnce();
    times.push(performance.now() - t);
  }
  return {
    targets,
    // The rules that ask Prometheus (partition and storage are watch-based).
    rules: analysisRulesOf(config).length,
    firstCycleMsWithBackfill: round(firstMs),
    cycleMs: {
      p50: round(percentile(times, 50)),
      p95: round(percentile(times, 95)),
      max: round(Math.max(...times)),
    },
    queriesPerCycle: (counter.instant - before.instant + counter.range - before.range) / cycles,
    backfillRangeQueries: before.range,
    seriesPerCycle: targets * analysisRulesOf(config).length,
  };
}

interface Results {
  machine: Machine;
  options: { threshold: number; confirm: number; baselinePoints: number; intervalSeconds: number };
  falsePositives: FpRow[];
  sweep: FpRow[];
  delay: DelayRow[];
  cycle: Awaited<ReturnType<typeof cycleTime>>;
  loadAverageAtEnd: number[];
  durationSeconds: number;
}

async function main(): Promise<void> {
  const info = machine();
  const started = performance.now();
  log(`machine: ${info.nproc} × ${info.cpuModel}, load ${info.loadAverageAtStart.join(' ')}`);
  const perKind = envNumber('BENCH_SERIES_PER_KIND', 250);
  const { threshold, confirm } = defaultAnomalyOptions;
  const fp = Object.keys(KINDS).map((kind) => {
    log(`false positives: ${perKind} ${kind} series × ${DAY_POINTS} evaluations`);
    return falsePositives(kind, perKind, { threshold, confirm });
  });
  const sweepKind = 'heavy-tailed + spikes + daily cycle';
  const sweep = [
    { threshold: 3.5, confirm: 2 },
    { threshold: 4, confirm: 2 },
    { threshold: 5, confirm: 2 },
    { threshold: 3.5, confirm: 3 },
  ].map((o) => {
    log(`sweep: threshold ${o.threshold}, confirm ${o.confirm}`);
    return falsePositives(sweepKind, Math.ceil(perKind / 5), o);
  });
  const delay = [threshold, 4, 3.5].flatMap((t) =>
    (['gaussian', 'heavy-tailed'] as const).flatMap((noise) =>
      [3, 5, 8].map((shift) => detectionDelay(noise, shift, 500, t)),
    ),
  );
  log('cycle time with 1,000 targets per rule');
  const cycle = await cycleTime(1_000, 20);
  const results: Results = {
    machine: info,
    options: { threshold, confirm, baselinePoints: BASELINE_POINTS, intervalSeconds: STEP_MS / 1000 },
    falsePositives: fp,
    sweep,
    delay,
    cycle,
    loadAverageAtEnd: (await import('node:os')).loadavg().map((l) => round(l, 2)),
    durationSeconds: round((performance.now() - started) / 1000),
  };
  writeFileSync(join(OUT, 'analysis.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(OUT, 'analysis.md'), report(results));
  log(`done in ${results.durationSeconds} s`);
}

const pct = (x: number) => `${round(x * 100, 4)} %`;

function report(r: Results): string {
  const worstFp = Math.max(...r.falsePositives.map((row) => row.perEvaluation));
  const delayAt = (sigma: number) =>
    Math.max(
      ...r.delay
        .filter((d) => d.threshold === r.options.threshold && d.shiftSigma === sigma)
        .map((d) => d.p95),
    );
  const fpRows = (rows: FpRow[]) =>
    table([
      [
        'series',
        'threshold',
        'confirm',
        'series × evaluations',
        'anomalous evaluations',
        'per evaluation',
        'findings per series-day',
        'series with a finding',
      ],
      ...rows.map((row) => [
        row.kind,
        row.threshold,
        row.confirm,
        `${row.series} × ${row.evaluations / row.series}`,
        row.anomalousEvaluations,
        pct(row.perEvaluation),
        round(row.findingsPerSeriesDay, 4),
        `${row.seriesWithAFinding} / ${row.series}`,
      ]),
    ]);
  return `# Benchmark: analysis

Generated by \`npm run bench:analysis\` (bench/analysis.ts); raw numbers in [analysis.json](analysis.json).
Synthetic series (tools/sim/series.ts, seeded), no Prometheus: a fake metric source answers from memory.
Not a timed test: times depend on the machine and on whatever else runs on it.

## Machine

- ${r.machine.date}, commit \`${r.machine.gitCommit.slice(0, 12)}\`
- ${r.machine.nproc} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB RAM, kernel ${r.machine.kernel}, Node ${r.machine.node}
- load average (1/5/15 min) at start ${r.machine.loadAverageAtStart.join(' / ')}, at end ${r.loadAverageAtEnd.join(' / ')} (other engineers' runs may share the cores); ${r.durationSeconds} s in all

## Results against the targets

| measure | target | result |  |
| --- | --- | --- | --- |
| anomaly false positives per series-evaluation (worst noise kind) | ≤ 1 % | ${pct(worstFp)} | ${verdict(worstFp <= 0.01)} |
| delay to a sustained shift of +8σ, p95 (evaluation intervals) | ≤ 2 | ${delayAt(8)} | ${verdict(delayAt(8) <= 2)} |
| delay to a sustained shift of +5σ, p95 (evaluation intervals) | ≤ 2 | ${delayAt(5)} | ${verdict(delayAt(5) <= 2)} |
| evaluation time per cycle, ${r.cycle.targets} targets × ${r.cycle.rules} rules, p95 | — | ${r.cycle.cycleMs.p95} ms | |
| Prometheus queries per cycle | O(rules) | ${r.cycle.queriesPerCycle} (one per rule) | ${verdict(r.cycle.queriesPerCycle === r.cycle.rules)} |

## (a) False positives

Default detector: robust z-score against the median and MAD of the last ${r.options.baselinePoints} points
(1 h at ${r.options.intervalSeconds} s), threshold ${r.options.threshold}, a finding when ${r.options.confirm} evaluations in a row are beyond it
on the same side. Each series: σ = 1 around 100, one day (${DAY_POINTS} evaluations) after the baseline fills.
"Anomalous evaluations" counts every evaluation judged anomalous; "findings" counts episodes (what
starts something: consecutive anomalous evaluations are one).

${fpRows(r.falsePositives)}

Other settings on the hardest kind (heavy-tailed, spikes, daily cycle):

${fpRows(r.sweep)}

## (b) Detection delay

A step of +kσ at evaluation 200; delay = evaluations until the finding, counting the first shifted
one as 1 (so ${r.options.confirm} is the least possible with confirm ${r.options.confirm}).

${table([
  ['threshold', 'noise', 'shift', 'series', 'p50', 'p95', 'found within 2', 'not found within 20'],
  ...r.delay.map((d) => [
    d.threshold,
    d.noise,
    `+${d.shiftSigma}σ`,
    d.series,
    d.p50,
    d.p95,
    pct(d.withinTwo),
    pct(d.missedIn20),
  ]),
])}

A +3σ shift sits below the threshold of ${r.options.threshold}: the detector is built not to call it. A +5σ shift
is found within 2 intervals about half the time at the default threshold; a lower threshold finds it
sooner, at the false-positive cost the sweep above shows (and \`anomaly_confirm\` 3 with threshold
3.5 removes the double-spike false positives at one more interval of delay).

## (c) Evaluation time and query load

${table([
  [
    'targets per rule',
    'rules',
    'series per cycle',
    'cycle p50',
    'cycle p95',
    'cycle max',
    'first cycle (with backfill)',
    'queries per cycle',
    'range queries at start',
  ],
  [
    r.cycle.targets,
    r.cycle.rules,
    r.cycle.seriesPerCycle,
    `${r.cycle.cycleMs.p50} ms`,
    `${r.cycle.cycleMs.p95} ms`,
    `${r.cycle.cycleMs.max} ms`,
    `${r.cycle.firstCycleMsWithBackfill} ms`,
    r.cycle.queriesPerCycle,
    r.cycle.backfillRangeQueries,
  ],
])}

The default config's rules each send one instant query per cycle; one answer carries every target's
series, so the query load on Prometheus is ${r.cycle.rules} queries per ${r.options.intervalSeconds} s whatever the cluster's size. The
looking-back rules (anomaly, exhaustion) keep the answers in memory and fill their history once with
one range query each at start (or when their query changes).
`;
}

runBench<Results>(main, OUT, 'analysis', report);
