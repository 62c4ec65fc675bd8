/**
 * PagerDuty through the Events API v2: the one adapter that talks to PagerDuty, over the global
 * `fetch`. The dedup key is the workflow ID, so a recovery's resolve closes its own trigger.
 * Answers are classified once, here, as PagerDuty documents them (`events-API-v2/01-Overview.md`):
 * 202 accepted; 400 invalid, never retried; 429 and 5xx retried after a while; a network error
 * retried. The routing key never appears in an error.
 */
import type { AlertMessage } from '../../domain/notification';
import type { PagerDutyPort } from '../ports';
import type { DeliveryError } from './errors';
import { deliveryError } from './errors';
import { dedupKeyFor, resolveEvent, triggerEvent } from './pagerduty-event';
import { workflowUiUrl } from './temporal-ui-link';

/** Options for {@link createPagerDutyAdapter}. */
export interface PagerDutyAdapterOptions {
  /** The integration key of an Events API v2 integration. Secret: never logged. */
  routingKey: string;
  /** @default 'https://events.pagerduty.com' */
  apiUrl?: string;
  /** `payload.source`. @default `self-healing/<kind>/<target>` */
  source?: string;
  /** The Temporal Web UI, e.g. `http://localhost:8233`, for the incident's link. */
  uiBaseUrl: string;
  /** The Temporal namespace the recoveries run in. */
  namespace: string;
  /** How long to wait for PagerDuty's answer. @default 10_000 */
  timeoutMs?: number;
}

export const DefaultPagerDutyApiUrl = 'https://events.pagerduty.com';

/** PagerDuty asks for "a backoff of a few minutes" on 429; without a Retry-After, one minute. */
export const PagerDutyRateLimitedRetrySeconds = 60;

const CHANNEL = 'pagerduty';

/**
 * Builds the {@link PagerDutyPort}.
 * @throws Error when the routing key is empty.
 */
export function createPagerDutyAdapter(options: PagerDutyAdapterOptions): PagerDutyPort {
  if (options.routingKey === '') throw new Error('pagerduty: the routing key is empty');
  const endpoint = `${(options.apiUrl ?? DefaultPagerDutyApiUrl).replace(/\/+$/, '')}/v2/enqueue`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const redact = (text: string): string => text.replaceAll(options.routingKey, '<redacted>');
  return {
    async enqueue(action: 'trigger' | 'resolve', message: AlertMessage): Promise<void> {
      const event =
        action === 'trigger'
          ? triggerEvent(options.routingKey, message, {
              ...(options.source ? { source: options.source } : {}),
              workflowLink: workflowUiUrl(options.uiBaseUrl, options.namespace, message.workflowId),
            })
          : resolveEvent(options.routingKey, message);
      const what = `pagerduty ${action} for ${dedupKeyFor(message.workflowId)} at ${endpoint}`;
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw networkFailure(what, error, timeoutMs);
      }
      if (response.ok) {
        await response.body?.cancel();
        return;
      }
      throw answerFailure(what, response, redact(await answerText(response)));
    },
  };
}

/** No answer at all: PagerDuty's docs say retry. */
function networkFailure(what: string, error: unknown, timeoutMs: number): DeliveryError {
  const timedOut = errorField(error, 'name') === 'TimeoutError';
  const reason = timedOut ? `no answer within ${timeoutMs / 1000} s` : `no answer (${causeText(error)})`;
  return deliveryError(`${what}: ${reason}`, { channel: CHANNEL, retryable: true }, error);
}

/** fetch's `TypeError: fetch failed` hides the reason (ECONNREFUSED, ENOTFOUND) in its cause. */
function causeText(error: unknown): string {
  const message = errorField(error, 'message') ?? String(error);
  const cause =
    typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const causeMessage = errorField(cause, 'message');
  return causeMessage ? `${message}: ${causeMessage}` : message;
}

/** A string field of an error, read without `instanceof` (errors from Node's own realm fail it under some runners). */
function errorField(error: unknown, field: 'name' | 'message'): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** The one mapping of PagerDuty's status codes to a retry decision. */
function answerFailure(what: string, response: Response, answer: string): DeliveryError {
  const text = `${what}: HTTP ${response.status}${answer ? ` ${answer}` : ''}`;
  if (response.status === 429) {
    const retryAfterSeconds =
      retryAfterFrom(response.headers.get('retry-after')) ?? PagerDutyRateLimitedRetrySeconds;
    return deliveryError(text, { channel: CHANNEL, retryable: true, retryAfterSeconds });
  }
  // 400 (invalid event) and the rest of the 4xx (a wrong URL, a payload too large) will not change.
  return deliveryError(text, { channel: CHANNEL, retryable: response.status >= 500 });
}

/** PagerDuty's `message` and `errors` from an error body, or the start of whatever else it sent. */
async function answerText(response: Response): Promise<string> {
  const body = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const message = typeof parsed.message === 'string' ? parsed.message : '';
    const errors = Array.isArray(parsed.errors) ? parsed.errors.map(String).join('; ') : '';
    if (message || errors) return [message, errors && `(${errors})`].filter(Boolean).join(' ');
  } catch {
    // Not JSON (a proxy's error page): shown as is, shortened.
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date. */
export function retryAfterFrom(header: string | null, now: Date = new Date()): number | undefined {
  if (header == null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
