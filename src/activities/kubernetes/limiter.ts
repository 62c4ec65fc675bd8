/**
 * Client-side bounds on Kubernetes API traffic: at most N operations in flight and a token-bucket
 * rate limit, so a burst of recoveries cannot overload the API server (the design's limit is 10
 * concurrent operations). One limiter is shared by every adapter of a worker, and the worker
 * reconfigures it when the ConfigMap's `api_max_concurrency` or `api_qps` changes.
 */

/** The bounds a limiter enforces. */
export interface ApiLimits {
  /** Operations in flight at once. */
  maxConcurrency: number;
  /** Sustained operations per second. */
  qps: number;
  /** Operations that may start back to back before the rate applies. */
  burst: number;
}

/** Bounds every API call an adapter makes. */
export interface ApiLimiter {
  /** Runs `operation` once a concurrency slot and a rate token are available. */
  run<T>(operation: () => Promise<T>): Promise<T>;
  /** Operations running now (for tests and metrics). */
  readonly inFlight: number;
  /** Operations waiting for a slot (for tests and metrics). */
  readonly queued: number;
  /** The bounds in force. */
  readonly limits: Readonly<ApiLimits>;
  /**
   * Changes the bounds without dropping a call. More concurrency starts waiting calls at once, in
   * arrival order; less lets the calls in flight finish and starts no new one until fewer than the
   * new limit run. A new rate applies to tokens from now on; waits already reserved keep theirs.
   * `burst` follows `qps` (ceil) unless it was given explicitly, here or at creation.
   * @throws RangeError when a bound is not positive (the limits in force stay).
   */
  reconfigure(limits: Partial<ApiLimits>): void;
}

/** Options for {@link createApiLimiter}. */
export interface ApiLimiterOptions {
  /** Operations in flight at once. @default 10 */
  maxConcurrency?: number;
  /** Sustained operations per second. @default 20 */
  qps?: number;
  /** Operations that may start back to back before the rate applies. @default ceil(qps) */
  burst?: number;
  /** Milliseconds clock; injected by tests. @default performance.now */
  now?: () => number;
  /** Waits `ms` milliseconds; injected by tests. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Creates a limiter. Slots are granted in arrival order; a rate token is reserved only once a slot
 * is held, so waiting for the rate never lets a later caller overtake an earlier one.
 * @throws RangeError when `maxConcurrency`, `qps` or `burst` is not positive.
 */
export function createApiLimiter(options: ApiLimiterOptions = {}): ApiLimiter {
  /** Whether burst was chosen explicitly; otherwise it follows qps. */
  let burstGiven = options.burst !== undefined;
  let limits = checked({
    maxConcurrency: options.maxConcurrency ?? 10,
    qps: options.qps ?? 20,
    burst: options.burst ?? burstFor(options.qps ?? 20),
  });
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let tokens = limits.burst;
  let refilledAt = now();

  /** Starts waiting calls, oldest first, while there is room under the limit. */
  const admitWaiting = (): void => {
    while (inFlight < limits.maxConcurrency) {
      const next = waiting.shift();
      if (!next) return;
      inFlight += 1;
      next();
    }
  };

  const acquireSlot = (): Promise<void> => {
    // Behind anyone already waiting, so a lowered limit cannot let a newcomer overtake them.
    if (waiting.length === 0 && inFlight < limits.maxConcurrency) {
      inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => waiting.push(resolve));
  };

  const releaseSlot = (): void => {
    inFlight -= 1;
    admitWaiting();
  };

  /** Brings the token balance up to now at the rate in force. */
  const refill = (): void => {
    const at = now();
    tokens = Math.min(limits.burst, tokens + ((at - refilledAt) / 1000) * limits.qps);
    refilledAt = at;
  };

  /** Reserves a token (the balance may go negative) and returns how long to wait for it. */
  const reserveToken = (): number => {
    refill();
    tokens -= 1;
    return tokens >= 0 ? 0 : (-tokens / limits.qps) * 1000;
  };

  return {
    async run<T>(operation: () => Promise<T>): Promise<T> {
      await acquireSlot();
      try {
        const wait = reserveToken();
        if (wait > 0) await sleep(wait);
        return await operation();
      } finally {
        releaseSlot();
      }
    },
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return waiting.length;
    },
    get limits() {
      return { ...limits };
    },
    reconfigure(next) {
      const qps = next.qps ?? limits.qps;
      const explicitBurst = next.burst !== undefined || burstGiven;
      const updated = checked({
        maxConcurrency: next.maxConcurrency ?? limits.maxConcurrency,
        qps,
        burst: next.burst ?? (burstGiven ? limits.burst : burstFor(qps)),
      });
      // Tokens earned so far were earned at the old rate.
      refill();
      limits = updated;
      burstGiven = explicitBurst;
      tokens = Math.min(tokens, limits.burst);
      admitWaiting();
    },
  };
}

function burstFor(qps: number): number {
  return Math.max(1, Math.ceil(qps));
}

function checked(limits: ApiLimits): ApiLimits {
  const { maxConcurrency, qps, burst } = limits;
  if (!(maxConcurrency >= 1) || !(qps > 0) || !(burst >= 1))
    throw new RangeError(
      `api limiter needs maxConcurrency >= 1, qps > 0 and burst >= 1; got ${maxConcurrency}, ${qps}, ${burst}`,
    );
  return limits;
}
