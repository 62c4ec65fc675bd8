/**
 * The storm guard: while too many nodes fail at once, no new node remediation starts; it resumes
 * after the storm clears and the cooldown passes. Storm alerts are Events on the config ConfigMap
 * (a storm concerns no single node).
 */
import type { DetectorKubernetes, ObjectRef } from '../../activities/kubernetes/watch';
import type { RecoveryConfig } from '../../config/recovery-config';
import type { Logger } from '../../logging';
import type { Clock, TimerHandle } from './clock';
import type { EventHub } from './event-hub';
import type { StormState } from './rules';
import { calmStorm, evaluateStorm, stormBlocks } from './rules';

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
    },
    private readonly resume: () => void,
  ) {}

  blocks(now: number): boolean {
    return stormBlocks(this.state, now);
  }

  /** Re-evaluates the storm from the onsets of the nodes' unhealthy episodes. */
  update(onsets: number[], total: number, config: RecoveryConfig): void {
    const { clock, logger, hub, events, alertTarget } = this.deps;
    const now = clock.now();
    const previous = this.state;
    const storm = evaluateStorm(previous, { onsets, total, now, config });
    this.state = storm;
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
