/**
 * Drain decisions over a typed in-memory ClusterPort and a virtual clock: kubectl drain semantics,
 * PDB backoff, the finite timeout, dry-run and idempotency. The real API is exercised in
 * test/lab/cluster-adapter.test.ts.
 */
import { CancelledFailure } from '@temporalio/common';
import type { DrainHooks, DrainOptions, DrainProgress } from '../../src/activities/drain';
import { drainNode } from '../../src/activities/drain';
import { pressureEvictionOrder } from '../../src/activities/node';
import type { ClusterPort, EvictionResult, PdbStatus, PodOnNode } from '../../src/activities/ports';
import type { PodRef } from '../../src/domain';

const NODE = 'node-a';

type FakePod = PodOnNode & {
  /** Lists a terminating pod survives before the (fake) kubelet confirms its deletion; -1: forever. */
  lingers?: number;
};

function pod(name: string, overrides: Partial<FakePod> = {}): FakePod {
  return {
    namespace: 'shop',
    name,
    uid: `uid-${name}`,
    phase: 'Running',
    controller: { kind: 'ReplicaSet', name: 'web-7d9' },
    workload: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    mirror: false,
    usesEmptyDir: false,
    qosClass: 'Burstable',
    priority: 0,
    terminationGracePeriodSeconds: 30,
    ...overrides,
  };
}

interface FakeBudget {
  name: string;
  selects: (pod: PodRef) => boolean;
  allowed: number;
}

/** The part of a cluster a drain touches, in memory. Unused ClusterPort methods fail loudly. */
class FakeCluster implements ClusterPort {
  pods: FakePod[] = [];
  budgets: FakeBudget[] = [];
  readonly evictions: { pod: string; grace: number | undefined; at: number }[] = [];
  /** Evictions the (fake) API server accepted, in the order it accepted them. */
  readonly accepted: string[] = [];
  readonly deletions: { pod: string; grace: number | undefined }[] = [];
  lists = 0;
  /** Every call, in order: `list`, `list unresolved`, `evict <pod>`, `resolve <pods>`. */
  readonly calls: string[] = [];
  /** Evictions in flight now, and at most. */
  inFlight = 0;
  maxInFlight = 0;
  /** Event-loop turns an eviction of this pod takes to answer (0: at once). */
  evictionTurns: (pod: string) => number = () => 0;
  /** Virtual milliseconds each eviction takes. */
  evictionMs = 0;
  /** An API failure for this pod's eviction (a 403, say), thrown instead of answering. */
  evictionFailure: (pod: string) => Error | undefined = () => undefined;
  /** Workloads by pod uid, as the API would resolve them from the pods' controllers. */
  private readonly workloads = new Map<string, PodOnNode['workload']>();
  /** Thrown after an eviction succeeded, as when the worker dies before it records the result. */
  crashAfterEviction: Error | undefined;

  constructor(private readonly clock: VirtualClock) {}

  readNodeHealth(): never {
    throw new Error('not used by drains');
  }
  cordon(): never {
    throw new Error('not used by drains');
  }
  uncordon(): never {
    throw new Error('not used by drains');
  }
  recordNodeEvent(): never {
    throw new Error('not used by drains');
  }
  readWorkloads(): never {
    throw new Error('not used by drains');
  }

  async listPodsOnNode(node: string, options?: { resolveWorkloads?: boolean }): Promise<PodOnNode[]> {
    this.lists += 1;
    const resolve = options?.resolveWorkloads ?? true;
    this.calls.push(resolve ? 'list' : 'list unresolved');
    expect(node).toBe(NODE);
    this.pods = this.pods.filter((p) => {
      if (!p.deletionTimestamp || p.lingers === -1) return true;
      p.lingers = (p.lingers ?? 0) - 1;
      return p.lingers >= 0;
    });
    for (const p of this.pods) this.workloads.set(p.uid, p.workload);
    // Unresolved, a ReplicaSet's pod has no workload yet: the adapter would need a GET for it.
    return Promise.resolve(
      this.pods.map(({ workload, ...p }) =>
        workload && (resolve || p.controller?.kind !== 'ReplicaSet') ? { ...p, workload } : { ...p },
      ),
    );
  }

  async resolveWorkloads(pods: readonly PodOnNode[]): Promise<PodOnNode[]> {
    this.calls.push(`resolve ${pods.map((p) => p.name).join(',')}`);
    return Promise.resolve(
      pods.map((p) => {
        const workload = p.workload ?? this.workloads.get(p.uid);
        return workload ? { ...p, workload } : p;
      }),
    );
  }

  async evictPod(ref: PodRef, grace?: number): Promise<EvictionResult> {
    this.evictions.push({ pod: ref.name, grace, at: this.clock.now() });
    this.calls.push(`evict ${ref.name}`);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      for (let turn = this.evictionTurns(ref.name); turn > 0; turn -= 1)
        await new Promise((resolve) => setImmediate(resolve));
      if (this.evictionMs > 0) await this.clock.sleep(this.evictionMs);
      const failure = this.evictionFailure(ref.name);
      if (failure) throw failure;
      return await this.answerEviction(ref);
    } finally {
      this.inFlight -= 1;
    }
  }

  private async answerEviction(ref: PodRef): Promise<EvictionResult> {
    const target = this.pods.find((p) => p.name === ref.name && p.namespace === ref.namespace);
    if (!target) return Promise.resolve({ outcome: 'gone' });
    const selecting = this.budgets.filter((b) => b.selects(ref));
    const blocking = selecting.filter((b) => b.allowed <= 0);
    if (blocking.length > 0)
      return Promise.resolve({
        outcome: 'blocked',
        pdbs: blocking.map((b) => b.name),
        message: 'Cannot evict pod as it would violate the pod disruption budget.',
      });
    for (const b of selecting) b.allowed -= 1;
    this.markTerminating(target);
    this.accepted.push(ref.name);
    if (this.crashAfterEviction) throw this.crashAfterEviction;
    return Promise.resolve({ outcome: 'evicted' });
  }

  async deletePod(ref: PodRef, grace?: number): Promise<'deleted' | 'gone'> {
    this.deletions.push({ pod: ref.name, grace });
    const target = this.pods.find((p) => p.name === ref.name);
    if (!target) return Promise.resolve('gone');
    this.markTerminating(target);
    return Promise.resolve('deleted');
  }

  async disruptionBudgetsFor(ref: PodRef): Promise<PdbStatus[]> {
    return Promise.resolve(
      this.budgets
        .filter((b) => b.selects(ref))
        .map((b) => ({ name: b.name, disruptionsAllowed: b.allowed })),
    );
  }

  private markTerminating(target: FakePod): void {
    target.deletionTimestamp ??= new Date(
      this.clock.now() + target.terminationGracePeriodSeconds * 1000,
    ).toISOString();
    target.lingers ??= 1;
  }
}

/** Time that moves only when the drain sleeps; `at(ms, fn)` runs `fn` once time reaches `ms`. */
class VirtualClock {
  private t = Date.parse('2030-01-01T00:00:00Z');
  private readonly start = this.t;
  private readonly alarms: { at: number; fn: () => void }[] = [];
  readonly sleeps: number[] = [];
  now = (): number => this.t;
  elapsed = (): number => this.t - this.start;
  sleep = (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.t += ms;
    for (const alarm of this.alarms.filter((a) => a.at <= this.elapsed())) {
      this.alarms.splice(this.alarms.indexOf(alarm), 1);
      alarm.fn();
    }
    return Promise.resolve();
  };
  at(ms: number, fn: () => void): void {
    this.alarms.push({ at: ms, fn });
  }
}

function setup() {
  const clock = new VirtualClock();
  const cluster = new FakeCluster(clock);
  const progress: DrainProgress[] = [];
  const hooks: DrainHooks = {
    onProgress: (p) => progress.push(p),
    sleep: clock.sleep,
    now: clock.now,
  };
  const drain = (options: Partial<DrainOptions> = {}) =>
    drainNode(
      cluster,
      {
        node: NODE,
        deleteEmptyDirData: true,
        unmanagedPods: 'skip',
        timeoutMs: 300_000,
        dryRun: false,
        ...options,
      },
      hooks,
    );
  return { clock, cluster, progress, hooks, drain };
}

/** `n` pods of `n` Deployments (one ReplicaSet each), named web-01, web-02, … */
const many = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    pod(`web-${String(i + 1).padStart(2, '0')}`, {
      controller: { kind: 'ReplicaSet', name: `web-${i + 1}-7d9` },
      workload: { kind: 'Deployment', namespace: 'shop', name: `web-${i + 1}` },
    }),
  );

const namesOf = (pods: readonly PodRef[]) => pods.map((p) => p.name).sort();

describe('drainNode: kubectl drain semantics', () => {
  test('evicts controller-managed pods with their own grace period, waits until they are gone, and reports their workloads', async () => {
    const { cluster, drain } = setup();
    cluster.pods = [
      pod('web-1', { terminationGracePeriodSeconds: 5 }),
      pod('web-2', { terminationGracePeriodSeconds: 5 }),
      pod('db-0', {
        controller: { kind: 'StatefulSet', name: 'db' },
        workload: { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
        terminationGracePeriodSeconds: 120,
      }),
    ];
    const report = await drain();
    expect(report.outcome).toBe('drained');
    expect(cluster.evictions.map((e) => [e.pod, e.grace])).toEqual([
      ['web-1', 5],
      ['web-2', 5],
      ['db-0', 120],
    ]);
    expect(namesOf(report.evicted)).toEqual(['db-0', 'web-1', 'web-2']);
    expect(report.workloads).toEqual([
      { kind: 'Deployment', namespace: 'shop', name: 'web' },
      { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
    ]);
    expect(cluster.pods).toEqual([]);
    expect(report.remaining).toEqual([]);
  });

  test('leaves DaemonSet and mirror pods, and deletes completed pods instead of evicting them', async () => {
    const { cluster, drain } = setup();
    cluster.pods = [
      pod('agent-x', { controller: { kind: 'DaemonSet', name: 'agent' }, workload: undefined }),
      pod('kube-proxy-node-a', {
        controller: { kind: 'Node', name: NODE },
        mirror: true,
        workload: undefined,
      }),
      pod('job-1', { controller: { kind: 'Job', name: 'job' }, workload: undefined, phase: 'Succeeded' }),
      pod('bare-failed', { controller: undefined, workload: undefined, phase: 'Failed' }),
    ];
    const report = await drain();
    expect(report.outcome).toBe('drained');
    expect(cluster.evictions).toEqual([]);
    expect(cluster.deletions.map((d) => d.pod).sort()).toEqual(['bare-failed', 'job-1']);
    expect(report.skipped).toEqual([
      { pod: { namespace: 'shop', name: 'agent-x' }, why: 'daemonset' },
      { pod: { namespace: 'shop', name: 'kube-proxy-node-a' }, why: 'mirror' },
    ]);
    expect(namesOf(cluster.pods)).toEqual(['agent-x', 'kube-proxy-node-a']);
  });

  test('an already-terminating pod is waited for and never evicted again', async () => {
    const { cluster, drain } = setup();
    cluster.pods = [pod('web-1', { deletionTimestamp: new Date().toISOString(), lingers: 3 })];
    const report = await drain();
    expect(report.outcome).toBe('drained');
    expect(cluster.evictions).toEqual([]);
    expect(cluster.lists).toBeGreaterThanOrEqual(4);
    expect(report.workloads).toEqual([{ kind: 'Deployment', namespace: 'shop', name: 'web' }]);
  });

  test('re-running after a worker crash evicts no pod twice', async () => {
    const { cluster, drain } = setup();
    cluster.pods = [pod('web-1'), pod('web-2'), pod('web-3')];
    cluster.budgets = [{ name: 'shop/web', selects: () => true, allowed: 1 }];
    // The worker dies right after the API server accepted its first eviction (one at a time, so
    // that is the only request it sent).
    cluster.crashAfterEviction = new Error('worker crashed');
    await expect(drain({ concurrency: 1 })).rejects.toThrow('worker crashed');
    expect(cluster.evictions.map((e) => e.pod)).toEqual(['web-1']);

    // The new worker finds web-1 still Terminating, and the budget has room again.
    cluster.crashAfterEviction = undefined;
    cluster.budgets[0]!.allowed = 2;
    const report = await drain();
    expect(report.outcome).toBe('drained');
    expect(cluster.evictions.map((e) => e.pod).sort()).toEqual(['web-1', 'web-2', 'web-3']);
    expect(report.lines).toContain('waiting for shop/web-1: already terminating, not evicted again');
    expect(report.workloads).toEqual([{ kind: 'Deployment', namespace: 'shop', name: 'web' }]);
  });

  test('emptyDir pods are evicted only when deleteEmptyDirData is set; otherwise they are reported', async () => {
    const withData = setup();
    withData.cluster.pods = [pod('cache-1', { usesEmptyDir: true })];
    expect((await withData.drain({ deleteEmptyDirData: true })).evicted).toEqual([
      { namespace: 'shop', name: 'cache-1' },
    ]);

    const keepData = setup();
    keepData.cluster.pods = [pod('cache-1', { usesEmptyDir: true })];
    const report = await keepData.drain({ deleteEmptyDirData: false });
    expect(keepData.cluster.evictions).toEqual([]);
    expect(report.skipped).toEqual([{ pod: { namespace: 'shop', name: 'cache-1' }, why: 'local-storage' }]);
  });

  test('pods without a controller are left and reported, and deleted only when deletion was approved', async () => {
    const skipping = setup();
    skipping.cluster.pods = [pod('debug', { controller: undefined, workload: undefined })];
    const skipped = await skipping.drain({ unmanagedPods: 'skip' });
    expect(skipped.outcome).toBe('drained');
    expect(skipped.skipped).toEqual([{ pod: { namespace: 'shop', name: 'debug' }, why: 'unmanaged' }]);
    expect(skipping.cluster.deletions).toEqual([]);
    expect(skipping.cluster.evictions).toEqual([]);

    const deleting = setup();
    deleting.cluster.pods = [
      pod('debug', { controller: undefined, workload: undefined, terminationGracePeriodSeconds: 3 }),
    ];
    const deleted = await deleting.drain({ unmanagedPods: 'delete' });
    expect(deleting.cluster.deletions).toEqual([{ pod: 'debug', grace: 3 }]);
    expect(deleted.deleted).toEqual([{ namespace: 'shop', name: 'debug' }]);
    expect(deleting.cluster.pods).toEqual([]);
  });

  test('a pod that appears on the node mid-drain is evicted too', async () => {
    const { cluster, clock, drain } = setup();
    cluster.pods = [pod('web-1', { lingers: 2 })];
    clock.at(1, () => cluster.pods.push(pod('late-1')));
    const report = await drain();
    expect(namesOf(report.evicted)).toEqual(['late-1', 'web-1']);
  });
});

describe('drainNode: from the listing to the evictions', () => {
  test('the first eviction follows the first listing: workloads are resolved only after the evictions were issued', async () => {
    const { cluster, drain } = setup();
    cluster.pods = [
      pod('web-1'),
      pod('web-2'),
      pod('db-0', {
        controller: { kind: 'StatefulSet', name: 'db' },
        workload: { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
      }),
    ];
    const report = await drain();
    expect(cluster.calls.slice(0, 5)).toEqual([
      'list unresolved',
      'evict web-1',
      'evict web-2',
      'evict db-0',
      // The StatefulSet is known from the pod itself; only the ReplicaSet pods need resolving, once.
      'resolve web-1,web-2',
    ]);
    expect(cluster.calls.filter((c) => c.startsWith('resolve'))).toHaveLength(1);
    expect(cluster.calls.filter((c) => c === 'list')).toEqual([]);
    expect(report.workloads).toEqual([
      { kind: 'Deployment', namespace: 'shop', name: 'web' },
      { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
    ]);
  });

  test("evicts up to `concurrency` pods at once, and reports them in the pods' order whatever order the answers come in", async () => {
    const reports = [];
    for (const concurrency of [1, 10]) {
      const { cluster, drain } = setup();
      cluster.pods = many(25);
      // Later pods answer first.
      cluster.evictionTurns = (name) => 30 - Number(name.slice(-2));
      reports.push(await drain({ concurrency }));
      expect(cluster.maxInFlight).toBe(concurrency);
      expect(cluster.evictions).toHaveLength(25);
    }
    const [sequential, concurrent] = reports;
    expect(concurrent).toEqual(sequential);
    expect(concurrent!.evicted.map((p) => p.name)).toEqual(many(25).map((p) => p.name));
    expect(concurrent!.lines.slice(0, 2)).toEqual([
      'evicted shop/web-01 (grace 30s)',
      'evicted shop/web-02 (grace 30s)',
    ]);
    expect(concurrent!.workloads.map((w) => w.name)).toEqual(many(25).map((p) => p.workload!.name));
  });

  test('never more evictions in flight than pods, nor than the default concurrency (api_max_concurrency, 10)', async () => {
    const few = setup();
    few.cluster.pods = many(3);
    few.cluster.evictionTurns = () => 2;
    await few.drain({ concurrency: 10 });
    expect(few.cluster.maxInFlight).toBe(3);

    const lots = setup();
    lots.cluster.pods = many(40);
    lots.cluster.evictionTurns = () => 2;
    await lots.drain();
    expect(lots.cluster.maxInFlight).toBe(10);
  });

  test('a failed eviction starts no further one: the evictions in flight end, then the first failure is thrown', async () => {
    const { cluster, drain } = setup();
    cluster.pods = many(12);
    const forbidden = new Error('forbidden: create pods/eviction');
    cluster.evictionFailure = (name) => (name === 'web-02' ? forbidden : undefined);
    cluster.evictionTurns = (name) => (name === 'web-02' ? 0 : 3);
    await expect(drain({ concurrency: 3 })).rejects.toBe(forbidden);
    // web-02 fails while web-01 and web-03 are in flight; they finish, and nothing starts after.
    expect(cluster.evictions.map((e) => e.pod)).toEqual(['web-01', 'web-02', 'web-03']);
    expect(cluster.accepted).toEqual(['web-01', 'web-03']);
    expect(cluster.inFlight).toBe(0);
  });

  test('a crash in the middle of concurrent evictions: the re-run evicts no pod twice', async () => {
    const { cluster, drain } = setup();
    cluster.pods = many(12);
    cluster.crashAfterEviction = new Error('worker crashed');
    await expect(drain()).rejects.toThrow('worker crashed');
    const first = [...cluster.accepted];
    expect(first.length).toBeGreaterThan(0);

    cluster.crashAfterEviction = undefined;
    const report = await drain();
    expect(report.outcome).toBe('drained');
    expect([...cluster.accepted].sort()).toEqual(many(12).map((p) => p.name));
    for (const name of first)
      expect(report.lines).toContain(`waiting for shop/${name}: already terminating, not evicted again`);
    expect(report.workloads).toHaveLength(12);
  });

  test('a long round of evictions reports progress as it goes (the activity heartbeats from it)', async () => {
    const { cluster, progress, drain } = setup();
    cluster.pods = many(10);
    cluster.evictionMs = 400;
    await drain({ concurrency: 1 });
    // 10 evictions of 400 ms: progress every second during the round, then after it.
    const during = progress.filter((p) => p.evicted < 10).map((p) => p.evicted);
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(during).toEqual([...during].sort((a, b) => a - b));
    expect(during[0]).toBeGreaterThan(0);
  });
});

describe('drainNode: PodDisruptionBudgets and the timeout', () => {
  test('a 429 is retried with exponential backoff from 1 s, capped at 15 s, and the PDB is named in progress', async () => {
    const { cluster, clock, progress, drain } = setup();
    cluster.pods = [pod('web-1')];
    cluster.budgets = [{ name: 'shop/web', selects: () => true, allowed: 0 }];
    clock.at(60_000, () => {
      cluster.budgets[0]!.allowed = 1;
    });
    const report = await drain();
    expect(report.outcome).toBe('drained');
    const gaps = cluster.evictions.slice(1).map((e, i) => e.at - cluster.evictions[i]!.at);
    expect(gaps.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    expect(progress.some((p) => p.blockingPdbs.includes('shop/web'))).toBe(true);
    expect(report.lines.filter((l) => l.startsWith('PDB shop/web blocks shop/web-1'))).toHaveLength(1);
    expect(report.blockingPdbs).toEqual([]);
  });

  test('when a PDB never allows the eviction, the drain returns timed-out at its deadline with the pod and the PDB named', async () => {
    const { cluster, clock, drain } = setup();
    cluster.pods = [pod('web-1'), pod('web-2'), pod('other-1', { workload: undefined })];
    cluster.budgets = [{ name: 'shop/web', selects: (p) => p.name.startsWith('web-'), allowed: 1 }];
    const report = await drain({ timeoutMs: 45_000 });
    expect(report.outcome).toBe('timed-out');
    expect(clock.elapsed()).toBe(45_000);
    expect(report.remaining).toEqual([{ namespace: 'shop', name: 'web-2' }]);
    expect(report.blockingPdbs).toEqual(['shop/web']);
    expect(namesOf(report.evicted)).toEqual(['other-1', 'web-1']);
    expect(report.lines.at(-1)).toMatch(/timed out after 45s: shop\/web-2 remain; blocked by PDB shop\/web/);
  });

  test('pods stuck terminating (no kubelet) time the drain out unless skipWaitForDeleteTimeoutMs lets them go', async () => {
    const stuck = () => pod('web-1', { terminationGracePeriodSeconds: 5, lingers: -1 });
    const waiting = setup();
    waiting.cluster.pods = [stuck()];
    const timedOut = await waiting.drain({ timeoutMs: 60_000 });
    expect(timedOut.outcome).toBe('timed-out');
    expect(timedOut.remaining).toEqual([{ namespace: 'shop', name: 'web-1' }]);

    const skipping = setup();
    skipping.cluster.pods = [stuck()];
    const drained = await skipping.drain({ timeoutMs: 60_000, skipWaitForDeleteTimeoutMs: 10_000 });
    expect(drained.outcome).toBe('drained');
    expect(skipping.clock.elapsed()).toBeGreaterThan(15_000);
    expect(skipping.clock.elapsed()).toBeLessThan(60_000);
    expect(drained.workloads).toEqual([{ kind: 'Deployment', namespace: 'shop', name: 'web' }]);
  });

  test('cancellation stops the drain with a CancelledFailure', async () => {
    const { cluster, clock, hooks } = setup();
    cluster.pods = [pod('web-1')];
    cluster.budgets = [{ name: 'shop/web', selects: () => true, allowed: 0 }];
    const drained = drainNode(
      cluster,
      { node: NODE, deleteEmptyDirData: true, unmanagedPods: 'skip', timeoutMs: 300_000, dryRun: false },
      { ...hooks, isCancelled: () => clock.elapsed() >= 5_000 },
    );
    await expect(drained).rejects.toBeInstanceOf(CancelledFailure);
    expect(clock.elapsed()).toBeLessThan(10_000);
  });
});

describe('drainNode: a node taken back or deleted mid-drain', () => {
  const drainOptions = {
    node: NODE,
    deleteEmptyDirData: true,
    unmanagedPods: 'skip' as const,
    timeoutMs: 300_000,
    dryRun: false,
  };

  test('a person uncordoning the node while a PDB blocks ends the drain before its next eviction, even once the PDB allows it', async () => {
    const { cluster, clock, hooks } = setup();
    cluster.pods = [pod('web-1'), pod('web-2'), pod('web-3')];
    cluster.budgets = [{ name: 'shop/web', selects: () => true, allowed: 0 }];
    let ours: 'ours' | 'taken-back' = 'ours';
    clock.at(3_000, () => {
      ours = 'taken-back'; // kubectl uncordon
      cluster.budgets[0]!.allowed = 3; // and the PDB is relaxed at once
    });
    const start = clock.now();
    const report = await drainNode(cluster, drainOptions, {
      ...hooks,
      stillOurs: () => Promise.resolve(ours),
    });

    expect(report.outcome).toBe('taken-back');
    expect(cluster.accepted).toEqual([]);
    expect(cluster.evictions.length).toBeGreaterThan(0);
    expect(cluster.evictions.every((e) => e.at < start + 3_000)).toBe(true);
    expect(cluster.pods.map((p) => p.name)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(report.lines.at(-2)).toMatch(/no longer cordoned by this recovery/);
    expect(report.lines.at(-1)).toMatch(
      /stopped after \d+s: evicted 0, not evicted shop\/web-1, shop\/web-2, shop\/web-3/,
    );
  });

  test('in a round of concurrent evictions, none starts after the node was taken back', async () => {
    const { cluster, hooks } = setup();
    cluster.pods = many(20);
    cluster.evictionTurns = () => 3;
    const report = await drainNode(
      cluster,
      { ...drainOptions, concurrency: 4 },
      {
        ...hooks,
        // Taken back once five evictions were started.
        stillOurs: () => Promise.resolve(cluster.evictions.length < 5 ? 'ours' : 'taken-back'),
      },
    );

    expect(report.outcome).toBe('taken-back');
    expect(cluster.evictions).toHaveLength(5);
    expect(report.evicted).toHaveLength(5);
    expect(report.workloads.map((w) => w.name)).toEqual(['web-1', 'web-2', 'web-3', 'web-4', 'web-5']);
  });

  test('a failed read of the node starts no further eviction and fails the drain (the activity retries it)', async () => {
    const { cluster, hooks } = setup();
    cluster.pods = many(8);
    cluster.evictionTurns = () => 3;
    let reads = 0;
    const drained = drainNode(
      cluster,
      { ...drainOptions, concurrency: 4 },
      {
        ...hooks,
        stillOurs: () =>
          ++reads === 3 ? Promise.reject(new Error('apiserver 503')) : Promise.resolve('ours'),
      },
    );

    await expect(drained).rejects.toThrow('apiserver 503');
    expect(cluster.evictions).toHaveLength(2);
  });

  test('a node deleted mid-drain ends it as node-gone; approved deletions of unmanaged pods stop too', async () => {
    const { cluster, hooks } = setup();
    cluster.pods = [pod('bare', { controller: undefined, workload: undefined }), pod('web-1')];
    const report = await drainNode(
      cluster,
      { ...drainOptions, unmanagedPods: 'delete' },
      { ...hooks, stillOurs: () => Promise.resolve('gone') },
    );

    expect(report.outcome).toBe('node-gone');
    expect(cluster.deletions).toEqual([]);
    expect(cluster.evictions).toEqual([]);
  });
});

describe('drainNode: dry-run', () => {
  test('reports "would evict A, B; PDB P would block C" and mutates nothing', async () => {
    const { cluster, drain } = setup();
    cluster.pods = [
      pod('web-1'),
      pod('web-2'),
      pod('api-1', { workload: { kind: 'Deployment', namespace: 'shop', name: 'api' } }),
      pod('agent-x', { controller: { kind: 'DaemonSet', name: 'agent' } }),
      pod('debug', { controller: undefined, workload: undefined }),
    ];
    cluster.budgets = [{ name: 'shop/web', selects: (p) => p.name.startsWith('web-'), allowed: 1 }];
    const before = JSON.stringify(cluster.pods);
    const report = await drain({ dryRun: true });
    expect(report.outcome).toBe('dry-run');
    expect(cluster.evictions).toEqual([]);
    expect(cluster.deletions).toEqual([]);
    expect(JSON.stringify(cluster.pods)).toBe(before);
    expect(cluster.budgets[0]!.allowed).toBe(1);
    expect(report.evicted).toEqual([]);
    expect(namesOf(report.wouldEvict)).toEqual(['api-1', 'web-1']);
    expect(report.remaining).toEqual([{ namespace: 'shop', name: 'web-2' }]);
    expect(report.blockingPdbs).toEqual(['shop/web']);
    expect(report.skipped.map((s) => s.why)).toEqual(['daemonset', 'unmanaged']);
    expect(report.lines.at(-1)).toBe(
      `dry-run drain of ${NODE}: would evict shop/web-1, shop/api-1; PDB shop/web would block shop/web-2`,
    );
  });
});

describe('pressureEvictionOrder', () => {
  test('BestEffort first, then Burstable, each by ascending priority; never Guaranteed, DaemonSet, mirror or unmanaged pods', () => {
    const pods = [
      pod('burst-high', { qosClass: 'Burstable', priority: 1000 }),
      pod('guaranteed', { qosClass: 'Guaranteed', priority: -10 }),
      pod('best-high', { qosClass: 'BestEffort', priority: 100 }),
      pod('burst-low', { qosClass: 'Burstable', priority: -5 }),
      pod('best-low', { qosClass: 'BestEffort', priority: 0 }),
      pod('ds', { qosClass: 'BestEffort', controller: { kind: 'DaemonSet', name: 'agent' } }),
      pod('mirror', { qosClass: 'BestEffort', mirror: true }),
      pod('bare', { qosClass: 'BestEffort', controller: undefined }),
      pod('leaving', { qosClass: 'BestEffort', deletionTimestamp: '2030-01-01T00:00:00Z' }),
    ];
    expect(pressureEvictionOrder(pods).map((p) => p.name)).toEqual([
      'best-low',
      'best-high',
      'burst-low',
      'burst-high',
    ]);
  });
});
