/**
 * `npm run bench:metrics` (bench/metrics-endpoint.sh builds and runs this; no lab): what the
 * worker's `/metrics` endpoint costs after many recoveries, and that its series stay bounded.
 *
 * One process, the product's own pieces: a registry from `createMetricsRegistry` (with prom-client's
 * process and Node.js metrics), the recovery sink (`recoveryMetricsSinks`), the Kubernetes and
 * delivery observers the worker's entrypoint installs, served by `serveMetrics` on 127.0.0.1 (port
 * 0). Per scale (100, 1,000 and 10,000 recoveries by default) a fresh registry is fed that many
 * simulated recoveries (bench/metrics-endpoint-simulation.ts), then scraped over HTTP: warm-up
 * scrapes first, then timed ones, one at a time, as Prometheus does.
 *
 * Writes docs/benchmarks/metrics-endpoint.json (raw numbers) and metrics-endpoint.md.
 * `runMetricsEndpointBench()` runs it without writing anything (bench:analysis calls it too).
 */
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import {
  createMetricsRegistry,
  kubernetesCallMetrics,
  recoveryMetricsSinks,
  serveMetrics,
} from '../src/metrics';
import { deliveryMetrics } from '../src/metrics/notifications';
import { renderMetricsEndpointReport } from './metrics-endpoint-report';
import type { SimulationTally } from './metrics-endpoint-simulation';
import { seededRandom, simulateRecoveries } from './metrics-endpoint-simulation';
import type { Machine } from './support';
import { REPO, envNumber, log, machine, percentile, round, runBench } from './support';

export interface MetricsEndpointSettings {
  /** Recoveries per scale. @default [100, 1000, 10000] */
  recoveries: number[];
  /** Timed scrapes per scale. @default 100 */
  scrapes: number;
  /** Untimed scrapes before them. @default 10 */
  warmUp: number;
  /** The simulation's seed. @default 1 */
  seed: number;
}

/** Sample lines of an exposition, split by where they come from. */
export interface SeriesCount {
  total: number;
  /** The product's own (`self_healing_*`). */
  product: number;
  /** prom-client's process and Node.js metrics. */
  runtime: number;
  /** The product's, per metric (`_bucket`, `_sum` and `_count` lines under their histogram). */
  byMetric: Record<string, number>;
}

export interface Stats {
  p50: number;
  p95: number;
  max: number;
}

export interface ScaleResult {
  simulated: SimulationTally;
  /** Wall time of feeding the simulated recoveries into the registry. */
  simulationMs: number;
  series: SeriesCount;
  bytes: number;
  /** GET /metrics over HTTP, request sent → body read, ms. */
  scrapeMs: Stats;
  /** This process's CPU time (user + system) per timed scrape: the server and the client side. */
  cpuMsPerScrape: number;
  /** `registry.metrics()` alone (what the server does per scrape), ms. */
  renderMs: Stats;
  heapUsedMb: number;
}

export interface Result {
  machine: Machine & { loadAverageAtEnd: number[] };
  settings: MetricsEndpointSettings;
  scales: ScaleResult[];
}

function settingsFromEnv(): MetricsEndpointSettings {
  return {
    recoveries: (process.env.BENCH_RECOVERIES ?? '100,1000,10000').split(',').filter(Boolean).map(Number),
    scrapes: envNumber('BENCH_SCRAPES', 100),
    warmUp: envNumber('BENCH_WARM_UP', 10),
    seed: envNumber('BENCH_SEED', 1),
  };
}

/** The family a sample line belongs to: its name without a histogram's suffix. */
function familyOf(line: string, histograms: Set<string>): string {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? line;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return histograms.has(base) ? base : name;
}

/** Counts the sample lines (comments and blank lines skipped) of a text exposition. */
export function countSeries(text: string): SeriesCount {
  const histograms = new Set([...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((m) => m[1] ?? ''));
  const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const byMetric: Record<string, number> = {};
  for (const line of samples) {
    if (!line.startsWith('self_healing_')) continue;
    const family = familyOf(line, histograms);
    byMetric[family] = (byMetric[family] ?? 0) + 1;
  }
  const product = Object.values(byMetric).reduce((a, b) => a + b, 0);
  return { total: samples.length, product, runtime: samples.length - product, byMetric };
}

function scrape(address: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(`http://${address}/metrics`, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    }).on('error', reject);
  });
}

function stats(values: number[]): Stats {
  return {
    p50: round(percentile(values, 50), 2),
    p95: round(percentile(values, 95), 2),
    max: round(Math.max(...values), 2),
  };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

async function measureScale(recoveries: number, s: MetricsEndpointSettings): Promise<ScaleResult> {
  const registry = createMetricsRegistry();
  const feeds = {
    sinks: recoveryMetricsSinks(registry),
    kubernetes: kubernetesCallMetrics(registry),
    deliveries: deliveryMetrics(registry),
  };
  const fedAt = performance.now();
  const simulated = simulateRecoveries(feeds, recoveries, seededRandom(s.seed));
  const simulationMs = round(performance.now() - fedAt);
  const endpoint = await serveMetrics(registry, '127.0.0.1', 0);
  try {
    for (let i = 0; i < s.warmUp; i++) await scrape(endpoint.address);
    const times: number[] = [];
    let body = '';
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < s.scrapes; i++) {
      const sent = performance.now();
      const answer = await scrape(endpoint.address);
      times.push(performance.now() - sent);
      if (answer.status !== 200) throw new Error(`GET /metrics answered ${answer.status}`);
      body = answer.body;
    }
    const cpuMsPerScrape = round(cpuMs(process.cpuUsage(cpuBefore)) / s.scrapes, 2);
    const renders: number[] = [];
    for (let i = 0; i < s.scrapes; i++) {
      const started = performance.now();
      await registry.metrics();
      renders.push(performance.now() - started);
    }
    return {
      simulated,
      simulationMs,
      series: countSeries(body),
      bytes: Buffer.byteLength(body),
      scrapeMs: stats(times),
      cpuMsPerScrape,
      renderMs: stats(renders),
      heapUsedMb: round(process.memoryUsage().heapUsed / 1024 / 1024),
    };
  } finally {
    await endpoint.close();
  }
}

/** Runs every scale of the benchmark and returns the numbers (writes nothing). */
export async function runMetricsEndpointBench(
  settings: MetricsEndpointSettings = settingsFromEnv(),
): Promise<Result> {
  const m = machine();
  const scales: ScaleResult[] = [];
  for (const recoveries of settings.recoveries) {
    log(`metrics endpoint: ${recoveries} recoveries`);
    const scale = await measureScale(recoveries, settings);
    log(
      `  ${scale.series.total} series (${scale.series.product} self_healing_*), ${scale.bytes} bytes, ` +
        `scrape p50 ${scale.scrapeMs.p50} ms, p95 ${scale.scrapeMs.p95} ms`,
    );
    scales.push(scale);
  }
  return { machine: { ...m, loadAverageAtEnd: machine().loadAverageAtStart }, settings, scales };
}

const outDir = process.env.BENCH_OUT_DIR ?? join(REPO, 'docs', 'benchmarks');

async function main(): Promise<void> {
  const result = await runMetricsEndpointBench();
  writeFileSync(join(outDir, 'metrics-endpoint.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(outDir, 'metrics-endpoint.md'), renderMetricsEndpointReport(result));
}

/** `node dist/bench/bench/metrics-endpoint.js --report` renders the Markdown again from the JSON. */
if (require.main === module) runBench(main, outDir, 'metrics-endpoint', renderMetricsEndpointReport);
