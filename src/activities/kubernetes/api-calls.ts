/**
 * How the adapter makes a Kubernetes API call: through the worker's limiter (bounded concurrency
 * and rate), with failures classified once, in RBAC words.
 */
import { defaultRecoveryConfig } from '../../config/recovery-config';
import { classifyKubeError, isNotFound } from '../errors';
import { observeLimiterWait } from './api-metrics';
import type { ApiLimiter } from './limiter';
import { createApiLimiter } from './limiter';

export interface ApiCalls {
  /** Runs one bounded call and leaves its errors to the caller (for calls with their own 409/429 answers). */
  bounded<T>(call: () => Promise<T>): Promise<T>;
  /** Runs one bounded call; a failure is classified as `what` (verb, resource, where). */
  api<T>(what: string, call: () => Promise<T>): Promise<T>;
  /** Like `api`, but a 404 is an answer (undefined), not a failure. */
  apiOrGone<T>(what: string, call: () => Promise<T>): Promise<T | undefined>;
}

/** @param limiter shared by every adapter of a worker; a default one (10 concurrent, 20/s) otherwise. */
export function createApiCalls(
  limiter: ApiLimiter = createApiLimiter({
    maxConcurrency: defaultRecoveryConfig.api_max_concurrency,
    qps: defaultRecoveryConfig.api_qps,
  }),
): ApiCalls {
  /** Runs `call` through the limiter, reporting how long it waited there. */
  const run = <T>(call: () => Promise<T>): Promise<T> => {
    const queued = performance.now();
    return limiter.run(() => {
      observeLimiterWait((performance.now() - queued) / 1000);
      return call();
    });
  };
  return {
    bounded: (call) => run(call),
    async api(what, call) {
      try {
        return await run(call);
      } catch (error) {
        throw classifyKubeError(error, what);
      }
    },
    async apiOrGone(what, call) {
      try {
        return await run(call);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw classifyKubeError(error, what);
      }
    },
  };
}
