/**
 * The pod source's timing over in-memory informers, a recording gateway and a manual clock (the
 * detector's injectable clock): confirmation window and flapping, start retries with backoff,
 * per-workload order of calls, one Ready per healthy spell, live config, opt-outs, and one workload
 * across the ReplicaSets of a Deployment. Objects go through the informers' callbacks, as watch
 * events do.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { DetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { staticConfigSource } from '../../src/config/config-source';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import { silentLogger } from '../../src/logging';
import type { DetectorEvent } from '../../src/starter/detector';
import { createDetector, START_RETRY } from '../../src/starter/detector';
import {
  FakeInformer,
  iso,
  FakeWorkloadGateway,
  ManualClock,
  T0,
  namespace,
  pod,
  replicaSet,
} from '../support/pod-source-fakes';

const WEB = 'Deployment/shop/web';
const WINDOW_S = 30;

function setup(configData: Record<string, string> = {}) {
  const clock = new ManualClock();
  const pods = new FakeInformer([pod('web-1'), pod('web-2')]);
  const replicaSets = new FakeInformer([replicaSet('web-a'), replicaSet('web-b')]);
  const namespaces = new FakeInformer([namespace('shop')]);
  const kubernetes: DetectorKubernetes = {
    nodeInformer: () => new FakeInformer<V1Node>(),
    configMapInformer: () => {
      throw new Error('not used');
    },
    podSourceInformers: () => ({ pods, replicaSets, namespaces }),
    events: { record: async () => true },
  };
  const gateway = new FakeWorkloadGateway(clock);
  const configSource = staticConfigSource(
    parseRecoveryConfig({ 'workload.confirmation_window': String(WINDOW_S), ...configData }),
  );
  const detector = createDetector({
    kubernetes,
    recoveries: gateway,
    configSource,
    clock,
    logger: silentLogger,
    sources: ['pods'],
  });
  const seen: DetectorEvent[] = [];
  detector.subscribe((e) => seen.push(e));
  return { clock, pods, replicaSets, namespaces, gateway, configSource, detector, seen };
}

type Setup = ReturnType<typeof setup>;

/** Starts the detector and lets web-1 crash-loop until its failure is confirmed and the start resolved. */
async function confirmedFailure(s: Setup, name = 'web-1') {
  await s.detector.start();
  s.pods.put(pod(name, { waiting: 'CrashLoopBackOff' }));
  await s.clock.advance(WINDOW_S * 1_000);
}

describe('confirmation window', () => {
  it('starts nothing for a pod failing a moment less than workload.confirmation_window, and starts at the window', async () => {
    const s = setup();
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000 - 1);
    expect(s.gateway.calls).toEqual([]);
    await s.clock.advance(1);
    expect(s.gateway.story()).toEqual(['start web-1', 'started']);
    expect(s.gateway.inputs[0]).toMatchObject({
      workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
      reason: 'CrashLoopBackOff',
      detectedAt: new Date(T0 + WINDOW_S * 1_000).toISOString(),
    });
    await s.detector.stop();
  });

  it('starts nothing for a pod that heals before the window ends, and counts a new episode from zero', async () => {
    const s = setup();
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(20_000);
    s.pods.put(pod('web-1'));
    await s.clock.advance(1_000);
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000 - 1);
    expect(s.gateway.calls).toEqual([]);
    await s.clock.advance(1);
    expect(s.gateway.starts()).toHaveLength(1);
    await s.detector.stop();
  });

  it('never triggers on a flapping pod whose failing spells are shorter than the window', async () => {
    const s = setup();
    await s.detector.start();
    for (let i = 0; i < 20; i++) {
      s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
      await s.clock.advance((WINDOW_S - 1) * 1_000);
      s.pods.put(pod('web-1'));
      await s.clock.advance(1_000);
    }
    await s.clock.advance(600_000);
    expect(s.gateway.calls).toEqual([]);
    expect(s.detector.stats().pods).toMatchObject({ unhealthyPods: 0, unhealthy: [] });
    await s.detector.stop();
  });
});

describe('start retries', () => {
  it('retries a failed start after 1 s, 2 s, 4 s … capped at 60 s while the workload keeps failing', async () => {
    const s = setup();
    s.gateway.failStarts = 9;
    await confirmedFailure(s);
    await s.clock.advance(600_000);
    const firedAt = T0 + WINDOW_S * 1_000;
    const delays = s.gateway.starts().map((c, i, all) => c.at - (i === 0 ? firedAt : all[i - 1]!.at));
    expect(delays).toEqual([0, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(START_RETRY).toEqual({ initialMs: 1_000, maxMs: 60_000 });
    expect(s.gateway.calls.filter((c) => c.type === 'started')).toHaveLength(1);
    expect(s.detector.stats().pods?.starts).toEqual({ calls: 10, failures: 9 });
    expect(s.seen.filter((e) => e.type === 'workload-recovery-start-failed').map((e) => e.type)).toHaveLength(
      9,
    );
    await s.detector.stop();
  });

  it('retries with a pod that still fails when the first one is gone', async () => {
    const s = setup();
    s.gateway.failStarts = 1;
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    s.pods.put(pod('web-2', { waiting: 'ImagePullBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000);
    s.pods.remove('web-1', 'shop');
    await s.clock.advance(1_000);
    expect(s.gateway.starts().map((c) => c.type === 'start' && c.pod)).toEqual(['web-1', 'web-2']);
    await s.detector.stop();
  });

  it('stops retrying once the workload is healthy again', async () => {
    const s = setup();
    s.gateway.failStarts = 100;
    await confirmedFailure(s);
    await s.clock.advance(3_000);
    expect(s.gateway.starts()).toHaveLength(3);
    s.pods.put(pod('web-1'));
    await s.clock.advance(3_600_000);
    expect(s.gateway.starts()).toHaveLength(3);
    expect(s.detector.stats().pods?.unhealthy).toEqual([]);
    await s.detector.stop();
  });
});

describe('order of calls per workload', () => {
  it('sends the evidence of a second pod and the Ready only after the start before them resolved', async () => {
    const s = setup();
    s.gateway.hold = true;
    await confirmedFailure(s);
    s.pods.put(pod('web-2', { waiting: 'ImagePullBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000);
    s.pods.put(pod('web-1'));
    s.pods.put(pod('web-2'));
    await s.clock.advance(60_000);
    // The start is still held open: nothing may overtake it.
    expect(s.gateway.story()).toEqual(['start web-1']);
    s.gateway.release();
    await s.clock.advance(0);
    expect(s.gateway.story()).toEqual([
      'start web-1',
      'started',
      'signal web-2 ImagePullBackOff',
      'signal Ready',
    ]);
    await s.detector.stop();
  });

  it('keeps the order when the start takes seconds to resolve', async () => {
    const s = setup();
    s.gateway.startLatencyMs = 5_000;
    await confirmedFailure(s);
    s.pods.put(pod('web-1'));
    await s.clock.advance(20_000);
    expect(s.gateway.story()).toEqual(['start web-1', 'started', 'signal Ready']);
    const [, started, ready] = s.gateway.calls;
    expect(ready!.at).toBeGreaterThanOrEqual(started!.at);
    await s.detector.stop();
  });
});

describe('Ready', () => {
  it('sends exactly one Ready per healthy spell, and one more after a relapse and a new start', async () => {
    const s = setup();
    await confirmedFailure(s);
    s.pods.put(pod('web-1', { rv: '2' }));
    await s.clock.advance(10_000);
    for (let i = 3; i < 8; i++) s.pods.put(pod('web-1', { rv: String(i) }));
    await s.clock.advance(60_000);
    expect(s.gateway.readies()).toHaveLength(1);
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff', rv: '9' }));
    await s.clock.advance(WINDOW_S * 1_000);
    s.pods.put(pod('web-1', { rv: '10' }));
    await s.clock.advance(60_000);
    expect(s.gateway.story()).toEqual([
      'start web-1',
      'started',
      'signal Ready',
      'start web-1',
      'started',
      'signal Ready',
    ]);
    await s.detector.stop();
  });

  it('sends no Ready while a second confirmed pod still fails, and one when it heals too', async () => {
    const s = setup();
    await confirmedFailure(s);
    s.pods.put(pod('web-2', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000);
    s.pods.put(pod('web-1'));
    await s.clock.advance(60_000);
    expect(s.gateway.readies()).toEqual([]);
    s.pods.put(pod('web-2'));
    await s.clock.advance(60_000);
    expect(s.gateway.readies()).toHaveLength(1);
    await s.detector.stop();
  });

  it('sends no Ready for a workload whose recovery this process never started', async () => {
    const s = setup();
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(10_000);
    s.pods.put(pod('web-1'));
    await s.clock.advance(60_000);
    expect(s.gateway.calls).toEqual([]);
    await s.detector.stop();
  });
});

describe('live config', () => {
  it('applies a longer confirmation window to a pod already counting', async () => {
    const s = setup();
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(10_000);
    s.configSource.set(parseRecoveryConfig({ 'workload.confirmation_window': '90' }));
    await s.clock.advance(WINDOW_S * 1_000);
    expect(s.gateway.calls).toEqual([]);
    await s.clock.advance(50_000 - 1);
    expect(s.gateway.calls).toEqual([]);
    await s.clock.advance(1);
    expect(s.gateway.starts()).toHaveLength(1);
    await s.detector.stop();
  });

  it('confirms at once a pod that has already failed longer than a shorter window', async () => {
    const s = setup();
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(20_000);
    expect(s.gateway.calls).toEqual([]);
    s.configSource.set(parseRecoveryConfig({ 'workload.confirmation_window': '10' }));
    await s.clock.advance(0);
    expect(s.gateway.starts()).toEqual([expect.objectContaining({ at: T0 + 20_000 })]);
    await s.detector.stop();
  });
});

describe('opt-outs', () => {
  const label = 'self-healing.temporal.io/exclude';

  it('starts nothing for a pod, a bare ReplicaSet or a namespace labelled opted out, and says why once', async () => {
    const s = setup();
    s.replicaSets.put(replicaSet('bare', { deployment: null, labels: { [label]: 'true' } }));
    s.namespaces.put(namespace('quiet', { [label]: 'true' }));
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff', labels: { [label]: 'true' } }));
    s.pods.put(
      pod('bare-1', {
        waiting: 'CrashLoopBackOff',
        owners: [{ kind: 'ReplicaSet', name: 'bare', controller: true }],
      }),
    );
    s.pods.put(pod('q-1', { namespace: 'quiet', waiting: 'CrashLoopBackOff', owners: [] }));
    await s.clock.advance(WINDOW_S * 1_000);
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff', labels: { [label]: 'true' }, rv: '2' }));
    await s.clock.advance(600_000);
    expect(s.gateway.calls).toEqual([]);
    const suppressed = s.seen.flatMap((e) =>
      e.type === 'finding-suppressed' && 'workload' in e ? [`${e.workload} ${e.detail}`] : [],
    );
    expect(suppressed.sort()).toEqual([
      `Deployment/shop/web pod label ${label}=true`,
      `Pod/quiet/q-1 namespace label ${label}=true`,
      `ReplicaSet/shop/bare workload label ${label}=true`,
    ]);
    expect(s.detector.stats().pods?.suppressed).toEqual({ optedOut: 3 });
    await s.detector.stop();
  });

  it('starts a recovery once the namespace opt-out label is removed, live', async () => {
    const s = setup();
    s.namespaces.put(namespace('shop', { [label]: 'true' }));
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000 + 5_000);
    expect(s.gateway.calls).toEqual([]);
    s.namespaces.put(namespace('shop'));
    await s.clock.advance(0);
    expect(s.gateway.story()).toEqual(['start web-1', 'started']);
    await s.detector.stop();
  });
});

describe('grouping', () => {
  it('groups the pods of two ReplicaSets of one Deployment as one workload: one start, the other pod as evidence', async () => {
    const s = setup();
    await s.detector.start();
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    s.pods.put(
      pod('web-b-1', {
        waiting: 'ImagePullBackOff',
        owners: [{ kind: 'ReplicaSet', name: 'web-b', controller: true }],
      }),
    );
    await s.clock.advance(WINDOW_S * 1_000);
    expect(s.gateway.starts().map((c) => c.workload)).toEqual([WEB]);
    expect(s.gateway.calls.filter((c) => c.type === 'signal')).toEqual([
      expect.objectContaining({ workload: WEB, pod: 'web-b-1', reason: 'ImagePullBackOff' }),
    ]);
    expect(s.detector.stats().pods?.unhealthy).toEqual([
      expect.objectContaining({ workload: WEB, pods: ['shop/web-1', 'shop/web-b-1'], started: true }),
    ]);
    await s.detector.stop();
  });
});

describe('Ready during a rollout, a rollback or a pod replaced by the recovery', () => {
  it('sends no Ready while the replacement of a deleted failing pod is Pending, and reports it when it fails', async () => {
    const s = setup();
    await confirmedFailure(s);
    // The recovery evicts web-1; its ReplicaSet creates web-3 at once, which crash-loops seconds later.
    s.pods.remove('web-1', 'shop');
    s.pods.put(pod('web-3', { phase: 'Pending', waiting: 'ContainerCreating' }));
    await s.clock.advance(8_000);
    s.pods.put(pod('web-3', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000);
    expect(s.gateway.story()).toEqual(['start web-1', 'started', 'signal web-3 CrashLoopBackOff']);
    await s.detector.stop();
  });

  it('sends no Ready when a replacement is Ready for less than the settle time and then crashes', async () => {
    const s = setup();
    await confirmedFailure(s);
    s.pods.remove('web-1', 'shop');
    s.pods.put(pod('web-3'));
    await s.clock.advance(1_500);
    s.pods.put(pod('web-3', { ready: false, restartCount: 1 }));
    await s.clock.advance(10_000);
    s.pods.put(pod('web-3', { waiting: 'CrashLoopBackOff', restartCount: 1 }));
    await s.clock.advance(WINDOW_S * 1_000);
    expect(s.gateway.readies()).toEqual([]);
    expect(s.gateway.story()).toEqual(['start web-1', 'started', 'signal web-3 CrashLoopBackOff']);
    await s.detector.stop();
  });

  it('sends no Ready while a ReplicaSet of the workload has fewer pods than it wants, and one once they are all Ready', async () => {
    const s = setup();
    s.replicaSets.put(replicaSet('web-a', { replicas: 2 }));
    await confirmedFailure(s);
    s.pods.remove('web-1', 'shop');
    await s.clock.advance(10_000);
    expect(s.gateway.readies()).toEqual([]);
    s.pods.put(pod('web-3', { phase: 'Pending', ready: false }));
    await s.clock.advance(10_000);
    expect(s.gateway.readies()).toEqual([]);
    s.pods.put(pod('web-3'));
    await s.clock.advance(1_999);
    expect(s.gateway.readies()).toEqual([]);
    await s.clock.advance(1);
    expect(s.gateway.readies()).toEqual([expect.objectContaining({ workload: WEB, at: T0 + 52_000 })]);
    await s.detector.stop();
  });

  it('sends one Ready after a rollback once the old ReplicaSet is back to its pods, all Ready', async () => {
    const s = setup();
    // A bad rollout: web-b (new) has one crash-looping pod; web-a (old) keeps web-1 and web-2.
    s.replicaSets.put(replicaSet('web-a', { replicas: 2 }));
    s.replicaSets.put(replicaSet('web-b', { replicas: 1 }));
    await s.detector.start();
    const onB = [{ kind: 'ReplicaSet', name: 'web-b', controller: true }];
    s.pods.put(pod('web-b-1', { waiting: 'CrashLoopBackOff', owners: onB }));
    await s.clock.advance(WINDOW_S * 1_000);
    // Rolled forward one more step before the rollback: web-a down to 1.
    s.replicaSets.put(replicaSet('web-a', { replicas: 1 }));
    s.pods.put(pod('web-2', { deleting: true }));
    s.pods.remove('web-2', 'shop');
    await s.clock.advance(1_000);
    // The rollback: web-b scaled to 0 (its pod deleted), web-a back to 2 (a new pod, Pending).
    s.replicaSets.put(replicaSet('web-b', { replicas: 0 }));
    s.replicaSets.put(replicaSet('web-a', { replicas: 2 }));
    s.pods.put(pod('web-b-1', { waiting: 'CrashLoopBackOff', owners: onB, deleting: true }));
    await s.clock.advance(5_000);
    s.pods.remove('web-b-1', 'shop');
    s.pods.put(pod('web-4', { phase: 'Pending', ready: false }));
    await s.clock.advance(5_000);
    expect(s.gateway.readies()).toEqual([]);
    s.pods.put(pod('web-4'));
    await s.clock.advance(10_000);
    expect(s.gateway.story()).toEqual(['start web-b-1', 'started', 'signal Ready']);
    await s.detector.stop();
  });

  it('judges again on a ReplicaSet change alone: scaled down to the pods it has, the workload is Ready', async () => {
    const s = setup();
    s.replicaSets.put(replicaSet('web-a', { replicas: 3 }));
    await confirmedFailure(s);
    s.pods.put(pod('web-1'));
    await s.clock.advance(30_000);
    expect(s.gateway.readies()).toEqual([]);
    s.replicaSets.put(replicaSet('web-a', { replicas: 2 }));
    await s.clock.advance(2_000);
    expect(s.gateway.readies()).toEqual([expect.objectContaining({ at: T0 + 62_000 })]);
    await s.detector.stop();
  });

  it('sends no Ready while another pod of the workload is Running but not Ready yet, whatever its owner', async () => {
    const s = setup();
    await confirmedFailure(s);
    s.pods.put(
      pod('web-b-1', { ready: false, owners: [{ kind: 'ReplicaSet', name: 'web-b', controller: true }] }),
    );
    s.pods.put(pod('web-1'));
    await s.clock.advance(30_000);
    expect(s.gateway.readies()).toEqual([]);
    s.pods.put(pod('web-b-1', { owners: [{ kind: 'ReplicaSet', name: 'web-b', controller: true }] }));
    await s.clock.advance(2_000);
    expect(s.gateway.readies()).toHaveLength(1);
    await s.detector.stop();
  });

  it('still sends Ready 2 s after the last failing pod healed when every pod of the workload is Ready', async () => {
    const s = setup();
    s.replicaSets.put(replicaSet('web-a', { replicas: 2 }));
    await confirmedFailure(s);
    s.pods.put(pod('web-1'));
    await s.clock.advance(2_000);
    expect(s.gateway.readies()).toEqual([expect.objectContaining({ at: T0 + WINDOW_S * 1_000 + 2_000 })]);
    await s.detector.stop();
  });
});

describe('bad input through the informers', () => {
  const junk = (name: string, extra: Record<string, unknown>) =>
    ({ metadata: { name, namespace: 'junk' }, ...extra }) as unknown as V1Pod;

  it('reports nothing for pods it cannot read or that fail for no known reason, and keeps working', async () => {
    const s = setup();
    await s.detector.start();
    const odd = [
      junk('no-status', {}),
      junk('null-status', { status: null }),
      junk('status-string', { status: 'Running' }),
      junk('phase-unknown', { status: { phase: 'Unknown' } }),
      junk('odd-conditions', { status: { phase: 'Running', conditions: [null, 3, { type: 'Ready' }] } }),
      junk('odd-containers', {
        status: {
          phase: 'Running',
          containerStatuses: [null, { name: 7 }, { name: 'c', restartCount: 'many', state: 'x' }],
        },
      }),
      junk('unknown-waiting', {
        status: {
          phase: 'Pending',
          containerStatuses: [{ name: 'c', state: { waiting: { reason: 'SomethingNew' } } }],
        },
      }),
      junk('unknown-terminated', {
        status: {
          phase: 'Running',
          containerStatuses: [{ name: 'c', state: { terminated: { reason: 'Vanished', exitCode: 'x' } } }],
        },
      }),
      { metadata: { namespace: 'junk' } } as V1Pod,
      { metadata: { name: 'nameless-namespace' } } as V1Pod,
      { metadata: { name: 'owners-garbage', namespace: 'junk', ownerReferences: 'me' } } as unknown as V1Pod,
    ];
    for (const o of odd) s.pods.put(o);
    for (const o of odd) s.pods.put({ ...o, metadata: { ...o.metadata, resourceVersion: '2' } });
    s.replicaSets.put({ metadata: { name: 'rs-odd', namespace: 'shop', ownerReferences: 'x' } } as never);
    s.replicaSets.put({ metadata: { name: 'rs-spec', namespace: 'shop' }, spec: { replicas: 'x' } } as never);
    s.replicaSets.put({ metadata: {} } as never);
    await s.clock.advance(3_600_000);
    expect(s.gateway.calls).toEqual([]);
    for (const o of odd) s.pods.remove(String(o.metadata?.name), o.metadata?.namespace);
    s.replicaSets.remove('rs-odd', 'shop');
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(WINDOW_S * 1_000);
    expect(s.gateway.story()).toEqual(['start web-1', 'started']);
    await s.detector.stop();
  });

  it('holds a pod of its workload without a status back from Ready, rather than guessing it is fine', async () => {
    const s = setup();
    await confirmedFailure(s);
    s.pods.put({ ...pod('web-3'), status: undefined });
    s.pods.put(pod('web-1'));
    await s.clock.advance(60_000);
    expect(s.gateway.readies()).toEqual([]);
    s.pods.put(pod('web-3'));
    await s.clock.advance(2_000);
    expect(s.gateway.readies()).toHaveLength(1);
    await s.detector.stop();
  });

  it('starts nothing for a failing pod whose ReplicaSet is not in the cache, and reports it once the ReplicaSet arrives', async () => {
    const s = setup();
    await s.detector.start();
    const owners = [{ kind: 'ReplicaSet', name: 'web-c', controller: true }];
    s.pods.put(pod('web-c-1', { waiting: 'CrashLoopBackOff', owners }));
    await s.clock.advance(600_000);
    expect(s.gateway.calls).toEqual([]);
    expect(s.detector.stats().pods?.unhealthyPods).toBe(1);
    s.replicaSets.put(replicaSet('web-c'));
    await s.clock.advance(0);
    expect(s.gateway.starts()).toEqual([expect.objectContaining({ workload: WEB, pod: 'web-c-1' })]);
    await s.detector.stop();
  });

  it('starts nothing for a failing pod whose ReplicaSet was deleted while it failed (the pod is about to be collected)', async () => {
    const s = setup();
    await s.detector.start();
    s.replicaSets.remove('web-a', 'shop');
    s.pods.put(pod('web-1', { waiting: 'CrashLoopBackOff' }));
    await s.clock.advance(600_000);
    expect(s.gateway.calls).toEqual([]);
    await s.detector.stop();
  });

  it('groups pods of ReplicaSets that own themselves or each other as their own ReplicaSet, without looping', async () => {
    const s = setup();
    const rs = (name: string, owner: string) =>
      replicaSet(name, { owners: [{ kind: 'ReplicaSet', name: owner, controller: true }] });
    s.replicaSets.put(rs('self', 'self'));
    s.replicaSets.put(rs('ping', 'pong'));
    s.replicaSets.put(rs('pong', 'ping'));
    await s.detector.start();
    for (const name of ['self', 'ping', 'pong'])
      s.pods.put(
        pod(`${name}-1`, {
          waiting: 'CrashLoopBackOff',
          owners: [{ kind: 'ReplicaSet', name, controller: true }],
        }),
      );
    await s.clock.advance(WINDOW_S * 1_000);
    expect(s.gateway.starts().map((c) => c.workload)).toEqual([
      'ReplicaSet/shop/self',
      'ReplicaSet/shop/ping',
      'ReplicaSet/shop/pong',
    ]);
    for (const name of ['self', 'ping', 'pong'])
      s.pods.put(pod(`${name}-1`, { owners: [{ kind: 'ReplicaSet', name, controller: true }] }));
    await s.clock.advance(2_000);
    expect(s.gateway.readies()).toHaveLength(3);
    await s.detector.stop();
  });
});

describe('detection overhead', () => {
  const windowElapsedAt = T0 + WINDOW_S * 1_000;

  it('measures overheadMs from the confirmation window elapsing to the start resolving', async () => {
    const s = setup();
    s.gateway.startLatencyMs = 250;
    await confirmedFailure(s);
    await s.clock.advance(250);
    const record = s.detector.stats().pods?.recoveries[0];
    expect(record).toMatchObject({
      workload: WEB,
      pod: 'web-1',
      reason: 'CrashLoopBackOff',
      firedAt: iso(windowElapsedAt),
      resolvedAt: iso(windowElapsedAt + 250),
      overheadMs: 250,
    });
    expect(s.seen).toContainEqual({ type: 'workload-recovery-started', record });
    await s.detector.stop();
  });

  it('counts a timer that fires late in the overhead: it runs from the window elapsing, not from when the detector acted', async () => {
    const s = setup();
    s.clock.lateMs = 40;
    await confirmedFailure(s);
    await s.clock.advance(1_000);
    expect(s.detector.stats().pods?.recoveries[0]).toMatchObject({
      firedAt: iso(windowElapsedAt),
      resolvedAt: iso(windowElapsedAt + 40),
      overheadMs: 40,
    });
    await s.detector.stop();
  });

  it('counts failed starts and their backoff in the overhead of the start that succeeds', async () => {
    const s = setup();
    s.gateway.failStarts = 2;
    await confirmedFailure(s);
    await s.clock.advance(3_000);
    expect(s.detector.stats().pods?.recoveries).toEqual([
      expect.objectContaining({ firedAt: iso(windowElapsedAt), overheadMs: 3_000 }),
    ]);
    await s.detector.stop();
  });
});
