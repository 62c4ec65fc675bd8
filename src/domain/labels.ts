/**
 * The labels and annotations the product reads and writes on Kubernetes objects, in one place, so
 * the detector, the activities and the adapter can never disagree about them.
 */

/** Who the product says it is when it marks objects (cordon annotation, Event source). */
export const MANAGER = 'temporal-self-healing';

/** Node labels that opt a node out of remediation, besides the product's own (config `opt_out_label`). */
export const OptOutLabels = {
  /** Medik8s Node Healthcheck: opted out when the value is `true`. */
  medik8s: 'remediation.medik8s.io/exclude-from-remediation',
  /** Cluster API MachineHealthCheck: opted out when present, whatever the value. */
  clusterApi: 'cluster.x-k8s.io/skip-remediation',
} as const;

/**
 * Labels that mark a control-plane node: kubeadm's current one and the legacy `master`, which
 * older clusters and some distributions still put on their control planes.
 */
export const ControlPlaneLabels = [
  'node-role.kubernetes.io/control-plane',
  'node-role.kubernetes.io/master',
] as const;

/** Annotations the product writes on a node it cordons (removed when it uncordons). */
export const NodeAnnotations = {
  cordonedBy: 'self-healing.temporal.io/cordoned-by',
  cordonReason: 'self-healing.temporal.io/cordon-reason',
  workflowId: 'self-healing.temporal.io/workflow-id',
  /** The workflow run that owns the cordon: see the ownership rule in README, Do no harm. */
  cordonOwner: 'self-healing.temporal.io/cordon-owner',
} as const;

/** Annotation the kubelet puts on the API mirror of a static pod. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** True when the labels mark a control-plane node. */
export function isControlPlane(labels: Readonly<Record<string, string>>): boolean {
  return ControlPlaneLabels.some((label) => Object.hasOwn(labels, label));
}

/**
 * Why the node is opted out of remediation, or undefined when it is not: Medik8s'
 * `remediation.medik8s.io/exclude-from-remediation=true`, Cluster API's
 * `cluster.x-k8s.io/skip-remediation` (any value), or `<productLabel>=true`.
 */
export function optOutReason(
  labels: Readonly<Record<string, string>>,
  productLabel: string,
): string | undefined {
  if (labels[OptOutLabels.medik8s] === 'true') return `${OptOutLabels.medik8s}=true`;
  if (Object.hasOwn(labels, OptOutLabels.clusterApi)) return OptOutLabels.clusterApi;
  if (labels[productLabel] === 'true') return `${productLabel}=true`;
  return undefined;
}
