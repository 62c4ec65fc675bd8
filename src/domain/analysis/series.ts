/** Time series as the analysis reads them: samples in time order, and the robust statistics over them. */

/** One sample: `t` in milliseconds since the epoch, `v` as the source gave it (NaN and ±Inf included). */
export interface Sample {
  t: number;
  v: number;
}

/** The median of finite `values` (NaN when there are none). Sorts a copy. */
export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = n >> 1;
  return n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The median absolute deviation from `center` (unscaled). */
export function medianAbsoluteDeviation(values: readonly number[], center: number): number {
  return median(values.map((v) => Math.abs(v - center)));
}

/** The mean absolute deviation from `center`. */
export function meanAbsoluteDeviation(values: readonly number[], center: number): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += Math.abs(v - center);
  return sum / values.length;
}

/** MAD × 1.4826 estimates σ for normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;
/** Mean absolute deviation × 1.2533 (√(π/2)) estimates σ for normally distributed data. */
export const MEAN_AD_TO_SIGMA = 1.2533;
