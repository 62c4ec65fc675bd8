/** The product's Prometheus metrics: one registry per process, served at `/metrics` (docs/metrics.md). */
export { createMetricsRegistry } from './registry';
export type { MetricsEndpoint } from './server';
export { serveMetrics } from './server';
export { kubernetesCallMetrics } from './kubernetes';
export { recoveryMetricsSinks } from './recoveries';
export { registerDetectorMetrics } from './detector';
