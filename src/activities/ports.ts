/**
 * The narrow interfaces activities use to reach the outside world, in the product's own words:
 * nodes, pods, PDBs, workloads, Events, node providers, notifications, metrics
 * (./metrics-source/port.ts), Services and replicas (./service/ports.ts). Adapters implement them
 * (src/activities/kubernetes for the cluster, ./metrics-source/prometheus.ts for Prometheus);
 * tests hand in typed fakes where the point is the logic above them.
 */
import type {
  Alert,
  AlertMessage,
  NodeHealth,
  PodRef,
  SlackMessageRef,
  WorkloadRef,
  WorkloadReadiness,
  WorkloadTarget,
} from '../domain';
import type { ScalingPort, ServicesPort } from './service/ports';
import type { WorkloadSnapshot } from './workload/snapshot';
export type { DeliveryError } from './notify/errors';
export type { MetricSource, InstantSample, RangeSeries, ParseVerdict } from './metrics-source/port';
export type {
  ReplicasPatch,
  ScalingPort,
  SelectedPod,
  ServiceObject,
  ServicePatch,
  ServicesPort,
  WorkloadReplicas,
} from './service/ports';

export { MANAGER } from '../domain/labels';

export interface CordonRequest {
  node: string;
  /** Why, recorded on the node so `kubectl describe node` tells the story. */
  reason: string;
  workflowId: string;
  /**
   * What makes the cordon this recovery's own: its workflow run ID, written on the node. Unique to
   * the run, so a later recovery of the same node (same workflow ID) never takes an earlier cordon,
   * or a human's, for its own. Undefined for recoveries started before owners existed (they
   * replay the older code path): for them the product's `cordoned-by` annotation alone decides.
   */
  owner: string | undefined;
}

/**
 * What a cordon found and did. `already-ours`: the node is unschedulable with this very owner's
 * annotation (a retried activity of the same run). `someone-elses`: it was unschedulable already,
 * whatever annotations it carries; the product leaves it alone.
 */
export type CordonResult = 'cordoned' | 'already-ours' | 'someone-elses' | 'gone';

/**
 * What an uncordon found and did. `not-cordoned`: the node is schedulable already (a person
 * uncordoned it, or a retried uncordon of ours succeeded before). `someone-elses`: unschedulable
 * under another owner; nothing is changed.
 */
export type UncordonResult = 'uncordoned' | 'not-cordoned' | 'someone-elses' | 'gone';

/** A pod on a node, with what drain decisions need and nothing else. */
export interface PodOnNode extends PodRef {
  uid: string;
  phase: string;
  /** The controller owning the pod, when it has one (ReplicaSet, StatefulSet, DaemonSet, Job, ...). */
  controller?: { kind: string; name: string };
  /** The workload whose readiness proves the pod was replaced (Deployment for a ReplicaSet pod). */
  workload?: WorkloadRef;
  /** Static pod mirrored by the kubelet (kubernetes.io/config.mirror annotation). */
  mirror: boolean;
  usesEmptyDir: boolean;
  qosClass: 'BestEffort' | 'Burstable' | 'Guaranteed';
  priority: number;
  terminationGracePeriodSeconds: number;
  /** ISO-8601, when the pod is already being deleted. */
  deletionTimestamp?: string;
}

export type EvictionResult =
  | { outcome: 'evicted' }
  | { outcome: 'gone' }
  /** 429 from a PodDisruptionBudget: retry later. `pdbs` names the budgets that select the pod. */
  | { outcome: 'blocked'; pdbs: string[]; message: string };

/** A PodDisruptionBudget as a drain decision needs it. */
export interface PdbStatus {
  /** `namespace/name`. */
  name: string;
  /** status.disruptionsAllowed: evictions the budget admits right now. */
  disruptionsAllowed: number;
}

/** Nodes: health, and the cordon the product owns by workflow run. */
export interface NodesPort {
  /** Current health of a node; `ready: 'gone'` when it no longer exists. */
  readNodeHealth(node: string): Promise<NodeHealth>;
  /**
   * Marks a schedulable node unschedulable and annotates who did it, why, and the owner, replacing
   * any stale annotations. Idempotent for the same owner. A node that is unschedulable already is
   * someone else's unless its owner annotation names `request.owner`.
   */
  cordon(request: CordonRequest): Promise<CordonResult>;
  /**
   * Makes the node schedulable again, only while it is cordoned under `owner`, and removes the
   * product's annotations. On a node that is schedulable already it only clears annotations that
   * name `owner`.
   */
  uncordon(node: string, owner: string | undefined): Promise<UncordonResult>;
}

/** Pods on a node, and the two ways the product makes one leave. */
export interface PodsPort {
  /**
   * Pods bound to the node (all namespaces), through a field selector on spec.nodeName. Each pod's
   * `workload` is resolved, which may cost a call per controller (a ReplicaSet's Deployment); with
   * `resolveWorkloads: false` it is set only where it is known without a call, and the listing is
   * one call.
   */
  listPodsOnNode(node: string, options?: { resolveWorkloads?: boolean }): Promise<PodOnNode[]>;
  /** The same pods, each with its `workload` resolved (see listPodsOnNode), in the same order. */
  resolveWorkloads(pods: readonly PodOnNode[]): Promise<PodOnNode[]>;
  /** Evicts a pod through the Eviction API (honours PodDisruptionBudgets), with the pod's own grace period. */
  evictPod(pod: PodRef, gracePeriodSeconds?: number): Promise<EvictionResult>;
  /** Deletes a pod outright (only for approved unmanaged pods, or pods on a node that is gone). */
  deletePod(pod: PodRef, gracePeriodSeconds?: number): Promise<'deleted' | 'gone'>;
}

/** PodDisruptionBudgets, read. */
export interface PdbsPort {
  /**
   * The PodDisruptionBudgets that select the pod, with how many disruptions each allows now.
   * Dry-run drains read them to say which PDB would block which pod, without evicting.
   */
  disruptionBudgetsFor(pod: PodRef): Promise<PdbStatus[]>;
}

/** Workloads, read: verification waits for their ready replicas. */
export interface WorkloadsPort {
  /** Desired and ready replicas of each workload. */
  readWorkloads(workloads: WorkloadRef[]): Promise<WorkloadReadiness[]>;
}

/** Kubernetes Events, written: the story `kubectl describe` tells. */
export interface EventsPort {
  /** Records a Kubernetes Event on the node naming the workflow. @returns the Event's name. */
  recordNodeEvent(
    node: string,
    event: { reason: string; message: string; type: 'Normal' | 'Warning' },
  ): Promise<string>;
}

/**
 * A JSON patch of a workload, sent only while the workload still has `resourceVersion` (a 409
 * otherwise): a remediation never lands on a workload someone changed after it was read.
 */
export interface WorkloadPatch {
  resourceVersion: string;
  operations: { op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }[];
}

/** How much of a workload a read takes: health checks read the least, a diagnosis the most. */
export type ReadDepth = 'health' | 'remediation' | 'diagnosis';

/** Workloads under recovery: what their diagnosis reads and how their remediations write. */
export interface WorkloadRecoveryPort {
  /**
   * The workload (`object` undefined when it is gone), its pods and HPA; with `remediation` also
   * its revisions; with `diagnosis` also its namespace's labels, owner chain and Events.
   */
  readWorkload(target: WorkloadTarget, depth: ReadDepth, failingPod?: string): Promise<WorkloadSnapshot>;
  /** The previous (crashed) container's last lines through the pod log API; undefined when none are served. */
  readPreviousLog(pod: PodRef, container: string, tailLines: number): Promise<string | undefined>;
  /** @returns `conflict` when the workload changed since it was read, `gone` when it was deleted. */
  patchWorkload(target: WorkloadTarget, patch: WorkloadPatch): Promise<'patched' | 'conflict' | 'gone'>;
  /** Records a Kubernetes Event on the workload (or the bare pod) naming the workflow. */
  recordWorkloadEvent(
    target: WorkloadTarget,
    event: { reason: string; message: string; type: 'Normal' | 'Warning' },
  ): Promise<string>;
}

/** What node recovery uses of the cluster; each activity takes only the ports it uses. */
export type ClusterPort = NodesPort & PodsPort & PdbsPort & WorkloadsPort & EventsPort;

/** Everything the Kubernetes adapter offers the activities. */
export type KubernetesPorts = ClusterPort & WorkloadRecoveryPort & ServicesPort & ScalingPort;

export type ReplaceOutcome =
  /** A replacement node exists (or will, from its MachineSet); `replacement` names it when known. */
  | { outcome: 'replaced'; replacement?: string; detail: string }
  /** The failed node was deleted; a cloud autoscaler or Karpenter provides capacity. */
  | { outcome: 'deleted'; detail: string }
  /** The provider cannot replace nodes: humans must. */
  | { outcome: 'handed-off'; detail: string };

/** Replaces a failed node: `sim` (kwok), `cluster-api` (delete the Machine), `delete-node`, `none`. */
export interface NodeProvider {
  readonly name: string;
  /** Idempotent: a second call after success reports the same outcome. */
  replace(node: string, workflowId: string): Promise<ReplaceOutcome>;
}

/**
 * Where an alert went, so a later message can thread onto it or resolve it: a Slack message's
 * channel and ts, a PagerDuty dedup key, a Kubernetes Event's name.
 */
export interface AlertRef {
  /** The channel that took it, e.g. `kubernetes-event`, `slack`, `pagerduty`. */
  channel: string;
  id: string;
}

export interface NotifierPort {
  /** Sends the alert to every channel that takes it. @returns one reference per channel that did. */
  notify(alert: Alert): Promise<AlertRef[]>;
}

/**
 * Slack through the Web API (`chat.postMessage`, `chat.update`), one adapter owning the client.
 * Failures are {@link DeliveryError}s.
 */
export interface SlackPort {
  /** Posts `message` to a channel (`#name`, `C…`) or a user (`@U…`, a direct message); answers its reference. */
  post(to: string, message: AlertMessage): Promise<SlackMessageRef>;
  /** Re-renders the message in place (decision taken, phase changed). */
  update(ref: SlackMessageRef, message: AlertMessage): Promise<void>;
  /** Adds lines to the message's thread (the recovery's timeline), as one reply. */
  reply(ref: SlackMessageRef, lines: string[]): Promise<void>;
}

/** Email through SMTP. Failures are {@link DeliveryError}s. */
export interface EmailPort {
  /** @returns the message ID the SMTP server accepted. */
  send(to: string[], message: AlertMessage): Promise<string>;
}

/** PagerDuty Events API v2; the dedup key is `message.workflowId`. Failures are {@link DeliveryError}s. */
export interface PagerDutyPort {
  enqueue(action: 'trigger' | 'resolve', message: AlertMessage): Promise<void>;
}

/** The notification channels this worker has credentials for; an absent one is not configured. */
export interface NotificationPorts {
  slack?: SlackPort;
  email?: EmailPort;
  pagerduty?: PagerDutyPort;
}
