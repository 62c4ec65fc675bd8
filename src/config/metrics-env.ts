/**
 * Where a process serves its Prometheus metrics, from the environment: `METRICS_HOST` and
 * `METRICS_PORT` (its default differs per process, so the three can share a host), and for the
 * worker `TEMPORAL_METRICS_PORT`, the Temporal SDK's own endpoint. Port 0 switches an endpoint off.
 */
import { z } from 'zod';
import { ConfigError, describeIssues } from './env';

/** Each process's default `METRICS_PORT`, and the worker's Temporal SDK port. */
export const DefaultMetricsPorts = { worker: 9464, detector: 9465, slack: 9466, temporal: 9468 } as const;

const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);

export interface MetricsEnv {
  host: string;
  /** 0: no endpoint. */
  port: number;
  /** The worker's Temporal SDK metrics; 0: none. */
  temporalPort: number;
}

export function loadMetricsEnv(
  source: Record<string, string | undefined>,
  process: 'worker' | 'detector' | 'slack',
): MetricsEnv {
  const schema = z.object({
    /** @default 127.0.0.1; the manifests set 0.0.0.0 so Prometheus reaches the pod. */
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_PORT: port(DefaultMetricsPorts[process]),
    TEMPORAL_METRICS_PORT: port(DefaultMetricsPorts.temporal),
  });
  const result = schema.safeParse(source);
  if (!result.success) {
    const issues = describeIssues(result.error.issues, source);
    throw new ConfigError(`invalid environment:\n  ${issues.join('\n  ')}`, issues);
  }
  const env = result.data;
  return { host: env.METRICS_HOST, port: env.METRICS_PORT, temporalPort: env.TEMPORAL_METRICS_PORT };
}
