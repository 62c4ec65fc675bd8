/**
 * The worker's notification settings, read from the environment once and validated with zod:
 * which channels are on and their credentials. Who gets what (recipients, levels, the escalation
 * ladder) lives in the ConfigMap, not here. Secrets (the Slack token, the SMTP URL, which may hold
 * a password, and the PagerDuty routing key) are never printed: errors show `<redacted>`.
 */
import { z } from 'zod';
import type { Channel } from '../domain/notification';
import { Channels } from '../domain/notification';
import { ConfigError, describeIssues } from './env';

/** The variables whose values are never shown. */
export const NotifySecretKeys = ['SLACK_BOT_TOKEN', 'SMTP_URL', 'PAGERDUTY_ROUTING_KEY'] as const;

/** The variable that turns each channel on. */
export const ChannelCredential: Readonly<Record<Channel, (typeof NotifySecretKeys)[number]>> = {
  slack: 'SLACK_BOT_TOKEN',
  email: 'SMTP_URL',
  pagerduty: 'PAGERDUTY_ROUTING_KEY',
};

function hasScheme(value: string, schemes: readonly string[]): boolean {
  try {
    const url = new URL(value);
    return schemes.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

const httpUrl = (example: string) =>
  z
    .string()
    .refine((value) => hasScheme(value, ['http:', 'https:']), `expected an http(s) URL, e.g. ${example}`);

/** `name@domain` or `Display Name <name@domain>`. */
const emailAddress = z
  .string()
  .regex(
    /^(?:[^\s@<>]+@[^\s@<>]+|[^<>@]*<[^\s@<>]+@[^\s@<>]+>)$/,
    'expected an email address, e.g. self-healing@example.com or "Self-healing <self-healing@example.com>"',
  );

const channelList = z.string().transform((value, ctx) => {
  const names = [...new Set(value.split(',').map((name) => name.trim().toLowerCase()))].filter(Boolean);
  for (const name of names) {
    if (!(Channels as readonly string[]).includes(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown channel "${name}" (expected ${Channels.join(', ')})`,
      });
    }
  }
  if (names.length === 0) {
    ctx.addIssue({ code: 'custom', message: `expected a comma-separated list of ${Channels.join(', ')}` });
  }
  return names.filter((name): name is Channel => (Channels as readonly string[]).includes(name));
});

export const notifyEnvSchema = z
  .object({
    /** Bot token (`xoxb-…`) of the Slack app; turns Slack on. Secret. */
    SLACK_BOT_TOKEN: z.string().min(1).optional(),
    /** @default 'https://slack.com/api/' */
    SLACK_API_URL: httpUrl('https://slack.com/api/').default('https://slack.com/api/'),
    /** `smtp://host:port` or `smtps://user:pass@host:465`; turns email on. Secret: it may hold a password. */
    SMTP_URL: z
      .string()
      .refine(
        (value) => hasScheme(value, ['smtp:', 'smtps:']),
        'expected smtp://host:port or smtps://user:pass@host:465',
      )
      .optional(),
    /** The sender of alert emails; required with SMTP_URL. */
    EMAIL_FROM: emailAddress.optional(),
    /** Integration key of an Events API v2 integration (32 characters); turns PagerDuty on. Secret. */
    PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
    /** @default 'https://events.pagerduty.com' */
    PAGERDUTY_API_URL: httpUrl('https://events.pagerduty.com').default('https://events.pagerduty.com'),
    /** The Temporal Web UI, for the links in every message. @default 'http://localhost:8233' */
    TEMPORAL_UI_URL: httpUrl('http://localhost:8233').default('http://localhost:8233'),
    /** Comma-separated channels to use. @default every channel whose credential is set */
    NOTIFY_CHANNELS: channelList.optional(),
  })
  .superRefine((env, ctx) => {
    for (const channel of Array.isArray(env.NOTIFY_CHANNELS) ? env.NOTIFY_CHANNELS : []) {
      const key = ChannelCredential[channel];
      if (env[key] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['NOTIFY_CHANNELS'],
          message: `${channel} is enabled but ${key} is not set`,
        });
      }
    }
    if (env.SMTP_URL !== undefined && env.EMAIL_FROM === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMAIL_FROM'],
        message: 'required when SMTP_URL is set, e.g. self-healing@example.com',
      });
    }
  });

/** The notification settings a worker runs with; a channel's section is present only when it is on. */
export interface NotifyEnv {
  channels: Set<Channel>;
  slack?: { token: string; apiUrl: string };
  email?: { smtpUrl: string; from: string };
  pagerduty?: { routingKey: string; apiUrl: string };
  /** The Temporal Web UI's base URL. */
  uiBaseUrl: string;
}

/**
 * Validates the notification settings in `source` (pass `process.env` in entrypoints, a plain
 * object in tests).
 * @throws ConfigError listing every bad variable: its name, the problem and its value (`<redacted>` for secrets).
 */
export function loadNotifyEnv(source: Record<string, string | undefined>): NotifyEnv {
  const result = notifyEnvSchema.safeParse(source);
  if (!result.success) {
    const issues = describeIssues(result.error.issues, source, NotifySecretKeys);
    throw new ConfigError(`invalid notification settings:\n  ${issues.join('\n  ')}`, issues);
  }
  const env = result.data;
  const channels = new Set<Channel>(
    env.NOTIFY_CHANNELS ?? Channels.filter((channel) => env[ChannelCredential[channel]] !== undefined),
  );
  return {
    channels,
    ...(channels.has('slack') && env.SLACK_BOT_TOKEN
      ? { slack: { token: env.SLACK_BOT_TOKEN, apiUrl: env.SLACK_API_URL } }
      : {}),
    ...(channels.has('email') && env.SMTP_URL && env.EMAIL_FROM
      ? { email: { smtpUrl: env.SMTP_URL, from: env.EMAIL_FROM } }
      : {}),
    ...(channels.has('pagerduty') && env.PAGERDUTY_ROUTING_KEY
      ? { pagerduty: { routingKey: env.PAGERDUTY_ROUTING_KEY, apiUrl: env.PAGERDUTY_API_URL } }
      : {}),
    uiBaseUrl: env.TEMPORAL_UI_URL,
  };
}

/**
 * What a worker may log at startup about its notification settings: the channels and where they
 * go, without a token, a password or a routing key (the SMTP server shows as `host:port`).
 */
export function describeNotifyEnv(env: NotifyEnv): Record<string, string> {
  const smtp = env.email ? new URL(env.email.smtpUrl) : undefined;
  return {
    channels: [...env.channels].join(',') || 'none',
    temporalUi: env.uiBaseUrl,
    ...(env.slack ? { slackApi: env.slack.apiUrl } : {}),
    ...(smtp && env.email ? { smtp: `${smtp.protocol}//${smtp.host}`, emailFrom: env.email.from } : {}),
    ...(env.pagerduty ? { pagerDutyApi: env.pagerduty.apiUrl } : {}),
  };
}
