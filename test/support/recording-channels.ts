/**
 * Notification channels that keep what they are given, for workflow tests where the point is what
 * the recovery sends and when (the adapters are tested against real servers and stand-ins in
 * their own suites). Slack can be taken down: it then fails the way the adapter does when Slack
 * does not answer (a retryable delivery failure).
 */
import type { AlertMessage, SlackMessageRef } from '../../src/domain';
import { deliveryError } from '../../src/activities/notify/errors';
import type { NotificationPorts } from '../../src/activities/ports';

export interface Sent {
  channel: 'slack' | 'slack-update' | 'slack-thread' | 'email' | 'pagerduty';
  to: string;
  title?: string;
  escalationLevel?: number;
  lines?: string[];
  message?: AlertMessage;
}

export class RecordingChannels {
  readonly sent: Sent[] = [];
  slackUp = true;
  private posts = 0;

  get ports(): NotificationPorts {
    const down = () => {
      if (!this.slackUp)
        throw deliveryError('slack: connect ECONNREFUSED 127.0.0.1', { channel: 'slack', retryable: true });
    };
    return {
      slack: {
        post: async (to, message): Promise<SlackMessageRef> => {
          down();
          this.record({ channel: 'slack', to, message });
          return { channel: 'C0FAKE', ts: `1700000000.${String(++this.posts).padStart(6, '0')}` };
        },
        update: async (ref, message) => {
          down();
          this.record({ channel: 'slack-update', to: ref.ts, message });
        },
        reply: async (ref, lines) => {
          down();
          this.sent.push({ channel: 'slack-thread', to: ref.ts, lines });
        },
      },
      email: {
        send: async (to, message) => {
          this.record({ channel: 'email', to: to.join(','), message });
          return `<${this.sent.length}@test>`;
        },
      },
      pagerduty: {
        enqueue: async (action, message) => {
          this.record({ channel: 'pagerduty', to: action, message });
        },
      },
    };
  }

  /** What went to one channel, in order. */
  to(channel: Sent['channel']): Sent[] {
    return this.sent.filter((s) => s.channel === channel);
  }

  private record(sent: Sent & { message: AlertMessage }): void {
    const { message } = sent;
    this.sent.push({
      ...sent,
      title: message.title,
      ...(message.escalationLevel ? { escalationLevel: message.escalationLevel } : {}),
    });
  }
}
