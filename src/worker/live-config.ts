/**
 * The worker's adapters, kept in step with the live config (the ConfigMap `self-healing-config`
 * the detector reads too): the one API limiter every Kubernetes call of the worker goes through
 * (`api_max_concurrency`, `api_qps`; the former also bounds the evictions a drain keeps in flight),
 * the cluster adapter's opt-out label (`opt_out_label`), the notifier (`notification_enabled`) and
 * the alert routing (`alerts.*`, `escalation.*`). A change applies to the next call, without a restart.
 * The recovery policy is not here: the detector snapshots it into each workflow's input.
 */
import { createKubernetesCluster } from '../activities/kubernetes/cluster';
import type { ApiLimiter, ApiLimits } from '../activities/kubernetes/limiter';
import { createApiLimiter } from '../activities/kubernetes/limiter';
import { createNodeProvider } from '../activities/kubernetes/node-providers';
import type { KubeConfig } from '../activities/kubernetes/watch';
import { createEventNotifier } from '../activities/notify/event-notifier';
import type { NotificationRouting } from '../activities/notify';
import type { MetricSource } from '../activities/metrics-source';
import { createPrometheusSource } from '../activities/metrics-source';
import type { KubernetesPorts, NodeProvider, NotifierPort } from '../activities/ports';
import type { ConfigSource } from '../config/config-source';
import type { NodeProviderName, RecoveryConfig } from '../config/recovery-config';

/** Component name on the Events the worker records (InvalidConfig on the ConfigMap). */
export const WORKER_COMPONENT = 'self-healing-worker';

/** The adapters activities are built over, following the config in force. */
export interface LiveAdapters {
  /** Shared by the cluster adapter and every node provider. */
  limiter: ApiLimiter;
  cluster: KubernetesPorts;
  /** The opt-out label in force. */
  optOutLabel: () => string;
  notifier: NotifierPort;
  /** Where alerts go: `notification_enabled`, `alerts.*` and `escalation.*` in force. */
  routing: () => NotificationRouting;
  nodeProvider: (name: NodeProviderName) => NodeProvider;
  /** Evictions a drain keeps in flight: the limiter's concurrency in force when the drain starts. */
  drainConcurrency: () => number;
  /** `service.*` and `analysis.*` in force (Service recovery's checks, thresholds and load query). */
  serviceConfig: () => Pick<RecoveryConfig, 'service' | 'analysis'>;
  /** Prometheus at `analysis.prometheus_url` in force; undefined while it is empty. */
  metricSource: () => MetricSource | undefined;
  /** Stops following the config (the adapters keep the values last applied). */
  close(): void;
}

/** The limiter bounds a config asks for. */
export function apiLimitsOf(config: RecoveryConfig): Pick<ApiLimits, 'maxConcurrency' | 'qps'> {
  return { maxConcurrency: config.api_max_concurrency, qps: config.api_qps };
}

/**
 * Builds the worker's adapters over a kubeconfig and a config source. Start a live source before
 * calling this, so the first call already runs under the ConfigMap's values, not the defaults.
 */
export function createLiveAdapters(kubeConfig: KubeConfig, config: ConfigSource): LiveAdapters {
  const limiter = createApiLimiter(apiLimitsOf(config.current()));
  // The source only ever hands over validated configs, so reconfigure cannot refuse one.
  const close = config.onChange((next) => limiter.reconfigure(apiLimitsOf(next)));
  const cluster = createKubernetesCluster(kubeConfig, {
    limiter,
    optOutLabel: () => config.current().opt_out_label,
  });
  return {
    limiter,
    cluster,
    optOutLabel: () => config.current().opt_out_label,
    notifier: createEventNotifier(cluster, { enabled: () => config.current().notification_enabled }),
    routing: () => {
      const { notification_enabled: enabled, alerts, escalation } = config.current();
      return { enabled, alerts, escalation };
    },
    nodeProvider: (name) => createNodeProvider(name, kubeConfig, { limiter }),
    drainConcurrency: () => limiter.limits.maxConcurrency,
    serviceConfig: () => config.current(),
    metricSource: metricSourceFollowing(config),
    close,
  };
}

/** The Prometheus adapter for the URL and timeout in force, rebuilt only when they change. */
function metricSourceFollowing(config: ConfigSource): () => MetricSource | undefined {
  let built: { key: string; source: MetricSource } | undefined;
  return () => {
    const { prometheus_url: url, query_timeout: timeout } = config.current().analysis;
    if (url === '') return undefined;
    const key = `${url} ${timeout}`;
    if (built?.key !== key)
      built = { key, source: createPrometheusSource({ url, timeoutMs: timeout * 1000 }) };
    return built.source;
  };
}
