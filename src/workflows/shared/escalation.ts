/**
 * The escalation ladder: while a recovery needs a human (an approval pending, or handed over after
 * an escalation) and nobody has taken it, each level is told at its time after the need began,
 * the design's 5, 15 and 30 minutes (level 1 on-call, 2 manager, 3 director). Durable timers: a
 * worker or server restart neither resets nor loses them. A decision, an acknowledgement, the
 * target healing or the recovery ending stops the ladder.
 */
import { condition, upsertSearchAttributes } from '@temporalio/workflow';
import type { EscalationLevel } from '../../domain';
import { EscalationLevels } from '../../domain';
import { escalationKey } from '../search-attributes';
import { recoveryMetrics } from './metrics';
import type { RecoveryState } from './recovery-state';

export class EscalationLadder {
  private climbing: Promise<void> | undefined;
  /** Bumped by every start and stop, so a stopped climb never touches a later one. */
  private generation = 0;

  constructor(
    private readonly state: RecoveryState,
    /** Seconds after the need began at which levels 1, 2 and 3 are told. */
    private readonly times: readonly number[],
    /** Tells a level; answers where it went. */
    private readonly tell: (level: EscalationLevel) => Promise<string[]>,
  ) {}

  /** Starts calling humans, unless the ladder already runs or a human already took the recovery. */
  start(): void {
    if (this.state.laddering || this.state.humans.acknowledged) return;
    this.state.humans.waitingSince ??= new Date().toISOString();
    this.state.laddering = true;
    const generation = ++this.generation;
    this.climbing = this.climb(generation).finally(() => {
      if (generation === this.generation) this.state.laddering = false;
    });
  }

  /** Stops the ladder (a decision, an acknowledgement, the end of the recovery). */
  stop(): void {
    this.generation++;
    this.state.laddering = false;
  }

  /** Resolves once the ladder ran its course or was stopped. */
  async done(): Promise<void> {
    await this.climbing;
  }

  private async climb(generation: number): Promise<void> {
    const since = Date.parse(this.state.humans.waitingSince ?? new Date().toISOString());
    const reached = new Set(this.state.humans.escalations.map((step) => step.level));
    for (const level of EscalationLevels) {
      if (reached.has(level)) continue;
      const wait = since + (this.times[level - 1] ?? 0) * 1000 - Date.now();
      const stopped = () => generation !== this.generation || this.state.reportedReady;
      if (wait > 0) await condition(stopped, wait);
      if (stopped()) return;
      const at = new Date().toISOString();
      const notified = await this.tell(level);
      this.state.humans.escalations.push({ level, at, notified });
      this.state.record(
        `escalated to level ${level}${notified.length ? `: ${notified.join('; ')}` : ' (no channel configured)'}`,
      );
      upsertSearchAttributes([{ key: escalationKey, value: level }]);
      recoveryMetrics.escalated(this.state.kind, level);
    }
  }
}
