/** The last line of a drain's report: what it did, in one sentence an SRE reads in the status. */
import type { PodRef } from '../../domain';
import type { DrainReport } from './types';
import { names } from './types';

export function closingLine(
  node: string,
  seconds: number,
  report: DrainReport,
  notEvicted: readonly PodRef[],
): string {
  switch (report.outcome) {
    case 'drained':
      return `drained ${node} in ${seconds}s: evicted ${report.evicted.length}, left ${report.skipped.length}`;
    case 'taken-back':
    case 'node-gone': {
      const left = notEvicted.length > 0 ? `, not evicted ${names(notEvicted)}` : '';
      return `drain of ${node} stopped after ${seconds}s: evicted ${report.evicted.length}${left}`;
    }
    default: {
      const blocked =
        report.blockingPdbs.length > 0 ? `; blocked by PDB ${report.blockingPdbs.join(', ')}` : '';
      return `drain of ${node} timed out after ${seconds}s: ${names(report.remaining)} remain${blocked}`;
    }
  }
}
