/**
 * Typed activity fakes for workflow-logic tests: a tiny model of nodes that the activities read and
 * change, and a log of every call. The real activities are tested against the lab; here the point is
 * what the workflow decides. The budget activities are real (they signal the budget workflow).
 */
import { activityInfo } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Activities, DrainSummary, Ownership } from '../../src/activities';
import { createTemporalBudget } from '../../src/activities/budget';
import type { ReplaceOutcome } from '../../src/activities/ports';
import type { Alert, NodeHealth } from '../../src/domain';
import { disruptionBudgetWorkflowId } from '../../src/workflows/ids';

export interface FakeNode {
  ready: NodeHealth['ready'];
  unschedulable: boolean;
  /** The cordon-owner annotation: the run ID of the recovery that cordoned it (kept by kubectl uncordon). */
  owner?: string;
  pressure: ('MemoryPressure' | 'DiskPressure')[];
  optedOut: boolean;
  controlPlane: boolean;
  /** Pods the memory-pressure relief can evict, in order. */
  evictable: string[];
}

export class FakeWorld {
  readonly nodes = new Map<string, FakeNode>();
  readonly calls: string[] = [];
  readonly alerts: Alert[] = [];
  /** What the next drain returns. */
  drain: Pick<DrainSummary, 'outcome' | 'blockingPdbs' | 'unmanaged'> = {
    outcome: 'drained',
    blockingPdbs: [],
    unmanaged: [],
  };
  replaceOutcome: ReplaceOutcome = {
    outcome: 'replaced',
    replacement: 'node-new',
    detail: 'created node-new',
  };
  /** Verification fails this many times with "not ready yet" before it succeeds. */
  notReadyVerifications = 0;
  /** Called when an activity runs, to let a test change the world at a precise step. */
  onCall: (call: string) => void = () => undefined;

  addNode(name: string, node: Partial<FakeNode> = {}): this {
    this.nodes.set(name, {
      ready: 'False',
      unschedulable: false,
      pressure: [],
      optedOut: false,
      controlPlane: false,
      evictable: [],
      ...node,
    });
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
    return this.calls.filter(
      (c) => /^(cordon|uncordon|drain|evict|replace) /.test(c) && !c.includes('dry-run'),
    );
  }

  activities(client: Client, taskQueue: string): Activities {
    return fakeActivities(this, client, taskQueue);
  }
}

/** The run of the workflow whose activity is running: what the real activities own cordons by. */
const runId = (): string => activityInfo().workflowExecution?.runId ?? '';

function fakeActivities(world: FakeWorld, client: Client, taskQueue: string): Activities {
  const budget = createTemporalBudget(client, taskQueue);
  const health = (name: string): NodeHealth => {
    const node = world.nodes.get(name);
    if (!node) return { node: name, ready: 'gone', unschedulable: false };
    return {
      node: name,
      ready: node.ready,
      unschedulable: node.unschedulable,
      ...(node.owner ? { cordonOwner: node.owner } : {}),
      pressure: [...node.pressure],
      optedOut: node.optedOut,
      controlPlane: node.controlPlane,
    };
  };
  /** As the real activities read it right before a mutation. */
  const ownership = (name: string): Ownership => {
    const node = world.nodes.get(name);
    if (!node) return 'gone';
    return node.unschedulable && node.owner === runId() ? 'ours' : 'taken-back';
  };
  return {
    async readNodeHealth(name) {
      world.log(`read ${name}`);
      return health(name);
    },
    async cordonNode({ node, dryRun }) {
      if (dryRun) return { outcome: 'would-cordon' };
      world.log(`cordon ${node}`);
      const n = world.nodes.get(node);
      if (!n) return { outcome: 'gone' };
      if (n.unschedulable) return { outcome: n.owner === runId() ? 'already-ours' : 'someone-elses' };
      n.unschedulable = true;
      n.owner = runId();
      return { outcome: 'cordoned' };
    },
    async uncordonNode({ node, dryRun }) {
      if (dryRun) return { outcome: 'would-uncordon' };
      world.log(`uncordon ${node}`);
      const n = world.nodes.get(node);
      if (!n) return { outcome: 'gone' };
      const ours = n.owner === runId();
      if (!n.unschedulable) {
        if (ours) delete n.owner;
        return { outcome: 'not-cordoned' };
      }
      if (!ours) return { outcome: 'someone-elses' };
      n.unschedulable = false;
      delete n.owner;
      return { outcome: 'uncordoned' };
    },
    async drainNode({ node, dryRun, deleteUnmanaged }) {
      world.log(`drain ${node}${dryRun ? ' dry-run' : ''}${deleteUnmanaged ? ' delete-unmanaged' : ''}`);
      if (dryRun) {
        return {
          outcome: 'dry-run',
          lines: [`would evict default/web-1 from ${node}`],
          blockingPdbs: [],
          workloads: [],
          unmanaged: [],
        };
      }
      const web = { kind: 'Deployment' as const, namespace: 'default', name: 'web' };
      // The real drain asks before every eviction whether the node is still this run's.
      const owned = ownership(node);
      if (owned !== 'ours') {
        return {
          outcome: owned === 'gone' ? 'node-gone' : 'taken-back',
          lines: [`${node} is no longer this recovery's: stopped before the next eviction`],
          blockingPdbs: [],
          workloads: [],
          unmanaged: [],
        };
      }
      const { outcome, blockingPdbs, unmanaged } = world.drain;
      return {
        outcome,
        blockingPdbs,
        unmanaged: deleteUnmanaged ? [] : unmanaged,
        lines:
          outcome === 'drained'
            ? [`evicted default/web-1 from ${node}`]
            : [`PDB ${blockingPdbs.join(', ')} blocks the drain`],
        workloads: [web],
      };
    },
    async relievePressure({ node, dryRun }) {
      const pod = world.node(node).evictable[0];
      if (!pod) return { outcome: 'nothing-evictable' };
      if (!dryRun && ownership(node) !== 'ours') return { outcome: 'taken-back' };
      world.node(node).evictable.shift();
      if (dryRun) return { outcome: 'would-evict', pod, qosClass: 'BestEffort', priority: 0 };
      world.log(`evict ${pod}`);
      return { outcome: 'evicted', pod, qosClass: 'BestEffort', priority: 0 };
    },
    async replaceNode({ node, provider, dryRun }) {
      if (dryRun) return { outcome: 'replaced', detail: `would replace ${node} through ${provider}` };
      if (ownership(node) === 'taken-back') return { outcome: 'taken-back', detail: `${node} taken back` };
      world.log(`replace ${node} via ${provider}`);
      return world.replaceOutcome;
    },
    async verifyNodeRecovery({ node }) {
      world.log(`verify ${node ?? 'workloads'}`);
      if (world.notReadyVerifications-- > 0) throw new Error('not ready yet');
      return `verified ${node ?? 'workloads'}`;
    },
    async notify(alert) {
      world.alerts.push(alert);
      return [{ channel: 'fake', id: String(world.alerts.length) }];
    },
    requestPermit: async ({ scope, budget: id, ...request }) =>
      budget.requestPermit(id ?? disruptionBudgetWorkflowId(scope, taskQueue), scope, request),
    closedWorkflows: async (ids) => budget.closedWorkflows(ids),
  };
}
