/**
 * The Slack adapter: the one place the worker talks to Slack's Web API. It posts a recovery's card,
 * edits it in place and threads its timeline, paced per conversation, and classifies every failure
 * once into a {@link DeliveryError} the workflow's delivery loop reads.
 *
 * The WebClient neither retries nor waits out a 429 itself (`retries: 0`, `rejectRateLimitedCalls`):
 * by default it would retry for ~30 minutes inside one activity, hidden from the workflow, whose
 * loop owns retries (and knows when a card is no longer worth sending).
 */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { AlertMessage, SlackMessageRef } from '../../domain';
import type { SlackPort } from '../ports';
import type { DeliveryError } from './errors';
import { deliveryError } from './errors';
import type { CardOptions } from './slack-blocks';
import { escapeText, renderRecoveryCard, truncate } from './slack-blocks';
import { ConversationBacklogError, ConversationPacer } from './slack-pacing';

export interface SlackAdapterOptions extends CardOptions {
  /** The bot token (`xoxb-…`); never logged nor put in an error. */
  token: string;
  /** The Web API's base URL: `https://slack.com/api/`, or a stand-in's in tests. */
  apiUrl: string;
  /** The least time between two messages to one conversation. @default 1000 */
  minIntervalMs?: number;
  /** A message whose turn is further away than this fails retryably instead of waiting. @default 60000 */
  maxQueueMs?: number;
  /** One call's timeout. @default 10000 */
  timeoutMs?: number;
}

/** A thread reply's text limit (Slack truncates a message's text beyond 40,000 characters). */
const REPLY_TEXT_LIMIT = 4000;

/** Slack errors (`ok: false`) that say "try again later" rather than "this cannot work". */
const RETRYABLE_PLATFORM_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** What to do about the errors a person configuring the product can fix. */
const PLATFORM_HINTS: Record<string, string> = {
  invalid_auth: 'check SLACK_BOT_TOKEN',
  not_authed: 'check SLACK_BOT_TOKEN',
  account_inactive: 'the bot token belongs to a deactivated app or user',
  channel_not_found: 'check the channel name or ID, and that the bot can see it',
  not_in_channel: 'invite the bot to the channel, or grant it chat:write.public',
  missing_scope: 'add the scope Slack names to the app (chat:write)',
  invalid_blocks: 'the card was refused; this is a bug in the product',
};

/**
 * A {@link SlackPort} over one WebClient.
 * @throws DeliveryError from every method (retryable or not, see {@link classifySlackError}).
 */
export function createSlackAdapter(options: SlackAdapterOptions): SlackPort {
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs ?? 10_000,
    logLevel: LogLevel.ERROR,
  });
  const pacer = new ConversationPacer(options.minIntervalMs ?? 1000, options.maxQueueMs ?? 60_000);
  /** `#name` to the ID Slack answered with, so both pace the same queue. */
  const ids = new Map<string, string>();
  const card = (message: AlertMessage) => renderRecoveryCard(message, options);

  async function paced<T>(conversation: string, to: string, send: () => Promise<T>): Promise<T> {
    try {
      return await pacer.run(conversation, send);
    } catch (error) {
      throw classifySlackError(error, to);
    }
  }

  return {
    async post(to, message) {
      const channel = conversationOf(to);
      const result = await paced(ids.get(channel) ?? channel, to, () =>
        client.chat.postMessage({ channel, ...card(message) }),
      );
      if (!result.channel || !result.ts) {
        throw deliveryError(`Slack accepted the message to ${to} but answered no channel and ts`, {
          channel: 'slack',
          retryable: false,
        });
      }
      ids.set(channel, result.channel);
      pacer.alias(channel, result.channel);
      return { channel: result.channel, ts: result.ts };
    },
    async update(ref: SlackMessageRef, message) {
      await paced(ref.channel, ref.channel, () =>
        client.chat.update({ channel: ref.channel, ts: ref.ts, ...card(message) }),
      );
    },
    async reply(ref: SlackMessageRef, lines) {
      const text = truncate(escapeText(lines.join('\n')), REPLY_TEXT_LIMIT);
      await paced(ref.channel, ref.channel, () =>
        client.chat.postMessage({ channel: ref.channel, thread_ts: ref.ts, text }),
      );
    },
  };
}

/**
 * The `channel` argument for a recipient as config names it: `#name` and conversation IDs
 * (C…, G…, D…) as they are; `@U…`/`@W…` as the user ID, which Slack answers with a direct message.
 * @throws DeliveryError (not retryable) naming the recipient when it is none of these.
 */
export function conversationOf(to: string): string {
  if (/^#[^\s#]+$/.test(to) || /^[CGD][A-Z0-9]+$/.test(to)) return to;
  const user = /^@([UW][A-Z0-9]+)$/.exec(to)?.[1];
  if (user) return user;
  throw deliveryError(
    `Slack recipient must be #channel, a channel ID (C…) or @<user ID> (@U…) (got ${JSON.stringify(to)})`,
    { channel: 'slack', retryable: false },
  );
}

/**
 * Classifies a failure: Slack's `ok: false` errors are not retryable unless Slack says it is failing
 * itself; 429 is, after its `Retry-After`; so are HTTP 5xx, network errors and a full queue.
 */
export function classifySlackError(error: unknown, to: string): DeliveryError {
  const code = (error as { code?: unknown } | undefined)?.code;
  const fail = (text: string, retryable: boolean, retryAfterSeconds?: number) =>
    deliveryError(
      text,
      { channel: 'slack', retryable, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
      error,
    );
  if (error instanceof ConversationBacklogError) {
    const after = Math.ceil(error.backlogMs / 1000);
    return fail(`Slack message to ${to} not sent: ${error.message} in this worker`, true, after);
  }
  switch (code) {
    case ErrorCode.RateLimitedError: {
      const after = (error as { retryAfter: number }).retryAfter;
      return fail(`Slack rate-limited the message to ${to}: retry after ${after} s`, true, after);
    }
    case ErrorCode.PlatformError: {
      const slackError = (error as { data: { error: string } }).data.error;
      const hint = PLATFORM_HINTS[slackError];
      const retryable = RETRYABLE_PLATFORM_ERRORS.has(slackError);
      return fail(`Slack refused the message to ${to}: ${slackError}${hint ? ` (${hint})` : ''}`, retryable);
    }
    case ErrorCode.HTTPError: {
      const status = (error as { statusCode: number }).statusCode;
      return fail(`Slack answered HTTP ${status} to the message to ${to}`, status >= 500);
    }
    case ErrorCode.RequestError: {
      // fetch's `TypeError: fetch failed` keeps the reason (ECONNREFUSED, ENOTFOUND) in its cause.
      const original = (error as { original?: { message?: string; cause?: { message?: string } } }).original;
      const reason = [original?.message, original?.cause?.message].filter(Boolean).join(': ');
      return fail(`Slack could not be reached for the message to ${to}: ${reason || 'no answer'}`, true);
    }
    default:
      return fail(
        `Slack call for the message to ${to} failed: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
  }
}
