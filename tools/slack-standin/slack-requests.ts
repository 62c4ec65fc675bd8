/**
 * What Slack sends the Slack app, built exactly as Slack builds it: the signature headers and the
 * `block_actions` payload of a button click, form-encoded. Used by the tests and by ./click.ts.
 */
import { createHmac, randomUUID } from 'node:crypto';

/**
 * The headers Slack signs a request with: `X-Slack-Signature: v0=<hex>`, the HMAC-SHA256 of
 * `v0:{timestamp}:{body}` keyed by the signing secret, and `X-Slack-Request-Timestamp`.
 * @param timestamp Unix seconds. @default now
 */
export function signSlackRequest(
  body: string,
  secret: string,
  timestamp: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${signature}`,
  };
}

export interface ButtonClick {
  user: string;
  actionId: string;
  /** The button's value: the recovery's workflow ID. */
  value: string;
  /** @default 'decision' */
  blockId?: string;
  /** @default 'C00000001' */
  channel?: string;
  /** @default '1700000000.000001' */
  messageTs?: string;
  /** Unique per click unless given. */
  triggerId?: string;
  actionTs?: string;
  responseUrl?: string;
}

/** A `block_actions` payload as Slack sends it when a button is clicked. */
export function blockActionsPayload(click: ButtonClick): Record<string, unknown> {
  const channel = click.channel ?? 'C00000001';
  const messageTs = click.messageTs ?? '1700000000.000001';
  const actionTs = click.actionTs ?? `${Math.floor(Date.now() / 1000)}.${randomUUID().slice(0, 6)}`;
  return {
    type: 'block_actions',
    user: { id: click.user, username: click.user.toLowerCase(), team_id: 'T0STANDIN' },
    api_app_id: 'A0STANDIN',
    team: { id: 'T0STANDIN', domain: 'standin' },
    container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false },
    channel: { id: channel, name: 'incidents' },
    message: { type: 'message', ts: messageTs, text: 'card' },
    trigger_id: click.triggerId ?? `${Date.now()}.${randomUUID()}`,
    response_url: click.responseUrl ?? 'https://hooks.slack.invalid/actions/T0STANDIN/1/x',
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: click.blockId ?? 'decision',
        value: click.value,
        text: { type: 'plain_text', text: click.actionId },
        action_ts: actionTs,
      },
    ],
  };
}

/** The form-encoded body Slack posts an interaction in: one `payload` field holding JSON. */
export function interactionBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
