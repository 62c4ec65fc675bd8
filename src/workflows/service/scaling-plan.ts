/**
 * The design's scaling strategy as a pure function: under load (load per ready replica above the
 * up threshold) double the replicas up to the maximum; over-provisioned (below the down threshold)
 * halve them down to the floor; otherwise hold. The floor is the larger of the Service's minimum
 * and the replicas the recovery found: the product gives back what it added, never an operator's.
 */
import type { ScalingBounds } from '../../domain';

export type ScaleStep =
  | { action: 'up' | 'down'; to: number; why: string }
  | { action: 'hold'; why: string }
  /** Under load at the maximum already: more replicas are not the product's to add. */
  | { action: 'capped'; why: string };

export interface ScaleSituation {
  replicas: number;
  /** Undefined when the metric source had no reading: nothing is changed on no data. */
  loadPerReplica: number | undefined;
  bounds: ScalingBounds;
  floor: number;
  upThreshold: number;
  downThreshold: number;
}

export function scalingStep(s: ScaleSituation): ScaleStep {
  const load = s.loadPerReplica;
  if (load === undefined) return { action: 'hold', why: 'no load reading' };
  const reading = `load ${round(load)}/replica`;
  if (load > s.upThreshold) {
    if (s.replicas >= s.bounds.max)
      return {
        action: 'capped',
        why: `${reading} > ${s.upThreshold} at the maximum of ${s.bounds.max} replicas`,
      };
    const to = Math.min(Math.max(s.replicas, 1) * 2, s.bounds.max);
    return { action: 'up', to, why: `${reading} > ${s.upThreshold}: ${s.replicas} → ${to} replicas` };
  }
  if (load < s.downThreshold && s.replicas > s.floor) {
    const to = Math.max(Math.floor(s.replicas / 2), s.floor);
    return { action: 'down', to, why: `${reading} < ${s.downThreshold}: ${s.replicas} → ${to} replicas` };
  }
  return {
    action: 'hold',
    why: `${reading} within ${s.downThreshold}..${s.upThreshold} at ${s.replicas} replicas`,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
