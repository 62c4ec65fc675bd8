/** Entering a phase: the state (status query) and the search attributes (Temporal UI) together. */
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { RecoveryPhase } from '../../domain';
import { phaseKey, severityKey } from '../search-attributes';
import type { RecoveryState } from './recovery-state';

export function enterPhase(state: RecoveryState, phase: RecoveryPhase, step: string): void {
  state.enter(phase, step, new Date());
  upsertSearchAttributes([
    { key: phaseKey, value: phase },
    { key: severityKey, value: state.severity },
  ]);
}
