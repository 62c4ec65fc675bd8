/**
 * A typed in-memory ClusterPort for workflow-logic tests. Adapters are tested against the lab;
 * this stand-in only lets a workflow test say "the node is Ready" and see what was done.
 */
import type { ClusterPort, CordonRequest, NotifierPort } from '../../src/activities/ports';
import { MANAGER } from '../../src/activities/ports';
import type { Alert, NodeHealth } from '../../src/workflows/types';

interface FakeNode {
  ready: NodeHealth['ready'];
  unschedulable: boolean;
  cordonedBy?: string;
}

export class FakeCluster implements ClusterPort {
  readonly nodes = new Map<string, FakeNode>();
  readonly calls: string[] = [];
  readonly events: string[] = [];

  addNode(name: string, ready: NodeHealth['ready'] = 'True'): this {
    this.nodes.set(name, { ready, unschedulable: false });
    return this;
  }

  setReady(name: string, ready: NodeHealth['ready']): void {
    const node = this.nodes.get(name);
    if (node) node.ready = ready;
  }

  async readNodeHealth(name: string): Promise<NodeHealth> {
    const node = this.nodes.get(name);
    if (!node) return { node: name, ready: 'gone', unschedulable: false };
    return {
      node: name,
      ready: node.ready,
      unschedulable: node.unschedulable,
      ...(node.cordonedBy ? { cordonedBy: node.cordonedBy } : {}),
    };
  }

  async cordon({ node: name }: CordonRequest): Promise<boolean> {
    this.calls.push(`cordon ${name}`);
    const node = this.nodes.get(name);
    if (!node) throw new Error(`node ${name} not found`);
    if (node.unschedulable && node.cordonedBy !== MANAGER) return false;
    node.unschedulable = true;
    node.cordonedBy = MANAGER;
    return true;
  }

  async uncordon(name: string): Promise<boolean> {
    this.calls.push(`uncordon ${name}`);
    const node = this.nodes.get(name);
    if (!node || node.cordonedBy !== MANAGER) return false;
    node.unschedulable = false;
    delete node.cordonedBy;
    return true;
  }

  async recordNodeEvent(name: string, event: { reason: string; message: string }): Promise<void> {
    this.events.push(`${name} ${event.reason}: ${event.message}`);
  }
}

export class RecordingNotifier implements NotifierPort {
  readonly alerts: Alert[] = [];
  async notify(alert: Alert): Promise<void> {
    this.alerts.push(alert);
  }
}
