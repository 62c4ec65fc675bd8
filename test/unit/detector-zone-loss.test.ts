/**
 * A zone lost together (label `topology.kubernetes.io/zone`) is a storm, not N node recoveries:
 * the pure storm rules over zone losses, and the detector over a fake node informer, a recording
 * gateway and alert sink, and a manual clock.
 */
import type { V1Node } from '@kubernetes/client-node';
import type { DetectorKubernetes, EventToRecord } from '../../src/activities/kubernetes/watch';
import { staticConfigSource } from '../../src/config/config-source';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import type { AnalysisFinding, AnalysisTarget, Evidence, NodeRecoveryInput } from '../../src/domain';
import { ZONE_LABEL } from '../../src/domain/analysis';
import { silentLogger } from '../../src/logging';
import type { AnalysisAlerts, DetectorEvent, RecoveryGateway } from '../../src/starter/detector';
import { createDetector } from '../../src/starter/detector';
import type { StormState } from '../../src/starter/detector/storm-rules';
import { calmStorm, evaluateStorm, zoneLossesOf } from '../../src/starter/detector/storm-rules';
import { FakeInformer, ManualClock, T0, iso } from '../support/pod-source-fakes';

function node(
  name: string,
  zone: string | undefined,
  ready: 'True' | 'False' | 'Unknown',
  since = T0,
): V1Node {
  return {
    metadata: { name, labels: zone ? { [ZONE_LABEL]: zone } : {} },
    status: { conditions: [{ type: 'Ready', status: ready, lastTransitionTime: iso(since) }] },
  } as unknown as V1Node;
}

/** Three zones of three nodes, and three nodes without a zone: 12 nodes. */
const cluster = () => [
  ...['a', 'b', 'c'].flatMap((z) => [1, 2, 3].map((i) => node(`${z}${i}`, `zone-${z}`, 'True'))),
  ...[1, 2, 3].map((i) => node(`x${i}`, undefined, 'True')),
];

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

class NodeRecoveries implements RecoveryGateway {
  started: NodeRecoveryInput[] = [];
  async start(input: NodeRecoveryInput) {
    this.started.push(input);
    return { workflowId: `node-recovery/${input.node}`, runId: 'run-1' };
  }
  async signal(_node: string, _evidence: Evidence) {
    return 'not-found' as const;
  }
  async startWorkload(): Promise<never> {
    throw new Error('no workload recovery expected');
  }
  async signalWorkload(): Promise<never> {
    throw new Error('no workload recovery expected');
  }
}

function setup(configData: Record<string, string> = {}) {
  const clock = new ManualClock();
  const informer = new FakeInformer<V1Node>(cluster());
  const events: EventToRecord[] = [];
  const kubernetes: DetectorKubernetes = {
    nodeInformer: () => informer,
    configMapInformer: () => {
      throw new Error('not used');
    },
    events: { record: async (e) => (events.push(e), true) },
  };
  const recoveries = new NodeRecoveries();
  const alerts = new RecordingAlerts();
  const configSource = staticConfigSource(
    parseRecoveryConfig({
      health_check_interval: '10',
      node_failure_threshold: '1',
      storm_threshold_percent: '40',
      storm_cooldown: '60',
      ...configData,
    }),
  );
  const detector = createDetector({
    kubernetes,
    recoveries,
    alerts,
    configSource,
    clock,
    logger: silentLogger,
  });
  const seen: DetectorEvent[] = [];
  detector.subscribe((e) => seen.push(e));
  return { clock, informer, events, recoveries, alerts, detector, seen };
}

const stormPhases = (seen: DetectorEvent[]) => seen.flatMap((e) => (e.type === 'storm' ? [e.phase] : []));

describe('a zone lost together', () => {
  it('is a storm with one partition alert, not three recoveries, and Ready once the zone is back', async () => {
    const { clock, informer, events, recoveries, alerts, detector, seen } = setup();
    await detector.start();
    for (const name of ['a1', 'a2', 'a3']) informer.put(node(name, 'zone-a', 'False', T0));
    await clock.advance(30_000);
    // A kubelet going silent after NotReady: more evidence, still the same zone loss.
    informer.put(node('a1', 'zone-a', 'Unknown', T0 + 20_000));
    await clock.advance(30_000);

    expect(recoveries.started).toEqual([]);
    expect(detector.stats().storm).toMatchObject({
      active: true,
      blocking: true,
      reason: 'zone zone-a lost: 3 of 3 nodes',
    });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'RemediationStorm',
        message: expect.stringContaining('zone zone-a lost: 3 of 3 nodes'),
      }),
    ]);
    expect(alerts.alerts).toEqual([
      expect.objectContaining({
        rule: 'partition',
        type: 'partition',
        target: { kind: 'zone', name: 'zone-a' },
        severity: 'critical',
        evidence: expect.objectContaining({ value: 3, threshold: 3, members: ['a1', 'a2', 'a3'] }),
      }),
    ]);
    expect(stormPhases(seen)).toEqual(['started']);

    // Two nodes come back: 1 of 3 lost is no zone loss; the zone's alert is told Ready.
    informer.put(node('a1', 'zone-a', 'True', clock.now()));
    informer.put(node('a2', 'zone-a', 'True', clock.now()));
    await clock.advance(1_000);
    expect(alerts.clears).toEqual([{ rule: 'partition', target: { kind: 'zone', name: 'zone-a' } }]);
    expect(detector.stats().storm).toMatchObject({ active: false, blocking: true });
    // The cooldown passes: the node still down is remediated alone.
    await clock.advance(60_000);
    expect(recoveries.started.map((r) => r.node)).toEqual(['a3']);
    expect(stormPhases(seen)).toEqual(['started', 'cleared', 'resumed']);
    expect(alerts.alerts).toHaveLength(1);
    await detector.stop();
  });

  it('nodes of different zones failing one each are no zone loss: each gets its recovery', async () => {
    const { clock, informer, recoveries, alerts, detector } = setup();
    await detector.start();
    for (const [name, zone] of [
      ['a1', 'zone-a'],
      ['b1', 'zone-b'],
      ['c1', 'zone-c'],
    ] as const)
      informer.put(node(name, zone, 'False', T0));
    await clock.advance(30_000);
    expect(detector.stats().storm.active).toBe(false);
    expect(recoveries.started.map((r) => r.node).sort()).toEqual(['a1', 'b1', 'c1']);
    expect(alerts.alerts).toEqual([]);
    await detector.stop();
  });

  it('still holds remediation, without an alert, when the partition rule is not in analysis.rules', async () => {
    const { clock, informer, recoveries, alerts, detector } = setup({ 'analysis.rules': 'cpu,storage' });
    await detector.start();
    for (const name of ['b1', 'b2', 'b3']) informer.put(node(name, 'zone-b', 'Unknown', T0));
    await clock.advance(30_000);
    expect(recoveries.started).toEqual([]);
    expect(detector.stats().storm.reason).toBe('zone zone-b lost: 3 of 3 nodes');
    expect(alerts.alerts).toEqual([]);
    await detector.stop();
  });
});

describe('storm rules over zones', () => {
  const config = parseRecoveryConfig({ storm_threshold_percent: '40', storm_window: '300' });
  const view = (name: string, zone: string, healthy: boolean, since?: number) => ({
    name,
    labels: { [ZONE_LABEL]: zone },
    healthy,
    since,
  });
  const step = (previous: StormState, nodes: ReturnType<typeof view>[], now: number) =>
    evaluateStorm(previous, {
      onsets: nodes.flatMap((n) => (n.healthy ? [] : [n.since ?? now])),
      total: 20,
      now,
      config,
      zones: zoneLossesOf(nodes, now, config),
    });

  it('starts at partition_percent of a zone lost within the storm window, not below it', () => {
    const fourOfFive = [1, 2, 3, 4, 5].map((i) => view(`a${i}`, 'a', i === 5, T0));
    expect(step(calmStorm, fourOfFive, T0)).toMatchObject({
      active: true,
      reason: 'zone a lost: 4 of 5 nodes',
    });
    const threeOfFive = [1, 2, 3, 4, 5].map((i) => view(`a${i}`, 'a', i >= 4, T0));
    expect(step(calmStorm, threeOfFive, T0).active).toBe(false);
  });

  it('never judges a zone of one node, and does not start on a zone lost before the window', () => {
    expect(step(calmStorm, [view('a1', 'a', false, T0)], T0).active).toBe(false);
    const old = [view('a1', 'a', false, T0 - 400_000), view('a2', 'a', false, T0 - 400_000)];
    expect(step(calmStorm, old, T0).active).toBe(false);
  });

  it('holds while the zone stays lost after the window, then clears into the cooldown', () => {
    const lost = [view('a1', 'a', false, T0), view('a2', 'a', false, T0)];
    const storm = step(calmStorm, lost, T0);
    const later = T0 + 3_600_000;
    expect(step(storm, lost, later)).toMatchObject({
      active: true,
      zones: [{ zone: 'a', lost: ['a1', 'a2'] }],
    });
    const back = step(storm, [lost[0]!, view('a2', 'a', true)], later);
    expect(back).toMatchObject({ active: false, clearedAt: later });
    expect(back.zones).toBeUndefined();
  });
});
