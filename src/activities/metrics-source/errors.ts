/**
 * Metric-source failures, classified once in the adapter: the engine reads the class, never an
 * HTTP status. `MetricSourceUnavailable` makes the analysis degraded (it retries next interval);
 * `InvalidQuery` is the rule's fault and stays until its config changes.
 */

/** Thrown when the source cannot answer: connection refused, timeout, HTTP 5xx or 429, or a body that is not its API. */
export class MetricSourceUnavailable extends Error {
  override readonly name = 'MetricSourceUnavailable';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown when the source rejects the query: a parse error (400 `bad_data`) or an execution error (422). */
export class InvalidQuery extends Error {
  override readonly name = 'InvalidQuery';
  constructor(
    readonly query: string,
    readonly detail: string,
    readonly status: number,
  ) {
    super(`query rejected (HTTP ${status}): ${detail}`);
  }
}
