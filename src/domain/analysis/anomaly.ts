/**
 * Anomaly detection against a rolling baseline with robust statistics: the median and the MAD of
 * the baseline window, a robust z-score for each recent point, and a finding only when the last
 * `confirm` points together lie beyond `threshold` on the same side: their mean score, as the
 * z-score of a mean of `confirm` points (× √confirm), reaches `threshold`, and every one of them
 * reaches {@link FLOOR} × `threshold`. The floor keeps a single spike, however large, from starting
 * anything (its neighbours are ordinary); the mean finds a sustained shift of 5σ at its
 * `confirm`-th evaluation, where requiring each point beyond `threshold` misses half of them
 * (docs/benchmarks/analysis.md). The recent points are kept out of the baseline, so a shift does
 * not hide itself by moving the median.
 *
 * Scale: MAD × 1.4826. When the MAD is 0 (more than half the baseline is one value: an idle
 * service's error rate), the mean absolute deviation × 1.2533 stands in (the "modified z-score"
 * convention); the scale is never below `relativeMinScale` × |median| nor `minScale`, so a
 * perfectly flat baseline does not turn every rounding difference into an infinite score.
 *
 * Pure and deterministic; measured in bench/analysis.ts (docs/benchmarks/analysis.md).
 */
import type { Sample } from './series';
import {
  MAD_TO_SIGMA,
  MEAN_AD_TO_SIGMA,
  meanAbsoluteDeviation,
  median,
  medianAbsoluteDeviation,
} from './series';

/** Which side of the baseline counts. */
export type AnomalyDirection = 'up' | 'down';

export interface AnomalyOptions {
  /** Robust z-score beyond which a point is anomalous. @default 4.5 */
  threshold: number;
  /** Consecutive recent points that must all be anomalous, on the same side. @default 2 */
  confirm: number;
  /** Baseline span before the recent points, in ms; older samples are ignored. @default 3_600_000 */
  baselineMs: number;
  /** Finite baseline points needed to judge at all. @default 20 */
  minBaseline: number;
  /** Sides that count: `up` (latency, errors), `down` (throughput), or both. @default 'both' */
  sides: 'up' | 'down' | 'both';
  /** The scale is at least this fraction of |median|. @default 0.01 */
  relativeMinScale: number;
  /** The scale is at least this. @default 1e-9 */
  minScale: number;
}

export const defaultAnomalyOptions: AnomalyOptions = {
  threshold: 4.5,
  confirm: 2,
  baselineMs: 3_600_000,
  minBaseline: 20,
  sides: 'both',
  relativeMinScale: 0.01,
  minScale: 1e-9,
};

/** The baseline a verdict was judged against. */
export interface Baseline {
  median: number;
  /** The unscaled MAD. */
  mad: number;
  /** The σ estimate the scores divide by (see the module comment). */
  scale: number;
  points: number;
}

export type AnomalyVerdict =
  | { state: 'normal'; score: number; baseline: Baseline }
  | {
      state: 'anomalous';
      direction: AnomalyDirection;
      /** The smallest |z| among the confirming points, signed by `direction`. */
      score: number;
      /** When the first confirming point was taken. */
      since: number;
      value: number;
      baseline: Baseline;
    }
  | { state: 'insufficient'; why: string };

/**
 * Judges the latest points of `series` (in time order) against the baseline before them.
 * NaN, ±Inf, an empty series or too short a baseline yield `insufficient`, never `anomalous`.
 */
export function detectAnomaly(
  series: readonly Sample[],
  options: Partial<AnomalyOptions> = {},
): AnomalyVerdict {
  const o = { ...defaultAnomalyOptions, ...options };
  if (series.length === 0) return { state: 'insufficient', why: 'empty series' };
  const confirm = Math.max(1, Math.floor(o.confirm));
  if (series.length <= confirm) return { state: 'insufficient', why: 'too few samples' };
  const recent = series.slice(-confirm);
  if (recent.some((s) => !Number.isFinite(s.v) || !Number.isFinite(s.t)))
    return { state: 'insufficient', why: 'a recent value is NaN or infinite' };
  const first = recent[0] as Sample;
  const values = baselineValues(series, series.length - confirm, first.t - o.baselineMs);
  if (values.length < o.minBaseline)
    return { state: 'insufficient', why: `baseline has ${values.length} finite points (< ${o.minBaseline})` };
  const baseline = baselineOf(values, o);
  const scores = recent.map((s) => (s.v - baseline.median) / baseline.scale);
  const last = scores[scores.length - 1] as number;
  const direction = sideOf(scores, o.threshold, o.sides);
  if (!direction) return { state: 'normal', score: last, baseline };
  const weakest = Math.min(...scores.map(Math.abs));
  return {
    state: 'anomalous',
    direction,
    score: direction === 'up' ? weakest : -weakest,
    since: first.t,
    value: (recent[recent.length - 1] as Sample).v,
    baseline,
  };
}

/** Finite values of `series[0, end)` taken at or after `from`. */
function baselineValues(series: readonly Sample[], end: number, from: number): number[] {
  const values: number[] = [];
  for (let i = end - 1; i >= 0; i--) {
    const s = series[i] as Sample;
    if (s.t < from) break;
    if (Number.isFinite(s.v)) values.push(s.v);
  }
  return values;
}

/** Median, MAD and the scale, with the fall-backs the module comment describes. */
export function baselineOf(
  values: readonly number[],
  o: Pick<AnomalyOptions, 'relativeMinScale' | 'minScale'> = defaultAnomalyOptions,
): Baseline {
  const center = median(values);
  const mad = medianAbsoluteDeviation(values, center);
  const robust = mad > 0 ? mad * MAD_TO_SIGMA : meanAbsoluteDeviation(values, center) * MEAN_AD_TO_SIGMA;
  const scale = Math.max(robust, o.relativeMinScale * Math.abs(center), o.minScale);
  return { median: center, mad, scale, points: values.length };
}

/** Every confirming point must reach this fraction of the threshold, on the same side. */
export const FLOOR = 0.6;

/** The side the scores lie beyond the threshold on (see the module comment), if any and if it counts. */
function sideOf(
  scores: readonly number[],
  threshold: number,
  sides: AnomalyOptions['sides'],
): AnomalyDirection | undefined {
  const meanScore = (scores.reduce((sum, z) => sum + z, 0) / scores.length) * Math.sqrt(scores.length);
  const floor = FLOOR * threshold;
  if (sides !== 'down' && meanScore >= threshold && scores.every((z) => z >= floor)) return 'up';
  if (sides !== 'up' && meanScore <= -threshold && scores.every((z) => z <= -floor)) return 'down';
  return undefined;
}
