/**
 * Running the connectivity checks of the service source: every ready endpoint of a Service through
 * one {@link CheckLimiter} shared by all Services (`service.check_concurrency` requests in flight
 * at once, read live), so 200 Services never open 200 × N connections together. The check of one
 * endpoint is the activities' (src/activities/service/http-check.ts, `checkEndpoint`) unless the
 * detector's options inject another.
 */
import type { ConnectivityResult, ServiceEndpoint } from '../../activities/service/types';
import type { ConnectivityCheck } from '../../domain';
import type { EndpointCheck } from '../../activities/service/http-check';

/** A counting semaphore whose limit is read at each admission (the config is live). */
export class CheckLimiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** The most requests seen in flight at once. */
  peak = 0;

  constructor(private readonly limit: () => number) {}

  /** Runs `task` once fewer than the limit are in flight. */
  run<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        this.active += 1;
        this.peak = Math.max(this.peak, this.active);
        task()
          .then(resolve, reject)
          .finally(() => {
            this.active -= 1;
            this.drain();
          });
      });
      this.drain();
    });
  }

  stats(): { inFlight: number; queued: number; peak: number } {
    return { inFlight: this.active, queued: this.queue.length, peak: this.peak };
  }

  private drain(): void {
    while (this.active < Math.max(1, this.limit()) && this.queue.length > 0) this.queue.shift()?.();
  }
}

/**
 * Checks every ready endpoint with an address through `limiter`. An endpoint that throws counts as
 * failed; none to check is no failure (the endpoints rule judges that).
 */
export async function checkService(
  endpoints: readonly ServiceEndpoint[],
  check: ConnectivityCheck,
  limiter: CheckLimiter,
  endpointCheck: EndpointCheck,
): Promise<ConnectivityResult> {
  const targets = endpoints.filter((e) => e.ready && e.address !== '');
  const answers = await Promise.all(
    targets.map((endpoint) =>
      limiter
        .run(() => endpointCheck(endpoint, check))
        .catch((error: unknown) => `${endpoint.address}: ${String(error)}`),
    ),
  );
  const failures = answers.filter((a): a is string => a !== undefined);
  return { checked: targets.length, passed: targets.length - failures.length, failures };
}
