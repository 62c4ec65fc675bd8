/**
 * The detector's storage source over a fake Warning Event informer, a recording alert sink and a
 * manual clock: a volume Event becomes one storage alert per target, however often it repeats, and
 * the alert clears after ten quiet minutes. Events go through the informer's callbacks, as watch
 * events do.
 */
import type { CoreV1Event, V1Node } from '@kubernetes/client-node';
import type { DetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { trimEvent } from '../../src/activities/kubernetes/watch';
import { staticConfigSource } from '../../src/config/config-source';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import type { AnalysisFinding, AnalysisTarget } from '../../src/domain';
import { silentLogger } from '../../src/logging';
import type { AnalysisAlerts, RecoveryGateway } from '../../src/starter/detector';
import { createDetector } from '../../src/starter/detector';
import { STORAGE_QUIET_MS } from '../../src/starter/detector/storage-source';
import { FakeInformer, ManualClock, T0, iso } from '../support/pod-source-fakes';

function event(
  name: string,
  options: { reason?: string; type?: string; pod?: string; count?: number; at?: number } = {},
): CoreV1Event {
  return {
    metadata: { name, namespace: 'shop' },
    type: options.type ?? 'Warning',
    reason: options.reason ?? 'FailedMount',
    message: 'MountVolume.SetUp failed for volume "data": mount failed: exit status 32',
    involvedObject: { kind: 'Pod', namespace: 'shop', name: options.pod ?? 'db-0' },
    count: options.count ?? 1,
    lastTimestamp: iso(options.at ?? T0) as unknown as Date,
  } as CoreV1Event;
}

class RecordingAlerts implements AnalysisAlerts {
  alerts: AnalysisFinding[] = [];
  clears: { rule: string; target: AnalysisTarget }[] = [];
  alert(finding: AnalysisFinding) {
    this.alerts.push(finding);
  }
  cleared(rule: string, target: AnalysisTarget) {
    this.clears.push({ rule, target });
  }
}

const unexpected = () => Promise.reject(new Error('no recovery expected: only the storage source runs'));
const noRecoveries: RecoveryGateway = {
  start: unexpected,
  signal: unexpected,
  startWorkload: unexpected,
  signalWorkload: unexpected,
};

function setup(initial: CoreV1Event[] = [], configData: Record<string, string> = {}) {
  const clock = new ManualClock();
  const events = new FakeInformer<CoreV1Event>(initial);
  const kubernetes: DetectorKubernetes = {
    nodeInformer: () => new FakeInformer<V1Node>(),
    configMapInformer: () => {
      throw new Error('not used');
    },
    warningEventInformer: () => events,
    events: { record: async () => true },
  };
  const alerts = new RecordingAlerts();
  const detector = createDetector({
    kubernetes,
    recoveries: noRecoveries,
    alerts,
    configSource: staticConfigSource(parseRecoveryConfig(configData)),
    clock,
    logger: silentLogger,
    sources: ['events'],
  });
  return { clock, events, alerts, detector };
}

describe('storage problems from Warning Events', () => {
  it('a FailedMount Event on a pod is one storage alert for the pod, however often it repeats', async () => {
    const { clock, events, alerts, detector } = setup();
    await detector.start();
    events.put(event('db-0.1'));
    await clock.advance(120_000);
    events.put(event('db-0.1', { count: 2, at: clock.now() }));
    events.put(event('db-0.2', { reason: 'FailedAttachVolume', at: clock.now() }));
    await clock.advance(120_000);
    events.put(event('db-0.1', { count: 6, at: clock.now() }));
    expect(alerts.alerts).toEqual([
      expect.objectContaining({
        rule: 'storage',
        type: 'storage',
        target: { kind: 'pod', namespace: 'shop', name: 'db-0' },
        evidence: expect.objectContaining({ members: ['FailedMount'] }),
      }),
    ]);
    expect(alerts.alerts[0]?.summary).toContain('volume mount failed for Pod shop/db-0');
    expect(detector.stats().storage).toMatchObject({ firing: 1, alerts: 1, cleared: 0 });
    await detector.stop();
  });

  it('clears the alert once no volume Event about the target came for ten minutes, not before', async () => {
    const { clock, events, alerts, detector } = setup();
    await detector.start();
    events.put(event('db-0.1'));
    await clock.advance(300_000);
    events.put(event('db-0.1', { count: 3, at: clock.now() }));
    const last = clock.now();
    await clock.advance(STORAGE_QUIET_MS - 60_000);
    expect(alerts.clears).toEqual([]);
    await clock.advance(120_000);
    expect(alerts.clears).toEqual([
      { rule: 'storage', target: { kind: 'pod', namespace: 'shop', name: 'db-0' } },
    ]);
    expect(clock.now() - last).toBeGreaterThanOrEqual(STORAGE_QUIET_MS);
    // A new failure after that is a new alert.
    events.put(event('db-0.1', { count: 4, at: clock.now() }));
    expect(alerts.alerts).toHaveLength(2);
    await detector.stop();
  });

  it('ignores Events older than the quiet period (the first LIST), Normal Events and other reasons', async () => {
    const old = event('db-0.old', { at: T0 - STORAGE_QUIET_MS });
    const { clock, events, alerts, detector } = setup([old]);
    await detector.start();
    events.put(event('db-1.1', { pod: 'db-1', type: 'Normal', reason: 'SuccessfulAttachVolume' }));
    events.put(event('db-2.1', { pod: 'db-2', reason: 'BackOff' }));
    await clock.advance(1_000);
    expect(alerts.alerts).toEqual([]);
    await detector.stop();
  });

  it('raises nothing when storage is not in analysis.rules, or analysis is disabled', async () => {
    const configs: Record<string, string>[] = [
      { 'analysis.rules': 'cpu,partition' },
      { 'analysis.enabled': 'false' },
    ];
    for (const configData of configs) {
      const { events, alerts, detector } = setup([], configData);
      await detector.start();
      events.put(event('db-0.1'));
      expect(alerts.alerts).toEqual([]);
      await detector.stop();
    }
  });

  it('trims an Event to what the rule reads', () => {
    const full = {
      ...event('db-0.1'),
      metadata: { name: 'db-0.1', namespace: 'shop', managedFields: [{ manager: 'kubelet' }] },
      source: { component: 'kubelet', host: 'n1' },
      message: 'x'.repeat(5_000),
      involvedObject: { kind: 'Pod', namespace: 'shop', name: 'db-0', uid: 'u', fieldPath: 'spec' },
      lastTimestamp: new Date(T0),
    } as unknown as CoreV1Event;
    const trimmed = trimEvent(full);
    expect(trimmed).toMatchObject({
      type: 'Warning',
      reason: 'FailedMount',
      count: 1,
      lastTimestamp: iso(T0),
      involvedObject: { kind: 'Pod', namespace: 'shop', name: 'db-0' },
    });
    expect(trimmed.message).toHaveLength(1_000);
    expect(trimmed).not.toHaveProperty('source');
    expect(trimmed.metadata).not.toHaveProperty('managedFields');
  });
});
