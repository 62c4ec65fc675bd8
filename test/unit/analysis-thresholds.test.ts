/**
 * Threshold rules with a minimum duration (src/domain/analysis/thresholds.ts) and exhaustion by
 * linear fit (exhaustion.ts): fire at the value and not below it, not before `for`; NaN, missing
 * (stale) and infinite values reset and never fire.
 */
import type { Sample } from '../../src/domain/analysis';
import { ThresholdTracker, fitLine, judgeExhaustion } from '../../src/domain/analysis';

const cpu = { name: 'cpu', threshold: 80, forMs: 120_000 };
const at = (entries: [string, number][]) => new Map(entries);

/** Observes `values` for target `n1` at 30 s steps; @returns the step indexes at which it fired. */
function firesAt(values: number[], rule = cpu): number[] {
  const tracker = new ThresholdTracker();
  return values.flatMap((v, i) =>
    tracker.observe(rule, at([['n1', v]]), i * 30_000).some((t) => t.type === 'fired') ? [i] : [],
  );
}

describe('threshold rules', () => {
  test('fire at exactly the threshold, after the minimum duration', () => {
    expect(firesAt([80, 80, 80, 80, 80, 80])).toEqual([4]);
  });

  test('never fire just below the threshold', () => {
    expect(firesAt(Array<number>(20).fill(79.999))).toEqual([]);
  });

  test('not before the minimum duration: a breach shorter than `for` starts nothing', () => {
    expect(firesAt([90, 90, 90, 90, 70, 90, 90, 90, 90])).toEqual([]);
    expect(firesAt([90, 95], { ...cpu, forMs: 0 })).toEqual([0]);
  });

  test('NaN and infinite values reset the count and never fire', () => {
    expect(firesAt([90, 90, 90, NaN, 90, 90, 90, 90])).toEqual([]);
    expect(firesAt(Array<number>(10).fill(NaN))).toEqual([]);
    expect(firesAt(Array<number>(10).fill(Infinity))).toEqual([]);
  });

  test('a target missing from an evaluation (stale or gone) resets, and clears when it fired', () => {
    const tracker = new ThresholdTracker();
    const rule = { ...cpu, forMs: 0 };
    expect(tracker.observe(rule, at([['n1', 90]]), 0)).toEqual([
      { type: 'fired', rule: 'cpu', key: 'n1', value: 90, since: 0 },
    ]);
    expect(tracker.firing()).toEqual([{ rule: 'cpu', key: 'n1', since: 0, value: 90 }]);
    expect(tracker.observe(rule, at([]), 30_000)).toEqual([{ type: 'cleared', rule: 'cpu', key: 'n1' }]);
    expect(tracker.firing()).toEqual([]);
  });

  test('fires once per episode, with the time the breach began, and clears below', () => {
    const tracker = new ThresholdTracker();
    const seen = [85, 90, 95, 99, 99, 99, 10].map((v, i) =>
      tracker.observe(cpu, at([['n1', v]]), i * 30_000),
    );
    expect(seen.flat()).toEqual([
      { type: 'fired', rule: 'cpu', key: 'n1', value: 99, since: 0 },
      { type: 'cleared', rule: 'cpu', key: 'n1' },
    ]);
  });

  test('targets are independent, and forgetting a rule reports what was firing', () => {
    const tracker = new ThresholdTracker();
    const rule = { ...cpu, forMs: 0 };
    tracker.observe(
      rule,
      at([
        ['a', 81],
        ['b', 50],
      ]),
      0,
    );
    expect(tracker.forget('cpu')).toEqual(['a']);
    expect(tracker.firing()).toEqual([]);
  });
});

describe('exhaustion', () => {
  const ramp = (from: number, perStep: number, n = 60): Sample[] =>
    Array.from({ length: n }, (_, i) => ({ t: i * 30_000, v: from + perStep * i }));

  test('a line through a ramp has its slope', () => {
    expect(fitLine(ramp(10, 1))?.slope).toBeCloseTo(1 / 30_000, 12);
    expect(fitLine([{ t: 0, v: 1 }])).toBeUndefined();
  });

  test('a disk filling within the horizon is found with its time to full', () => {
    // 50 % → +0.1 %/30 s: full in (100 − 55.9) / 0.1 × 30 s ≈ 13,230 s, within 4 h.
    const verdict = judgeExhaustion(ramp(50, 0.1), { full: 100, horizonMs: 4 * 3_600_000 });
    expect(verdict.state).toBe('filling');
    if (verdict.state === 'filling') expect(verdict.secondsToFull).toBeCloseTo(13_230, -1);
  });

  test('beyond the horizon, flat, falling or NaN series are no finding', () => {
    const horizon = { full: 100, horizonMs: 3_600_000 };
    expect(judgeExhaustion(ramp(50, 0.1), horizon).state).toBe('ok');
    expect(judgeExhaustion(ramp(50, 0), horizon).state).toBe('ok');
    expect(judgeExhaustion(ramp(90, -0.1), horizon).state).toBe('ok');
    expect(judgeExhaustion(ramp(NaN, 1), horizon).state).toBe('insufficient');
    expect(judgeExhaustion([], horizon).state).toBe('insufficient');
  });

  test('already full is filling now', () => {
    expect(judgeExhaustion(ramp(100, 0, 20), { full: 100, horizonMs: 1 })).toMatchObject({
      state: 'filling',
      secondsToFull: 0,
    });
  });
});
