/**
 * The knobs of one backend instance, read from its pod's annotations (a Deployment's template
 * annotations reach every pod it rolls out; annotating one pod changes that instance alone).
 */
import { Backends } from './conventions';

/** How an instance answers. */
export interface Knobs {
  /** Milliseconds added to every answer. @default 0 */
  latencyMs: number;
  /** Share of requests answered 500, from 0 to 1. @default 0 */
  errorRate: number;
  /**
   * Requests per second the instance serves at full speed; 0 means unbounded. With a capacity, the
   * latency applies only while the instance is over it (the last second's requests): a backend
   * that is slow because it is overloaded, and fast again when more replicas share the load.
   * @default 0
   */
  capacityRps: number;
  /**
   * A Service of the same namespace this backend calls on every request: while that Service has no
   * ready endpoint, the backend answers 503, as an app whose database is down does.
   */
  upstream?: string;
}

/** Knobs read from annotations, and a message for each annotation that was ignored as invalid. */
export interface ParsedKnobs {
  knobs: Knobs;
  problems: string[];
}

function numberIn(
  annotations: Record<string, string>,
  key: string,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = annotations[key];
  if (raw === undefined) return 0;
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    problems.push(`${key}="${raw}" is not a number from ${min} to ${max}; using 0`);
    return 0;
  }
  return value;
}

/** The knobs a pod's annotations ask for; an invalid value counts as absent (0) and is reported. */
export function knobsOf(annotations: Record<string, string> | undefined): ParsedKnobs {
  const all = annotations ?? {};
  const problems: string[] = [];
  const latencyMs = numberIn(all, Backends.latencyAnnotation, 0, 600_000, problems);
  const errorRate = numberIn(all, Backends.errorRateAnnotation, 0, 1, problems);
  const capacityRps = numberIn(all, Backends.capacityAnnotation, 0, 1_000_000, problems);
  const upstream = all[Backends.upstreamAnnotation]?.trim();
  return { knobs: { latencyMs, errorRate, capacityRps, ...(upstream ? { upstream } : {}) }, problems };
}
