/**
 * The storm guard: while too many nodes fail at once, or the nodes of one zone are lost together,
 * no new node remediation starts; it resumes after the storm clears and the cooldown passes. Storm
 * alerts are Events on the config ConfigMap (a storm concerns no single node); a lost zone is
 * also one `partition` finding, routed as an alert and cleared when the zone is no longer lost.
 */
import type { DetectorKubernetes, ObjectRef } from '../../activities/kubernetes/watch';
import { watchRuleActive } from '../../config/analysis-config';
import type { RecoveryConfig } from '../../config/recovery-config';
import type { NodeZoneView, ZoneLoss } from '../../domain/analysis/partition';
import { partitionFindings } from '../../domain/analysis/partition';
import type { Logger } from '../../logging';
import type { Clock, TimerHandle } from './clock';
import type { EventHub } from './event-hub';
import type { StormState } from './storm-rules';
import { calmStorm, evaluateStorm, stormBlocks, zoneLossesOf } from './storm-rules';
import type { AnalysisAlerts } from './types';

export class StormGuard {
  state: StormState = calmStorm;
  private resumeTimer: TimerHandle | undefined;

  /** @param resume called when remediation may resume (the cooldown passed). */
  constructor(
    private readonly deps: {
      clock: Clock;
      logger: Logger;
      hub: EventHub;
      events: DetectorKubernetes['events'];
      alertTarget: ObjectRef;
      alerts: AnalysisAlerts;
    },
    private readonly resume: () => void,
  ) {}

  blocks(now: number): boolean {
    return stormBlocks(this.state, now);
  }

  /** Re-evaluates the storm from every node's health, onset and zone. */
  update(nodes: readonly NodeZoneView[], config: RecoveryConfig): void {
    const { clock, logger, hub, events, alertTarget } = this.deps;
    const now = clock.now();
    const previous = this.state;
    const onsets = nodes.flatMap((n) => (n.healthy ? [] : [n.since ?? now]));
    const zones = zoneLossesOf(nodes, now, config);
    const storm = evaluateStorm(previous, { onsets, total: nodes.length, now, config, zones });
    this.state = storm;
    this.alertZones(previous.zones ?? [], storm.zones ?? [], config);
    if (storm.active && !previous.active) {
      this.cancelResume();
      logger.error('remediation storm: no new node remediation starts', { severity: 'critical', ...storm });
      void events.record({
        involvedObject: alertTarget,
        type: 'Warning',
        reason: 'RemediationStorm',
        message: `${storm.reason}; no new node remediation starts until it clears and the cooldown passes`,
      });
      hub.emit({ type: 'storm', phase: 'started', state: storm });
    } else if (!storm.active && previous.active) {
      logger.warn('remediation storm cleared; cooldown before remediation resumes', { ...storm });
      void events.record({
        involvedObject: alertTarget,
        type: 'Normal',
        reason: 'RemediationStormCleared',
        message: storm.reason,
      });
      hub.emit({ type: 'storm', phase: 'cleared', state: storm });
      this.resumeTimer = clock.setTimer(() => this.resumed(), Math.max(0, (storm.resumeAt ?? now) - now));
    }
  }

  /** One `partition` alert per zone newly lost; `Ready` for each zone no longer lost. */
  private alertZones(before: readonly ZoneLoss[], after: readonly ZoneLoss[], config: RecoveryConfig): void {
    const was = new Set(before.map((z) => z.zone));
    const is = new Set(after.map((z) => z.zone));
    const { alerts, logger } = this.deps;
    for (const finding of partitionFindings(after.filter((z) => !was.has(z.zone)))) {
      logger.error('zone lost: node remediation held', { zone: finding.target.name, ...finding.evidence });
      if (watchRuleActive(config.analysis, 'partition')) alerts.alert(finding);
    }
    for (const zone of was)
      if (!is.has(zone)) {
        logger.info('zone no longer lost', { zone });
        alerts.cleared('partition', { kind: 'zone', name: zone });
      }
  }

  cancelResume(): void {
    if (this.resumeTimer !== undefined) this.deps.clock.clearTimer(this.resumeTimer);
    this.resumeTimer = undefined;
  }

  private resumed(): void {
    this.resumeTimer = undefined;
    this.deps.logger.info('remediation resumes after the storm cooldown', { ...this.state });
    this.deps.hub.emit({ type: 'storm', phase: 'resumed', state: this.state });
    this.resume();
  }
}
