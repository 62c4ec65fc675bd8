/**
 * The analysis engine's ConfigMap section, `analysis.*`: where Prometheus is, how often the rules
 * run, and each rule's PromQL, threshold and minimum duration. The design's thresholds are the
 * defaults (CPU 80 %, memory 85 %, disk 90 %, response time 1000 ms, error rate 5 %). The engine
 * runs when `analysis.enabled` is true and `analysis.prometheus_url` is set (docs/analysis.md).
 *
 * Every query returns one series per target, whose labels name it: `node`; `namespace` +
 * `persistentvolumeclaim`; `namespace` + `deployment` | `statefulset` | `daemonset` | `workload`;
 * or `service`. Series without such labels are ignored. Percent rules return 0–100, the response
 * time milliseconds.
 */
import { z } from 'zod';
import { bool, seconds } from './values';
import { promql } from './promql';

/** node-exporter's `instance` as the node's name (kube-prometheus sets it so; a `:port` is cut). */
const byNode = (expr: string) => `label_replace(${expr}, "node", "$1", "instance", "([^:]+).*")`;
/** The lab backends' `backend` label as the service's name. */
const byService = (expr: string) => `label_replace(${expr}, "service", "$1", "backend", "(.+)")`;
const ROOT_FS = 'mountpoint="/",fstype!~"tmpfs|overlay|squashfs"';

/** The default PromQL of each rule (documented in docs/analysis.md). */
export const DefaultQueries = {
  cpu: `100 * (1 - avg by (node) (${byNode('rate(node_cpu_seconds_total{mode="idle"}[5m])')}))`,
  memory: `100 * max by (node) (${byNode('1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes')})`,
  disk: `100 * max by (node) (${byNode(`1 - node_filesystem_avail_bytes{${ROOT_FS}} / node_filesystem_size_bytes{${ROOT_FS}}`)})`,
  pvc: '100 * max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes)',
  response_time: `1000 * histogram_quantile(0.99, sum by (namespace, service, le) (${byService('rate(lab_backend_http_request_duration_seconds_bucket[5m])')}))`,
  error_rate: `100 * sum by (namespace, service) (${byService('rate(lab_backend_http_requests_total{code=~"5.."}[5m])')}) / sum by (namespace, service) (${byService('rate(lab_backend_http_requests_total[5m])')})`,
} as const;

/** The rules over Prometheus' metrics, run by the analysis loop. */
export const MetricRuleNames = [
  'cpu',
  'memory',
  'disk',
  'pvc',
  'response_time',
  'error_rate',
  'anomaly',
  'exhaustion',
] as const;
export type MetricRuleName = (typeof MetricRuleNames)[number];

/**
 * The rules over what the detector watches (no Prometheus needed): `partition` (a zone's nodes lost
 * together: one alert per zone) and `storage` (volume failures from Warning Events).
 */
export const WatchRuleNames = ['partition', 'storage'] as const;
export type WatchRuleName = (typeof WatchRuleNames)[number];

/** The rules the engine knows; `analysis.rules` picks among them. */
export const AnalysisRuleNames = [...MetricRuleNames, ...WatchRuleNames] as const;
export type AnalysisRuleName = (typeof AnalysisRuleNames)[number];

/** The threshold rules: each has `<name>_query`, `<name>_threshold` and `<name>_for`. */
export const ThresholdRuleNames = ['cpu', 'memory', 'disk', 'pvc', 'response_time', 'error_rate'] as const;
export type ThresholdRuleName = (typeof ThresholdRuleNames)[number];

/** A finite number within [min, max]; empty strings and `NaN` are errors, not 0. */
const numberIn = (min: number, max: number, def: number) =>
  z
    .union([z.number(), z.string()])
    .default(def)
    .transform((v, ctx) => {
      const n = typeof v === 'number' ? v : v.trim() === '' ? NaN : Number(v);
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: 'custom', message: 'expected a finite number' });
        return z.NEVER;
      }
      return n;
    })
    .pipe(z.number().min(min).max(max));

const percent = (def: number) => numberIn(0, 100, def);
/** A rule's minimum duration, seconds. @default 120 */
const forSeconds = seconds(0, 86400, 120);

const ruleList = z
  .union([z.string(), z.array(z.string())])
  .default(AnalysisRuleNames.join(','))
  .transform((value, ctx) => {
    const names = (Array.isArray(value) ? value : value.split(',')).map((n) => n.trim()).filter(Boolean);
    for (const name of names)
      if (!(AnalysisRuleNames as readonly string[]).includes(name))
        ctx.addIssue({
          code: 'custom',
          message: `unknown rule "${name}" (known: ${AnalysisRuleNames.join(', ')})`,
        });
    return [...new Set(names)] as AnalysisRuleName[];
  });

const prometheusUrl = z
  .string()
  .default('')
  .transform((u) => u.trim())
  .refine(
    (u) => u === '' || /^https?:\/\/[^\s/]+/.test(u),
    'expected an http(s) URL such as http://prometheus:9090, or empty',
  );

export const analysisSection = z
  .object({
    /** Run the analysis engine (it also needs `prometheus_url`). @default true */
    enabled: bool(true),
    /** Prometheus' base URL; empty: no analysis. @default '' */
    prometheus_url: prometheusUrl,
    /** Seconds between evaluations. @default 30 */
    interval: seconds(5, 600, 30),
    /** Seconds one query may take before it counts as failed. @default 10 */
    query_timeout: seconds(1, 60, 10),
    /** Queries in flight at once. @default 4 */
    max_concurrent_queries: z.coerce.number().int().min(1).max(20).default(4),
    /** The rules that run, comma separated. @default every rule */
    rules: ruleList,
    cpu_query: promql(DefaultQueries.cpu),
    cpu_threshold: percent(80),
    cpu_for: forSeconds,
    memory_query: promql(DefaultQueries.memory),
    memory_threshold: percent(85),
    memory_for: forSeconds,
    disk_query: promql(DefaultQueries.disk),
    disk_threshold: percent(90),
    disk_for: forSeconds,
    pvc_query: promql(DefaultQueries.pvc),
    pvc_threshold: percent(90),
    pvc_for: forSeconds,
    response_time_query: promql(DefaultQueries.response_time),
    /** Milliseconds. @default 1000 */
    response_time_threshold: numberIn(0, 3_600_000, 1000),
    response_time_for: forSeconds,
    error_rate_query: promql(DefaultQueries.error_rate),
    error_rate_threshold: percent(5),
    error_rate_for: forSeconds,
    /** The series watched for anomalies. @default the response-time query */
    anomaly_query: promql(DefaultQueries.response_time),
    /** Seconds of history the baseline spans. @default 3600 */
    anomaly_baseline: seconds(300, 86400, 3600),
    /** Robust z-score beyond which a point is anomalous. @default 4.5 */
    anomaly_threshold: numberIn(2, 50, 4.5),
    /** Consecutive anomalous evaluations before a finding. @default 2 */
    anomaly_confirm: z.coerce.number().int().min(1).max(20).default(2),
    /** `up`, `down` or `both`. @default 'up' (latency and errors hurt when they rise) */
    anomaly_sides: z.enum(['up', 'down', 'both']).default('up'),
    /** Percent-used series the exhaustion rule extrapolates. @default disk per node, or PVCs */
    exhaustion_query: promql(`(${DefaultQueries.disk}) or (${DefaultQueries.pvc})`),
    /** Seconds of history the linear fit spans. @default 3600 */
    exhaustion_window: seconds(600, 86400, 3600),
    /** A finding when full within this many seconds. @default 14400 (4 h) */
    exhaustion_horizon: seconds(600, 30 * 86400, 14400),
    /** Percent of a zone's nodes lost together that makes a zone loss. @default 80 */
    partition_percent: numberIn(1, 100, 80),
    /** Seconds a finding's alert stays open while it holds; a finding still there then opens a new one. @default 86400 */
    alert_open_for: seconds(60, 7 * 86400, 86400),
  })
  .strict()
  .superRefine((s, ctx) => {
    const points = (key: 'anomaly_baseline' | 'exhaustion_window', min: number) => {
      if (s[key] < min * s.interval)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `must span at least ${min} evaluations of analysis.interval (${min * s.interval} s)`,
        });
    };
    points('anomaly_baseline', 20 + s.anomaly_confirm);
    points('exhaustion_window', 10);
  });

export type AnalysisConfig = z.infer<typeof analysisSection>;

/** The config keys that hold PromQL. */
export const AnalysisQueryKeys = [
  ...ThresholdRuleNames.map((name) => `${name}_query` as const),
  'anomaly_query',
  'exhaustion_query',
] as const;
export type AnalysisQueryKey = (typeof AnalysisQueryKeys)[number];

/** True when the watch-based rule `rule` runs: analysis enabled and the rule in `analysis.rules`. */
export function watchRuleActive(config: AnalysisConfig, rule: WatchRuleName): boolean {
  return config.enabled && config.rules.includes(rule);
}

/** True when the engine should run: enabled and a Prometheus to ask. */
export function analysisActive(config: AnalysisConfig): boolean {
  return config.enabled && config.prometheus_url !== '';
}

/** What a parser says of one query; `unavailable` throws instead (see {@link validateQueries}). */
export interface QueryParser {
  parse(query: string): Promise<{ valid: true } | { valid: false; error: string }>;
}

/**
 * Asks Prometheus' parser about every query of the enabled rules.
 * @returns `issues` naming each bad key as the schema does (`analysis.cpu_query: …`), or
 *   `unchecked` with the reason when the parser could not be asked (Prometheus down, or older than 3).
 */
export async function validateQueries(
  config: AnalysisConfig,
  parser: QueryParser,
): Promise<{ issues: string[]; unchecked?: string }> {
  const keys = AnalysisQueryKeys.filter((key) =>
    config.rules.includes(key.replace(/_query$/, '') as AnalysisRuleName),
  );
  const issues: string[] = [];
  for (const key of keys) {
    try {
      const verdict = await parser.parse(config[key]);
      if (!verdict.valid)
        issues.push(
          `analysis.${key}: Prometheus rejects it: ${verdict.error} (got ${JSON.stringify(config[key])})`,
        );
    } catch (error) {
      return { issues, unchecked: error instanceof Error ? error.message : String(error) };
    }
  }
  return { issues };
}
