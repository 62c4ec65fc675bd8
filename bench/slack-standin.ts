/**
 * Slack, as bench:approvals sees it: a Web API stand-in that records when each message reaches it
 * and can hold the product to Slack's "one message per second per channel" for `chat.postMessage`
 * (429 with `Retry-After`, as Slack answers), and the signed `block_actions` clicks Slack sends the
 * app. The bench does not import test/ (see bench/support.ts); test/support/slack-standin.ts is the
 * tests' fuller stand-in (user groups, down/up, message and thread checks) of the same wire format.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

/** One Web API call as it reached the stand-in. */
export interface ApiCall {
  method: string;
  /** The conversation ID (`#name` resolved to a stable C… ID), for chat.* calls. */
  channel: string | undefined;
  /** Set on thread replies. */
  threadTs: string | undefined;
  /** The workflow ID on the card's Approve button, when the message is a card asking for approval. */
  approveFor: string | undefined;
  text: string;
  user: string | undefined;
  /** HTTP status answered: 200, or 429 when rate-limited. */
  status: number;
  /** Arrival, before the body was read: `performance.now()` of the bench process. */
  at: number;
  /** Arrival in epoch milliseconds, to compare with Temporal's event times. */
  epochMs: number;
}

export interface SlackStandInOptions {
  /** The one bot token it accepts. */
  token: string;
  /**
   * Answer a `chat.postMessage` to a channel with 429 (`Retry-After: 1`) when it arrives less than
   * this many milliseconds after the previous accepted one there; 0 accepts every message.
   * @default 1000
   */
  minGapMs?: number;
}

type Answer = { status: number; headers?: Record<string, string>; body: Record<string, unknown> };

export class SlackStandIn {
  readonly calls: ApiCall[] = [];
  private readonly channelIds = new Map<string, string>();
  private readonly lastAccepted = new Map<string, number>();
  private sequence = 0;
  private server: Server | undefined;

  constructor(private readonly options: SlackStandInOptions) {}

  /** Listens on a free port of 127.0.0.1. @returns the base URL for `SLACK_API_URL`. */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject).listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The stable ID the stand-in gives a `#name` channel (as Slack answers a post to it). */
  channelId(name: string): string {
    const known = this.channelIds.get(name);
    if (known) return known;
    const id = `C${String(this.channelIds.size + 1).padStart(8, '0')}`;
    this.channelIds.set(name, id);
    return id;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const epochMs = Date.now();
    const raw = await readBody(req);
    const method = /^\/api\/([\w.]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    let args: Record<string, unknown> = {};
    let answer: Answer;
    try {
      args = parseArgs(raw, req.headers['content-type']);
      answer = token === this.options.token ? this.answer(method, args, at) : fail('invalid_auth');
    } catch {
      answer = fail('invalid_arguments');
    }
    const channel = typeof args.channel === 'string' ? this.conversation(args.channel) : undefined;
    this.calls.push({
      method,
      channel,
      threadTs: typeof args.thread_ts === 'string' ? args.thread_ts : undefined,
      approveFor: approveButtonValue(args.blocks),
      text: typeof args.text === 'string' ? args.text : '',
      user: typeof args.user === 'string' ? args.user : undefined,
      status: answer.status,
      at,
      epochMs,
    });
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  private answer(method: string, args: Record<string, unknown>, at: number): Answer {
    const channel = typeof args.channel === 'string' ? this.conversation(args.channel) : undefined;
    switch (method) {
      case 'auth.test':
        return ok({ team_id: 'T0BENCH', user_id: 'U0BOT', bot_id: 'B0BOT', user: 'healer' });
      case 'chat.postMessage': {
        if (!channel) return fail('channel_not_found');
        const minGap = this.options.minGapMs ?? 1000;
        const last = this.lastAccepted.get(channel);
        if (minGap > 0 && last !== undefined && at - last < minGap)
          return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
        this.lastAccepted.set(channel, at);
        return ok({ channel, ts: this.nextTs(), message: { text: args.text } });
      }
      case 'chat.update':
        return channel ? ok({ channel, ts: args.ts, text: args.text }) : fail('channel_not_found');
      case 'chat.postEphemeral':
        return channel ? ok({ message_ts: this.nextTs() }) : fail('channel_not_found');
      default:
        return fail('unknown_method');
    }
  }

  /** `#name` to its stable ID, a user (U…) to a DM (D…); IDs as they are. */
  private conversation(channel: string): string | undefined {
    if (channel.startsWith('#')) return this.channelId(channel);
    if (/^[UW][A-Z0-9]+$/.test(channel)) return `D${channel.slice(1)}`;
    return /^[CGD][A-Z0-9]+$/.test(channel) ? channel : undefined;
  }

  private nextTs(): string {
    this.sequence += 1;
    return `1700000000.${String(this.sequence).padStart(6, '0')}`;
  }
}

function ok(body: Record<string, unknown>): Answer {
  return { status: 200, body: { ok: true, ...body } };
}

function fail(error: string): Answer {
  return { status: 200, body: { ok: false, error } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Form fields or a JSON object; the WebClient sends `blocks` JSON-encoded inside a form. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parseQuery(raw))) {
    const text = Array.isArray(value) ? value.join(',') : (value ?? '');
    args[key] = key === 'blocks' ? JSON.parse(text) : text;
  }
  return args;
}

type Block = { type?: string; elements?: { action_id?: string; value?: string }[] };

function approveButtonValue(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as Block[]) {
    const button =
      block.type === 'actions' ? block.elements?.find((e) => e.action_id === 'approve') : undefined;
    if (button?.value) return button.value;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// What Slack sends the app

/** A click on a card's button, as the bench makes one. */
export interface Click {
  user: string;
  actionId: 'approve' | 'reject';
  /** The button's value: the recovery's workflow ID. */
  workflowId: string;
  /** The card's conversation (C…). */
  channel: string;
}

/**
 * The body and headers of a `block_actions` interaction as Slack posts it: form-encoded `payload`,
 * signed with `v0=HMAC-SHA256("v0:{timestamp}:{body}")` under the signing secret. Each click gets a
 * fresh trigger ID (the Slack app's Update ID).
 */
export function signedClick(
  click: Click,
  signingSecret: string,
): { body: string; headers: Record<string, string>; triggerId: string } {
  const now = Date.now();
  const triggerId = `${now}.${randomUUID()}`;
  const payload = {
    type: 'block_actions',
    user: { id: click.user, username: click.user.toLowerCase(), team_id: 'T0BENCH' },
    api_app_id: 'A0BENCH',
    team: { id: 'T0BENCH', domain: 'bench' },
    container: {
      type: 'message',
      message_ts: '1700000000.000001',
      channel_id: click.channel,
      is_ephemeral: false,
    },
    channel: { id: click.channel, name: 'bench' },
    trigger_id: triggerId,
    response_url: 'https://hooks.slack.invalid/actions/T0BENCH/1/x',
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: 'decision',
        value: click.workflowId,
        text: { type: 'plain_text', text: click.actionId },
        action_ts: `${Math.floor(now / 1000)}.${String(now % 1000).padStart(6, '0')}`,
      },
    ],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = Math.floor(now / 1000);
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    body,
    triggerId,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${signature}`,
    },
  };
}
