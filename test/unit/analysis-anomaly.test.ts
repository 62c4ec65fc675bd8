/**
 * Anomaly detection against a robust rolling baseline (src/domain/analysis/anomaly.ts): a single
 * spike starts nothing, a sustained shift is found at its second evaluation, noisy baselines stay
 * quiet, and NaN, empty or short series, or a flat baseline, never yield a finding.
 */
import type { Sample } from '../../src/domain/analysis';
import { detectAnomaly } from '../../src/domain/analysis';
import { syntheticSeries } from '../../tools/sim/series';

const STEP = 30_000;
const flat = (values: number[]): Sample[] => values.map((v, i) => ({ t: i * STEP, v }));

/** The verdict at every evaluation from `from` on (each evaluation sees the series up to it). */
function verdicts(series: Sample[], from = 0) {
  return series.slice(from).map((_, i) => detectAnomaly(series.slice(0, from + i + 1)));
}

describe('anomaly detection', () => {
  const quiet = syntheticSeries({ seed: 7, points: 121 });

  test('a single spike, however large, starts nothing', () => {
    const spike = [...quiet.slice(0, 120), { t: 120 * STEP, v: 100 + 50 }];
    expect(detectAnomaly(spike).state).toBe('normal');
    const after = [...spike, { t: 121 * STEP, v: 100 }];
    expect(detectAnomaly(after).state).toBe('normal');
  });

  test('two points judged together: 4σ and 6σ (a 5σ shift seen through noise) are found; a 50σ spike beside a 2σ point is not', () => {
    const base = flat(Array.from({ length: 120 }, (_, i) => 100 + (i % 2 === 0 ? 1 : -1)));
    const at = (...vs: number[]) => [...base, ...vs.map((v, i) => ({ t: (120 + i) * STEP, v }))];
    // The baseline alternates 99/101: median 100, MAD 1, scale 1.4826.
    const sigma = 1.4826;
    expect(detectAnomaly(at(100 + 4 * sigma, 100 + 6 * sigma)).state).toBe('anomalous');
    expect(detectAnomaly(at(100 + 2 * sigma, 100 + 50 * sigma)).state).toBe('normal');
    expect(detectAnomaly(at(100 + 50 * sigma, 100 + 2 * sigma)).state).toBe('normal');
  });

  test('a sustained +8σ shift is not found at its first evaluation, and is at its second', () => {
    const series = syntheticSeries({ seed: 11, points: 130, shiftAt: 120, shiftSigma: 8 });
    expect(detectAnomaly(series.slice(0, 121)).state).toBe('normal');
    const found = detectAnomaly(series.slice(0, 122));
    expect(found).toMatchObject({ state: 'anomalous', direction: 'up', since: series[120]?.t });
    if (found.state === 'anomalous') {
      expect(found.score).toBeGreaterThanOrEqual(4.5);
      expect(found.baseline.median).toBeCloseTo(100, 0);
      expect(found.baseline.scale).toBeGreaterThan(0.7);
      expect(found.baseline.scale).toBeLessThan(1.3);
    }
  });

  test('a downward shift is found as `down`, and ignored when only `up` counts', () => {
    const series = syntheticSeries({ seed: 12, points: 122, shiftAt: 120, shiftSigma: -8 });
    expect(detectAnomaly(series)).toMatchObject({ state: 'anomalous', direction: 'down' });
    expect(detectAnomaly(series, { sides: 'up' }).state).toBe('normal');
  });

  test.each(['gaussian', 'heavy-tailed'] as const)('a noisy %s baseline with spikes stays quiet', (noise) => {
    const series = syntheticSeries({ seed: 3, points: 2_000, noise, spikeRate: 0.01, spikeSize: 12 });
    const found = verdicts(series, 120).filter((v) => v.state === 'anomalous');
    expect(found.length).toBeLessThanOrEqual(Math.ceil(0.01 * (2_000 - 120)));
  });

  test('NaN, infinite, empty and too-short series are insufficient, never anomalous', () => {
    expect(detectAnomaly([])).toEqual({ state: 'insufficient', why: 'empty series' });
    expect(detectAnomaly([...quiet.slice(0, 120), { t: 120 * STEP, v: NaN }]).state).toBe('insufficient');
    expect(detectAnomaly([...quiet.slice(0, 119), { t: 0, v: Infinity }, { t: 0, v: Infinity }]).state).toBe(
      'insufficient',
    );
    expect(detectAnomaly(quiet.slice(0, 10)).state).toBe('insufficient');
  });

  test('NaN in the baseline is skipped, not counted', () => {
    const holes = quiet.map((s, i) => (i % 2 === 0 && i < 100 ? { ...s, v: NaN } : s));
    const verdict = detectAnomaly(holes);
    expect(verdict.state).toBe('normal');
    if (verdict.state === 'normal') expect(verdict.baseline.points).toBe(119 - 50);
  });

  test('a baseline older than the window is not used', () => {
    expect(detectAnomaly(quiet, { baselineMs: 5 * STEP }).state).toBe('insufficient');
  });

  test('a flat baseline (MAD 0): a rounding difference is nothing, a real step is found', () => {
    const constant = Array<number>(60).fill(5);
    expect(detectAnomaly(flat([...constant, 5.01, 5.01])).state).toBe('normal');
    expect(detectAnomaly(flat([...constant, 6, 6]))).toMatchObject({ state: 'anomalous', direction: 'up' });
    expect(detectAnomaly(flat([...Array<number>(60).fill(0), 0, 0])).state).toBe('normal');
  });

  test('a mostly-zero baseline (MAD 0) scales by its mean deviation instead', () => {
    const sparse = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    expect(detectAnomaly(flat([...sparse, 1, 1])).state).toBe('normal');
    expect(detectAnomaly(flat([...sparse, 10, 10]))).toMatchObject({ state: 'anomalous', direction: 'up' });
  });
});
