/**
 * The detector's rules as pure functions over plain objects: what a node's conditions mean, when
 * an unhealthy episode started, who opted out, and whether the cluster is in a remediation storm.
 * Nothing here reads a clock or talks to an API; the detector passes `now` in.
 *
 * Every function accepts whatever the API (or a bug) may hand over: a node without status or
 * conditions, conditions of unknown types, garbage times. Such input yields "no verdict", never a
 * throw and never a finding.
 */
import type { RecoveryConfig } from '../../config/recovery-config';
import { isControlPlane } from '../../domain/labels';
import type { NodeFailureReason } from '../../domain';

/** Pressure conditions that start a pressure recovery when True. */
export const PressureConditions = ['MemoryPressure', 'DiskPressure'] as const;
export type PressureCondition = (typeof PressureConditions)[number];

/** One node condition, normalised. */
export interface ConditionView {
  type: string;
  status: string;
  /** Milliseconds since the epoch, when the API gave a parseable time. */
  lastTransitionTime?: number;
  reason?: string;
  message?: string;
}

/** The part of a Node the rules read. */
export interface NodeView {
  name: string;
  labels: Readonly<Record<string, string>>;
  conditions: readonly ConditionView[];
  controlPlane: boolean;
}

/**
 * Normalises a Node from the API (or anything else) into a {@link NodeView}.
 * @returns undefined when the object has no name, the only thing without which nothing can be said.
 */
export function nodeViewOf(node: unknown): NodeView | undefined {
  if (!isRecord(node) || !isRecord(node.metadata)) return undefined;
  const name = node.metadata.name;
  if (typeof name !== 'string' || name === '') return undefined;
  const labels = stringsOf(node.metadata.labels);
  const conditions = conditionsOf(isRecord(node.status) ? node.status.conditions : undefined);
  return { name, labels, conditions, controlPlane: isControlPlane(labels) };
}

/** The string values of a map; anything else is dropped. */
export function stringsOf(map: unknown): Record<string, string> {
  const strings: Record<string, string> = {};
  if (isRecord(map))
    for (const [key, value] of Object.entries(map)) if (typeof value === 'string') strings[key] = value;
  return strings;
}

/** The conditions that have a type and a status; the rest is dropped. */
function conditionsOf(raw: unknown): ConditionView[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((c: unknown): ConditionView[] => {
    if (!isRecord(c) || typeof c.type !== 'string' || typeof c.status !== 'string') return [];
    return [
      {
        type: c.type,
        status: c.status,
        lastTransitionTime: timeOf(c.lastTransitionTime),
        reason: typeof c.reason === 'string' ? c.reason : undefined,
        message: typeof c.message === 'string' ? c.message : undefined,
      },
    ];
  });
}

/** What the Ready condition says. */
export type ReadyVerdict =
  | { state: 'ready' }
  | {
      state: 'unhealthy';
      reason: Extract<NodeFailureReason, 'NotReady' | 'Unknown'>;
      /** lastTransitionTime of the Ready condition, when known. */
      transitionAt?: number;
      message?: string;
    }
  /** No Ready condition, or a status that is not True/False/Unknown: not judged. */
  | { state: 'unreported' };

/**
 * Reads the Ready condition. A node without one (just registered, or a broken object) is not
 * judged: if its kubelet never reports, kube-controller-manager sets Ready=Unknown after its grace
 * period, and that is judged.
 */
export function readyVerdict(view: NodeView): ReadyVerdict {
  const ready = view.conditions.find((c) => c.type === 'Ready');
  if (!ready) return { state: 'unreported' };
  if (ready.status === 'True') return { state: 'ready' };
  if (ready.status === 'False' || ready.status === 'Unknown')
    return {
      state: 'unhealthy',
      reason: ready.status === 'False' ? 'NotReady' : 'Unknown',
      transitionAt: ready.lastTransitionTime,
      message: ready.message ?? ready.reason,
    };
  return { state: 'unreported' };
}

/** Pressure conditions that are True, in a stable order. Unknown condition types are ignored. */
export function pressureOf(view: NodeView): PressureCondition[] {
  return PressureConditions.filter((type) =>
    view.conditions.some((c) => c.type === type && c.status === 'True'),
  );
}

/** The node is Ready and under no pressure. */
export function isHealthy(view: NodeView): boolean {
  return readyVerdict(view).state === 'ready' && pressureOf(view).length === 0;
}

/**
 * How long Ready must stay False/Unknown before the node counts as failed: the design's
 * `node_failure_threshold` consecutive failed checks, `health_check_interval` seconds apart.
 * 3 × 30 s = 90 s by default.
 */
export function confirmationWindowMs(
  config: Pick<RecoveryConfig, 'node_failure_threshold' | 'health_check_interval'>,
): number {
  return config.node_failure_threshold * config.health_check_interval * 1000;
}

/** An unhealthy episode of one node: Ready False or Unknown without interruption since `since`. */
export interface Episode {
  since: number;
  reason: Extract<NodeFailureReason, 'NotReady' | 'Unknown'>;
  /** The Ready condition's lastTransitionTime last seen, to spot a recovery the watch did not show. */
  transitionAt?: number;
  message?: string;
}

/**
 * The node's episode after an observation, or undefined when it is not unhealthy.
 *
 * The episode starts at the Ready condition's lastTransitionTime (so a restarted detector keeps
 * counting from the real start), or at `now` when that time is missing or in the future (clock
 * skew). It survives NotReady → Unknown, which kube-controller-manager writes with a new
 * transition time when a kubelet that reported NotReady goes silent. If the reason is unchanged
 * but the transition time moved on, the node was Ready in between (say during a watch
 * reconnect): a new episode starts, so a flapping node never accumulates a window.
 */
export function nextEpisode(
  previous: Episode | undefined,
  verdict: ReadyVerdict,
  now: number,
): Episode | undefined {
  if (verdict.state !== 'unhealthy') return undefined;
  const transitionAt = verdict.transitionAt;
  const start = transitionAt !== undefined && transitionAt <= now ? transitionAt : now;
  const restarted =
    previous !== undefined &&
    previous.reason === verdict.reason &&
    transitionAt !== undefined &&
    previous.transitionAt !== undefined &&
    transitionAt > previous.transitionAt;
  if (!previous || restarted)
    return { since: start, reason: verdict.reason, transitionAt, message: verdict.message };
  return { since: previous.since, reason: verdict.reason, transitionAt, message: verdict.message };
}

/** A confirmed problem on a node: what the detector hands to {@link recoveryInputFor}. */
export interface NodeFinding {
  node: string;
  reason: NodeFailureReason;
  /** When the problem started (ms since the epoch). */
  since: number;
  /** When the confirmation window elapsed (pressure findings: when the pressure was seen). */
  windowElapsedAt: number;
  message?: string;
  /** Nodes in the cluster, to resolve a percentage disruption budget. */
  totalNodes: number;
  controlPlane: boolean;
}

// The storm guard lives in ./storm-rules.ts; re-exported for the callers of this module.
export type { StormState } from './storm-rules';
export { calmStorm, evaluateStorm, stormBlocks } from './storm-rules';

// ---------------------------------------------------------------------------------------------

/** A plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Milliseconds since the epoch of an API time (string or Date); undefined for garbage. */
export function timeOf(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
