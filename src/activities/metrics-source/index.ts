/** The metric-source port, its typed errors, and the Prometheus adapter. */
export type { InstantSample, MetricSource, ParseVerdict, RangeSeries } from './port';
export { InvalidQuery, MetricSourceUnavailable } from './errors';
export { createPrometheusSource, sampleValue } from './prometheus';
export type { PrometheusOptions } from './prometheus';
