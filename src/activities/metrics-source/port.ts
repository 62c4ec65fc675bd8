/**
 * The metric-source port: how the analysis engine reads metrics, in its own words. One adapter
 * (./prometheus.ts) speaks Prometheus' HTTP API; tests hand in fakes. Failures are the typed
 * errors of ./errors.ts, classified once in the adapter.
 */
import type { Sample } from '../../domain/analysis';

/** One series of an instant query: its labels and its value at the evaluation time. */
export interface InstantSample {
  labels: Readonly<Record<string, string>>;
  /** Epoch ms. */
  t: number;
  /** NaN and ±Inf as Prometheus sent them (`"NaN"`, `"+Inf"`). */
  v: number;
}

/** One series of a range query. */
export interface RangeSeries {
  labels: Readonly<Record<string, string>>;
  samples: Sample[];
}

/** What a parser says of a query. */
export type ParseVerdict = { valid: true } | { valid: false; error: string };

export interface MetricSource {
  /**
   * Evaluates `query` at `time` (epoch ms; now when absent). A query that selects nothing, or
   * only stale series, answers `[]`: an empty result, never an error.
   * @throws MetricSourceUnavailable when the source cannot answer (network, timeout, 5xx)
   * @throws InvalidQuery when the source rejects the query
   */
  instant(query: string, time?: number): Promise<InstantSample[]>;
  /** Evaluates `query` from `start` to `end` (epoch ms) every `stepSeconds`. @throws as {@link instant} */
  range(query: string, start: number, end: number, stepSeconds: number): Promise<RangeSeries[]>;
  /**
   * Asks the source's own parser. @throws MetricSourceUnavailable when it cannot be asked (down,
   * or a Prometheus older than 3 without `/api/v1/parse_query`).
   */
  parse(query: string): Promise<ParseVerdict>;
}
