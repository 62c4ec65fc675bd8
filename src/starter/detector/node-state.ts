/** What the detector remembers of one node: its unhealthy episode, timers, what it reported. */
import type { NodeFailureReason } from '../../domain';
import type { Clock, TimerHandle } from './clock';
import type { DetectorStats } from './types';
import type { Episode, PressureCondition } from './rules';

export interface NodeState {
  episode?: Episode;
  /** The confirmation timer and the time it is set for. */
  timer?: { handle: TimerHandle; at: number };
  /** The reason already reported for this episode (set when the start is queued). */
  reported?: NodeFailureReason;
  /** Pressure conditions already reported while they stay True. */
  reportedPressure: Set<PressureCondition>;
  /** This process started a recovery and the node has not been healthy since. */
  recoveryMayRun: boolean;
  /** The suppression already logged for this episode, so it is logged once. */
  suppressionLogged?: string;
  retry?: { handle: TimerHandle; delayMs: number };
  /** Temporal calls for this node, in order: a Ready signal never overtakes the start before it. */
  chain: Promise<void>;
}

export function newNodeState(): NodeState {
  return { reportedPressure: new Set(), recoveryMayRun: false, chain: Promise.resolve() };
}

export function clearTimer(clock: Clock, state: NodeState): void {
  if (state.timer) clock.clearTimer(state.timer.handle);
  state.timer = undefined;
}

/** Clears every timer of the node (confirmation and start retry). */
export function clearTimers(clock: Clock, state: NodeState): void {
  clearTimer(clock, state);
  if (state.retry) clock.clearTimer(state.retry.handle);
}

/** Marks the reason reported (a start is queued) or not (the start failed and will be retried). */
export function markReported(state: NodeState, reason: NodeFailureReason, reported: boolean): void {
  if (reason === 'MemoryPressure' || reason === 'DiskPressure') {
    if (reported) state.reportedPressure.add(reason);
    else state.reportedPressure.delete(reason);
  } else if (reported) state.reported = reason;
  else if (state.reported === reason) state.reported = undefined;
}

/** The nodes in an unhealthy episode, for the detector's stats. */
export function unhealthyNodes(states: ReadonlyMap<string, NodeState>): DetectorStats['unhealthy'] {
  return [...states].flatMap(([node, s]) =>
    s.episode
      ? [
          {
            node,
            reason: s.episode.reason,
            since: new Date(s.episode.since).toISOString(),
            reported: s.reported !== undefined,
          },
        ]
      : [],
  );
}
