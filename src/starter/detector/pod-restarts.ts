/**
 * Restarts the detector has seen, per container, as a pure value: the lifetime `restartCount`
 * alone says nothing (a pod that restarted 50 times last week and is fine now is not failing), so
 * only increases observed by this process count, and only within `workload.restart_window`.
 *
 * Memory: a pod whose containers never restarted has no history at all. An observation of a pod
 * already known without a history means every count was 0 then.
 */
import type { PodView } from './pod-rules';

/** Restart counts last seen and the times of the increases within the window, per container. */
export type RestartHistory = Readonly<Record<string, { count: number; times: readonly number[] }>>;

/** More increases than this are never needed: `pod_restart_threshold` is at most 20. */
export const MAX_RESTART_TIMES = 20;

/**
 * The history after observing `view` at `now`.
 * @param firstSight the pod is new to this process (an informer `add`): its counts are a baseline,
 *   not restarts.
 * @returns undefined when there is nothing to remember (every count 0, no increase in the window).
 */
export function observeRestarts(
  previous: RestartHistory | undefined,
  view: PodView,
  now: number,
  windowMs: number,
  firstSight: boolean,
): RestartHistory | undefined {
  const next: Record<string, { count: number; times: readonly number[] }> = {};
  let worthKeeping = false;
  for (const c of view.containers) {
    const before = previous?.[c.name];
    const last = before?.count ?? (firstSight ? c.restartCount : 0);
    const kept = (before?.times ?? []).filter((t) => t > now - windowMs && t <= now);
    // A lower count is a new container status (the pod was recreated under the same name): a baseline.
    const added = c.restartCount > last ? Math.min(c.restartCount - last, MAX_RESTART_TIMES) : 0;
    const times = [...kept, ...Array<number>(added).fill(now)].slice(-MAX_RESTART_TIMES);
    next[c.name] = { count: c.restartCount, times };
    if (c.restartCount > 0 || times.length > 0) worthKeeping = true;
  }
  return worthKeeping ? next : undefined;
}

/**
 * The most restarts of one container within the window before `now`, and when the oldest of them
 * leaves the window (the count drops then).
 */
export function restartsWithin(
  history: RestartHistory | undefined,
  now: number,
  windowMs: number,
): { count: number; expiresAt?: number } {
  let best: { count: number; expiresAt?: number } = { count: 0 };
  for (const { times } of Object.values(history ?? {})) {
    const inWindow = times.filter((t) => t > now - windowMs && t <= now);
    if (inWindow.length > best.count)
      best = { count: inWindow.length, expiresAt: Math.min(...inWindow) + windowMs };
  }
  return best;
}
