/**
 * The storage source of the detector: Warning Events of volume trouble (FailedAttachVolume,
 * FailedMount, FailedMapVolume, VolumeResizeFailed, … — whatever `storageFindingOfEvent` knows)
 * become `storage` findings, routed as alerts: one per target (the Event's Pod, PVC or Node) while
 * such Events keep coming, `Ready` once none was seen for the target for {@link STORAGE_QUIET_MS}.
 * Runs when `analysis.enabled` and `analysis.rules` has `storage`; no Prometheus needed.
 *
 * Why a quiet period and not the pod's readiness: a volume Event names a Pod, a PVC or a Node, and
 * the kubelet repeats a failing mount every ~2 minutes, so silence is what every kind shares.
 */
import type { CoreV1Event, ObjectInformer } from '../../activities/kubernetes/watch';
import { watchRuleActive } from '../../config/analysis-config';
import type { ConfigSource } from '../../config/config-source';
import type { AnalysisTarget, EventView } from '../../domain/analysis';
import { describeTarget, storageFindingOfEvent, targetKey } from '../../domain/analysis';
import type { Logger } from '../../logging';
import type { Clock, TimerHandle } from './clock';
import { isRecord, timeOf } from './rules';
import type { AnalysisAlerts, StorageSourceStats } from './types';

/** A target's storage alert clears after this long without a volume Event about it. */
export const STORAGE_QUIET_MS = 10 * 60_000;
/** How often quiet targets are looked for. */
const SWEEP_MS = 60_000;

export interface StorageSourceDeps {
  informer: ObjectInformer<CoreV1Event>;
  alerts: AnalysisAlerts;
  configSource: ConfigSource;
  clock: Clock;
  logger: Logger;
}

export class StorageSource {
  /** Targets alerted, by target key: the target and when the latest Event about it happened. */
  private readonly firing = new Map<string, { target: AnalysisTarget; lastSeen: number }>();
  private readonly counters = { alerts: 0, cleared: 0 };
  private sweepTimer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly deps: StorageSourceDeps) {
    deps.informer.on('add', (event) => this.observe(event));
    deps.informer.on('update', (event) => this.observe(event));
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.deps.informer.start();
    this.armSweep();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.sweepTimer !== undefined) this.deps.clock.clearTimer(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.deps.informer.stop();
  }

  stats(): StorageSourceStats {
    return { firing: this.firing.size, ...this.counters, informer: this.deps.informer.stats() };
  }

  private observe(event: CoreV1Event): void {
    if (!this.running || !watchRuleActive(this.deps.configSource.current().analysis, 'storage')) return;
    const view = eventViewOf(event);
    const finding = view && storageFindingOfEvent(view);
    if (!view || !finding) return;
    const now = this.deps.clock.now();
    // An Event from a clock ahead of ours happened now; one older than the quiet period is history
    // (the first LIST brings back up to an hour of Events).
    const lastSeen = Math.min(view.lastSeen ?? now, now);
    if (now - lastSeen >= STORAGE_QUIET_MS) return;
    const key = targetKey(finding.target);
    const firing = this.firing.get(key);
    if (firing) {
      firing.lastSeen = Math.max(firing.lastSeen, lastSeen);
      return;
    }
    this.firing.set(key, { target: finding.target, lastSeen });
    this.counters.alerts += 1;
    this.deps.logger.warn('storage problem', { target: describeTarget(finding.target), reason: view.reason });
    this.deps.alerts.alert(finding);
  }

  private armSweep(): void {
    this.sweepTimer = this.deps.clock.setTimer(() => {
      this.sweepTimer = undefined;
      if (!this.running) return;
      this.sweep();
      this.armSweep();
    }, SWEEP_MS);
  }

  /** Clears the targets without a volume Event for the quiet period (all of them when the rule is off). */
  private sweep(): void {
    const now = this.deps.clock.now();
    const active = watchRuleActive(this.deps.configSource.current().analysis, 'storage');
    for (const [key, { target, lastSeen }] of this.firing)
      if (!active || now - lastSeen >= STORAGE_QUIET_MS) {
        this.firing.delete(key);
        this.counters.cleared += 1;
        this.deps.logger.info('storage problem quiet; alert cleared', { target: describeTarget(target) });
        this.deps.alerts.cleared('storage', target);
      }
  }
}

/**
 * Normalises an Event (trimmed or not) into the {@link EventView} the storage rule reads.
 * @returns undefined without a type, a reason and an involved object's kind and name.
 */
export function eventViewOf(event: unknown): EventView | undefined {
  if (!isRecord(event) || !isRecord(event.involvedObject)) return undefined;
  const { type, reason, message, count, involvedObject: o } = event;
  if (typeof type !== 'string' || typeof reason !== 'string') return undefined;
  if (typeof o.kind !== 'string' || typeof o.name !== 'string' || o.name === '') return undefined;
  const lastSeen = timeOf(event.lastTimestamp) ?? timeOf(event.eventTime);
  return {
    type,
    reason,
    ...(typeof message === 'string' ? { message } : {}),
    involvedObject: {
      kind: o.kind,
      name: o.name,
      ...(typeof o.namespace === 'string' && o.namespace !== '' ? { namespace: o.namespace } : {}),
    },
    ...(typeof count === 'number' ? { count } : {}),
    ...(lastSeen !== undefined ? { lastSeen } : {}),
  };
}
