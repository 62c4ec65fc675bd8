/**
 * A stand-in for PagerDuty's Events API v2 (this machine cannot reach events.pagerduty.com): a
 * node:http server on 127.0.0.1 that checks events as PagerDuty documents them
 * (PagerDuty/developer-docs `events-API-v2/01-Overview.md`, `02-Trigger-Events.md`) and answers
 * in PagerDuty's shapes. Knobs make it rate-limit, fail, or go down (refuse connections) and come
 * back on the same port.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForCount } from './wait-for-count';

/** An event the stand-in accepted (answered 202). */
export interface AcceptedEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  /** As sent, or generated for a trigger without one (as PagerDuty does). */
  dedup_key: string;
  payload?: Record<string, unknown>;
  links?: { href: string; text?: string }[];
  [field: string]: unknown;
}

export interface PagerDutyStandIn {
  readonly port: number;
  /** `http://127.0.0.1:<port>`: the adapter's `apiUrl`. */
  readonly url: string;
  /** Every accepted event, in order. */
  readonly events: AcceptedEvent[];
  /** How many requests reached /v2/enqueue, accepted or not. */
  readonly requests: number;
  /**
   * Answers the next `count` requests with `status` (429, 5xx, or a 4xx PagerDuty might send),
   * with a `Retry-After` and a body of its own if given.
   */
  failNext(count: number, status: number, answer?: { retryAfter?: string; body?: unknown }): void;
  /** Stops listening and drops open connections: clients get ECONNREFUSED. */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeBack(): Promise<void>;
  /** Resolves with the first `count` accepted events; rejects after `timeoutMs`. */
  waitForEvents(count: number, timeoutMs?: number): Promise<AcceptedEvent[]>;
  close(): Promise<void>;
}

const Actions = ['trigger', 'acknowledge', 'resolve'];
const Severities = ['critical', 'error', 'warning', 'info'];
const ROUTING_KEY_LENGTH = 32;

/** What PagerDuty's documentation requires of an event; one line per problem, empty when valid. */
export function eventProblems(event: unknown): string[] {
  if (event == null || typeof event !== 'object' || Array.isArray(event))
    return ['Event must be a JSON object'];
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  if (!isText(e.routing_key)) problems.push("'routing_key' is missing or blank");
  else if (e.routing_key.length !== ROUTING_KEY_LENGTH) problems.push("'routing_key' must be 32 characters");
  if (!Actions.includes(e.event_action as string)) {
    problems.push("'event_action' must be one of trigger, acknowledge, resolve");
  }
  if (e.dedup_key !== undefined && (!isText(e.dedup_key) || e.dedup_key.length > 255)) {
    problems.push("'dedup_key' must be a string of at most 255 characters");
  }
  if ((e.event_action === 'acknowledge' || e.event_action === 'resolve') && !isText(e.dedup_key)) {
    problems.push("'dedup_key' is missing or blank");
  }
  if (e.event_action === 'trigger') problems.push(...payloadProblems(e.payload));
  return problems;
}

function payloadProblems(payload: unknown): string[] {
  if (payload == null || typeof payload !== 'object') return ["'payload' is missing or blank"];
  const p = payload as Record<string, unknown>;
  const problems: string[] = [];
  if (!isText(p.summary)) problems.push("'payload.summary' is missing or blank");
  else if (p.summary.length > 1024) problems.push("'payload.summary' must be at most 1024 characters");
  if (!isText(p.source)) problems.push("'payload.source' is missing or blank");
  if (!Severities.includes(p.severity as string)) {
    problems.push("'payload.severity' must be one of critical, error, warning, info");
  }
  return problems;
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Starts the stand-in on a free port of 127.0.0.1. */
export async function startPagerDutyStandIn(): Promise<PagerDutyStandIn> {
  const events: AcceptedEvent[] = [];
  const failures: { status: number; retryAfter?: string; body?: unknown }[] = [];
  const waiters = new Set<() => void>();
  let requests = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    if (request.method !== 'POST' || request.url !== '/v2/enqueue')
      return reply(response, 404, { message: 'Not found' });
    requests += 1;
    const failure = failures.shift();
    if (failure) {
      const headers: Record<string, string> = failure.retryAfter ? { 'retry-after': failure.retryAfter } : {};
      const answer = failure.body ?? { status: 'error', message: 'Try again later' };
      return reply(response, failure.status, answer, headers);
    }
    let event: unknown;
    try {
      event = JSON.parse(body);
    } catch {
      return invalid(response, ['Event must be valid JSON']);
    }
    const problems = eventProblems(event);
    if (problems.length > 0) return invalid(response, problems);
    const accepted = event as AcceptedEvent;
    accepted.dedup_key ??= randomUUID().replaceAll('-', '');
    events.push(accepted);
    for (const wake of waiters) wake();
    reply(response, 202, { status: 'success', message: 'Event processed', dedup_key: accepted.dedup_key });
  };

  let server = await listen(
    createServer((req, res) => void handle(req, res)),
    0,
  );
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    events,
    get requests() {
      return requests;
    },
    failNext(count, status, answer = {}) {
      for (let i = 0; i < count; i++) failures.push({ status, ...answer });
    },
    goDown: () => stop(server),
    async comeBack() {
      server = await listen(
        createServer((req, res) => void handle(req, res)),
        port,
      );
    },
    waitForEvents: (count, timeoutMs = 10_000) =>
      waitForCount(events, count, waiters, timeoutMs, 'PagerDuty stand-in: events'),
    close: () => stop(server),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function invalid(response: ServerResponse, errors: string[]): void {
  reply(response, 400, { status: 'invalid event', message: 'Event object is invalid', errors });
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function stop(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections would otherwise keep the "down" server answering.
    server.closeAllConnections();
  });
}
