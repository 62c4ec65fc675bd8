/**
 * The node activities' typed outcomes as the workflow branches on them, and the one place their
 * human-readable lines are written. Histories recorded before the outcomes were typed carry the
 * old activities' sentences; `…Of` reads those too, so the recoveries they record still replay.
 */
import type { CordonSummary, PressureRelief, UncordonSummary } from '../../activities';

export type CordonOutcome = CordonSummary['outcome'];
export type UncordonOutcome = UncordonSummary['outcome'];

/** The cordon's outcome, from a typed result or a sentence of an older history. */
export function cordonOutcomeOf(result: CordonSummary | string): CordonOutcome {
  if (typeof result !== 'string') return result.outcome;
  if (result.startsWith('would cordon')) return 'would-cordon';
  return result.startsWith('cordoned') ? 'cordoned' : 'someone-elses';
}

/** The uncordon's outcome, from a typed result or a sentence of an older history. */
export function uncordonOutcomeOf(result: UncordonSummary | string): UncordonOutcome {
  if (typeof result !== 'string') return result.outcome;
  if (result.startsWith('would uncordon')) return 'would-uncordon';
  return result.startsWith('uncordoned') ? 'uncordoned' : 'someone-elses';
}

/** One step of pressure relief, from a typed result or an older history's sentence (or nothing). */
export function pressureReliefOf(result: PressureRelief | string | undefined | null): PressureRelief {
  if (typeof result === 'object' && result !== null) return result;
  if (!result) return { outcome: 'nothing-evictable' };
  return {
    outcome: result.startsWith('would') ? 'would-evict' : 'evicted',
    pod: result,
    qosClass: '',
    priority: 0,
  };
}

export function cordonLine(node: string, outcome: CordonOutcome): string {
  switch (outcome) {
    case 'cordoned':
      return `cordoned ${node}`;
    case 'already-ours':
      return `${node} was already cordoned by this recovery`;
    case 'someone-elses':
      return `left ${node} alone: cordoned by someone else`;
    case 'gone':
      return `${node} no longer exists`;
    case 'would-cordon':
      return `would cordon ${node}`;
  }
}

export function uncordonLine(node: string, outcome: UncordonOutcome): string {
  switch (outcome) {
    case 'uncordoned':
      return `uncordoned ${node}`;
    case 'not-cordoned':
      return `${node} was schedulable already`;
    case 'someone-elses':
      return `left ${node} cordoned: not cordoned by this recovery`;
    case 'gone':
      return `${node} no longer exists`;
    case 'would-uncordon':
      return `would uncordon ${node}`;
  }
}

export function pressureReliefLine(relief: PressureRelief): string {
  switch (relief.outcome) {
    case 'evicted':
    case 'would-evict': {
      const verb = relief.outcome === 'evicted' ? 'evicted' : 'would evict';
      // An older history's sentence is kept whole.
      if (relief.qosClass === '') return relief.pod;
      return `${verb} ${relief.pod} (${relief.qosClass}, priority ${relief.priority}) to relieve memory pressure`;
    }
    case 'nothing-evictable':
      return 'no evictable pod is left';
    case 'taken-back':
      return 'the node is no longer cordoned by this recovery: nothing evicted';
  }
}
