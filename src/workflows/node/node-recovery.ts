/**
 * Node recovery: cordon → drain → recover or replace → verify, every step an activity, under the
 * cluster-wide disruption budget. Memory and disk pressure take a gentler path: cordon, relieve the
 * pressure, uncordon when it clears. Whatever fails is compensated and handed to humans. Before
 * every decision a person or the node can change, the node is read again (fresh looks).
 */
import { ApplicationFailure, condition, patched } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { DrainSummary } from '../../activities';
import type { NodeRecoveryInput, NodeRecoveryResult, WorkloadRef } from '../../domain';
import { runRecovery } from '../shared/recovery';
import { RecoveryState } from '../shared/recovery-state';
import { CORDON } from './node-checks';
import { NodeSteps } from './node-steps';
import { cordonLine, cordonOutcomeOf, pressureReliefLine, pressureReliefOf } from './outcomes';
import { drainer, k8s } from './proxies';

const PRESSURE_RECHECK = '30 seconds';

/**
 * Marks recoveries that look at the node again before every decision a person (or the node) can
 * change meanwhile: after the permit, after every long wait, before every mutation. Histories
 * recorded before it lack the marker and replay on the older path.
 */
export const FRESH_LOOKS_PATCH = 'fresh-looks-before-acting';

/** Recovers one node. One execution per node: the workflow ID is derived from the node name. */
export async function nodeRecoveryWorkflow(input: NodeRecoveryInput): Promise<NodeRecoveryResult> {
  if (!input?.node) throw ApplicationFailure.nonRetryable('input.node is empty', 'InvalidInput');
  if (!input.policy)
    throw ApplicationFailure.nonRetryable(`input.policy is missing for ${input.node}`, 'InvalidInput');
  const detection = { observedAt: input.detectedAt, reason: input.reason };
  const state = new RecoveryState('node', input.node, input.policy.dryRun, detection);
  return runRecovery(new NodeRecovery(input, state, patched(FRESH_LOOKS_PATCH)));
}

class NodeRecovery extends NodeSteps {
  async run(): Promise<NodeRecoveryResult> {
    const health = await k8s.readNodeHealth(this.node);
    if (health.ready === 'gone') return this.finish('Skipped', 'gone', `${this.node} no longer exists`);
    if (health.optedOut) return this.finish('Skipped', 'skipped', `${this.node} is opted out of remediation`);

    await this.acquirePermit(health.controlPlane === true);
    if (this.checks.fresh && !this.policy.dryRun) await this.lookAgainBeforeActing();
    this.enter('Cordoning', `cordon ${this.node} so nothing new lands on it`);
    const cordon = cordonOutcomeOf(await k8s.cordonNode(this.checks.act(`node ${this.input.reason}`)));
    this.record(cordonLine(this.node, cordon));
    if (cordon === 'gone') return this.finish('Skipped', 'gone', `${this.node} no longer exists`);
    if (cordon === 'cordoned' || cordon === 'already-ours') this.undo.push(CORDON, () => this.compensate());
    else if (!this.policy.dryRun)
      return this.finish(
        'Stopped',
        'stopped',
        `${this.node} was cordoned by someone else; leaving it to them`,
      );

    const reason = this.input.reason;
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
    if (this.checks.isHealthy(health))
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
    if (this.checks.cordoned && !this.policy.dryRun) await this.read(workloads);

    this.enter(
      'AwaitingRecovery',
      `wait up to ${this.policy.nodeRecoveryWindow} for ${this.node} to be Ready`,
    );
    await condition(() => this.state.reportedReady, this.policy.nodeRecoveryWindow);
    const health = await this.read(workloads);
    if (health.ready === 'True') return this.recovered(workloads);
    return this.replace(workloads);
  }

  private async recovered(workloads: WorkloadRef[]): Promise<NodeRecoveryResult> {
    const uncordoned = await this.uncordon('node is Ready again');
    // A person cordoned the node again between the read and the uncordon: it is theirs now.
    if (this.checks.fresh && uncordoned === 'someone-elses')
      return this.stopForHuman(`someone cordoned ${this.node} again during the recovery; leaving it to them`);
    await this.verify(this.node, workloads);
    return this.finish('Recovered', 'recovered', `${this.node} is Ready and schedulable; workloads are back`);
  }

  /** @returns the evicted workloads to verify, or undefined when the drain timed out. */
  private async drain(): Promise<WorkloadRef[] | undefined> {
    this.enter('Draining', `evict the pods of ${this.node} (timeout ${this.policy.drainTimeout})`);
    const { drainNode } = drainer(this.policy.drainTimeout);
    const request = {
      ...this.checks.act('drain'),
      timeout: this.policy.drainTimeout,
      deleteEmptyDirData: this.policy.deleteEmptyDirData,
    };
    let report = await this.drained(await drainNode({ ...request, unmanagedPods: 'skip' }));
    if (report.unmanaged.length > 0 && this.policy.unmanagedPods === 'approve') {
      const names = report.unmanaged.map((p) => `${p.namespace}/${p.name}`).join(', ');
      const detail = `delete pods without a controller: ${names}`;
      if (
        await this.approval({ action: 'delete-unmanaged-pods', detail }, [
          this.approvalRung(this.policy.approvalTimeout),
        ])
      ) {
        const health = this.checks.fresh ? await this.read(report.workloads) : undefined;
        if (health?.ready === 'True') this.record(`${this.node} is Ready again: left ${names} in place`);
        else report = await this.drained(await drainNode({ ...request, unmanagedPods: 'delete' }));
      }
    }
    return report.outcome === 'timed-out' ? undefined : report.workloads;
  }

  /** Records a drain's report; a drain stopped because the node was taken back or deleted ends the recovery. */
  private async drained(report: DrainSummary): Promise<DrainSummary> {
    this.blockingPdbs = report.blockingPdbs;
    this.record(...report.lines);
    if (report.outcome === 'taken-back') this.end(await this.stopForHuman());
    if (report.outcome === 'node-gone') this.end(await this.endGone(report.workloads));
    return report;
  }

  private async replace(workloads: WorkloadRef[]): Promise<NodeRecoveryResult> {
    const { provider } = this.policy;
    const detail = `${this.node} stayed down for ${this.policy.nodeRecoveryWindow}: replace it through ${provider}`;
    if (provider === 'none')
      return this.escalate(`${this.node} did not recover and no node provider is configured`);
    const rung = this.approvalRung(this.policy.approvalTimeout);
    if (
      this.policy.replacementRequiresApproval &&
      !(await this.approval({ action: 'replace-node', detail }, [rung]))
    )
      return this.escalate(`replacement of ${this.node} ${this.refusal}`);
    if (this.checks.cordoned && !this.policy.dryRun) {
      const health = await this.read(workloads);
      // Back while the approval was pending (or at the last moment): nothing to replace.
      if (this.checks.fresh && health.ready === 'True') return this.recovered(workloads);
    }
    this.enter('Replacing', detail);
    const replaced = await k8s.replaceNode({ ...this.checks.act('replace'), provider });
    this.record(replaced.detail);
    if (replaced.outcome === 'taken-back') return this.stopForHuman();
    if (replaced.outcome === 'handed-off') return this.escalate(replaced.detail);
    this.undo.discharge(CORDON); // the old node is gone or going; there is nothing to uncordon
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
      const health = await this.read([]);
      if (health.ready !== 'True' && health.ready !== 'gone') {
        this.record(`${this.node} turned ${health.ready === 'False' ? 'NotReady' : 'Unknown'}: drain it`);
        return this.drainAndRecover();
      }
      if (!health.pressure?.includes(pressure)) {
        await this.uncordon(`${pressure} cleared`);
        return this.finish('Recovered', 'recovered', `${pressure} on ${this.node} cleared`);
      }
      if (pressure === 'MemoryPressure') {
        const relief = pressureReliefOf(await k8s.relievePressure(this.checks.act(pressure)));
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
}
