/**
 * The notification channels a worker has credentials for (src/config/notify-env.ts), each one
 * adapter over its client: Slack's Web API, SMTP, PagerDuty's Events API.
 */
import { createEmailAdapter } from '../activities/notify/email';
import { createPagerDutyAdapter } from '../activities/notify/pagerduty';
import { createSlackAdapter } from '../activities/notify/slack';
import type { NotificationPorts } from '../activities/ports';
import type { NotifyEnv } from '../config/notify-env';

export function createNotificationChannels(env: NotifyEnv, namespace: string): NotificationPorts {
  const ui = { uiBaseUrl: env.uiBaseUrl, namespace };
  return {
    ...(env.slack ? { slack: createSlackAdapter({ ...env.slack, ...ui }) } : {}),
    ...(env.email ? { email: createEmailAdapter({ ...env.email, ...ui }) } : {}),
    ...(env.pagerduty ? { pagerduty: createPagerDutyAdapter({ ...env.pagerduty, ...ui }) } : {}),
  };
}
