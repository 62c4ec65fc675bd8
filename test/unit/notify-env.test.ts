import { ConfigError } from '../../src/config/env';
import { describeNotifyEnv, loadNotifyEnv } from '../../src/config/notify-env';

const token = 'xoxb-1111-2222-secret-token';
const smtpUrl = 'smtps://alerts:Sm7p-Pa55@mail.example.com:465';
const routingKey = 'R0UT1NGKEY0123456789abcdefSECRET';
const secrets = [token, smtpUrl, 'Sm7p-Pa55', routingKey];

/** The ConfigError `source` is rejected with; fails the test if it loads. */
function rejection(source: Record<string, string | undefined>): ConfigError {
  try {
    loadNotifyEnv(source);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the settings to be rejected, and they loaded');
}

describe('notification settings from the environment', () => {
  it('has no channel and the local Temporal UI when nothing is set', () => {
    expect(loadNotifyEnv({})).toEqual({ channels: new Set(), uiBaseUrl: 'http://localhost:8233' });
  });

  it('turns on every channel whose credential is set, with the default API URLs', () => {
    const env = loadNotifyEnv({
      SLACK_BOT_TOKEN: token,
      SMTP_URL: smtpUrl,
      EMAIL_FROM: 'Self-healing <self-healing@example.com>',
      PAGERDUTY_ROUTING_KEY: routingKey,
      TEMPORAL_UI_URL: 'https://temporal.example.com',
    });

    expect(env).toEqual({
      channels: new Set(['slack', 'email', 'pagerduty']),
      slack: { token, apiUrl: 'https://slack.com/api/' },
      email: { smtpUrl, from: 'Self-healing <self-healing@example.com>' },
      pagerduty: { routingKey, apiUrl: 'https://events.pagerduty.com' },
      uiBaseUrl: 'https://temporal.example.com',
    });
  });

  it('uses only the channels NOTIFY_CHANNELS lists, even when others have credentials', () => {
    const env = loadNotifyEnv({
      NOTIFY_CHANNELS: ' PagerDuty , email',
      SLACK_BOT_TOKEN: token,
      SMTP_URL: 'smtp://127.0.0.1:2525',
      EMAIL_FROM: 'self-healing@example.com',
      PAGERDUTY_ROUTING_KEY: routingKey,
      PAGERDUTY_API_URL: 'http://127.0.0.1:9999',
    });

    expect(env.channels).toEqual(new Set(['pagerduty', 'email']));
    expect(env.slack).toBeUndefined();
    expect(env.pagerduty).toEqual({ routingKey, apiUrl: 'http://127.0.0.1:9999' });
  });

  it('rejects a listed channel whose credential is missing, naming the variable', () => {
    const error = rejection({ NOTIFY_CHANNELS: 'slack,email,pagerduty' });

    expect(error.issues).toEqual([
      'NOTIFY_CHANNELS: slack is enabled but SLACK_BOT_TOKEN is not set (got "slack,email,pagerduty")',
      'NOTIFY_CHANNELS: email is enabled but SMTP_URL is not set (got "slack,email,pagerduty")',
      'NOTIFY_CHANNELS: pagerduty is enabled but PAGERDUTY_ROUTING_KEY is not set (got "slack,email,pagerduty")',
    ]);
  });

  it('rejects an unknown channel by name', () => {
    expect(() => loadNotifyEnv({ NOTIFY_CHANNELS: 'slack,sms', SLACK_BOT_TOKEN: token })).toThrow(
      /NOTIFY_CHANNELS: unknown channel "sms" \(expected slack, email, pagerduty\)/,
    );
    expect(() => loadNotifyEnv({ NOTIFY_CHANNELS: ' , ' })).toThrow(
      /NOTIFY_CHANNELS: expected a comma-separated list/,
    );
  });

  it('requires EMAIL_FROM with SMTP_URL, and an address in it', () => {
    expect(rejection({ SMTP_URL: smtpUrl }).issues).toEqual([
      'EMAIL_FROM: required when SMTP_URL is set, e.g. self-healing@example.com (got undefined)',
    ]);
    expect(rejection({ SMTP_URL: smtpUrl, EMAIL_FROM: 'self-healing' }).message).toMatch(
      /EMAIL_FROM: expected an email address.*\(got "self-healing"\)/,
    );
  });

  it('names every malformed URL, and lists all the problems at once', () => {
    const error = rejection({
      SLACK_API_URL: 'slack.com/api',
      PAGERDUTY_API_URL: 'ftp://events.pagerduty.com',
      TEMPORAL_UI_URL: 'localhost:8233',
      SMTP_URL: 'http://mail.example.com',
      EMAIL_FROM: 'self-healing@example.com',
    });

    expect(error.issues).toEqual([
      'SLACK_API_URL: expected an http(s) URL, e.g. https://slack.com/api/ (got "slack.com/api")',
      'SMTP_URL: expected smtp://host:port or smtps://user:pass@host:465 (got <redacted>)',
      'PAGERDUTY_API_URL: expected an http(s) URL, e.g. https://events.pagerduty.com (got "ftp://events.pagerduty.com")',
      'TEMPORAL_UI_URL: expected an http(s) URL, e.g. http://localhost:8233 (got "localhost:8233")',
    ]);
  });

  it('never prints a token, an SMTP password or a routing key', () => {
    const errors = [
      rejection({ SLACK_BOT_TOKEN: '' }),
      rejection({ PAGERDUTY_ROUTING_KEY: '' }),
      rejection({ SMTP_URL: 'smtp//alerts:Sm7p-Pa55@mail.example.com', EMAIL_FROM: 'a@example.com' }),
      rejection({
        SLACK_BOT_TOKEN: token,
        SMTP_URL: smtpUrl,
        PAGERDUTY_ROUTING_KEY: routingKey,
        TEMPORAL_UI_URL: 'x',
      }),
    ];

    expect(errors[0]?.message).toMatch(/SLACK_BOT_TOKEN: .*\(got <redacted>\)/);
    expect(errors[1]?.message).toMatch(/PAGERDUTY_ROUTING_KEY: .*\(got <redacted>\)/);
    expect(errors[2]?.message).toMatch(/SMTP_URL: .*\(got <redacted>\)/);
    for (const error of errors) {
      for (const secret of secrets) expect(error.message).not.toContain(secret);
    }
  });

  it('describes the settings for a startup log without secrets', () => {
    const env = loadNotifyEnv({
      SLACK_BOT_TOKEN: token,
      SMTP_URL: smtpUrl,
      EMAIL_FROM: 'self-healing@example.com',
      PAGERDUTY_ROUTING_KEY: routingKey,
    });

    const described = describeNotifyEnv(env);
    expect(described).toEqual({
      channels: 'slack,email,pagerduty',
      temporalUi: 'http://localhost:8233',
      slackApi: 'https://slack.com/api/',
      smtp: 'smtps://mail.example.com:465',
      emailFrom: 'self-healing@example.com',
      pagerDutyApi: 'https://events.pagerduty.com',
    });
    for (const secret of secrets) expect(JSON.stringify(described)).not.toContain(secret);
  });
});
