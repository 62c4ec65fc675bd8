/**
 * The product's real activities (`createActivities`) over in-memory ports, for workflow tests: a
 * tiny cluster of nodes, pods and PodDisruptionBudgets that the ports read and change as the
 * Kubernetes adapter would (cordon ownership by workflow run, the Eviction API refusing what a PDB
 * protects), a node provider and a notifier. So dry-run, decisions and outputs under test are the
 * product's; only the cluster is simulated. The adapter itself is tested against the lab. The
 * budget activities are real too (they signal the budget workflow).
 */
import type { Client } from '@temporalio/client';
import type { Activities, ActivityDeps } from '../../src/activities';
import { createActivities } from '../../src/activities';
import { createTemporalBudget } from '../../src/activities/budget';
import type { NotificationRouting } from '../../src/activities/notify';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';
import type {
  ClusterPort,
  EvictionResult,
  NodeProvider,
  NotificationPorts,
  NotifierPort,
  PodOnNode,
  ReplaceOutcome,
  WorkloadRecoveryPort,
} from '../../src/activities/ports';
import type { Alert, NodeHealth, PodRef, WorkloadReadiness, WorkloadRef } from '../../src/domain';

export interface FakeNode {
  ready: NodeHealth['ready'];
  unschedulable: boolean;
  /** The cordon-owner annotation: the run ID of the recovery that cordoned it (kept by kubectl uncordon). */
  owner?: string;
  pressure: ('MemoryPressure' | 'DiskPressure')[];
  optedOut: boolean;
  controlPlane: boolean;
  /** BestEffort pods (`namespace/name`) the memory-pressure relief may evict, in order. */
  evictable: string[];
}

/** Every node starts with one pod of this Deployment, `default/web-<node>`, which a drain evicts. */
export const web: WorkloadRef = { kind: 'Deployment', namespace: 'default', name: 'web' };

export class FakeWorld {
  readonly nodes = new Map<string, FakeNode>();
  readonly pods: (PodOnNode & { node: string })[] = [];
  /** PodDisruptionBudgets by `namespace/name`: how many disruptions each allows, and whom it selects. */
  readonly pdbs = new Map<string, { allowed: number; selects: (pod: PodRef) => boolean }>();
  /** Every port call, in order: `read n`, `list n`, `cordon n`, `uncordon n`, `evict ns/p`, `delete ns/p`, `replace n via p`. */
  readonly calls: string[] = [];
  readonly alerts: Alert[] = [];
  replaceOutcome: ReplaceOutcome = {
    outcome: 'replaced',
    replacement: 'node-new',
    detail: 'created node-new',
  };
  /** Workload reads answer "0 ready" this many times before the workloads are back. */
  notReadyVerifications = 0;
  /** Where alerts go (the live config's routing); none by default. */
  routing: NotificationRouting | undefined;
  /** The notification channels the worker has. */
  channels: NotificationPorts = {};
  /** Called when a port is called, to let a test change the world at a precise step. */
  onCall: (call: string) => void = () => undefined;

  addNode(name: string, node: Partial<FakeNode> = {}): this {
    const fake: FakeNode = {
      ready: 'False',
      unschedulable: false,
      pressure: [],
      optedOut: false,
      controlPlane: false,
      evictable: [],
      ...node,
    };
    this.nodes.set(name, fake);
    this.pods.push(pod(name, 'default', `web-${name}`, 'Burstable'));
    for (const ref of fake.evictable) {
      const [namespace = 'default', podName = ref] = ref.split('/');
      this.pods.push(pod(name, namespace, podName, 'BestEffort'));
    }
    return this;
  }

  /** `kubectl uncordon`: schedulable again, annotations left as they are. */
  uncordonByHand(name: string): void {
    this.node(name).unschedulable = false;
  }

  node(name: string): FakeNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no fake node ${name}`);
    return node;
  }

  log(call: string): void {
    this.calls.push(call);
    this.onCall(call);
  }

  /** Calls that change the cluster (what dry-run must never make). */
  get mutations(): string[] {
    return this.calls.filter((c) => /^(cordon|uncordon|evict|delete|replace) /.test(c));
  }

  activities(client: Client, taskQueue: string): Activities {
    return createActivities({
      cluster: fakeCluster(this),
      workloads: noWorkloads,
      ...noServices,
      optOutLabel: () => 'self-healing.temporal.io/exclude',
      notifier: fakeNotifier(this),
      nodeProvider: (name) => fakeProvider(this, name),
      budget: createTemporalBudget(client, taskQueue),
      drainConcurrency: () => 1,
      routing: () => this.routing ?? { ...defaultRecoveryConfig, enabled: false },
      channels: this.channels,
    });
  }
}

function pod(node: string, namespace: string, name: string, qosClass: PodOnNode['qosClass']) {
  return {
    node,
    namespace,
    name,
    uid: `${namespace}/${name}`,
    phase: 'Running',
    controller: { kind: 'ReplicaSet', name: `${name}-rs` },
    workload: qosClass === 'BestEffort' ? { kind: 'Deployment' as const, namespace, name } : web,
    mirror: false,
    usesEmptyDir: false,
    qosClass,
    priority: 0,
    terminationGracePeriodSeconds: 30,
  };
}

function health(world: FakeWorld, name: string): NodeHealth {
  const node = world.nodes.get(name);
  if (!node) return { node: name, ready: 'gone', unschedulable: false };
  return {
    node: name,
    ready: node.ready,
    unschedulable: node.unschedulable,
    ...(node.owner ? { cordonOwner: node.owner, cordonedBy: 'temporal-self-healing' } : {}),
    pressure: [...node.pressure],
    optedOut: node.optedOut,
    controlPlane: node.controlPlane,
  };
}

/** Node tests simulate no workloads under recovery: a call fails loudly. */
export const noWorkloads: WorkloadRecoveryPort = new Proxy({} as WorkloadRecoveryPort, {
  get: (_target, method) => () =>
    Promise.reject(new Error(`FakeWorld simulates no workloads (${String(method)})`)),
});

/** The Service activities' deps for suites without Services: every port call rejects. */
export const noServices: Pick<ActivityDeps, 'services' | 'serviceConfig' | 'metricSource'> = {
  services: new Proxy({} as ActivityDeps['services'], {
    get: (_target, method) => () =>
      Promise.reject(new Error(`FakeWorld simulates no Services (${String(method)})`)),
  }),
  serviceConfig: () => defaultRecoveryConfig,
  metricSource: () => undefined,
};

/** The ClusterPort in memory, with the adapter's semantics (see src/activities/kubernetes). */
function fakeCluster(world: FakeWorld): ClusterPort {
  const selecting = (ref: PodRef) => [...world.pdbs].filter(([, pdb]) => pdb.selects(ref));
  return {
    async readNodeHealth(name) {
      world.log(`read ${name}`);
      return health(world, name);
    },
    async cordon({ node, owner }) {
      world.log(`cordon ${node}`);
      const n = world.nodes.get(node);
      if (!n) return 'gone';
      if (n.unschedulable) return n.owner === owner ? 'already-ours' : 'someone-elses';
      Object.assign(n, { unschedulable: true, owner });
      return 'cordoned';
    },
    async uncordon(node, owner) {
      world.log(`uncordon ${node}`);
      const n = world.nodes.get(node);
      if (!n) return 'gone';
      const ours = n.owner === owner;
      if (ours) delete n.owner;
      if (!n.unschedulable) return 'not-cordoned';
      if (!ours) return 'someone-elses';
      n.unschedulable = false;
      return 'uncordoned';
    },
    async recordNodeEvent() {
      return 'event';
    },
    async listPodsOnNode(node) {
      world.log(`list ${node}`);
      return world.pods.filter((p) => p.node === node).map(({ node: _node, ...p }) => p);
    },
    async resolveWorkloads(pods) {
      return [...pods];
    },
    async evictPod(ref): Promise<EvictionResult> {
      world.log(`evict ${ref.namespace}/${ref.name}`);
      const index = world.pods.findIndex((p) => p.namespace === ref.namespace && p.name === ref.name);
      if (index < 0) return { outcome: 'gone' };
      const budgets = selecting(ref);
      const blocking = budgets.filter(([, pdb]) => pdb.allowed <= 0).map(([name]) => name);
      if (blocking.length > 0)
        return { outcome: 'blocked', pdbs: blocking, message: 'would violate the PDB' };
      for (const [, pdb] of budgets) pdb.allowed -= 1;
      world.pods.splice(index, 1); // a fake kubelet confirms at once
      return { outcome: 'evicted' };
    },
    async deletePod(ref) {
      world.log(`delete ${ref.namespace}/${ref.name}`);
      const index = world.pods.findIndex((p) => p.namespace === ref.namespace && p.name === ref.name);
      if (index < 0) return 'gone';
      world.pods.splice(index, 1);
      return 'deleted';
    },
    async disruptionBudgetsFor(ref) {
      return selecting(ref).map(([name, pdb]) => ({ name, disruptionsAllowed: pdb.allowed }));
    },
    async readWorkloads(workloads): Promise<WorkloadReadiness[]> {
      world.log('read workloads');
      const back = world.notReadyVerifications-- <= 0;
      return workloads.map((w) => ({ ...w, desired: 1, ready: back ? 1 : 0 }));
    },
  };
}

function fakeNotifier(world: FakeWorld): NotifierPort {
  return {
    async notify(alert) {
      world.alerts.push(alert);
      return [{ channel: 'fake', id: String(world.alerts.length) }];
    },
  };
}

/** A provider that replaces the node by a Ready `replacement` (when the outcome names one). */
function fakeProvider(world: FakeWorld, name: string): NodeProvider {
  return {
    name,
    async replace(node) {
      world.log(`replace ${node} via ${name}`);
      const outcome = world.replaceOutcome;
      if (outcome.outcome === 'replaced' && outcome.replacement && !world.nodes.has(outcome.replacement))
        world.nodes.set(outcome.replacement, {
          ready: 'True',
          unschedulable: false,
          pressure: [],
          optedOut: false,
          controlPlane: false,
          evictable: [],
        });
      return outcome;
    },
  };
}
