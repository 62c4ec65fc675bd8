/**
 * Time as the detector sees it. Injected so the rules' windows, the storm cooldown and the
 * detection-overhead figures can be tested with a manual clock.
 */

/** An opaque timer handle returned by {@link Clock.setTimer}. */
export type TimerHandle = unknown;

/** Wall-clock time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `delayMs` (0 or less: as soon as possible, never synchronously). */
  setTimer(fn: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** The process clock; the detector clears its timers on stop, so they need not be unref'd. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
