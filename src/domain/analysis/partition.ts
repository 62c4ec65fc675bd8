/**
 * Network partition: the nodes of one zone (label `topology.kubernetes.io/zone`) lost together
 * are one zone-loss finding, not N node failures. While a zone is lost, node remediation of its
 * nodes is held ({@link heldByZoneLoss}): draining and replacing a whole zone's nodes because the
 * detector cannot reach them makes a partition worse.
 */
import type { AnalysisFinding } from './finding';

/** The well-known zone label. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** A node's zone and health as the partition rule reads them. */
export interface NodeZoneView {
  name: string;
  labels: Readonly<Record<string, string>>;
  healthy: boolean;
  /** Epoch ms the node turned unhealthy, when known. */
  since?: number;
}

export interface ZoneLossOptions {
  /** The fraction of a zone's nodes that must be lost (0..1]. @default 0.8 */
  minFraction: number;
  /** A zone of fewer nodes is never judged (one node down is a node failure). @default 2 */
  minNodes: number;
  /** When given, the lost nodes' onsets must lie within this many ms of each other. */
  togetherWithinMs?: number;
}

/** One zone lost together. */
export interface ZoneLoss {
  zone: string;
  lost: string[];
  total: number;
  /** Earliest onset among the lost nodes, when known. */
  since?: number;
}

/** The zones whose nodes are (nearly) all lost together. Nodes without a zone label are ignored. */
export function zoneLosses(
  nodes: readonly NodeZoneView[],
  options: Partial<ZoneLossOptions> = {},
): ZoneLoss[] {
  const minFraction = options.minFraction ?? 0.8;
  const minNodes = options.minNodes ?? 2;
  const zones = new Map<string, NodeZoneView[]>();
  for (const node of nodes) {
    const zone = node.labels[ZONE_LABEL];
    if (!zone) continue;
    const members = zones.get(zone);
    if (members) members.push(node);
    else zones.set(zone, [node]);
  }
  const losses: ZoneLoss[] = [];
  for (const [zone, members] of [...zones].sort(([a], [b]) => a.localeCompare(b))) {
    const lost = members.filter((n) => !n.healthy);
    if (members.length < minNodes || lost.length < minFraction * members.length) continue;
    const onsets = lost.map((n) => n.since).filter((t): t is number => t !== undefined);
    const spread = onsets.length ? Math.max(...onsets) - Math.min(...onsets) : 0;
    if (options.togetherWithinMs !== undefined && spread > options.togetherWithinMs) continue;
    losses.push({
      zone,
      lost: lost.map((n) => n.name).sort(),
      total: members.length,
      ...(onsets.length ? { since: Math.min(...onsets) } : {}),
    });
  }
  return losses;
}

/** The lost zone whose loss holds remediation of `node`, if any (for the storm guard). */
export function heldByZoneLoss(node: string, losses: readonly ZoneLoss[]): string | undefined {
  return losses.find((loss) => loss.lost.includes(node))?.zone;
}

/** One critical `partition` finding per lost zone. */
export function partitionFindings(losses: readonly ZoneLoss[]): AnalysisFinding[] {
  return losses.map((loss) => ({
    rule: 'partition',
    type: 'partition',
    target: { kind: 'zone', name: loss.zone },
    severity: 'critical',
    evidence: {
      value: loss.lost.length,
      threshold: loss.total,
      ...(loss.since !== undefined ? { since: new Date(loss.since).toISOString() } : {}),
      members: loss.lost,
    },
    summary: `zone ${loss.zone}: ${loss.lost.length} of ${loss.total} nodes lost together (network partition or zone outage); node remediation held`,
  }));
}
