/**
 * Where alerts and escalations go: the ConfigMap sections `alerts.*` (by alert level, as the design
 * routes them) and `escalation.*` (the 5/15/30-minute ladder). Recipients are lists, comma
 * separated: email addresses, Slack channels (`#incidents`, `C0123ABC`), Slack users (`@U0123ABC`,
 * a direct message) and, for escalation levels, `pagerduty`. Credentials are never here: they come
 * from the worker's environment (src/config/notify-env.ts); a channel without them is skipped.
 */
import { z } from 'zod';
import { bool, seconds } from './values';
import type { AlertLevel, EscalationLevel, Recipient } from '../domain';

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const SLACK_CHANNEL = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{2,})$/;
const SLACK_USER = /^@[UW][A-Z0-9]{2,}$/;

/** Reads one recipient as config writes it; undefined when it is none of the accepted forms. */
export function parseRecipient(text: string): Recipient | undefined {
  if (text === 'pagerduty') return { channel: 'pagerduty' };
  if (EMAIL.test(text)) return { channel: 'email', address: text };
  if (SLACK_CHANNEL.test(text)) return { channel: 'slack', conversation: text };
  if (SLACK_USER.test(text)) return { channel: 'slack', conversation: text.slice(1) };
  return undefined;
}

/** A comma-separated list of recipients of the given channels, each checked and named when bad. */
const recipients = (accepted: readonly Recipient['channel'][], def: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .default(def)
    .transform((value, ctx) => {
      const items = (Array.isArray(value) ? value : value.split(','))
        .map((item) => item.trim())
        .filter(Boolean);
      for (const item of items) {
        const recipient = parseRecipient(item);
        if (!recipient || !accepted.includes(recipient.channel))
          ctx.addIssue({
            code: 'custom',
            message: `"${item}" is not ${describe(accepted)}`,
          });
      }
      return items;
    });

function describe(accepted: readonly Recipient['channel'][]): string {
  const names = {
    email: 'an email address',
    slack: 'a Slack channel (#name, C…) or user (@U…)',
    pagerduty: '"pagerduty"',
  };
  return accepted.map((channel) => names[channel]).join(' or ');
}

/** Alert routing by level: the design's channels and addresses as defaults. */
export const alertsSection = z
  .object({
    info_slack: recipients(['slack'], '#monitoring'),
    info_email: recipients(['email'], 'team@company.com'),
    warning_slack: recipients(['slack'], '#alerts'),
    warning_email: recipients(['email'], 'oncall@company.com'),
    critical_slack: recipients(['slack'], '#incidents'),
    critical_email: recipients(['email'], 'emergency@company.com'),
    /** Critical alerts open a PagerDuty incident (resolved when the recovery completes). @default true */
    critical_pagerduty: bool(true),
    /** Seconds a failing delivery is retried (Slack down, say) before it is given up. @default 3600 */
    retry_for: seconds(60, 86400, 3600),
  })
  .strict();

const everyone = ['email', 'slack', 'pagerduty'] as const;

/** The escalation ladder: when each level is told (seconds after a human is first needed) and whom. */
export const escalationSection = z
  .object({
    level1_after: seconds(0, 86400, 300),
    level1_notify: recipients(everyone, 'oncall@company.com'),
    level2_after: seconds(0, 86400, 900),
    level2_notify: recipients(everyone, 'manager@company.com'),
    level3_after: seconds(0, 86400, 1800),
    level3_notify: recipients(everyone, 'director@company.com'),
  })
  .strict()
  .superRefine((ladder, ctx) => {
    if (!(ladder.level1_after < ladder.level2_after && ladder.level2_after < ladder.level3_after))
      ctx.addIssue({
        code: 'custom',
        path: ['level2_after'],
        message: `the levels must come in order: level1_after < level2_after < level3_after (got ${ladder.level1_after}, ${ladder.level2_after}, ${ladder.level3_after})`,
      });
  });

export type AlertsConfig = z.infer<typeof alertsSection>;
export type EscalationConfig = z.infer<typeof escalationSection>;

/** The recipients config names for an alert level. */
export function alertRecipients(alerts: AlertsConfig, level: AlertLevel): Recipient[] {
  const named = [...alerts[`${level}_slack`], ...alerts[`${level}_email`]];
  const parsed = named.map(parseRecipient).filter((r): r is Recipient => r !== undefined);
  return level === 'critical' && alerts.critical_pagerduty ? [...parsed, { channel: 'pagerduty' }] : parsed;
}

/** The recipients of an escalation level. */
export function escalationRecipients(ladder: EscalationConfig, level: EscalationLevel): Recipient[] {
  return ladder[`level${level}_notify`].map(parseRecipient).filter((r): r is Recipient => r !== undefined);
}

/** Seconds after a human is first needed at which each level is told, in level order. */
export function escalationTimes(ladder: EscalationConfig): [number, number, number] {
  return [ladder.level1_after, ladder.level2_after, ladder.level3_after];
}
