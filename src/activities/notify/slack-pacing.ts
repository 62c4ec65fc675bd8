/**
 * Slack takes about one message per second per conversation (Slack, "Rate limits"). The pacer
 * queues each conversation's sends one at a time, each starting at least `minIntervalMs` after
 * Slack answered the one before: whatever the latency of each request, two never reach Slack
 * closer together than that. A send whose turn is further away than `maxWaitMs` is refused at
 * once, so the workflow tries again later instead of an activity sleeping through a backlog.
 */

/** Conversations remembered before the pacer forgets the idle ones. */
const PRUNE_ABOVE = 1000;

/** Thrown by {@link ConversationPacer.run} when the conversation's queue is too long to join. */
export class ConversationBacklogError extends Error {
  override readonly name = 'ConversationBacklogError';
  constructor(
    readonly conversation: string,
    /** About how long a send queued now would wait. */
    readonly backlogMs: number,
  ) {
    super(`about ${Math.ceil(backlogMs / 1000)} s of messages are queued for ${conversation}`);
  }
}

interface Queue {
  /** Settles when the last send queued so far has finished. */
  tail: Promise<void>;
  /** Sends queued or in flight. */
  pending: number;
  /** When the latest send finished. */
  lastEnd: number;
}

export class ConversationPacer {
  private readonly queues = new Map<string, Queue>();

  /**
   * @param minIntervalMs the least time from one send's answer to the next send's start.
   * @param maxWaitMs the longest wait for a turn the pacer queues.
   * @param now a monotonic clock in milliseconds. @default performance.now
   */
  constructor(
    private readonly minIntervalMs: number,
    private readonly maxWaitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Runs `send` in the conversation's turn.
   * @throws ConversationBacklogError, at once and without queueing, when the turn is more than
   *   `maxWaitMs` away; whatever `send` throws otherwise.
   */
  async run<T>(conversation: string, send: () => Promise<T>): Promise<T> {
    const queue = this.queue(conversation);
    const backlog = Math.max(0, this.untilFree(queue)) + queue.pending * this.minIntervalMs;
    if (backlog > this.maxWaitMs) throw new ConversationBacklogError(conversation, backlog);
    const previous = queue.tail;
    let finished!: () => void;
    queue.tail = new Promise<void>((resolve) => (finished = resolve));
    queue.pending += 1;
    try {
      await previous;
      // Re-checked after each timer: timers may fire a little early on a millisecond clock.
      for (let wait = this.untilFree(queue); wait > 0; wait = this.untilFree(queue)) {
        await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
      }
      return await send();
    } finally {
      queue.lastEnd = this.now();
      queue.pending -= 1;
      finished();
    }
  }

  /**
   * From now on `name` and `id` are one conversation with one queue: Slack answered a post to
   * `#name` with the channel's ID, and later sends (edits, thread replies) name the ID. Sends
   * already queued under either keep their order; none runs beside the other's.
   */
  alias(name: string, id: string): void {
    const named = this.queues.get(name);
    const identified = this.queues.get(id);
    if (named && named === identified) return;
    const shared = named ?? identified ?? { tail: Promise.resolve(), pending: 0, lastEnd: -Infinity };
    if (named && identified) {
      // Rare (the ID was also named directly): the next send waits for both queues' last.
      named.tail = Promise.all([named.tail, identified.tail]).then(() => undefined);
      named.lastEnd = Math.max(named.lastEnd, identified.lastEnd);
    }
    this.queues.set(name, shared);
    this.queues.set(id, shared);
  }

  private untilFree(queue: Queue): number {
    return queue.lastEnd + this.minIntervalMs - this.now();
  }

  private queue(conversation: string): Queue {
    const known = this.queues.get(conversation);
    if (known) return known;
    if (this.queues.size > PRUNE_ABOVE) {
      for (const [key, queue] of this.queues)
        if (queue.pending === 0 && this.untilFree(queue) <= 0) this.queues.delete(key);
    }
    const created: Queue = { tail: Promise.resolve(), pending: 0, lastEnd: -Infinity };
    this.queues.set(conversation, created);
    return created;
  }
}
