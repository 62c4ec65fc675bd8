/**
 * How a node recovery judges a fresh read of its node: healthy for the reason it was started for,
 * still this run's cordon, taken back by a person, or gone. Pure: the recovery does the reading.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { NodeHealth, NodeRecoveryInput } from '../../domain';
import type { Compensations } from '../shared/compensation';

/** The name the cordon's undo is registered under; registered while this run holds its cordon. */
export const CORDON = 'cordon';

export type NodeVerdict = 'go-on' | 'taken-back' | 'gone';

export class NodeChecks {
  /** @param fresh the node is looked at again before each decision (see FRESH_LOOKS_PATCH). */
  constructor(
    private readonly input: NodeRecoveryInput,
    readonly fresh: boolean,
    private readonly undo: Compensations,
  ) {}

  /** This run holds a cordon on the node, which it must undo or hand over. */
  get cordoned(): boolean {
    return this.undo.has(CORDON);
  }

  /** The node is healthy for this recovery's reason: Ready, and free of the pressure it was started for. */
  isHealthy(health: NodeHealth): boolean {
    const { reason } = this.input;
    if (health.ready !== 'True') return false;
    return !(reason === 'MemoryPressure' || reason === 'DiskPressure') || !health.pressure?.includes(reason);
  }

  /**
   * This run cordoned the node and someone took it back: it is schedulable again, or (with fresh
   * looks) no longer cordoned under this run's own owner annotation.
   */
  isTakenBack(health: NodeHealth): boolean {
    if (!this.cordoned || this.input.policy.dryRun || health.ready === 'gone') return false;
    if (!this.fresh) return !health.unschedulable;
    return !health.unschedulable || health.cordonOwner !== workflowInfo().runId;
  }

  /** What a read of the node before a decision means: go on, stop (taken back), or end (gone). */
  verdict(health: NodeHealth): NodeVerdict {
    if (this.isTakenBack(health)) return 'taken-back';
    if (this.fresh && health.ready === 'gone') return 'gone';
    return 'go-on';
  }

  /**
   * The input of a node activity: the node, why, dry-run, and (with fresh looks) cordons owned by
   * the run; recoveries on the older path keep the older rule (see OwnershipInput).
   */
  act(reason: string): { node: string; reason: string; dryRun: boolean; ownership?: 'run' } {
    return {
      node: this.input.node,
      reason,
      dryRun: this.input.policy.dryRun,
      ...(this.fresh ? { ownership: 'run' as const } : {}),
    };
  }
}
