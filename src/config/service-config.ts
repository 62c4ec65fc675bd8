/**
 * Service recovery (`service.*` keys, docs/services.md): the connectivity check's defaults (a
 * Service's annotations override them), how the detector checks, the scaling strategy's load
 * query, thresholds, bounds and cooldown, failover's stable window, and the budget.
 */
import { z } from 'zod';
import { bool, seconds } from './values';

/**
 * The lab backends' request rate per Service (their `backend` label names it), requests/s. Any
 * PromQL that returns one series per Service labelled `namespace` and `service` will do; `$namespace`
 * and `$service` are replaced by the Service's.
 */
export const DEFAULT_LOAD_QUERY =
  'sum by (namespace, service) (label_replace(rate(lab_backend_http_requests_total{namespace="$namespace",backend="$service"}[1m]), "service", "$1", "backend", "(.+)"))';

const STATUS = /^([1-5]xx|[1-5]\d\d)$/i;

export const serviceSection = z
  .object({
    /** Watch Services and check them (no ready endpoints, connectivity). @default true */
    enabled: bool(true),
    /** HTTP path the connectivity check requests on every endpoint. @default '/healthz' */
    check_path: z
      .string()
      .regex(/^\/\S*$/, 'expected a path starting with /')
      .default('/healthz'),
    /** Seconds before a check of one endpoint counts as failed. @default 2 */
    check_timeout: seconds(1, 60, 2),
    /** Accepted status: a code (`200`) or a class (`2xx`). @default '2xx' */
    check_status: z.string().regex(STATUS, 'expected an HTTP status (200) or a class (2xx)').default('2xx'),
    /** Seconds between the detector's connectivity checks of a Service. @default 15 */
    check_interval: seconds(5, 600, 15),
    /** Checks in flight at once, across all Services. @default 20 */
    check_concurrency: z.coerce.number().int().min(1).max(200).default(20),
    /** Consecutive failed checks (or seconds with no ready endpoint, in check intervals) before a recovery starts. @default 2 */
    failure_threshold: z.coerce.number().int().min(1).max(10).default(2),
    /** Performance findings (response_time, error_rate) on a Service start its recovery, not just an alert. @default true */
    recover_performance: bool(true),
    /** Seconds status, connectivity, performance and dependencies must hold before a recovery counts. @default 30 */
    stable_window: seconds(0, 3600, 30),
    /** Service recoveries acting at once, cluster-wide. @default 5 */
    max_concurrent: z.coerce.number().int().min(1).max(100).default(5),
    /** PromQL of a Service's load (requests/s by default); divided by its ready replicas. */
    load_query: z.string().min(1).default(DEFAULT_LOAD_QUERY),
    /** Load per ready replica above which a scaling-enabled Service is under load (doubled). @default 5 */
    scale_up_threshold: z.coerce.number().positive().default(5),
    /** Load per ready replica below which it is over-provisioned (halved). @default 1 */
    scale_down_threshold: z.coerce.number().min(0).default(1),
    /** Replicas scaling never goes above (a Service's `scaling` annotation may say less). @default 10 */
    max_replicas: z.coerce.number().int().min(1).max(1000).default(10),
    /** Replicas scaling never goes below. @default 1 */
    min_replicas: z.coerce.number().int().min(1).max(1000).default(1),
    /** Seconds between two changes of one workload's replicas. @default 120 */
    scale_cooldown: seconds(0, 3600, 120),
    /** Seconds, after scaling up, the load is watched to give the replicas back as it drops. @default 1800 */
    scale_watch: seconds(0, 86400, 1800),
    /** Seconds a failed-over primary must stay healthy before traffic goes back to it. @default 120 */
    failover_stable_window: seconds(0, 3600, 120),
  })
  .strict()
  .refine((s) => s.scale_down_threshold < s.scale_up_threshold, {
    message: 'scale_down_threshold must be below scale_up_threshold',
    path: ['scale_down_threshold'],
  })
  .refine((s) => s.min_replicas <= s.max_replicas, {
    message: 'min_replicas must not be above max_replicas',
    path: ['min_replicas'],
  });

export type ServiceConfig = z.infer<typeof serviceSection>;

/** The accepted statuses of `check_status`. */
export function statusRange(text: string): { min: number; max: number } {
  const cls = /^([1-5])xx$/i.exec(text);
  if (cls) return { min: Number(cls[1]) * 100, max: Number(cls[1]) * 100 + 99 };
  return { min: Number(text), max: Number(text) };
}
