/**
 * The front door of the Slack app's HTTP endpoint, in front of Bolt's HTTPReceiver. Bolt 5.1.0
 * (receivers/HTTPReceiver.js, verify-request.js) already answers a bad or missing signature and a
 * timestamp more than 5 minutes old with 401, a malformed body with 400 and a body over its limit
 * with 413. What it lacks, this adds, before Bolt sees the request:
 *  - replay protection: a request whose signature and timestamp were already seen (Slack signs
 *    each delivery anew, retries included) is refused with 401, like any request not proven fresh;
 *  - timestamps more than 5 minutes in the future are refused too (Bolt checks only the past);
 *  - a payload the app has no listener for (another type, an unknown action_id) is refused with
 *    400 at once, where Bolt would leave it unacknowledged and answer 404 after 3 s;
 *  - one log line per refused request, naming why (never the secret, the body or the signature).
 * Requests that pass go to Bolt with their body already read, and Bolt verifies them again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { verifySlackRequest } from '@slack/bolt';
import type { Logger } from '../logging';
import { RecentKeys } from './recent-keys';

/** Slack's window for a request's timestamp, both ways. */
const MAX_SKEW_SECONDS = 5 * 60;
const FORM = 'application/x-www-form-urlencoded';

export interface RequestGuardOptions {
  signingSecret: string;
  /** The paths Slack posts to. */
  endpoints: readonly string[];
  /** The action IDs the app has listeners for. */
  actionIds: ReadonlySet<string>;
  /** Larger bodies are refused with 413 (a click's payload is a few KiB). @default 65536 */
  bodyLimit?: number;
  logger: Logger;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  /** Told the status of every refused request. */
  onRefused?: (status: number) => void;
}

/** A request whose raw body was read: Bolt's HTTPReceiver uses `rawBody` instead of reading it again. */
export type BufferedRequest = IncomingMessage & { rawBody: Buffer };

/** Thrown while checking a request: the HTTP status it is refused with, and why (for the log). */
class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(
    readonly status: 400 | 401 | 404 | 413,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * Wraps `next` (Bolt's request listener) so that it only sees fresh, signed, first-seen requests
 * carrying an action it handles. `GET /healthz` answers 200 (a liveness probe).
 */
export function guardSlackRequests(
  options: RequestGuardOptions,
  next: (req: BufferedRequest, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  const now = options.now ?? Date.now;
  const seen = new RecentKeys(2 * MAX_SKEW_SECONDS * 1000, now);
  const bodyLimit = options.bodyLimit ?? 64 * 1024;

  async function check(req: IncomingMessage): Promise<BufferedRequest> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || !options.endpoints.includes(path))
      throw new Refusal(404, `no such endpoint: ${req.method} ${path}`);
    const rawBody = await readBody(req, bodyLimit);
    const timestamp = Number(header(req, 'x-slack-request-timestamp'));
    const signature = header(req, 'x-slack-signature');
    verify(options.signingSecret, rawBody.toString('utf8'), signature, timestamp, now());
    if (!seen.add(`${timestamp}:${signature}`))
      throw new Refusal(401, 'replayed: this signed request was seen already');
    const contentType = req.headers['content-type'] ?? '';
    // Bolt compares the content type exactly; Slack sends it without parameters.
    if (contentType.startsWith(FORM)) req.headers['content-type'] = FORM;
    checkPayload(rawBody.toString('utf8'), contentType.startsWith(FORM), options.actionIds);
    return Object.assign(req, { rawBody });
  }

  return (req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200).end('ok');
      return;
    }
    check(req).then(
      (buffered) => next(buffered, res),
      (error: unknown) => {
        const refusal = error instanceof Refusal ? error : new Refusal(400, 'unreadable request');
        options.logger.warn('slack request refused', {
          status: refusal.status,
          reason: refusal.reason,
          path: req.url,
          retryNum: req.headers['x-slack-retry-num'],
        });
        options.onRefused?.(refusal.status);
        // A body left unread (oversized) is not drained: the connection closes after the answer.
        res.writeHead(refusal.status, refusal.status === 413 ? { connection: 'close' } : {}).end();
      },
    );
  };
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  if (typeof value !== 'string' || value === '') throw new Refusal(401, `missing header ${name}`);
  return value;
}

function verify(secret: string, body: string, signature: string, timestamp: number, nowMs: number): void {
  if (!Number.isInteger(timestamp)) throw new Refusal(401, 'x-slack-request-timestamp is not a number');
  if (timestamp > nowMs / 1000 + MAX_SKEW_SECONDS) throw new Refusal(401, 'timestamp is in the future');
  try {
    verifySlackRequest({
      signingSecret: secret,
      body,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp },
      nowMilliseconds: nowMs,
    });
  } catch (error) {
    // Bolt's messages say what failed (stale, signature mismatch) and never include the secret.
    throw new Refusal(401, error instanceof Error ? error.message : 'signature not verified');
  }
}

/** An interaction the app handles: `block_actions` whose every action has a listener. */
function checkPayload(body: string, isForm: boolean, actionIds: ReadonlySet<string>): void {
  let payload: unknown;
  try {
    payload = isForm ? JSON.parse(String(parseQuery(body).payload ?? '')) : JSON.parse(body);
  } catch {
    throw new Refusal(400, isForm ? 'the payload field is not JSON' : 'the body is not JSON');
  }
  const { type, actions } = (payload ?? {}) as { type?: unknown; actions?: unknown };
  // Slack checks a URL it is given with a signed challenge; Bolt answers it.
  if (type === 'url_verification') return;
  if (type !== 'block_actions') throw new Refusal(400, `unsupported payload type ${JSON.stringify(type)}`);
  if (!Array.isArray(actions) || actions.length === 0)
    throw new Refusal(400, 'block_actions without actions');
  for (const action of actions as { action_id?: unknown }[]) {
    if (typeof action?.action_id !== 'string' || !actionIds.has(action.action_id))
      throw new Refusal(400, `unknown action_id ${JSON.stringify(action?.action_id)}`);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      reject(new Refusal(413, `body over ${limit} bytes (content-length)`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new Refusal(413, `body over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new Refusal(400, 'the body could not be read')));
  });
}
