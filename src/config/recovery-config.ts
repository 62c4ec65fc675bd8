/**
 * Recovery behaviour, from the ConfigMap `self-healing-config` (namespace `self-healing`; both
 * configurable). Keys are the design document's snake_case names; values are strings in the
 * ConfigMap and are coerced and range-checked here. An invalid ConfigMap never replaces the last
 * good one (see ./config-source.ts).
 *
 * The design's keys stay flat. Each area the design does not cover gets a section of dotted keys,
 * `<area>.<key>` (`workload.*`, `alerts.*`, `escalation.*`, `analysis.*`, `service.*`), validated by the same
 * schema. Secrets (tokens, signing secrets, passwords, routing keys) never go in the ConfigMap: a
 * key that looks like one is rejected; they come from a Secret mounted as environment.
 */
import { z } from 'zod';
import { bool, seconds } from './values';
import { describeIssues } from './env';
import { QUANTITY } from '../domain/quantity';
import { alertsSection, escalationSection } from './notification-config';
import { analysisSection } from './analysis-config';
import { serviceSection } from './service-config';

/** A memory quantity (`512Mi`, `4Gi`, `1G`, bytes), kept as written; {@link quantityBytes} reads it. */
const quantity = (def: string) =>
  z
    .union([z.number(), z.string()])
    .transform((v) => String(v).trim())
    .pipe(z.string().regex(QUANTITY, 'expected a memory quantity like 512Mi or 4Gi'))
    .default(def);

/** `3` (nodes) or `20%` (of all nodes). */
const budget = z
  .union([z.number(), z.string()])
  .transform((v) => String(v).trim())
  .pipe(z.string().regex(/^(\d+|\d{1,3}%)$/, 'expected a whole number of nodes or a percentage like 20%'))
  .default('1');

export const NodeProviders = ['sim', 'cluster-api', 'delete-node', 'none'] as const;
export type NodeProviderName = (typeof NodeProviders)[number];

/** Workload recovery (the design's restart strategy). */
const workloadSection = z
  .object({
    /** Restarts the restart strategy tries before it escalates. @default 3 */
    restart_attempts: z.coerce.number().int().min(1).max(10).default(3),
    /** Seconds between restart attempts (a durable timer). @default 30 */
    restart_interval: seconds(5, 600, 30),
    /** Seconds a pod failure must persist before it is confirmed (a flapping pod never triggers). @default 60 */
    confirmation_window: seconds(0, 3600, 60),
    /** Seconds a Running pod may stay not Ready before it counts as failing. @default 300 */
    not_ready_window: seconds(30, 86400, 300),
    /** Restarts are counted within this many seconds (the kubelet resets its backoff after 10 min). @default 600 */
    restart_window: seconds(60, 86400, 600),
    /** A crash within this many seconds after the latest rollout is blamed on it: rolled back. @default 1800 */
    rollback_window: seconds(0, 86400, 1800),
    /** A rollback waits for a human approval. @default false */
    rollback_requires_approval: bool(false),
    /** OOMKilled: the memory limit (and an equal request) is multiplied by this. @default 1.5 */
    memory_factor: z.coerce.number().min(1.1).max(4).default(1.5),
    /** OOMKilled: a raise above this quantity waits for a human. @default '4Gi' */
    memory_cap: quantity('4Gi'),
    /** Seconds the pods must stay Ready without a new restart before a recovery counts. @default 60 */
    stable_window: seconds(0, 3600, 60),
    /** Seconds after a remediation during which the same workload is not remediated again. @default 600 */
    cooldown: seconds(0, 86400, 600),
    /** Remediations of one workload per rolling hour. @default 3 */
    max_remediations_per_hour: z.coerce.number().int().min(1).max(60).default(3),
    /** Workload recoveries acting at once, cluster-wide. @default 5 */
    max_concurrent: z.coerce.number().int().min(1).max(100).default(5),
  })
  .strict();

/** The sections of dotted keys, by area: `workload.restart_attempts` is `workload` → `restart_attempts`. */
export const ConfigSections = {
  workload: workloadSection,
  alerts: alertsSection,
  escalation: escalationSection,
  analysis: analysisSection,
  service: serviceSection,
} as const;

/** Every key a ConfigMap may hold: the flat keys, and each section's keys as `<area>.<key>`. */
export function recoveryConfigKeys(): string[] {
  return Object.entries(recoveryConfigSchema.shape).flatMap(([key]) =>
    Object.hasOwn(ConfigSections, key)
      ? Object.keys(ConfigSections[key as keyof typeof ConfigSections].shape).map(
          (inner) => `${key}.${inner}`,
        )
      : [key],
  );
}

/** Key names that hold secrets, which never belong in a ConfigMap. */
const SECRET_KEY = /(token|secret|password|routing_key|api_key)$/i;

export const recoveryConfigSchema = z
  .object({
    /** Seconds between health checks; the detector's confirmation unit. @default 30 */
    health_check_interval: seconds(10, 300, 30),
    /** Consecutive failed checks before a node counts as failed. @default 3 */
    node_failure_threshold: z.coerce.number().int().min(1).max(10).default(3),
    /** Container restarts before a pod counts as failing. @default 5 */
    pod_restart_threshold: z.coerce.number().int().min(1).max(20).default(5),
    /** Seconds a recovery may take to verify before it escalates. @default 300 */
    recovery_timeout: seconds(60, 1800, 300),
    /**
     * Send alerts to notification channels (Slack, email, PagerDuty, the alert Event); the alert's log
     * line and the per-step Events are written either way. Read by the worker at each alert. @default true
     */
    notification_enabled: bool(true),

    /** Run every decision and record it; mutate nothing. @default false */
    dry_run: bool(false),
    /** Nodes under disruptive remediation at once, cluster-wide: a number or a percentage. @default '1' */
    max_disrupted_nodes: budget,
    /** Percent of nodes turning unhealthy within `storm_window` that marks a storm. @default 40 */
    storm_threshold_percent: z.coerce.number().int().min(1).max(100).default(40),
    /** Seconds over which unhealthy nodes are counted for the storm guard. @default 300 */
    storm_window: seconds(30, 3600, 300),
    /** Seconds after a storm clears before node remediation resumes. @default 300 */
    storm_cooldown: seconds(0, 3600, 300),
    /** Overall drain timeout in seconds; at the timeout the recovery escalates. @default 300 */
    drain_timeout: seconds(30, 3600, 300),
    /** Evict pods that use emptyDir volumes (their data is lost, as with kubectl drain --delete-emptydir-data). @default true */
    drain_delete_emptydir_data: bool(true),
    /** Pods without a controller: `skip` leaves them and reports them; `approve` asks a human before deleting. @default 'skip' */
    drain_unmanaged_pods: z.enum(['skip', 'approve']).default('skip'),
    /** Seconds to wait, after draining, for the node to come back Ready before replacing it. @default 120 */
    node_recovery_window: seconds(0, 3600, 120),
    /** How a node that does not come back is replaced. @default 'none' (hand to humans) */
    node_provider: z.enum(NodeProviders).default('none'),
    /** Replacement waits for a human approval (CLI, Temporal UI, later Slack). @default false */
    replacement_requires_approval: bool(false),
    /** Seconds to wait for an approval before handing the recovery to humans. @default 1800 */
    approval_timeout: seconds(60, 86400, 1800),
    /** Label that opts a node out of remediation when set to "true". @default 'self-healing.temporal.io/exclude' */
    opt_out_label: z.string().min(1).default('self-healing.temporal.io/exclude'),
    /** Concurrent Kubernetes API operations per worker, applied live. @default 10 */
    api_max_concurrency: z.coerce.number().int().min(1).max(100).default(10),
    /** Client-side rate limit for Kubernetes API calls per worker, requests per second, applied live. @default 20 */
    api_qps: z.coerce.number().min(1).max(1000).default(20),
    workload: workloadSection.prefault({}),
    alerts: alertsSection.prefault({}),
    escalation: escalationSection.prefault({}),
    /** The analysis engine over Prometheus (./analysis-config.ts, docs/analysis.md). */
    analysis: analysisSection.prefault({}),
    /** Service recovery (./service-config.ts, docs/services.md). */
    service: serviceSection.prefault({}),
  })
  .strict();

export type RecoveryConfig = z.infer<typeof recoveryConfigSchema>;

/** The configuration in force when no ConfigMap exists. */
export const defaultRecoveryConfig: RecoveryConfig = recoveryConfigSchema.parse({});

/** Thrown for an invalid ConfigMap; `issues` name each bad key and its value. */
export class InvalidRecoveryConfigError extends Error {
  override readonly name = 'InvalidRecoveryConfigError';
  constructor(readonly issues: readonly string[]) {
    super(`invalid self-healing config: ${issues.join('; ')}`);
  }
}

/**
 * Validates ConfigMap data (string values) or a plain object.
 * @throws InvalidRecoveryConfigError naming every bad key and value; unknown keys are errors too.
 */
export function parseRecoveryConfig(data: Record<string, unknown> | undefined): RecoveryConfig {
  const secrets = Object.keys(data ?? {})
    .filter((key) => SECRET_KEY.test(key))
    .map(
      (key) =>
        `${key}: secrets never go in the ConfigMap; put it in a Secret and the environment (value not shown)`,
    );
  if (secrets.length > 0) throw new InvalidRecoveryConfigError(secrets);
  const input = sectioned(data ?? {});
  const result = recoveryConfigSchema.safeParse(input);
  if (!result.success) throw new InvalidRecoveryConfigError(describeIssues(result.error.issues, input));
  return result.data;
}

/** ConfigMap data with each section's dotted keys gathered under its area; other keys as they are. */
function sectioned(data: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const dot = key.indexOf('.');
    const area = key.slice(0, dot);
    if (dot > 0 && Object.hasOwn(ConfigSections, area)) {
      const section = (input[area] ??= {}) as Record<string, unknown>;
      section[key.slice(dot + 1)] = value;
    } else input[key] = value;
  }
  return input;
}

/** The budget as a node count for a cluster of `totalNodes` (at least 1). */
export function maxDisruptedNodes(
  config: Pick<RecoveryConfig, 'max_disrupted_nodes'>,
  totalNodes: number,
): number {
  const value = config.max_disrupted_nodes;
  const count = value.endsWith('%')
    ? Math.floor((totalNodes * Number(value.slice(0, -1))) / 100)
    : Number(value);
  return Math.max(1, count);
}
