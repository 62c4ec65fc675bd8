/**
 * Node recovery: cordon → drain → recover or replace → verify, every step an activity, under the
 * cluster-wide disruption budget. Memory and disk pressure take a gentler path: cordon, relieve the
 * pressure, uncordon when it clears. Whatever fails is compensated and handed to humans.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities, DrainSummary } from '../activities';
import { disruptionBudgetWorkflowId, legacyDisruptionBudgetWorkflowId } from './ids';
import {
  approveUpdate,
  evidenceSignal,
  permitGrantedSignal,
  releasePermitSignal,
  statusQuery,
} from './messages';
import {
  cordonLine,
  cordonOutcomeOf,
  pressureReliefLine,
  pressureReliefOf,
  uncordonLine,
  uncordonOutcomeOf,
} from './node-recovery-outcomes';
import { NodeRecoveryState } from './node-recovery-state';
import { phaseKey, severityKey } from './search-attributes';
import type {
  ApprovalDecision,
  ApprovalRequest,
  NodeHealth,
  NodeRecoveryInput,
  NodeRecoveryOutcome,
  NodeRecoveryResult,
  RecoveryPhase,
  WorkloadRef,
} from '../domain';

/** Quick Kubernetes calls: retried with backoff; 403/404/422 are classified non-retryable. */
const k8s = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
});

const notifications = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 20 },
});

const PRESSURE_RECHECK = '30 seconds';

/**
 * Marks recoveries that look at the node again before every decision a person (or the node) can
 * change meanwhile: after the permit, after every long wait, before every mutation. Histories
 * recorded before it lack the marker and replay on the older path.
 */
export const FRESH_LOOKS_PATCH = 'fresh-looks-before-acting';

/** Ends the recovery from anywhere in the procedure with this result (caught by the workflow). */
class RecoveryEnded {
  constructor(readonly result: NodeRecoveryResult) {}
}

/** Recovers one node. One execution per node: the workflow ID is derived from the node name. */
export async function nodeRecoveryWorkflow(input: NodeRecoveryInput): Promise<NodeRecoveryResult> {
  if (!input?.node) throw ApplicationFailure.nonRetryable('input.node is empty', 'InvalidInput');
  if (!input.policy)
    throw ApplicationFailure.nonRetryable(`input.policy is missing for ${input.node}`, 'InvalidInput');
  const recovery = new NodeRecovery(new NodeRecoveryState(input), patched(FRESH_LOOKS_PATCH));
  try {
    return await recovery.run();
  } catch (error) {
    if (error instanceof RecoveryEnded) return error.result;
    if (!(error instanceof ActivityFailure || error instanceof ApplicationFailure)) throw error;
    return await recovery.escalate(`a step failed: ${causeOf(error)}`);
  } finally {
    await CancellationScope.nonCancellable(() => recovery.releasePermit());
  }
}

class NodeRecovery {
  private readonly node: string;
  /** This run holds a cordon on the node, which it must undo or hand over. */
  private cordoned = false;
  /** The budget asked for a permit, and where the permit goes back. */
  private permit: { scope: string; budget: string } | undefined;

  /** @param fresh the node is looked at again before each decision (see FRESH_LOOKS_PATCH). */
  constructor(
    private readonly state: NodeRecoveryState,
    private readonly fresh: boolean,
  ) {
    this.node = state.input.node;
    setHandler(statusQuery, () => state.status());
    setHandler(evidenceSignal, (evidence) => state.addEvidence(evidence));
    setHandler(permitGrantedSignal, (grant) => {
      state.permitGranted = true;
      // Histories from before per-queue budgets carry no budget ID: theirs was the legacy one.
      if (this.permit) this.permit.budget = grant.budget ?? legacyDisruptionBudgetWorkflowId(grant.scope);
    });
    setHandler(
      approveUpdate,
      (decision) => {
        state.decision = decision;
        return state.status();
      },
      { validator: (decision) => state.validateDecision(decision) },
    );
  }

  private get policy() {
    return this.state.input.policy;
  }

  async run(): Promise<NodeRecoveryResult> {
    const health = await k8s.readNodeHealth(this.node);
    if (health.ready === 'gone') return this.finish('Skipped', 'gone', `${this.node} no longer exists`);
    if (health.optedOut) return this.finish('Skipped', 'skipped', `${this.node} is opted out of remediation`);

    await this.acquirePermit(health.controlPlane === true);
    if (this.fresh && !this.policy.dryRun) await this.lookAgainBeforeActing();
    this.enter('Cordoning', `cordon ${this.node} so nothing new lands on it`);
    const cordon = cordonOutcomeOf(await k8s.cordonNode(this.act(`node ${this.state.input.reason}`)));
    this.record(cordonLine(this.node, cordon));
    if (cordon === 'gone') return this.finish('Skipped', 'gone', `${this.node} no longer exists`);
    this.cordoned = cordon === 'cordoned' || cordon === 'already-ours';
    if (!this.cordoned && !this.policy.dryRun) {
      return this.finish(
        'Stopped',
        'stopped',
        `${this.node} was cordoned by someone else; leaving it to them`,
      );
    }

    const reason = this.state.input.reason;
    if (reason === 'MemoryPressure' || reason === 'DiskPressure') return this.relievePressure(reason);
    return this.drainAndRecover();
  }

  /**
   * The permit may come minutes after the failure was confirmed: a node that was deleted, opted out
   * or healed meanwhile is left alone, and the permit goes back.
   */
  private async lookAgainBeforeActing(): Promise<void> {
    const health = await k8s.readNodeHealth(this.node);
    if (health.ready === 'gone')
      this.end(this.finish('Skipped', 'gone', `${this.node} was deleted while the recovery waited its turn`));
    if (health.optedOut)
      this.end(
        this.finish('Skipped', 'skipped', `${this.node} was opted out while the recovery waited its turn`),
      );
    if (this.isHealthy(health))
      this.end(
        this.finish(
          'Recovered',
          'healed',
          `${this.node} is healthy again; nothing was done (healed by itself)`,
        ),
      );
  }

  private async drainAndRecover(): Promise<NodeRecoveryResult> {
    const workloads = await this.drain();
    if (!workloads)
      return this.escalate(`drain of ${this.node} did not finish within ${this.policy.drainTimeout}`);
    if (this.cordoned && !this.policy.dryRun) await this.readNode(workloads);

    this.enter(
      'AwaitingRecovery',
      `wait up to ${this.policy.nodeRecoveryWindow} for ${this.node} to be Ready`,
    );
    await condition(() => this.state.reportedReady, this.policy.nodeRecoveryWindow);
    const health = await this.readNode(workloads);
    if (health.ready === 'True') return this.recovered(workloads);
    return this.replace(workloads);
  }

  private async recovered(workloads: WorkloadRef[]): Promise<NodeRecoveryResult> {
    await this.uncordon('node is Ready again');
    await this.verify(this.node, workloads);
    return this.finish('Recovered', 'recovered', `${this.node} is Ready and schedulable; workloads are back`);
  }

  /** @returns the evicted workloads to verify, or undefined when the drain timed out. */
  private async drain(): Promise<WorkloadRef[] | undefined> {
    this.enter('Draining', `evict the pods of ${this.node} (timeout ${this.policy.drainTimeout})`);
    const drainer = proxyActivities<Activities>({
      startToCloseTimeout: addMinutes(this.policy.drainTimeout, 2),
      heartbeatTimeout: '30 seconds',
      retry: { initialInterval: '2 seconds', maximumAttempts: 5 },
    });
    const drainRequest = {
      ...this.act('drain'),
      timeout: this.policy.drainTimeout,
      deleteEmptyDirData: this.policy.deleteEmptyDirData,
    };
    let report = await this.drained(await drainer.drainNode({ ...drainRequest, deleteUnmanaged: false }));
    if (report.unmanaged.length > 0 && this.policy.unmanagedPods === 'approve') {
      const names = report.unmanaged.map((p) => `${p.namespace}/${p.name}`).join(', ');
      if (
        await this.approval({
          action: 'delete-unmanaged-pods',
          detail: `delete pods without a controller: ${names}`,
        })
      ) {
        const health = this.fresh ? await this.readNode(report.workloads) : undefined;
        if (health?.ready === 'True') this.record(`${this.node} is Ready again: left ${names} in place`);
        else report = await this.drained(await drainer.drainNode({ ...drainRequest, deleteUnmanaged: true }));
      }
    }
    return report.outcome === 'timed-out' ? undefined : report.workloads;
  }

  /** Records a drain's report; a drain stopped because the node was taken back or deleted ends the recovery. */
  private async drained(report: DrainSummary): Promise<DrainSummary> {
    this.state.blockingPdbs = report.blockingPdbs;
    this.record(...report.lines);
    if (report.outcome === 'taken-back') this.end(await this.stopForHuman());
    if (report.outcome === 'node-gone') this.end(await this.endGone(report.workloads));
    return report;
  }

  private async replace(workloads: WorkloadRef[]): Promise<NodeRecoveryResult> {
    const detail = `${this.node} stayed down for ${this.policy.nodeRecoveryWindow}: replace it through ${this.policy.provider}`;
    if (this.policy.provider === 'none')
      return this.escalate(`${this.node} did not recover and no node provider is configured`);
    if (
      this.policy.replacementRequiresApproval &&
      !(await this.approval({ action: 'replace-node', detail }))
    ) {
      return this.escalate(`replacement of ${this.node} was not approved`);
    }
    if (this.cordoned && !this.policy.dryRun) {
      const health = await this.readNode(workloads);
      // Back while the approval was pending (or at the last moment): nothing to replace.
      if (this.fresh && health.ready === 'True') return this.recovered(workloads);
    }
    this.enter('Replacing', detail);
    const replaced = await k8s.replaceNode({
      node: this.node,
      provider: this.policy.provider,
      dryRun: this.policy.dryRun,
    });
    this.record(replaced.detail);
    if (replaced.outcome === 'taken-back') return this.stopForHuman();
    if (replaced.outcome === 'handed-off') return this.escalate(replaced.detail);
    this.cordoned = false; // the old node is gone or going; there is nothing to uncordon
    await this.verify(replaced.outcome === 'replaced' ? replaced.replacement : undefined, workloads);
    return this.finish(
      'Recovered',
      'replaced',
      `${this.node} replaced (${replaced.detail}); workloads are back`,
    );
  }

  private async relievePressure(pressure: 'MemoryPressure' | 'DiskPressure'): Promise<NodeRecoveryResult> {
    this.enter('RelievingPressure', `relieve ${pressure} on ${this.node}`);
    const deadline = Date.now() + msToNumber(this.policy.recoveryTimeout);
    while (Date.now() < deadline) {
      const health = await this.readNode([]);
      if (health.ready !== 'True' && health.ready !== 'gone') {
        this.record(`${this.node} turned ${health.ready === 'False' ? 'NotReady' : 'Unknown'}: drain it`);
        return this.drainAndRecover();
      }
      if (!health.pressure?.includes(pressure)) {
        await this.uncordon(`${pressure} cleared`);
        return this.finish('Recovered', 'recovered', `${pressure} on ${this.node} cleared`);
      }
      if (pressure === 'MemoryPressure') {
        const relief = pressureReliefOf(
          await k8s.relievePressure({ node: this.node, dryRun: this.policy.dryRun }),
        );
        if (relief.outcome === 'taken-back') return this.stopForHuman();
        if (relief.outcome === 'nothing-evictable')
          return this.escalate(`${pressure} on ${this.node} persists and no evictable pod is left`);
        this.record(pressureReliefLine(relief));
        if (this.policy.dryRun) return this.finish('Recovered', 'recovered', `dry-run: would go on evicting`);
      }
      const seen = this.state.observations;
      await condition(() => this.state.observations > seen, PRESSURE_RECHECK);
    }
    return this.escalate(`${pressure} on ${this.node} did not clear within ${this.policy.recoveryTimeout}`);
  }

  private async verify(node: string | undefined, workloads: WorkloadRef[]): Promise<void> {
    this.enter(
      'Verifying',
      `wait for ${node ?? 'the workloads'} to be Ready within ${this.policy.recoveryTimeout}`,
    );
    if (this.policy.dryRun) return;
    // "Not ready yet" is the expected answer for a while: the retry policy polls, bounded by the timeout.
    const verifier = proxyActivities<Activities>({
      scheduleToCloseTimeout: this.policy.recoveryTimeout,
      startToCloseTimeout: '30 seconds',
      retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '10 seconds' },
    });
    this.record(await verifier.verifyNodeRecovery({ ...(node ? { node } : {}), workloads }));
  }

  /** @returns true when approved; false when rejected or nobody answered within the approval timeout. */
  private async approval(request: Omit<ApprovalRequest, 'requestedAt'>): Promise<boolean> {
    const previous = this.state.phase;
    this.state.pendingApproval = { ...request, requestedAt: new Date().toISOString() };
    this.state.decision = undefined;
    this.enter(
      'AwaitingApproval',
      `${request.detail}: waiting for approval (timeout ${this.policy.approvalTimeout})`,
    );
    await notifications.notify(
      this.alert('warning', `Approval needed: ${request.action} on ${this.node}`, request.detail),
    );
    const answered = await condition(() => this.state.decision !== undefined, this.policy.approvalTimeout);
    this.state.pendingApproval = undefined;
    // The update handler may have set it while we waited; TypeScript cannot see that.
    const decision = this.state.decision as ApprovalDecision | undefined;
    if (!answered || !decision) {
      this.record(`no decision on ${request.action} within ${this.policy.approvalTimeout}`);
      return false;
    }
    this.record(
      `${request.action} ${decision.approved ? 'approved' : 'rejected'} by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`,
    );
    this.state.phase = previous;
    return decision.approved;
  }

  private async acquirePermit(controlPlane: boolean): Promise<void> {
    if (this.policy.dryRun) return;
    // Control-plane nodes are remediated one at a time, on a budget of their own.
    const scope = controlPlane ? 'control-plane' : 'nodes';
    const limit = controlPlane ? 1 : this.policy.maxDisruptedNodes;
    this.enter(
      'WaitingForBudget',
      `wait for a permit of the ${scope} disruption budget (at most ${limit} at once)`,
    );
    const budget = disruptionBudgetWorkflowId(scope, workflowInfo().taskQueue);
    this.permit = { scope, budget };
    await k8s.requestPermit({ scope, budget, holder: workflowInfo().workflowId, limit });
    await condition(() => this.state.permitGranted);
  }

  async releasePermit(): Promise<void> {
    if (!this.permit) return;
    const holder = workflowInfo().workflowId;
    try {
      await getExternalWorkflowHandle(this.permit.budget).signal(releasePermitSignal, { holder });
    } catch {
      // The budget reclaims permits of closed holders by itself.
    }
    this.permit = undefined;
  }

  async escalate(why: string): Promise<NodeRecoveryResult> {
    this.state.severity = 'critical';
    await this.compensate();
    this.enter('Escalated', `${why}; handed to humans`);
    await notifications.notify(this.alert('critical', `Node ${this.node} needs a human`, why));
    return this.result('escalated');
  }

  /** Undo what can be undone: uncordon what we cordoned, if the node is healthy. */
  private async compensate(): Promise<void> {
    if (!this.cordoned) return;
    try {
      const health = await k8s.readNodeHealth(this.node);
      if (health.ready === 'True') await this.uncordon('recovery escalated; the node is healthy');
      else this.record(`left ${this.node} cordoned: it is ${health.ready}`);
    } catch (error) {
      this.record(`could not check ${this.node} to uncordon it: ${causeOf(error)}`);
    }
  }

  private async uncordon(why: string): Promise<void> {
    this.enter('Uncordoning', `uncordon ${this.node}: ${why}`);
    this.record(uncordonLine(this.node, uncordonOutcomeOf(await k8s.uncordonNode(this.act(why)))));
    this.cordoned = false;
  }

  /** The node is healthy for this recovery's reason: Ready, and free of the pressure it was started for. */
  private isHealthy(health: NodeHealth): boolean {
    const reason = this.state.input.reason;
    if (health.ready !== 'True') return false;
    return !(reason === 'MemoryPressure' || reason === 'DiskPressure') || !health.pressure?.includes(reason);
  }

  /**
   * This run cordoned the node and someone took it back: it is schedulable again, or (with fresh
   * looks) no longer cordoned under this run's own owner annotation.
   */
  private isTakenBack(health: NodeHealth): boolean {
    if (!this.cordoned || this.policy.dryRun || health.ready === 'gone') return false;
    if (!this.fresh) return !health.unschedulable;
    return !health.unschedulable || health.cordonOwner !== workflowInfo().runId;
  }

  /**
   * Reads the node before a decision, and ends the recovery when a person took the node back
   * (stopped) or, with fresh looks, when the node is gone (its evicted `workloads` still verified).
   */
  private async readNode(workloads: WorkloadRef[]): Promise<NodeHealth> {
    const health = await k8s.readNodeHealth(this.node);
    if (this.isTakenBack(health)) this.end(await this.stopForHuman());
    if (this.fresh && health.ready === 'gone') this.end(await this.endGone(workloads));
    return health;
  }

  private end(result: NodeRecoveryResult): never {
    throw new RecoveryEnded(result);
  }

  /** The node was deleted (an autoscaler, a person): nothing to escalate; what was evicted must be back. */
  private async endGone(workloads: WorkloadRef[]): Promise<NodeRecoveryResult> {
    this.cordoned = false;
    this.record(`${this.node} was deleted during the recovery`);
    if (workloads.length > 0) await this.verify(undefined, workloads);
    return this.finish('Skipped', 'gone', `${this.node} was deleted during the recovery; nothing left to do`);
  }

  private async stopForHuman(): Promise<NodeRecoveryResult> {
    this.cordoned = false;
    const why = `someone uncordoned ${this.node} during the recovery; stopping instead of fighting`;
    await notifications.notify(this.alert('warning', `Recovery of ${this.node} stopped`, why));
    return this.finish('Stopped', 'stopped', why);
  }

  private finish(phase: RecoveryPhase, outcome: NodeRecoveryOutcome, step: string): NodeRecoveryResult {
    this.enter(phase, step);
    return this.result(outcome);
  }

  private result(outcome: NodeRecoveryOutcome): NodeRecoveryResult {
    return { node: this.node, outcome, actions: [...this.state.actions] };
  }

  private enter(phase: RecoveryPhase, step: string): void {
    this.state.enter(phase, step, new Date());
    upsertSearchAttributes([
      { key: phaseKey, value: phase },
      { key: severityKey, value: this.state.severity },
    ]);
  }

  private record(...lines: string[]): void {
    this.state.actions.push(...lines);
  }

  private act(reason: string) {
    return { node: this.node, reason, dryRun: this.policy.dryRun };
  }

  private alert(severity: 'warning' | 'critical', title: string, detail: string) {
    return { severity, target: this.node, title, detail, workflowId: workflowInfo().workflowId };
  }
}

function causeOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function addMinutes(duration: Duration, minutes: number): number {
  return msToNumber(duration) + minutes * 60_000;
}
