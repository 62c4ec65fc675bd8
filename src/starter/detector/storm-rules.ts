/**
 * The storm guard's rules as pure functions: whether node remediation is held back because too
 * many nodes failed at once, cluster-wide or within one zone (a zone lost together is a network
 * partition or a zone outage, not N broken nodes). The detector passes `now` in.
 */
import type { RecoveryConfig } from '../../config/recovery-config';
import type { NodeZoneView, ZoneLoss } from '../../domain/analysis/partition';
import { zoneLosses } from '../../domain/analysis/partition';

/** Whether node remediation is held back because too many nodes failed at once. */
export interface StormState {
  /** A storm is in progress. */
  active: boolean;
  /** When the current (or last) storm started. */
  since?: number;
  /** When the last storm cleared. */
  clearedAt?: number;
  /** No new remediation before this time (storm cleared + `storm_cooldown`). */
  resumeAt?: number;
  /** Nodes whose Ready is False/Unknown now. */
  unhealthy: number;
  /** Of those, the ones whose episode started within `storm_window`. */
  recent: number;
  total: number;
  /** Zones lost together that hold the storm (absent when none). */
  zones?: ZoneLoss[];
  /** Human-readable summary for alerts. */
  reason: string;
}

/** No storm, nothing seen yet. */
export const calmStorm: StormState = { active: false, unhealthy: 0, recent: 0, total: 0, reason: '' };

/** The zones lost now: `recent` counts only nodes that turned unhealthy within `storm_window`. */
export interface ZoneLosses {
  recent: readonly ZoneLoss[];
  current: readonly ZoneLoss[];
}

const noZoneLosses: ZoneLosses = { recent: [], current: [] };

/**
 * The zones (label `topology.kubernetes.io/zone`) of at least 2 nodes of which at least
 * `analysis.partition_percent` % are unhealthy: all of them (`current`), and those whose lost
 * nodes turned unhealthy within `storm_window` (`recent`, what starts a zone-loss storm).
 */
export function zoneLossesOf(
  nodes: readonly NodeZoneView[],
  now: number,
  config: Pick<RecoveryConfig, 'storm_window' | 'analysis'>,
): ZoneLosses {
  // Fewer than two failed nodes are never a zone loss: skip the grouping on every quiet event.
  if (nodes.filter((n) => !n.healthy).length < 2) return noZoneLosses;
  const options = { minFraction: config.analysis.partition_percent / 100, minNodes: 2 };
  const windowStart = now - config.storm_window * 1000;
  const recentOnly = nodes.map((n) =>
    n.healthy || (n.since ?? now) > windowStart ? n : { ...n, healthy: true },
  );
  return { recent: zoneLosses(recentOnly, options), current: zoneLosses(nodes, options) };
}

/** `zone a lost: 3 of 3 nodes`, for each zone. */
export function zoneLossReason(zones: readonly ZoneLoss[]): string {
  return zones.map((z) => `zone ${z.zone} lost: ${z.lost.length} of ${z.total} nodes`).join('; ');
}

/**
 * The storm guard. A storm starts when more than `storm_threshold_percent` of all nodes turned
 * unhealthy (Ready False/Unknown) within the last `storm_window` seconds and are still unhealthy,
 * or when a zone is lost (see {@link zoneLossesOf}): that is a partition or a control-plane
 * problem, not N broken nodes. It holds while more than that share of nodes is unhealthy at all
 * (however long ago they failed), or while a zone that started or joined it stays lost; it clears
 * otherwise, and remediation resumes `storm_cooldown` seconds after it cleared. A new wave during
 * the cooldown starts a new storm.
 *
 * @param onsets the episode start of every node unhealthy now (opted-out nodes included: a
 *   partition is a partition whoever owns the node).
 * @param zones the zone losses now; @default none
 */
export function evaluateStorm(
  previous: StormState,
  input: {
    onsets: readonly number[];
    total: number;
    now: number;
    config: Pick<RecoveryConfig, 'storm_threshold_percent' | 'storm_window' | 'storm_cooldown'>;
    zones?: ZoneLosses;
  },
): StormState {
  const { onsets, total, now, config } = input;
  const unhealthy = onsets.length;
  const recent = onsets.filter((t) => t > now - config.storm_window * 1000).length;
  const over = (count: number) => total > 0 && count * 100 > config.storm_threshold_percent * total;
  const counts = { unhealthy, recent, total };
  const zones = heldZones(previous, input.zones ?? noZoneLosses);
  const withZones = zones.length > 0 ? { zones } : {};
  const since = previous.active ? previous.since : now;
  if (over(recent))
    return {
      ...counts,
      ...withZones,
      active: true,
      since,
      reason: `${recent} of ${total} nodes turned unhealthy within ${config.storm_window}s (threshold ${config.storm_threshold_percent}%)`,
    };
  if (zones.length > 0) return { ...counts, zones, active: true, since, reason: zoneLossReason(zones) };
  if (previous.active && over(unhealthy))
    return {
      ...counts,
      active: true,
      since: previous.since,
      reason: `${unhealthy} of ${total} nodes still unhealthy (threshold ${config.storm_threshold_percent}%)`,
    };
  if (previous.active)
    return {
      ...counts,
      active: false,
      since: previous.since,
      clearedAt: now,
      resumeAt: now + config.storm_cooldown * 1000,
      reason: `storm cleared: ${unhealthy} of ${total} nodes unhealthy; remediation resumes after ${config.storm_cooldown}s`,
    };
  return { ...previous, ...counts };
}

/** The zones lost now that were lost recently or already held the storm. */
function heldZones(previous: StormState, losses: ZoneLosses): ZoneLoss[] {
  const held = new Set([...(previous.zones ?? []), ...losses.recent].map((z) => z.zone));
  return losses.current.filter((z) => held.has(z.zone));
}

/** Whether the storm guard holds back new node remediation at `now`. */
export function stormBlocks(state: StormState, now: number): boolean {
  return state.active || (state.resumeAt !== undefined && now < state.resumeAt);
}
