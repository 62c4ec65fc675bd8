/** A dry-run drain: every decision a drain would take, with nothing mutated. */
import type { PodRef, WorkloadRef } from '../../domain';
import { workloadKey } from '../../domain';
import type { PdbsPort, PodOnNode } from '../ports';
import { decide } from './decide';
import type { DrainOptions, DrainReport } from './types';
import { emptyReport, nameOf, names, refOf } from './types';

export async function planDrain(
  cluster: PdbsPort,
  options: DrainOptions,
  pods: readonly PodOnNode[],
): Promise<DrainReport> {
  const report = emptyReport('dry-run');
  const allowed = new Map<string, number>();
  const blockedBy = new Map<string, PodRef[]>();
  const workloads = new Map<string, WorkloadRef>();
  for (const pod of pods) {
    const decision = decide(pod, options);
    switch (decision.action) {
      case 'wait':
        report.lines.push(`would wait for ${nameOf(pod)}: already terminating`);
        break;
      case 'delete':
        report.lines.push(`would delete ${nameOf(pod)}: ${decision.why}`);
        break;
      case 'skip':
        report.skipped.push({ pod: refOf(pod), why: decision.why });
        report.lines.push(`would leave ${nameOf(pod)}: ${decision.text}`);
        break;
      case 'evict': {
        const budgets = await cluster.disruptionBudgetsFor(pod);
        for (const b of budgets) if (!allowed.has(b.name)) allowed.set(b.name, b.disruptionsAllowed);
        const blocking = budgets.filter((b) => (allowed.get(b.name) ?? 0) <= 0).map((b) => b.name);
        if (blocking.length > 0) {
          report.remaining.push(refOf(pod));
          for (const name of blocking) blockedBy.set(name, [...(blockedBy.get(name) ?? []), refOf(pod)]);
        } else {
          for (const b of budgets) allowed.set(b.name, (allowed.get(b.name) ?? 0) - 1);
          report.wouldEvict.push(refOf(pod));
          if (pod.workload) workloads.set(workloadKey(pod.workload), pod.workload);
        }
      }
    }
  }
  report.blockingPdbs = [...blockedBy.keys()];
  report.workloads = [...workloads.values()];
  const summary = [
    report.wouldEvict.length > 0 ? `would evict ${names(report.wouldEvict)}` : 'would evict nothing',
    ...[...blockedBy].map(([pdb, blocked]) => `PDB ${pdb} would block ${names(blocked)}`),
  ].join('; ');
  report.lines.push(`dry-run drain of ${options.node}: ${summary}`);
  return report;
}
