/**
 * A Service's performance now, from the metric source: the analysis' response-time and error-rate
 * queries against the analysis thresholds (breached at or above, as the threshold rules judge), and
 * `service.load_query` as its throughput and load per ready replica. A query with no series for the
 * Service leaves its field out; a metric source that cannot answer makes the reading unavailable.
 */
import type { AnalysisConfig } from '../../config/analysis-config';
import type { ServiceConfig } from '../../config/service-config';
import type { ServiceTarget } from '../../domain';
import { breaches } from '../../domain/analysis/thresholds';
import type { InstantSample, MetricSource } from '../metrics-source';
import { InvalidQuery, MetricSourceUnavailable } from '../metrics-source';
import type { PerformanceReading } from './types';

export interface PerformanceInput {
  service: ServiceTarget;
  readyEndpoints: number;
  analysis: AnalysisConfig;
  serviceConfig: ServiceConfig;
}

/** Reads the three queries at once. @returns `available: false` when the source is down or refuses a query. */
export async function readPerformance(
  source: MetricSource | undefined,
  input: PerformanceInput,
): Promise<PerformanceReading> {
  if (!source) return { breaches: [], available: false };
  const { service, analysis } = input;
  const load = input.serviceConfig.load_query
    .replaceAll('$namespace', service.namespace)
    .replaceAll('$service', service.name);
  let values: (number | undefined)[];
  try {
    values = await Promise.all(
      [analysis.response_time_query, analysis.error_rate_query, load].map(async (query) =>
        valueFor(service, await source.instant(query)),
      ),
    );
  } catch (error) {
    if (error instanceof MetricSourceUnavailable || error instanceof InvalidQuery)
      return { breaches: [], available: false };
    throw error;
  }
  const [responseTimeMs, errorRatePercent, throughput] = values;
  const found: string[] = [];
  if (responseTimeMs !== undefined && breaches(responseTimeMs, analysis.response_time_threshold))
    found.push(`response time ${round(responseTimeMs)} ms >= ${analysis.response_time_threshold} ms`);
  if (errorRatePercent !== undefined && breaches(errorRatePercent, analysis.error_rate_threshold))
    found.push(`error rate ${round(errorRatePercent)} % >= ${analysis.error_rate_threshold} %`);
  return {
    ...(responseTimeMs !== undefined ? { responseTimeMs } : {}),
    ...(errorRatePercent !== undefined ? { errorRatePercent } : {}),
    ...(throughput !== undefined
      ? { throughput, loadPerReplica: throughput / Math.max(1, input.readyEndpoints) }
      : {}),
    breaches: found,
    available: true,
  };
}

/**
 * The Service's value among the series: the one labelled with its namespace and name, or the only
 * series when none carries those labels (a load query narrowed to the Service already). NaN and
 * ±Inf (a rate over no requests) are no data.
 */
function valueFor(service: ServiceTarget, samples: readonly InstantSample[]): number | undefined {
  const labelled = samples.filter((s) => s.labels.namespace !== undefined || s.labels.service !== undefined);
  const own =
    labelled.length > 0
      ? labelled.find((s) => s.labels.namespace === service.namespace && s.labels.service === service.name)
      : samples.length === 1
        ? samples[0]
        : undefined;
  return own && Number.isFinite(own.v) ? own.v : undefined;
}

const round = (v: number): number => Math.round(v * 10) / 10;
