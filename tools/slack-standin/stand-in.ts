/**
 * A stand-in for Slack's Web API, for tests of the product's real Slack clients (`@slack/web-api`'s
 * WebClient, Bolt's) and for `make demo`, which runs it as a process (./main.ts). It speaks the wire format (POST `/api/<method>`, form-encoded or JSON,
 * `Authorization: Bearer <token>`, `{ok, ...}` answers, 429 with `Retry-After`) for the methods the
 * product calls, records every call, and can be rate-limited or taken down and brought back on
 * the same port. What Slack sends the app (signed clicks) is built by ./slack-requests.ts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

/** One call the stand-in received. */
export interface SlackCall {
  method: string;
  /** The bearer token, or undefined when none was sent. */
  token: string | undefined;
  /** The arguments, with JSON-encoded ones (blocks) parsed. */
  args: Record<string, unknown>;
  /** When the call arrived (`performance.now()` milliseconds). */
  at: number;
  /** The JSON body the stand-in answered with (`{ok: true, ts, ...}` or `{ok: false, error}`). */
  answer: Record<string, unknown>;
}

export interface SlackStandInOptions {
  /** Tokens it accepts; any other answers `invalid_auth`. @default ['xoxb-test-token'] */
  tokens?: string[];
  /** User groups (S…) and their members (U…), for `usergroups.users.list`. */
  groups?: Record<string, string[]>;
  /** Channels that exist from the start (`#incidents`), given IDs C00000001, C00000002, … in order. */
  channels?: string[];
  /** The port to listen on; 0 picks a free one. @default 0 */
  port?: number;
  /** Called with every call once it is answered (the demo writes them to a file). */
  onCall?: (call: SlackCall) => void;
}

type Answer = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };

export class SlackStandIn {
  readonly calls: SlackCall[] = [];
  /** User groups and their members; change it to change what `usergroups.users.list` answers. */
  readonly groups: Map<string, string[]>;
  private readonly tokens: Set<string>;
  /** Channel names (`#ops`) to their stable fake IDs, and the IDs of every conversation known. */
  private readonly channelIds = new Map<string, string>();
  private readonly conversations = new Set<string>();
  private readonly messages = new Map<string, Record<string, unknown>>();
  private rateLimited = { calls: 0, retryAfterSeconds: 1 };
  private server: Server | undefined;
  private listeningPort = 0;
  private sequence = 0;
  private waiters: (() => void)[] = [];
  private readonly onCall: ((call: SlackCall) => void) | undefined;

  constructor(options: SlackStandInOptions = {}) {
    this.tokens = new Set(options.tokens ?? ['xoxb-test-token']);
    this.listeningPort = options.port ?? 0;
    this.onCall = options.onCall;
    this.groups = new Map(Object.entries(options.groups ?? {}));
    for (const name of options.channels ?? []) this.conversation(name);
  }

  /** The ID of a channel the stand-in knows by name (`#incidents`). */
  channelId(name: string): string | undefined {
    return this.channelIds.get(name);
  }

  /**
   * Listens on 127.0.0.1 at the `port` option (0: a free one, chosen once and kept across
   * {@link down}/{@link up}).
   */
  async start(): Promise<this> {
    await this.up();
    return this;
  }

  /** The base URL to give the clients (`slackApiUrl`), with its trailing slash. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.listeningPort}/api/`;
  }

  /** Answers the next `calls` calls with 429 and `Retry-After: retryAfterSeconds`. */
  rateLimit(calls: number, retryAfterSeconds = 1): void {
    this.rateLimited = { calls, retryAfterSeconds };
  }

  /** Stops listening and drops open connections: calls are refused until {@link up}. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Listens again, on the same port as before. */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listeningPort, '127.0.0.1', () => resolve());
    });
    this.listeningPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    await this.down();
  }

  /** The calls of one method, in order. */
  callsOf(method: string): SlackCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /**
   * Waits for a call of `method` matching `match` (any call of it when omitted), among calls
   * already made too. @throws Error listing the calls seen when `timeoutMs` passes first.
   */
  async waitForCall(
    method: string,
    match: (call: SlackCall) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SlackCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.callsOf(method).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.calls.map((c) => `${c.method} ${JSON.stringify(c.args)}`).join('\n  ');
        throw new Error(`no matching ${method} call within ${timeoutMs} ms; calls:\n  ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // When the request arrived, before its body: what pacing tests compare.
    const at = performance.now();
    const raw = await readBody(req);
    const method = /^\/api\/([\w.]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    let args: Record<string, unknown>;
    let answer: Answer;
    try {
      args = parseArgs(raw, req.headers['content-type']);
      answer = this.answer(method, token, args);
    } catch {
      args = { raw };
      answer = fail('invalid_arguments');
    }
    const call: SlackCall = { method, token, args, at, answer: answer.body };
    this.calls.push(call);
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
    this.onCall?.(call);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private answer(method: string, token: string | undefined, args: Record<string, unknown>): Answer {
    if (this.rateLimited.calls > 0) {
      this.rateLimited.calls -= 1;
      return {
        status: 429,
        headers: { 'retry-after': String(this.rateLimited.retryAfterSeconds) },
        body: { ok: false, error: 'ratelimited' },
      };
    }
    if (!token || !this.tokens.has(token)) return fail('invalid_auth');
    switch (method) {
      case 'auth.test':
        return ok({
          url: 'https://standin.slack.com/',
          team: 'Stand-in',
          user: 'healer',
          team_id: 'T0STANDIN',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        });
      case 'chat.postMessage':
        return this.postMessage(args);
      case 'chat.update':
        return this.update(args);
      case 'chat.postEphemeral':
        return this.conversation(args.channel)
          ? ok({ message_ts: this.nextTs() })
          : fail('channel_not_found');
      case 'usergroups.users.list': {
        const users = this.groups.get(String(args.usergroup));
        return users ? ok({ users }) : fail('no_such_subteam');
      }
      default:
        return fail('unknown_method');
    }
  }

  private postMessage(args: Record<string, unknown>): Answer {
    const channel = this.conversation(args.channel);
    if (!channel) return fail('channel_not_found');
    if (args.thread_ts !== undefined && !this.messages.has(`${channel}/${String(args.thread_ts)}`))
      return fail('thread_not_found');
    const ts = this.nextTs();
    this.messages.set(`${channel}/${ts}`, args);
    return ok({ channel, ts, message: { text: args.text } });
  }

  private update(args: Record<string, unknown>): Answer {
    const channel = String(args.channel);
    const key = `${channel}/${String(args.ts)}`;
    if (!this.conversations.has(channel)) return fail('channel_not_found');
    if (!this.messages.has(key)) return fail('message_not_found');
    this.messages.set(key, args);
    return ok({ channel, ts: args.ts, text: args.text });
  }

  /**
   * The conversation ID a `channel` argument names: a `#name` gets a stable fake ID (C…), a user
   * (U…/W…) a direct message (D…); an ID the stand-in never issued is unknown (undefined).
   */
  private conversation(channel: unknown): string | undefined {
    if (typeof channel !== 'string') return undefined;
    if (channel.startsWith('#')) {
      const known = this.channelIds.get(channel);
      if (known) return known;
      const id = `C${String(this.channelIds.size + 1).padStart(8, '0')}`;
      this.channelIds.set(channel, id);
      this.conversations.add(id);
      return id;
    }
    if (/^[UW][A-Z0-9]+$/.test(channel)) {
      const id = `D${channel.slice(1)}`;
      this.conversations.add(id);
      return id;
    }
    return this.conversations.has(channel) ? channel : undefined;
  }

  private nextTs(): string {
    this.sequence += 1;
    return `1700000000.${String(this.sequence).padStart(6, '0')}`;
  }
}

function ok(body: Record<string, unknown>): Answer {
  return { body: { ok: true, ...body } };
}

function fail(error: string): Answer {
  return { body: { ok: false, error } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Fields the WebClient sends JSON-encoded in a form body. */
const jsonFields = new Set(['blocks', 'attachments', 'metadata']);

/** Form fields or a JSON object; JSON-encoded fields (blocks) parsed. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.startsWith('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parseQuery(raw))) {
    const text = Array.isArray(value) ? value.join(',') : (value ?? '');
    args[key] = jsonFields.has(key) ? JSON.parse(text) : text;
  }
  return args;
}
