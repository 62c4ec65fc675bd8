/**
 * The Slack adapter through the real WebClient against the Slack stand-in: what goes over the
 * wire, how each failure is classified, and the per-conversation pacing.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { DeliveryFailureDetails } from '../../src/activities/notify/errors';
import { createSlackAdapter } from '../../src/activities/notify/slack';
import type { SlackAdapterOptions } from '../../src/activities/notify/slack';
import type { AlertMessage } from '../../src/domain';
import { SlackStandIn } from '../support/slack-standin';

const token = 'xoxb-test-token';
let slack: SlackStandIn;

beforeEach(async () => {
  slack = await new SlackStandIn({ tokens: [token] }).start();
});

afterEach(async () => {
  await slack.stop();
});

function adapter(options: Partial<SlackAdapterOptions> = {}) {
  return createSlackAdapter({
    token,
    apiUrl: slack.apiUrl,
    uiBaseUrl: 'http://localhost:8233',
    namespace: 'default',
    minIntervalMs: 1,
    ...options,
  });
}

const message: AlertMessage = {
  level: 'warning',
  title: 'Approval needed: replace-node on node-a',
  detail: 'replace node-a through sim',
  workflowId: 'node-recovery/node-a',
  kind: 'node',
  target: 'node-a',
  phase: 'AwaitingApproval',
  step: 'waiting for approval',
  evidence: [],
  actions: ['cordoned node-a'],
  pendingApproval: { action: 'replace-node', detail: 'replace node-a', requestedAt: '2025-01-01T10:00:00Z' },
};

/** The delivery failure `promise` rejects with: its message and details. */
async function failure(promise: Promise<unknown>): Promise<{ message: string } & DeliveryFailureDetails> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failed = error as ApplicationFailure;
  expect(failed.type).toBe('DeliveryFailed');
  const details = failed.details?.[0] as DeliveryFailureDetails;
  expect(failed.nonRetryable).toBe(!details.retryable);
  expect(failed.message).not.toContain(token);
  return { message: failed.message, ...details };
}

describe('the Slack adapter', () => {
  it('posts the card with its blocks and fallback text under the bot token, and answers Slack’s channel ID and ts', async () => {
    const ref = await adapter().post('#incidents', message);

    const [call] = slack.callsOf('chat.postMessage');
    expect(call?.token).toBe(token);
    expect(call?.args).toMatchObject({
      channel: '#incidents',
      text: expect.stringContaining('approval needed'),
    });
    expect(call?.args.blocks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'actions', block_id: 'decision' }),
        expect.objectContaining({ type: 'header' }),
      ]),
    );
    expect(ref).toEqual({ channel: expect.stringMatching(/^C/), ts: expect.any(String) });
  });

  it('updates the card in place and threads the timeline under it', async () => {
    const slackPort = adapter();
    const ref = await slackPort.post('#incidents', message);
    await slackPort.update(ref, { ...message, pendingApproval: undefined, phase: 'Replacing' });
    await slackPort.reply(ref, ['approved by slack:U1', 'replacing <node-a>']);

    const [update] = slack.callsOf('chat.update');
    expect(update?.args).toMatchObject({ channel: ref.channel, ts: ref.ts });
    expect(JSON.stringify(update?.args.blocks)).toContain('Replacing');
    const reply = slack.callsOf('chat.postMessage')[1];
    expect(reply?.args).toEqual({
      channel: ref.channel,
      thread_ts: ref.ts,
      text: 'approved by slack:U1\nreplacing &lt;node-a&gt;',
    });
  });

  it('sends a message to @U… as a direct message to that user ID', async () => {
    const ref = await adapter().post('@U0ALICE', message);

    expect(slack.callsOf('chat.postMessage')[0]?.args.channel).toBe('U0ALICE');
    expect(ref.channel).toBe('D0ALICE');
  });

  it('refuses a recipient that is neither a channel nor a user ID, naming it, without calling Slack', async () => {
    expect(await failure(adapter().post('@alice', message))).toMatchObject({
      retryable: false,
      message: expect.stringContaining('(got "@alice")'),
    });
    expect(slack.calls).toEqual([]);
  });

  it('fails retryably after Retry-After when Slack rate-limits, without retrying inside the client', async () => {
    slack.rateLimit(1, 7);

    expect(await failure(adapter().post('#incidents', message))).toMatchObject({
      retryable: true,
      retryAfterSeconds: 7,
      message: expect.stringContaining('rate-limited'),
    });
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('fails for good on channel_not_found and invalid_auth, naming what to check', async () => {
    expect(await failure(adapter().update({ channel: 'C0GONE', ts: '1.2' }, message))).toMatchObject({
      retryable: false,
      message: expect.stringContaining('channel_not_found'),
    });
    expect(await failure(adapter({ token: 'xoxb-revoked' }).post('#incidents', message))).toMatchObject({
      retryable: false,
      message: expect.stringMatching(/invalid_auth \(check SLACK_BOT_TOKEN\)/),
    });
    expect(slack.calls.at(-1)?.token).toBe('xoxb-revoked');
  });

  it('fails retryably while Slack is down, and delivers once it is back', async () => {
    const slackPort = adapter();
    await slack.down();

    expect(await failure(slackPort.post('#incidents', message))).toMatchObject({
      retryable: true,
      message: expect.stringContaining('could not be reached'),
    });
    await slack.up();
    await expect(slackPort.post('#incidents', message)).resolves.toMatchObject({ channel: /^C/ });
  });

  it('sends at most one message per interval to a conversation, a channel name and its ID sharing the queue', async () => {
    const minIntervalMs = 60;
    const slackPort = adapter({ minIntervalMs });
    const ref = await slackPort.post('#incidents', message);
    slack.calls.length = 0;

    await Promise.all([
      slackPort.post('#incidents', message),
      slackPort.reply(ref, ['one']),
      slackPort.update(ref, message),
      slackPort.post('#other', message),
    ]);

    const incidents = slack.calls.filter(
      (c) => c.args.channel === '#incidents' || c.args.channel === ref.channel,
    );
    expect(incidents.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage', 'chat.update']);
    const gaps = incidents.slice(1).map((call, i) => call.at - (incidents[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(minIntervalMs);
    const other = slack.calls.find((c) => c.args.channel === '#other');
    expect(other && other.at < (incidents[1]?.at ?? 0)).toBe(true);
  });

  it('keeps one pace when posts queued under a channel name meet sends to the ID Slack answered with', async () => {
    const minIntervalMs = 60;
    const slackPort = adapter({ minIntervalMs });
    // Three cards queued before Slack has answered with #storm's ID; the first one's thread and
    // edit then name the ID while the other two still drain under the name.
    const posts = [1, 2, 3].map(() => slackPort.post('#storm', message));
    const first = await posts[0]!;
    await Promise.all([...posts, slackPort.reply(first, ['a']), slackPort.update(first, message)]);

    const storm = slack.calls.filter((c) => c.args.channel === '#storm' || c.args.channel === first.channel);
    expect(storm).toHaveLength(5);
    const gaps = storm.slice(1).map((call, i) => call.at - (storm[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(minIntervalMs);
  });

  it('fails retryably, without sending, when a conversation’s queue is longer than the bounded wait', async () => {
    const slackPort = adapter({ minIntervalMs: 50, maxQueueMs: 120 });

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => slackPort.post('#incidents', message)),
    );

    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    const rejected = results[3] as PromiseRejectedResult;
    expect(await failure(Promise.reject(rejected.reason))).toMatchObject({
      retryable: true,
      retryAfterSeconds: 1,
      message: expect.stringContaining('queued'),
    });
    expect(slack.callsOf('chat.postMessage')).toHaveLength(3);
  });
});
