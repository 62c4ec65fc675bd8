/**
 * The dependency graph reachable from a Service by its `depends-on` annotations, read breadth first
 * (one level's Services at once) up to a bound, so a huge or cyclic graph costs a bounded number of
 * reads. Cycles are the workflow's to find (findCycle) in the edges returned.
 */
import type { ServiceDefaults, ServiceTarget } from '../../domain';
import { describeProblems, parseServiceSpec, serviceTargetKey } from '../../domain';
import type { ServicesPort } from '../ports';
import type { DependencyGraph } from './types';

/** At most this many Services are read, and this many levels below the first. */
export const GRAPH_MAX_SERVICES = 200;
export const GRAPH_MAX_DEPTH = 10;

export async function readDependencyGraph(
  services: Pick<ServicesPort, 'readService'>,
  defaults: ServiceDefaults,
  root: ServiceTarget,
): Promise<DependencyGraph> {
  const graph: DependencyGraph = { edges: {}, missing: [], invalid: {} };
  const seen = new Set([serviceTargetKey(root)]);
  let level = [root];
  for (let depth = 0; level.length > 0 && depth <= GRAPH_MAX_DEPTH; depth += 1) {
    const next: ServiceTarget[] = [];
    const objects = await Promise.all(level.map((s) => services.readService(s)));
    level.forEach((service, i) => {
      const key = serviceTargetKey(service);
      const object = objects[i];
      if (!object) {
        graph.missing.push(key);
        return;
      }
      const parsed = parseServiceSpec(service, object.annotations, defaults);
      if ('problems' in parsed) {
        graph.invalid[key] = describeProblems(parsed.problems);
        return;
      }
      graph.edges[key] = parsed.spec.dependencies.map(serviceTargetKey);
      for (const dependency of parsed.spec.dependencies) {
        const dependencyKey = serviceTargetKey(dependency);
        if (seen.has(dependencyKey) || seen.size >= GRAPH_MAX_SERVICES) continue;
        seen.add(dependencyKey);
        next.push(dependency);
      }
    });
    level = next;
  }
  return graph;
}
