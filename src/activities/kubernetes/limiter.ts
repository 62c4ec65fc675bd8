/**
 * Client-side bounds on Kubernetes API traffic: at most N operations in flight and a token-bucket
 * rate limit, so a burst of recoveries cannot overload the API server (the design's limit is 10
 * concurrent operations). One limiter is shared by every adapter of a worker.
 */

/** Bounds every API call an adapter makes. */
export interface ApiLimiter {
  /** Runs `operation` once a concurrency slot and a rate token are available. */
  run<T>(operation: () => Promise<T>): Promise<T>;
  /** Operations running now (for tests and metrics). */
  readonly inFlight: number;
  /** Operations waiting for a slot (for tests and metrics). */
  readonly queued: number;
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
  const maxConcurrency = options.maxConcurrency ?? 10;
  const qps = options.qps ?? 20;
  const burst = options.burst ?? Math.max(1, Math.ceil(qps));
  if (!(maxConcurrency >= 1) || !(qps > 0) || !(burst >= 1))
    throw new RangeError(
      `api limiter needs maxConcurrency >= 1, qps > 0 and burst >= 1; got ${maxConcurrency}, ${qps}, ${burst}`,
    );
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let tokens = burst;
  let refilledAt = now();

  const acquireSlot = (): Promise<void> => {
    if (inFlight < maxConcurrency) {
      inFlight += 1;
      return Promise.resolve();
    }
    // The releasing caller hands its slot over, so inFlight is not decremented in between.
    return new Promise((resolve) => waiting.push(resolve));
  };

  const releaseSlot = (): void => {
    const next = waiting.shift();
    if (next) next();
    else inFlight -= 1;
  };

  /** Reserves a token (the balance may go negative) and returns how long to wait for it. */
  const reserveToken = (): number => {
    const at = now();
    tokens = Math.min(burst, tokens + ((at - refilledAt) / 1000) * qps);
    refilledAt = at;
    tokens -= 1;
    return tokens >= 0 ? 0 : (-tokens / qps) * 1000;
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
  };
}
