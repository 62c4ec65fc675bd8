/**
 * Per-target sample history for the rules that look back (anomaly, exhaustion): the engine keeps
 * each instant query's answer, so a cycle costs one query per rule however many targets answer; a
 * range query fills it once at start (./loop.ts). Samples older than the span are dropped, and a
 * target that stops answering is forgotten after one span.
 */
import type { Sample } from '../../../domain/analysis';

export class SeriesHistory {
  private readonly byKey = new Map<string, Sample[]>();

  /** @param spanMs how far back samples are kept. */
  constructor(private readonly spanMs: number) {}

  /** Appends a sample (out-of-order or repeated times are dropped) and trims what is too old. */
  push(key: string, sample: Sample): Sample[] {
    const series = this.byKey.get(key) ?? [];
    this.byKey.set(key, series);
    const last = series.at(-1);
    if (!last || sample.t > last.t) series.push(sample);
    let old = 0;
    while (old < series.length && (series[old] as Sample).t < sample.t - this.spanMs) old++;
    if (old > 0) series.splice(0, old);
    return series;
  }

  /** Replaces a target's history with `samples` (time order). */
  seed(key: string, samples: readonly Sample[]): void {
    this.byKey.set(key, [...samples]);
  }

  /** Forgets the targets whose latest sample is older than the span; @returns their keys. */
  prune(now: number): string[] {
    const gone: string[] = [];
    for (const [key, series] of this.byKey)
      if ((series.at(-1)?.t ?? -Infinity) < now - this.spanMs) {
        this.byKey.delete(key);
        gone.push(key);
      }
    return gone;
  }

  get size(): number {
    return this.byKey.size;
  }
}
