import { MockActivityEnvironment } from '@temporalio/testing';
import type { DrainInput, DrainSummary } from '../../src/activities';
import { createActivities } from '../../src/activities';
import type { BudgetPort } from '../../src/activities/budget';
import type { ClusterPort, PodOnNode } from '../../src/activities/ports';
import type { WorkloadRef } from '../../src/workflows/types';

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

/** A node whose pods cannot be evicted (a PDB blocks them all), or that is already empty. */
function clusterWith(pods: PodOnNode[]): ClusterPort {
  const unused = () => Promise.reject(new Error('not used by this test'));
  return {
    readNodeHealth: async (node) => ({ node, ready: 'True', unschedulable: true }),
    cordon: unused,
    uncordon: unused,
    recordNodeEvent: async () => undefined,
    listPodsOnNode: async () => pods,
    evictPod: async () => ({ outcome: 'blocked', pdbs: ['default/web'], message: 'PDB' }),
    deletePod: unused,
    disruptionBudgetsFor: async () => [],
    readWorkloads: unused,
  };
}

const input: DrainInput = {
  node: 'node-a',
  reason: 'drain',
  dryRun: false,
  timeout: '5 minutes',
  deleteEmptyDirData: true,
  deleteUnmanaged: false,
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

function activitiesFor(cluster: ClusterPort) {
  const budget: BudgetPort = { requestPermit: async () => undefined, closedWorkflows: async () => [] };
  return createActivities({
    cluster,
    notifier: { notify: async () => undefined },
    nodeProvider: () => ({ name: 'none', replace: async () => ({ outcome: 'handed-off', detail: '' }) }),
    budget,
  });
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
});
