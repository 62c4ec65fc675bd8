import { alertRecipients, escalationRecipients, parseRecipient } from '../../src/config/notification-config';
import {
  defaultRecoveryConfig,
  InvalidRecoveryConfigError,
  parseRecoveryConfig,
} from '../../src/config/recovery-config';
import { deliveriesFor } from '../../src/activities/notify';
import type { AlertMessage } from '../../src/domain';

const message: AlertMessage = {
  level: 'critical',
  title: 'Node n1 needs a human',
  detail: 'drain timed out',
  workflowId: 'node-recovery/n1',
  kind: 'node',
  target: 'n1',
  phase: 'Escalated',
  step: 'drain timed out; handed to humans',
  evidence: [],
  actions: [],
};

function issuesOf(data: Record<string, string>): string[] {
  try {
    parseRecoveryConfig(data);
  } catch (error) {
    if (error instanceof InvalidRecoveryConfigError) return [...error.issues];
    throw error;
  }
  return [];
}

describe('alert routing config', () => {
  it('routes by level as the design does: #monitoring, #alerts, #incidents, and PagerDuty for critical', () => {
    const { alerts } = defaultRecoveryConfig;
    expect(alertRecipients(alerts, 'info')).toEqual([
      { channel: 'slack', conversation: '#monitoring' },
      { channel: 'email', address: 'team@company.com' },
    ]);
    expect(alertRecipients(alerts, 'warning')).toEqual([
      { channel: 'slack', conversation: '#alerts' },
      { channel: 'email', address: 'oncall@company.com' },
    ]);
    expect(alertRecipients(alerts, 'critical')).toEqual([
      { channel: 'slack', conversation: '#incidents' },
      { channel: 'email', address: 'emergency@company.com' },
      { channel: 'pagerduty' },
    ]);
  });

  it("has the design's escalation ladder: on-call at 5, manager at 15, director at 30 minutes", () => {
    const { escalation } = defaultRecoveryConfig;
    expect([escalation.level1_after, escalation.level2_after, escalation.level3_after]).toEqual([
      300, 900, 1800,
    ]);
    expect(escalationRecipients(escalation, 2)).toEqual([
      { channel: 'email', address: 'manager@company.com' },
    ]);
  });

  it('reads recipient lists of emails, Slack channels and users, and pagerduty', () => {
    const config = parseRecoveryConfig({
      'escalation.level1_notify': 'sre@example.com, #sre-oncall, @U024BE7LH, pagerduty',
      'alerts.warning_slack': '',
    });
    expect(escalationRecipients(config.escalation, 1)).toEqual([
      { channel: 'email', address: 'sre@example.com' },
      { channel: 'slack', conversation: '#sre-oncall' },
      { channel: 'slack', conversation: 'U024BE7LH' },
      { channel: 'pagerduty' },
    ]);
    expect(alertRecipients(config.alerts, 'warning')).toEqual([
      { channel: 'email', address: 'oncall@company.com' },
    ]);
  });

  it('names the key and the value of a bad recipient', () => {
    expect(issuesOf({ 'alerts.critical_email': 'oncall@company.com, not-an-address' })).toEqual([
      'alerts.critical_email: "not-an-address" is not an email address (got "oncall@company.com, not-an-address")',
    ]);
    expect(issuesOf({ 'alerts.info_slack': 'oncall@company.com' }).join()).toMatch(
      /alerts\.info_slack: "oncall@company.com" is not a Slack channel/,
    );
    expect(issuesOf({ 'escalation.level4_notify': 'x@y.z' }).join()).toMatch(/escalation.*level4_notify/);
  });

  it('refuses a ladder whose levels are out of order', () => {
    expect(issuesOf({ 'escalation.level2_after': '200' }).join()).toMatch(
      /level1_after < level2_after < level3_after \(got 300, 200, 1800\)/,
    );
  });

  it('accepts only the documented recipient forms', () => {
    expect(parseRecipient('#incidents')).toEqual({ channel: 'slack', conversation: '#incidents' });
    expect(parseRecipient('C0123ABCD')).toEqual({ channel: 'slack', conversation: 'C0123ABCD' });
    expect(parseRecipient('@W0123ABC')).toEqual({ channel: 'slack', conversation: 'W0123ABC' });
    expect(parseRecipient('#Has Spaces')).toBeUndefined();
    expect(parseRecipient('@someone')).toBeUndefined();
  });
});

describe('deliveries of an alert', () => {
  it('posts once per Slack conversation, sends one email to every address, and triggers PagerDuty once', () => {
    const deliveries = deliveriesFor(
      [
        { channel: 'slack', conversation: '#incidents' },
        { channel: 'email', address: 'a@example.com' },
        { channel: 'slack', conversation: '#incidents' },
        { channel: 'email', address: 'b@example.com' },
        { channel: 'pagerduty' },
        { channel: 'email', address: 'a@example.com' },
      ],
      message,
    );
    expect(deliveries.map((d) => [d.channel, 'to' in d ? d.to : 'action' in d ? d.action : ''])).toEqual([
      ['slack', '#incidents'],
      ['pagerduty', 'trigger'],
      ['email', ['a@example.com', 'b@example.com']],
    ]);
  });
});
