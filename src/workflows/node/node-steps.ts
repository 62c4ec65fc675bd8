/**
 * The mechanics of a node recovery, below its procedure (node-recovery.ts): reading the node
 * before a decision, the cordon's undo, verification, the permit, and the ways a recovery ends
 * (finished, escalated, stopped for a person, the node gone).
 */
import type {
  NodeHealth,
  NodeRecoveryInput,
  NodeRecoveryOutcome,
  NodeRecoveryResult,
  RecoveryPhase,
  RecoveryStatus,
  WorkloadRef,
} from '../../domain';
import { Recovery, causeOf } from '../shared/recovery';
import type { RecoveryState } from '../shared/recovery-state';
import { CORDON, NodeChecks } from './node-checks';
import type { UncordonOutcome } from './outcomes';
import { uncordonLine, uncordonOutcomeOf } from './outcomes';
import { k8s, verifier } from './proxies';

export abstract class NodeSteps extends Recovery<NodeRecoveryResult> {
  protected readonly node: string;
  protected readonly checks: NodeChecks;
  protected blockingPdbs: string[] = [];

  /** @param fresh the node is looked at again before each decision (see FRESH_LOOKS_PATCH). */
  constructor(
    protected readonly input: NodeRecoveryInput,
    state: RecoveryState,
    fresh: boolean,
  ) {
    super(state, input.policy.humans);
    this.node = input.node;
    this.checks = new NodeChecks(input, fresh, this.undo);
  }

  protected get policy() {
    return this.input.policy;
  }

  protected statusDetails(): Pick<RecoveryStatus, 'blockingPdbs'> {
    return { blockingPdbs: [...this.blockingPdbs] };
  }

  protected async verify(node: string | undefined, workloads: WorkloadRef[]): Promise<void> {
    this.enter(
      'Verifying',
      `wait for ${node ?? 'the workloads'} to be Ready within ${this.policy.recoveryTimeout}`,
    );
    if (this.policy.dryRun) return;
    const { verifyNodeRecovery } = verifier(this.policy.recoveryTimeout);
    this.record(await verifyNodeRecovery({ ...(node ? { node } : {}), workloads }));
  }

  protected async acquirePermit(controlPlane: boolean): Promise<void> {
    if (this.policy.dryRun) return;
    // Control-plane nodes are remediated one at a time, on a budget of their own.
    const scope = controlPlane ? 'control-plane' : 'nodes';
    const limit = controlPlane ? 1 : this.policy.maxDisruptedNodes;
    this.enter(
      'WaitingForBudget',
      `wait for a permit of the ${scope} disruption budget (at most ${limit} at once)`,
    );
    await this.permit.acquire(scope, limit);
  }

  async escalate(why: string): Promise<NodeRecoveryResult> {
    this.state.severity = 'critical';
    await this.undo.run();
    this.enter('Escalated', `${why}; handed to humans`);
    await this.handToHumans('critical', `Node ${this.node} needs a human`, why);
    return this.result('escalated');
  }

  /** The cordon's undo: uncordon what this run cordoned, if the node is healthy. */
  protected async compensate(): Promise<void> {
    try {
      const health = await k8s.readNodeHealth(this.node);
      if (health.ready === 'True') await this.uncordon('recovery escalated; the node is healthy');
      else this.record(`left ${this.node} cordoned: it is ${health.ready}`);
    } catch (error) {
      this.record(`could not check ${this.node} to uncordon it: ${causeOf(error)}`);
    }
  }

  protected async uncordon(why: string): Promise<UncordonOutcome> {
    this.enter('Uncordoning', `uncordon ${this.node}: ${why}`);
    const outcome = uncordonOutcomeOf(await k8s.uncordonNode(this.checks.act(why)));
    this.record(uncordonLine(this.node, outcome));
    this.undo.discharge(CORDON);
    return outcome;
  }

  /**
   * Reads the node before a decision, and ends the recovery when a person took the node back
   * (stopped) or, with fresh looks, when the node is gone (its evicted `workloads` still verified).
   */
  protected async read(workloads: WorkloadRef[]): Promise<NodeHealth> {
    const health = await k8s.readNodeHealth(this.node);
    const verdict = this.checks.verdict(health);
    if (verdict === 'taken-back') this.end(await this.stopForHuman());
    if (verdict === 'gone') this.end(await this.endGone(workloads));
    return health;
  }

  /** The node was deleted (an autoscaler, a person): nothing to escalate; what was evicted must be back. */
  protected async endGone(workloads: WorkloadRef[]): Promise<NodeRecoveryResult> {
    this.undo.discharge(CORDON);
    this.record(`${this.node} was deleted during the recovery`);
    if (workloads.length > 0) await this.verify(undefined, workloads);
    return this.finish('Skipped', 'gone', `${this.node} was deleted during the recovery; nothing left to do`);
  }

  protected async stopForHuman(
    why = `someone uncordoned ${this.node} during the recovery; stopping instead of fighting`,
  ): Promise<NodeRecoveryResult> {
    this.undo.discharge(CORDON);
    await this.alert('warning', `Recovery of ${this.node} stopped`, why);
    return this.finish('Stopped', 'stopped', why);
  }

  protected finish(phase: RecoveryPhase, outcome: NodeRecoveryOutcome, step: string): NodeRecoveryResult {
    this.enter(phase, step);
    return this.result(outcome);
  }

  protected result(outcome: NodeRecoveryOutcome): NodeRecoveryResult {
    return { node: this.node, outcome, actions: [...this.state.actions] };
  }
}
