/**
 * The detector's rules (pure functions over plain objects) and the detector's decisions over a fake
 * informer, a fake recovery gateway and a manual clock: confirmation window, flapping, opt-out,
 * pressure, storm guard, evidence on recovery and deletion, bad node objects.
 */
import type { KubernetesObject, V1Node } from '@kubernetes/client-node';
import { defaultRecoveryConfig, parseRecoveryConfig } from '../../src/config/recovery-config';
import type { RecoveryConfig } from '../../src/config/recovery-config';
import { staticConfigSource } from '../../src/config/config-source';
import type { Clock, DetectorEvent, RecoveryGateway } from '../../src/starter/detector';
import { optOutReason } from '../../src/domain/labels';
import { silentLogger } from '../../src/logging';
import { createDetector, recoveryInputFor } from '../../src/starter/detector';
import type { Episode, StormState } from '../../src/starter/detector/rules';
import {
  calmStorm,
  confirmationWindowMs,
  evaluateStorm,
  isHealthy,
  nextEpisode,
  nodeViewOf,
  pressureOf,
  readyVerdict,
  stormBlocks,
} from '../../src/starter/detector/rules';
import type {
  DetectorKubernetes,
  EventToRecord,
  InformerStats,
  ObjectInformer,
} from '../../src/activities/kubernetes/watch';
import { trimNode } from '../../src/activities/kubernetes/watch';
import type { Evidence, NodeRecoveryInput } from '../../src/domain';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function node(
  name: string,
  ready: 'True' | 'False' | 'Unknown' | undefined,
  options: { since?: number; labels?: Record<string, string>; pressure?: string[]; rv?: string } = {},
): V1Node {
  const conditions = [
    ...(ready
      ? [{ type: 'Ready', status: ready, lastTransitionTime: iso(options.since ?? T0), message: 'm' }]
      : []),
    ...(options.pressure ?? []).map((type) => ({
      type,
      status: 'True',
      lastTransitionTime: iso(options.since ?? T0),
    })),
  ];
  return {
    metadata: { name, labels: options.labels, resourceVersion: options.rv },
    status: { conditions },
  } as unknown as V1Node;
}

// ---------------------------------------------------------------------------------------------
describe('rules over plain node objects', () => {
  it('does not judge a node without status, conditions or a Ready condition, and never throws', () => {
    const bad: unknown[] = [
      undefined,
      null,
      42,
      'node',
      {},
      { metadata: {} },
      { metadata: { name: '' } },
      { metadata: { name: 'n' } },
      { metadata: { name: 'n' }, status: null },
      { metadata: { name: 'n' }, status: { conditions: 'Ready' } },
      { metadata: { name: 'n' }, status: { conditions: [null, 7, { type: 'Ready' }, { status: 'False' }] } },
      { metadata: { name: 'n', labels: 'x' }, status: { conditions: [{ type: 'Ready', status: 'Maybe' }] } },
    ];
    for (const input of bad) {
      const view = nodeViewOf(input);
      if (view) {
        expect(readyVerdict(view)).toEqual({ state: 'unreported' });
        expect(pressureOf(view)).toEqual([]);
      }
    }
    expect(nodeViewOf(undefined)).toBeUndefined();
    expect(nodeViewOf({ metadata: {} })).toBeUndefined();
  });

  it('ignores unknown condition types and reads Ready False as NotReady, Unknown as Unknown', () => {
    const view = nodeViewOf({
      metadata: { name: 'n' },
      status: {
        conditions: [
          { type: 'KernelDeadlock', status: 'True' },
          { type: 'PIDPressure', status: 'True' },
          { type: 'Ready', status: 'False', lastTransitionTime: iso(T0), reason: 'KubeletNotReady' },
        ],
      },
    })!;
    expect(readyVerdict(view)).toEqual({
      state: 'unhealthy',
      reason: 'NotReady',
      transitionAt: T0,
      message: 'KubeletNotReady',
    });
    expect(pressureOf(view)).toEqual([]);
    expect(readyVerdict(nodeViewOf(node('n', 'Unknown'))!)).toMatchObject({
      state: 'unhealthy',
      reason: 'Unknown',
    });
    expect(isHealthy(nodeViewOf(node('n', 'True'))!)).toBe(true);
    expect(isHealthy(nodeViewOf(node('n', 'True', { pressure: ['DiskPressure'] }))!)).toBe(false);
  });

  it('reads dates whether the LIST path deserialised them or the WATCH path left them as strings', () => {
    const listed = nodeViewOf({
      metadata: { name: 'n' },
      status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date(T0) }] },
    })!;
    expect(listed.conditions[0]?.lastTransitionTime).toBe(T0);
    const garbage = nodeViewOf({
      metadata: { name: 'n' },
      status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: 'yesterday' }] },
    })!;
    expect(garbage.conditions[0]?.lastTransitionTime).toBeUndefined();
  });

  it('the confirmation window is node_failure_threshold × health_check_interval (90 s by default)', () => {
    expect(confirmationWindowMs(defaultRecoveryConfig)).toBe(90_000);
    expect(confirmationWindowMs({ node_failure_threshold: 1, health_check_interval: 10 })).toBe(10_000);
  });

  it('opts out on the Medik8s label (=true), the Cluster API label (present) and the product label (=true)', () => {
    const config = defaultRecoveryConfig;
    expect(
      optOutReason({ 'remediation.medik8s.io/exclude-from-remediation': 'true' }, config.opt_out_label),
    ).toBeDefined();
    expect(
      optOutReason({ 'remediation.medik8s.io/exclude-from-remediation': 'false' }, config.opt_out_label),
    ).toBeUndefined();
    expect(optOutReason({ 'cluster.x-k8s.io/skip-remediation': '' }, config.opt_out_label)).toBeDefined();
    expect(optOutReason({ [config.opt_out_label]: 'true' }, config.opt_out_label)).toBeDefined();
    expect(optOutReason({ [config.opt_out_label]: 'yes' }, config.opt_out_label)).toBeUndefined();
    expect(optOutReason({ 'my/label': 'true' }, 'my/label')).toBe('my/label=true');
  });

  describe('unhealthy episodes', () => {
    const notReady = (at?: number) => ({ state: 'unhealthy', reason: 'NotReady', transitionAt: at }) as const;

    it('starts at the Ready transition time, or now when it is missing or in the future', () => {
      expect(nextEpisode(undefined, notReady(T0 - 5_000), T0)?.since).toBe(T0 - 5_000);
      expect(nextEpisode(undefined, notReady(undefined), T0)?.since).toBe(T0);
      expect(nextEpisode(undefined, notReady(T0 + 60_000), T0)?.since).toBe(T0);
    });

    it('ends when Ready is True or unreported', () => {
      const episode: Episode = { since: T0, reason: 'NotReady', transitionAt: T0 };
      expect(nextEpisode(episode, { state: 'ready' }, T0 + 1)).toBeUndefined();
      expect(nextEpisode(episode, { state: 'unreported' }, T0 + 1)).toBeUndefined();
    });

    it('keeps its start through NotReady → Unknown, which has a new transition time', () => {
      const episode: Episode = { since: T0, reason: 'NotReady', transitionAt: T0 };
      const next = nextEpisode(
        episode,
        { state: 'unhealthy', reason: 'Unknown', transitionAt: T0 + 20_000 },
        T0 + 20_000,
      );
      expect(next).toMatchObject({ since: T0, reason: 'Unknown' });
    });

    it('restarts when the same reason has a newer transition time (a Ready the watch did not show)', () => {
      const episode: Episode = { since: T0, reason: 'NotReady', transitionAt: T0 };
      expect(nextEpisode(episode, notReady(T0 + 6_000), T0 + 7_000)?.since).toBe(T0 + 6_000);
      expect(nextEpisode(episode, notReady(T0), T0 + 7_000)?.since).toBe(T0);
    });
  });

  describe('storm guard', () => {
    const config = { storm_threshold_percent: 40, storm_window: 300, storm_cooldown: 300 };
    const step = (previous: StormState, onsets: number[], now: number, total = 5) =>
      evaluateStorm(previous, { onsets, total, now, config });

    it('starts when more than 40% of nodes turned unhealthy within the window, not at exactly 40%', () => {
      expect(step(calmStorm, [T0, T0], T0).active).toBe(false);
      const storm = step(calmStorm, [T0, T0, T0], T0);
      expect(storm).toMatchObject({ active: true, since: T0, recent: 3, total: 5 });
      expect(stormBlocks(storm, T0)).toBe(true);
    });

    it('does not count failures older than the window as a storm', () => {
      expect(step(calmStorm, [T0 - 400_000, T0 - 400_000, T0], T0).active).toBe(false);
    });

    it('holds while too many nodes are still unhealthy, then blocks for the cooldown after it clears', () => {
      const storm = step(calmStorm, [T0, T0, T0], T0);
      const later = T0 + 600_000;
      expect(step(storm, [T0, T0, T0], later)).toMatchObject({ active: true, recent: 0, unhealthy: 3 });
      const cleared = step(storm, [T0, T0], later);
      expect(cleared).toMatchObject({ active: false, clearedAt: later, resumeAt: later + 300_000 });
      expect(stormBlocks(cleared, later + 299_999)).toBe(true);
      expect(stormBlocks(cleared, later + 300_000)).toBe(false);
    });

    it('never storms on an empty cluster', () => {
      expect(step(calmStorm, [], T0, 0).active).toBe(false);
    });
  });

  it('builds the start request from the finding and the config in one place', () => {
    const config = parseRecoveryConfig({ dry_run: 'true', max_disrupted_nodes: '20%', drain_timeout: '120' });
    const input = recoveryInputFor(
      {
        node: 'n1',
        reason: 'NotReady',
        since: T0,
        windowElapsedAt: T0 + 90_000,
        totalNodes: 10,
        controlPlane: false,
      },
      config,
    );
    expect(input).toMatchObject({
      node: 'n1',
      reason: 'NotReady',
      detectedAt: iso(T0 + 90_000),
      policy: { dryRun: true, drainTimeout: '120s', maxDisruptedNodes: 2, provider: 'none' },
    });
  });

  it('trims a node to what the rules read', () => {
    const full = {
      metadata: {
        name: 'n',
        resourceVersion: '7',
        labels: { a: 'b' },
        managedFields: [{ manager: 'kubelet' }],
        annotations: { big: 'x'.repeat(10_000) },
      },
      spec: { podCIDR: '10.0.0.0/24', unschedulable: true },
      status: {
        images: [{ names: ['img'], sizeBytes: 1 }],
        capacity: { cpu: '4' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            lastHeartbeatTime: new Date(T0),
            lastTransitionTime: new Date(T0),
          },
        ],
      },
    } as unknown as V1Node;
    const trimmed = trimNode(full);
    expect(trimmed.metadata).toEqual({ name: 'n', resourceVersion: '7', labels: { a: 'b' } });
    expect(trimmed.spec).toEqual({ unschedulable: true });
    expect(trimmed.status).toEqual({
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(T0) }],
    });
    expect(() => trimNode({} as V1Node)).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// The detector over fakes

class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  constructor(public time = T0) {}
  now = () => this.time;
  setTimer = (fn: () => void, delayMs: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + Math.max(0, delayMs), fn, id });
    return id;
  };
  clearTimer = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  /** Moves time forward, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

class FakeInformer<T extends KubernetesObject> implements ObjectInformer<T> {
  private readonly objects = new Map<string, T>();
  private readonly callbacks = { add: [], update: [], delete: [] } as Record<string, ((o: T) => void)[]>;
  started = false;
  constructor(initial: T[] = []) {
    for (const o of initial) this.objects.set(o.metadata!.name!, o);
  }
  on(verb: 'add' | 'update' | 'delete', cb: (o: T) => void) {
    this.callbacks[verb]!.push(cb);
  }
  get(name: string) {
    return this.objects.get(name);
  }
  list() {
    return [...this.objects.values()];
  }
  async start() {
    this.started = true;
    for (const o of this.objects.values()) this.callbacks.add!.forEach((cb) => cb(o));
  }
  async stop() {
    this.started = false;
  }
  stats(): InformerStats {
    return { lists: 1, watches: 1, restarts: 0, synced: this.started };
  }
  /** Adds or replaces an object, as a watch event would. */
  put(o: T) {
    const name = o.metadata!.name!;
    const verb = this.objects.has(name) ? 'update' : 'add';
    this.objects.set(name, o);
    this.callbacks[verb]!.forEach((cb) => cb(o));
  }
  remove(name: string) {
    const o = this.objects.get(name);
    if (!o) return;
    this.objects.delete(name);
    this.callbacks.delete!.forEach((cb) => cb(o));
  }
}

class FakeRecoveries implements RecoveryGateway {
  started: NodeRecoveryInput[] = [];
  signals: { node: string; evidence: Evidence }[] = [];
  running = new Set<string>();
  failNext = 0;
  async start(input: NodeRecoveryInput) {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('temporal unavailable');
    }
    this.started.push(input);
    this.running.add(input.node);
    return { workflowId: `node-recovery/${input.node}`, runId: 'run-1' };
  }
  async signal(node: string, evidence: Evidence) {
    this.signals.push({ node, evidence });
    return this.running.has(node) ? ('signalled' as const) : ('not-found' as const);
  }
  // These node tests run no pod source (their adapter has no pod informers).
  async startWorkload(): Promise<never> {
    throw new Error('no workload recovery expected');
  }
  async signalWorkload(): Promise<never> {
    throw new Error('no workload recovery expected');
  }
}

function setup(nodes: V1Node[], configData: Record<string, string> = {}) {
  const clock = new ManualClock();
  const informer = new FakeInformer<V1Node>(nodes);
  const events: EventToRecord[] = [];
  const kubernetes: DetectorKubernetes = {
    nodeInformer: () => informer,
    configMapInformer: () => {
      throw new Error('not used');
    },
    events: {
      record: async (e) => {
        events.push(e);
        return true;
      },
    },
  };
  const recoveries = new FakeRecoveries();
  const config: RecoveryConfig = parseRecoveryConfig({
    health_check_interval: '10',
    node_failure_threshold: '1',
    ...configData,
  });
  const configSource = staticConfigSource(config);
  const detector = createDetector({ kubernetes, recoveries, configSource, clock, logger: silentLogger });
  const seen: DetectorEvent[] = [];
  detector.subscribe((e) => seen.push(e));
  return { clock, informer, events, recoveries, configSource, detector, seen };
}

const healthyNodes = (n: number) => Array.from({ length: n }, (_, i) => node(`n${i + 1}`, 'True'));

describe('the detector', () => {
  it('starts a recovery when Ready stays False for the whole window, not a moment before', async () => {
    const { clock, informer, recoveries, detector } = setup(healthyNodes(5));
    await detector.start();
    informer.put(node('n1', 'False', { since: T0 }));
    await clock.advance(9_999);
    expect(recoveries.started).toEqual([]);
    clock.time += 1;
    await clock.advance(0);
    expect(recoveries.started).toHaveLength(1);
    expect(recoveries.started[0]).toMatchObject({
      node: 'n1',
      reason: 'NotReady',
      detectedAt: iso(T0 + 10_000),
    });
    expect(detector.stats().recoveries[0]).toMatchObject({
      node: 'n1',
      overheadMs: 0,
      windowElapsedAt: iso(T0 + 10_000),
    });
    await detector.stop();
  });

  it('never triggers on a flapping node whose NotReady spells are shorter than the window', async () => {
    const { clock, informer, recoveries, detector } = setup(healthyNodes(5));
    await detector.start();
    for (let i = 0; i < 10; i++) {
      informer.put(node('n2', 'False', { since: clock.now() }));
      await clock.advance(3_000);
      informer.put(node('n2', 'True', { since: clock.now() }));
      await clock.advance(3_000);
    }
    await clock.advance(60_000);
    expect(recoveries.started).toEqual([]);
    expect(recoveries.signals).toEqual([]);
    await detector.stop();
  });

  it('counts the window from the Ready transition time, so a node failed before start-up is confirmed at once', async () => {
    const { clock, recoveries, detector } = setup([
      ...healthyNodes(4),
      node('n5', 'Unknown', { since: T0 - 60_000 }),
    ]);
    await detector.start();
    await clock.advance(0);
    expect(recoveries.started).toEqual([expect.objectContaining({ node: 'n5', reason: 'Unknown' })]);
    await detector.stop();
  });

  it('reports a repeated detection with a new reason to the same recovery, and the same reason only once', async () => {
    const { clock, informer, recoveries, detector } = setup(healthyNodes(5));
    await detector.start();
    informer.put(node('n1', 'False', { since: T0 }));
    await clock.advance(10_000);
    informer.put(node('n1', 'False', { since: T0, rv: '2' }));
    await clock.advance(10_000);
    expect(recoveries.started.map((s) => s.reason)).toEqual(['NotReady']);
    informer.put(node('n1', 'Unknown', { since: T0 + 20_000 }));
    await clock.advance(0);
    expect(recoveries.started.map((s) => s.reason)).toEqual(['NotReady', 'Unknown']);
    await detector.stop();
  });

  it('signals Ready evidence once when a node with a recovery is healthy again, and node-deleted evidence', async () => {
    const { clock, informer, recoveries, detector } = setup(healthyNodes(5));
    await detector.start();
    informer.put(node('n1', 'False', { since: T0 }));
    informer.put(node('n2', 'False', { since: T0 }));
    await clock.advance(10_000);
    informer.put(node('n1', 'True', { since: clock.now() }));
    informer.put(node('n1', 'True', { since: clock.now(), rv: '3' }));
    informer.remove('n2');
    await clock.advance(0);
    expect(recoveries.signals).toEqual([
      { node: 'n1', evidence: expect.objectContaining({ reason: 'Ready' }) },
      { node: 'n2', evidence: expect.objectContaining({ reason: 'Unknown', message: 'node deleted' }) },
    ]);
    expect(detector.stats().signals.signalled).toBe(2);
    await detector.stop();
  });

  it('never produces findings for opted-out nodes, whichever label opts them out', async () => {
    const { clock, informer, recoveries, detector, seen } = setup(healthyNodes(5), {
      opt_out_label: 'ours/skip',
    });
    await detector.start();
    informer.put(
      node('n1', 'False', { labels: { 'remediation.medik8s.io/exclude-from-remediation': 'true' } }),
    );
    informer.put(node('n2', 'Unknown', { labels: { 'cluster.x-k8s.io/skip-remediation': '' } }));
    informer.put(node('n3', 'True', { labels: { 'ours/skip': 'true' }, pressure: ['MemoryPressure'] }));
    await clock.advance(60_000);
    expect(recoveries.started).toEqual([]);
    expect(
      seen
        .filter((e) => e.type === 'finding-suppressed')
        .map((e) => e.type === 'finding-suppressed' && e.why),
    ).toEqual(['opted-out', 'opted-out', 'opted-out']);
    await detector.stop();
  });

  it('reports memory and disk pressure at once, each once while it lasts', async () => {
    const { clock, informer, recoveries, detector } = setup(healthyNodes(5));
    await detector.start();
    informer.put(node('n1', 'True', { pressure: ['MemoryPressure'] }));
    await clock.advance(0);
    informer.put(node('n1', 'True', { pressure: ['MemoryPressure', 'DiskPressure'], rv: '2' }));
    await clock.advance(30_000);
    expect(recoveries.started.map((s) => s.reason)).toEqual(['MemoryPressure', 'DiskPressure']);
    informer.put(node('n1', 'True', { rv: '3' }));
    await clock.advance(0);
    expect(recoveries.signals).toEqual([
      { node: 'n1', evidence: expect.objectContaining({ reason: 'Ready' }) },
    ]);
    await detector.stop();
  });

  it('holds back remediation in a storm, alerts, and resumes only after it clears plus the cooldown', async () => {
    const { clock, informer, recoveries, detector, events, seen } = setup(healthyNodes(5), {
      storm_cooldown: '60',
    });
    await detector.start();
    for (const name of ['n1', 'n2', 'n3']) informer.put(node(name, 'Unknown', { since: T0 }));
    await clock.advance(30_000);
    expect(recoveries.started).toEqual([]);
    expect(detector.stats().storm).toMatchObject({ active: true, blocking: true, recent: 3, total: 5 });
    expect(events).toEqual([expect.objectContaining({ type: 'Warning', reason: 'RemediationStorm' })]);
    // Two of them come back: 1 of 5 unhealthy clears the storm; the cooldown still holds n3.
    informer.put(node('n1', 'True', { since: clock.now() }));
    informer.put(node('n2', 'True', { since: clock.now() }));
    await clock.advance(59_000);
    expect(recoveries.started).toEqual([]);
    expect(detector.stats().storm).toMatchObject({ active: false, blocking: true });
    await clock.advance(1_000);
    expect(recoveries.started).toEqual([expect.objectContaining({ node: 'n3', reason: 'Unknown' })]);
    expect(seen.filter((e) => e.type === 'storm').map((e) => e.type === 'storm' && e.phase)).toEqual([
      'started',
      'cleared',
      'resumed',
    ]);
    await detector.stop();
  });

  it('does not mistake nodes already failed at start-up for a fresh storm', async () => {
    const old = T0 - 3_600_000;
    const { clock, recoveries, detector } = setup([
      node('n1', 'False', { since: old }),
      node('n2', 'False', { since: old }),
      node('n3', 'False', { since: old }),
      ...healthyNodes(2).map((n, i) => ({ ...n, metadata: { name: `h${i}` } })),
    ]);
    await detector.start();
    await clock.advance(0);
    expect(detector.stats().storm.active).toBe(false);
    expect(recoveries.started.map((s) => s.node).sort()).toEqual(['n1', 'n2', 'n3']);
    await detector.stop();
  });

  it('retries a failed start with backoff while the node stays unhealthy', async () => {
    const { clock, informer, recoveries, detector } = setup(healthyNodes(5));
    recoveries.failNext = 2;
    await detector.start();
    informer.put(node('n1', 'False', { since: T0 }));
    await clock.advance(10_000);
    expect(recoveries.started).toEqual([]);
    await clock.advance(1_000);
    expect(recoveries.started).toEqual([]);
    await clock.advance(2_000);
    expect(recoveries.started).toHaveLength(1);
    expect(detector.stats().starts).toEqual({ calls: 3, failures: 2 });
    await detector.stop();
  });

  it('applies a new window from a config change to a node already counting', async () => {
    const { clock, informer, recoveries, detector, configSource } = setup(healthyNodes(5));
    await detector.start();
    informer.put(node('n1', 'False', { since: T0 }));
    configSource.set(parseRecoveryConfig({ health_check_interval: '10', node_failure_threshold: '3' }));
    await clock.advance(10_000);
    expect(recoveries.started).toEqual([]);
    await clock.advance(20_000);
    expect(recoveries.started).toHaveLength(1);
    await detector.stop();
  });

  it('ignores node objects it cannot read, without stopping', async () => {
    const { clock, informer, recoveries, detector } = setup(healthyNodes(5));
    await detector.start();
    informer.put({ metadata: { name: 'weird' } } as V1Node);
    informer.put({ metadata: { name: 'weird2' }, status: { conditions: 'x' } } as unknown as V1Node);
    informer.put(node('n1', 'False', { since: T0 }));
    await clock.advance(10_000);
    expect(recoveries.started.map((s) => s.node)).toEqual(['n1']);
    await detector.stop();
  });
});
