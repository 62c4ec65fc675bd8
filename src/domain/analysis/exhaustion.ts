/**
 * Resource exhaustion: a least-squares line through a usage series (percent of capacity, or any
 * gauge that is "full" at a known value) and the time until it reaches full. A finding only when
 * the line rises and reaches full within the horizon; a falling or flat series, NaN, ±Inf or too
 * few points never is one. PromQL's `predict_linear` is the same regression on the server side
 * (kubernetes-mixin's KubePersistentVolumeFillingUp uses it over 6 h for 4 days).
 */
import type { Sample } from './series';

/** A fitted line: `v ≈ intercept + slope × (t − t0)`, slope per ms. */
export interface Line {
  slope: number;
  intercept: number;
  t0: number;
  points: number;
}

/** Least-squares line through the finite samples; undefined for fewer than 2 distinct times. */
export function fitLine(series: readonly Sample[]): Line | undefined {
  const finite = series.filter((s) => Number.isFinite(s.v) && Number.isFinite(s.t));
  const n = finite.length;
  if (n < 2) return undefined;
  const t0 = (finite[0] as Sample).t;
  let sx = 0;
  let sy = 0;
  for (const s of finite) {
    sx += s.t - t0;
    sy += s.v;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (const s of finite) {
    const dx = s.t - t0 - mx;
    sxx += dx * dx;
    sxy += dx * (s.v - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, t0, points: n };
}

export interface ExhaustionOptions {
  /** The value at which the resource is full (100 for percent). */
  full: number;
  /** A finding when full is reached within this many ms. */
  horizonMs: number;
  /** Finite points needed. @default 10 */
  minPoints?: number;
}

export type ExhaustionVerdict =
  | { state: 'filling'; secondsToFull: number; slopePerSecond: number; current: number }
  | { state: 'ok'; secondsToFull?: number; slopePerSecond: number; current: number }
  | { state: 'insufficient'; why: string };

/** When the series, continued along its fitted line, reaches `full`. */
export function judgeExhaustion(series: readonly Sample[], options: ExhaustionOptions): ExhaustionVerdict {
  const minPoints = options.minPoints ?? 10;
  const line = fitLine(series);
  if (!line || line.points < minPoints)
    return { state: 'insufficient', why: `fewer than ${minPoints} finite points` };
  const last = series.filter((s) => Number.isFinite(s.v)).at(-1) as Sample;
  const current = line.intercept + line.slope * (last.t - line.t0);
  const slopePerSecond = line.slope * 1000;
  if (current >= options.full) return { state: 'filling', secondsToFull: 0, slopePerSecond, current };
  if (line.slope <= 0) return { state: 'ok', slopePerSecond, current };
  const secondsToFull = (options.full - current) / slopePerSecond;
  return secondsToFull * 1000 <= options.horizonMs
    ? { state: 'filling', secondsToFull, slopePerSecond, current }
    : { state: 'ok', secondsToFull, slopePerSecond, current };
}
