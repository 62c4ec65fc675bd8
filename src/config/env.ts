/**
 * Connection settings, read from the environment once by each entrypoint and validated with zod.
 * Recovery behaviour (thresholds, dry-run, budgets) lives in the ConfigMap, not here.
 */
import { z } from 'zod';

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233');

export const envSchema = z.object({
  /** @default '127.0.0.1:7233' */
  TEMPORAL_ADDRESS: hostPort.default('127.0.0.1:7233'),
  /** @default 'default' */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** @default 'self-healing' */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('self-healing'),
  /** Client certificate and key for mTLS to Temporal; both or neither. */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  /** CA certificate (PEM path) that signed the Temporal server's certificate; turns TLS on. */
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  /** The server name to verify in Temporal's certificate, when it differs from the address host. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** API key for Temporal Cloud (or a server that takes one); turns TLS on. Never logged. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** Path to a kubeconfig; unset means in-cluster config, then ~/.kube/config. */
  KUBECONFIG: z.string().min(1).optional(),
  /** Name of the ConfigMap holding the recovery config (see src/config/recovery-config.ts). @default 'self-healing-config' */
  SELF_HEALING_CONFIG_NAME: z.string().min(1).default('self-healing-config'),
  /** Namespace of that ConfigMap. @default 'self-healing' */
  SELF_HEALING_CONFIG_NAMESPACE: z.string().min(1).default('self-healing'),
});

export type Env = z.infer<typeof envSchema>;

/** Thrown when the environment is invalid; the message names every bad variable and its value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: readonly string[],
  ) {
    super(message);
  }
}

/** Formats zod issues as `KEY: problem (got "value")`, never printing secrets. */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  input: Record<string, unknown>,
  secretKeys: readonly string[] = [],
): string[] {
  return issues.map((issue) => {
    const key = issue.path.join('.');
    const raw = issue.path.reduce<unknown>(
      (value, part) =>
        value != null && typeof value === 'object'
          ? (value as Record<PropertyKey, unknown>)[part]
          : undefined,
      input,
    );
    const shown = secretKeys.includes(key) ? '<redacted>' : JSON.stringify(raw);
    return `${key}: ${issue.message} (got ${shown})`;
  });
}

/** Validates connection settings from `source` (pass `process.env` in entrypoints, a plain object in tests). */
export function loadEnv(source: Record<string, string | undefined>): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const issues = describeIssues(result.error.issues, source, ['TEMPORAL_TLS_KEY', 'TEMPORAL_API_KEY']);
    throw new ConfigError(`invalid environment:\n  ${issues.join('\n  ')}`, issues);
  }
  const env = result.data;
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
    const issue = 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both or neither';
    throw new ConfigError(`invalid environment:\n  ${issue}`, [issue]);
  }
  return env;
}
