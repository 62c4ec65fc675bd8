/**
 * Notifications as activities: the alert's log line and Kubernetes Event (`notify`), the routing of
 * an alert to its recipients under the live config (`routeAlert`), and one delivery to one channel
 * (`deliver`). The workflow retries each delivery on its own, so a channel that is down delays only
 * itself and never the recovery.
 */
import { log } from '@temporalio/activity';
import type { Alert, AlertMessage, Delivery, DeliveryReceipt, Recipient } from '../../domain';
import { deliveryKey } from '../../domain';
import type { AlertsConfig, EscalationConfig } from '../../config/notification-config';
import { alertRecipients, escalationRecipients } from '../../config/notification-config';
import type { AlertRef, NotificationPorts, NotifierPort } from '../ports';
import { observeDelivery } from './delivery-metrics';

/** What routing reads, asked at every alert so it follows the live ConfigMap. */
export interface NotificationRouting {
  /** `notification_enabled`. */
  enabled: boolean;
  alerts: AlertsConfig;
  escalation: EscalationConfig;
}

export interface NotifyDeps {
  notifier: NotifierPort;
  /** The channels this worker has credentials for. @default none */
  channels?: NotificationPorts;
  routing?: () => NotificationRouting;
}

export function createNotifyActivities({ notifier, channels = {}, routing }: NotifyDeps) {
  return {
    /** The alert's log line and Event. @returns where it went. */
    async notify(alert: Alert): Promise<AlertRef[]> {
      return notifier.notify(alert);
    },

    /**
     * The deliveries an alert makes: its level's recipients, or its escalation level's. Channels
     * this worker has no credentials for are left out (and logged); none when notifications are off.
     */
    async routeAlert(message: AlertMessage): Promise<Delivery[]> {
      const config = routing?.();
      if (!config?.enabled) return [];
      const recipients = message.escalationLevel
        ? escalationRecipients(config.escalation, message.escalationLevel)
        : alertRecipients(config.alerts, message.level);
      const usable = recipients.filter((recipient) => channels[recipient.channel] !== undefined);
      if (usable.length < recipients.length)
        log.info('recipients skipped: their channel is not configured on this worker', {
          skipped: recipients.filter((r) => !usable.includes(r)).map(recipientText),
        });
      return deliveriesFor(usable, message);
    },

    /** One delivery. Failures are DeliveryFailed ApplicationFailures saying whether to retry. */
    async deliver(delivery: Delivery): Promise<DeliveryReceipt> {
      const channel = delivery.channel.startsWith('slack') ? 'slack' : delivery.channel;
      try {
        const receipt = await deliverTo(channels, delivery);
        observeDelivery(channel, receipt.delivered ? 'delivered' : 'skipped');
        return receipt;
      } catch (error) {
        observeDelivery(channel, 'failed');
        throw error;
      }
    },
  };
}

/** One Slack post per conversation, one email to every address, one PagerDuty trigger. */
export function deliveriesFor(recipients: readonly Recipient[], message: AlertMessage): Delivery[] {
  const deliveries: Delivery[] = [];
  const emails: string[] = [];
  for (const recipient of recipients) {
    if (recipient.channel === 'slack')
      deliveries.push({ channel: 'slack', to: recipient.conversation, message });
    else if (recipient.channel === 'email') emails.push(recipient.address);
    else deliveries.push({ channel: 'pagerduty', action: 'trigger', message });
  }
  if (emails.length > 0) deliveries.push({ channel: 'email', to: [...new Set(emails)], message });
  return dedupe(deliveries);
}

function dedupe(deliveries: Delivery[]): Delivery[] {
  const seen = new Set<string>();
  return deliveries.filter((delivery) => {
    const key = deliveryKey(delivery);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function recipientText(recipient: Recipient): string {
  if (recipient.channel === 'email') return recipient.address;
  if (recipient.channel === 'slack') return recipient.conversation;
  return 'pagerduty';
}

async function deliverTo(channels: NotificationPorts, delivery: Delivery): Promise<DeliveryReceipt> {
  const skipped = (channel: string): DeliveryReceipt => ({
    delivered: false,
    skipped: `${channel} is not configured on this worker`,
  });
  switch (delivery.channel) {
    case 'slack':
      if (!channels.slack) return skipped('slack');
      return { delivered: true, slack: await channels.slack.post(delivery.to, delivery.message) };
    case 'slack-update':
      if (!channels.slack) return skipped('slack');
      await channels.slack.update(delivery.ref, delivery.message);
      return { delivered: true };
    case 'slack-thread':
      if (!channels.slack) return skipped('slack');
      await channels.slack.reply(delivery.ref, delivery.lines);
      return { delivered: true };
    case 'email':
      if (!channels.email) return skipped('email');
      return { delivered: true, id: await channels.email.send(delivery.to, delivery.message) };
    case 'pagerduty':
      if (!channels.pagerduty) return skipped('pagerduty');
      await channels.pagerduty.enqueue(delivery.action, delivery.message);
      return { delivered: true };
  }
}
