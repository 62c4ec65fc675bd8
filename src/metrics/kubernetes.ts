/** The Kubernetes adapter's calls as metrics (see activities/kubernetes/api-metrics.ts). */
import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { KubernetesCallObserver } from '../activities/kubernetes/api-metrics';
import { SHORT_SECONDS } from './registry';

export function kubernetesCallMetrics(registry: Registry): KubernetesCallObserver {
  const registers = [registry];
  const requests = new Counter({
    name: 'self_healing_kubernetes_requests_total',
    help: 'Kubernetes API requests, by kubectl verb and HTTP status (error: no answer).',
    labelNames: ['verb', 'code'],
    registers,
  });
  const duration = new Histogram({
    name: 'self_healing_kubernetes_request_duration_seconds',
    help: 'Time the Kubernetes API took to answer, by verb.',
    labelNames: ['verb'],
    buckets: SHORT_SECONDS,
    registers,
  });
  const limiterWait = new Histogram({
    name: 'self_healing_kubernetes_rate_limiter_wait_seconds',
    help: 'Time calls waited in the client-side limiter (api_max_concurrency, api_qps) before being sent.',
    buckets: SHORT_SECONDS,
    registers,
  });
  return {
    request(verb, code, seconds) {
      requests.inc({ verb, code });
      duration.observe({ verb }, seconds);
    },
    limiterWait: (seconds) => limiterWait.observe(seconds),
  };
}
