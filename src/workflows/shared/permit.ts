/**
 * The permit a disruptive recovery holds from its disruption budget (a semaphore workflow on the
 * same task queue): asked for through an activity, granted by a signal, given back in a
 * non-cancellable `finally` (the budget also reclaims permits of holders that ended without).
 */
import {
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { quickCall } from './activity-options';
import { disruptionBudgetWorkflowId, legacyDisruptionBudgetWorkflowId } from '../ids';
import { permitGrantedSignal, releasePermitSignal } from '../messages';

const { requestPermit } = proxyActivities<Pick<Activities, 'requestPermit'>>(quickCall);

export class Permit {
  private granted = false;
  /** The budget asked, and where the permit goes back. */
  private held: { scope: string; budget: string } | undefined;

  constructor() {
    setHandler(permitGrantedSignal, (grant) => {
      this.granted = true;
      // Histories from before per-queue budgets carry no budget ID: theirs was the legacy one.
      if (this.held) this.held.budget = grant.budget ?? legacyDisruptionBudgetWorkflowId(grant.scope);
    });
  }

  /** Asks the budget of `scope` for a permit (the newest request's `limit` is in force) and waits for it. */
  async acquire(scope: string, limit: number): Promise<void> {
    const budget = disruptionBudgetWorkflowId(scope, workflowInfo().taskQueue);
    this.held = { scope, budget };
    await requestPermit({ scope, budget, holder: workflowInfo().workflowId, limit });
    await condition(() => this.granted);
  }

  async release(): Promise<void> {
    if (!this.held) return;
    const holder = workflowInfo().workflowId;
    try {
      await getExternalWorkflowHandle(this.held.budget).signal(releasePermitSignal, { holder });
    } catch {
      // The budget reclaims permits of closed holders by itself.
    }
    this.held = undefined;
  }
}
