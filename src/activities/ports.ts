/**
 * The narrow interfaces activities use to reach the outside world, in the product's own words.
 * Adapters implement them (src/activities/kubernetes for the cluster); tests may hand in typed fakes
 * where the point is a workflow's logic.
 */
import type { Alert, NodeHealth } from '../workflows/types';

/** Who the product says it is when it marks objects, e.g. in the cordon annotation. */
export const MANAGER = 'temporal-self-healing';

export interface CordonRequest {
  node: string;
  /** Why, recorded on the node so `kubectl describe node` tells the story. */
  reason: string;
  workflowId: string;
}

export interface ClusterPort {
  /** Current health of a node; `ready: 'gone'` when it no longer exists. */
  readNodeHealth(node: string): Promise<NodeHealth>;
  /**
   * Marks the node unschedulable and annotates who did it and why. Idempotent.
   * @returns false when the node was already cordoned by someone else (the product then leaves it alone).
   */
  cordon(request: CordonRequest): Promise<boolean>;
  /**
   * Makes the node schedulable again, only if this product cordoned it.
   * @returns false when the node was not cordoned by this product (nothing is changed).
   */
  uncordon(node: string, workflowId: string): Promise<boolean>;
  /** Records a Kubernetes Event on the node naming the workflow. */
  recordNodeEvent(
    node: string,
    event: { reason: string; message: string; type: 'Normal' | 'Warning' },
  ): Promise<void>;
}

export interface NotifierPort {
  notify(alert: Alert): Promise<void>;
}
