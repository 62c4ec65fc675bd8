import { ConfigError } from '../../src/config/env';
import { loadSlackAppEnv } from '../../src/config/slack-app-env';

const minimal = {
  SLACK_SIGNING_SECRET: 'signing-secret-value',
  SLACK_BOT_TOKEN: 'xoxb-bot-token-value',
  SLACK_APPROVERS: 'U0ALICE',
};

function issuesOf(source: Record<string, string | undefined>): string {
  try {
    loadSlackAppEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('the Slack app’s settings from the environment', () => {
  it('defaults to Slack’s API over HTTP on 127.0.0.1:3000, with Temporal’s defaults', () => {
    expect(loadSlackAppEnv({ ...minimal, SLACK_APPROVER_GROUPS: ' S0ONCALL , S0SRE,' })).toMatchObject({
      SLACK_API_URL: 'https://slack.com/api/',
      SLACK_APPROVERS: ['U0ALICE'],
      SLACK_APPROVER_GROUPS: ['S0ONCALL', 'S0SRE'],
      SLACK_PORT: 3000,
      SLACK_HOST: '127.0.0.1',
      SLACK_SOCKET_MODE: false,
      temporal: { TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default' },
    });
  });

  it('refuses to start without an allowlist, naming both keys', () => {
    expect(issuesOf({ ...minimal, SLACK_APPROVERS: '' })).toMatch(
      /SLACK_APPROVERS and SLACK_APPROVER_GROUPS: set at least one/,
    );
  });

  it('lists every bad value with its key, Temporal’s too, and never prints a secret', () => {
    const message = issuesOf({
      SLACK_SIGNING_SECRET: '',
      SLACK_BOT_TOKEN: 'xoxp-user-token-secret',
      SLACK_APPROVERS: 'U0ALICE,alice',
      SLACK_APPROVER_GROUPS: 'U0BOB',
      SLACK_PORT: '99999',
      SLACK_API_URL: 'ftp://slack',
      TEMPORAL_ADDRESS: 'nowhere',
    });

    expect(message).toMatch(/SLACK_SIGNING_SECRET: required.*\(got <redacted>\)/);
    expect(message).toMatch(/SLACK_BOT_TOKEN: expected a bot token \(xoxb-…\) \(got <redacted>\)/);
    expect(message).toMatch(
      /SLACK_APPROVERS: expected a comma-separated list of Slack user IDs .*\(got "U0ALICE,alice"\)/,
    );
    expect(message).toMatch(/SLACK_APPROVER_GROUPS: .*group IDs \(S…\) \(got "U0BOB"\)/);
    expect(message).toMatch(/SLACK_PORT: .*\(got "99999"\)/);
    expect(message).toMatch(/SLACK_API_URL: .*\(got "ftp:\/\/slack"\)/);
    expect(message).toMatch(/TEMPORAL_ADDRESS: expected host:port/);
    expect(message).not.toContain('xoxp-user-token-secret');
  });

  it('names every missing key at once', () => {
    const message = issuesOf({});

    expect(message).toMatch(/SLACK_SIGNING_SECRET: required: the app’s signing secret \(got <redacted>\)/);
    expect(message).toMatch(/SLACK_BOT_TOKEN: required: the bot token/);
    expect(message).toMatch(/SLACK_APPROVERS and SLACK_APPROVER_GROUPS: set at least one/);
  });

  it('needs an app-level token in Socket Mode', () => {
    expect(issuesOf({ ...minimal, SLACK_SOCKET_MODE: 'true' })).toMatch(
      /SLACK_APP_TOKEN: required when SLACK_SOCKET_MODE/,
    );
    expect(
      loadSlackAppEnv({ ...minimal, SLACK_SOCKET_MODE: '1', SLACK_APP_TOKEN: 'xapp-1-x' }),
    ).toMatchObject({
      SLACK_SOCKET_MODE: true,
    });
    expect(issuesOf({ ...minimal, SLACK_SOCKET_MODE: 'yes' })).toMatch(/SLACK_SOCKET_MODE: .*\(got "yes"\)/);
  });
});
