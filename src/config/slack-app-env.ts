/**
 * The Slack app's settings, read from the environment once by its entrypoint and validated with
 * zod: Slack's credentials, who may decide, where it listens. Temporal's connection settings are
 * the shared ones ({@link loadEnv}).
 */
import { z } from 'zod';
import type { Env } from './env';
import { ConfigError, describeIssues, loadEnv } from './env';

/** Never printed, not even when invalid. */
const SECRET_KEYS = ['SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN'];

/** A comma-separated list of IDs matching `pattern` (blanks ignored). */
function idList(pattern: RegExp, what: string) {
  return z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .refine((ids) => ids.every((id) => pattern.test(id)), `expected a comma-separated list of ${what}`);
}

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((value) => value === 'true' || value === '1');

export const slackAppEnvSchema = z.object({
  /** Verifies that requests come from Slack (Basic Information → App Credentials). */
  SLACK_SIGNING_SECRET: z
    .string({ error: 'required: the app’s signing secret' })
    .min(1, 'required: the app’s signing secret'),
  /** The bot token (OAuth & Permissions), for ephemeral answers and user-group lookups. */
  SLACK_BOT_TOKEN: z
    .string({ error: 'required: the bot token (xoxb-…)' })
    .regex(/^xoxb-/, 'expected a bot token (xoxb-…)'),
  /** @default 'https://slack.com/api/' */
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api/'),
  /** Slack user IDs allowed to approve, reject and acknowledge. */
  SLACK_APPROVERS: idList(/^[UW][A-Z0-9]+$/, 'Slack user IDs (U… or W…)'),
  /** Slack user group IDs whose members may approve, reject and acknowledge. */
  SLACK_APPROVER_GROUPS: idList(/^S[A-Z0-9]+$/, 'Slack user group IDs (S…)'),
  /** @default 3000 */
  SLACK_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** @default '127.0.0.1' (set 0.0.0.0 in a pod) */
  SLACK_HOST: z.string().min(1).default('127.0.0.1'),
  /** Receive interactions over Socket Mode (no public URL) instead of HTTP. @default false */
  SLACK_SOCKET_MODE: flag,
  /** The app-level token (`xapp-…`, scope connections:write); required in Socket Mode. */
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'expected an app-level token (xapp-…)')
    .optional(),
});

export type SlackAppSettings = z.infer<typeof slackAppEnvSchema>;
export type SlackAppEnv = SlackAppSettings & { temporal: Env };

/**
 * Validates the Slack app's settings and Temporal's from `source` (pass `process.env` in the
 * entrypoint, a plain object in tests).
 * @throws ConfigError listing every issue of both, secrets redacted; also when no approver is
 *   configured (the app would let nobody decide) and when Socket Mode has no app token.
 */
export function loadSlackAppEnv(source: Record<string, string | undefined>): SlackAppEnv {
  const issues: string[] = [];
  const result = slackAppEnvSchema.safeParse(source);
  if (!result.success) issues.push(...describeIssues(result.error.issues, source, SECRET_KEYS));
  let temporal: Env | undefined;
  try {
    temporal = loadEnv(source);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  issues.push(...crossChecks(source));
  if (issues.length > 0 || !result.success || !temporal) {
    throw new ConfigError(`invalid environment:\n  ${issues.join('\n  ')}`, issues);
  }
  return { ...result.data, temporal };
}

/** Checks across keys, on the raw values so that they are reported with the schema's issues. */
function crossChecks(source: Record<string, string | undefined>): string[] {
  const issues: string[] = [];
  const set = (key: string) => (source[key] ?? '').replace(/,/g, '').trim() !== '';
  if (!set('SLACK_APPROVERS') && !set('SLACK_APPROVER_GROUPS')) {
    issues.push(
      'SLACK_APPROVERS and SLACK_APPROVER_GROUPS: set at least one (user IDs U…, group IDs S…); without them nobody may decide',
    );
  }
  if (['true', '1'].includes(source.SLACK_SOCKET_MODE ?? '') && !set('SLACK_APP_TOKEN')) {
    issues.push('SLACK_APP_TOKEN: required when SLACK_SOCKET_MODE is true (an app-level token xapp-…)');
  }
  return issues;
}
