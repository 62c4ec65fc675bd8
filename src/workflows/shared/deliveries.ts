/**
 * Notifications leave the workflow through durable loops, one per delivery: a channel that is down
 * (Slack, say) is retried with backoff, honouring the service's Retry-After, until it answers or
 * `retryFor` runs out, while the recovery and every other channel go on. What is failing right now
 * is in the status. The recovery's Slack card is tracked here: its thread gets the timeline, its
 * message is edited in place when a decision is taken or the recovery ends.
 */
import { ActivityFailure, ApplicationFailure, condition, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AlertMessage, Delivery, DeliveryReceipt, SlackMessageRef } from '../../domain';
import { DeliveryFailedType, deliveryKey } from '../../domain';
import type { RecoveryState } from './recovery-state';

const { routeAlert } = proxyActivities<Pick<Activities, 'routeAlert'>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** One attempt per activity: the loop below retries, so each failure shows in the status. */
const { deliver } = proxyActivities<Pick<Activities, 'deliver'>>({
  // The Slack adapter may queue a message up to a minute to keep to one per second per channel.
  startToCloseTimeout: '90 seconds',
  retry: { maximumAttempts: 1 },
});

const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 5 * 60_000;

/** What a failed delivery says about retrying (see src/activities/notify/errors.ts). */
function failureOf(error: unknown): { retryable: boolean; retryAfterSeconds?: number; text: string } {
  let cause: unknown = error;
  while (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure && cause.type === DeliveryFailedType) {
    const details = (cause.details?.[0] ?? {}) as { retryable?: boolean; retryAfterSeconds?: number };
    return {
      retryable: details.retryable !== false,
      ...(details.retryAfterSeconds ? { retryAfterSeconds: details.retryAfterSeconds } : {}),
      text: cause.message,
    };
  }
  // A timeout or a worker lost mid-delivery: worth another try.
  return { retryable: true, text: cause instanceof Error ? cause.message : String(cause) };
}

export class Deliveries {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly failing = new Map<string, string>();
  /** Actions already in the card's thread (or shown on the card when it was posted). */
  private posted = 0;
  private closing = false;

  constructor(
    private readonly state: RecoveryState,
    /** Seconds a failing delivery is retried (config `alerts.retry_for`). */
    private readonly retryForSeconds: number,
  ) {}

  /**
   * Routes `message` to its recipients (live config) and starts their deliveries.
   * @returns where it goes (one line per delivery), once routed; the deliveries go on after.
   */
  async send(message: AlertMessage): Promise<string[]> {
    const routed = this.route(message);
    this.track(routed);
    return routed;
  }

  /** Never rejects: a routing that fails for good is a failing delivery in the status. */
  private async route(message: AlertMessage): Promise<string[]> {
    try {
      const deliveries = await routeAlert(message);
      this.setFailing('routing', undefined);
      for (const delivery of deliveries) this.track(this.deliverAndNote(delivery));
      return deliveries.map(deliveryKey);
    } catch (error) {
      this.setFailing('routing', `routing "${message.title}" failed: ${failureOf(error).text}`);
      return [];
    }
  }

  /** Re-renders the recovery's Slack card, if it has one. */
  updateCard(message: AlertMessage): void {
    const ref = this.state.humans.slack;
    if (ref) this.track(this.durably({ channel: 'slack-update', ref, message }));
  }

  /** Resolves the PagerDuty incident this recovery opened, if any. */
  resolveIncident(message: AlertMessage): void {
    if (!this.state.humans.incidentOpen) return;
    this.state.humans.incidentOpen = false;
    this.track(this.durably({ channel: 'pagerduty', action: 'resolve', message }));
  }

  /** Waits for every delivery to finish (the timeline flushed first); bounded by `retryFor` each. */
  async settle(): Promise<void> {
    this.closing = true;
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(work: Promise<unknown>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async deliverAndNote(delivery: Delivery): Promise<void> {
    const receipt = await this.durably(delivery);
    if (!receipt?.delivered) return;
    if (delivery.channel === 'pagerduty' && delivery.action === 'trigger')
      this.state.humans.incidentOpen = true;
    if (receipt.slack && !this.state.humans.slack) this.adoptCard(receipt.slack);
  }

  /** The first Slack message becomes the recovery's card; what happens next goes to its thread. */
  private adoptCard(ref: SlackMessageRef): void {
    this.state.humans.slack = ref;
    this.posted = this.state.actions.length;
    this.track(this.timeline(ref));
  }

  private async timeline(ref: SlackMessageRef): Promise<void> {
    for (;;) {
      await condition(() => this.state.actions.length > this.posted || this.closing);
      const lines = this.state.actions.slice(this.posted);
      this.posted = this.state.actions.length;
      if (lines.length > 0) await this.durably({ channel: 'slack-thread', ref, lines });
      else if (this.closing) return;
    }
  }

  private async durably(delivery: Delivery): Promise<DeliveryReceipt | undefined> {
    const key = deliveryKey(delivery);
    const deadline = Date.now() + this.retryForSeconds * 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        const receipt = await deliver(delivery);
        this.setFailing(key, undefined);
        return receipt;
      } catch (error) {
        const failure = failureOf(error);
        const wait = Math.max(
          (failure.retryAfterSeconds ?? 0) * 1000,
          Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS),
        );
        if (!failure.retryable || Date.now() + wait > deadline) {
          this.setFailing(key, `${key}: gave up after ${attempt} attempt(s): ${failure.text}`);
          return undefined;
        }
        this.setFailing(
          key,
          `${key}: ${failure.text} (attempt ${attempt}, retrying in ${Math.round(wait / 1000)} s)`,
        );
        await sleep(wait);
      }
    }
  }

  private setFailing(key: string, line: string | undefined): void {
    if (line === undefined) this.failing.delete(key);
    else this.failing.set(key, line);
    this.state.humans.failingDeliveries = [...this.failing.values()];
  }
}
