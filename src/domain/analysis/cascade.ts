/**
 * Cascading failure: failures connected along a dependency chain are one incident, rooted at the
 * failing target(s) whose own dependencies are healthy. `A → B → C` (A depends on B, B on C) all
 * failing is one incident rooted at C. When failing targets depend on each other in a cycle, the
 * cycle's members are the roots together. Every walk marks what it visited: never infinite.
 */
import type { AnalysisFinding, AnalysisTarget } from './finding';
import { describeTarget, targetKey } from './finding';

/** `from` depends on `dependsOn` (a service on its database, a workload on a service). */
export interface DependencyEdge {
  from: AnalysisTarget;
  dependsOn: AnalysisTarget;
}

/** One incident: the failing targets connected by dependencies, and where it started. */
export interface CascadeIncident {
  roots: AnalysisTarget[];
  /** Every failing member, the roots included, in key order. */
  members: AnalysisTarget[];
}

/**
 * Groups `failing` targets into incidents: targets linked by a dependency edge between two failing
 * targets share an incident (a lone failing target is an incident of one). Roots are the members
 * from which no failing dependency leads to a member that does not lead back.
 */
export function groupCascades(
  failing: readonly AnalysisTarget[],
  edges: readonly DependencyEdge[],
): CascadeIncident[] {
  const byKey = new Map(failing.map((t) => [targetKey(t), t]));
  const deps = new Map<string, string[]>([...byKey.keys()].map((k) => [k, []]));
  const neighbours = new Map<string, string[]>([...byKey.keys()].map((k) => [k, []]));
  for (const edge of edges) {
    const from = targetKey(edge.from);
    const to = targetKey(edge.dependsOn);
    if (from === to || !byKey.has(from) || !byKey.has(to)) continue;
    deps.get(from)?.push(to);
    neighbours.get(from)?.push(to);
    neighbours.get(to)?.push(from);
  }
  const reach = new Map([...byKey.keys()].map((k) => [k, reachable(k, deps)]));
  const incidents: CascadeIncident[] = [];
  const seen = new Set<string>();
  for (const key of [...byKey.keys()].sort()) {
    if (seen.has(key)) continue;
    const component = [...reachable(key, neighbours)].sort();
    for (const member of component) seen.add(member);
    const roots = component.filter((k) => [...(reach.get(k) ?? [])].every((d) => reach.get(d)?.has(k)));
    incidents.push({ roots: roots.map((k) => byKey.get(k)!), members: component.map((k) => byKey.get(k)!) });
  }
  return incidents;
}

/** Every key reachable from `start` (itself included), breadth first, each visited once. */
function reachable(start: string, next: ReadonlyMap<string, readonly string[]>): Set<string> {
  const visited = new Set([start]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++)
    for (const n of next.get(queue[i] as string) ?? [])
      if (!visited.has(n)) {
        visited.add(n);
        queue.push(n);
      }
  return visited;
}

/** One `cascade` finding per incident of more than one member, targeted at its first root. */
export function cascadeFindings(incidents: readonly CascadeIncident[], now: number): AnalysisFinding[] {
  return incidents
    .filter((incident) => incident.members.length > 1)
    .map((incident) => {
      const root = incident.roots[0] as AnalysisTarget;
      const others = incident.members.length - incident.roots.length;
      return {
        rule: 'cascade',
        type: 'cascade',
        target: root,
        severity: 'critical',
        evidence: {
          value: incident.members.length,
          since: new Date(now).toISOString(),
          members: incident.members.map(targetKey),
        },
        summary: `cascading failure rooted at ${incident.roots.map(describeTarget).join(', ')}: ${others} dependent target(s) failing too`,
      };
    });
}
