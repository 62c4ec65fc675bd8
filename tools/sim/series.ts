/**
 * Synthetic metric series for the analysis tests and bench/analysis.ts: seeded, so a run is
 * repeatable. Noise kinds: gaussian, heavy-tailed (Student's t with 3 degrees of freedom, scaled to
 * unit variance), occasional single spikes, and an optional daily cycle; an optional step shift.
 */
import type { Sample } from '../../src/domain/analysis';

/** mulberry32: a small, fast, seeded PRNG returning [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Student's t (3 degrees of freedom) scaled to unit variance: heavier tails than a normal. */
export function heavyTailed(random: () => number): number {
  let chi = 0;
  for (let i = 0; i < 3; i++) chi += gaussian(random) ** 2;
  return gaussian(random) / Math.sqrt(chi / 3) / Math.sqrt(3);
}

export type NoiseKind = 'gaussian' | 'heavy-tailed';

export interface SeriesSpec {
  seed: number;
  points: number;
  /** Interval between samples, ms. @default 30_000 */
  stepMs?: number;
  start?: number;
  level?: number;
  /** σ of the noise. @default 1 */
  sigma?: number;
  noise?: NoiseKind;
  /** Probability per point of a single spike of ±`spikeSize`σ. @default 0 */
  spikeRate?: number;
  spikeSize?: number;
  /** Amplitude (in σ) of a 24 h sine. @default 0 */
  dailyAmplitude?: number;
  /** From this index on, the level moves by `shiftSigma`σ. */
  shiftAt?: number;
  shiftSigma?: number;
}

/** One synthetic series. */
export function syntheticSeries(spec: SeriesSpec): Sample[] {
  const random = seededRandom(spec.seed);
  const step = spec.stepMs ?? 30_000;
  const start = spec.start ?? Date.parse('2026-01-01T00:00:00Z');
  const sigma = spec.sigma ?? 1;
  const level = spec.level ?? 100;
  const draw = spec.noise === 'heavy-tailed' ? heavyTailed : gaussian;
  const series: Sample[] = [];
  for (let i = 0; i < spec.points; i++) {
    const t = start + i * step;
    let v = level + sigma * draw(random);
    if ((spec.spikeRate ?? 0) > 0 && random() < (spec.spikeRate ?? 0))
      v += (random() < 0.5 ? -1 : 1) * (spec.spikeSize ?? 10) * sigma;
    if (spec.dailyAmplitude) v += spec.dailyAmplitude * sigma * Math.sin((2 * Math.PI * t) / 86_400_000);
    if (spec.shiftAt !== undefined && i >= spec.shiftAt) v += (spec.shiftSigma ?? 0) * sigma;
    series.push({ t, v });
  }
  return series;
}
