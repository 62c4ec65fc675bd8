import { activityInfo } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DrainInput, DrainSummary } from '../../src/activities';
import { createActivities } from '../../src/activities';
import type { BudgetPort } from '../../src/activities/budget';
import type { ClusterPort, PodOnNode } from '../../src/activities/ports';
import { noServices, noWorkloads } from '../support/fake-activities';
import type { WorkloadRef } from '../../src/domain';

const web: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'web' };
const batch: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'batch' };

function pod(name: string, workload: WorkloadRef): PodOnNode {
  return {
    namespace: 'default',
    name,
    uid: name,
    phase: 'Running',
    controller: { kind: 'ReplicaSet', name: `${workload.name}-rs` },
    workload,
    mirror: false,
    usesEmptyDir: false,
    qosClass: 'Burstable',
    priority: 0,
    terminationGracePeriodSeconds: 30,
  };
}

/** The run the activity works for: the owner of the node's cordon. */
const thisRun = (): string => activityInfo().workflowExecution?.runId ?? '';

/**
 * A node cordoned by the activity's own run, whose pods cannot be evicted (a PDB blocks them all),
 * or that is already empty.
 */
function clusterWith(pods: PodOnNode[]): ClusterPort {
  const unused = () => Promise.reject(new Error('not used by this test'));
  return {
    readNodeHealth: async (node) => ({ node, ready: 'True', unschedulable: true, cordonOwner: thisRun() }),
    cordon: unused,
    uncordon: unused,
    recordNodeEvent: async () => 'event',
    listPodsOnNode: async () => pods,
    resolveWorkloads: async (listed) => [...listed],
    evictPod: async () => ({ outcome: 'blocked', pdbs: ['default/web'], message: 'PDB' }),
    deletePod: unused,
    disruptionBudgetsFor: async () => [],
    readWorkloads: unused,
  };
}

const input: DrainInput = {
  ownership: 'run',
  node: 'node-a',
  reason: 'drain',
  dryRun: false,
  timeout: '5 minutes',
  deleteEmptyDirData: true,
  unmanagedPods: 'skip',
};

/** Runs the drain activity in a mock activity context (heartbeat details of a previous attempt, if any). */
function drain(
  env: MockActivityEnvironment,
  cluster: ClusterPort,
  request: DrainInput = input,
): Promise<DrainSummary> {
  return env.run<[DrainInput], DrainSummary, (i: DrainInput) => Promise<DrainSummary>>(
    activitiesFor(cluster).drainNode,
    request,
  );
}

function activitiesFor(cluster: ClusterPort, drainConcurrency?: () => number) {
  const budget: BudgetPort = { requestPermit: async () => undefined, closedWorkflows: async () => [] };
  return createActivities({
    cluster,
    notifier: { notify: async () => [] },
    nodeProvider: () => ({ name: 'none', replace: async () => ({ outcome: 'handed-off', detail: '' }) }),
    budget,
    workloads: noWorkloads,
    ...noServices,
    optOutLabel: () => 'self-healing.temporal.io/exclude',
    ...(drainConcurrency ? { drainConcurrency } : {}),
  });
}

/**
 * A node whose pods the adapter lists without their workloads (as a drain asks) and evicts after a
 * turn of the event loop; evicted pods are gone at the next listing.
 */
function evictingCluster(pods: PodOnNode[]) {
  let onNode = [...pods];
  const evicting = new Set<string>();
  const stats = { inFlight: 0, maxInFlight: 0, resolved: [] as string[] };
  const byName = new Map(pods.map((p) => [p.name, p]));
  const cluster: ClusterPort = {
    ...clusterWith([]),
    listPodsOnNode: async (_node, options) => {
      onNode = onNode.filter((p) => !evicting.has(p.name));
      return onNode.map(({ workload, ...p }) =>
        options?.resolveWorkloads === false ? p : { ...p, ...(workload ? { workload } : {}) },
      );
    },
    resolveWorkloads: async (listed) => {
      stats.resolved.push(...listed.map((p) => p.name));
      return listed.map((p) => ({ ...p, workload: byName.get(p.name)!.workload! }));
    },
    evictPod: async (ref) => {
      stats.inFlight += 1;
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      evicting.add(ref.name);
      stats.inFlight -= 1;
      return { outcome: 'evicted' };
    },
  };
  return { cluster, stats };
}

describe('drain activity across attempts', () => {
  it('verifies the workloads an earlier, crashed attempt evicted, not only its own', async () => {
    // The first attempt evicted the batch pods, then its worker died; this attempt finds only web gone too.
    const env = new MockActivityEnvironment({
      heartbeatDetails: { deadline: Date.now() + 60_000, workloads: [batch] },
    });
    const summary = await drain(env, clusterWith([]));

    expect(summary.outcome).toBe('drained');
    expect(summary.workloads).toEqual([batch]);
  });

  it('keeps the first attempt’s deadline, so drain_timeout bounds the whole drain', async () => {
    const env = new MockActivityEnvironment({
      heartbeatDetails: { deadline: Date.now() - 1, workloads: [web] },
    });
    const summary = await drain(env, clusterWith([pod('web-1', web)]));

    expect(summary.outcome).toBe('timed-out');
    expect(summary.blockingPdbs).toEqual(['default/web']);
  });

  it('evicts at most drainConcurrency pods at once, and reports (and heartbeats) the workloads it resolved after the evictions', async () => {
    const pods = ['web-1', 'web-2', 'web-3', 'batch-1', 'batch-2'].map((name) =>
      pod(name, name.startsWith('web') ? web : batch),
    );
    const { cluster, stats } = evictingCluster(pods);
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    const summary = await env.run<[DrainInput], DrainSummary, (i: DrainInput) => Promise<DrainSummary>>(
      activitiesFor(cluster, () => 2).drainNode,
      input,
    );

    expect(summary.outcome).toBe('drained');
    expect(stats.maxInFlight).toBe(2);
    expect(stats.resolved).toEqual(pods.map((p) => p.name));
    expect(summary.lines.slice(0, 5)).toEqual(pods.map((p) => `evicted default/${p.name} (grace 30s)`));
    expect(summary.workloads).toEqual([web, batch]);
    expect(beats.at(-1)).toMatchObject({ workloads: [web, batch] });
  });

  it('carries the workloads of the pods it found on the node in its heartbeats', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    await drain(env, clusterWith([pod('web-1', web), pod('batch-1', batch)]), {
      ...input,
      timeout: '1 second',
    });

    expect(beats.at(-1)).toMatchObject({ workloads: [web, batch] });
  });

  it("stops evicting within a second of the node leaving this run's hands, reading the node at most once a second", async () => {
    const pods = ['web-1', 'web-2', 'web-3'].map((name) => pod(name, web));
    let reads = 0;
    let uncordonedAt: number | undefined;
    const evictions: number[] = [];
    const cluster: ClusterPort = {
      ...clusterWith(pods),
      readNodeHealth: async (node) => {
        reads += 1;
        const uncordoned = uncordonedAt !== undefined;
        return { node, ready: 'False', unschedulable: !uncordoned, cordonOwner: thisRun() };
      },
      evictPod: async () => {
        evictions.push(Date.now());
        // A person runs `kubectl uncordon` while the PDB refuses the first evictions.
        if (evictions.length === 2) uncordonedAt = Date.now();
        return { outcome: 'blocked', pdbs: ['default/web'], message: 'PDB' };
      },
    };
    const startedAt = Date.now();
    const summary = await drain(new MockActivityEnvironment(), cluster);
    const elapsed = Date.now() - startedAt;

    expect(summary.outcome).toBe('taken-back');
    expect(evictions.filter((at) => at > (uncordonedAt ?? 0) + 1_000)).toEqual([]);
    expect(reads).toBeLessThanOrEqual(Math.ceil(elapsed / 1_000) + 1);
    expect(summary.lines).toContainEqual(expect.stringMatching(/no longer cordoned by this recovery/));
  });

  it('reads the choice on unmanaged pods from drains scheduled by older workflow code (deleteUnmanaged)', async () => {
    const bare = { ...pod('bare-1', web), controller: undefined, workload: undefined };
    const deleted: string[] = [];
    const cluster: ClusterPort = {
      ...clusterWith([bare]),
      deletePod: async (ref) => {
        deleted.push(ref.name);
        return 'deleted';
      },
    };
    const { unmanagedPods: _new, ...older } = input;
    await drain(new MockActivityEnvironment(), cluster, {
      ...older,
      deleteUnmanaged: true,
      timeout: '1 second',
    } as unknown as DrainInput);

    expect(deleted).toEqual(['bare-1']);
  });

  it('keeps the older ownership rule for recoveries that replay the path from before owners: the product annotation alone', async () => {
    // A drain scheduled by such a recovery carries no `ownership`; its node was cordoned by the
    // older code, with `cordoned-by` and no owner. It must go on draining, not stop as taken back.
    const legacyNode = (): ClusterPort => ({
      ...evictingCluster(['web-1', 'web-2'].map((name) => pod(name, web))).cluster,
      readNodeHealth: async (node) => ({
        node,
        ready: 'False',
        unschedulable: true,
        cordonedBy: 'temporal-self-healing',
      }),
    });
    const { ownership: _run, ...older } = input;
    const summary = await drain(new MockActivityEnvironment(), legacyNode(), older);

    expect(summary.outcome).toBe('drained');
    expect(summary.lines).toContainEqual(expect.stringMatching(/^evicted default\/web-1/));
    // Under the current rule the same node is not this run's: nothing is evicted.
    const current = await drain(new MockActivityEnvironment(), legacyNode(), input);
    expect(current.outcome).toBe('taken-back');
  });
});
